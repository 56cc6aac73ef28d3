import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '@ferry/core';
import type { EncryptedBlob } from './records.js';

/**
 * Account credentials are encrypted at rest with AES-256-GCM. The key is `FERRY_SECRET` (base64 of
 * 32 bytes) when set, else `<data>/secret.key` (32 raw bytes, created with mode 0600 on first
 * start). Losing the key makes every stored account unreadable: back it up with the data folder.
 */
export const SECRET_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

export async function loadSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const fromEnv = env.FERRY_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return parseSecret(fromEnv);
  const path = join(dataDir, SECRET_KEY_FILE);
  try {
    return checkKey(await readFile(path), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  try {
    // 'wx': never overwrite a key another process wrote in between.
    await writeFile(path, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return checkKey(await readFile(path), path);
    throw error;
  }
}

export function parseSecret(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== KEY_BYTES)
    throw new FerryError(
      'BAD_INPUT',
      `FERRY_SECRET must be the base64 of ${KEY_BYTES} bytes, it decodes to ${key.length}`,
      "create one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"",
    );
  return key;
}

function checkKey(key: Buffer, path: string): Buffer {
  if (key.length !== KEY_BYTES)
    throw new FerryError(
      'BAD_INPUT',
      `${path} holds ${key.length} bytes, a key has ${KEY_BYTES}`,
      'restore the key file from the backup of the data folder',
    );
  return key;
}

/** Encrypts any JSON value; a fresh 12-byte IV every time. */
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

export function decryptJson<T>(key: Buffer, blob: EncryptedBlob): T {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(blob.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(blob.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(blob.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  } catch (error) {
    // No detail from the cipher: it would say nothing useful and must never echo data.
    throw new FerryError(
      'INTERNAL',
      'stored account options cannot be decrypted',
      'the secret key changed: restore secret.key (or FERRY_SECRET) that was used to save the account',
      { cause: error instanceof Error ? new Error(error.message) : undefined },
    );
  }
}
