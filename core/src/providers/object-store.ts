import type { Entry, HashType } from '../entry.js';
import { FerryError } from '../errors.js';
import { providerPathSegments } from './provider-path.js';

/**
 * Shared by the object-store providers (s3, azureblob): they have keys, not folders. A folder is
 * a key prefix ending in '/', or a zero-byte "marker" object whose key ends in '/' (what the S3
 * console, rclone and others create for an empty folder). Pure: no I/O here.
 */

/** One object of a flat listing, its name relative to the listed folder (the prefix cut off). */
export interface ListedObject {
  name: string;
  size: number;
  /** Milliseconds since the epoch. */
  mtime: number;
  hash?: string;
  hashType?: HashType;
  /** A folder marker (zero-byte `dir/` key, or a blob flagged as a folder). */
  marker: boolean;
}

/**
 * Turns a flat, prefix-relative object listing into entries: every folder a key implies is
 * yielded once, before the first object inside it, then the object itself. A derived folder's
 * mtime is the mtime of the object that revealed it (its marker when there is one, else its first
 * object in key order), so a stat of the folder gives the same answer. Names that cannot be a
 * provider path (empty segments: `a//b`, a leading `/`) are skipped and counted; they cannot be
 * stored as a catalog entry either.
 *
 * A key `a` next to keys under `a/` would name the path `a` twice (a file and a folder), which a
 * catalog cannot hold: the file wins and the keys under `a/` are skipped and counted. Object
 * stores list in key order, where `a` comes right before the block of keys that start with it, so
 * a short stack of the files whose name starts the current key finds these without remembering
 * every file.
 */
export class FolderDeriver {
  private readonly emitted = new Set<string>();
  /** Files already yielded whose path is a string prefix of the latest key (nested, so a stack). */
  private readonly openFiles: string[] = [];
  /** Keys skipped: empty segments, or inside a name that is already a file. */
  skipped = 0;

  entriesFor(object: ListedObject): Entry[] {
    const isFolder = object.marker || object.name.endsWith('/');
    const path = object.name.endsWith('/') ? object.name.slice(0, -1) : object.name;
    if (path === '') return []; // the listed folder's own marker
    const segments = path.split('/');
    if (segments.some((segment) => segment === '')) {
      this.skipped++;
      return [];
    }
    while (this.openFiles.length > 0 && !path.startsWith(this.openFiles.at(-1) as string))
      this.openFiles.pop();
    const folderCount = isFolder ? segments.length : segments.length - 1;
    const folders = Array.from({ length: folderCount }, (_, i) => segments.slice(0, i + 1).join('/'));
    if (folders.some((folder) => this.openFiles.includes(folder)) || (!isFolder && this.emitted.has(path))) {
      this.skipped++;
      return [];
    }
    const entries: Entry[] = [];
    for (const folder of folders) {
      if (this.emitted.has(folder)) continue;
      this.emitted.add(folder);
      entries.push({ path: folder, size: 0, mtime: object.mtime, isDir: true });
    }
    if (!isFolder) {
      const entry: Entry = { path, size: object.size, mtime: object.mtime, isDir: false };
      if (object.hash !== undefined && object.hashType !== undefined) {
        entry.hash = object.hash;
        entry.hashType = object.hashType;
      }
      entries.push(entry);
      this.openFiles.push(path);
    }
    return entries;
  }
}

/** One page of a flat listing: its items, and the continuation for the next (undefined: the last). */
export interface ObjectPage<T> {
  items: readonly T[];
  next: string | undefined;
}

export interface ObjectListing<T> {
  /** The account root as a key prefix: '' (the whole bucket/container) or ending in '/'. */
  rootPrefix: string;
  /** The folder to list, a provider path ('' for the root). */
  folder: string;
  /** One page of the keys that start with `prefix` (continuation undefined: the first page). */
  fetchPage(prefix: string, continuation: string | undefined, signal: AbortSignal): Promise<ObjectPage<T>>;
  /** The item's full key (undefined: an item without one, skipped). */
  keyOf(item: T): string | undefined;
  /** The item as a listed object; `name` is its key with the folder's prefix cut off. */
  listed(item: T, name: string): ListedObject;
  /** The NOT_FOUND message when no key starts with the folder (never for the root). */
  notFound: string;
  signal?: AbortSignal | undefined;
}

/**
 * The entries of one folder of an object store, from its paged flat listing: folders derived by a
 * FolderDeriver, keys outside the folder's prefix skipped. One page is fetched ahead while the consumer
 * works through the current one; an abort of the caller's signal, or stopping early, aborts it.
 */
export async function* listObjectFolder<T>(listing: ObjectListing<T>): AsyncGenerator<Entry> {
  const { folder, signal } = listing;
  const isRoot = providerPathSegments(folder).length === 0;
  const prefix = listing.rootPrefix + (isRoot ? '' : `${folder}/`);
  signal?.throwIfAborted();
  const deriver = new FolderDeriver();
  const ahead = new AbortController();
  const onAbort = () => ahead.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort);
  try {
    let sawKey = false;
    let pending = listing.fetchPage(prefix, undefined, ahead.signal);
    for (;;) {
      const page = await pending;
      const { next } = page;
      if (next !== undefined) {
        pending = listing.fetchPage(prefix, next, ahead.signal);
        pending.catch(() => {}); // awaited below; this only keeps an early stop from an unhandled rejection
      }
      for (const item of page.items) {
        const key = listing.keyOf(item);
        if (key === undefined || !key.startsWith(prefix)) continue;
        sawKey = true;
        for (const entry of deriver.entriesFor(listing.listed(item, key.slice(prefix.length)))) {
          signal?.throwIfAborted();
          yield entry;
        }
      }
      if (next === undefined) break;
    }
    if (!sawKey && !isRoot) throw new FerryError('NOT_FOUND', listing.notFound);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    ahead.abort();
  }
}

/**
 * The key prefix of an account root: '' for the whole bucket/container, else the prefix with
 * one trailing '/'. Leading and trailing slashes in the option are forgiven ('/photos/' = 'photos').
 */
export function rootKeyPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  if (trimmed.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    throw new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `prefix '${trimmed}' has an empty, '.' or '..' part`,
      "give the root as 'folder/subfolder'",
    );
  return `${trimmed}/`;
}

/** Object stores keep whole seconds (HTTP dates); listings sometimes add milliseconds. */
export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Milliseconds from a Retry-After header value: delta seconds, or an HTTP date (relative to
 * `now`, passed in because core reads no clock). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined | null, now: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
