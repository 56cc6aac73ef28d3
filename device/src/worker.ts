import { dirname, join, relative } from 'node:path';
import {
  dueEntries,
  type Entry,
  entriesMap,
  FerryError,
  groupDocName,
  indexDocName,
  isFerryError,
  type Provider,
  progressDocName,
  readGroupProgress,
  readGroupSummaries,
  type StoredEntry,
  tallyGroup,
  version,
  writeGroupProgress,
  writeReceipt,
} from '@ferry/core';
import type * as Y from 'yjs';
import { linkAbort } from './abort-link.js';
import type { DiskIO } from './disk-io.js';
import { fetchFile, hashFile, PART_SUFFIX } from './fetch-file.js';
import { keepOldCopy, versionPath } from './keep.js';
import type { Ledger } from './ledger.js';
import { isInside, removeParts } from './part-sweep.js';
import type { Reporter } from './reporter.js';
import { type Slots, sleep } from './slots.js';
import type { SpaceGate } from './space-gate.js';

/** The device's documents: its local replica, kept in step with the relay when it can be reached. */
export interface Replica {
  /** The doc from the disk, synced with the relay first when the relay answers quickly. */
  open(name: string): Promise<Y.Doc>;
  /** Done with it for now: edits are pushed if the relay is there, memory is released. */
  close(name: string): Promise<void>;
}

/** Maps a cloud path of this container to its disk path (relative to the container folder). */
export interface PathMapper {
  /** `groupDoc`: the group doc the entry is in, whose twin names come with its entries. */
  map(cloudPath: string, groupDoc?: Y.Doc): { path: string; renamed: boolean };
}

export interface ContainerSource {
  name: string;
  provider: Provider;
  /** Folder of the account that is the container root ('' = account root). */
  folder: string;
  paths: PathMapper;
}

export interface WorkerOptions {
  device: string;
  diskRoot: string;
  disk: DiskIO;
  replica: Replica;
  ledger: Ledger;
  slots: Slots;
  space: SpaceGate;
  reporter: Reporter;
  clock: () => number;
  /** Attempts per file before it is set aside; backoff doubles from retryBaseMs with jitter. */
  attempts?: number;
  retryBaseMs?: number;
  /** How long a set-aside file or an account needing attention waits before the next try. */
  setAsideMs?: number;
  /** With nothing to do, how often to look again even without a document change. */
  idleRecheckMs?: number;
  random?: () => number;
}

/** Raised inside a group's work when the crawler changed the group: take the first group again. */
class GroupChanged extends Error {}

/**
 * Works one container: always the first incomplete group, one due file per free slot, a receipt
 * for each verified file. A change to the group under it aborts the files it touched and starts
 * over from the first incomplete group, as the method asks.
 */
export class ContainerWorker {
  private readonly setAside = new Map<string, number>();
  private attentionUntil = 0;

  constructor(
    private readonly source: ContainerSource,
    private readonly options: WorkerOptions,
  ) {}

  /** Works the container until the device stops: a pass, then a wait for the crawler or a retry. */
  async run(signal: AbortSignal): Promise<void> {
    const index = await this.options.replica.open(indexDocName(this.source.name));
    // Watched from before each pass: a crawl that lands while a pass is ending (its docs closing,
    // which waits for the relay) must wake the next pass, not be missed until the idle recheck.
    let changed = false;
    const onChange = () => {
      changed = true;
    };
    index.on('update', onChange);
    try {
      while (!signal.aborted) {
        changed = false;
        const worked = await this.pass(signal);
        if (!worked && !signal.aborted && !changed) {
          await this.sweepStaleParts(index).catch((error) =>
            this.options.reporter.error(this.source.name, error),
          );
          this.options.reporter.idle();
          await untilDocUpdate(index, this.waitBeforeNextPass(), signal);
        }
      }
    } finally {
      index.off('update', onChange);
      await this.options.replica.close(indexDocName(this.source.name));
    }
  }

