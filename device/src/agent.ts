import { cpus } from 'node:os';
import {
  deviceDocName,
  FerryError,
  groupDocName,
  indexDocName,
  type Provider,
  type ProviderOptions,
  readGroupSummaries,
} from '@ferry/core';
import { countContainerFiles } from './container-files.js';
import type { DiskIO } from './disk-io.js';
import type { Ledger } from './ledger.js';
import { removeParts } from './part-sweep.js';
import type { ContainerFiles } from './progress-line.js';
import type { SyncedReplica } from './replica.js';
import { Reporter } from './reporter.js';
import { Slots, sleep } from './slots.js';
import { SpaceGate } from './space-gate.js';
import { ContainerWorker, type PathMapper } from './worker.js';

/** One container bound to this device, with what it takes to read the cloud directly. */
export interface DeviceContainer {
  name: string;
  folder: string;
  provider: string;
  options: ProviderOptions;
}

export type Parallel = number | 'serial';

/**
 * How often the device asks the relay for its containers: one small GET, so a container bound on
 * the relay starts here within seconds without any push channel.
 */
const REFRESH_MS = 5_000;

export interface AgentTiming {
  /** Inactive: how often to look at the free space again. */
  recheckMs?: number;
  /** Active: how often to look at the free space while working. */
  activeCheckMs?: number;
  /** How often the list of bound containers is asked again. */
  refreshMs?: number;
  /** How often docs edited offline are offered to the relay again. */
  pushMs?: number;
  idleRecheckMs?: number;
  retryBaseMs?: number;
  setAsideMs?: number;
  statusIntervalMs?: number;
}

export interface AgentOptions {
  device: string;
  diskRoot: string;
  disk: DiskIO;
  replica: SyncedReplica;
  ledger: Ledger;
  minFreeBytes: number;
  parallel: Parallel;
  /** The containers bound to this device (from the relay, or its copy on the disk when offline). */
  containers: () => Promise<DeviceContainer[]>;
  /**
   * Resolves when the container list may have changed (the relay answered a wait on it); rejects
   * when it cannot tell, and the agent asks again after `refreshMs`. Absent: asks every `refreshMs`.
   */
  containerChanges?: (signal: AbortSignal) => Promise<void>;
  createProvider: (name: string, options: ProviderOptions) => Provider;
  /** Safe disk paths for a container's cloud paths; may read the container's catalog first. */
  pathMapper: (container: string) => PathMapper | Promise<PathMapper>;
  clock?: () => number;
  log?: (line: string) => void;
  timing?: AgentTiming;
}

interface Running {
  key: string;
  worker: ContainerWorker;
  provider: Provider;
  stop: AbortController;
  done: Promise<void>;
}

/**
 * The device loop of DESIGN.md: one worker per bound container sharing the `--parallel` file
 * slots and the free-space gate; the container list is refreshed so a container bound or unbound
 * on the relay starts or stops here without a restart.
 */
export class DeviceAgent {
  readonly reporter: Reporter;
  private readonly space: SpaceGate;
  private readonly slots: Slots;
  private readonly running = new Map<string, Running>();
  private readonly stop = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly clock: () => number;

  constructor(private readonly options: AgentOptions) {
    this.clock = options.clock ?? Date.now;
    const log = options.log ?? (() => {});
    this.reporter = new Reporter({ clock: this.clock, log, intervalMs: options.timing?.statusIntervalMs });
    this.space = new SpaceGate({
      disk: options.disk,
      diskRoot: options.diskRoot,
      minFreeBytes: options.minFreeBytes,
      recheckMs: options.timing?.recheckMs,
      activeCheckMs: options.timing?.activeCheckMs,
      reporter: this.reporter,
    });
    this.slots = new Slots(options.parallel === 'serial' ? 1 : options.parallel);
  }

  async start(): Promise<void> {
    const status = await this.options.replica.open(deviceDocName(this.options.device));
    this.reporter.attach(status);
    this.loops.push(this.refreshLoop(), this.pushLoop(), this.mirrorLoop());
  }

