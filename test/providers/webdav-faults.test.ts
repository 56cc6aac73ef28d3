import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Entry, isFerryError, RateLimitedError, redactOptions } from '@ferry/core';
import { createProvider, getProviderFactory, WebdavProvider } from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingBinaries, startRcloneWebdav } from './dav-servers.js';

/**
 * The webdav provider's error mapping and edge cases against a tiny real HTTP server on loopback
 * (node:http): each path answers one way. No mocked fetch: the provider talks to a socket.
 */

const BODY = Buffer.from('0123456789abcdefghij');
const seen: { method: string; url: string; range?: string; authorization?: string; encoding?: string }[] = [];
let onceRateLimited = 0;
let endlessClosed = false;

function multistatus(responses: string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">${responses.join('')}</D:multistatus>`;
}
function fileResponse(href: string, size: number, etag = '"abc"'): string {
  return `<D:response><D:href>${href}</D:href><D:propstat><D:prop><D:resourcetype/><D:getcontentlength>${size}</D:getcontentlength><D:getlastmodified>Tue, 14 Nov 2023 22:15:23 GMT</D:getlastmodified><D:getetag>${etag}</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
}
function folderResponse(href: string): string {
  return `<D:response><D:href>${href}</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
}

function handle(request: IncomingMessage, response: ServerResponse): unknown {
  const url = request.url ?? '/';
  seen.push({
    method: request.method ?? '',
    url,
    range: request.headers.range,
    authorization: request.headers.authorization,
    encoding: request.headers['accept-encoding'],
  });
  const path = url.replace(/^\/dav/, '');
  const status = (code: number, headers: Record<string, string> = {}) => {
    response.writeHead(code, headers);
    response.end();
  };
  if (path.startsWith('/unauthorized')) return status(401, { 'WWW-Authenticate': 'Basic realm="x"' });
  if (path.startsWith('/forbidden')) return status(403);
  if (path.startsWith('/missing')) return status(404);
  if (path.startsWith('/slow-down')) return status(429, { 'Retry-After': '120' });
  if (path.startsWith('/busy-until'))
    return status(503, { 'Retry-After': new Date(Date.now() + 3_600_000).toUTCString() });
  if (path.startsWith('/busy')) return status(503, { 'Retry-After': '600' });
  if (path.startsWith('/down')) return status(503);
  if (path.startsWith('/teapot')) return status(418);
  if (path.startsWith('/once-limited')) {
    if (onceRateLimited++ === 0) return status(429, { 'Retry-After': '0' });
    response.writeHead(200, { 'Content-Length': String(BODY.length) });
    return void response.end(BODY);
  }
  if (path.startsWith('/reset')) return void request.socket.destroy();
  if (path.startsWith('/hang')) return; // never answers
  if (path.startsWith('/truncated')) {
    response.writeHead(200, { 'Content-Length': '100' });
    response.write(BODY);
    setTimeout(() => request.socket.destroy(), 20);
    return;
  }
  if (path.startsWith('/endless')) {
    // A body far bigger than anyone reads; tells the test when the client let go of it.
    response.writeHead(200, { 'Content-Length': String(1024 * 1024 * 1024) });
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = () => {
      while (!response.destroyed && response.write(chunk)) {}
    };
    response.on('drain', pump);
    response.on('close', () => {
      endlessClosed = true;
    });
    return pump();
  }
  if (path.startsWith('/no-range')) {
    response.writeHead(200, { 'Content-Length': String(BODY.length) });
    return void response.end(BODY);
  }
  if (path.startsWith('/wrong-range')) {
    response.writeHead(206, { 'Content-Range': `bytes 0-3/${BODY.length}`, 'Content-Length': '4' });
    return void response.end(BODY.subarray(0, 4));
  }
  if (request.method === 'PROPFIND') {
    response.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' });
    if (path.startsWith('/garbage/')) return void response.end('<html>not dav</html>');
    if (path.startsWith('/outside/'))
      return void response.end(
        multistatus([folderResponse('/dav/outside/'), fileResponse('/elsewhere/x.txt', 1)]),
      );
    if (path.startsWith('/owncloud/'))
      return void response.end(
        `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">${[
          '/dav/owncloud/',
          '/dav/owncloud/a.txt',
          '/dav/owncloud/b.txt',
        ]
          .map(
            (href, i) =>
              `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${
                i === 0
                  ? '<d:resourcetype><d:collection/></d:resourcetype>'
                  : `<d:resourcetype/><d:getcontentlength>7</d:getcontentlength><d:getlastmodified>Tue, 14 Nov 2023 22:15:23 GMT</d:getlastmodified><d:getetag>"ffffffffffffffffffffffffffffffff"</d:getetag>${
                      i === 1
                        ? '<oc:checksums><oc:checksum>SHA1:da39a3ee5e6b4b0d3255bfef95601890afd80709 MD5:D41D8CD98F00B204E9800998ECF8427E ADLER32:00000001</oc:checksum></oc:checksums>'
                        : ''
                    }`
              }</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:propstat><d:prop><oc:size/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>`,
          )
          .join('')}</d:multistatus>`,
      );
    if (path.startsWith('/respelled/'))
      // A server that stores names decomposed (NFD) and answers so, whatever was asked.
      return void response.end(multistatus([fileResponse('/dav/respelled/cafe%CC%81.txt', 9)]));
    if (path.startsWith('/names/'))
      return void response.end(
        multistatus([
          folderResponse('/dav/names/'),
          fileResponse('/dav/names/a%20b%20%231%25.txt', 3, '"0123456789ABCDEF0123456789abcdef"'),
          // An absolute href with raw (unencoded) unicode, as some servers send.
          fileResponse(
            `http://${request.headers.host}/dav/names/caf\u00e9.txt`,
            4,
            'W/"0123456789abcdef0123456789abcdef"',
          ),
          fileResponse('/dav/names/5-6610fcbe88712', 5, '"5-6610fcbe88712"'),
        ]),
      );
    if (path.startsWith('/quota'))
      // The href names the account root for /quota/, and something else for /quota-elsewhere/.
      return void response.end(
        `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/${path.startsWith('/quota-elsewhere') ? 'other' : 'quota'}/</d:href><d:propstat><d:prop><d:quota-available-bytes>1000</d:quota-available-bytes><d:quota-used-bytes>234</d:quota-used-bytes></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`,
      );
    return void response.end(multistatus([]));
  }
  return status(404);
}

