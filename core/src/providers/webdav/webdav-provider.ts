import type { Entry } from '../../entry.js';
import { FerryError } from '../../errors.js';
import type { Provider, ProviderCapabilities, Quota, ReadOptions } from '../../provider.js';
import { systemClock } from '../clock/index.js';
import { type FolderPage, walkFolders } from '../folder-walk.js';
import { rangedBody, rangedReadHeaders, rangedStatus } from '../http/ranged-read.js';
import { type HttpExchange, httpHeaders, httpText } from '../http/request.js';
import { Pacer, type PacerClock } from '../pacer.js';
import { checkReadRange, joinProviderPath, providerPathSegments } from '../provider-path.js';
import { type DavResource, md5Of, PROPFIND_BODY, QUOTA_BODY, type WebdavHashSource } from './dav-props.js';

export interface WebdavProviderInit {
  /** The folder this account is, as an http(s) URL (no credentials in it: use user/password). */
  url: string;
  user?: string;
  password?: string;
  /** Where MD5s come from; 'none' (default): versions are size + mtime. */
  hash?: WebdavHashSource;
  /** Requests at once (PROPFINDs and GETs), and folders listed at once. Default 4. */
  maxConcurrency?: number;
  /** Smallest gap between two requests. Default 0. */
  minIntervalMs?: number;
  /** Longest wait for an answer's headers (for PROPFIND: the whole answer). Default 120000. */
  timeoutMs?: number;
  /** Time source of the pacer (tests); the system clock otherwise. */
  clock?: PacerClock;
}

export const WEBDAV_HASH_SOURCES: readonly WebdavHashSource[] = ['none', 'checksums', 'etag'];

/** Entries waiting for the consumer before the walk stops asking for folders. */
const LIST_BUFFER = 1000;
const ok207 = (status: number) => status === 207;

/**
 * A WebDAV server (RFC 4918). Listing is a PROPFIND Depth: 1 walk, folder by folder (servers
 * refuse Depth: infinity), streamed through walkFolders; reads are GETs with a Range header;
 * every request goes through one Pacer. See README.md for hashes, limits and error mapping.
 */
export class WebdavProvider implements Provider {
  readonly name = 'webdav';
  readonly capabilities: ProviderCapabilities;
  private readonly base: URL;
  /** The base URL's path, decoded, to take hrefs apart. */
  private readonly baseSegments: string[];
  private readonly authorization: string | undefined;
  private readonly hash: WebdavHashSource;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly pacer: Pacer;
  private openRequests = 0;

