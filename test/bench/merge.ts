import { DEFAULT_GROUP_SIZE, type Entry, mergeCrawl, type PlacedEntry, placeFirstCrawl } from '@ferry/core';
import {
  type BenchModule,
  formatBytes,
  formatCount,
  formatMs,
  formatTiming,
  hasGc,
  heapUsedAfterGc,
  isMain,
  markdownTable,
  measure,
  pickIndexes,
  runAlone,
  seededRandom,
} from './lib.js';

const ENTRIES = 1_000_000;
const CHANGED = 0.01;
const REMOVED = 0.005;
const ADDED = 0.005;
const RUNS = 5;
/** The target for a 1M-entry re-crawl merge on this machine. */
const TARGET_MS = 2000;

/**
 * A catalog shaped like a real account: nested folders, names of a realistic length, a folder
 * entry every 50 files, half of the files with an md5 (providers that give one) and half with
 * size and mtime only (providers that do not).
 */
function makeEntry(i: number, generation = 0): Entry {
  const path = `Photos/${2000 + (i % 25)}/album-${Math.floor(i / 1000)}/IMG_${String(i).padStart(7, '0')}.jpg`;
  if (i % 50 === 0)
    return { path: path.replace(/\/IMG_\d+\.jpg$/, `/sub-${i}`), size: 0, mtime: 0, isDir: true };
  const size = 100_000 + ((i * 7919) % 5_000_000) + generation;
  const mtime = 1_600_000_000_000 + i * 1000 + generation;
  if (i % 2 === 0)
    return { path, size, mtime, isDir: false, hashType: 'md5', hash: md5Like(i * 31 + generation) };
  return { path, size, mtime, isDir: false };
}

function md5Like(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0').repeat(4);
}

/**
 * The fresh listing goes through JSON text, as a crawl result would: its strings are new, flat
 * strings, not the catalog's own string objects (Map lookups then hash and compare for real).
 */
function asListing(entries: Entry[]): Entry[] {
  return JSON.parse(JSON.stringify(entries)) as Entry[];
}

interface Workload {
  old: PlacedEntry[];
  fresh: Entry[];
  changed: number;
  removed: number;
  added: number;
}

function buildWorkload(): Workload {
  const random = seededRandom(3);
  const first = placeFirstCrawl(asListing(Array.from({ length: ENTRIES }, (_, i) => makeEntry(i))), {
    groupSize: DEFAULT_GROUP_SIZE,
  });
  const old = first.added;

  const removedSet = new Set(pickIndexes(ENTRIES, ENTRIES * REMOVED, random));
  const changedSet = new Set<number>();
  for (const i of pickIndexes(ENTRIES, ENTRIES * CHANGED * 1.2, random)) {
    // Folders have no content version to change; removed paths cannot change.
    if (changedSet.size < ENTRIES * CHANGED && i % 50 !== 0 && !removedSet.has(i)) changedSet.add(i);
  }
  const next: Entry[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    if (removedSet.has(i)) continue;
    next.push(makeEntry(i, changedSet.has(i) ? 1 : 0));
  }
  for (let i = ENTRIES; i < ENTRIES + ENTRIES * ADDED; i++) next.push(makeEntry(i));
  return {
    old,
    fresh: asListing(next),
    changed: changedSet.size,
    removed: removedSet.size,
    added: ENTRIES * ADDED,
  };
}

export const mergeBench: BenchModule = {
  name: 'merge',
  title: '1,000,000-entry re-crawl merge',
  async run(log) {
    const heapStart = heapUsedAfterGc();
    log(`building a ${formatCount(ENTRIES)}-entry catalog and a fresh listing…`);
    const work = buildWorkload();
    const heapInputs = heapUsedAfterGc();

    // Sanity: the merge finds exactly the edits the workload made (a benchmark of a wrong merge is worthless).
    const edits = mergeCrawl(work.old, work.fresh, { groupSize: DEFAULT_GROUP_SIZE });
    if (
      edits.changed.length !== work.changed ||
      edits.removed.length !== work.removed ||
      edits.added.length !== work.added ||
      edits.updated.length !== 0
    )
      throw new Error(
        `merge result does not match the workload: changed ${edits.changed.length}/${work.changed}, ` +
          `removed ${edits.removed.length}/${work.removed}, added ${edits.added.length}/${work.added}`,
      );
    const heapWithEdits = heapUsedAfterGc();
    const groupsAfter = edits.groupCounts.length;

    log(`mergeCrawl: ${RUNS} runs after a warm-up…`);
    const merge = measure(() => mergeCrawl(work.old, work.fresh, { groupSize: DEFAULT_GROUP_SIZE }), {
      runs: RUNS,
    });
    log(`  mergeCrawl ${formatTiming(merge)}`);

    const firstListing = work.fresh.slice(0, ENTRIES);
    log(`placeFirstCrawl: ${RUNS} runs after a warm-up…`);
    const first = measure(() => placeFirstCrawl(firstListing, { groupSize: DEFAULT_GROUP_SIZE }), {
      runs: RUNS,
    });
    log(`  placeFirstCrawl ${formatTiming(first)}`);

    const verdict =
      merge.medianMs < TARGET_MS
        ? `within the ${formatMs(TARGET_MS)} target`
        : `**over the ${formatMs(TARGET_MS)} target**`;
    const heapNote = hasGc()
      ? ''
      : '\n\n_Heap figures were taken without `--expose-gc` and include garbage; run `npm run bench`._';
    return [
      `Old catalog: ${formatCount(ENTRIES)} placed entries (groups of ${DEFAULT_GROUP_SIZE}; every 50th a folder, half the files with an md5, half with size and mtime only). ` +
        `Fresh listing (parsed from JSON, as a crawl delivers it): ${formatCount(work.changed)} changed (1%), ${formatCount(work.removed)} removed (0.5%), ${formatCount(work.added)} added (0.5%). ` +
        `Timings are the median of ${RUNS} runs after one warm-up run, each after a full GC.`,
      '',
      markdownTable(
        ['step', 'time (median, min–max)'],
        [
          [`\`mergeCrawl\` 1M old × ${formatCount(work.fresh.length)} fresh`, formatTiming(merge)],
          [`\`placeFirstCrawl\` ${formatCount(ENTRIES)} entries`, formatTiming(first)],
        ],
      ),
      '',
      markdownTable(
        ['heap in use (after a full GC)', 'bytes'],
        [
          ['before the workload', formatBytes(heapStart)],
          ['old catalog + fresh listing held', formatBytes(heapInputs)],
          ['… plus one merge result held', formatBytes(heapWithEdits)],
          ['merge result alone', formatBytes(heapWithEdits - heapInputs)],
        ],
      ),
      '',
      `Result: ${formatCount(edits.changed.length)} changed, ${formatCount(edits.removed.length)} removed, ` +
        `${formatCount(edits.added.length)} added, ${formatCount(edits.unchanged)} unchanged, ${formatCount(groupsAfter)} groups. ` +
        `Merge median ${formatMs(merge.medianMs)}: ${verdict}.${heapNote}`,
    ].join('\n');
  },
};

if (isMain(import.meta.url)) await runAlone(mergeBench);