let server: Server;
let base: string;
const make = (options: Partial<ConstructorParameters<typeof WebdavProvider>[0]> = {}) =>
  new WebdavProvider({ url: base, timeoutMs: 2000, ...options });

async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    return isFerryError(error) ? error.code : `untyped: ${String(error)}`;
  }
  return 'no error';
}
async function readAll(provider: WebdavProvider, path: string, offset?: number, length?: number) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of provider.read(path, { offset, length })) chunks.push(chunk);
  return Buffer.concat(chunks);
}
async function listAll(provider: WebdavProvider, folder: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  for await (const entry of provider.list(folder)) entries.push(entry);
  return entries;
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dav/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('webdav error mapping (real HTTP server on loopback)', () => {
  it('maps 401, 403, 404 to AUTH, PERMISSION, NOT_FOUND for stat, list and read', async () => {
    const provider = make();
    expect(await codeOf(() => provider.stat('unauthorized/x'))).toBe('AUTH');
    expect(await codeOf(() => listAll(provider, 'unauthorized'))).toBe('AUTH');
    expect(await codeOf(() => readAll(provider, 'forbidden/x'))).toBe('PERMISSION');
    expect(await codeOf(() => provider.stat('missing/x'))).toBe('NOT_FOUND');
    expect(await codeOf(() => readAll(provider, 'missing/x', 3, 4))).toBe('NOT_FOUND');
    // A 0-byte read still asks (HEAD): a missing file is not an empty one.
    expect(await codeOf(() => readAll(provider, 'missing/x', 0, 0))).toBe('NOT_FOUND');
    expect(seen.at(-1)?.method).toBe('HEAD');
  });

  it('maps 429 and 503 + Retry-After to RateLimitedError with the wait in ms', async () => {
    const provider = make();
    const limited = await provider.stat('slow-down/x').catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(120_000);
    const busy = await readAll(provider, 'busy/x').catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(RateLimitedError);
    expect((busy as RateLimitedError).retryAfterMs).toBe(600_000);
    const until = await provider.stat('busy-until/x').catch((error: unknown) => error);
    expect(until).toBeInstanceOf(RateLimitedError);
    const wait = (until as RateLimitedError).retryAfterMs ?? 0;
    expect(wait > 3_500_000 && wait <= 3_600_000).toBe(true);
  });

  it('waits out a short Retry-After in the pacer and succeeds', async () => {
    onceRateLimited = 0;
    const provider = make();
    expect((await readAll(provider, 'once-limited/x')).equals(BODY)).toBe(true);
    expect(onceRateLimited).toBe(2);
  });

  it('maps 503 without Retry-After, resets, refused connections and timeouts to TRANSIENT', async () => {
    const provider = make({ timeoutMs: 300 });
    expect(await codeOf(() => provider.stat('down/x'))).toBe('TRANSIENT');
    expect(await codeOf(() => provider.stat('reset/x'))).toBe('TRANSIENT');
    expect(await codeOf(() => readAll(provider, 'reset/x'))).toBe('TRANSIENT');
    expect(await codeOf(() => provider.stat('hang/x'))).toBe('TRANSIENT');
    expect(await codeOf(() => readAll(provider, 'hang/x'))).toBe('TRANSIENT');
    const closed = new WebdavProvider({ url: 'http://127.0.0.1:1/', timeoutMs: 2000 });
    expect(await codeOf(() => closed.stat('x'))).toBe('TRANSIENT');
    expect(provider.activeRequests).toBe(0);
  });

  it('leaves an unexpected status untyped (a bug to look at), not a guess', async () => {
    expect(await codeOf(() => make().stat('teapot/x'))).toMatch(/^untyped: .*HTTP 418/);
  });

  it('ends a body cut short with TRUNCATED, after yielding what came', async () => {
    const provider = make();
    const chunks: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of provider.read('truncated/x')) chunks.push(chunk);
    })().catch((e: unknown) => e);
    expect(isFerryError(error, 'TRUNCATED')).toBe(true);
    expect(Buffer.concat(chunks).equals(BODY)).toBe(true);
    expect(provider.activeRequests).toBe(0);
  });

  it('lets go of the connection when the consumer stops reading early', async () => {
    const provider = make();
    for await (const _chunk of provider.read('endless/x')) break;
    expect(provider.activeRequests).toBe(0);
    for (let i = 0; i < 200 && !endlessClosed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(endlessClosed, 'the server saw the connection close').toBe(true);
  });

  it('reads the right bytes from a server that ignores Range (skips to the offset)', async () => {
    const provider = make();
    expect((await readAll(provider, 'no-range/x', 5, 4)).toString()).toBe('5678');
    expect(seen.at(-1)).toMatchObject({ range: 'bytes=5-8', encoding: 'identity' });
    expect((await readAll(provider, 'no-range/x', 18)).toString()).toBe('ij');
    // A whole read asks for the bytes as stored, never gzip (offsets and Content-Length must agree).
    expect((await readAll(provider, 'no-range/x')).equals(BODY)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ range: undefined, encoding: 'identity' });
    expect((await readAll(provider, 'no-range/x', 50)).length).toBe(0);
    expect(await codeOf(() => readAll(provider, 'wrong-range/x', 7, 2))).toBe('TRANSIENT');
  });

  it('leaves no listener on a long-lived caller signal (a crawl passes one to every request)', async () => {
    const crawl = new AbortController();
    const provider = make();
    for (let i = 0; i < 20; i++) {
      await provider.stat('missing/x', { signal: crawl.signal }).catch(() => {});
      for await (const _chunk of provider.read('no-range/x', { signal: crawl.signal, offset: 2 })) break;
      for await (const _entry of provider.list('names', { signal: crawl.signal })) break;
    }
    expect(getEventListeners(crawl.signal, 'abort')).toHaveLength(0);
  });

  it('passes the caller abort through unchanged', async () => {
    const controller = new AbortController();
    const pending = make()
      .stat('hang/x', { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort(new Error('caller stopped'));
    expect(((await pending) as Error).message).toBe('caller stopped');
  });
});

