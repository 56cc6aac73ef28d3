import { foldName, mapWithTwins, PORTABLE_TARGET, safeRelativePath, twinTag } from './paths.js';

/**
 * The cloud paths that land on the same disk path as another one on the strictest disk (NFC/NFD
 * spellings, case twins, names that escape alike): the crawler, which holds the whole listing,
 * finds them once per crawl, names them (nameTwins) and stores the names in the index doc, so a
 * device maps every path statelessly with those few names (docs/paths.md, "Twins").
 *
 * Folders must be listed as entries (every provider does), so `A/` and `a/` are found as twins;
 * the files under them follow their folder's name.
 */
export function findTwins(paths: Iterable<string>): Set<string> {
  const finder = new TwinFinder();
  for (const path of paths) finder.add(path);
  return finder.twins;
}

/** findTwins for a listing that arrives one path at a time (the crawler's stream). */
export class TwinFinder {
  readonly #firstByKey = new Map<string, string>();
  /** Every path found so far that shares its portable name with another. */
  readonly twins = new Set<string>();

  add(path: string): void {
    const folded = portableKey(path);
    // Most paths fold to themselves: keying by the path itself keeps one string, not two.
    const key = folded === path ? path : folded;
    const first = this.#firstByKey.get(key);
    if (first === undefined) this.#firstByKey.set(key, path);
    else if (first !== path) {
      this.twins.add(first);
      this.twins.add(path);
    }
  }

  /** The first path added whose folded portable disk path is `key`. */
  holderOf(key: string): string | undefined {
    return this.#firstByKey.get(key);
  }
}

/** A path's disk path on the strictest disk, folded as that disk compares names. */
export function portableKey(path: string): string {
  return foldName(safeRelativePath(path, PORTABLE_TARGET).path, PORTABLE_TARGET);
}

/**
 * What nameTwins needs of a crawl. `previous` is the index doc's names from the last crawl;
 * `listed` and `wasListed` answer for this crawl's listing and the catalog before it.
 */
export interface TwinNaming {
  /** Paths whose portable disk path folds onto another's in this listing (TwinFinder.twins). */
  twins: ReadonlySet<string>;
  previous: ReadonlyMap<string, string>;
  listed(path: string): boolean;
  wasListed(path: string): boolean;
  /** The first listed path whose portable key is `key` (TwinFinder.holderOf). */
  holderOf(key: string): string | undefined;
}

const depthOf = (path: string): number => safeRelativePath(path).path.split('/').length;
const lastRaw = (path: string): string =>
  path
    .split('/')
    .filter((s) => s !== '')
    .at(-1) ?? path;
const lastSafe = (mapped: string): string => mapped.slice(mapped.lastIndexOf('/') + 1);
const folderOf = (mapped: string): string => mapped.slice(0, Math.max(mapped.lastIndexOf('/'), 0));
const keyIn = (folder: string, name: string): string =>
  foldName(folder === '' ? name : `${folder}/${name}`, PORTABLE_TARGET);

/**
 * Names the twins of a crawl, keeping every name an earlier crawl gave (a disk already holds the
 * file under it): cloud path → '' (keeps its own safe name) or the name of its last segment
 * (`a~1b2c3d4e.txt`, twinTag). Per disk folder and name, one twin keeps the plain name: the one
 * that already held it (on a disk since an earlier crawl), else a natural name (the cloud's own
 * spelling), else the first in code-unit order; the others get tagged names, checked against every
 * listed path and every name given. A name, once given, stays while its path is listed, also when
 * its twin is gone. A listed path that would land on a kept name is named too. Only tagged names,
 * and the plain names of twins that still collide, are kept: the map stays as small as the twins.
 */
export function nameTwins(input: TwinNaming): Map<string, string> {
  const names = new Map<string, string>();
  for (const [path, name] of input.previous) if (input.listed(path)) names.set(path, name);

  // The disk path a path gets with its own last segment as its safe name (its ancestors named).
  const naturalPath = (path: string): string => {
    const own = names.get(path);
    names.delete(path);
    const mapped = mapWithTwins(path, PORTABLE_TARGET, names).path;
    if (own !== undefined) names.set(path, own);
    return mapped;
  };

  // A kept tagged name that a listed path now lands on: that path must be named too.
  const displaced = new Set<string>();
  for (const [path, name] of names) {
    if (name === '') continue;
    const holder = input.holderOf(portableKey(mapWithTwins(path, PORTABLE_TARGET, names).path));
    if (holder !== undefined && holder !== path && !names.has(holder)) displaced.add(holder);
  }

  const all = [...new Set([...input.twins, ...displaced, ...names.keys()])];
  const levels = new Map<number, string[]>();
  for (const path of all) {
    const depth = depthOf(path);
    const level = levels.get(depth);
    if (level) level.push(path);
    else levels.set(depth, [path]);
  }

  /** Disk keys given out so far (plain names of twins and tagged names) → the path holding it. */
  const used = new Map<string, string>();
  for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
    const level = (levels.get(depth) as string[]).sort();
    // Kept tagged names first: they are on disks already.
    for (const path of level) {
      const name = names.get(path);
      if (name === undefined || name === '') continue;
      const key = portableKey(mapWithTwins(path, PORTABLE_TARGET, names).path);
      if (used.has(key))
        names.delete(path); // two kept names on one key: a broken doc; named again
      else used.set(key, path);
    }
    const groups = new Map<string, { path: string; natural: string }[]>();
    for (const path of level) {
      if ((names.get(path) ?? '') !== '') continue;
      const natural = naturalPath(path);
      const key = portableKey(natural);
      const group = groups.get(key);
      if (group) group.push({ path, natural });
      else groups.set(key, [{ path, natural }]);
    }
    const needTags: { path: string; natural: string }[] = [];
    for (const [key, members] of groups) {
      if (used.has(key)) {
        // A kept tagged name sits on this plain name: every member is tagged.
        needTags.push(...members);
        continue;
      }
      const holder =
        members.find((m) => names.get(m.path) === '') ??
        [...members].sort((a, b) => seniority(a, b, input))[0];
      if (holder === undefined) continue;
      names.set(holder.path, '');
      used.set(key, holder.path);
      for (const member of members) if (member !== holder) needTags.push(member);
    }
    for (const { path, natural } of needTags) {
      const folder = folderOf(natural);
      for (let attempt = 0; ; attempt++) {
        const name = twinTag(lastSafe(natural), path, attempt);
        const key = keyIn(folder, name);
        if (used.has(key) || groups.has(key) || input.holderOf(key) !== undefined) continue;
        names.set(path, name);
        used.set(key, path);
        break;
      }
    }
  }

  // A plain name only matters while its path still collides; tagged names always stay.
  for (const [path, name] of names)
    if (name === '' && !input.twins.has(path) && !displaced.has(path)) names.delete(path);
  return names;
}

/**
 * Who keeps the plain name: the path a disk already holds under it (listed before and not tagged),
 * then a natural name (the cloud's own spelling is the disk name), then code-unit order.
 */
function seniority(
  a: { path: string; natural: string },
  b: { path: string; natural: string },
  input: TwinNaming,
): number {
  const onDisk = (path: string) => input.wasListed(path) && (input.previous.get(path) ?? '') === '';
  const isNatural = (m: { path: string; natural: string }) => lastSafe(m.natural) === lastRaw(m.path);
  return (
    Number(onDisk(b.path)) - Number(onDisk(a.path)) ||
    Number(isNatural(b)) - Number(isNatural(a)) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}
