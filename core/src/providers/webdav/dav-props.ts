/**
 * What a WebDAV listing is read into, and the MD5 rules, without the XML parser: the provider
 * loads multistatus.ts (fast-xml-parser) only when it parses its first answer.
 */

/** The properties Ferry asks for in every PROPFIND (oc: is ownCloud/Nextcloud's namespace). */
export const PROPFIND_BODY = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
  <d:prop><d:resourcetype/><d:getcontentlength/><d:getlastmodified/><d:getetag/><oc:checksums/></d:prop>
</d:propfind>`;

export const QUOTA_BODY = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:">
  <d:prop><d:quota-available-bytes/><d:quota-used-bytes/></d:prop>
</d:propfind>`;

/** One <response> of a 207 Multi-Status, with only the properties the server said 200 for. */
export interface DavResource {
  /** The href as sent (percent-encoded path or absolute URL). */
  href: string;
  isCollection: boolean;
  size?: number;
  /** Milliseconds since the epoch (getlastmodified is an HTTP date: whole seconds). */
  mtime?: number;
  etag?: string;
  /** `MD5:<hex>` … from oc:checksums, lowercased type. */
  checksums: Map<string, string>;
  quotaAvailable?: number;
  quotaUsed?: number;
}

const PLAIN_MD5 = /^[0-9a-fA-F]{32}$/;

/** Where an account's MD5s come from (option `hash`). */
export type WebdavHashSource = 'none' | 'checksums' | 'etag';

/**
 * The MD5 of a file, from the source the account names, only when it is a plain 32-hex MD5:
 * `checksums` reads oc:checksums (ownCloud, Nextcloud); `etag` reads a strong ETag that is a
 * quoted 32-hex string (rclone serve webdav --etag-hash MD5). Apache's "size-mtime", nginx's
 * "mtime-size" and weak "W/…" tags never pass. Any other ETag shape is no hash, not an error.
 */
export function md5Of(resource: DavResource, source: WebdavHashSource): string | undefined {
  if (source === 'checksums') {
    const checksum = resource.checksums.get('md5');
    return checksum !== undefined && PLAIN_MD5.test(checksum) ? checksum.toLowerCase() : undefined;
  }
  if (source !== 'etag' || resource.etag === undefined) return undefined;
  const unquoted = /^"([^"]*)"$/.exec(resource.etag)?.[1];
  return unquoted !== undefined && PLAIN_MD5.test(unquoted) ? unquoted.toLowerCase() : undefined;
}
