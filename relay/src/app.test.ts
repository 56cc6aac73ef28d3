import {
  deviceDocName,
  groupDocName,
  indexDocName,
  progressDocName,
  writeCrawlState,
  writeDeviceStatus,
  writeEntries,
  writeGroupProgress,
  writeGroupSummaries,
  writeReceipt,
} from '@ferry/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PAIRING_TTL_MS } from './auth/auth.js';
import { apiTables } from './db.js';
import { accessLookups } from './lookups.js';
import { type TestRelay, testProvider, testRelay } from './testing.js';

let relay: TestRelay;

interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

async function call(method: string, url: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await relay.app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body === '' ? undefined : response.json(),
    raw: response.body,
  };
}

/** Polls a condition of the relay's own state (no timing is asserted). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error('the condition never held');
}

async function userToken(user: string, password = `${user}-password`): Promise<string> {
  if (!(await relay.auth.hasUsers())) await relay.auth.setupFirstUser(user, password);
  else await relay.auth.addUser(user, password).catch(() => undefined);
  const response = await call('POST', '/api/login', { body: { user, password } });
  expect(response.status).toBe(200);
  return response.body.token;
}

async function deviceToken(userTok: string, device: string): Promise<string> {
  const code = await call('POST', '/api/pairing-codes', { token: userTok });
  const paired = await call('POST', '/api/devices/pair', { body: { code: code.body.code, device } });
  expect(paired.status).toBe(201);
  return paired.body.token;
}

async function addAccount(token: string, name: string) {
  return call('POST', '/api/accounts', {
    token,
    body: { name, provider: 'fake', options: { root: '/r', token: 'good' } },
  });
}

beforeEach(async () => {
  relay = await testRelay();
});
afterEach(async () => {
  await relay.close();
});

describe('setup, login, sessions', () => {
  it('creates the first user once from the panel', async () => {
    expect((await call('GET', '/api/setup')).body).toEqual({ hasUser: false });
    const created = await call('POST', '/api/setup', { body: { user: 'alice', password: 'alice-password' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^fs_/);
    expect((await call('GET', '/api/setup')).body).toEqual({ hasUser: true });
    const again = await call('POST', '/api/setup', { body: { user: 'eve', password: 'eve-password' } });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('FERRY_FORBIDDEN');
    expect(await relay.auth.checkCredentials('eve', 'eve-password', 'x').catch((e) => e.code)).toBe(
      'UNAUTHORIZED',
    );
  });

  it('refuses a bad first user and changes nothing', async () => {
    const short = await call('POST', '/api/setup', { body: { user: 'alice', password: 'short' } });
    expect(short.status).toBe(400);
    const badName = await call('POST', '/api/setup', { body: { user: '../x', password: 'long-enough' } });
    expect(badName.body.error.code).toBe('FERRY_BAD_INPUT');
    expect((await call('GET', '/api/setup')).body).toEqual({ hasUser: false });
  });

  it('logs in with a token and an httpOnly SameSite=Strict cookie', async () => {
    await relay.auth.addUser('alice', 'alice-password');
    const login = await call('POST', '/api/login', { body: { user: 'alice', password: 'alice-password' } });
    expect(login.status).toBe(200);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toContain(`ferry_session=${login.body.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect((await call('GET', '/api/me', { token: login.body.token })).body).toEqual({ user: 'alice' });
    const byCookie = await call('GET', '/api/me', {
      headers: { cookie: `x=1; ferry_session=${login.body.token}` },
    });
    expect(byCookie.body).toEqual({ user: 'alice' });
  });

  it('answers a wrong password and an unknown user the same way', async () => {
    await relay.auth.addUser('alice', 'alice-password');
    const wrong = await call('POST', '/api/login', { body: { user: 'alice', password: 'not-it-at-all' } });
    const unknown = await call('POST', '/api/login', { body: { user: 'nobody', password: 'not-it-at-all' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.raw).toBe(unknown.raw);
    expect(wrong.body.error.code).toBe('FERRY_UNAUTHORIZED');
  });

  it('rate-limits failed logins per user with 429 and Retry-After', async () => {
    await relay.close();
    relay = await testRelay({ authLimits: { perUser: 2, perAddress: 100, windowMs: 60_000 } });
    await relay.auth.addUser('alice', 'alice-password');
    for (let i = 0; i < 2; i++)
      expect(
        (await call('POST', '/api/login', { body: { user: 'alice', password: 'wrong-one' } })).status,
      ).toBe(401);
    const limited = await call('POST', '/api/login', { body: { user: 'alice', password: 'alice-password' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('FERRY_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('60');
    relay.clock.now += 60_000;
    expect(
      (await call('POST', '/api/login', { body: { user: 'alice', password: 'alice-password' } })).status,
    ).toBe(200);
  });

  it('rate-limits failed logins per address', async () => {
    await relay.close();
    relay = await testRelay({ authLimits: { perUser: 100, perAddress: 3, windowMs: 60_000 } });
    await relay.auth.addUser('alice', 'alice-password');
    for (const user of ['u1', 'u2', 'u3'])
      await call('POST', '/api/login', { body: { user, password: 'wrong-one' } });
    const limited = await call('POST', '/api/login', { body: { user: 'alice', password: 'alice-password' } });
    expect(limited.status).toBe(429);
  });

  it('logout revokes the session and clears the cookie', async () => {
    const token = await userToken('alice');
    const other = await userToken('alice');
    const out = await call('POST', '/api/logout', { token });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await call('GET', '/api/me', { token })).status).toBe(401);
    expect((await call('GET', '/api/me', { token: other })).status).toBe(200);
  });

  it('needs the CSRF header for state-changing requests authenticated by cookie', async () => {
    const token = await userToken('alice');
    const cookie = `ferry_session=${token}`;
    const bare = await call('POST', '/api/pairing-codes', { headers: { cookie } });
    expect(bare.status).toBe(403);
    expect(bare.body.error.message).toContain('x-ferry-csrf');
    const withHeader = await call('POST', '/api/pairing-codes', { headers: { cookie, 'x-ferry-csrf': '1' } });
    expect(withHeader.status).toBe(201);
    expect((await call('GET', '/api/devices', { headers: { cookie } })).status).toBe(200);
  });
});

describe('errors', () => {
  it('answers unknown routes, bad JSON and unknown fields with JSON errors', async () => {
    const missing = await call('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('FERRY_NOT_FOUND');
    const badJson = await relay.app.inject({
      method: 'POST',
      url: '/api/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"user": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('FERRY_BAD_INPUT');
    expect(badJson.body).not.toContain('at ');
    const extra = await call('POST', '/api/login', { body: { user: 'a', password: 'b', admin: true } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toBe("body field 'admin' is not accepted");
    const absent = await call('POST', '/api/login', { body: { user: 'a' } });
    expect(absent.body.error.message).toBe("body field 'password' is required");
    const wrongType = await call('POST', '/api/login', { body: { user: 'a', password: 5 } });
    expect(wrongType.body.error.message).toContain("body field 'password'");
  });

  it('refuses requests without a valid token', async () => {
    expect((await call('GET', '/api/accounts')).status).toBe(401);
    expect((await call('GET', '/api/accounts', { token: 'fs_made-up' })).status).toBe(401);
    expect((await call('GET', '/api/status', { token: 'nonsense' })).body.error.code).toBe(
      'FERRY_UNAUTHORIZED',
    );
  });
});

describe('devices', () => {
  it('pairs with a one-time code, which expires after 10 minutes', async () => {
    const token = await userToken('alice');
    const code = await call('POST', '/api/pairing-codes', { token });
    expect(code.status).toBe(201);
    expect(code.body.expiresAt).toBe(relay.clock.now + PAIRING_TTL_MS);
    const paired = await call('POST', '/api/devices/pair', { body: { code: code.body.code, device: 'pi' } });
    expect(paired.body).toMatchObject({ user: 'alice', device: 'pi' });
    const reused = await call('POST', '/api/devices/pair', { body: { code: code.body.code, device: 'pi2' } });
    expect(reused.status).toBe(401);

    const late = await call('POST', '/api/pairing-codes', { token });
    relay.clock.now += PAIRING_TTL_MS + 1;
    const expired = await call('POST', '/api/devices/pair', {
      body: { code: late.body.code, device: 'pi3' },
    });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toContain('expired');
    const list = await call('GET', '/api/devices', { token });
    expect(list.body.devices.map((d: { name: string }) => d.name)).toEqual(['pi']);
  });

  it('binds with credentials once and refuses a wrong password', async () => {
    await userToken('alice');
    const bound = await call('POST', '/api/devices/bind', {
      body: { user: 'alice', password: 'alice-password', device: 'nas' },
    });
    expect(bound.status).toBe(201);
    expect(bound.body.token).toMatch(/^fd_/);
    const self = await call('GET', '/api/device/self', { token: bound.body.token });
    expect(self.body).toEqual({ user: 'alice', device: 'nas' });
    const wrong = await call('POST', '/api/devices/bind', {
      body: { user: 'alice', password: 'wrong-password', device: 'nas2' },
    });
    expect(wrong.status).toBe(401);
    const taken = await call('POST', '/api/devices/bind', {
      body: { user: 'alice', password: 'alice-password', device: 'nas' },
    });
    expect(taken.status).toBe(409);
  });

  it('keeps device tokens to device routes, and unbinding revokes the token', async () => {
    const token = await userToken('alice');
    const device = await deviceToken(token, 'pi');
    expect((await call('GET', '/api/accounts', { token: device })).status).toBe(403);
    expect((await call('POST', '/api/pairing-codes', { token: device })).status).toBe(403);
    expect((await call('GET', '/api/me', { token: device })).status).toBe(403);
    expect((await call('GET', '/api/device/self', { token })).status).toBe(403);
    expect((await call('DELETE', '/api/devices/pi', { token })).status).toBe(204);
    expect((await call('GET', '/api/device/self', { token: device })).status).toBe(401);
    const list = await call('GET', '/api/devices', { token });
    expect(list.body.devices).toMatchObject([{ name: 'pi', bound: false }]);
  });
});

describe('device rename', () => {
  it('sets and clears a display label; the name, token and documents stay', async () => {
    const token = await userToken('alice');
    const device = await deviceToken(token, 'pi');
    const renamed = await call('PATCH', '/api/devices/pi', { token, body: { label: '  Living-room NAS ' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'pi', label: 'Living-room NAS', bound: true });
    expect((await call('GET', '/api/devices', { token })).body.devices).toMatchObject([
      { name: 'pi', label: 'Living-room NAS' },
    ]);
    expect((await call('GET', '/api/status', { token })).body.devices).toMatchObject([
      { name: 'pi', label: 'Living-room NAS' },
    ]);
    // The device's token still names the same device.
    expect((await call('GET', '/api/device/self', { token: device })).body).toEqual({
      user: 'alice',
      device: 'pi',
    });

    const cleared = await call('PATCH', '/api/devices/pi', { token, body: { label: '' } });
    expect(cleared.body.label).toBeUndefined();
    expect((await call('GET', '/api/status', { token })).body.devices[0].label).toBeNull();
  });

  it('refuses a bad label, a missing body, a device token and another user, changing nothing', async () => {
    const token = await userToken('alice');
    const device = await deviceToken(token, 'pi');
    await call('PATCH', '/api/devices/pi', { token, body: { label: 'NAS' } });
    const refusals = [
      await call('PATCH', '/api/devices/pi', { token, body: { label: 'x'.repeat(65) } }),
      await call('PATCH', '/api/devices/pi', { token, body: { label: 'bell\u0007' } }),
      await call('PATCH', '/api/devices/pi', { token, body: { label: 42 } }),
      await call('PATCH', '/api/devices/pi', { token, body: { label: 'NAS', extra: true } }),
      await call('PATCH', '/api/devices/pi', { token, body: {} }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(refusals[0]?.body.error.code).toBe('FERRY_BAD_INPUT');
    expect((await call('PATCH', '/api/devices/pi', { token: device, body: { label: 'mine' } })).status).toBe(
      403,
    );
    const bob = await userToken('bob');
    expect((await call('PATCH', '/api/devices/pi', { token: bob, body: { label: 'mine' } })).status).toBe(
      404,
    );
    expect((await call('PATCH', '/api/devices/nope', { token, body: { label: 'x' } })).status).toBe(404);
    expect((await call('GET', '/api/devices', { token })).body.devices).toMatchObject([
      { name: 'pi', label: 'NAS' },
    ]);
  });
});

describe('accounts', () => {
  it('lists providers with their option schemas', async () => {
    const token = await userToken('alice');
    const providers = await call('GET', '/api/providers', { token });
    expect(providers.body.providers[0]).toMatchObject({
      name: 'fake',
      options: [{ key: 'root' }, { key: 'token' }, { key: 'pin' }],
    });
  });

  it('checks, tries, encrypts and saves an account, never returning its options', async () => {
    const token = await userToken('alice');
    const added = await addAccount(token, 'box');
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ name: 'box', provider: 'fake', createdAt: relay.clock.now });
    const list = await call('GET', '/api/accounts', { token });
    expect(list.body.accounts).toEqual([added.body]);
    expect(list.raw).not.toContain('good');
    const stored = await relay.db.level.sublevel('accounts', { valueEncoding: 'utf8' }).values().all();
    expect(stored.join()).not.toContain('"good"');
    expect((await addAccount(token, 'box')).status).toBe(409);
  });

  it('marks an account whose rclone remote names an OAuth app of its own, and the mark follows the options', async () => {
    // The relay's bookkeeping only: a stand-in named rclone whose listing works (a real drive
    // remote would need Google); the sign-in itself is relay/src/routes/oauth.test.ts.
    await relay.close();
    relay = await testRelay({
      providers: [
        testProvider,
        {
          ...testProvider,
          name: 'rclone',
          options: [
            { key: 'remote', type: 'string', required: true, help: 'remote name' },
            { key: 'remoteConfig', type: 'secret', required: true, help: 'the remote' },
          ],
          create: (options) => testProvider.create({ root: '/r', token: 'good', pin: 'k', ...options }),
        },
      ],
    });
    const token = await userToken('alice');
    const driveRemote = 'type = drive\nclient_id = my-app\nclient_secret = s3cret\ntoken = {}\n';
    const added = await call('POST', '/api/accounts', {
      token,
      body: { name: 'gdrive', provider: 'rclone', options: { remote: 'gdrive', remoteConfig: driveRemote } },
    });
    expect(added.body).toMatchObject({ name: 'gdrive', oauth: 'drive' });
    const pasted = await call('PATCH', '/api/accounts/gdrive', {
      token,
      body: { options: { remoteConfig: 'type = local\n' } },
    });
    expect(pasted.status).toBe(200);
    expect(pasted.body.oauth).toBeUndefined();
    const back = await call('PATCH', '/api/accounts/gdrive', {
      token,
      body: { options: { remoteConfig: driveRemote } },
    });
    expect(back.body.oauth).toBe('drive');
    expect((await call('GET', '/api/accounts', { token })).body.accounts[0].oauth).toBe('drive');
  });

  it('refuses an unknown provider, a missing option, a refused listing and a silent provider', async () => {
    const token = await userToken('alice');
    const unknown = await call('POST', '/api/accounts', {
      token,
      body: { name: 'x', provider: 'nope', options: {} },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('FERRY_UNKNOWN_PROVIDER');
    const missing = await call('POST', '/api/accounts', {
      token,
      body: { name: 'x', provider: 'fake', options: { token: 'good' } },
    });
    expect(missing.body.error).toMatchObject({ code: 'FERRY_BAD_PROVIDER_OPTIONS' });
    expect(missing.body.error.message).toContain("'root'");
    const refused = await call('POST', '/api/accounts', {
      token,
      body: { name: 'x', provider: 'fake', options: { root: '/r', token: 'bad-secret-value' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('FERRY_AUTH');
    expect(refused.raw).not.toContain('bad-secret-value');
    const silent = await call('POST', '/api/accounts', {
      token,
      body: { name: 'x', provider: 'fake', options: { root: 'hang', token: 'good' } },
    });
    expect(silent.body.error.code).toBe('FERRY_BAD_PROVIDER_OPTIONS');
    expect(silent.body.error.message).toContain('did not answer');
    expect((await call('GET', '/api/accounts', { token })).body.accounts).toEqual([]);
  });

  it('updates an account in place: given options replace, null drops, the rest stays; the device gets them', async () => {
    const token = await userToken('alice');
    const device = await deviceToken(token, 'pi');
    await addAccount(token, 'box');
    await call('POST', '/api/containers', { token, body: { name: 'photos', account: 'box', device: 'pi' } });
    const optionsOnDevice = async () =>
      (await call('GET', '/api/device/containers', { token: device })).body.containers[0].options;
    expect(await optionsOnDevice()).toEqual({ root: '/r', token: 'good', pin: 'key-seen-first' });

    const updated = await call('PATCH', '/api/accounts/box', {
      token,
      body: { options: { root: '/new', pin: 'mine' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ name: 'box', provider: 'fake', createdAt: relay.clock.now });
    expect(await optionsOnDevice()).toEqual({ root: '/new', token: 'good', pin: 'mine' });
    // null drops a saved option: the pin is learned again on the check's listing.
    await call('PATCH', '/api/accounts/box', { token, body: { options: { pin: null } } });
    expect(await optionsOnDevice()).toEqual({ root: '/new', token: 'good', pin: 'key-seen-first' });
    const stored = await relay.db.level.sublevel('accounts', { valueEncoding: 'utf8' }).values().all();
    expect(stored.join()).not.toContain('"good"');
  });

  it('refuses a bad account update and changes nothing', async () => {
    const token = await userToken('alice');
    const device = await deviceToken(token, 'pi');
    await addAccount(token, 'box');
    await call('POST', '/api/containers', { token, body: { name: 'photos', account: 'box', device: 'pi' } });
    const patch = (body: unknown, as = token, name = 'box') =>
      call('PATCH', `/api/accounts/${name}`, { token: as, body });
    const refused = await patch({ options: { token: 'bad-secret-value' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('FERRY_BAD_PROVIDER_OPTIONS');
    expect(refused.body.error.message).toContain('FERRY_AUTH');
    expect(refused.raw).not.toContain('bad-secret-value');
    expect((await patch({ options: { root: null } })).body.error.message).toContain("'root'");
    expect((await patch({ options: { nope: 'x' } })).status).toBe(400);
    expect((await patch({ options: {} })).status).toBe(400);
    expect((await patch({})).status).toBe(400);
    expect((await patch({ options: { root: ['a'] } })).status).toBe(400);
    expect((await patch({ options: { root: '/x' } }, device)).status).toBe(403);
    expect((await patch({ options: { root: '/x' } }, await userToken('bob'))).status).toBe(404);
    expect((await patch({ options: { root: '/x' } }, token, 'nope')).status).toBe(404);
    const options = (await call('GET', '/api/device/containers', { token: device })).body.containers[0]
      .options;
    expect(options).toEqual({ root: '/r', token: 'good', pin: 'key-seen-first' });
  });

  it('refuses to remove an account a container uses', async () => {
    const token = await userToken('alice');
    await deviceToken(token, 'pi');
    await addAccount(token, 'box');
    await call('POST', '/api/containers', { token, body: { name: 'photos', account: 'box', device: 'pi' } });
    const refused = await call('DELETE', '/api/accounts/box', { token });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('photos');
    await call('DELETE', '/api/containers/photos', { token });
    expect((await call('DELETE', '/api/accounts/box', { token })).status).toBe(204);
    expect((await call('DELETE', '/api/accounts/box', { token })).status).toBe(404);
  });
});

describe('containers', () => {
  it('creates a container, starts its first crawl and schedules it', async () => {
    const token = await userToken('alice');
    await deviceToken(token, 'pi');
    await addAccount(token, 'box');
    const created = await call('POST', '/api/containers', {
      token,
      body: { name: 'photos', account: 'box', device: 'pi', folder: '/Photos/2024/', groupSize: 500 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      folder: 'Photos/2024',
      groupSize: 500,
      crawlIntervalMs: 86_400_000,
    });
    expect(relay.crawler.crawled).toEqual(['photos']);
    expect(relay.crawler.scheduled).toEqual([{ name: 'photos', crawlIntervalMs: 86_400_000 }]);
    expect((await call('POST', '/api/containers/photos/crawl', { token })).status).toBe(202);
    expect(relay.crawler.crawled).toEqual(['photos', 'photos']);
    const list = await call('GET', '/api/containers', { token });
    expect(list.body.containers.map((c: { name: string }) => c.name)).toEqual(['photos']);
    expect((await call('DELETE', '/api/containers/photos', { token })).status).toBe(204);
    expect(relay.crawler.unscheduled).toEqual(['photos']);
    expect((await call('GET', '/api/containers', { token })).body.containers).toEqual([]);
  });

  it('refuses bad input and changes nothing', async () => {
    const token = await userToken('alice');
    await deviceToken(token, 'pi');
    await addAccount(token, 'box');
    const bad = [
      { name: 'a', account: 'box', device: 'pi', folder: 'x/../y' },
      { name: 'a', account: 'box', device: 'pi', groupSize: 0 },
      { name: 'a', account: 'box', device: 'pi', crawlIntervalMs: 1000 },
      { name: 'a b', account: 'box', device: 'pi' },
      { name: 'a', account: 'nope', device: 'pi' },
      { name: 'a', account: 'box', device: 'nope' },
      { name: 'a', account: 'box' },
    ];
    for (const body of bad) {
      const refused = await call('POST', '/api/containers', { token, body });
      expect(refused.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(refused.body.error.code).toMatch(/^FERRY_(BAD_INPUT|NOT_FOUND)$/);
    }
    expect((await call('GET', '/api/containers', { token })).body.containers).toEqual([]);
    expect(relay.crawler.crawled).toEqual([]);
  });
});

describe('isolation between users', () => {
  it("user B cannot use, list, read or change anything of user A's", async () => {
    const a = await userToken('alice');
    const aDevice = await deviceToken(a, 'pi');
    await addAccount(a, 'box');
    await call('POST', '/api/containers', {
      token: a,
      body: { name: 'photos', account: 'box', device: 'pi' },
    });
    const b = await userToken('bob');
    const bDevice = await deviceToken(b, 'bobpi');
    await addAccount(b, 'bobbox');

    // Container on A's account or A's device.
    const onAccount = await call('POST', '/api/containers', {
      token: b,
      body: { name: 'steal', account: 'box', device: 'bobpi' },
    });
    expect(onAccount.status).toBe(404);
    const onDevice = await call('POST', '/api/containers', {
      token: b,
      body: { name: 'steal', account: 'bobbox', device: 'pi' },
    });
    expect(onDevice.status).toBe(404);
    // A's container name is A's, even after A removes it.
    const sameName = await call('POST', '/api/containers', {
      token: b,
      body: { name: 'photos', account: 'bobbox', device: 'bobpi' },
    });
    expect(sameName.status).toBe(409);

    // Lists show nothing of A's.
    expect(
      (await call('GET', '/api/accounts', { token: b })).body.accounts.map((x: { name: string }) => x.name),
    ).toEqual(['bobbox']);
    expect((await call('GET', '/api/containers', { token: b })).body.containers).toEqual([]);
    expect(
      (await call('GET', '/api/devices', { token: b })).body.devices.map((x: { name: string }) => x.name),
    ).toEqual(['bobpi']);
    const status = await call('GET', '/api/status', { token: b });
    expect(status.raw).not.toContain('photos');
    expect(status.body.devices.map((x: { name: string }) => x.name)).toEqual(['bobpi']);

    // Writes to A's things read as missing.
    expect((await call('DELETE', '/api/containers/photos', { token: b })).status).toBe(404);
    expect((await call('POST', '/api/containers/photos/crawl', { token: b })).status).toBe(404);
    expect((await call('DELETE', '/api/accounts/box', { token: b })).status).toBe(404);
    expect((await call('DELETE', '/api/devices/pi', { token: b })).status).toBe(404);
    expect(relay.crawler.crawled).toEqual(['photos']);

    // B's device sees only its own status and containers; A's device still works.
    const bStatus = await call('GET', '/api/status', { token: bDevice });
    expect(bStatus.body.containers).toEqual([]);
    expect(bStatus.body.devices.map((x: { name: string }) => x.name)).toEqual(['bobpi']);
    expect((await call('GET', '/api/device/containers', { token: bDevice })).body.containers).toEqual([]);
    expect((await call('GET', '/api/device/self', { token: aDevice })).status).toBe(200);

    await call('DELETE', '/api/containers/photos', { token: a });
    const afterRemoval = await call('POST', '/api/containers', {
      token: b,
      body: { name: 'photos', account: 'bobbox', device: 'bobpi' },
    });
    expect(afterRemoval.status).toBe(409);
    const aAgain = await call('POST', '/api/containers', {
      token: a,
      body: { name: 'photos', account: 'box', device: 'pi' },
    });
    expect(aAgain.status).toBe(201);
  });

  it('keeps what the provider learned on its first listing (a host key to pin) with the account', async () => {
    const a = await userToken('alice');
    await deviceToken(a, 'pi');
    const device = await deviceToken(a, 'nas');
    await call('POST', '/api/accounts', {
      token: a,
      body: { name: 'new', provider: 'fake', options: { root: '/r', token: 'good' } },
    });
    await call('POST', '/api/accounts', {
      token: a,
      body: { name: 'pinned', provider: 'fake', options: { root: '/r', token: 'good', pin: 'mine' } },
    });
    await call('POST', '/api/containers', { token: a, body: { name: 'c1', account: 'new', device: 'nas' } });
    await call('POST', '/api/containers', {
      token: a,
      body: { name: 'c2', account: 'pinned', device: 'nas' },
    });
    const options = (await call('GET', '/api/device/containers', { token: device })).body.containers.map(
      (c: { options: Record<string, unknown> }) => c.options.pin,
    );
    expect(options).toEqual(['key-seen-first', 'mine']);
  });

  it('gives the account options to the bound device only', async () => {
    const a = await userToken('alice');
    const device = await deviceToken(a, 'pi');
    await addAccount(a, 'box');
    await call('POST', '/api/containers', {
      token: a,
      body: { name: 'photos', account: 'box', device: 'pi' },
    });
    const mine = await call('GET', '/api/device/containers', { token: device });
    expect(mine.body.containers).toEqual([
      {
        name: 'photos',
        folder: '',
        account: 'box',
        groupSize: 1000,
        provider: 'fake',
        // pin: learned by the account's test listing and kept with it.
        options: { root: '/r', token: 'good', pin: 'key-seen-first' },
      },
    ]);
    expect((await call('GET', '/api/device/containers', { token: a })).status).toBe(403);
    // Another device of the same user gets nothing of pi's containers.
    const other = await deviceToken(a, 'nas');
    expect((await call('GET', '/api/device/containers', { token: other })).body.containers).toEqual([]);
  });

  it('holds a device that waits on its list until the list changes (a container added, its account updated)', async () => {
    const a = await userToken('alice');
    const device = await deviceToken(a, 'pi');
    await addAccount(a, 'box');
    const first = await call('GET', '/api/device/containers', { token: device });
    expect(first.body).toEqual({ containers: [], version: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const held = call('GET', `/api/device/containers?wait=${first.body.version}`, { token: device });
    await until(() => relay.changes.size === 1);
    await call('POST', '/api/containers', {
      token: a,
      body: { name: 'photos', account: 'box', device: 'pi' },
    });
    const added = await held;
    expect(added.body.containers.map((c: { name: string }) => c.name)).toEqual(['photos']);
    expect(added.body.version).not.toBe(first.body.version);

    const again = call('GET', `/api/device/containers?wait=${added.body.version}`, { token: device });
    await until(() => relay.changes.size === 1);
    await call('PATCH', '/api/accounts/box', { token: a, body: { options: { root: '/other' } } });
    expect((await again).body.containers[0].options.root).toBe('/other');
    // Another version than the current one is answered at once.
    expect(
      (await call('GET', '/api/device/containers?wait=0000000000000000', { token: device })).status,
    ).toBe(200);
  });

  it('answers a held device after the wait with its list unchanged, and refuses one unbound meanwhile', async () => {
    await relay.close();
    relay = await testRelay({ containerWaitMs: 150 });
    const a = await userToken('alice');
    const device = await deviceToken(a, 'pi');
    const { version } = (await call('GET', '/api/device/containers', { token: device })).body;
    const unchanged = await call('GET', `/api/device/containers?wait=${version}`, { token: device });
    expect(unchanged.body).toEqual({ containers: [], version });

    await relay.close();
    relay = await testRelay({ containerWaitMs: 60_000 });
    const b = await userToken('bob');
    const bobDevice = await deviceToken(b, 'nas');
    const start = (await call('GET', '/api/device/containers', { token: bobDevice })).body.version;
    const held = call('GET', `/api/device/containers?wait=${start}`, { token: bobDevice });
    await until(() => relay.changes.size === 1);
    expect((await call('DELETE', '/api/devices/nas', { token: b })).status).toBe(204);
    expect((await held).status).toBe(401);
    expect((await call('GET', '/api/device/containers?wait=nothex', { token: bobDevice })).status).toBe(400);
  });

  it('lets a held device go when the relay closes', async () => {
    const a = await userToken('alice');
    const device = await deviceToken(a, 'pi');
    const { version } = (await call('GET', '/api/device/containers', { token: device })).body;
    const held = relay.app.inject({
      method: 'GET',
      url: `/api/device/containers?wait=${version}`,
      headers: { authorization: `Bearer ${device}` },
    });
    await until(() => relay.changes.size === 1);
    const closing = relay.app.close();
    await held.catch(() => undefined);
    await closing;
    expect(relay.changes.size).toBe(0);
  });
});

describe('status', () => {
  it('reports devices and containers from the docs, trusting only fresh progress tallies', async () => {
    const token = await userToken('alice');
    const device = await deviceToken(token, 'pi');
    await addAccount(token, 'box');
    await call('POST', '/api/containers', { token, body: { name: 'photos', account: 'box', device: 'pi' } });
    const index = await relay.docs.get(indexDocName('photos'));
    writeGroupSummaries(index, [
      [0, { files: 2, bytes: 30, generation: 1 }],
      [1, { files: 1, bytes: 5, generation: 2 }],
    ]);
    writeCrawlState(index, { generation: 2, lastCrawlEnd: 111, nextCrawl: 222, lastError: 'FERRY_AUTH: x' });
    // Group 0: a fresh tally says both fetched. Group 1: the tally is stale (generation 1 < 2),
    // so the relay counts from the group doc, where the receipt holds an old version.
    const progress = await relay.docs.get(progressDocName('photos', 'pi'));
    writeGroupProgress(progress, 0, {
      files: 2,
      bytes: 30,
      fetchedFiles: 2,
      fetchedBytes: 30,
      generation: 1,
    });
    writeGroupProgress(progress, 1, { files: 1, bytes: 5, fetchedFiles: 1, fetchedBytes: 5, generation: 1 });
    const group1 = await relay.docs.get(groupDocName('photos', 1));
    writeEntries(group1, [{ path: 'c', size: 5, mtime: 2000, isDir: false }]);
    writeReceipt(group1, 'pi', 'c', 's5-m1000');
    // A file the cloud no longer lists: counted from the stale group's doc as deleted upstream.
    writeReceipt(group1, 'pi', 'gone.txt', 's9-m1000');
    writeDeviceStatus(await relay.docs.get(deviceDocName('pi')), {
      state: 'active',
      freeBytes: 10,
      minFreeBytes: 5,
      updatedAt: 1,
      bytesPerSecond: 7,
      current: [],
      errors: [],
      renamed: [],
    });

    expect((await call('GET', '/api/device/self', { token: device })).status).toBe(200);
    const status = await call('GET', '/api/status', { token });
    expect(status.body.containers).toEqual([
      {
        name: 'photos',
        account: 'box',
        folder: '',
        device: 'pi',
        files: 3,
        bytes: 35,
        fetchedFiles: 2,
        fetchedBytes: 30,
        deletedUpstream: 1,
        groups: 2,
        completeGroups: 1,
        lastCrawl: 111,
        nextCrawl: 222,
        lastError: 'FERRY_AUTH: x',
        crawling: false,
      },
    ]);
    expect(status.body.devices).toEqual([
      {
        name: 'pi',
        label: null,
        bound: true,
        online: true,
        lastSeen: relay.clock.now,
        state: 'active',
        freeBytes: 10,
        minFreeBytes: 5,
        current: [],
        speed: 7,
        errors: [],
      },
    ]);
    // A device sees only itself and its own containers, not its user's other device.
    await deviceToken(token, 'nas');
    await call('POST', '/api/containers', { token, body: { name: 'docs', account: 'box', device: 'nas' } });
    const own = await call('GET', '/api/status', { token: device });
    expect(own.body.containers.map((c: { name: string }) => c.name)).toEqual(['photos']);
    expect(own.body.devices.map((d: { name: string }) => d.name)).toEqual(['pi']);
    expect((await call('GET', '/api/status', { token })).body.containers).toHaveLength(2);

    relay.clock.now += 10 * 60 * 1000;
    const later = await call('GET', '/api/status', { token: device });
    // The device's own call marks it seen again.
    expect(later.body.devices[0].online).toBe(true);
    const byUser = await call('GET', '/api/status', { token });
    const pi = byUser.body.devices.find((d: { name: string }) => d.name === 'pi');
    expect(pi.lastSeen).toBe(relay.clock.now);
  });
});

describe('closed schemas on every route', () => {
  it('refuses unknown query parameters and bodies where none are expected', async () => {
    const token = await userToken('alice');
    const query = await call('GET', '/api/accounts?all=1', { token });
    expect(query.status).toBe(400);
    expect(query.body.error.message).toBe("querystring field 'all' is not accepted");
    const body = await call('POST', '/api/pairing-codes', { token, body: { user: 'bob' } });
    expect(body.status).toBe(400);
    expect((await call('POST', '/api/pairing-codes', { token })).status).toBe(201);
    expect((await call('POST', '/api/pairing-codes', { token, body: {} })).status).toBe(201);
  });
});

describe('access lookups for the sync layer', () => {
  it('names the owner and device of a container and drops what was removed or unbound', async () => {
    const lookups = accessLookups(apiTables(relay.db.level));
    const token = await userToken('alice');
    await deviceToken(token, 'pi');
    await addAccount(token, 'box');
    await call('POST', '/api/containers', { token, body: { name: 'photos', account: 'box', device: 'pi' } });
    expect(await lookups.container('photos')).toEqual({ user: 'alice', device: 'pi' });
    expect(await lookups.device('pi')).toEqual({ user: 'alice', bound: true });
    expect(await lookups.containersOfDevice('pi')).toEqual(['photos']);
    await call('DELETE', '/api/containers/photos', { token });
    await call('DELETE', '/api/devices/pi', { token });
    expect(await lookups.container('photos')).toBeUndefined();
    expect(await lookups.device('pi')).toEqual({ user: 'alice', bound: false });
    expect(await lookups.containersOfDevice('pi')).toEqual([]);
  });
});
