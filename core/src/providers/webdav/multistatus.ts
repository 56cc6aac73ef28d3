import { XMLParser } from 'fast-xml-parser';
import { FerryError } from '../../errors.js';
import type { DavResource } from './dav-props.js';

export { type DavResource, md5Of, PROPFIND_BODY, QUOTA_BODY, type WebdavHashSource } from './dav-props.js';

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  // Only the five XML entities; no DOCTYPE entities (no billion-laughs expansion from a server).
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === 'response' || name === 'propstat' || name === 'checksum',
});

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Reads a 207 Multi-Status body. `what` names the request in errors. A body that is not a
 * multistatus is refused with BAD_ENTRY: a listing Ferry cannot read must not look like an
 * empty folder.
 */
export function parseMultistatus(body: string, what: string): DavResource[] {
  let document: unknown;
  try {
    document = parser.parse(body);
  } catch (error) {
    throw new FerryError('BAD_ENTRY', `${what}: the server's answer is not valid XML`, undefined, {
      cause: error,
    });
  }
  const multistatus = isNode(document) ? document.multistatus : undefined;
  if (multistatus === undefined)
    throw new FerryError('BAD_ENTRY', `${what}: the server's answer is not a WebDAV multistatus`);
  // An empty <multistatus/> parses as ''.
  const responses = isNode(multistatus) && Array.isArray(multistatus.response) ? multistatus.response : [];
  const resources: DavResource[] = [];
  for (const response of responses) {
    if (!isNode(response)) continue;
    const href = text(response.href);
    if (href === undefined || href === '')
      throw new FerryError('BAD_ENTRY', `${what}: a response without href`);
    const resource: DavResource = { href, isCollection: false, checksums: new Map() };
    const propstats = Array.isArray(response.propstat) ? response.propstat : [];
    for (const propstat of propstats) {
      if (!isNode(propstat) || !/\s200\s/.test(` ${text(propstat.status) ?? ''} `)) continue;
      if (isNode(propstat.prop)) readProps(propstat.prop, resource, what);
    }
    resources.push(resource);
  }
  return resources;
}

function readProps(prop: Node, resource: DavResource, what: string): void {
  if (isNode(prop.resourcetype) && 'collection' in prop.resourcetype) resource.isCollection = true;
  const length = text(prop.getcontentlength);
  if (length !== undefined && length !== '') resource.size = wholeNumber(length, 'getcontentlength', what);
  const modified = text(prop.getlastmodified);
  if (modified !== undefined && modified !== '') {
    const mtime = Date.parse(modified);
    if (Number.isNaN(mtime))
      throw new FerryError('BAD_ENTRY', `${what}: getlastmodified '${modified}' is not a date`);
    resource.mtime = mtime;
  }
  const etag = text(prop.getetag);
  if (etag !== undefined && etag !== '') resource.etag = etag;
  if (isNode(prop.checksums))
    for (const checksum of (prop.checksums.checksum as unknown[]) ?? []) {
      // ownCloud: "SHA1:abc MD5:def ADLER32:123", one or several per <oc:checksum>.
      for (const word of (text(checksum) ?? '').split(/\s+/)) {
        const colon = word.indexOf(':');
        if (colon > 0) resource.checksums.set(word.slice(0, colon).toLowerCase(), word.slice(colon + 1));
      }
    }
  const available = text(prop['quota-available-bytes']);
  if (available !== undefined && /^\d+$/.test(available)) resource.quotaAvailable = Number(available);
  const used = text(prop['quota-used-bytes']);
  if (used !== undefined && /^\d+$/.test(used)) resource.quotaUsed = Number(used);
}

function wholeNumber(value: string, property: string, what: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number))
    throw new FerryError('BAD_ENTRY', `${what}: ${property} '${value}' is not a byte count`);
  return number;
}