  /**
   * Takes the first incomplete group again and again until none is left (or all that is left is
   * set aside); true when it did any work. `--parallel serial` calls this container by container.
   */
  async pass(signal: AbortSignal): Promise<boolean> {
    const { replica, reporter, device } = this.options;
    const { name } = this.source;
    const index = await replica.open(indexDocName(name));
    const progress = await replica.open(progressDocName(name, device));
    let workedAny = false;
    try {
      while (!signal.aborted) {
        await this.options.space.ensure(signal);
        if (this.attentionUntil > this.options.clock()) break;
        const worked = await this.workFirstIncompleteGroup(index, progress, signal).catch((error) => {
          if (signal.aborted || error instanceof GroupChanged) return true;
          if (isFerryError(error) && error.code === 'DISK_FULL') {
            this.options.space.reportFull();
            return true;
          }
          reporter.error(name, error);
          return false;
        });
        if (!worked) break;
        workedAny = true;
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      await replica.close(indexDocName(name));
      await replica.close(progressDocName(name, device));
    }
    return workedAny;
  }

  /**
   * Removes the part files of this container once nothing in it is due: every group complete, no
   * file set aside, the account fine. A part then belongs to a file the cloud deleted or changed
   * before it was finished (or to a name the path mapping no longer gives), and no download will
   * ever resume it. Only `.ferry-part` files the ledger lists are touched, never a final name.
   */
  async sweepStaleParts(index: Y.Doc): Promise<number> {
    const { replica, ledger, disk, diskRoot, reporter, device, clock } = this.options;
    if (this.setAside.size > 0 || this.attentionUntil > clock()) return 0;
    const summaries = readGroupSummaries(index);
    if (summaries.length === 0) return 0;
    const progressName = progressDocName(this.source.name, device);
    const done = readGroupProgress(await replica.open(progressName));
    await replica.close(progressName);
    for (let group = 0; group < summaries.length; group++) {
      const summary = summaries[group];
      if (!summary || summary.files === 0) continue;
      const known = done.get(group);
      if (!known || known.generation < summary.generation || known.files !== summary.files) return 0;
      if (known.fetchedFiles !== known.files) return 0;
    }
    return removeParts(
      { ledger, disk, diskRoot, reporter },
      this.source.name,
      await ledger.partsUnder(this.source.name),
      'the cloud no longer lists that version',
    );
  }

  /** With nothing to do now: until the next set-aside file or account is due, or the idle recheck. */
  waitBeforeNextPass(): number {
    const now = this.options.clock();
    let next = now + (this.options.idleRecheckMs ?? 60_000);
    if (this.attentionUntil > now) next = Math.min(next, this.attentionUntil);
    for (const until of this.setAside.values()) next = Math.min(next, until);
    return Math.max(next - now, 10);
  }

  /** Works the first group with due files; false when every group is complete or set aside. */
  private async workFirstIncompleteGroup(
    index: Y.Doc,
    progress: Y.Doc,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { replica, device } = this.options;
    const summaries = readGroupSummaries(index);
    const done = readGroupProgress(progress);
    for (let group = 0; group < summaries.length; group++) {
      const summary = summaries[group];
      if (!summary || summary.files === 0) continue;
      const known = done.get(group);
      if (
        known &&
        known.generation >= summary.generation &&
        known.files === summary.files &&
        known.fetchedFiles === known.files
      )
        continue;
      const name = groupDocName(this.source.name, group);
      const doc = await replica.open(name);
      try {
        const worked = await this.workGroup(group, doc, progress, summary.generation, signal);
        writeGroupProgress(progress, group, { ...tallyGroup(doc, device), generation: summary.generation });
        if (worked) return true;
      } finally {
        await replica.close(name);
      }
    }
    return false;
  }

  /** Fetches the group's due files; false when none was due (all done or set aside). */
  private async workGroup(
    group: number,
    doc: Y.Doc,
    progress: Y.Doc,
    generation: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { device, slots, clock } = this.options;
    const due = dueNow(doc, device, this.setAside, clock());
    if (due.length === 0) return false;

    const groupWork = new AbortController();
    // linkAbort, not addEventListener alone: a signal that aborted before this line must count too.
    const unlinkStop = linkAbort(groupWork, [signal]);
    const inFlight = new Map<string, AbortController>();
    let changed = false;
    const onChange = (event: Y.YMapEvent<StoredEntry>) => {
      for (const path of event.keysChanged) {
        changed = true;
        inFlight.get(path)?.abort(new GroupChanged(`'${path}' changed in the catalog`));
      }
    };
    const entries = entriesMap(doc);
    entries.observe(onChange);
    let lastProgress = 0;
    const tasks: Promise<void>[] = [];
    try {
      // An account that needs attention stops here: one AUTH is enough, not one per due file.
      const stopStarting = () => changed || !this.options.space.ok || this.attentionUntil > clock();
      for (const entry of due) {
        if (groupWork.signal.aborted || stopStarting()) break;
        const release = await slots.take(groupWork.signal);
        if (stopStarting()) {
          release();
          break;
        }
        const fileWork = new AbortController();
        // Not AbortSignal.any: against the long-lived space signal it leaks on Node 20 (abort-link.ts).
        const unlink = linkAbort(fileWork, [groupWork.signal, this.options.space.signal]);
        inFlight.set(entry.path, fileWork);
        tasks.push(
          this.fetchEntry(entry, doc, fileWork.signal)
            .catch((error) => this.onFileError(entry, error, fileWork.signal))
            .finally(() => {
              unlink();
              inFlight.delete(entry.path);
              release();
              if (clock() - lastProgress >= 1000) {
                lastProgress = clock();
                writeGroupProgress(progress, group, { ...tallyGroup(doc, device), generation });
              }
            }),
        );
      }
    } finally {
      // Also when waiting for a slot was cut short (the device stops): the files already started
      // finish or abort before the group's docs are let go, so no receipt lands after that.
      await Promise.allSettled(tasks);
      entries.unobserve(onChange);
      unlinkStop();
    }
    if (changed) throw new GroupChanged(`group ${group} of ${this.source.name} changed`);
    return true;
  }

  private async fetchEntry(entry: Entry, doc: Y.Doc, signal: AbortSignal): Promise<void> {
    const { diskRoot, disk, ledger, reporter, device } = this.options;
    const want = version(entry);
    const mapped = this.source.paths.map(entry.path, doc);
    if (mapped.renamed) reporter.renamed(this.source.name, entry.path, mapped.path);
    const finalPath = join(diskRoot, this.source.name, mapped.path);
    // The ledger's name for it: relative to the disk root, which may be mounted elsewhere next time.
    const key = relative(diskRoot, finalPath);
    const holder = { path: key, mtime: entry.mtime };
    if (!isInside(join(diskRoot, this.source.name), finalPath))
      throw new FerryError('UNSAFE_PATH', `'${entry.path}' maps outside the container folder`);

    await this.clearWay(mapped.path, entry.isDir).catch((error) => {
      throw fromDiskError(error);
    });
    if (entry.isDir) {
      await disk.mkdir(finalPath).catch((error) => {
        throw fromDiskError(error);
      });
      writeReceipt(doc, device, entry.path, want);
      return;
    }

    // Already on the disk in this version (stopped between the rename and the receipt, or a disk
    // whose receipts were lost): verified and recorded, not downloaded again.
    if (await sameContent(disk, finalPath, entry).catch(() => false)) {
      await disk.remove(finalPath + PART_SUFFIX);
      await ledger.endPart(key);
      await ledger.remember(want, holder);
      writeReceipt(doc, device, entry.path, want);
      this.setAside.delete(entry.path);
      return;
    }

    const attempts = this.options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let resume = (await ledger.partVersion(key)) === want;
      if (!resume) resume = await this.copyFromDisk(want, entry, finalPath);
      await ledger.startPart(key, want);
      const line = reporter.fileStarted(this.source.name, entry.path, entry.size);
      try {
        await fetchFile({
          provider: this.source.provider,
          sourcePath: joinCloud(this.source.folder, entry.path),
          entry,
          finalPath,
          resume,
          disk,
          signal,
          onBytes: (bytes) => line.bytes(bytes),
          onResume: (offset) => line.resumedAt(offset),
          beforeReplace: async (path) => {
            if (await sameContent(disk, path, entry)) return;
            const target = versionPath(diskRoot, this.source.name, mapped.path, this.options.clock());
            await keepOldCopy(disk, path, target);
            reporter.log(
              `kept the old copy of ${this.source.name}/${entry.path} as ${relative(diskRoot, target)}`,
            );
          },
        });
        await ledger.endPart(key);
        await ledger.remember(want, holder);
        writeReceipt(doc, device, entry.path, want);
        this.setAside.delete(entry.path);
        reporter.fetched(this.source.name);
        return;
      } catch (caught) {
        if (signal.aborted) throw signal.reason ?? caught;
        const error = fromDiskError(caught);
        const wait = this.retryDelay(error, attempt);
        if (wait === undefined || attempt >= attempts) throw error;
        reporter.log(
          `retrying ${this.source.name}/${entry.path} in ${Math.round(wait)} ms: ${describe(error)}`,
        );
        await sleep(wait, signal);
      } finally {
        line.end();
      }
    }
  }

