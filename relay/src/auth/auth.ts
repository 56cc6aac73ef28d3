import { checkLabel, checkName, FerryError } from '@ferry/core';
import type { ApiTables, Table } from '../db.js';
import type { DeviceRecord, Principal, UserRecord } from '../records.js';
import {
  checkPassword,
  DEFAULT_SCRYPT,
  dummyVerify,
  hashPassword,
  type ScryptParams,
  verifyPassword,
} from './passwords.js';
import { RateLimiter } from './rate-limit.js';
import { hashToken, newPairingCode, newToken, normalizePairingCode, tokenKind } from './tokens.js';

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const PAIRING_TTL_MS = 10 * 60 * 1000;
/** lastSeen is written at most this often per device, not on every request. */
const LAST_SEEN_STEP_MS = 60 * 1000;
const SWEEP_EVERY_MS = 3600 * 1000;

export interface AuthLimits {
  /** Failed logins per user name per window. */
  perUser: number;
  /** Failed logins and pairing redemptions per client address per window. */
  perAddress: number;
  windowMs: number;
}
export const DEFAULT_AUTH_LIMITS: AuthLimits = { perUser: 10, perAddress: 30, windowMs: 15 * 60 * 1000 };

/** Too many failed attempts; the HTTP layer turns retryAfterMs into a Retry-After header. */
export class TooManyAttempts extends FerryError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super('RATE_LIMITED', message, `wait ${Math.ceil(retryAfterMs / 1000)} s and try again`);
  }
}

export interface AuthOptions {
  tables: ApiTables;
  clock: () => number;
  scrypt?: ScryptParams;
  limits?: AuthLimits;
}

/** A device as the API shows it: never its token hash. */
export interface DeviceView {
  name: string;
  createdAt: number;
  lastSeen?: number;
  bound: boolean;
  label?: string;
}

const WRONG_CREDENTIALS = () =>
  new FerryError('UNAUTHORIZED', 'user name or password is wrong', 'check both and try again');

/**
 * Users, sessions, devices and pairing codes. Every check-then-write runs inside `serial`, so two
 * requests cannot both create the first user or both take a device name (one relay process owns
 * its LevelDB, so an in-process queue is enough).
 */
