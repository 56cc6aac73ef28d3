import type { Entry, HashType } from '../entry.js';
import { FerryError } from '../errors.js';

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
