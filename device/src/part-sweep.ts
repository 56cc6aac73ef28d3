import { isAbsolute, join, relative, sep } from 'node:path';
import type { DiskIO } from './disk-io.js';
import { PART_SUFFIX } from './fetch-file.js';
import type { Ledger } from './ledger.js';
import type { Reporter } from './reporter.js';

export interface PartSweep {
  ledger: Ledger;
  disk: DiskIO;
  diskRoot: string;
  reporter: Reporter;
}

/**
 * Whether `path` lies strictly inside `root` (no `..` way out, not `root` itself). `..foo` or `...`
 * is a plain name inside the root; only a first segment of exactly `..` climbs out.
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Removes the part files of these ledger keys (final paths relative to the disk root, all under
 * `<disk>/<container>`) and forgets them. The ledger lives on the disk: a key that leaves the
 * container folder is forgotten, never followed. Answers how many part files went.
 */
export async function removeParts(
  sweep: PartSweep,
  container: string,
  keys: readonly string[],
  why: string,
): Promise<number> {
  const containerRoot = join(sweep.diskRoot, container);
  let removed = 0;
  for (const key of keys) {
    const finalPath = join(sweep.diskRoot, key);
    if (isInside(containerRoot, finalPath)) {
      await sweep.disk.remove(finalPath + PART_SUFFIX);
      sweep.reporter.log(`removed the unfinished download ${key}${PART_SUFFIX}: ${why}`);
      removed++;
    }
    await sweep.ledger.endPart(key);
  }
  return removed;
}
