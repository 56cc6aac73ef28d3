import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '@ferry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DevicePage } from './page.js';

let page: DevicePage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});

/** A webui build in miniature: device.html, one asset, and files that must never be served. */
let built = '';
let unbuilt = '';
beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'ferry-page-built-'));
  unbuilt = await mkdtemp(join(tmpdir(), 'ferry-page-unbuilt-'));
  await mkdir(join(built, 'assets', 'sub'), { recursive: true });
  await writeFile(join(built, 'device.html'), '<!doctype html><ferry-device-page></ferry-device-page>');
  await writeFile(join(built, 'assets', 'device-AbC123.js'), 'export const page = 1;');
  await writeFile(join(built, 'assets', 'odd.bin'), 'x');
  await writeFile(join(built, 'assets', '.hidden'), 'SECRET-HIDDEN');
  await writeFile(join(built, 'assets', 'sub', 'x.js'), 'SECRET-NESTED');
  await writeFile(join(built, 'secret.txt'), 'SECRET-OUTSIDE');
});
afterAll(async () => {
  await rm(built, { recursive: true, force: true });
  await rm(unbuilt, { recursive: true, force: true });
});

/** A request with its path sent as is (fetch would normalise `..` away before sending). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(`${url}${path}`, { path }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function startPage(
  bind = async (user: string, _password: string, device: string) => ({ user, device }),
  pageDir = built,
) {
  const calls: string[] = [];
  page = new DevicePage({
    host: '127.0.0.1',
    port: 0,
    deviceName: 'pi',
    relayUrl: 'http://127.0.0.1:1',
    pageDir,
    status: () => ({ bound: false, device: 'pi', relay: 'http://127.0.0.1:1', containers: [] }),
    bind: async (user, password, device) => {
      calls.push(`${user}/${device}`);
      return bind(user, password, device);
    },
  });
  await page.listen();
  return { url: page.url, calls };
}

function post(
  url: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  return fetch(`${url}/api/bind`, { method: 'POST', headers, body });
}

describe('device page', () => {
  it('serves the built page, its assets and the state', async () => {
    const { url } = await startPage();
    const index = await fetch(url);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<ferry-device-page>');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('content-security-policy')).not.toContain("script-src 'unsafe-inline'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const asset = await fetch(`${url}/assets/device-AbC123.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('export const page = 1;');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/assets/odd.bin`)).headers.get('content-type')).toBe(
      'application/octet-stream',
    );
    expect(await (await fetch(`${url}/api/state`)).json()).toMatchObject({ bound: false, device: 'pi' });
  });

  it('serves plain asset names only: no path, no dot file, nothing outside assets/', async () => {
    const { url } = await startPage();
    for (const path of [
      '/assets/../secret.txt',
      '/assets/..%2Fsecret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/.hidden',
      '/assets/sub/x.js',
      '/assets/sub%2Fx.js',
      '/assets/',
      '/assets/missing.js',
      '/secret.txt',
      '/device.html',
    ]) {
      const answer = await rawGet(url, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('SECRET-');
    }
  });

  it('falls back to the plain inline page, saying so, when the webui is not built', async () => {
    const { url } = await startPage(undefined, unbuilt);
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    const html = await answer.text();
    expect(html).toContain('<form id="form">');
    expect(html).toContain('the full page is not built here');
    expect(html).not.toMatch(/https?:\/\//); // no CDN, no external font
    expect((await fetch(`${url}/assets/device-AbC123.js`)).status).toBe(404);
  });

  it('binds with the credentials, once, and answers the relay refusal as JSON', async () => {
    let refuse = false;
    const { url, calls } = await startPage(async (user, _password, device) => {
      if (refuse) throw new FerryError('UNAUTHORIZED', 'wrong user or password');
      return { user, device };
    });
    const ok = await post(url, JSON.stringify({ user: 'alice', password: 'secret-pass', device: 'nas' }));
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ user: 'alice', device: 'nas' });
    refuse = true;
    const wrong = await post(url, JSON.stringify({ user: 'alice', password: 'nope' }));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('FERRY_UNAUTHORIZED');
    expect(calls).toEqual(['alice/nas', 'alice/pi']);
  });

  it('refuses bad bodies and other sites before calling the relay', async () => {
    const { url, calls } = await startPage();
    const cases: [string, Record<string, string>, number, RegExp][] = [
      ['{"user":"a","password":"p"}', { 'content-type': 'text/plain' }, 400, /application\/json/],
      ['not json', { 'content-type': 'application/json' }, 400, /not JSON/],
      ['[]', { 'content-type': 'application/json' }, 400, /JSON object/],
      ['{"user":"a"}', { 'content-type': 'application/json' }, 400, /'password' is required/],
      ['{"user":"a","password":"p","device":"../x"}', { 'content-type': 'application/json' }, 400, /device/],
      [
        '{"user":"a","password":"p"}',
        { 'content-type': 'application/json', origin: 'http://evil.example' },
        403,
        /another site/,
      ],
      [
        JSON.stringify({ user: 'a', password: 'p'.repeat(20_000) }),
        { 'content-type': 'application/json' },
        400,
        /over/,
      ],
    ];
    for (const [body, headers, status, message] of cases) {
      const response = await post(url, body, headers);
      expect(response.status, body.slice(0, 40)).toBe(status);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(calls).toEqual([]);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
