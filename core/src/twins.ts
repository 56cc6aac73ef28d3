import { foldName, PORTABLE_TARGET, safeRelativePath } from './paths.js';

/**
 * The cloud paths that land on the same disk path as another one on the strictest disk (NFC/NFD
 * spellings, case twins, names that escape alike): the crawler, which holds the whole listing,
 * finds them once per crawl and stores them in the index doc, so a device can map every other
 * path statelessly and needs an allocator only for these few (docs/paths.md, "Twins").
 *
 * Folders must be listed as entries (every provider does), so `A/` and `a/` are found as twins;
 * the files under them then go through the device's allocator with their folder.
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
    const folded = foldName(safeRelativePath(path, PORTABLE_TARGET).path, PORTABLE_TARGET);
    // Most paths fold to themselves: keying by the path itself keeps one string, not two.
    const key = folded === path ? path : folded;
    const first = this.#firstByKey.get(key);
    if (first === undefined) this.#firstByKey.set(key, path);
    else if (first !== path) {
      this.twins.add(first);
      this.twins.add(path);
    }
  }
}

/** Whether `path` or one of its folders is a twin (then the whole path needs the allocator). */
export function touchesTwin(path: string, twins: ReadonlySet<string>): boolean {
  if (twins.size === 0) return false;
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1))
    if (twins.has(path.slice(0, at))) return true;
  return twins.has(path);
}
