import { type Entry, version } from './entry.js';
import { FerryError } from './errors.js';

/** Entries per group when a container does not say otherwise (measured: docs/benchmarks.md). */
export const DEFAULT_GROUP_SIZE = 1000;
export const MAX_GROUP_SIZE = 100_000;

/** An entry together with the group it lives in. Group numbers start at 0 and never move. */
export interface PlacedEntry {
  group: number;
  entry: Entry;
}

export interface CrawlEdits {
  /** New paths, placed in the last open group, then in new groups. */
  added: PlacedEntry[];
  /** Same path, different version: the old receipt no longer matches, the file is due again. */
  changed: PlacedEntry[];
  /** Same path and version, other metadata differs (an mtime under a same hash): rewritten, stays fetched. */
  updated: PlacedEntry[];
  /** Paths the new listing no longer has: they leave the catalog (the disk keeps its copy). */
  removed: { path: string; group: number }[];
  unchanged: number;
  /** Entries per group once the edits are applied; index = group number. */
  groupCounts: number[];
}

export function checkGroupSize(groupSize: number): number {
  if (!Number.isSafeInteger(groupSize) || groupSize < 1 || groupSize > MAX_GROUP_SIZE)
    throw new FerryError(
      'BAD_INPUT',
      `group size must be a whole number from 1 to ${MAX_GROUP_SIZE}, got ${groupSize}`,
    );
  return groupSize;
}

/**
 * The re-crawl merge: compares the stored catalog with a fresh listing and returns the edits to
 * apply. O(old + new): one Map from path to the old placement's index, one flag per old entry for
 * "seen in the listing", and a Set only for the paths that are new. (Measured on 1,000,000 entries,
 * docs/benchmarks.md: a Set of every fresh path and a version string per entry on both sides cost
 * about a third of the time, mostly in the garbage collector.)
 *
 * Groups are stable: an existing path keeps its group whatever happens around it; a new path goes
 * to the last group while it has room (room freed by removals there counts), then to new groups.
 * Earlier groups are never refilled, so a device's finished groups stay finished.
 */
export function mergeCrawl(
  old: Iterable<PlacedEntry>,
  fresh: Iterable<Entry>,
  /**
   * groupCount: how many groups the catalog already has, emptied ones included (the index knows;
   * the stored entries alone cannot tell that the last groups were emptied, and new paths would
   * then refill an earlier group).
   */
  options: { groupSize: number; groupCount?: number },
): CrawlEdits {
  const merge = new CrawlMerge(old, options);
  for (const entry of fresh) merge.add(entry);
  return merge.finish();
}

/**
 * mergeCrawl one listed entry at a time, for a listing that arrives as a stream: an unchanged
 * entry is counted and let go, so only the stored catalog and the edits stay in memory, never the
 * whole fresh listing. `finish()` gives the same edits mergeCrawl gives for the same listing.
 */
export class CrawlMerge {
  readonly #groupSize: number;
  readonly #olds: PlacedEntry[];
  readonly #oldIndex = new Map<string, number>();
  readonly #seenOld: Uint8Array;
  readonly #newPaths = new Set<string>();
  readonly #newEntries: Entry[] = [];
  readonly #edits: CrawlEdits;
  #finished = false;

