import type { Entry } from '../../entry.js';
import { FerryError } from '../../errors.js';
import { md5Hex } from '../../md5.js';

/** The read-only folder the synthetic tree appears under. */
export const SYNTHETIC_FOLDER = 'synthetic';
/** Files per synthetic subfolder (`synthetic/d0000/…`). */
export const SYNTHETIC_FOLDER_SIZE = 1000;
const BASE_MTIME = 1_600_000_000_000;
const YEAR_MS = 365 * 24 * 3600 * 1000;
const encoder = new TextEncoder();

/**
 * A tree of `files` tiny files that exists only as arithmetic: names, bodies and mtimes derive
 * from the index and the seed, so a listing of 1,000,000 entries needs no memory for bodies or
 * names beyond the one being yielded. Layout: `synthetic/d<k>/f<i>.txt`, 1000 files per folder.
 */
export class SyntheticTree {
  private readonly fileWidth: number;
  private readonly folderWidth: number;
  readonly folders: number;
  /** Every body has the same length (fixed-width names), so quotas need no walk. */
  readonly fileSize: number;

  constructor(
    readonly files: number,
    readonly seed: number,
  ) {
    if (!Number.isSafeInteger(files) || files < 0)
      throw new FerryError('BAD_INPUT', `memory: synthetic files must be a whole number >= 0, got ${files}`);
    this.folders = Math.ceil(files / SYNTHETIC_FOLDER_SIZE);
    this.fileWidth = Math.max(7, String(Math.max(0, files - 1)).length);
    this.folderWidth = Math.max(4, String(Math.max(0, this.folders - 1)).length);
    this.fileSize = files === 0 ? 0 : this.body(0).length;
  }

  get totalBytes(): number {
    return this.files * this.fileSize;
  }

  folderName(folder: number): string {
    return `d${String(folder).padStart(this.folderWidth, '0')}`;
  }

  fileName(index: number): string {
    return `f${String(index).padStart(this.fileWidth, '0')}.txt`;
  }

  /** Path of file `index` relative to the synthetic folder. */
  filePath(index: number): string {
    return `${this.folderName(Math.floor(index / SYNTHETIC_FOLDER_SIZE))}/${this.fileName(index)}`;
  }

  body(index: number): Uint8Array {
    return encoder.encode(`ferry synthetic seed=${this.seed} ${SYNTHETIC_FOLDER}/${this.filePath(index)}\n`);
  }

  mtime(index: number): number {
    return BASE_MTIME + ((this.seed * 7919 + index * 1000) % YEAR_MS);
  }

  folderMtime(): number {
    return BASE_MTIME;
  }

  fileEntry(index: number, path: string): Entry {
    return {
      path,
      size: this.fileSize,
      mtime: this.mtime(index),
      hash: md5Hex(this.body(index)),
      hashType: 'md5',
      isDir: false,
    };
  }

  /** Resolves segments below the synthetic folder to a file index, a folder index, or nothing. */
  locate(segments: readonly string[]): { folder: number } | { file: number } | undefined {
    const [folderName, fileName, ...rest] = segments;
    if (folderName === undefined || rest.length > 0) return undefined;
    const folder = parseIndex(folderName, 'd', this.folderWidth);
    if (folder === undefined || folder >= this.folders) return undefined;
    if (fileName === undefined) return { folder };
    if (!fileName.endsWith('.txt')) return undefined;
    const file = parseIndex(fileName.slice(0, -4), 'f', this.fileWidth);
    if (file === undefined || file >= this.files || Math.floor(file / SYNTHETIC_FOLDER_SIZE) !== folder)
      return undefined;
    return { file };
  }

  /** File indexes of one folder. */
  filesOf(folder: number): { from: number; to: number } {
    const from = folder * SYNTHETIC_FOLDER_SIZE;
    return { from, to: Math.min(this.files, from + SYNTHETIC_FOLDER_SIZE) };
  }
}

function parseIndex(name: string, prefix: string, width: number): number | undefined {
  if (name.length !== width + 1 || !name.startsWith(prefix)) return undefined;
  const digits = name.slice(1);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}
