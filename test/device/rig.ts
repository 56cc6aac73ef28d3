import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeviceStatus,
  deviceDocName,
  dueEntries,
  entriesMap,
  groupDocName,
  indexDocName,
  type Provider,
  progressDocName,
  type ReadOptions,
  readDeviceStatus,
  readGroupProgress,
  readGroupSummaries,
} from '@ferry/core';
import type * as Y from 'yjs';
import { type DiskIO, nodeDisk } from '../../device/src/disk-io.js';
import { type DiskFaults, faultyDisk } from '../../device/src/faulty-disk.js';
import { Ledger, type PartStore } from '../../device/src/ledger.js';
import { Reporter } from '../../device/src/reporter.js';
import { Slots } from '../../device/src/slots.js';
import { SpaceGate } from '../../device/src/space-gate.js';
import {
  type ContainerSource,
  ContainerWorker,
  type PathMapper,
  type Replica,
  type WorkerOptions,
} from '../../device/src/worker.js';
import { type CrawlResult, crawlContainer } from '../../relay/src/crawler/crawl.js';
import { MapDocs } from '../../relay/src/crawler/testing.js';

/**
 * A device without its runtime: the real worker, fetchFile, ledger, space gate and reporter over a
 * temp disk, with the relay's real crawler filling the same in-memory docs the device reads (as if
 * the relay link were instant). Tests drive the cloud (a MemoryProvider) and re-crawl.
 */

export const DEVICE = 'dev1';

export class MemoryStore implements PartStore {
  readonly map = new Map<string, string>();
  async *keys(): AsyncIterable<string> {
    yield* [...this.map.keys()];
  }
  async get(key: string): Promise<string | undefined> {
    return this.map.get(key);
  }
  async put(key: string, value: string): Promise<void> {
    this.map.set(key, value);
  }
  async del(key: string): Promise<void> {
    this.map.delete(key);
  }
}

/** The cloud name as it is (what the worker gets when no safe-name mapper is plugged in). */
export const asIs: PathMapper = { map: (path) => ({ path, renamed: false }) };

export interface Rig {
  /** Temp folder holding the disk root: nothing may ever appear beside `disk`. */
  parent: string;
  diskRoot: string;
  docs: MapDocs;
  replica: Replica;
  ledger: Ledger;
  parts: MemoryStore;
  reporter: Reporter;
  logs: string[];
  faults: DiskFaults;
  disk: DiskIO;
  space: SpaceGate;
  slots: Slots;
  status(): DeviceStatus | undefined;
  close(): Promise<void>;
}

