import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DiskTarget,
  diskTarget,
  groupTwinsMap,
  indexDocName,
  mapWithTwins,
  PORTABLE_TARGET,
  readTwinNames,
  twinsMap,
} from '@ferry/core';
import type { PathMapper, Replica } from './worker.js';

/**
 * Safe disk paths for one container: every cloud path maps on its own (core's safeRelativePath:
 * stays under the container's folder, fits the disk), except the few the crawler named in the
 * index doc's `twins` map (NFC/NFD spellings, case twins, names that escape alike), which take
 * those names, and the paths under a named twin folder, which follow it (core mapWithTwins). The
 * crawler keeps a name once given, so a path's disk path never changes while it is listed, also
 * when a twin appears or goes in a later crawl. Memory stays flat whatever the catalog's size.
 */
export async function containerPaths(
  replica: Replica,
  container: string,
  target: DiskTarget,
): Promise<PathMapper> {
  // Kept open for the worker's life, so the names stay current (the worker holds it open too).
  const index = await replica.open(indexDocName(container));
  let names = readTwinNames(index);
  twinsMap(index).observe(() => {
    names = readTwinNames(index);
  });
  return {
    map(cloudPath, groupDoc) {
      // The group doc's names came in the same update as its entries; the index doc's may lag
      // behind them (another link), so the group's win, and the index's fill in for groups a
      // crawl has not rewritten since names were added to group docs.
      const inGroup = groupDoc === undefined ? undefined : groupTwinsMap(groupDoc);
      const lookup =
        inGroup === undefined || inGroup.size === 0
          ? names
          : { size: inGroup.size + names.size, get: (path: string) => inGroup.get(path) ?? names.get(path) };
      const mapped = mapWithTwins(cloudPath, target, lookup);
      return { path: mapped.path, renamed: mapped.renamed };
    },
  };
}

/**
 * What names the disk can hold: a case-insensitive disk (exFAT, NTFS, most USB sticks) makes
 * `A.txt` and `a.txt` one file, so they must be told apart; ext4 keeps both. Probed once by
 * creating a file and looking for its other-case twin.
 */
export async function probeDiskTarget(diskRoot: string): Promise<DiskTarget> {
  const folder = join(diskRoot, '.ferry');
  const upper = join(folder, 'CASE-PROBE');
  try {
    await mkdir(folder, { recursive: true });
    await writeFile(upper, '');
    const insensitive = await stat(join(folder, 'case-probe')).then(
      () => true,
      () => false,
    );
    return insensitive ? PORTABLE_TARGET : diskTarget('ext4');
  } catch {
    return PORTABLE_TARGET;
  } finally {
    await rm(upper, { force: true });
  }
}
