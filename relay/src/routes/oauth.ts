import { createHash, randomBytes } from 'node:crypto';
import {
  authorizeUrl,
  checkName,
  FerryError,
  isFerryError,
  OAUTH_CLOUDS,
  type OAuthClient,
  type OAuthCloud,
  oauthCloud,
  rcloneRemoteForToken,
  readTokenResponse,
  tokenRequestBody,
} from '@ferry/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accountKey, addAccount, oauthClientOf, readAccount, updateAccount } from './accounts.js';
import type { RouteContext } from './context.js';
import { requireUser } from './guard.js';
import { nameSchema, objectSchema } from './schemas.js';

export const OAUTH_CALLBACK_PATH = '/api/oauth/callback';
/** How long a started sign-in waits for the cloud's answer. */
const SIGN_IN_TTL_MS = 10 * 60_000;
/** Started sign-ins kept per user; a user's oldest goes first, never another user's. */
const MAX_PENDING_PER_USER = 16;

const line = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[^\\r\\n]*$' });
const endpoint = { type: 'string', minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s]+$' } as const;
const startBody = objectSchema(
  {
    name: nameSchema,
    cloud: { type: 'string', minLength: 1, maxLength: 32 },
    clientId: line(2048),
    clientSecret: line(2048),
    authUrl: endpoint,
    tokenUrl: endpoint,
    reconnect: { type: 'boolean' },
  },
  ['name'],
);

// The cloud adds parameters of its own to the callback (scope, iss, authuser, …): kept open, bounded.
const callbackQuery = {
  type: 'object',
  properties: {
    state: { type: 'string', maxLength: 256 },
    code: { type: 'string', maxLength: 4096 },
    error: { type: 'string', maxLength: 256 },
  },
  additionalProperties: { type: 'string', maxLength: 4096 },
  maxProperties: 16,
} as const;

interface SignIn {
  /** The public handle of this sign-in (GET /api/oauth/sign-ins/:id); the state stays secret. */
  id: string;
  user: string;
  account: string;
  reconnect: boolean;
  cloud: OAuthCloud;
  client: OAuthClient;
  redirectUri: string;
  codeVerifier: string;
  expiresAt: number;
}

/**
 * "Connect" for OAuth clouds: POST /api/oauth/start answers the cloud's sign-in URL; the cloud
 * sends the browser back to GET /api/oauth/callback, where the relay trades the code for a token
 * (PKCE) and saves the account — a new rclone account, or new credentials for an existing one
 * (reconnect) — through the same checks as any account: schema, one listing, encrypted at rest.
 * The browser then lands on the panel's Accounts page with `?oauth=connected` or `?oauth=failed`.
 *
 * The callback carries no session: the session cookie is SameSite=Strict, so a redirect from the
 * cloud's site does not bring it. The `state` does the work instead: 32 random bytes, made for
 * one logged-in user's sign-in, good once and for ten minutes.
 */
