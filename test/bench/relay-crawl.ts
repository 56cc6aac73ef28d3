import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from '@ferry/core';
import {
  type BenchModule,
  formatCount,
  formatMs,
  isMain,
  markdownTable,
  runAlone,
  runBenchChild,
} from './lib.js';
import type { RelayCrawlReport } from './relay-crawl-child.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'relay-crawl-child.ts');

function files(env = process.env): number {
  const text = env.FERRY_BENCH_CRAWL_FILES;
  if (text === undefined || text === '') return 1_000_000;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new FerryError('BAD_INPUT', `FERRY_BENCH_CRAWL_FILES must be a whole number >= 1, got '${text}'`);
  return n;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The crawls side by side: one thing changed per variant. */
const VARIANTS: { label: string; keepDocs: boolean; nodeFlags: string[] }[] = [
  { label: 'released (now)', keepDocs: false, nodeFlags: [] },
  {
    label: 'released, V8 old space capped at 384 MiB',
    keepDocs: false,
    nodeFlags: ['--max-old-space-size=384'],
  },
  { label: 'kept (as before)', keepDocs: true, nodeFlags: [] },
];

interface Run extends RelayCrawlReport {
  variant: string;
}

/**
 * The relay's crawler on its own store (LevelDocStore on LevelDB) with a 1,000,000-file container:
 * the first crawl, then a re-crawl with 1% changed, 0.5% removed, 0.5% added — each in a process of
 * its own so VmHWM is that crawl's peak. Side by side: the crawler letting each group doc go once
 * read or written (as it runs now), the same under a capped V8 heap (what the crawl really needs
 * live; with the default heap V8 lets garbage pile up first), and the crawler keeping every doc.
 */
export const relayCrawlBench: BenchModule = {
  name: 'relay-crawl',
  title: "Relay crawler: 1,000,000-entry container on the relay's LevelDB",
  async run(log) {
    const count = files();
    const runs: Run[] = [];
    for (const variant of VARIANTS) {
      const data = await mkdtemp(join(tmpdir(), 'ferry-bench-relay-'));
      try {
        for (const mode of ['first', 'recrawl'] as const) {
          log(
            `${mode === 'first' ? 'first crawl' : 're-crawl'} of ${formatCount(count)} files, group docs ${variant.label}`,
          );
          const args = [
            mode,
            '--data',
            data,
            '--files',
            String(count),
            ...(variant.keepDocs ? ['--keep-docs'] : []),
          ];
          const report = await runBenchChild<RelayCrawlReport>(CHILD, args, log, variant.nodeFlags);
          log(
            `  ${formatMs(report.ms)}, peak RSS ${mib(report.vmHwm)}, heap after GC ${mib(report.heapAfterGc)}, ${report.heldDocs} group docs held`,
          );
          runs.push({ ...report, variant: variant.label });
        }
      } finally {
        await rm(data, { recursive: true, force: true });
      }
    }
    const row = (r: Run): string[] => [
      r.mode === 'first' ? 'first crawl' : 're-crawl',
      r.variant,
      formatMs(r.ms),
      mib(r.vmHwm),
      mib(r.heapAfterGc),
      `${formatCount(r.heldDocs)} of ${formatCount(r.groups)}`,
    ];
    const byVariant = (label: string) => runs.filter((r) => r.variant === label);
    const [released, , kept] = VARIANTS.map((v) => byVariant(v.label));
    const held = (released ?? []).map((r, i) => {
      const k = (kept ?? [])[i] as Run;
      return `${r.mode === 'first' ? 'first crawl' : 're-crawl'} ${mib(k.heapAfterGc)} → ${mib(r.heapAfterGc)}`;
    });
    const first = (released ?? [])[0] as Run;
    const again = (released ?? [])[1] as Run;
    return [
      `A container of ${formatCount(count)} synthetic files (memory provider, ${formatCount(first.entries)} entries with their folders, ${formatCount(first.groups)} groups of 1,000) crawled by \`crawlContainer\` into the relay's own \`LevelDocStore\` on LevelDB, as \`ferry relay\` runs it. Each crawl runs in a process of its own and reports its VmHWM (peak RSS), the live heap after a full GC once it ended, and how many group docs the store still held. The re-crawl lists the same tree with ${formatCount(again.changed)} files changed, ${formatCount(again.removed)} removed and ${formatCount(again.added)} added (${formatCount(again.groupsTouched)} groups touched: the changes are spread). Run: \`npm run bench -- relay-crawl\` (env FERRY_BENCH_CRAWL_FILES).`,
      '',
      markdownTable(
        ['crawl', 'group docs', 'time', 'peak RSS', 'heap after GC', 'docs held after'],
        runs.map(row),
      ),
      '',
      `What the relay keeps once a crawl ended, live heap after GC (kept → released): ${held.join('; ')}. A relay used to hold every group doc of every container it had crawled. The listing streams through the merge (\`CrawlMerge\`): an unchanged entry is counted and let go, so a crawl holds the stored catalog as plain entries plus the edits, not a second copy of the whole listing; the capped run shows that this fits in a 384 MiB old space (a run by hand at 256 MiB ran out of heap). With Node's default heap limit V8 lets garbage grow before collecting, which is the gap between the capped and uncapped peaks.`,
    ].join('\n');
  },
};

if (isMain(import.meta.url)) await runAlone(relayCrawlBench);
