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
 * apply. O(old + new): one Map from path to the old placement, one Set of fresh paths.
 *
 * Groups are stable: an existing path keeps its group whatever happens around it; a new path goes
 * to the last group while it has room (room freed by removals there counts), then to new groups.
 * Earlier groups are never refilled, so a device's finished groups stay finished.
 */
export function mergeCrawl(
  old: Iterable<PlacedEntry>,
  fresh: Iterable<Entry>,
  options: { groupSize: number },
): CrawlEdits {
  const groupSize = checkGroupSize(options.groupSize);
  const oldByPath = new Map<string, PlacedEntry>();
  const groupCounts: number[] = [];
  for (const placed of old) {
    if (oldByPath.has(placed.entry.path))
      throw new FerryError('DUPLICATE_PATH', `the stored catalog holds '${placed.entry.path}' twice`);
    oldByPath.set(placed.entry.path, placed);
    groupCounts[placed.group] = (groupCounts[placed.group] ?? 0) + 1;
  }

  const edits: CrawlEdits = { added: [], changed: [], updated: [], removed: [], unchanged: 0, groupCounts };
  const seen = new Set<string>();
  const newEntries: Entry[] = [];
  for (const entry of fresh) {
    if (seen.has(entry.path))
      throw new FerryError(
        'DUPLICATE_PATH',
        `the listing names '${entry.path}' twice`,
        'the crawl is refused as a whole',
      );
    seen.add(entry.path);
    const before = oldByPath.get(entry.path);
    if (before === undefined) newEntries.push(entry);
    else if (version(before.entry) !== version(entry)) edits.changed.push({ group: before.group, entry });
    else if (!sameMetadata(before.entry, entry)) edits.updated.push({ group: before.group, entry });
    else edits.unchanged++;
  }

  for (const [path, placed] of oldByPath) {
    if (seen.has(path)) continue;
    edits.removed.push({ path, group: placed.group });
    groupCounts[placed.group] = (groupCounts[placed.group] ?? 1) - 1;
  }

  let group = Math.max(groupCounts.length - 1, 0);
  for (const entry of newEntries) {
    while ((groupCounts[group] ?? 0) >= groupSize) group++;
    groupCounts[group] = (groupCounts[group] ?? 0) + 1;
    edits.added.push({ group, entry });
  }
  // Holes (groups emptied by removals) stay as zero counts so numbers never shift.
  for (let g = 0; g < groupCounts.length; g++) groupCounts[g] ??= 0;
  return edits;
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
