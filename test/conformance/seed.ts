import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { HashType } from '@ferry/core';

/** A folder to create (it may stay empty). */
export interface SeedFolder {
  path: string;
  isDir: true;
  mtime?: number;
}

/** A file given by its bytes. */
export interface SeedBytes {
  path: string;
  bytes: Uint8Array;
  mtime?: number;
  isDir?: false;
}

/** A file too big to hold: `generate(offset, length)` returns that slice of its content. */
export interface SeedGenerated {
  path: string;
  size: number;
  generate: (offset: number, length: number) => Uint8Array;
  mtime?: number;
  isDir?: false;
}

export type SeedFile = SeedFolder | SeedBytes | SeedGenerated;

export function isSeedFolder(file: SeedFile): file is SeedFolder {
  return file.isDir === true;
}

export function seedSize(file: SeedBytes | SeedGenerated): number {
  return 'bytes' in file ? file.bytes.length : file.size;
}

/** The content of a seeded file in chunks of at most `chunkSize` bytes (for writers and hashers). */
export function* seedChunks(file: SeedBytes | SeedGenerated, chunkSize = 1024 * 1024): Generator<Uint8Array> {
  if ('bytes' in file) {
    for (let at = 0; at < file.bytes.length; at += chunkSize) yield file.bytes.subarray(at, at + chunkSize);
    return;
  }
  for (let at = 0; at < file.size; at += chunkSize)
    yield file.generate(at, Math.min(chunkSize, file.size - at));
}

/** A slice of a seeded file's content. */
export function seedSlice(file: SeedBytes | SeedGenerated, offset: number, length: number): Uint8Array {
  const end = Math.min(seedSize(file), offset + length);
  if (offset >= end) return new Uint8Array(0);
  return 'bytes' in file ? file.bytes.subarray(offset, end) : file.generate(offset, end - offset);
}

/** Pseudo-random bytes of a given position: no period a wrong offset could hide behind. */
export function patternBytes(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.imul(offset + i + 1, 2654435761) >>> 24;
  return out;
}

const DROPBOX_BLOCK = 4 * 1024 * 1024;

/**
 * The hash a provider should report for these bytes, computed independently with node:crypto
 * (and zlib for crc32). Throws for a hash type the suite cannot compute yet, so a provider that
 * reports one fails loudly instead of passing unchecked.
 */
export function expectedHash(type: HashType, chunks: Iterable<Uint8Array>): string {
  switch (type) {
    case 'md5':
    case 'sha1':
    case 'sha256': {
      const hash = createHash(type);
      for (const chunk of chunks) hash.update(chunk);
      return hash.digest('hex');
    }
    case 'crc32': {
      let value = 0;
      for (const chunk of chunks) value = crc32(chunk, value);
      return value.toString(16).padStart(8, '0');
    }
    case 'dropbox': {
      // Dropbox content hash: sha256 of the concatenated sha256 of each 4 MiB block.
      const outer = createHash('sha256');
      let block: Hash = createHash('sha256');
      let inBlock = 0;
      for (const chunk of chunks) {
        for (let at = 0; at < chunk.length; ) {
          const take = Math.min(DROPBOX_BLOCK - inBlock, chunk.length - at);
          block.update(chunk.subarray(at, at + take));
          inBlock += take;
          at += take;
          if (inBlock === DROPBOX_BLOCK) {
            outer.update(block.digest());
            block = createHash('sha256');
            inBlock = 0;
          }
        }
      }
      if (inBlock > 0) outer.update(block.digest());
      return outer.digest('hex');
    }
    default:
      throw new Error(`conformance: the suite cannot verify ${type} hashes yet; add it to expectedHash`);
  }
}