  constructor(init: WebdavProviderInit) {
    this.base = checkBaseUrl(init.url);
    this.baseSegments = decodeSegments(this.base.pathname, 'webdav: url');
    this.hash = init.hash ?? 'none';
    if (!WEBDAV_HASH_SOURCES.includes(this.hash))
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `webdav: hash must be one of ${WEBDAV_HASH_SOURCES.join(', ')}, got '${String(init.hash)}'`,
      );
    if (init.user !== undefined || init.password !== undefined)
      this.authorization = `Basic ${Buffer.from(`${init.user ?? ''}:${init.password ?? ''}`).toString('base64')}`;
    this.concurrency = init.maxConcurrency ?? 4;
    this.timeoutMs = init.timeoutMs ?? 120_000;
    if (!Number.isSafeInteger(this.timeoutMs) || this.timeoutMs < 1)
      throw new FerryError('BAD_PROVIDER_OPTIONS', `webdav: timeoutMs must be a whole number >= 1`);
    this.pacer = new Pacer({
      concurrency: this.concurrency,
      minIntervalMs: init.minIntervalMs ?? 0,
      clock: init.clock ?? systemClock,
    });
    this.capabilities = {
      hashTypes: this.hash === 'none' ? [] : ['md5'],
      mtimePrecisionMs: 1000,
      rangeReads: true,
      emptyFolders: true,
    };
  }

  /** Requests sent and not finished, bodies included (0 when nothing runs). */
  get activeRequests(): number {
    return this.openRequests;
  }

  async *list(folder: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Entry> {
    const segments = providerPathSegments(folder);
    yield* walkFolders((sub, signal) => this.listFolder(segments, folder, sub, signal), {
      concurrency: this.concurrency,
      buffered: LIST_BUFFER,
      signal: options.signal,
    });
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    const segments = providerPathSegments(path);
    const what = `webdav: stat '${path}'`;
    const resources = await this.propfind(segments, false, '0', PROPFIND_BODY, options.signal, what);
    // Depth 0 describes the path alone; a server that spells it otherwise (another Unicode
    // normalisation, say) still answers with that one resource.
    const self =
      resources.find((resource) => sameSegments(this.hrefSegments(resource.href, what), segments)) ??
      (resources.length === 1 ? resources[0] : undefined);
    if (self === undefined)
      throw new FerryError('BAD_ENTRY', `${what}: the server did not describe the path`);
    return this.toEntry(path, self, what);
  }

  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    checkReadRange(options.offset, options.length);
    const segments = providerPathSegments(path);
    const what = `webdav: read '${path}'`;
    if (segments.length === 0) throw new FerryError('BAD_INPUT', `${what}: the root is a folder`);
    const offset = options.offset ?? 0;
    const { length, signal } = options;
    const url = this.urlFor(segments, false);
    if (length === 0) {
      // Nothing to read, but a missing file must still say NOT_FOUND.
      const head = await this.send({ method: 'HEAD', url, what, signal }, (status) => status === 200);
      await head.response.body?.cancel().catch(() => {});
      head.release();
      this.openRequests--;
      return;
    }
    const { response, release } = await this.send(
      { method: 'GET', url, what, signal, headers: rangedReadHeaders(offset, length) },
      rangedStatus,
    );
    try {
      yield* rangedBody(response, { offset, length, what, signal });
    } finally {
      release();
      this.openRequests--;
    }
  }

  async quota(options: { signal?: AbortSignal } = {}): Promise<Quota> {
    const what = 'webdav: quota';
    const resources = await this.propfind([], true, '0', QUOTA_BODY, options.signal, what);
    const root = resources.find((resource) => this.hrefSegments(resource.href, what).length === 0);
    const quota: Quota = {};
    if (root?.quotaAvailable !== undefined) quota.freeBytes = root.quotaAvailable;
    if (root?.quotaUsed !== undefined) quota.usedBytes = root.quotaUsed;
    if (quota.freeBytes !== undefined && quota.usedBytes !== undefined)
      quota.totalBytes = quota.freeBytes + quota.usedBytes;
    return quota;
  }

  /** Nothing to release: fetch's connection pool is shared and closes idle sockets by itself. */
  async close(): Promise<void> {}

  /** One folder of a walk that started at `baseSegments` (`base` as given); `sub` is relative to it. */
  private async listFolder(
    baseSegments: string[],
    base: string,
    sub: string,
    signal: AbortSignal,
  ): Promise<FolderPage> {
    const shown = joinProviderPath(base, sub);
    const what = `webdav: list '${shown}'`;
    const folder = sub === '' ? baseSegments : [...baseSegments, ...sub.split('/')];
    const resources = await this.propfind(folder, true, '1', PROPFIND_BODY, signal, what);
    const page: FolderPage = { entries: [], folders: [] };
    for (const resource of resources) {
      const segments = this.hrefSegments(resource.href, what);
      if (sameSegments(segments, folder)) {
        if (!resource.isCollection) throw new FerryError('BAD_INPUT', `${what}: is a file, not a folder`);
        continue;
      }
      if (segments.length !== folder.length + 1 || !sameSegments(segments.slice(0, -1), folder))
        throw new FerryError(
          'BAD_ENTRY',
          `${what}: the server answered for '${resource.href}', outside the folder`,
        );
      const path = joinProviderPath(sub, segments[segments.length - 1] as string);
      const entry = this.toEntry(path, resource, what);
      page.entries.push(entry);
      if (entry.isDir) page.folders.push(path);
    }
    return page;
  }

  private toEntry(path: string, resource: DavResource, what: string): Entry {
    const mtime = resource.mtime ?? 0;
    if (resource.isCollection) return { path, size: 0, mtime, isDir: true };
    if (resource.size === undefined)
      throw new FerryError('BAD_ENTRY', `${what}: '${path}' has no getcontentlength`);
    const entry: Entry = { path, size: resource.size, mtime, isDir: false };
    const md5 = md5Of(resource, this.hash);
    if (md5 !== undefined) {
      entry.hash = md5;
      entry.hashType = 'md5';
    }
    return entry;
  }

  private async propfind(
    segments: string[],
    folder: boolean,
    depth: '0' | '1',
    body: string,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<DavResource[]> {
    const headers: Record<string, string> = {
      Depth: depth,
      'Content-Type': 'application/xml; charset=utf-8',
    };
    if (this.authorization !== undefined) headers.Authorization = this.authorization;
    this.openRequests++;
    try {
      const answer = await this.pacer.run(
        () =>
          httpText(
            {
              method: 'PROPFIND',
              url: this.urlFor(segments, folder),
              headers,
              body,
              signal,
              timeoutMs: this.timeoutMs,
              what,
            },
            ok207,
          ),
        signal,
      );
      // Loaded on the first answer: importing Ferry's providers must not load the XML parser.
      const { parseMultistatus } = await import('./multistatus.js');
      return parseMultistatus(answer.text, what);
    } finally {
      this.openRequests--;
    }
  }

  /** A paced request whose body the caller reads; counted in activeRequests until the caller's finally. */
  private async send(
    request: {
      method: string;
      url: string;
      what: string;
      signal?: AbortSignal;
      headers?: Record<string, string>;
    },
    accept: (status: number) => boolean,
  ): Promise<HttpExchange> {
    const headers = { ...request.headers };
    if (this.authorization !== undefined) headers.Authorization = this.authorization;
    this.openRequests++;
    try {
      return await this.pacer.run(
        () => httpHeaders({ ...request, headers, timeoutMs: this.timeoutMs }, accept),
        request.signal,
      );
    } catch (error) {
      this.openRequests--;
      throw error;
    }
  }

  private urlFor(segments: string[], folder: boolean): string {
    const path = segments.map(encodeURIComponent).join('/');
    return new URL(`${path}${folder && segments.length > 0 ? '/' : ''}`, this.base).href;
  }

  /** An href's path below the base URL, decoded; BAD_ENTRY when it is not below it. */
  private hrefSegments(href: string, what: string): string[] {
    let pathname: string;
    if (href.startsWith('/')) pathname = href.replace(/[?#].*$/, '');
    else {
      try {
        pathname = new URL(href, this.base).pathname;
      } catch (error) {
        throw new FerryError('BAD_ENTRY', `${what}: href '${href}' is not a URL`, undefined, {
          cause: error,
        });
      }
    }
    const segments = decodeSegments(pathname, what);
    if (!sameSegments(segments.slice(0, this.baseSegments.length), this.baseSegments))
      throw new FerryError(
        'BAD_ENTRY',
        `${what}: the server answered for '${href}', outside the account's URL`,
      );
    return segments.slice(this.baseSegments.length);
  }
}

function checkBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FerryError('BAD_PROVIDER_OPTIONS', 'webdav: url must be an http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FerryError('BAD_PROVIDER_OPTIONS', 'webdav: url must be an http or https URL');
  // The URL itself is not repeated: it would carry the password.
  if (url.username !== '' || url.password !== '')
    throw new FerryError(
      'BAD_PROVIDER_OPTIONS',
      'webdav: url must not hold a user or password',
      'use --set user=… and --set password=…',
    );
  if (url.search !== '' || url.hash !== '')
    throw new FerryError('BAD_PROVIDER_OPTIONS', 'webdav: url must not have a query (?) or fragment (#)');
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** '/a%20b/c/' → ['a b', 'c']; a segment that decodes to '/', '.', '..' or NUL is refused. */
function decodeSegments(pathname: string, what: string): string[] {
  const segments: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch (error) {
      throw new FerryError('BAD_ENTRY', `${what}: '${raw}' is not percent-encoded correctly`, undefined, {
        cause: error,
      });
    }
    if (name.includes('/') || name.includes('\0') || name === '.' || name === '..')
      throw new FerryError('BAD_ENTRY', `${what}: the server names a file '${name}', which no path can hold`);
    segments.push(name);
  }
  return segments;
}

function sameSegments(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}
