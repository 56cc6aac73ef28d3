import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FerryError } from '../errors.js';

/**
 * AES-256-GCM for secrets at rest, shared by the relay (account options in its database) and the
 * device (the container list it keeps for offline restarts). Node-only, like the I/O providers:
 * it lives beside core's pure model, not in it (core/src/purity.test.ts).
 */

export const KEY_BYTES = 32;

/** An encrypted JSON value: a fresh 12-byte IV each time, the GCM tag, the ciphertext (base64). */
export interface EncryptedBlob {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

/**
 * The key in `path` (32 raw bytes), created with mode 0600 (its folder 0700) when missing. Two
 * processes starting at once agree: the file is created exclusively and the loser reads it.
 * `hint` says what to do when the file holds something else.
 */
export async function loadKeyFile(path: string, hint: string): Promise<Buffer> {
  try {
    return checkKey(await readFile(path), `${path} holds`, hint);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return checkKey(await readFile(path), `${path} holds`, hint);
    throw error;
  }
}

/** A key given as base64 text (an environment variable named `what`). */
export function parseBase64Key(base64: string, what: string): Buffer {
  return checkKey(
    Buffer.from(base64, 'base64'),
    `${what} must be the base64 of ${KEY_BYTES} bytes, it decodes to`,
    "create one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"",
  );
}

function checkKey(key: Buffer, said: string, hint: string): Buffer {
  if (key.length !== KEY_BYTES)
    throw new FerryError('BAD_INPUT', `${said} ${key.length} bytes, a key has ${KEY_BYTES}`, hint);
  return key;
}

export function encryptJson(key: Buffer, value: unknown): EncryptedBlob {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    v: 1,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/**
 * The value, or `undefined` when the blob was made with another key or was altered (GCM checks
 * both); the caller says what that means. Never any detail of the cipher: it must not echo data.
 */
export function tryDecryptJson<T>(key: Buffer, blob: EncryptedBlob): T | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(blob.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(blob.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(blob.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Whether a parsed JSON value has the shape of an EncryptedBlob. */
export function isEncryptedBlob(value: unknown): value is EncryptedBlob {
  const blob = value as Partial<EncryptedBlob> | null;
  return (
    typeof blob === 'object' &&
    blob !== null &&
    blob.v === 1 &&
    typeof blob.iv === 'string' &&
    typeof blob.tag === 'string' &&
    typeof blob.data === 'string'
  );
}
