import { describe, expect, it } from 'vitest';
import { callbackUrl, readOAuthResult } from './oauth-result.js';

describe('the OAuth result in the panel address', () => {
  it('reads what the relay callback writes, connected or failed', () => {
    expect(readOAuthResult('?oauth=connected&account=gdrive')).toEqual({
      connected: true,
      account: 'gdrive',
      message: undefined,
      hint: undefined,
    });
    expect(
      readOAuthResult(
        '?oauth=failed&account=g&code=FERRY_OAUTH_REFUSED&message=the+cloud+refused&hint=start+again',
      ),
    ).toEqual({ connected: false, account: 'g', message: 'the cloud refused', hint: 'start again' });
  });

  it('ignores an address without a result, or with an unknown one', () => {
    expect(readOAuthResult('')).toBeUndefined();
    expect(readOAuthResult('?oauth=maybe')).toBeUndefined();
    expect(readOAuthResult('?account=x')).toBeUndefined();
  });

  it('names the callback the relay registers for this origin', () => {
    expect(callbackUrl('https://relay.example:8443')).toBe('https://relay.example:8443/api/oauth/callback');
  });
});
