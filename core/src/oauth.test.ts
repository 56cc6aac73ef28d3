import { describe, expect, it } from 'vitest';
import { isFerryError } from './errors.js';
import {
  authorizeUrl,
  OAUTH_CLOUDS,
  oauthClientOfRemote,
  oauthCloud,
  rcloneRemoteForToken,
  readTokenResponse,
  tokenRequestBody,
} from './oauth.js';

const client = { clientId: 'app-id.example', clientSecret: 's3cret' };
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isFerryError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('no refusal');
}

describe('OAuth clouds', () => {
  it('builds the sign-in URL with scope, the cloud parameters and PKCE', () => {
    const drive = new URL(
      authorizeUrl(oauthCloud('drive'), client, {
        redirectUri: 'https://relay.example/api/oauth/callback',
        state: 'st',
        codeChallenge: 'ch',
      }),
    );
    expect(drive.origin + drive.pathname).toBe('https://accounts.google.com/o/oauth2/auth');
    expect(Object.fromEntries(drive.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'app-id.example',
      redirect_uri: 'https://relay.example/api/oauth/callback',
      state: 'st',
      scope: 'https://www.googleapis.com/auth/drive.readonly',
      access_type: 'offline',
      prompt: 'consent',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
    const dropbox = new URL(
      authorizeUrl(
        oauthCloud('dropbox'),
        { ...client, authUrl: 'https://idp.example/authorize?tenant=a' },
        { redirectUri: 'https://r/cb', state: 's', codeChallenge: 'ch' },
      ),
    );
    expect(dropbox.origin + dropbox.pathname).toBe('https://idp.example/authorize');
    expect(dropbox.searchParams.get('tenant')).toBe('a');
    expect(dropbox.searchParams.get('token_access_type')).toBe('offline');
    expect(dropbox.searchParams.get('scope')).toBe(
      'account_info.read files.metadata.read files.content.read',
    );
  });

  it('refuses an unknown cloud and names the known ones', () => {
    expect(refusal(() => oauthCloud('nosuch'))).toBe("BAD_INPUT: no OAuth cloud 'nosuch'");
    expect(OAUTH_CLOUDS.map((cloud) => cloud.id)).toEqual(['drive', 'dropbox']);
  });

  it('trades the code with the client, the redirect URI and the verifier', () => {
    const body = tokenRequestBody(client, { code: 'c0de', redirectUri: 'https://r/cb', codeVerifier: 'v' });
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      code: 'c0de',
      redirect_uri: 'https://r/cb',
      client_id: 'app-id.example',
      client_secret: 's3cret',
      code_verifier: 'v',
    });
  });

  it('reads a token answer and refuses error answers and malformed ones without echoing them', () => {
    expect(
      readTokenResponse(
        { access_token: 'at', token_type: 'bearer', refresh_token: 'rt', expires_in: 3599, scope: 'x' },
        NOW,
      ),
    ).toEqual({ accessToken: 'at', tokenType: 'Bearer', refreshToken: 'rt', expiresAt: NOW + 3_599_000 });
    expect(readTokenResponse({ access_token: 'at', token_type: 'Bearer' }, NOW)).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
    });
    expect(refusal(() => readTokenResponse({ error: 'invalid_grant' }, NOW))).toBe(
      'OAUTH_REFUSED: the cloud refused the sign-in: invalid_grant',
    );
    expect(refusal(() => readTokenResponse('text', NOW))).toMatch(/^OAUTH_REFUSED: .*JSON object/);
    expect(refusal(() => readTokenResponse({ access_token: 'a b', token_type: 'Bearer' }, NOW))).toMatch(
      /no usable access_token/,
    );
    expect(refusal(() => readTokenResponse({ access_token: 'at', token_type: 'mac' }, NOW))).toMatch(
      /not a Bearer/,
    );
    expect(
      refusal(() => readTokenResponse({ access_token: 'at', token_type: 'Bearer', refresh_token: 7 }, NOW)),
    ).toMatch(/malformed refresh_token/);
    expect(
      refusal(() => readTokenResponse({ access_token: 'at', token_type: 'Bearer', expires_in: -1 }, NOW)),
    ).toMatch(/malformed expires_in/);
    const secret = 'ya29.secret-token';
    expect(refusal(() => readTokenResponse({ access_token: secret, token_type: 'mac' }, NOW))).not.toContain(
      secret,
    );
  });

  it('writes the remote rclone expects and reads its client back for a reconnect', () => {
    const token = { accessToken: 'at', tokenType: 'Bearer', refreshToken: 'rt', expiresAt: NOW };
    const remote = rcloneRemoteForToken(
      oauthCloud('drive'),
      { ...client, tokenUrl: 'https://idp.example/token' },
      token,
    );
    expect(remote).toBe(
      [
        'type = drive',
        'client_id = app-id.example',
        'client_secret = s3cret',
        'scope = drive.readonly',
        'token_url = https://idp.example/token',
        'token = {"access_token":"at","token_type":"Bearer","refresh_token":"rt","expiry":"2026-12-04T12:00:00.000Z"}',
        '',
      ].join('\n'),
    );
    expect(oauthClientOfRemote(remote)).toEqual({
      cloud: oauthCloud('drive'),
      client: { ...client, tokenUrl: 'https://idp.example/token' },
    });
    // No expiry given: rclone's zero time, "does not expire".
    expect(
      rcloneRemoteForToken(oauthCloud('dropbox'), client, { accessToken: 'at', tokenType: 'Bearer' }),
    ).toContain('"expiry":"0001-01-01T00:00:00Z"');
  });

  it('refuses a client value that would break the remote, and reads no client from other remotes', () => {
    const token = { accessToken: 'at', tokenType: 'Bearer' };
    expect(
      refusal(() =>
        rcloneRemoteForToken(oauthCloud('dropbox'), { ...client, clientSecret: 'a\n[evil]' }, token),
      ),
    ).toMatch(/^BAD_INPUT: the client secret must be one line/);
    expect(
      refusal(() => rcloneRemoteForToken(oauthCloud('dropbox'), { ...client, clientId: ' id' }, token)),
    ).toMatch(/client id/);
    expect(oauthClientOfRemote('type = local')).toBeUndefined();
    expect(oauthClientOfRemote('type = drive\ntoken = {}')).toBeUndefined();
    expect(oauthClientOfRemote('type = sftp\nclient_id = a\nclient_secret = b')).toBeUndefined();
  });
});