  constructor(old: Iterable<PlacedEntry>, options: { groupSize: number; groupCount?: number }) {
    this.#groupSize = checkGroupSize(options.groupSize);
    const olds = Array.isArray(old) ? (old as PlacedEntry[]) : [...old];
    const groupCounts: number[] = [];
    for (let g = 0; g < (options.groupCount ?? 0); g++) groupCounts[g] = 0;
    for (let i = 0; i < olds.length; i++) {
      const placed = olds[i] as PlacedEntry;
      if (this.#oldIndex.has(placed.entry.path))
        throw new FerryError('DUPLICATE_PATH', `the stored catalog holds '${placed.entry.path}' twice`);
      this.#oldIndex.set(placed.entry.path, i);
      groupCounts[placed.group] = (groupCounts[placed.group] ?? 0) + 1;
    }
    this.#olds = olds;
    this.#seenOld = new Uint8Array(olds.length);
    this.#edits = { added: [], changed: [], updated: [], removed: [], unchanged: 0, groupCounts };
  }

  /** One entry of the listing; a path listed twice refuses the whole listing (DUPLICATE_PATH). */
  add(entry: Entry): void {
    if (this.#finished) throw new FerryError('INTERNAL', 'CrawlMerge.add after finish()');
    const i = this.#oldIndex.get(entry.path);
    if (i === undefined) {
      if (this.#newPaths.has(entry.path)) throw duplicateInListing(entry.path);
      this.#newPaths.add(entry.path);
      this.#newEntries.push(entry);
      return;
    }
    if (this.#seenOld[i] === 1) throw duplicateInListing(entry.path);
    this.#seenOld[i] = 1;
    const before = this.#olds[i] as PlacedEntry;
    if (!sameVersion(before.entry, entry)) this.#edits.changed.push({ group: before.group, entry });
    else if (!sameMetadata(before.entry, entry)) this.#edits.updated.push({ group: before.group, entry });
    else this.#edits.unchanged++;
  }

  /** Whether the stored catalog held `path` before this crawl. */
  wasListed(path: string): boolean {
    return this.#oldIndex.has(path);
  }

  /** Whether the listing added so far holds `path`. */
  listed(path: string): boolean {
    const i = this.#oldIndex.get(path);
    return i === undefined ? this.#newPaths.has(path) : this.#seenOld[i] === 1;
  }

  /** The edits, once the listing is complete: removals, then new paths placed. */
  finish(): CrawlEdits {
    if (this.#finished) throw new FerryError('INTERNAL', 'CrawlMerge.finish called twice');
    this.#finished = true;
    const edits = this.#edits;
    const groupCounts = edits.groupCounts;
    for (let i = 0; i < this.#olds.length; i++) {
      if (this.#seenOld[i] === 1) continue;
      const placed = this.#olds[i] as PlacedEntry;
      edits.removed.push({ path: placed.entry.path, group: placed.group });
      groupCounts[placed.group] = (groupCounts[placed.group] ?? 1) - 1;
    }

    let group = Math.max(groupCounts.length - 1, 0);
    for (const entry of this.#newEntries) {
      while ((groupCounts[group] ?? 0) >= this.#groupSize) group++;
      groupCounts[group] = (groupCounts[group] ?? 0) + 1;
      edits.added.push({ group, entry });
    }
    // Holes (groups emptied by removals) stay as zero counts so numbers never shift.
    for (let g = 0; g < groupCounts.length; g++) groupCounts[g] ??= 0;
    return edits;
  }
}

function duplicateInListing(path: string): FerryError {
  return new FerryError(
    'DUPLICATE_PATH',
    `the listing names '${path}' twice`,
    'the crawl is refused as a whole',
  );
}

/**
 * `version(a) === version(b)` without building two strings per entry: equal fields give equal
 * versions, so the common case is decided on the fields; anything else falls back to the strings.
 */
function sameVersion(a: Entry, b: Entry): boolean {
  if (a.isDir && b.isDir) return true;
  if (!a.isDir && !b.isDir) {
    const aHashed = a.hash !== undefined && a.hashType !== undefined;
    const bHashed = b.hash !== undefined && b.hashType !== undefined;
    if (aHashed && bHashed && a.hash === b.hash && a.hashType === b.hashType) return true;
    if (!aHashed && !bHashed && a.size === b.size && a.mtime === b.mtime) return true;
  }
  return version(a) === version(b);
}

/** Places a first listing: what mergeCrawl does against an empty catalog. */
export function placeFirstCrawl(fresh: Iterable<Entry>, options: { groupSize: number }): CrawlEdits {
  return mergeCrawl([], fresh, options);
}

function sameMetadata(a: Entry, b: Entry): boolean {
  return (
    a.size === b.size &&
    a.mtime === b.mtime &&
    a.isDir === b.isDir &&
    a.hash === b.hash &&
    a.hashType === b.hashType
  );
}
