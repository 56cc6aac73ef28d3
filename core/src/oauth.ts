import { FerryError } from './errors.js';

/**
 * OAuth clouds the relay can connect with a button (the authorization-code grant, RFC 6749 §4.1,
 * with PKCE). The relay is the OAuth client: the user registers an app
 * of their own at the cloud (client id and secret) with the relay's callback as redirect URI,
 * signs in at the cloud, and the relay trades the code for a token. The token ends up where
 * rclone expects it — an rclone remote (`remoteConfig` of the rclone provider) — so refreshing
 * it and talking to the cloud stay rclone's job on the relay and on every device.
 *
 * Pure: building URLs and request bodies, reading token answers. The HTTP calls are the relay's.
 */
export interface OAuthCloud {
  /** The id in the API and the panel, also the rclone backend type. */
  id: string;
  label: string;
  authUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  /** Extra authorization parameters the cloud needs for a refresh token. */
  authParams: Readonly<Record<string, string>>;
  /** rclone options written beside the token (a read-only scope where rclone has one). */
  remoteOptions: Readonly<Record<string, string>>;
  /** Where the user registers the OAuth app. */
  setup: string;
}

export const OAUTH_CLOUDS: readonly OAuthCloud[] = [
  {
    id: 'drive',
    label: 'Google Drive',
    authUrl: 'https://accounts.google.com/o/oauth2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    scopes: ['https://www.googleapis.com/auth/drive.readonly'],
    // Google gives a refresh token only with offline access, and again only on a fresh consent.
    authParams: { access_type: 'offline', prompt: 'consent' },
    remoteOptions: { scope: 'drive.readonly' },
    setup: 'Google Cloud console → APIs & Services → Credentials → OAuth client ID (Web application)',
  },
  {
    id: 'dropbox',
    label: 'Dropbox',
    authUrl: 'https://www.dropbox.com/oauth2/authorize',
    tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
    scopes: ['account_info.read', 'files.metadata.read', 'files.content.read'],
    authParams: { token_access_type: 'offline' },
    remoteOptions: {},
    setup: 'Dropbox App Console → Create app (scoped access), permissions files.content.read',
  },
];
// Not here: clouds whose refresh tokens are good for one use (Box). The relay and every device
// refresh the token on their own, so the first refresh would lock the others out; such a cloud is
// pasted as an rclone remote and reconnected when it needs to be.

export function oauthCloud(id: string): OAuthCloud {
  const cloud = OAUTH_CLOUDS.find((candidate) => candidate.id === id);
  if (!cloud)
    throw new FerryError(
      'BAD_INPUT',
      `no OAuth cloud '${id}'`,
      `known: ${OAUTH_CLOUDS.map((c) => c.id).join(', ')}; other clouds: paste an rclone remote (remoteConfig)`,
    );
  return cloud;
}

/** The OAuth app the user registered at the cloud, and where its endpoints are. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Other endpoints than the cloud's (a company's own, or a test server); rclone is told too. */
  authUrl?: string;
  tokenUrl?: string;
}

/** The cloud's sign-in page the browser goes to. */
export function authorizeUrl(
  cloud: OAuthCloud,
  client: OAuthClient,
  request: { redirectUri: string; state: string; codeChallenge: string },
): string {
  const url = new URL(client.authUrl ?? cloud.authUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('state', request.state);
  if (cloud.scopes.length > 0) url.searchParams.set('scope', cloud.scopes.join(' '));
  for (const [key, value] of Object.entries(cloud.authParams)) url.searchParams.set(key, value);
  url.searchParams.set('code_challenge', request.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/** The form body that trades the code for a token at the token endpoint. */
export function tokenRequestBody(
  client: OAuthClient,
  grant: { code: string; redirectUri: string; codeVerifier: string },
): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
    client_id: client.clientId,
    client_secret: client.clientSecret,
    code_verifier: grant.codeVerifier,
  });
}

export interface OAuthToken {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  /** Epoch ms, when the answer gave expires_in. */
  expiresAt?: number;
}

const TOKEN_TEXT = /^[\x21-\x7e]{1,4096}$/;

/**
 * A token endpoint's JSON answer, checked (RFC 6749 §5.1/§5.2). An error answer or a malformed
 * one is OAUTH_REFUSED with the cloud's error code, never the body (it may hold a token).
 */
