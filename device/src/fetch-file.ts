import { dirname } from 'node:path';
import { type Entry, FerryError, type HashType, type Provider } from '@ferry/core';
import { type ContentHash, contentHash } from './content-hash.js';
import type { DiskIO } from './disk-io.js';

/** Suffix of a download in flight; never a final name (safe names leave room for it). */
export const PART_SUFFIX = '.ferry-part';

export interface FetchRequest {
  provider: Provider;
  /** The path the provider knows, relative to its root (container folder + entry path). */
  sourcePath: string;
  entry: Entry;
  /** Absolute path under the disk root, already made safe. */
  finalPath: string;
  /** Whether an existing part file holds the start of this same version (see PartLedger). */
  resume: boolean;
  disk: DiskIO;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  /** Called with the part's size when the download continues a part instead of starting at 0. */
  onResume?: (offset: number) => void;
  /** Called with the final path just before the new content replaces it, to keep the old copy. */
  beforeReplace?: (finalPath: string) => Promise<void>;
}

export interface FetchResult {
  /** Bytes that came over the network this time. */
  downloaded: number;
  /** Bytes already in the part file from an earlier, interrupted run. */
  resumedFrom: number;
  /** Whether the hash was checked (else only the size). */
  verified: boolean;
}

/**
 * Downloads one file the way that never loses data: into `<final>.ferry-part`, resuming from the
 * part's size with a ranged read, verifying size and hash, fsync, then an atomic rename over the
 * final name and the cloud's mtime. A crash at any point leaves either the old final file or the new
 * one, never a half-written file under the final name.
 */
export async function fetchFile(request: FetchRequest): Promise<FetchResult> {
  const { disk, entry, finalPath } = request;
  const partPath = finalPath + PART_SUFFIX;
  await disk.mkdir(dirname(finalPath));

  // Every hash type a listing can carry is checked; without one, only the size is.
  const hash = entry.hashType && entry.hash !== undefined ? contentHash(entry.hashType) : undefined;
  const existing = request.resume ? await disk.stat(partPath) : undefined;
  let offset = existing?.isFile() && existing.size <= entry.size ? existing.size : 0;
  if (offset > 0 && hash) await hashPrefix(disk, partPath, offset, hash);
  if (offset > 0) request.onResume?.(offset);

  const part = await disk.open(partPath, offset > 0 ? 'a' : 'w');
  let downloaded = 0;
  try {
    if (offset < entry.size || entry.size === 0) {
      for await (const chunk of request.provider.read(request.sourcePath, {
        offset,
        signal: request.signal,
      })) {
        if (offset + downloaded + chunk.byteLength > entry.size)
          throw new FerryError(
            'HASH_MISMATCH',
            `'${entry.path}': the provider sent more than the ${entry.size} bytes its listing announced`,
            'the file changed since the crawl; it is fetched again after the next crawl',
          );
        await part.write(chunk);
        hash?.update(chunk);
        downloaded += chunk.byteLength;
        request.onBytes?.(chunk.byteLength);
      }
    }
    const total = offset + downloaded;
    if (total !== entry.size)
      throw new FerryError(
        'TRUNCATED',
        `'${entry.path}': got ${total} of ${entry.size} bytes`,
        'the download resumes from here on the next try',
      );
    await part.sync();
  } finally {
    await part.close();
  }

  if (hash) {
    const got = hash.digest();
    if (got !== entry.hash) {
      // A wrong part is worthless for resuming: drop it so the retry starts from zero.
      await disk.remove(partPath);
      offset = 0;
      throw new FerryError(
        'HASH_MISMATCH',
        `'${entry.path}': ${entry.hashType} is ${got}, the provider said ${entry.hash}`,
        'the download is retried from the start',
      );
    }
  }

  if (request.beforeReplace && (await disk.stat(finalPath))) await request.beforeReplace(finalPath);
  await disk.setMtime(partPath, entry.mtime);
  await disk.rename(partPath, finalPath);
  await disk.syncFolder(dirname(finalPath));
  return { downloaded, resumedFrom: offset, verified: hash !== undefined };
}

async function hashPrefix(disk: DiskIO, path: string, length: number, hash: ContentHash): Promise<void> {
  const file = await disk.open(path, 'r');
  try {
    const buffer = new Uint8Array(1 << 20);
    let position = 0;
    while (position < length) {
      const slice = buffer.subarray(0, Math.min(buffer.byteLength, length - position));
      const read = await file.read(slice, position);
      if (read === 0) break;
      hash.update(slice.subarray(0, read));
      position += read;
    }
  } finally {
    await file.close();
  }
}

/** The hex hash (as listings give it) of a file's first `length` bytes. */
export async function hashFile(
  disk: DiskIO,
  path: string,
  hashType: HashType,
  length: number,
): Promise<string> {
  const hash = contentHash(hashType);
  await hashPrefix(disk, path, length, hash);
  return hash.digest();
}
