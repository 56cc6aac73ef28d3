import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DiskTarget,
  diskTarget,
  entriesMap,
  groupDocName,
  indexDocName,
  PathAllocator,
  PORTABLE_TARGET,
  readGroupSummaries,
} from '@ferry/core';
import type { PathMapper, Replica } from './worker.js';

/**
 * One allocator per container: core's path safety maps every cloud name to one that stays under
 * the container's folder and that the disk can hold, twins (NFC/NFD, case) kept apart.
 *
 * Which twin keeps the plain name must not depend on the order files happen to be fetched in (a
 * restart resumes mid-catalog), so every path of the catalog is reserved before the first is
 * mapped. A twin that appears in a later crawl gets the suffixed name; if a restart then hands the
 * plain name to the other twin, the worker keeps the file it replaces under `.ferry/versions`.
 */
export async function containerPaths(
  replica: Replica,
  container: string,
  target: DiskTarget,
): Promise<PathMapper> {
  const allocator = new PathAllocator(target);
  const index = await replica.open(indexDocName(container));
  const groups = readGroupSummaries(index).length;
  await replica.close(indexDocName(container));
  for (let group = 0; group < groups; group++) {
    const name = groupDocName(container, group);
    const doc = await replica.open(name);
    for (const path of entriesMap(doc).keys()) allocator.reserve(path);
    await replica.close(name);
  }
  return {
    map(cloudPath) {
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
