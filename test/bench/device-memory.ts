import { cp, mkdir, mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from '@ferry/core';
import { DEVICE_NODE_FLAGS } from '../../bin/node-flags.mjs';
import type { CrawlReport, DeviceReport, MemoryFigures, PhaseReport } from './device-memory-child.js';
import {
  type BenchModule,
  formatBytes,
  formatCount,
  formatMs,
  isMain,
  markdownTable,
  runAlone,
  runBenchChild,
} from './lib.js';

/** The done-when figure of issue 5: a device works a 1,000,000-entry container in this much RSS. */
const RSS_BUDGET_BYTES = 200_000_000;
/** Disk space a fetched tiny file takes: one 4 KiB block, plus its share of the LevelDB state. */
const BYTES_PER_FILE = 4096 + 1024;
const SPARE_BYTES = 2 * 2 ** 30;

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'device-memory-child.ts');

/** Knobs from the environment (the runner's arguments are benchmark names). */
interface Settings {
  files: number;
  parallel: number;
  budgetS: number;
  /** Work budget of each diagnostic variant (they are about the reserve and the first minutes). */
  variantS: number;
  keep: boolean;
}

/**
 * The same device run with one thing changed, to show where the memory goes: V8's default heap
 * sizing (a 16 MiB semi-space pair, an old space allowed to grow far past the live data), and the
 * provider code loaded.
 */
const VARIANTS: { label: string; nodeFlags: string[]; childFlags: string[] }[] = [
  { label: "Node's default heap sizing (no DEVICE_NODE_FLAGS)", nodeFlags: [], childFlags: [] },
  {
    label: 'DEVICE_NODE_FLAGS, only the memory provider loaded',
    nodeFlags: DEVICE_NODE_FLAGS,
    childFlags: ['--memory-provider-only'],
  },
];

function settings(env = process.env): Settings {
  const whole = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new FerryError('BAD_INPUT', `${name} must be a whole number >= 1, got '${text}'`);
    return n;
  };
  return {
    files: whole('FERRY_BENCH_FILES', 1_000_000),
    parallel: whole('FERRY_BENCH_PARALLEL', 8),
    budgetS: whole('FERRY_BENCH_BUDGET_S', 600),
    variantS: whole('FERRY_BENCH_VARIANT_S', 60),
    keep: env.FERRY_BENCH_KEEP === '1',
  };
}

/** Refuses before writing anything when the temp disk cannot hold every file of the run. */
async function checkRoom(folder: string, files: number): Promise<{ freeBytes: number; freeInodes: number }> {
  const info = await statfs(folder);
  const freeBytes = info.bavail * info.bsize;
  const freeInodes = info.ffree;
  const needBytes = files * BYTES_PER_FILE + SPARE_BYTES;
  const needInodes = files + Math.ceil(files / 1000) + 10_000;
  if (freeBytes < needBytes || freeInodes < needInodes)
    throw new FerryError(
      'DISK_FULL',
      `the device memory benchmark needs ${formatBytes(needBytes)} and ${formatCount(needInodes)} inodes free under ${folder}; it has ${formatBytes(freeBytes)} and ${formatCount(freeInodes)}`,
      'free some space, point TMPDIR at a bigger disk, or lower FERRY_BENCH_FILES',
    );
  return { freeBytes, freeInodes };
}

/** Runs one mode of the child script, forwards its lines, returns its RESULT. */
function runChild<T>(args: string[], log: (line: string) => void, nodeFlags: string[] = []): Promise<T> {
  return runBenchChild<T>(CHILD, args, log, nodeFlags);
}

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(folder)) total += (await stat(join(folder, name))).size;
  return total;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

function breakdown(m: MemoryFigures): string {
  return `anon ${mib(m.rssAnon)} + file-backed ${mib(m.rssFile)}; heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, external ${mib(m.external)} (array buffers ${mib(m.arrayBuffers)})`;
}

function phaseRow(label: string, phase: PhaseReport | undefined): string[] {
  if (!phase) return [label, '—'];
  return [
    label,
    `peak **${mib(phase.peak.rss)}**, median ${mib(phase.medianRss)} over ${formatMs(phase.ms)} (${formatCount(phase.samples)} samples); at the peak: ${breakdown(phase.peak)}`,
  ];
}

