import { join } from 'node:path';
import { FerryError } from '@ferry/core';
import {
  type EncryptedBlob,
  encryptJson,
  loadKeyFile,
  parseBase64Key,
  tryDecryptJson,
} from '@ferry/core/node';

/**
 * Account credentials are encrypted at rest with AES-256-GCM. The key is `FERRY_SECRET` (base64 of
 * 32 bytes) when set, else `<data>/secret.key` (32 raw bytes, created with mode 0600 on first
 * start). Losing the key makes every stored account unreadable: back it up with the data folder.
 */
export const SECRET_KEY_FILE = 'secret.key';

export async function loadSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const fromEnv = env.FERRY_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return parseSecret(fromEnv);
  return loadKeyFile(
    join(dataDir, SECRET_KEY_FILE),
    'restore the key file from the backup of the data folder',
  );
}

export function parseSecret(base64: string): Buffer {
  return parseBase64Key(base64, 'FERRY_SECRET');
}

export { encryptJson };

export function decryptJson<T>(key: Buffer, blob: EncryptedBlob): T {
  const value = tryDecryptJson<T>(key, blob);
  if (value === undefined)
    throw new FerryError(
      'INTERNAL',
      'stored account options cannot be decrypted',
      'the secret key changed: restore secret.key (or FERRY_SECRET) that was used to save the account',
    );
  return value;
}
