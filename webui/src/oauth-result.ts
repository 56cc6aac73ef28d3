/** Where the relay's OAuth callback is, as this browser reaches the relay (what the relay computes too). */
export const callbackUrl = (origin: string = location.origin): string => `${origin}/api/oauth/callback`;

/** The result the relay's callback put in the panel's address (`?oauth=…`), if any. */
export interface OAuthResult {
  connected: boolean;
  account?: string;
  message?: string;
  hint?: string;
}

export function readOAuthResult(search: string): OAuthResult | undefined {
  const query = new URLSearchParams(search);
  const outcome = query.get('oauth');
  if (outcome !== 'connected' && outcome !== 'failed') return undefined;
  const pick = (key: string) => query.get(key) ?? undefined;
  return {
    connected: outcome === 'connected',
    account: pick('account'),
    message: pick('message'),
    hint: pick('hint'),
  };
}
