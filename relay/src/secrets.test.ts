import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptJson, encryptJson, loadSecretKey } from './secrets.js';

describe('secrets', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates secret.key with mode 0600 once and reuses it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-secret-'));
    const key = await loadSecretKey(dir, {});
    expect(key.length).toBe(32);
    expect((await stat(join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
    expect((await loadSecretKey(dir, {})).equals(key)).toBe(true);
    expect((await readFile(join(dir, 'secret.key'))).equals(key)).toBe(true);
  });

  it('takes FERRY_SECRET over the file and refuses a short one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-secret-'));
    const raw = Buffer.alloc(32, 7);
    const key = await loadSecretKey(dir, { FERRY_SECRET: raw.toString('base64') });
    expect(key.equals(raw)).toBe(true);
    await expect(loadSecretKey(dir, { FERRY_SECRET: 'c2hvcnQ=' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
  });

  it('round-trips, hides the plaintext and refuses another key or a changed blob', () => {
    const key = Buffer.alloc(32, 1);
    const blob = encryptJson(key, { password: 'hunter2-secret' });
    expect(JSON.stringify(blob)).not.toContain('hunter2');
    expect(decryptJson(key, blob)).toEqual({ password: 'hunter2-secret' });
    expect(() => decryptJson(Buffer.alloc(32, 2), blob)).toThrow(/cannot be decrypted/);
    const data = Buffer.from(blob.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => decryptJson(key, { ...blob, data: data.toString('base64') })).toThrow(/cannot be decrypted/);
  });
});