  /** Names of the containers being worked now. */
  containers(): string[] {
    return [...this.running.keys()];
  }

  /** Files of a container done for its current crawl, of all listed (the terminal's status line). */
  containerFiles(container: string): Promise<ContainerFiles> {
    return countContainerFiles(this.options.replica, container, this.options.device);
  }

  async close(): Promise<void> {
    this.stop.abort(new Error('device stopping'));
    for (const run of this.running.values()) run.stop.abort(new Error('device stopping'));
    await Promise.allSettled([...this.loops, ...[...this.running.values()].map((run) => run.done)]);
    for (const run of this.running.values()) await run.provider.close?.().catch(() => undefined);
    this.running.clear();
    this.space.close();
    this.reporter.close();
    await this.options.replica.closeAll();
  }

  private async refreshLoop(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      try {
        await this.refresh();
      } catch (error) {
        this.reporter.error('device', error, 'container list');
      }
      if (this.options.parallel === 'serial') await this.serialRound(signal).catch(() => undefined);
      else await this.untilContainersMayChange(signal);
    }
  }

  /** Until the relay says the list changed (a held request), or `refreshMs` when it cannot say. */
  private async untilContainersMayChange(signal: AbortSignal): Promise<void> {
    const changes = this.options.containerChanges;
    if (changes) {
      try {
        await changes(signal);
        return;
      } catch {
        // The relay cannot say now (away, or no list yet): ask again after refreshMs.
      }
    }
    await sleep(this.options.timing?.refreshMs ?? REFRESH_MS, signal).catch(() => undefined);
  }

  private async pushLoop(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      await sleep(this.options.timing?.pushMs ?? 30_000, signal).catch(() => undefined);
      if (signal.aborted) return;
      try {
        const pushed = await this.options.replica.pushDirty();
        if (pushed > 0) this.reporter.log(`sent ${pushed} documents edited while the relay was away`);
      } catch (error) {
        this.reporter.error('device', error, 'sync');
      }
    }
  }

  /**
   * Keeps a copy of every doc of every bound container on the disk, ahead of the workers: a relay
   * that goes away mid-run must not leave the device without the groups it has not reached yet.
   * A group is fetched again only when its summary's generation moved (a crawl changed it).
   */
  private async mirrorLoop(): Promise<void> {
    const signal = this.stop.signal;
    const mirrored = new Map<string, number>();
    while (!signal.aborted) {
      for (const container of [...this.running.keys()]) {
        if (signal.aborted) return;
        try {
          const indexName = indexDocName(container);
          const summaries = readGroupSummaries(await this.options.replica.open(indexName));
          await this.options.replica.close(indexName);
          for (let group = 0; group < summaries.length && !signal.aborted; group++) {
            const name = groupDocName(container, group);
            const generation = summaries[group]?.generation ?? 0;
            if ((mirrored.get(name) ?? -1) >= generation) continue;
            if (await this.options.replica.refresh(name)) mirrored.set(name, generation);
            else break; // the relay is away: try again next round
          }
        } catch (error) {
          this.reporter.error(container, error, 'mirror');
        }
      }
      await sleep(this.options.timing?.refreshMs ?? REFRESH_MS, signal).catch(() => undefined);
    }
  }

  /** Starts workers for new containers, stops those no longer bound (their files stay on disk). */
  private async refresh(): Promise<void> {
    const wanted = await this.options.containers();
    const keys = new Map(
      wanted.map((c) => [c.name, `${c.name}|${c.folder}|${c.provider}|${JSON.stringify(c.options)}`]),
    );
    for (const [name, run] of this.running) {
      if (keys.get(name) === run.key) continue;
      run.stop.abort(new Error('container unbound or changed'));
      await run.done.catch(() => undefined);
      await run.provider.close?.().catch(() => undefined);
      this.running.delete(name);
      this.reporter.log(`stopped container ${name}`);
    }
    await this.sweepPartsOfUnbound(new Set(keys.keys())).catch((error) =>
      this.reporter.error('device', error, 'part files'),
    );
    for (const container of wanted) {
      if (this.running.has(container.name)) continue;
      let provider: Provider;
      try {
        provider = this.options.createProvider(container.provider, container.options);
      } catch (error) {
        this.reporter.error(container.name, error, 'provider');
        continue;
      }
      let paths: PathMapper;
      try {
        paths = await this.options.pathMapper(container.name);
      } catch (error) {
        provider.close?.().catch(() => undefined);
        this.reporter.error(container.name, error, 'paths');
        continue;
      }
      const worker = new ContainerWorker(
        {
          name: container.name,
          provider,
          folder: container.folder,
          paths,
        },
        {
          device: this.options.device,
          diskRoot: this.options.diskRoot,
          disk: this.options.disk,
          replica: this.options.replica,
          ledger: this.options.ledger,
          slots: this.slots,
          space: this.space,
          reporter: this.reporter,
          clock: this.clock,
          retryBaseMs: this.options.timing?.retryBaseMs,
          setAsideMs: this.options.timing?.setAsideMs,
          idleRecheckMs: this.options.timing?.idleRecheckMs,
        },
      );
      const stop = new AbortController();
      const signal = AbortSignal.any([stop.signal, this.stop.signal]);
      const done =
        this.options.parallel === 'serial'
          ? Promise.resolve()
          : worker.run(signal).catch((error) => this.reporter.error(container.name, error));
      this.running.set(container.name, { key: keys.get(container.name) ?? '', worker, provider, stop, done });
      this.reporter.log(`working container ${container.name} (${container.provider})`);
    }
  }

  /**
   * Part files of containers no longer bound here (removed on the relay, or moved to another
   * device): nobody will finish them, so they go. The files they would have replaced, and every
   * finished file, stay on the disk.
   */
  private async sweepPartsOfUnbound(bound: ReadonlySet<string>): Promise<void> {
    const orphans = new Map<string, string[]>();
    for (const key of await this.options.ledger.partKeys()) {
      const container = key.split('/')[0] as string;
      if (bound.has(container)) continue;
      const keys = orphans.get(container) ?? [];
      keys.push(key);
      orphans.set(container, keys);
    }
    const { ledger, disk, diskRoot } = this.options;
    const sweep = { ledger, disk, diskRoot, reporter: this.reporter };
    for (const [container, keys] of orphans)
      await removeParts(sweep, container, keys, `container ${container} is no longer bound to this device`);
  }

  /** `--parallel serial`: each container in turn until none has work, then wait. */
  private async serialRound(signal: AbortSignal): Promise<void> {
    let worked = false;
    for (const run of [...this.running.values()]) {
      if (signal.aborted) return;
      const runSignal = AbortSignal.any([run.stop.signal, signal]);
      if (await run.worker.pass(runSignal).catch(() => false)) worked = true;
    }
    if (!worked) {
      const waits = [...this.running.values()].map((run) => run.worker.waitBeforeNextPass());
      this.reporter.idle();
      await sleep(Math.min(this.options.timing?.refreshMs ?? REFRESH_MS, ...waits), signal);
    }
  }
}

/**
 * `--parallel auto`: files in flight from the CPU count and a quick disk write probe (MB/s).
 * Downloads wait on the network far more than on the CPU, so a few per core; a slow disk (an SD
 * card, a USB 2 stick) gets fewer so fsyncs do not queue up.
 */
export function autoParallel(cpuCount = cpus().length, diskMBps?: number): number {
  const byCpu = Math.min(16, Math.max(2, cpuCount * 2));
  if (diskMBps !== undefined && diskMBps < 20) return Math.min(byCpu, 2);
  if (diskMBps !== undefined && diskMBps < 80) return Math.min(byCpu, 4);
  return byCpu;
}

export function parseParallel(value: string): Parallel | 'auto' {
  if (value === 'auto' || value === 'serial') return value;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > 256)
    throw new FerryError(
      'BAD_INPUT',
      `--parallel must be auto, serial or a number from 1 to 256, got '${value}'`,
    );
  return n;
}
