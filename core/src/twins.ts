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
  const firstByKey = new Map<string, string>();
  const twins = new Set<string>();
  for (const path of paths) {
    const key = foldName(safeRelativePath(path, PORTABLE_TARGET).path, PORTABLE_TARGET);
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, path);
    else if (first !== path) {
      twins.add(first);
      twins.add(path);
    }
  }
  return twins;
}

/** Whether `path` or one of its folders is a twin (then the whole path needs the allocator). */
export function touchesTwin(path: string, twins: ReadonlySet<string>): boolean {
  if (twins.size === 0) return false;
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1))
    if (twins.has(path.slice(0, at))) return true;
  return twins.has(path);
}
