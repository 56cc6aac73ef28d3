import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Session tokens (`fs_`) and device tokens (`fd_`): 32 random bytes, base64url. */
export type TokenKind = 'session' | 'device';
const PREFIX: Record<TokenKind, string> = { session: 'fs_', device: 'fd_' };

export function newToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function tokenKind(token: string): TokenKind | undefined {
  if (token.startsWith('fs_')) return 'session';
  if (token.startsWith('fd_')) return 'device';
  return undefined;
}

/** Tokens are stored as their sha256 (hex): a leaked database holds no usable token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Pairing codes: 8 characters of Crockford-like base32 without the look-alikes (0/O, 1/I/L, U),
 * shown as `XXXX-XXXX`. 31^8 ≈ 8.5e11 codes for a code that lives 10 minutes and is spent once;
 * redeem attempts are rate-limited like logins.
 */
export const PAIRING_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a user typed → the stored form: case, spaces and dashes do not matter. */
export function normalizePairingCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== 8) return undefined;
  for (const ch of code) if (!PAIRING_ALPHABET.includes(ch)) return undefined;
  return code;
}