  /**
   * A cloud name that changed kind (a file became a folder or the other way round) finds the old
   * kind on the disk: a file where a folder must go (the path itself or a parent), or a folder
   * where the file goes. The old one is moved under `.ferry/versions`, never deleted.
   */
  private async clearWay(relativePath: string, isDir: boolean): Promise<void> {
    const { disk, diskRoot, clock, reporter } = this.options;
    const root = join(diskRoot, this.source.name);
    const segments = relativePath.split('/');
    for (let depth = 1; depth <= segments.length; depth++) {
      const rel = segments.slice(0, depth).join('/');
      const last = depth === segments.length;
      const wantFolder = !last || isDir;
      const misplaced = async () => {
        const found = await disk.stat(join(root, rel));
        return found === undefined ? undefined : found.isDirectory() !== wantFolder;
      };
      const first = await misplaced();
      if (first === undefined) return; // nothing further down can exist
      if (!first) continue;
      // Files of one folder run side by side: only one of them moves it, after looking again.
      await this.oneAtATime(async () => {
        if (!(await misplaced())) return;
        const target = versionPath(diskRoot, this.source.name, rel, clock());
        await disk.mkdir(dirname(target));
        await disk.rename(join(root, rel), target);
        reporter.log(
          `${this.source.name}/${rel} is now a ${wantFolder ? 'folder' : 'file'} in the cloud: kept the old one as ${relative(diskRoot, target)}`,
        );
      });
      return;
    }
  }