export async function makeRig(options: { minFreeBytes?: number; parallel?: number } = {}): Promise<Rig> {
  const parent = await mkdtemp(join(tmpdir(), 'ferry-device-'));
  const diskRoot = join(parent, 'disk');
  await mkdir(diskRoot);
  const docs = new MapDocs();
  const replica: Replica = { open: (name) => docs.get(name), close: async () => {} };
  const parts = new MemoryStore();
  const ledger = new Ledger(parts, new MemoryStore());
  const logs: string[] = [];
  const reporter = new Reporter({ clock: Date.now, log: (line) => logs.push(line), intervalMs: 5 });
  const statusDoc = await docs.get(deviceDocName(DEVICE));
  reporter.attach(statusDoc);
  const faults: DiskFaults = {};
  const disk = faultyDisk(nodeDisk, faults);
  const space = new SpaceGate({
    disk,
    diskRoot,
    minFreeBytes: options.minFreeBytes ?? 0,
    recheckMs: 10,
    activeCheckMs: 10,
    reporter,
  });
  return {
    parent,
    diskRoot,
    docs,
    replica,
    ledger,
    parts,
    reporter,
    logs,
    faults,
    disk,
    space,
    slots: new Slots(options.parallel ?? 3),
    status: () => readDeviceStatus(statusDoc),
    async close() {
      space.close();
      reporter.close();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

export function makeWorker(
  rig: Rig,
  source: Pick<ContainerSource, 'name' | 'provider'> & Partial<ContainerSource>,
  options: Partial<WorkerOptions> = {},
): ContainerWorker {
  return new ContainerWorker(
    { folder: '', paths: asIs, ...source },
    {
      device: DEVICE,
      diskRoot: rig.diskRoot,
      disk: rig.disk,
      replica: rig.replica,
      ledger: rig.ledger,
      slots: rig.slots,
      space: rig.space,
      reporter: rig.reporter,
      clock: Date.now,
      retryBaseMs: 2,
      setAsideMs: 30,
      idleRecheckMs: 50,
      ...options,
    },
  );
}

/** Runs a worker's loop in the background; `stop()` ends it and waits for it. */
export function start(worker: ContainerWorker): { stop(): Promise<void>; done: Promise<void> } {
  const stop = new AbortController();
  const done = worker.run(stop.signal);
  return {
    done,
    async stop() {
      stop.abort(new Error('test over'));
      await done;
    },
  };
}

export function crawl(
  rig: Rig,
  name: string,
  provider: Provider,
  options: { folder?: string; groupSize?: number } = {},
): Promise<CrawlResult> {
  return crawlContainer({
    container: { name, groupSize: options.groupSize ?? 4 },
    provider,
    folder: options.folder ?? '',
    docs: rig.docs,
    clock: Date.now,
  });
}

/** Every group of the container has no due entry and a progress tally that says so. */
export async function complete(rig: Rig, container: string): Promise<boolean> {
  const summaries = readGroupSummaries(await rig.docs.get(indexDocName(container)));
  const progress = readGroupProgress(await rig.docs.get(progressDocName(container, DEVICE)));
  for (let group = 0; group < summaries.length; group++) {
    const summary = summaries[group];
    if (!summary || summary.files === 0) continue;
    if (dueEntries(await groupDoc(rig, container, group), DEVICE).length > 0) return false;
    const tally = progress.get(group);
    if (!tally || tally.generation < summary.generation || tally.fetchedFiles !== summary.files) return false;
  }
  return summaries.length > 0;
}

/** The group holding `path` in the container's catalog. */
export async function groupOf(rig: Rig, container: string, path: string): Promise<number> {
  const summaries = readGroupSummaries(await rig.docs.get(indexDocName(container)));
  for (let group = 0; group < summaries.length; group++)
    if (entriesMap(await groupDoc(rig, container, group)).has(path)) return group;
  throw new Error(`${path} is in no group of ${container}`);
}

export function groupDoc(rig: Rig, container: string, group: number): Promise<Y.Doc> {
  return rig.docs.get(groupDocName(container, group));
}

/** Polls (real time, short steps) until `check` holds; fails the test with `what` after the timeout. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every file under `dir` (relative '/' paths) with its bytes; folders as `path/`. */
export async function readTree(dir: string): Promise<Map<string, Buffer | 'dir'>> {
  const out = new Map<string, Buffer | 'dir'>();
  const walk = async (at: string, prefix: string) => {
    for (const item of await readdir(at, { withFileTypes: true })) {
      const rel = prefix === '' ? item.name : `${prefix}/${item.name}`;
      if (item.isDirectory()) {
        out.set(`${rel}/`, 'dir');
        await walk(join(at, item.name), rel);
      } else out.set(rel, await readFile(join(at, item.name)));
    }
  };
  await walk(dir, '');
  return out;
}

/** What the cloud holds, in the shape of readTree. */
export async function cloudTree(provider: Provider, folder = ''): Promise<Map<string, Buffer | 'dir'>> {
  const out = new Map<string, Buffer | 'dir'>();
  for await (const entry of provider.list(folder)) {
    if (entry.isDir) {
      out.set(`${entry.path}/`, 'dir');
      continue;
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of provider.read(folder === '' ? entry.path : `${folder}/${entry.path}`))
      chunks.push(chunk);
    out.set(entry.path, Buffer.concat(chunks));
  }
  return out;
}

/**
 * A provider seen through a window: counts reads (and their bytes) per path, and can hold the
 * read of a path until the test lets it go, so a file can be kept "in flight".
 */
export class WatchedProvider implements Provider {
  readonly reads: string[] = [];
  bytesSent = 0;
  /** Holds set up and not yet hit by a read. */
  private readonly pending = new Map<string, Gate>();
  /** Reads waiting at their gate now. */
  private readonly atGate = new Map<string, Gate>();

  constructor(readonly inner: Provider) {}

  get name(): string {
    return this.inner.name;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  list(folder: string, options?: { signal?: AbortSignal }) {
    return this.inner.list(folder, options);
  }
  stat(path: string, options?: { signal?: AbortSignal }) {
    return this.inner.stat(path, options);
  }

  /** The next read of `path` waits after its first chunk until `release(path)` or its abort. */
  hold(path: string): void {
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.pending.set(path, { promise, release });
  }

  release(path: string): void {
    (this.pending.get(path) ?? this.atGate.get(path))?.release();
    this.pending.delete(path);
    this.atGate.delete(path);
  }

  /** Whether a held read of `path` is waiting at its gate now. */
  waiting(path: string): boolean {
    return this.atGate.has(path);
  }

  readsOf(path: string): number {
    return this.reads.filter((read) => read === path).length;
  }

  async *read(path: string, options?: ReadOptions): AsyncGenerator<Uint8Array> {
    this.reads.push(path);
    const gate = this.pending.get(path);
    this.pending.delete(path);
    let first = true;
    for await (const chunk of this.inner.read(path, options)) {
      this.bytesSent += chunk.byteLength;
      yield chunk;
      if (first && gate) {
        first = false;
        this.atGate.set(path, gate);
        try {
          await untilAborted(gate.promise, options?.signal);
        } finally {
          this.atGate.delete(path);
        }
      }
    }
  }
}

interface Gate {
  promise: Promise<void>;
  release: () => void;
}

function untilAborted(gate: Promise<void>, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    gate.then(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** Bytes from a seed: distinct, reproducible file bodies. */
export function bytesOf(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let state = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}
