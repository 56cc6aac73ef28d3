import { basename, dirname, extname, join } from 'node:path';
import type { DiskIO } from './disk-io.js';

const MAX_NAME_BYTES = 255;

/** `20261125T063300123Z`: sortable, no characters any disk refuses. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

/**
 * Where the old copy of `relativePath` (container-relative, already safe) goes when the cloud
 * changed the file: `<disk>/.ferry/versions/<container>/<dir>/<stem>.<stamp><ext>`, so old copies
 * sort by time next to each other and still open with the right program.
 */
export function versionPath(diskRoot: string, container: string, relativePath: string, ms: number): string {
  const name = basename(relativePath);
  const ext = extname(name).length <= 16 ? extname(name) : '';
  let stem = name.slice(0, name.length - ext.length);
  const suffix = `.${stamp(ms)}${ext}`;
  while (Buffer.byteLength(stem + suffix) > MAX_NAME_BYTES) stem = [...stem].slice(0, -1).join('');
  return join(diskRoot, '.ferry', 'versions', container, dirname(relativePath), stem + suffix);
}

/**
 * Keeps the current file before new content replaces it. A hard link costs no space and no time;
 * the rename that follows replaces the name, not the linked content.
 */
export async function keepOldCopy(disk: DiskIO, finalPath: string, target: string): Promise<string> {
  await disk.mkdir(dirname(target));
  await disk.linkOrCopy(finalPath, target);
  return target;
}
