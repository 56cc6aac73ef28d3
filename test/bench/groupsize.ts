import {
  DEFAULT_GROUP_SIZE,
  type Entry,
  placeFirstCrawl,
  receiptsMap,
  version,
  writeEntries,
} from '@ferry/core';
import * as Y from 'yjs';
import {
  type BenchModule,
  formatBytes,
  formatCount,
  formatMs,
  isMain,
  markdownTable,
  measure,
  pickIndexes,
  runAlone,
  seededRandom,
  timeOnce,
} from './lib.js';
import { isFolderIndex, makeEntry } from './workload.js';

const COUNT = 100_000;
const CHANGED = 0.01;
const SIZES = [100, 1000, 10_000];
const DEVICE = 'dev-1';
const RUNS = 3;

interface Row {
  groupSize: number;
  docs: number;
  totalBytes: number;
  loadOneMs: number;
  docsTouched: number;
  syncBytes: number;
  syncMs: number;
}

/**
 * One container of 100,000 entries cut into groups (one Yjs doc each, crawler and device replicas,
 * every entry fetched), then a re-crawl changes 1% of the entries. "One incremental sync" is what
 * the device does to catch up: for every group doc, send its state vector and get back the update
 * it lacks (the y-protocols sync step 1/step 2), the way a reconnecting device resyncs its docs.
 */
function measureGroupSize(groupSize: number, log: (line: string) => void): Row {
  const entries = Array.from({ length: COUNT }, (_, i) => makeEntry(i));
  const placed = placeFirstCrawl(entries, { groupSize }).added;
  const byGroup: Entry[][] = [];
  for (const { group, entry } of placed) {
    const list = byGroup[group] ?? [];
    list.push(entry);
    byGroup[group] = list;
  }

  const crawler: Y.Doc[] = [];
  const device: Y.Doc[] = [];
  for (const groupEntries of byGroup) {
    const c = new Y.Doc();
    writeEntries(c, groupEntries);
    const d = new Y.Doc();
    Y.applyUpdate(d, Y.encodeStateAsUpdate(c));
    const receipts = receiptsMap(d, DEVICE);
    d.transact(() => {
      for (const entry of groupEntries) receipts.set(entry.path, version(entry));
    });
    Y.applyUpdate(c, Y.encodeStateAsUpdate(d, Y.encodeStateVector(c)));
    crawler.push(c);
    device.push(d);
  }

  const encoded = device.map((d) => Y.encodeStateAsUpdate(d));
  const totalBytes = encoded.reduce((sum, u) => sum + u.byteLength, 0);
  const middle = encoded[Math.floor(encoded.length / 2)] as Uint8Array;
  const loadOne = measure(() => Y.applyUpdate(new Y.Doc(), middle), { runs: RUNS });

  // Re-crawl: 1% of the files change, each in the group it already lives in.
  const groupOf = new Map(placed.map((p) => [p.entry.path, p.group]));
  const files = entries.map((_, i) => i).filter((i) => !isFolderIndex(i));
  const changedByGroup = new Map<number, Entry[]>();
  for (const k of pickIndexes(files.length, COUNT * CHANGED, seededRandom(11))) {
    const entry = makeEntry(files[k] as number, 1);
    const group = groupOf.get(entry.path) as number;
    changedByGroup.set(group, [...(changedByGroup.get(group) ?? []), entry]);
  }
  for (const [group, changed] of changedByGroup) writeEntries(crawler[group] as Y.Doc, changed);

  let syncBytes = 0;
  const sync = timeOnce(() => {
    for (let g = 0; g < crawler.length; g++) {
      const stateVector = Y.encodeStateVector(device[g] as Y.Doc);
      const update = Y.encodeStateAsUpdate(crawler[g] as Y.Doc, stateVector);
      syncBytes += stateVector.byteLength + update.byteLength;
      Y.applyUpdate(device[g] as Y.Doc, update);
    }
  });
  // Caught up: every changed entry is on the device's replica in its new version.
  for (const [group, changed] of changedByGroup)
    for (const entry of changed) {
      const stored = (device[group] as Y.Doc).getMap<{ s: number }>('entries').get(entry.path);
      if (stored?.s !== entry.size) throw new Error(`group size ${groupSize}: '${entry.path}' did not sync`);
    }

  const row: Row = {
    groupSize,
    docs: crawler.length,
    totalBytes,
    loadOneMs: loadOne.medianMs,
    docsTouched: changedByGroup.size,
    syncBytes,
    syncMs: sync.ms,
  };
  log(
    `  group size ${groupSize}: ${row.docs} docs, ${formatBytes(totalBytes)}, sync ${formatMs(sync.ms)} ` +
      `(${row.docsTouched} docs touched, ${formatBytes(syncBytes)})`,
  );
  for (const doc of [...crawler, ...device]) doc.destroy();
  return row;
}

export const groupSizeBench: BenchModule = {
  name: 'groupsize',
  title: 'Group size: 100,000 entries in groups of 100, 1000, 10,000 (Yjs)',
  async run(log) {
    const rows = SIZES.map((size) => measureGroupSize(size, log));
    return [
      `A container of ${formatCount(COUNT)} entries cut into groups (one Yjs doc per group; entries from the crawler, ` +
        `one receipt per entry from a device, both replicas up to date). Then a re-crawl changes ` +
        `${formatCount(COUNT * CHANGED)} entries (1%) and the device catches up: for every group doc it sends its state ` +
        `vector and applies the update it gets back (y-protocols sync step 1/2). "Load one doc" is the median of ${RUNS} ` +
        `decodes of one group's whole doc: the memory and time a device pays per group it works on. ` +
        `The default group size is ${DEFAULT_GROUP_SIZE}.`,
      '',
      markdownTable(
        [
          'group size',
          'docs',
          'total encoded',
          'per doc',
          'load one doc',
          'docs touched by 1%',
          'sync bytes (all docs)',
          'sync time (all docs)',
        ],
        rows.map((r) => [
          formatCount(r.groupSize),
          formatCount(r.docs),
          formatBytes(r.totalBytes),
          formatBytes(r.totalBytes / r.docs),
          formatMs(r.loadOneMs),
          formatCount(r.docsTouched),
          formatBytes(r.syncBytes),
          formatMs(r.syncMs),
        ]),
      ),
    ].join('\n');
  },
};

if (isMain(import.meta.url)) await runAlone(groupSizeBench);
