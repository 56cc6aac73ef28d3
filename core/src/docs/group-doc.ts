import type * as Y from 'yjs';
import { type Entry, fetched, type HashType, version } from '../entry.js';

/**
 * A group document holds one slice of a container's catalog and every device's receipts for it.
 * `entries` is written by the crawler only; `receipts/<device>` by that device only. One writer
 * per map means concurrent edits never touch the same key, so merges never conflict.
 */
export const ENTRIES = 'entries';
export const receiptsKey = (device: string): string => `receipts/${device}`;

/** How an entry sits in the `entries` map (the path is the key). Short keys: 1M entries add up. */
export interface StoredEntry {
  s: number; // size
  m: number; // mtime, ms
  h?: string; // hash, lowercase hex
  t?: HashType; // hash type
  d?: 1; // folder
}

export function toStored(entry: Entry): StoredEntry {
  const stored: StoredEntry = { s: entry.size, m: entry.mtime };
  if (entry.hash !== undefined && entry.hashType !== undefined) {
    stored.h = entry.hash;
    stored.t = entry.hashType;
  }
  if (entry.isDir) stored.d = 1;
  return stored;
}

export function fromStored(path: string, stored: StoredEntry): Entry {
  const entry: Entry = { path, size: stored.s, mtime: stored.m, isDir: stored.d === 1 };
  if (stored.h !== undefined && stored.t !== undefined) {
    entry.hash = stored.h;
    entry.hashType = stored.t;
  }
  return entry;
}

export const entriesMap = (doc: Y.Doc): Y.Map<StoredEntry> => doc.getMap<StoredEntry>(ENTRIES);

/**
 * `twins` of a group doc: the twin names (core/src/twins.ts) its entries' paths need, cloud prefix
 * → name, written by the crawler in the same transaction as the entries, so a device never sees a
 * new twin's entry without its name. Usually empty. The index doc's `twins` map holds all of them.
 */
export const groupTwinsMap = (doc: Y.Doc): Y.Map<string> => doc.getMap<string>('twins');

/**
 * The names the entries of `entries` need, out of the container's `names`: for each path, each of
 * its prefixes (itself included) that has a name. Only given names ('' is a plain name: nothing).
 */
export function twinNamesFor(
  paths: Iterable<string>,
  names: ReadonlyMap<string, string>,
): Map<string, string> {
  const out = new Map<string, string>();
  if (![...names.values()].some((name) => name !== '')) return out;
  for (const path of paths)
    for (let at = path.indexOf('/'); ; at = path.indexOf('/', at + 1)) {
      const prefix = at === -1 ? path : path.slice(0, at);
      const name = names.get(prefix);
      if (name !== undefined && name !== '') out.set(prefix, name);
      if (at === -1) break;
    }
  return out;
}

/** Replaces the group's twin names: only the keys that changed. Call inside the crawl's transaction. */
export function writeGroupTwinNames(doc: Y.Doc, names: ReadonlyMap<string, string>): void {
  const map = groupTwinsMap(doc);
  for (const path of [...map.keys()]) if (!names.has(path)) map.delete(path);
  for (const [path, name] of names) if (map.get(path) !== name) map.set(path, name);
}
export const receiptsMap = (doc: Y.Doc, device: string): Y.Map<string> =>
  doc.getMap<string>(receiptsKey(device));

/** Crawler: sets entries (added, changed or updated) in one transaction. */
export function writeEntries(doc: Y.Doc, entries: Iterable<Entry>, origin: unknown = 'crawler'): void {
  const map = entriesMap(doc);
  doc.transact(() => {
    for (const entry of entries) map.set(entry.path, toStored(entry));
  }, origin);
}

/** Crawler: removes entries that left the cloud. Receipts stay: the disk keeps the file. */
export function removeEntries(doc: Y.Doc, paths: Iterable<string>, origin: unknown = 'crawler'): void {
  const map = entriesMap(doc);
  doc.transact(() => {
    for (const path of paths) map.delete(path);
  }, origin);
}

export function readEntry(doc: Y.Doc, path: string): Entry | undefined {
  const stored = entriesMap(doc).get(path);
  return stored === undefined ? undefined : fromStored(path, stored);
}

export function readEntries(doc: Y.Doc): Entry[] {
  const out: Entry[] = [];
  for (const [path, stored] of entriesMap(doc)) out.push(fromStored(path, stored));
  return out;
}

/** Device: records that the disk holds `version` of `path`, verified. */
export function writeReceipt(
  doc: Y.Doc,
  device: string,
  path: string,
  ver: string,
  origin: unknown = device,
): void {
  doc.transact(() => receiptsMap(doc, device).set(path, ver), origin);
}

export function readReceipt(doc: Y.Doc, device: string, path: string): string | undefined {
  return receiptsMap(doc, device).get(path);
}

/** Entries the device does not hold in their current version, in path order. */
export function dueEntries(doc: Y.Doc, device: string): Entry[] {
  const receipts = receiptsMap(doc, device);
  const due: Entry[] = [];
  for (const [path, stored] of entriesMap(doc)) {
    const entry = fromStored(path, stored);
    if (!fetched(entry, receipts.get(path))) due.push(entry);
  }
  return due.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Paths whose receipt matches the current entry: derived on every call, never stored. */
export function fetchedPaths(doc: Y.Doc, device: string): Set<string> {
  const receipts = receiptsMap(doc, device);
  const out = new Set<string>();
  for (const [path, stored] of entriesMap(doc)) {
    if (fetched(fromStored(path, stored), receipts.get(path))) out.add(path);
  }
  return out;
}

/** Receipts whose path left the catalog: files the cloud deleted that the disk still keeps. */
export function deletedUpstream(doc: Y.Doc, device: string): string[] {
  const entries = entriesMap(doc);
  return [...receiptsMap(doc, device).keys()].filter((path) => !entries.has(path)).sort();
}

export interface GroupTally {
  files: number;
  bytes: number;
  fetchedFiles: number;
  fetchedBytes: number;
  /**
   * Files this device holds that the cloud no longer lists: kept on the disk, shown in status.
   * Absent in tallies written before it existed.
   */
  deletedUpstream?: number;
}

/** Counts for the progress doc; folders count as files of 0 bytes. */
export function tallyGroup(doc: Y.Doc, device: string): GroupTally {
  const receipts = receiptsMap(doc, device);
  const entries = entriesMap(doc);
  let deleted = 0;
  for (const path of receipts.keys()) if (!entries.has(path)) deleted++;
  const tally: GroupTally = {
    files: 0,
    bytes: 0,
    fetchedFiles: 0,
    fetchedBytes: 0,
    deletedUpstream: deleted,
  };
  for (const [path, stored] of entries) {
    tally.files++;
    tally.bytes += stored.s;
    if (receipts.get(path) === version(fromStored(path, stored))) {
      tally.fetchedFiles++;
      tally.fetchedBytes += stored.s;
    }
  }
  return tally;
}