describe('webdav names, hashes and answers', () => {
  it('percent-encodes request paths and decodes hrefs, relative or absolute', async () => {
    const provider = make({ hash: 'etag' });
    const entries = await listAll(provider, 'names');
    expect(seen.at(-1)).toMatchObject({ method: 'PROPFIND', url: '/dav/names/' });
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect([...byPath.keys()].sort()).toEqual(['5-6610fcbe88712', 'a b #1%.txt', 'caf\u00e9.txt']);
    // Only a strong, plain 32-hex ETag is an MD5; a weak one and Apache's size-mtime are not.
    expect(byPath.get('a b #1%.txt')).toMatchObject({
      size: 3,
      mtime: Date.parse('2023-11-14T22:15:23Z'),
      hash: '0123456789abcdef0123456789abcdef',
      hashType: 'md5',
    });
    expect(byPath.get('caf\u00e9.txt')?.hash).toBeUndefined();
    expect(byPath.get('5-6610fcbe88712')?.hash).toBeUndefined();
    await provider.stat('dir with space/#1 50%.txt').catch(() => {});
    expect(seen.at(-1)?.url).toBe('/dav/dir%20with%20space/%231%2050%25.txt');
    await readAll(provider, 'unicode/cafe\u0301.txt').catch(() => {});
    expect(seen.at(-1)?.url).toBe('/dav/unicode/cafe%CC%81.txt');
  });

  it('takes the MD5 of oc:checksums with hash=checksums, and never the ETag then', async () => {
    const entries = await listAll(make({ hash: 'checksums' }), 'owncloud');
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect(byPath.get('a.txt')).toMatchObject({
      hash: 'd41d8cd98f00b204e9800998ecf8427e',
      hashType: 'md5',
      size: 7,
    });
    expect(byPath.get('b.txt')?.hash).toBeUndefined();
  });

  it('takes the one resource of a Depth 0 answer even when the server spells its name otherwise', async () => {
    const entry = await make().stat('respelled/caf\u00e9.txt');
    expect(seen.at(-1)).toMatchObject({ method: 'PROPFIND', url: '/dav/respelled/caf%C3%A9.txt' });
    expect(entry).toMatchObject({ path: 'respelled/caf\u00e9.txt', size: 9, isDir: false });
  });

  it('never reports a hash when the account says none, even for an MD5-looking ETag', async () => {
    const entries = await listAll(make({ hash: 'none' }), 'names');
    expect(entries.every((entry) => entry.hash === undefined)).toBe(true);
  });

  it('refuses an answer that is not a multistatus, or names a path outside the folder', async () => {
    expect(await codeOf(() => listAll(make(), 'garbage'))).toBe('BAD_ENTRY');
    expect(await codeOf(() => listAll(make(), 'outside'))).toBe('BAD_ENTRY');
  });

  it('reads quota-available-bytes and quota-used-bytes of the account root', async () => {
    expect(await new WebdavProvider({ url: `${base}quota/` }).quota()).toEqual({
      freeBytes: 1000,
      usedBytes: 234,
      totalBytes: 1234,
    });
    expect(seen.at(-1)).toMatchObject({ method: 'PROPFIND', url: '/dav/quota/' });
    // No quota properties (Apache, nginx, rclone 1.60): nothing is known.
    expect(await make().quota()).toEqual({});
    // An answer about another resource is not this account's quota.
    expect(await codeOf(() => new WebdavProvider({ url: `${base}quota-elsewhere/` }).quota())).toBe(
      'BAD_ENTRY',
    );
  });

  it('spaces its requests by minIntervalMs through the pacer', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const provider = make({ minIntervalMs: 100, clock });
    for (let i = 0; i < 3; i++) await provider.stat('missing/x').catch(() => {});
    expect(sleeps).toEqual([100, 100]);
  });

  it('sends basic auth only when configured', async () => {
    await make({ user: 'ann', password: 's3cret' })
      .stat('missing/x')
      .catch(() => {});
    expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from('ann:s3cret').toString('base64')}`);
    await make()
      .stat('missing/x')
      .catch(() => {});
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });
});

describe('webdav options', () => {
  it('is registered, checks its options and hides the password', () => {
    const factory = getProviderFactory('webdav');
    expect(factory.options.find((option) => option.key === 'password')?.type).toBe('secret');
    const provider = createProvider('webdav', { url: base, hash: 'etag', maxConcurrency: '2' });
    expect(provider.capabilities.hashTypes).toEqual(['md5']);
    expect(createProvider('webdav', { url: base }).capabilities.hashTypes).toEqual([]);
    expect(redactOptions(factory, { url: base, password: 'hunter2' }).password).toBe('***');
  });

  it('refuses credentials in the URL without repeating them, and unknown hash sources', async () => {
    const error = await (async () =>
      createProvider('webdav', { url: 'https://ann:hunter2@dav.example/' }))().catch((e: unknown) => e);
    expect(isFerryError(error, 'BAD_PROVIDER_OPTIONS')).toBe(true);
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(await codeOf(async () => createProvider('webdav', { url: base, hash: 'sha1' }))).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
    expect(await codeOf(async () => createProvider('webdav', { url: 'ftp://x/' }))).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
  });
});

describe.skipIf(missingBinaries('rclone').length > 0)('webdav against a real server with auth', () => {
  it('answers AUTH for a wrong password and lists with the right one', async () => {
    const dav = await startRcloneWebdav();
    try {
      const wrong = new WebdavProvider({ url: dav.url, user: dav.user, password: 'wrong' });
      expect(await codeOf(() => listAll(wrong, ''))).toBe('AUTH');
      const right = new WebdavProvider({ url: dav.url, user: dav.user, password: dav.password });
      expect(await listAll(right, '')).toEqual([]);
    } finally {
      await dav.stop();
    }
  });
});
