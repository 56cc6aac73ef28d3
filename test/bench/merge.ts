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
import { asListing, isFolderIndex, makeEntry } from './workload.js';

const ENTRIES = 1_000_000;
const CHANGED = 0.01;
const REMOVED = 0.005;
const ADDED = 0.005;
const RUNS = 5;
/** The target for a 1M-entry re-crawl merge on this machine. */
const TARGET_MS = 2000;

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
    if (changedSet.size < ENTRIES * CHANGED && !isFolderIndex(i) && !removedSet.has(i)) changedSet.add(i);
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