async function run(log: (line: string) => void): Promise<string> {
  const { files, parallel, budgetS, variantS, keep } = settings();
  const base = await mkdtemp(join(tmpdir(), 'ferry-bench-device-'));
  const catalog = join(base, 'catalog');
  /** A fresh disk holding the crawled catalog and no file, so every run starts alike. */
  const freshDisk = async (name: string): Promise<string> => {
    const disk = join(base, name);
    await cp(join(catalog, '.ferry'), join(disk, '.ferry'), { recursive: true });
    return disk;
  };
  const loadBefore = load();
  try {
    const room = await checkRoom(base, files);
    log(`temp disk ${base}: ${formatBytes(room.freeBytes)} and ${formatCount(room.freeInodes)} inodes free`);
    log(`crawling ${formatCount(files)} synthetic files into the disk's replica (own process)`);
    await mkdir(catalog);
    const crawl = await runChild<CrawlReport>(['crawl', '--disk', catalog, '--files', String(files)], log);
    const dbBytes = await folderBytes(join(catalog, '.ferry', 'db'));
    log(
      `catalog: ${formatCount(crawl.entries)} entries in ${formatCount(crawl.groups)} groups, ${formatMs(crawl.ms)}, LevelDB ${formatBytes(dbBytes)}`,
    );
    log(`device: parallel ${parallel}, budget ${budgetS} s`);
    const device = await runChild<DeviceReport>(
      [
        'device',
        '--disk',
        await freshDisk('device'),
        '--files',
        String(files),
        '--parallel',
        String(parallel),
        '--budget-s',
        String(budgetS),
      ],
      log,
      // As `ferry device` runs: bin/ferry.mjs starts the device process with these flags.
      DEVICE_NODE_FLAGS,
    );
    const variantRows: string[][] = [];
    const variantRow = (label: string, report: DeviceReport): string[] => [
      label,
      mib(report.phases.open?.peak.rss ?? Number.NaN),
      mib(report.phases.reserve?.peak.rss ?? Number.NaN),
      mib(report.afterReserve.rss),
      mib(report.phases.work?.peak.rss ?? Number.NaN),
      `**${mib(report.vmHwm)}**`,
      report.vmHwm <= RSS_BUDGET_BYTES ? 'PASS' : 'FAIL',
    ];
    variantRows.push(variantRow(`the device as it runs (above, ${budgetS} s of work)`, device));
    for (const [n, variant] of VARIANTS.entries()) {
      log(`variant: ${variant.label} (${variantS} s of work on a fresh copy of the catalog)`);
      const disk = await freshDisk(`variant-${n}`);
      const report = await runChild<DeviceReport>(
        [
          'device',
          '--disk',
          disk,
          '--files',
          String(files),
          '--parallel',
          String(parallel),
          '--budget-s',
          String(variantS),
          ...variant.childFlags,
        ],
        log,
        variant.nodeFlags,
      );
      variantRows.push(variantRow(`${variant.label} (${variantS} s of work)`, report));
      await rm(disk, { recursive: true, force: true });
    }
    const loadAfter = load();
    const pass = device.vmHwm <= RSS_BUDGET_BYTES;
    const workS = device.workMs / 1000;
    const rows: string[][] = [
      [
        'catalog',
        `${formatCount(crawl.entries)} entries (${formatCount(files)} files of ${formatBytes(crawl.bytes / files)} and their ${formatCount(crawl.entries - files)} folders), ${formatCount(crawl.groups)} group docs of ${formatCount(1000)}`,
      ],
      [
        'crawl into the disk replica (separate process)',
        `${formatMs(crawl.ms)}, LevelDB ${formatBytes(dbBytes)}; the crawl process peaked at ${mib(crawl.vmHwm)} (not the device)`,
      ],
      ['device', `DeviceAgent offline (no relay), parallel ${device.parallel}, real files under ${tmpdir()}`],
      phaseRow('start-up (tsx, modules, disk state)', device.phases.open),
      phaseRow('path set-up (`containerPaths`: the twin names only)', device.phases.reserve),
      [
        'right after the reserve',
        `RSS **${mib(device.afterReserve.rss)}**; ${breakdown(device.afterReserve)}; after a full GC heap used ${mib(device.afterReserveGc.heapUsed)}`,
      ],
      phaseRow('work (fetching)', device.phases.work),
      [
        'when the work stopped, after a full GC',
        `RSS ${mib(device.afterWorkGc.rss)}; ${breakdown(device.afterWorkGc)} (live heap after the reserve: ${mib(device.afterReserveGc.heapUsed)})`,
      ],
      ['peak RSS (VmHWM)', `**${mib(device.vmHwm)}**`],
      [
        'fetched',
        `${formatCount(device.fetched)} of ${formatCount(device.entries)} entries (${formatBytes(device.fetchedBytes)}) in ${formatMs(device.workMs)}: ${(device.fetched / workS).toFixed(0)} files/s; ${device.finished ? 'finished' : `not finished, the ${budgetS} s budget ran out`}`,
      ],
      ['errors', device.errors.length === 0 ? 'none' : device.errors.slice(0, 3).join('; ')],
      ['load average (1, 5, 15 min)', `before ${loadBefore}; after ${loadAfter} (2 cores, shared)`],
      [
        '**budget: RSS ≤ 200 MB**',
        `**${pass ? 'PASS' : 'FAIL'}**: peak ${mib(device.vmHwm)} vs ${mib(RSS_BUDGET_BYTES)} (200,000,000 bytes)`,
      ],
    ];
    return [
      `One device process works a container of ${formatCount(files)} tiny synthetic files (memory provider) on a real disk folder. ` +
        `The relay's crawler writes the catalog straight into the disk's replica (\`DiskState\`, LevelDB) in a process of its own; then a second process runs \`DeviceAgent\` offline on that disk ` +
        `(\`containerPaths\` reads the crawler's twin names, the only paths it keeps, then the workers fetch with \`--parallel ${parallel}\`, each file fsynced and renamed) ` +
        `and samples its own \`process.memoryUsage()\` every 250 ms, with \`/proc/self/status\` VmHWM when the work stops. ` +
        `Run: \`npm run bench -- device-memory\` (env FERRY_BENCH_FILES, FERRY_BENCH_PARALLEL, FERRY_BENCH_BUDGET_S, FERRY_BENCH_VARIANT_S; this run: budget ${budgetS} s).`,
      '',
      markdownTable(['what', 'figure'], rows),
      '',
      `Where the memory goes: the same device process again with one thing changed outside the device code (each on a fresh copy of the crawled catalog: the reserve, then ${variantS} s of work):`,
      '',
      markdownTable(
        ['variant', 'start-up RSS', 'reserve peak', 'after reserve', 'work peak', 'VmHWM', '≤ 200 MB'],
        variantRows,
      ),
    ].join('\n');
  } finally {
    if (!keep) {
      log(`removing ${base}`);
      await rm(base, { recursive: true, force: true });
    }
  }
}

export const deviceMemoryBench: BenchModule = {
  name: 'device-memory',
  title: 'Device memory: a 1,000,000-entry container',
  run,
};

if (isMain(import.meta.url)) await runAlone(deviceMemoryBench);
