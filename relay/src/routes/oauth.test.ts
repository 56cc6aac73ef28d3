import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CliIo,
  COMMANDS,
  type FlagValue,
  type OAuthCloud,
  oauthCloud,
  type ParsedCommand,
} from '@ferry/core';
import { rcloneProviderFactory } from '@ferry/core/providers';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAccountConnect, runAccountReconnect } from '../cli/oauth-commands.js';
import { saveLogin } from '../cli/session-file.js';
import { type TestRelay, testRelay } from '../testing.js';

/**
 * "Connect" against a real OAuth 2.0 authorization server on loopback: node-oidc-provider (a
 * certified OpenID Provider), its own sign-in and consent pages walked like a browser (cookies,
 * redirects, forms). It checks what a cloud checks: the client secret, the redirect URI, the
 * PKCE verifier, a code good once. The relay's remote is then handed to rclone, which refreshes
 * the token at the same server — proof the remote is what rclone expects. Google itself is not
 * reachable from a test, so the listing that would save the account cannot succeed: the relay
 * says so and saves nothing.
 */
const CLIENT = { id: 'ferry-test-app', secret: 'ferry-test-secret-1' };

interface Grant {
  grantType: string;
  userAgent: string;
}

describe('OAuth connect (node-oidc-provider on loopback, rclone)', () => {
  let relay: TestRelay;
  let relayUrl = '';
  let issuer = '';
  let oidc: ReturnType<Provider['listen']>;
  const grants: Grant[] = [];
  let token = '';

  beforeAll(async () => {
    relay = await testRelay({ providers: [rcloneProviderFactory], accountCheckTimeoutMs: 8_000 });
    await relay.app.listen({ host: '127.0.0.1', port: 0 });
    relayUrl = `http://127.0.0.1:${(relay.app.server.address() as AddressInfo).port}`;
    await relay.auth.addUser('alice', 'alice-password');
    token = (await call('POST', '/api/login', { user: 'alice', password: 'alice-password' })).body.token;

    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    issuer = `http://127.0.0.1:${port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          redirect_uris: [`${relayUrl}/api/oauth/callback`],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      // Every client must prove the code is its own (PKCE), as the drive entry promises.
      pkce: { required: () => true },
      // The drive entry's scope, as Google knows it.
      scopes: ['openid', ...oauthCloud('drive').scopes],
      issueRefreshToken: () => true,
      // Short-lived, so rclone refreshes before its first call to the cloud.
      ttl: { AccessToken: 5, Interaction: 600, Session: 600, Grant: 600 },
    });
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      grants.push({
        grantType: String(ctx.oidc.params?.grant_type),
        userAgent: String(ctx.get('user-agent')),
      });
    });
    oidc = provider.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await new Promise((resolve) => oidc?.close(resolve));
    await relay?.close();
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${relayUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** The cloud-side endpoints of the test server for a cloud of the table. */
  function start(name: string, overrides: Record<string, unknown> = {}) {
    return call('POST', '/api/oauth/start', {
      name,
      cloud: 'drive',
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      authUrl: `${issuer}/auth`,
      tokenUrl: `${issuer}/token`,
      ...overrides,
    });
  }

  /**
   * A browser's walk from the sign-in URL: redirects followed with the cookies each host set,
   * the server's forms (sign-in, consent) submitted with their hidden fields. Ends at the first
   * URL on the relay that is not the callback: the panel with its result in the query.
   */
  async function signIn(url: string, stopAtCallback = false): Promise<URL> {
    const jar = new Map<string, string>();
    let next: { url: string; method: string; body?: URLSearchParams } = { url, method: 'GET' };
    for (let hop = 0; hop < 20; hop++) {
      const target = new URL(next.url);
      if (stopAtCallback && target.pathname === '/api/oauth/callback') return target;
      if (target.origin === relayUrl && target.pathname === '/') return target;
      const cookies = target.origin === issuer ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
      const response = await fetch(target, {
        method: next.method,
        redirect: 'manual',
        headers: {
          ...(cookies ? { cookie: cookies } : {}),
          ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(next.body ? { body: next.body } : {}),
      });
      if (target.origin === issuer)
        for (const set of response.headers.getSetCookie()) {
          const [pair] = set.split(';');
          const eq = (pair as string).indexOf('=');
          jar.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
        }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        next = { url: new URL(location, target).toString(), method: 'GET' };
        continue;
      }
      const html = await response.text();
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html);
      if (!form) throw new Error(`no form on ${target.pathname} (HTTP ${response.status})`);
      const body = new URLSearchParams();
      for (const input of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
        body.set(input[1] as string, input[2] as string);
      if (/name="login"/.test(html)) body.set('login', 'alice@cloud.test');
      if (/name="password"/.test(html)) body.set('password', 'any');
      next = { url: new URL(form[1] as string, target).toString(), method: 'POST', body };
    }
    throw new Error('the sign-in did not come back to the relay');
  }

  it('lists the clouds it can connect', async () => {
    const { status, body } = await call('GET', '/api/oauth/clouds');
    expect(status).toBe(200);
    expect(body.clouds.map((c: OAuthCloud) => c.id)).toEqual(['drive', 'dropbox']);
  });

  it('signs in with code and PKCE, hands rclone a remote it refreshes, and saves nothing the listing did not prove', {
    timeout: 30_000,
  }, async () => {
    const started = await start('gdrive');
    expect(started.status).toBe(200);
    expect(started.body.redirectUri).toBe(`${relayUrl}/api/oauth/callback`);
    const authorize = new URL(started.body.authorizeUrl);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('scope')).toBe(oauthCloud('drive').scopes.join(' '));
    expect(authorize.searchParams.get('access_type')).toBe('offline');

    const landed = await signIn(started.body.authorizeUrl);
    // The server gave a token for the code and the verifier, and rclone, given the remote, refreshed
    // it with the same client at the same token endpoint before it tried the cloud's API.
    expect(grants.map((g) => g.grantType)).toEqual(['authorization_code', 'refresh_token']);
    expect(grants[1]?.userAgent).toMatch(/^rclone\//);
    // Google's API is not reachable here: the test listing fails, and the panel is told.
    expect(landed.searchParams.get('oauth')).toBe('failed');
    expect(landed.searchParams.get('account')).toBe('gdrive');
    expect(landed.searchParams.get('code')).toBe('FERRY_BAD_PROVIDER_OPTIONS');
    expect(landed.hash).toBe('#/accounts');
    expect((await call('GET', '/api/accounts')).body.accounts).toEqual([]);
  });

  it('takes a callback once: the same state again is refused', { timeout: 30_000 }, async () => {
    grants.length = 0;
    const started = await start('again');
    const callback = await signIn(started.body.authorizeUrl, true);
    const first = await signIn(callback.toString());
    expect(first.searchParams.get('code')).toBe('FERRY_BAD_PROVIDER_OPTIONS');
    const replay = await signIn(callback.toString());
    expect(replay.searchParams.get('oauth')).toBe('failed');
    expect(replay.searchParams.get('code')).toBe('FERRY_OAUTH_REFUSED');
    expect(replay.searchParams.get('message')).toMatch(/unknown or expired/);
    expect(grants.filter((g) => g.grantType === 'authorization_code')).toHaveLength(1);
  });

  it('reports a wrong client secret as the cloud refusing the client', async () => {
    const started = await start('badsecret', { clientSecret: 'not-the-secret' });
    const landed = await signIn(started.body.authorizeUrl);
    expect(landed.searchParams.get('code')).toBe('FERRY_OAUTH_REFUSED');
    expect(landed.searchParams.get('message')).toMatch(/invalid_client/);
    expect(landed.searchParams.get('hint')).toMatch(/client id and secret/);
    expect((await call('GET', '/api/accounts')).body.accounts).toEqual([]);
  });

  it('reports a sign-in the user declined, and a forged state', async () => {
    const started = await start('declined');
    const state = new URL(started.body.authorizeUrl).searchParams.get('state') as string;
    const declined = await signIn(`${relayUrl}/api/oauth/callback?state=${state}&error=access_denied`);
    expect(declined.searchParams.get('message')).toMatch(/did not sign in: access_denied/);
    const forged = await signIn(`${relayUrl}/api/oauth/callback?state=forged&code=x`);
    expect(forged.searchParams.get('message')).toMatch(/unknown or expired/);
    expect(forged.searchParams.get('account')).toBeNull();
  });

  it('refuses bad starts and changes nothing', async () => {
    expect((await start('x', { cloud: 'nosuch' })).body.error.code).toBe('FERRY_BAD_INPUT');
    expect((await start('../x')).body.error.code).toBe('FERRY_BAD_INPUT');
    expect((await start('x', { clientId: 'two\nlines' })).status).toBe(400);
    expect((await start('x', { authUrl: 'javascript:alert(1)' })).status).toBe(400);
    expect((await start('x', { extra: 1 })).status).toBe(400);
    const { clientSecret: _omitted, ...withoutSecret } = {
      name: 'x',
      cloud: 'drive',
      clientId: CLIENT.id,
      clientSecret: '',
    };
    expect((await call('POST', '/api/oauth/start', withoutSecret)).body.error.message).toMatch(
      /clientSecret/,
    );
    expect((await start('nosuch', { reconnect: true })).body.error.code).toBe('FERRY_NOT_FOUND');
    expect((await start('gdrive', { cloud: 'dropbox', reconnect: true })).body.error.code).toBe(
      'FERRY_NOT_FOUND',
    );
    const saved = token;
    token = '';
    expect((await start('x')).status).toBe(401);
    token = saved;
    expect((await call('GET', '/api/accounts')).body.accounts).toEqual([]);
  });

  it('reconnects only an account that was connected with OAuth', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ferry-oauth-local-'));
    try {
      const added = await call('POST', '/api/accounts', {
        name: 'plain',
        provider: 'rclone',
        options: { remote: 'disk', root: folder, remoteConfig: 'type = local' },
      });
      expect(added.status).toBe(201);
      const refused = await start('plain', { reconnect: true });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/was not connected with OAuth/);
      // A new sign-in under a taken name is a conflict, not a silent replacement.
      expect((await start('plain')).body.error.code).toBe('FERRY_CONFLICT');
    } finally {
      await call('DELETE', '/api/accounts/plain');
      await rm(folder, { recursive: true, force: true });
    }
  });

  describe('from the CLI (ferry account connect | reconnect)', () => {
    let config = '';
    beforeAll(async () => {
      config = await mkdtemp(join(tmpdir(), 'ferry-oauth-cli-'));
      await saveLogin(config, { relay: relayUrl, user: 'alice', token });
    });
    afterAll(async () => {
      if (config) await rm(config, { recursive: true, force: true });
    });

    function cli(
      name: string,
      flags: Record<string, FlagValue>,
      account: string,
      env: Record<string, string> = {},
    ) {
      const command = COMMANDS.find((c) => c.name === name);
      if (!command) throw new Error(`no command ${name}`);
      const parsed = {
        kind: 'run',
        command,
        flags: { relay: relayUrl, config, ...flags },
        positionals: { NAME: account },
        sources: {},
      } as ParsedCommand;
      const out: string[] = [];
      const io: CliIo = {
        stdout: { write: (text: string) => out.push(text) },
        stderr: { write: (text: string) => out.push(text) },
        stdin: Object.assign((async function* () {})(), { isTTY: true }),
        env,
        signal: new AbortController().signal,
      };
      return { parsed, io, text: () => out.join('') };
    }

    /** Runs the command, and once it printed the sign-in address, walks it like a browser would. */
    async function connectWithBrowser(run: ReturnType<typeof cli>, runner: typeof runAccountConnect) {
      const done = runner(run.parsed, run.io).then(
        (code) => ({ code, error: undefined }),
        (error: unknown) => ({ code: undefined, error: error as { code?: string; message?: string } }),
      );
      for (let i = 0; i < 100 && !/\n {2}http/.test(run.text()); i++)
        await new Promise((r) => setTimeout(r, 50));
      const address = /\n {2}(http\S+)/.exec(run.text())?.[1];
      if (!address) return done;
      await signIn(address);
      return done;
    }

    const endpoints = () => ({ 'auth-url': `${issuer}/auth`, 'grant-url': `${issuer}/token` });

    it('prints the address, waits for the browser, and reports what the relay saw', {
      timeout: 30_000,
    }, async () => {
      const run = cli(
        'account connect',
        { cloud: 'drive', 'client-id': CLIENT.id, ...endpoints() },
        'cli-drive',
        { FERRY_CLIENT_SECRET: CLIENT.secret },
      );
      const result = await connectWithBrowser(run, runAccountConnect);
      expect(run.text()).toContain(`the OAuth app's redirect URI must be ${relayUrl}/api/oauth/callback`);
      // The sign-in and rclone's refresh worked; Google's API is out of reach, so nothing was saved.
      expect(result.error?.code).toBe('BAD_PROVIDER_OPTIONS');
      expect(result.error?.message).toMatch(/refused a test listing/);
      expect((await call('GET', '/api/accounts')).body.accounts).toEqual([]);
    });

    it('says when the cloud refuses the app', { timeout: 30_000 }, async () => {
      const run = cli(
        'account connect',
        { cloud: 'drive', 'client-id': CLIENT.id, ...endpoints() },
        'cli-bad',
        { FERRY_CLIENT_SECRET: 'wrong-secret' },
      );
      const result = await connectWithBrowser(run, runAccountConnect);
      expect(result.error?.code).toBe('OAUTH_REFUSED');
      expect(result.error?.message).toMatch(/invalid_client/);
      expect(run.text()).not.toContain('wrong-secret');
    });

    it('refuses a missing secret and a reconnect of an account without OAuth, before any sign-in', async () => {
      const missing = cli('account connect', { cloud: 'drive', 'client-id': CLIENT.id }, 'x');
      await expect(runAccountConnect(missing.parsed, missing.io)).rejects.toMatchObject({ code: 'USAGE' });
      const unknown = cli('account reconnect', {}, 'nosuch');
      await expect(runAccountReconnect(unknown.parsed, unknown.io)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(unknown.text()).toBe('');
    });

    it("keeps a sign-in's outcome to the user who started it", async () => {
      await relay.auth.addUser('bob', 'bob-password');
      const bob = (await call('POST', '/api/login', { user: 'bob', password: 'bob-password' })).body.token;
      const started = await start('mine');
      const path = `/api/oauth/sign-ins/${started.body.signIn}`;
      expect((await call('GET', path)).body).toMatchObject({ status: 'waiting', account: 'mine' });
      const alice = token;
      token = bob;
      try {
        expect((await call('GET', path)).status).toBe(404);
      } finally {
        token = alice;
      }
    });

    it("keeps 16 sign-ins per user: a user's oldest goes, another user's stays", async () => {
      const bob = (await call('POST', '/api/login', { user: 'bob', password: 'bob-password' })).body.token;
      const alice = token;
      token = bob;
      const bobs = (await start('bobs')).body.signIn;
      token = alice;
      const alices: string[] = [];
      for (let i = 0; i < 17; i++) alices.push((await start(`many${i}`)).body.signIn);
      expect((await call('GET', `/api/oauth/sign-ins/${alices[0]}`)).status).toBe(404);
      expect((await call('GET', `/api/oauth/sign-ins/${alices[1]}`)).status).toBe(200);
      expect((await call('GET', `/api/oauth/sign-ins/${alices[16]}`)).status).toBe(200);
      token = bob;
      try {
        expect((await call('GET', `/api/oauth/sign-ins/${bobs}`)).body).toMatchObject({ status: 'waiting' });
      } finally {
        token = alice;
      }
    });
  });
});
