/**
 * The two processes of the device memory benchmark (test/bench/device-memory.ts), so the parent's
 * own memory is never counted:
 *
 *   crawl  --disk D --files N             the relay's crawler writes the catalog of a synthetic
 *                                         memory container straight into the disk's replica
 *   device --disk D --files N --parallel P --budget-s S
 *                                         a DeviceAgent, offline on that disk, fetches the files
 *                                         while this process samples its own RSS
 *
 * Each prints progress lines and ends with one line `RESULT <json>`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Provider, ProviderOptions } from '@ferry/core';
import { indexDocName, progressDocName, readGroupSummaries, totalProgress } from '@ferry/core';
import { DeviceAgent } from '../../device/src/agent.js';
import { nodeDisk } from '../../device/src/disk-io.js';
import { DiskState } from '../../device/src/disk-state.js';
import { containerPaths, probeDiskTarget } from '../../device/src/paths.js';
import { SyncedReplica } from '../../device/src/replica.js';
import { crawlContainer } from '../../relay/src/crawler/crawl.js';
import { procStatus } from './lib.js';

export const CONTAINER = 'memory1m';
export const DEVICE = 'bench-disk';
export const GROUP_SIZE = 1000;
/** The container backs up the synthetic folder itself: `d0000/f0000000.txt`, … */
export const FOLDER = 'synthetic';
export const SEED = 1;

export interface MemoryFigures {
  rss: number;
  /** RSS split as Linux counts it: private anonymous memory, and mapped file pages (LevelDB mmaps its tables). */
  rssAnon: number;
  rssFile: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface CrawlReport {
  entries: number;
  groups: number;
  bytes: number;
  ms: number;
  /** The crawl process's own peak (not the device's). */
  vmHwm: number;
}

export type Phase = 'open' | 'reserve' | 'work';

export interface PhaseReport {
  ms: number;
  /** Highest RSS sampled in the phase, with the breakdown of that sample. */
  peak: MemoryFigures;
  /** Median RSS of the samples. */
  medianRss: number;
  samples: number;
}

export interface DeviceReport {
  parallel: number;
  budgetS: number;
  entries: number;
  fetched: number;
  fetchedBytes: number;
  finished: boolean;
  /** Right after every catalog path was reserved (no forced GC). */
  afterReserve: MemoryFigures;
  /** The same moment after a full GC: what the live objects hold. */
  afterReserveGc: MemoryFigures;
  phases: Partial<Record<Phase, PhaseReport>>;
  /** When the work stopped, after a full GC: live memory that grew with the files fetched is a leak. */
  afterWorkGc: MemoryFigures;
  /** /proc/self/status VmHWM when the work stopped: the true peak, between samples too. */
  vmHwm: number;
  workMs: number;
  errors: string[];
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    disk: { type: 'string' },
    files: { type: 'string', default: '1000000' },
    parallel: { type: 'string', default: '8' },
    'budget-s': { type: 'string', default: '600' },
    'sample-ms': { type: 'string', default: '250' },
    /**
     * Diagnostic variant: load only the memory provider instead of the whole registry the device
     * loads (every cloud SDK), to show what loading providers on demand would save.
     */
    'memory-provider-only': { type: 'boolean', default: false },
  },
});

type CreateProvider = (name: string, options: ProviderOptions) => Provider;

/** The device's way (`@ferry/core/providers`, every provider module loaded), or the memory one alone. */
async function providerRegistry(memoryOnly: boolean): Promise<CreateProvider> {
  if (!memoryOnly) return (await import('@ferry/core/providers')).createProvider;
  const { memoryProviderFactory } = await import('../../core/src/providers/memory/index.js');
  return (name, options) => {
    if (name !== 'memory') throw new Error(`only the memory provider is loaded, not '${name}'`);
    return memoryProviderFactory.create(options);
  };
}

