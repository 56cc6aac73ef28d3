import { createHash } from 'node:crypto';
import { FerryError } from '../../errors.js';

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}$/;

/**
 * The OpenSSH-style fingerprint of a host key blob (as the server sent it): `SHA256:` and the
 * unpadded base64 of its SHA-256, the same text `ssh-keygen -l -f key.pub` and `ssh` print.
 */
export function hostKeyFingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Reads a pinned fingerprint as a user pastes it: `SHA256:abc…`, the bare base64 (with or without
 * its `=` padding), or the 64 hex digits of the digest. Returns the `SHA256:…` form; anything else
 * is refused with BAD_PROVIDER_OPTIONS.
 */
export function normalizeHostKeySha256(given: string): string {
  let text = given.trim();
  if (/^sha256:/i.test(text)) text = text.slice('sha256:'.length);
  if (/^[0-9a-fA-F]{64}$/.test(text))
    return `SHA256:${Buffer.from(text, 'hex').toString('base64').replace(/=+$/, '')}`;
  text = text.replace(/=+$/, '');
  if (!BASE64_SHA256.test(text))
    throw new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `sftp: option 'hostKeySha256' must be a SHA-256 host key fingerprint, got '${given}'`,
      'copy it from `ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub` on the server (SHA256:…)',
    );
  return `SHA256:${text}`;
}
