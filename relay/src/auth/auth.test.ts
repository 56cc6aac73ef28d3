import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiTables } from '../db.js';
import { Auth, PAIRING_TTL_MS, SESSION_TTL_MS } from './auth.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { normalizePairingCode } from './tokens.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('Auth', () => {
  let dir = '';
  let level: Level<string, unknown>;
  let now = 1_000_000;
  let auth: Auth;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-auth-'));
    level = new Level<string, unknown>(dir, { valueEncoding: 'json' });
    now = 1_000_000;
    auth = new Auth({
      tables: apiTables(level),
      clock: () => now,
      scrypt: FAST,
      limits: { perUser: 3, perAddress: 5, windowMs: 60_000 },
    });
  });
  afterEach(async () => {
    await level.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes with a salt and the parameters, and verifies', async () => {
    const a = await hashPassword('correct horse', FAST);
    const b = await hashPassword('correct horse', FAST);
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
  });

  it('creates users once, refuses bad names, short passwords and a second first user', async () => {
    expect(await auth.hasUsers()).toBe(false);
    await auth.setupFirstUser('alice', 'password-a');
    await expect(auth.setupFirstUser('bob', 'password-b')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(auth.addUser('alice', 'password-x')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(auth.addUser('../x', 'password-x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(auth.addUser('bob', 'short')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await auth.addUser('bob', 'password-b');
    expect(await auth.hasUsers()).toBe(true);
  });

  it('gives the same answer for a wrong password and an unknown user, and logs in', async () => {
    await auth.addUser('alice', 'password-a');
    const wrong = await auth.login('alice', 'nope-nope', '1.1.1.1').catch((e) => e);
    const unknown = await auth.login('mallory', 'nope-nope', '1.1.1.2').catch((e) => e);
    expect(wrong.toJSON()).toEqual(unknown.toJSON());
    expect(wrong.code).toBe('UNAUTHORIZED');
    const { token } = await auth.login('alice', 'password-a', '1.1.1.1');
    expect(token.startsWith('fs_')).toBe(true);
    expect(await auth.authenticate(token)).toEqual({ kind: 'user', user: 'alice' });
    expect(await auth.authenticate(`${token}x`)).toBeNull();
    expect(await auth.authenticate('anything')).toBeNull();
  });

  it('expires and revokes sessions', async () => {
    await auth.addUser('alice', 'password-a');
    const first = await auth.login('alice', 'password-a', 'a');
    const second = await auth.login('alice', 'password-a', 'a');
    await auth.logout(first.token);
    expect(await auth.authenticate(first.token)).toBeNull();
    expect(await auth.authenticate(second.token)).not.toBeNull();
    now += SESSION_TTL_MS;
    expect(await auth.authenticate(second.token)).toBeNull();
    // Expired records are swept, not only refused.
    const third = await auth.login('alice', 'password-a', 'a');
    await auth.createPairingCode('alice');
    now += SESSION_TTL_MS;
    expect(await auth.sweepExpired(now, true)).toBe(2);
    expect(await level.sublevel('sessions').keys().all()).toEqual([]);
    expect(await level.sublevel('pairing').keys().all()).toEqual([]);
    void third;
  });

  it('rate-limits failed logins per user and per address', async () => {
    await auth.addUser('alice', 'password-a');
    for (let i = 0; i < 3; i++)
      await expect(auth.login('alice', 'wrong-pass', `10.0.0.${i}`)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    // Per user: even the right password waits, from a fresh address.
    const limited = await auth.login('alice', 'password-a', '10.0.0.9').catch((e) => e);
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.retryAfterMs).toBe(60_000);
    now += 60_000;
    await auth.login('alice', 'password-a', '10.0.0.9');
    // Per address: five different user names from one address.
    for (let i = 0; i < 5; i++)
      await expect(auth.login(`u${i}`, 'wrong-pass', '10.9.9.9')).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    await expect(auth.login('alice', 'password-a', '10.9.9.9')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
  });

  it('pairs a device once with a code that expires after 10 minutes', async () => {
    await auth.addUser('alice', 'password-a');
    const { code, expiresAt } = await auth.createPairingCode('alice');
    expect(code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    expect(expiresAt).toBe(now + PAIRING_TTL_MS);
    const paired = await auth.redeemPairingCode(code.toLowerCase().replace('-', ' '), 'pi', 'a');
    expect(paired.token.startsWith('fd_')).toBe(true);
    expect(await auth.authenticate(paired.token)).toEqual({ kind: 'device', user: 'alice', device: 'pi' });
    await expect(auth.redeemPairingCode(code, 'pi2', 'a')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    const late = await auth.createPairingCode('alice');
    now += PAIRING_TTL_MS;
    await expect(auth.redeemPairingCode(late.code, 'pi3', 'a')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(await auth.listDevices('alice')).toEqual([
      { name: 'pi', createdAt: 1_000_000, bound: true, lastSeen: 1_000_000 },
    ]);
    expect(normalizePairingCode('ABCD-EFG1')).toBeUndefined();
  });

  it('rate-limits wrong pairing codes per address', async () => {
    await auth.addUser('alice', 'password-a');
    const { code } = await auth.createPairingCode('alice');
    for (let i = 0; i < 5; i++)
      await expect(auth.redeemPairingCode('2222-2222', 'pi', '10.1.1.1')).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    await expect(auth.redeemPairingCode(code, 'pi', '10.1.1.1')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect((await auth.redeemPairingCode(code, 'pi', '10.1.1.2')).device).toBe('pi');
  });

  it('binds by credentials, keeps device names global, and revokes on removal', async () => {
    await auth.addUser('alice', 'password-a');
    await auth.addUser('bob', 'password-b');
    const pi = await auth.bindDevice('alice', 'password-a', 'pi', 'a');
    await expect(auth.bindDevice('bob', 'password-b', 'pi', 'b')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(auth.bindDevice('alice', 'wrong-pass', 'nas', 'a')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(auth.removeDevice('bob', 'pi')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // Token revoked, name kept for alice, re-pairable by her only.
    await auth.removeDevice('alice', 'pi');
    expect(await auth.authenticate(pi.token)).toBeNull();
    expect(await auth.listDevices('alice')).toEqual([{ name: 'pi', createdAt: 1_000_000, bound: false }]);
    await expect(auth.bindDevice('bob', 'password-b', 'pi', 'b')).rejects.toMatchObject({ code: 'CONFLICT' });
    const again = await auth.bindDevice('alice', 'password-a', 'pi', 'a');
    expect(await auth.authenticate(again.token)).toMatchObject({ device: 'pi' });
    await auth.removeDevice('alice', 'pi');
    expect(await auth.authenticate(again.token)).toBeNull();
  });
});