export function readTokenResponse(body: unknown, now: number): OAuthToken {
  if (typeof body !== 'object' || body === null)
    throw new FerryError('OAUTH_REFUSED', 'the token endpoint did not answer with a JSON object');
  const answer = body as Record<string, unknown>;
  if (typeof answer.error === 'string')
    throw new FerryError(
      'OAUTH_REFUSED',
      `the cloud refused the sign-in: ${answer.error.slice(0, 80)}`,
      answer.error === 'invalid_client'
        ? 'check the client id and secret'
        : 'start again from the panel: a code is good once and for minutes',
    );
  const { access_token: access, token_type: type, refresh_token: refresh, expires_in: expiresIn } = answer;
  if (typeof access !== 'string' || !TOKEN_TEXT.test(access))
    throw new FerryError('OAUTH_REFUSED', 'the token endpoint gave no usable access_token');
  if (typeof type !== 'string' || type.toLowerCase() !== 'bearer')
    throw new FerryError('OAUTH_REFUSED', 'the token endpoint gave a token that is not a Bearer token');
  if (refresh !== undefined && (typeof refresh !== 'string' || !TOKEN_TEXT.test(refresh)))
    throw new FerryError('OAUTH_REFUSED', 'the token endpoint gave a malformed refresh_token');
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !(expiresIn > 0)))
    throw new FerryError('OAUTH_REFUSED', 'the token endpoint gave a malformed expires_in');
  return {
    accessToken: access,
    tokenType: 'Bearer',
    ...(refresh !== undefined ? { refreshToken: refresh } : {}),
    ...(expiresIn !== undefined ? { expiresAt: now + expiresIn * 1000 } : {}),
  };
}

// rclone.conf is line-based: a value may not hold a line break, and a header-looking line would
// start another remote.
const CONF_VALUE = /^[^\r\n]{1,2048}$/;

function confValue(what: string, value: string): string {
  if (!CONF_VALUE.test(value) || value.trim() !== value)
    throw new FerryError(
      'BAD_INPUT',
      `the ${what} must be one line of 1–2048 characters without outer spaces`,
    );
  return value;
}

/**
 * The rclone remote for a token: what `rclone config` would have written after the same sign-in
 * (`token` as rclone's JSON, `expiry` in RFC 3339), so rclone refreshes it with the same client.
 */
export function rcloneRemoteForToken(cloud: OAuthCloud, client: OAuthClient, token: OAuthToken): string {
  const rcloneToken = {
    access_token: token.accessToken,
    token_type: token.tokenType,
    ...(token.refreshToken !== undefined ? { refresh_token: token.refreshToken } : {}),
    // rclone reads a zero time as "never expires"; an absent expires_in means the same.
    expiry: token.expiresAt !== undefined ? new Date(token.expiresAt).toISOString() : '0001-01-01T00:00:00Z',
  };
  const lines = [
    `type = ${cloud.id}`,
    `client_id = ${confValue('client id', client.clientId)}`,
    `client_secret = ${confValue('client secret', client.clientSecret)}`,
    ...Object.entries(cloud.remoteOptions).map(([key, value]) => `${key} = ${value}`),
    ...(client.authUrl !== undefined ? [`auth_url = ${confValue('auth URL', client.authUrl)}`] : []),
    ...(client.tokenUrl !== undefined ? [`token_url = ${confValue('token URL', client.tokenUrl)}`] : []),
    `token = ${JSON.stringify(rcloneToken)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The cloud and OAuth app of a remote written by rcloneRemoteForToken (or by `rclone config`
 * with a client of one's own), so a reconnect needs no retyping: undefined when the remote is no
 * OAuth cloud of OAUTH_CLOUDS or names no client id and secret.
 */
export function oauthClientOfRemote(
  remoteConfig: string,
): { cloud: OAuthCloud; client: OAuthClient } | undefined {
  const values = new Map<string, string>();
  for (const line of remoteConfig.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values.set(match[1] as string, match[2] as string);
  }
  const cloud = OAUTH_CLOUDS.find((candidate) => candidate.id === values.get('type'));
  const clientId = values.get('client_id');
  const clientSecret = values.get('client_secret');
  if (!cloud || !clientId || !clientSecret) return undefined;
  const authUrl = values.get('auth_url');
  const tokenUrl = values.get('token_url');
  return {
    cloud,
    client: {
      clientId,
      clientSecret,
      ...(authUrl ? { authUrl } : {}),
      ...(tokenUrl ? { tokenUrl } : {}),
    },
  };
}
