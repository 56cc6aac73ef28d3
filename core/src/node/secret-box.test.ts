import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encryptJson, isEncryptedBlob, loadKeyFile, tryDecryptJson } from './secret-box.js';

describe('secret box', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes a key file once (0600 in a 0700 folder), and processes starting together agree on it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-key-'));
    const path = join(dir, 'conf', 'device.key');
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadKeyFile(path, 'hint')));
    expect(keys.every((key) => key.equals(keys[0] as Buffer))).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'conf'))).mode & 0o777).toBe(0o700);
    expect((await readFile(path)).equals(keys[0] as Buffer)).toBe(true);
  });

  it('refuses a key file of the wrong size, with the hint given', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-key-'));
    const path = join(dir, 'device.key');
    await writeFile(path, 'short');
    await expect(loadKeyFile(path, 'remove it')).rejects.toMatchObject({
      code: 'BAD_INPUT',
      hint: 'remove it',
    });
  });

  it('answers undefined for another key, an altered blob or a non-blob, never the data', () => {
    const key = Buffer.alloc(32, 1);
    const blob = encryptJson(key, { token: 'cloud-secret' });
    expect(isEncryptedBlob(blob)).toBe(true);
    expect(JSON.stringify(blob)).not.toContain('cloud-secret');
    expect(tryDecryptJson(key, blob)).toEqual({ token: 'cloud-secret' });
    expect(tryDecryptJson(Buffer.alloc(32, 2), blob)).toBeUndefined();
    expect(tryDecryptJson(key, { ...blob, tag: Buffer.alloc(16).toString('base64') })).toBeUndefined();
    for (const notBlob of [null, 1, {}, { containers: [] }, { ...blob, v: 2 }])
      expect(isEncryptedBlob(notBlob)).toBe(false);
  });
});
