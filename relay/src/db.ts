import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '@ferry/core';
import { Level } from 'level';
import type {
  AccountRecord,
  ContainerRecord,
  DeviceRecord,
  PairingRecord,
  SessionRecord,
  UserRecord,
} from './records.js';

/** The relay's one LevelDB; every part of the relay uses its own sublevel of `level`. */
export interface RelayDb {
  level: Level<string, unknown>;
  close(): Promise<void>;
}

export async function openRelayDb(dataDir: string): Promise<RelayDb> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const level = new Level<string, unknown>(join(dataDir, 'db'), { valueEncoding: 'json' });
  try {
    await level.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED')
      throw new FerryError(
        'CONFLICT',
        `the data folder ${dataDir} is in use by another process (a running relay?)`,
        'stop the relay first, or create the user in the panel of the running relay',
      );
    throw error;
  }
  return { level, close: () => level.close() };
}

/**
 * A JSON sublevel with the few operations the API needs, typed by its record. A missing key reads
 * as undefined (level 10 semantics).
 */
export class Table<V> {
  private readonly sub;
  constructor(level: Level<string, unknown>, name: string) {
    this.sub = level.sublevel<string, V>(name, { valueEncoding: 'json' });
  }
  get(key: string): Promise<V | undefined> {
    return this.sub.get(key);
  }
  put(key: string, value: V): Promise<void> {
    return this.sub.put(key, value);
  }
  del(key: string): Promise<void> {
    return this.sub.del(key);
  }
  async values(): Promise<V[]> {
    return this.sub.values().all();
  }
  /** Values whose key starts with `prefix` (a key range, not a scan of the table). */
  async valuesWithPrefix(prefix: string): Promise<V[]> {
    return this.sub.values({ gte: prefix, lt: `${prefix}\uffff` }).all();
  }
  async entries(): Promise<[string, V][]> {
    return this.sub.iterator().all();
  }
  async isEmpty(): Promise<boolean> {
    const first = await this.sub.keys({ limit: 1 }).all();
    return first.length === 0;
  }
}

/** The tables of the HTTP API (R-app); the document store uses its own `docs` sublevel. */
export interface ApiTables {
  users: Table<UserRecord>;
  sessions: Table<SessionRecord>;
  devices: Table<DeviceRecord>;
  /** device token hash → device name, so authenticate() is one lookup. */
  deviceTokens: Table<string>;
  pairing: Table<PairingRecord>;
  accounts: Table<AccountRecord>;
  containers: Table<ContainerRecord>;
}

export function apiTables(level: Level<string, unknown>): ApiTables {
  return {
    users: new Table(level, 'users'),
    sessions: new Table(level, 'sessions'),
    devices: new Table(level, 'devices'),
    deviceTokens: new Table(level, 'device-tokens'),
    pairing: new Table(level, 'pairing'),
    accounts: new Table(level, 'accounts'),
    containers: new Table(level, 'containers'),
  };
}
