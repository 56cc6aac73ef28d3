import type { Entry } from '@ferry/core';

/**
 * Catalog entries shaped like a real account: nested folders, names of a realistic length, a folder
 * entry every 50 files, half of the files with an md5 (providers that give one) and half with size
 * and mtime only (providers that do not). `generation` > 0 is the same path with new content.
 */
export function makeEntry(i: number, generation = 0): Entry {
  const album = `Photos/${2000 + (i % 25)}/album-${Math.floor(i / 1000)}`;
  if (i % 50 === 0) return { path: `${album}/sub-${i}`, size: 0, mtime: 0, isDir: true };
  const path = `${album}/IMG_${String(i).padStart(7, '0')}.jpg`;
  const size = 100_000 + ((i * 7919) % 5_000_000) + generation;
  const mtime = 1_600_000_000_000 + i * 1000 + generation;
  if (i % 2 === 0)
    return { path, size, mtime, isDir: false, hashType: 'md5', hash: md5Like(i * 31 + generation) };
  return { path, size, mtime, isDir: false };
}

/** 32 hex digits derived from n: the shape of an md5, without paying for one per entry. */
function md5Like(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0').repeat(4);
}

export const isFolderIndex = (i: number): boolean => i % 50 === 0;

/**
 * A listing goes through JSON text, as a crawl result would: its strings are new, flat strings,
 * not shared with any other structure (Map lookups then hash and compare for real).
 */
export function asListing(entries: Entry[]): Entry[] {
  return JSON.parse(JSON.stringify(entries)) as Entry[];
}