  private moves: Promise<unknown> = Promise.resolve();

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.moves.then(work, work);
    this.moves = run.catch(() => undefined);
    return run;
  }

  /**
   * Cross-account dedup: the same content (same provider hash) already verified somewhere on the
   * disk is copied (shared blocks where the file system can) instead of downloaded; the copy is
   * still verified by the normal path, which hashes the part before the rename.
   */
  private async copyFromDisk(want: string, entry: Entry, finalPath: string): Promise<boolean> {
    const { ledger, disk, diskRoot } = this.options;
    const holder = await ledger.holderOf(want);
    if (holder === undefined) return false;
    const from = join(diskRoot, holder.path);
    if (from === finalPath) return false;
    // Changed on the disk since (another size or mtime): not the content any more. The hash check
    // after the copy catches the rest, where node:crypto knows the hash type.
    const stat = await disk.stat(from);
    if (!stat?.isFile() || stat.size !== entry.size || Math.trunc(stat.mtimeMs) !== holder.mtime)
      return false;
    await disk.mkdir(dirname(finalPath));
    await disk.copy(from, finalPath + PART_SUFFIX);
    this.options.reporter.log(
      `copied ${this.source.name}/${entry.path} from ${holder.path} (same ${entry.hashType} hash)`,
    );
    return true;
  }

  /** Milliseconds before the next attempt, or undefined when trying again cannot help. */
  private retryDelay(error: unknown, attempt: number): number | undefined {
    if (!isFerryError(error)) return undefined;
    const base = this.options.retryBaseMs ?? 500;
    const jitter = 0.5 + (this.options.random ?? Math.random)() / 2;
    switch (error.code) {
      case 'RATE_LIMITED':
        return Math.max((error as { retryAfterMs?: number }).retryAfterMs ?? base, base / 10);
      case 'TRANSIENT':
      case 'TRUNCATED':
      case 'HASH_MISMATCH':
        return base * 2 ** (attempt - 1) * jitter;
      default:
        return undefined;
    }
  }

  private onFileError(entry: Entry, error: unknown, signal: AbortSignal): void {
    if (signal.aborted) return; // dropped on purpose: the group changed or the device stops
    const { reporter, clock } = this.options;
    if (isFerryError(error) && error.code === 'AUTH') {
      // The account needs a user: stop hammering it, show it, look again later.
      this.attentionUntil = clock() + (this.options.setAsideMs ?? 300_000);
      reporter.error(this.source.name, error, 'account needs attention');
      return;
    }
    if (isFerryError(error) && error.code === 'DISK_FULL') {
      this.options.space.reportFull();
      return;
    }
    this.setAside.set(entry.path, clock() + (this.options.setAsideMs ?? 300_000));
    reporter.error(this.source.name, error, entry.path);
  }
}