export function oauthRoutes(ctx: RouteContext) {
  const pending = new Map<string, SignIn>();
  /** How each sign-in ended, by id, for the CLI that started it and waits (same lifetime as a sign-in). */
  const outcomes = new Map<string, Outcome>();

  const settle = (signIn: SignIn, outcome: Omit<Outcome, 'user' | 'account' | 'expiresAt'>) => {
    const entry = outcomes.get(signIn.id);
    if (entry) outcomes.set(signIn.id, { ...entry, ...outcome });
  };

  const take = (state: string | undefined): SignIn => {
    const signIn = state === undefined ? undefined : pending.get(state);
    if (state !== undefined) pending.delete(state);
    if (!signIn || signIn.expiresAt <= ctx.clock())
      throw new FerryError(
        'OAUTH_REFUSED',
        'this sign-in is unknown or expired (a sign-in is good once and for ten minutes)',
        'start again from the panel',
      );
    return signIn;
  };

  const keep = (state: string, signIn: SignIn) => {
    const now = ctx.clock();
    for (const map of [pending, outcomes] as Map<string, { user: string; expiresAt: number }>[]) {
      const mine: string[] = [];
      for (const [key, old] of map) {
        if (old.expiresAt <= now) map.delete(key);
        else if (old.user === signIn.user) mine.push(key);
      }
      // Map order is insertion order: the user's oldest first.
      for (const key of mine.slice(0, Math.max(0, mine.length - MAX_PENDING_PER_USER + 1))) map.delete(key);
    }
    pending.set(state, signIn);
    outcomes.set(signIn.id, {
      user: signIn.user,
      account: signIn.account,
      status: 'waiting',
      expiresAt: signIn.expiresAt,
    });
  };

  return async (app: FastifyInstance) => {
    app.get('/api/oauth/clouds', async (request) => {
      await requireUser(ctx.auth, request);
      return {
        clouds: OAUTH_CLOUDS.map((cloud) => ({ id: cloud.id, label: cloud.label, setup: cloud.setup })),
      };
    });

    app.post('/api/oauth/start', { schema: { body: startBody } }, async (request) => {
      const user = await requireUser(ctx.auth, request);
      const body = request.body as {
        name: string;
        cloud?: string;
        clientId?: string;
        clientSecret?: string;
        authUrl?: string;
        tokenUrl?: string;
        reconnect?: boolean;
      };
      const account = checkName('account', body.name);
      const reconnect = body.reconnect === true;
      const saved = reconnect ? await savedClient(ctx, user, account) : undefined;
      if (!reconnect && (await ctx.tables.accounts.get(accountKey(user, account))))
        throw new FerryError(
          'CONFLICT',
          `you already have an account '${account}'`,
          'choose another name, or reconnect that account',
        );
      const cloud = body.cloud !== undefined ? oauthCloud(body.cloud) : saved?.cloud;
      if (cloud === undefined) throw new FerryError('BAD_INPUT', 'name the cloud to connect (cloud)');
      if (saved && saved.cloud.id !== cloud.id)
        throw new FerryError('BAD_INPUT', `account '${account}' is a ${saved.cloud.label} account`);
      const client: OAuthClient = {
        clientId: body.clientId ?? saved?.client.clientId ?? missing('clientId'),
        clientSecret: body.clientSecret ?? saved?.client.clientSecret ?? missing('clientSecret'),
        ...pick('authUrl', body.authUrl ?? saved?.client.authUrl),
        ...pick('tokenUrl', body.tokenUrl ?? saved?.client.tokenUrl),
      };
      const redirectUri = callbackUrl(request);
      const state = randomBytes(32).toString('base64url');
      const codeVerifier = randomBytes(32).toString('base64url');
      const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
      const id = randomBytes(16).toString('base64url');
      const expiresAt = ctx.clock() + SIGN_IN_TTL_MS;
      keep(state, {
        id,
        user,
        account,
        reconnect,
        cloud,
        client,
        redirectUri,
        codeVerifier,
        expiresAt,
      });
      return {
        authorizeUrl: authorizeUrl(cloud, client, { redirectUri, state, codeChallenge }),
        redirectUri,
        signIn: id,
        expiresAt,
      };
    });

    app.get('/api/oauth/sign-ins/:id', { schema: { params: signInParams } }, async (request) => {
      const user = await requireUser(ctx.auth, request);
      const { id } = request.params as { id: string };
      const outcome = outcomes.get(id);
      // Another user's sign-in is as unknown as a made-up one.
      if (!outcome || outcome.user !== user || outcome.expiresAt <= ctx.clock())
        throw new FerryError('NOT_FOUND', 'no such sign-in (a sign-in is kept ten minutes)');
      const { user: _user, ...view } = outcome;
      return view;
    });

    app.get(OAUTH_CALLBACK_PATH, { schema: { querystring: callbackQuery } }, async (request, reply) => {
      const query = request.query as { state?: string; code?: string; error?: string };
      let signIn: SignIn | undefined;
      try {
        signIn = take(query.state);
        if (query.error !== undefined || query.code === undefined)
          throw new FerryError(
            'OAUTH_REFUSED',
            `the cloud did not sign in: ${query.error ?? 'no code in its answer'}`,
            'start again from the panel',
          );
        const token = readTokenResponse(await exchange(signIn, query.code), ctx.clock());
        const options = {
          remote: signIn.cloud.id,
          remoteConfig: rcloneRemoteForToken(signIn.cloud, signIn.client, token),
        };
        if (signIn.reconnect) await updateAccount(ctx, signIn.user, signIn.account, options);
        else await addAccount(ctx, signIn.user, signIn.account, 'rclone', options);
        request.log.info({ account: signIn.account, cloud: signIn.cloud.id }, 'oauth account connected');
        settle(signIn, { status: 'connected' });
        return reply.redirect(
          `/?${new URLSearchParams({ oauth: 'connected', account: signIn.account })}#/accounts`,
          303,
        );
      } catch (error) {
        const refusal = isFerryError(error)
          ? error
          : new FerryError('OAUTH_REFUSED', 'the sign-in failed inside the relay');
        const account = signIn?.account;
        request.log.info({ account, code: refusal.id }, 'oauth sign-in refused');
        if (signIn) settle(signIn, { status: 'failed', error: refusal.toJSON() });
        const result = new URLSearchParams({
          oauth: 'failed',
          ...(account !== undefined ? { account } : {}),
          code: refusal.id,
          message: refusal.message,
          ...(refusal.hint !== undefined ? { hint: refusal.hint } : {}),
        });
        return reply.redirect(`/?${result}#/accounts`, 303);
      }
    });
  };
}

