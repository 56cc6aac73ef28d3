import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapDocs } from './crawler/testing.js';
import { type RunningRelay, startRelay } from './server.js';
import { selfSignedCert, testRelay } from './testing.js';
import { loadTls, parseTrustProxy } from './tls.js';

let dir: string;
let cert: string;
let key: string;
let otherKey: string;

/** A self-signed certificate for 127.0.0.1, and a key of no certificate. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-tls-'));
  ({ cert, key } = selfSignedCert(dir));
  otherKey = join(dir, 'other.pem');
  execFileSync(
    'openssl',
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', otherKey],
    {
      stdio: 'ignore',
    },
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('TLS files', () => {
  it('refuses a missing file, a file that is no PEM, and a key of another certificate', async () => {
    await expect(loadTls(join(dir, 'nope.pem'), key)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const junk = join(dir, 'junk.pem');
    await writeFile(junk, 'not a certificate');
    await expect(loadTls(junk, key)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const mismatch = await loadTls(cert, otherKey).catch((error: Error) => error);
    expect(mismatch).toMatchObject({ code: 'BAD_INPUT' });
    expect((mismatch as Error).message).toContain('cannot be used together');
    expect(await loadTls(cert, key)).toMatchObject({ cert: expect.any(Buffer), key: expect.any(Buffer) });
  });

  it('reads --trust-proxy addresses and CIDRs, refusing anything else', () => {
    expect(parseTrustProxy('127.0.0.1, ::1,10.0.0.0/8')).toEqual(['127.0.0.1', '::1', '10.0.0.0/8']);
    for (const bad of ['', 'localhost', '10.0.0.0/33', '1.2.3.4/8/9', '::1/129'])
      expect(() => parseTrustProxy(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('a relay serving https', () => {
  let relay: RunningRelay;
  let data: string;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'ferry-tls-relay-'));
    const docs = new MapDocs();
    relay = await startRelay({
      dataDir: data,
      host: '127.0.0.1',
      port: 0,
      crawlIntervalMs: 86_400_000,
      groupSize: 1000,
      logger: false,
      openDocStore: () => ({ get: (n) => docs.get(n), has: (n) => docs.has(n), close: async () => {} }),
      tls: { certFile: cert, keyFile: key },
    });
  });
  afterAll(async () => {
    await relay?.close();
    await rm(data, { recursive: true, force: true });
  });

  it('answers over https only, and marks the session cookie Secure', async () => {
    expect(relay.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await import('node:fs/promises').then((fs) => fs.readFile(cert));
    const call = (path: string, body?: unknown) =>
      new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const req = httpsRequest(
          `${relay.url}${path}`,
          { method: body ? 'POST' : 'GET', ca, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') }),
            );
          },
        );
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    expect((await call('/api/me')).status).toBe(401);
    await relay.auth.addUser('alice', 'alice-password');
    const login = await call('/api/login', { user: 'alice', password: 'alice-password' });
    expect(login.status).toBe(200);
    expect(login.cookie).toMatch(/ferry_session=.*; Secure/);
    // Plain http to the same port gets no answer from the API.
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest(`${relay.url.replace('https:', 'http:')}/api/me`, (res) => {
        res.resume();
        resolve(`status ${res.statusCode}`);
      });
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    expect(plain).not.toBe('status 401');
  });

  it('refuses to start with a key of another certificate, before opening the data folder', async () => {
    const other = await mkdtemp(join(tmpdir(), 'ferry-tls-refused-'));
    await expect(
      startRelay({
        dataDir: join(other, 'data'),
        host: '127.0.0.1',
        port: 0,
        crawlIntervalMs: 86_400_000,
        groupSize: 1000,
        logger: false,
        openDocStore: () => ({
          get: async () => {
            throw new Error('not opened');
          },
          close: async () => {},
        }),
        tls: { certFile: cert, keyFile: otherKey },
      }),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(import('node:fs/promises').then((fs) => fs.stat(join(other, 'data')))).rejects.toMatchObject(
      {
        code: 'ENOENT',
      },
    );
    await rm(other, { recursive: true, force: true });
  });
});

describe('behind a reverse proxy (--trust-proxy)', () => {
  it("believes a trusted proxy's X-Forwarded-Proto and -For, nobody else's", async () => {
    const login = async (trustProxy: string[] | undefined, from: string) => {
      const relay = await testRelay({
        trustProxy,
        authLimits: { perUser: 100, perAddress: 2, windowMs: 60_000 },
      });
      try {
        await relay.auth.addUser('alice', 'alice-password');
        const post = (ip: string, password: string) =>
          relay.app.inject({
            method: 'POST',
            url: '/api/login',
            remoteAddress: '127.0.0.1',
            headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': ip },
            payload: { user: 'alice', password },
          });
        // Two failures from one forwarded address use up that address's attempts...
        await post(from, 'wrong-one');
        await post(from, 'wrong-one');
        const sameAddress = await post(from, 'alice-password');
        // ... and another client behind the same proxy is a different address only if trusted.
        const other = await post('203.0.113.9', 'alice-password');
        return {
          sameAddress: sameAddress.statusCode,
          other: other.statusCode,
          cookie: String(other.headers['set-cookie'] ?? ''),
        };
      } finally {
        await relay.close();
      }
    };
    const trusted = await login(['127.0.0.1'], '198.51.100.7');
    expect(trusted).toMatchObject({ sameAddress: 429, other: 200 });
    expect(trusted.cookie).toMatch(/; Secure/);
    const untrusted = await login(undefined, '198.51.100.7');
    expect(untrusted).toMatchObject({ sameAddress: 429, other: 429 });
  });
});