export class Auth {
  private readonly tables: ApiTables;
  private readonly clock: () => number;
  private readonly scrypt: ScryptParams;
  private readonly perUser: RateLimiter;
  private readonly perAddress: RateLimiter;
  private queue: Promise<unknown> = Promise.resolve();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: AuthOptions) {
    this.tables = options.tables;
    this.clock = options.clock;
    this.scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    const limits = options.limits ?? DEFAULT_AUTH_LIMITS;
    this.perUser = new RateLimiter({ limit: limits.perUser, windowMs: limits.windowMs, clock: this.clock });
    this.perAddress = new RateLimiter({
      limit: limits.perAddress,
      windowMs: limits.windowMs,
      clock: this.clock,
    });
  }

  /** Runs `task` after every task queued before it (a tiny mutex for check-then-write). */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async hasUsers(): Promise<boolean> {
    return !(await this.tables.users.isEmpty());
  }

  /** The oldest user: `ferry up` binds its own disk to them, in-process, without a pairing code. */
  async firstUser(): Promise<string | undefined> {
    const users = await this.tables.users.values();
    users.sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
    return users[0]?.name;
  }

  /** `ferry up`: the relay and the device share a process (and an owner), so no code is needed. */
  bindOwnDevice(user: string, device: string): Promise<{ user: string; device: string; token: string }> {
    checkName('device', device);
    return this.serial(async () => {
      await this.checkDeviceNameFree(user, device);
      return { user, device, token: await this.bindDeviceUnlocked(user, device) };
    });
  }

  /** `ferry user add`: any number of users, names unique. */
  addUser(name: string, password: string): Promise<UserRecord> {
    return this.serial(() => this.insertUser(name, password));
  }

  /** The panel's first-run page: works only while the relay has no user at all. */
  setupFirstUser(name: string, password: string): Promise<UserRecord> {
    return this.serial(async () => {
      if (await this.hasUsers())
        throw new FerryError(
          'FORBIDDEN',
          'this relay already has a user',
          'log in, or ask its owner to run `ferry user add`',
        );
      return this.insertUser(name, password);
    });
  }

  private async insertUser(name: string, password: string): Promise<UserRecord> {
    checkName('user', name);
    checkPassword(password);
    if (await this.tables.users.get(name)) throw new FerryError('CONFLICT', `user '${name}' already exists`);
    const record: UserRecord = {
      name,
      passwordHash: await hashPassword(password, this.scrypt),
      createdAt: this.clock(),
    };
    await this.tables.users.put(name, record);
    return record;
  }

  /**
   * Checks a user's password under the rate limits. Unknown user and wrong password give the same
   * error after the same scrypt work.
   */
  async checkCredentials(user: string, password: string, address: string): Promise<string> {
    const userKey = `user:${user}`;
    const addressKey = `addr:${address}`;
    const wait = Math.max(this.perUser.retryAfterMs(userKey), this.perAddress.retryAfterMs(addressKey));
    if (wait > 0) throw new TooManyAttempts('too many failed logins', wait);
    const record = await this.tables.users.get(user);
    const ok = record
      ? await verifyPassword(password, record.passwordHash)
      : await dummyVerify(password, this.scrypt);
    if (!ok || !record) {
      this.perUser.hit(userKey);
      this.perAddress.hit(addressKey);
      throw WRONG_CREDENTIALS();
    }
    this.perUser.reset(userKey);
    return record.name;
  }

  async login(
    user: string,
    password: string,
    address: string,
  ): Promise<{ token: string; user: string; expiresAt: number }> {
    const name = await this.checkCredentials(user, password, address);
    const token = newToken('session');
    const now = this.clock();
    const expiresAt = now + SESSION_TTL_MS;
    await this.tables.sessions.put(hashToken(token), {
      user: name,
      scope: 'user',
      createdAt: now,
      expiresAt,
    });
    await this.sweepExpired(now);
    return { token, user: name, expiresAt };
  }

  /**
   * Deletes expired sessions and pairing codes, at most once an hour (on a login or a new code):
   * an expired record is refused anyway, this only keeps the tables from growing forever.
   */
  async sweepExpired(now: number, force = false): Promise<number> {
    if (!force && now - this.lastSweep < SWEEP_EVERY_MS) return 0;
    this.lastSweep = now;
    let removed = 0;
    const sweep = async <V extends { expiresAt: number }>(table: Table<V>) => {
      for (const [key, record] of await table.entries())
        if (record.expiresAt <= now) {
          await table.del(key);
          removed++;
        }
    };
    await sweep(this.tables.sessions);
    await sweep(this.tables.pairing);
    return removed;
  }

  /** Revokes a session token (logout). Device tokens are revoked by removing the device. */
  async logout(token: string): Promise<void> {
    if (tokenKind(token) === 'session') await this.tables.sessions.del(hashToken(token));
  }

  async authenticate(token: string): Promise<Principal | null> {
    if (typeof token !== 'string' || token.length > 200) return null;
    const kind = tokenKind(token);
    const hash = hashToken(token);
    if (kind === 'session') {
      const session = await this.tables.sessions.get(hash);
      if (!session) return null;
      if (session.expiresAt <= this.clock()) {
        await this.tables.sessions.del(hash);
        return null;
      }
      if (!(await this.tables.users.get(session.user))) return null;
      return { kind: 'user', user: session.user };
    }
    if (kind === 'device') {
      const name = await this.tables.deviceTokens.get(hash);
      const device = name === undefined ? undefined : await this.tables.devices.get(name);
      if (!device || device.tokenHash !== hash) return null;
      const now = this.clock();
      if (device.lastSeen === undefined || now - device.lastSeen >= LAST_SEEN_STEP_MS)
        await this.tables.devices.put(device.name, { ...device, lastSeen: now });
      return { kind: 'device', user: device.user, device: device.name };
    }
    return null;
  }

  async createPairingCode(user: string): Promise<{ code: string; expiresAt: number }> {
    const code = newPairingCode();
    const now = this.clock();
    const expiresAt = now + PAIRING_TTL_MS;
    await this.tables.pairing.put(normalizePairingCode(code) as string, { user, createdAt: now, expiresAt });
    await this.sweepExpired(now);
    return { code, expiresAt };
  }

  /** Spends a pairing code once and binds a device to its user. */
  redeemPairingCode(
    code: string,
    device: string,
    address: string,
  ): Promise<{ user: string; device: string; token: string }> {
    checkName('device', device);
    const addressKey = `addr:${address}`;
    const wait = this.perAddress.retryAfterMs(addressKey);
    if (wait > 0) return Promise.reject(new TooManyAttempts('too many failed attempts', wait));
    return this.serial(async () => {
      const key = normalizePairingCode(code);
      const record = key === undefined ? undefined : await this.tables.pairing.get(key);
      if (key === undefined || !record || record.expiresAt <= this.clock()) {
        if (key !== undefined && record) await this.tables.pairing.del(key);
        this.perAddress.hit(addressKey);
        throw new FerryError(
          'UNAUTHORIZED',
          'the pairing code is wrong, used or expired',
          'run `ferry pair` for a new code (valid 10 minutes)',
        );
      }
      // Refuse before spending the code: a taken name should not cost the user a new code.
      await this.checkDeviceNameFree(record.user, device);
      await this.tables.pairing.del(key);
      const token = await this.bindDeviceUnlocked(record.user, device);
      return { user: record.user, device, token };
    });
  }

  /** A device's own page: the user's credentials, sent once, become a device token. */
  async bindDevice(
    user: string,
    password: string,
    device: string,
    address: string,
  ): Promise<{ user: string; device: string; token: string }> {
    checkName('device', device);
    const name = await this.checkCredentials(user, password, address);
    return this.serial(async () => {
      await this.checkDeviceNameFree(name, device);
      return { user: name, device, token: await this.bindDeviceUnlocked(name, device) };
    });
  }

  private async checkDeviceNameFree(user: string, device: string): Promise<void> {
    const existing = await this.tables.devices.get(device);
    if (!existing) return;
    if (existing.user !== user)
      throw new FerryError(
        'CONFLICT',
        `device name '${device}' is taken on this relay`,
        'choose another name',
      );
    if (existing.tokenHash !== undefined)
      throw new FerryError(
        'CONFLICT',
        `device '${device}' is already bound`,
        `unbind it first (ferry device remove ${device}, or the panel) to pair a replacement`,
      );
  }

  private async bindDeviceUnlocked(user: string, device: string): Promise<string> {
    const token = newToken('device');
    const tokenHash = hashToken(token);
    const existing = await this.tables.devices.get(device);
    const record: DeviceRecord = {
      name: device,
      user,
      tokenHash,
      createdAt: existing?.createdAt ?? this.clock(),
    };
    await this.tables.deviceTokens.put(tokenHash, device);
    await this.tables.devices.put(device, record);
    return token;
  }

  async listDevices(user: string): Promise<DeviceView[]> {
    return (await this.tables.devices.values())
      .filter((device) => device.user === user)
      .map((device) => view(device));
  }

  async getDevice(user: string, name: string): Promise<DeviceRecord> {
    const device = await this.tables.devices.get(name);
    // Another user's device reads as missing: names of others are not disclosed.
    if (!device || device.user !== user) throw new FerryError('NOT_FOUND', `no device '${name}'`);
    return device;
  }

  /**
   * Renames a device for people: sets its display label ('' clears it). Its name stays, since it
   * names the device's documents and receipts on the relay and on its disk.
   */
  renameDevice(user: string, name: string, label: string): Promise<DeviceView> {
    const checked = checkLabel(label);
    return this.serial(async () => {
      const device = await this.getDevice(user, name);
      const { label: _old, ...rest } = device;
      const renamed: DeviceRecord = checked === '' ? rest : { ...rest, label: checked };
      await this.tables.devices.put(name, renamed);
      return view(renamed);
    });
  }

  /**
   * Unbinds a device: its token stops working at once. The record stays, tokenless: the name and
   * its documents (`d/<device>`, progress docs) stay this user's, so no other user can take the
   * name over and read them, and a replacement can be paired under the same name.
   */
  removeDevice(user: string, name: string): Promise<void> {
    return this.serial(async () => {
      const device = await this.getDevice(user, name);
      if (device.tokenHash === undefined) return;
      await this.tables.deviceTokens.del(device.tokenHash);
      const { tokenHash: _revoked, ...unbound } = device;
      await this.tables.devices.put(name, unbound);
    });
  }
}

export function view(device: DeviceRecord): DeviceView {
  const out: DeviceView = {
    name: device.name,
    createdAt: device.createdAt,
    bound: device.tokenHash !== undefined,
  };
  if (device.lastSeen !== undefined) out.lastSeen = device.lastSeen;
  if (device.label !== undefined) out.label = device.label;
  return out;
}
