import { type AddressInfo, createServer } from 'node:net';
import Provider from 'oidc-provider';

export interface OAuthServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A real OAuth 2.0 authorization server on loopback (node-oidc-provider with its own sign-in and
 * consent pages) standing in for Google's: one confidential client whose redirect URI is the
 * relay's callback, PKCE required.
 */
export async function startOAuthServer(redirectUri: string): Promise<OAuthServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'ferry-panel-test';
  const clientSecret = 'panel-test-secret';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    // The scope Ferry asks Google for (core/src/oauth.ts, drive).
    scopes: ['openid', 'https://www.googleapis.com/auth/drive.readonly'],
    issueRefreshToken: () => true,
    ttl: { AccessToken: 3600, Interaction: 600, Session: 600, Grant: 600 },
  });
  const server = provider.listen(port, '127.0.0.1');
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
