import { FerryError } from './errors.js';

/** Hash kinds a provider may report. The version string is `<type>:<lowercase hex>`. */
export const HASH_TYPES = ['md5', 'sha1', 'sha256', 'quickxor', 'dropbox', 'crc32'] as const;
export type HashType = (typeof HASH_TYPES)[number];

/**
 * One file or folder of a container, as a crawl saw it. `path` is relative to the container root,
 * '/'-separated, without a leading or trailing slash, exactly as the cloud names it (it may be
 * unsafe for a disk: see paths.ts). `mtime` is milliseconds since the epoch.
 */
export interface Entry {
  path: string;
  size: number;
  mtime: number;
  hash?: string;
  hashType?: HashType;
  isDir: boolean;
}

/** The version of a folder: folders have no content, a receipt only says the folder exists on disk. */
export const DIR_VERSION = 'dir';

/**
 * The content identity of an entry: the provider's hash when it gives one, else size and mtime.
 * Receipts store this string; "fetched" is `receipt === version(entry)`.
 */
export function version(entry: Entry): string {
  if (entry.isDir) return DIR_VERSION;
  if (entry.hash !== undefined && entry.hashType !== undefined) return `${entry.hashType}:${entry.hash}`;
  return `s${entry.size}-m${entry.mtime}`;
}

/** Derived, never stored: the device holds this entry's current content. */
export function fetched(entry: Entry, receipt: string | undefined): boolean {
  return receipt !== undefined && receipt === version(entry);
}

const HEX = /^[0-9a-f]+$/;
const HEX_LENGTH: Partial<Record<HashType, number>> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  dropbox: 64,
  crc32: 8,
};

/**
 * Checks an entry that came from a cloud listing and returns a normalised copy (hash lowercased).
 * A listing is input from outside: anything malformed is refused with BAD_ENTRY, never stored.
 */
export function validateEntry(raw: Entry): Entry {
  const where = typeof raw?.path === 'string' ? `entry '${raw.path}'` : 'entry';
  if (typeof raw !== 'object' || raw === null)
    throw new FerryError('BAD_ENTRY', 'a listing entry is not an object');
  if (typeof raw.path !== 'string' || raw.path.length === 0)
    throw new FerryError('BAD_ENTRY', 'a listing entry has no path');
  if (raw.path.startsWith('/') || raw.path.endsWith('/') || raw.path.includes('//'))
    throw new FerryError('BAD_ENTRY', `${where}: path must be relative, without empty segments`);
  if (typeof raw.isDir !== 'boolean') throw new FerryError('BAD_ENTRY', `${where}: isDir must be a boolean`);
  if (!Number.isSafeInteger(raw.size) || raw.size < 0)
    throw new FerryError(
      'BAD_ENTRY',
      `${where}: size must be a non-negative integer, got ${String(raw.size)}`,
    );
  if (!Number.isFinite(raw.mtime)) throw new FerryError('BAD_ENTRY', `${where}: mtime must be a number`);
  // A folder's size is whatever its file system reports (4096 on ext4): it is no content to fetch.
  const entry: Entry = {
    path: raw.path,
    size: raw.isDir ? 0 : raw.size,
    mtime: Math.trunc(raw.mtime),
    isDir: raw.isDir,
  };
  if (raw.hash !== undefined || raw.hashType !== undefined) {
    if (raw.isDir) throw new FerryError('BAD_ENTRY', `${where}: a folder cannot carry a hash`);
    if (typeof raw.hash !== 'string' || !(HASH_TYPES as readonly string[]).includes(raw.hashType as string))
      throw new FerryError(
        'BAD_ENTRY',
        `${where}: hash and hashType go together (types: ${HASH_TYPES.join(', ')})`,
      );
    const hash = raw.hash.toLowerCase();
    const expected = HEX_LENGTH[raw.hashType as HashType];
    if (!HEX.test(hash) || (expected !== undefined && hash.length !== expected))
      throw new FerryError(
        'BAD_ENTRY',
        `${where}: ${raw.hashType} hash '${raw.hash}' is not ${expected ?? 'hex'} hex digits`,
      );
    entry.hash = hash;
    entry.hashType = raw.hashType as HashType;
  }
  return entry;
}