function wholeNumber(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${name} must be a whole number >= 1, got '${text}'`);
  return n;
}

/** Peak resident set size of this process so far, in bytes. */
const vmHwm = (): number => procStatus('VmHWM');

function memory(): MemoryFigures {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const status = readFileSync('/proc/self/status', 'utf8');
  return {
    rss,
    rssAnon: procStatus('RssAnon', status),
    rssFile: procStatus('RssFile', status),
    heapUsed,
    heapTotal,
    external,
    arrayBuffers,
  };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function crawl(disk: string, files: number, createProvider: CreateProvider): Promise<CrawlReport> {
  const state = await DiskState.open(disk);
  try {
    const started = performance.now();
    const result = await crawlContainer({
      container: { name: CONTAINER, groupSize: GROUP_SIZE },
      provider: createProvider('memory', { files, seed: SEED }),
      folder: FOLDER,
      // The device's own store: the catalog lands on the disk as if the relay had synced it.
      docs: state.docs,
      clock: Date.now,
    });
    await state.docs.flush();
    return {
      entries: result.files,
      groups: result.groups,
      bytes: result.bytes,
      ms: performance.now() - started,
      vmHwm: vmHwm(),
    };
  } finally {
    await state.close();
  }
}

/** RSS samples of one phase; only the peak's breakdown is kept. */
class PhaseSamples {
  private readonly rss: number[] = [];
  private peak: MemoryFigures | undefined;
  private readonly started = performance.now();
  private ended: number | undefined;

  add(sample: MemoryFigures): void {
    this.rss.push(sample.rss);
    if (!this.peak || sample.rss > this.peak.rss) this.peak = sample;
  }

  end(): void {
    this.ended ??= performance.now();
  }

  report(): PhaseReport | undefined {
    if (!this.peak) return undefined;
    const sorted = [...this.rss].sort((a, b) => a - b);
    return {
      ms: (this.ended ?? performance.now()) - this.started,
      peak: this.peak,
      medianRss: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
      samples: sorted.length,
    };
  }
}

async function device(
  disk: string,
  files: number,
  parallel: number,
  budgetS: number,
  sampleMs: number,
  createProvider: CreateProvider,
) {
  const errors: string[] = [];
  const log = (line: string) => {
    if (line.startsWith('error') && errors.length < 20) errors.push(line);
  };
  const phases = new Map<Phase, PhaseSamples>([['open', new PhaseSamples()]]);
  let phase: Phase = 'open';
  const enter = (next: Phase) => {
    phases.get(phase)?.end();
    phase = next;
    phases.set(next, new PhaseSamples());
  };
  const sample = () => phases.get(phase)?.add(memory());
  sample();
  const sampler = setInterval(sample, sampleMs);

  const state = await DiskState.open(disk);
  const replica = new SyncedReplica({ docs: state.docs, dirty: state.dirty });
  const target = await probeDiskTarget(disk);
  let afterReserve: MemoryFigures | undefined;
  let afterReserveGc: MemoryFigures | undefined;
  let workStarted = 0;
  let reserved!: () => void;
  const reserveDone = new Promise<void>((resolve) => {
    reserved = resolve;
  });

  const agent = new DeviceAgent({
    device: DEVICE,
    diskRoot: disk,
    disk: nodeDisk,
    replica,
    ledger: state.ledger,
    minFreeBytes: 64 * 2 ** 20,
    parallel,
    containers: async () => [
      { name: CONTAINER, folder: FOLDER, provider: 'memory', options: { files, seed: SEED } },
    ],
    createProvider: (name, options) => createProvider(name, options),
    pathMapper: async (container) => {
      enter('reserve');
      const mapper = await containerPaths(replica, container, target);
      sample();
      afterReserve = memory();
      (globalThis as { gc?: () => void }).gc?.();
      afterReserveGc = memory();
      enter('work');
      workStarted = performance.now();
      reserved();
      return mapper;
    },
    log,
    // Offline: nothing to refresh or push; status at the rate of one write a second.
    timing: { refreshMs: 3_600_000, pushMs: 3_600_000, idleRecheckMs: 3_600_000 },
  });

  await agent.start();
  console.log(`device started, setting up its path mapping (RSS ${mib(memory().rss)})`);
  await reserveDone;
  console.log(
    `reserved in ${((phases.get('reserve')?.report()?.ms ?? 0) / 1000).toFixed(1)} s: RSS ${mib(afterReserve?.rss ?? 0)}, heap after GC ${mib(afterReserveGc?.heapUsed ?? 0)}`,
  );

  const index = await replica.open(indexDocName(CONTAINER));
  const catalog = readGroupSummaries(index).reduce((sum, group) => sum + group.files, 0);
  await replica.close(indexDocName(CONTAINER));
  const progressName = progressDocName(CONTAINER, DEVICE);
  const progress = await replica.open(progressName);
  const deadline = workStarted + budgetS * 1000;
  let tally = totalProgress(progress);
  let lastLog = performance.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    tally = totalProgress(progress);
    const now = performance.now();
    const complete = tally.files === catalog && tally.fetchedFiles === catalog;
    if (now - lastLog >= 10_000 || complete) {
      lastLog = now;
      const seconds = (now - workStarted) / 1000;
      console.log(
        `${seconds.toFixed(0)} s: ${tally.fetchedFiles.toLocaleString('en-US')} of ${catalog.toLocaleString('en-US')} entries in the progress doc (${(tally.fetchedFiles / seconds).toFixed(0)}/s), RSS ${mib(memory().rss)}, peak ${mib(vmHwm())}`,
      );
    }
    if (complete || now >= deadline) break;
  }
  const workMs = performance.now() - workStarted;
  sample();
  phases.get('work')?.end();
  const peak = vmHwm();
  clearInterval(sampler);
  (globalThis as { gc?: () => void }).gc?.();
  const afterWorkGc = memory();
  await replica.close(progressName);
  await agent.close();
  await state.close();

  const report: DeviceReport = {
    parallel,
    budgetS,
    entries: catalog,
    fetched: tally.fetchedFiles,
    fetchedBytes: tally.fetchedBytes,
    finished: tally.files === catalog && tally.fetchedFiles === catalog,
    afterReserve: afterReserve ?? memory(),
    afterReserveGc: afterReserveGc ?? memory(),
    phases: Object.fromEntries([...phases].map(([name, samples]) => [name, samples.report()])),
    afterWorkGc,
    vmHwm: peak,
    workMs,
    errors,
  };
  return report;
}

async function main(): Promise<void> {
  const [mode] = positionals;
  const disk = values.disk;
  if (disk === undefined) throw new Error('--disk is required');
  const files = wholeNumber('files', values.files);
  let result: unknown;
  const createProvider = await providerRegistry(values['memory-provider-only'] === true);
  if (mode === 'crawl') result = await crawl(disk, files, createProvider);
  else if (mode === 'device')
    result = await device(
      disk,
      files,
      wholeNumber('parallel', values.parallel),
      wholeNumber('budget-s', values['budget-s']),
      wholeNumber('sample-ms', values['sample-ms']),
      createProvider,
    );
  else throw new Error(`mode must be crawl or device, got '${mode}'`);
  console.log(`RESULT ${JSON.stringify(result)}`);
}

await main();