interface Outcome {
  user: string;
  account: string;
  status: 'waiting' | 'connected' | 'failed';
  error?: { code: string; message: string; hint?: string };
  expiresAt: number;
}

const signInParams = objectSchema({ id: { type: 'string', minLength: 1, maxLength: 64 } }, ['id']);

function missing(field: string): never {
  throw new FerryError(
    'BAD_INPUT',
    `${field} is required to connect a new account`,
    'from the OAuth app you registered at the cloud',
  );
}

const pick = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

/** The OAuth app a saved rclone account was connected with, for a reconnect. */
async function savedClient(ctx: RouteContext, user: string, name: string) {
  const { record, options } = await readAccount(ctx, user, name);
  const found = oauthClientOf(record.provider, options);
  if (!found)
    throw new FerryError(
      'BAD_INPUT',
      `account '${name}' was not connected with OAuth`,
      'update its options instead (Update options, or ferry account update)',
    );
  return found;
}

/**
 * Where the cloud sends the browser back: this relay as the browser reached it (behind a reverse
 * proxy, with --trust-proxy, its public name and scheme). The same URL must be registered as the
 * OAuth app's redirect URI at the cloud.
 */
function callbackUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${OAUTH_CALLBACK_PATH}`;
}

/** The token endpoint's JSON answer to the code (an error answer too: readTokenResponse reads it). */
async function exchange(signIn: SignIn, code: string): Promise<unknown> {
  const tokenUrl = signIn.client.tokenUrl ?? signIn.cloud.tokenUrl;
  let response: Response;
  try {
    response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: tokenRequestBody(signIn.client, {
        code,
        redirectUri: signIn.redirectUri,
        codeVerifier: signIn.codeVerifier,
      }),
      redirect: 'error',
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new FerryError(
      'OAUTH_REFUSED',
      `the relay could not reach the token endpoint ${new URL(tokenUrl).origin}`,
      'check that the relay reaches the cloud',
    );
  }
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new FerryError('OAUTH_REFUSED', `the token endpoint answered HTTP ${response.status} without JSON`);
  }
}
