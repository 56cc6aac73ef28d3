import { FerryError } from '@ferry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DevicePage } from './page.js';

let page: DevicePage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});

async function startPage(
  bind = async (user: string, _password: string, device: string) => ({ user, device }),
) {
  const calls: string[] = [];
  page = new DevicePage({
    host: '127.0.0.1',
    port: 0,
    deviceName: 'pi',
    relayUrl: 'http://127.0.0.1:1',
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
  it('serves the page and the state', async () => {
    const { url } = await startPage();
    const html = await (await fetch(url)).text();
    expect(html).toContain('<form id="form">');
    expect(html).not.toMatch(/https?:\/\//); // no CDN, no external font
    expect(await (await fetch(`${url}/api/state`)).json()).toMatchObject({ bound: false, device: 'pi' });
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
