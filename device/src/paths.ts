import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DiskTarget,
  diskTarget,
  indexDocName,
  PathAllocator,
  PORTABLE_TARGET,
  readTwins,
  safeRelativePath,
  touchesTwin,
  twinsMap,
} from '@ferry/core';
import type { PathMapper, Replica } from './worker.js';

/**
 * Safe disk paths for one container. Every cloud path maps on its own (core's safeRelativePath:
 * stays under the container's folder, fits the disk), except the few the crawler lists as twins in
 * the index doc (NFC/NFD spellings, case twins, names that escape alike) and the paths under a twin
 * folder: those go through one PathAllocator, which reserves all of them before mapping any, so
 * which twin keeps the plain name does not depend on the order files are fetched in. Memory stays
 * flat whatever the catalog's size (no table of a million paths).
 *
 * The twin list follows the index doc live; when it changes the allocator starts over with the new
 * list. A twin that appears in a later crawl may then take the plain name from the one already on
 * the disk: the worker keeps the file it replaces under `.ferry/versions`.
 */
export async function containerPaths(
  replica: Replica,
  container: string,
  target: DiskTarget,
): Promise<PathMapper> {
  // Kept open for the worker's life, so the twin list stays current (the worker holds it open too).
  const index = await replica.open(indexDocName(container));
  let allocator: PathAllocator | undefined;
  let twins = new Set<string>();
  const load = () => {
    twins = readTwins(index);
    allocator = undefined;
  };
  load();
  twinsMap(index).observe(load);
  return {
    map(cloudPath) {
      if (!touchesTwin(cloudPath, twins)) {
        const mapped = safeRelativePath(cloudPath, target);
        return { path: mapped.path, renamed: mapped.renamed };
      }
      if (!allocator) {
        allocator = new PathAllocator(target);
        for (const twin of [...twins].sort()) allocator.reserve(twin);
      }
      const mapped = allocator.map(cloudPath);
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
