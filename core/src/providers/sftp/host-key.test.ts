import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../errors.js';
import { hostKeyFingerprint, normalizeHostKeySha256 } from './host-key.js';

describe('host key fingerprints', () => {
  const blob = Buffer.from('a host key blob');
  const digest = createHash('sha256').update(blob).digest();
  const expected = `SHA256:${digest.toString('base64').replace(/=+$/, '')}`;

  it('prints OpenSSH style: SHA256 and unpadded base64', () => {
    expect(hostKeyFingerprint(blob)).toBe(expected);
    expect(hostKeyFingerprint(blob)).not.toContain('=');
  });

  it('reads a pasted pin in its usual forms', () => {
    const bare = expected.slice('SHA256:'.length);
    for (const form of [
      expected,
      ` ${expected} `,
      `sha256:${bare}`,
      bare,
      `${bare}=`,
      digest.toString('hex'),
    ])
      expect(normalizeHostKeySha256(form), form).toBe(expected);
  });

  it('refuses anything else with BAD_PROVIDER_OPTIONS', () => {
    for (const bad of ['', 'SHA256:', 'MD5:aa:bb', 'SHA256:short', `${expected}x`, 'g'.repeat(64)]) {
      let caught: unknown;
      try {
        normalizeHostKeySha256(bad);
      } catch (error) {
        caught = error;
      }
      expect(isFerryError(caught, 'BAD_PROVIDER_OPTIONS'), bad).toBe(true);
    }
  });
});