/**
 * Until the doc changes (the crawler edited the container's index), `ms` pass, or the signal
 * aborts — also when it aborted before the call: a stop that lands while the worker sweeps part
 * files, just before it waits, must not wait out the idle recheck (a minute).
 */
export function untilDocUpdate(doc: Y.Doc, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      doc.off('update', finish);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    doc.on('update', finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}

function dueNow(doc: Y.Doc, device: string, setAside: Map<string, number>, now: number): Entry[] {
  const out: Entry[] = [];
  for (const entry of dueEntries(doc, device)) {
    const until = setAside.get(entry.path);
    if (until === undefined || until <= now) out.push(entry);
  }
  // Folders first, so files land in existing folders and empty folders exist early.
  return out.sort((a, b) => Number(b.isDir) - Number(a.isDir));
}

/**
 * Whether the file already under the final name is the content being written (a crash between the
 * rename and the receipt): then there is no old version to keep.
 */
async function sameContent(disk: DiskIO, path: string, entry: Entry): Promise<boolean> {
  const stat = await disk.stat(path);
  if (stat?.isFile() !== true || stat.size !== entry.size || Math.trunc(stat.mtimeMs) !== entry.mtime)
    return false;
  if (entry.hash === undefined || entry.hashType === undefined) return true;
  return (await hashFile(disk, path, entry.hashType, entry.size)) === entry.hash;
}

function joinCloud(folder: string, path: string): string {
  const base = folder.replace(/^\/+|\/+$/g, '');
  return base === '' ? path : `${base}/${path}`;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Node's errno errors from the disk become typed errors; provider errors pass through. */
function fromDiskError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (isFerryError(error) || typeof code !== 'string') return error;
  // A network error a provider let through untyped (a provider bug): retried, not blamed on the disk.
  if (NETWORK_CODES.has(code))
    return new FerryError('TRANSIENT', `the connection failed: ${(error as Error).message}`);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new FerryError('DISK_FULL', `the disk is full: ${(error as Error).message}`);
  return new FerryError(
    'DISK_IO',
    `the disk refused: ${(error as Error).message}`,
    'check the disk and its mount',
  );
}

function describe(error: unknown): string {
  return isFerryError(error) ? `${error.id}: ${error.message}` : String(error);
}
