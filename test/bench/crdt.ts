import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Automerge from '@automerge/automerge';
import {
  ENTRIES,
  type Entry,
  entriesMap,
  fetched,
  fromStored,
  receiptsKey,
  receiptsMap,
  type StoredEntry,
  toStored,
  version,
  writeEntries,
} from '@ferry/core';
import * as Y from 'yjs';
import {
  type BenchModule,
  formatBytes,
  formatCount,
  formatMs,
  formatRatio,
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
const DEVICE = 'dev-1';
const RUNS = 3;

/**
 * The group workload of DESIGN.md, run the same way on both libraries: a crawler replica writes the
 * entries, a device replica (another actor) receives them and writes one receipt per entry, then a
 * re-crawl changes 1% of the entries and the device re-fetches them (new receipts), each side
 * sending the other only what it lacks. One document holds all 100,000 entries so per-entry costs
 * show; groupsize.ts measures how cutting a catalog into groups changes the picture.
 */
interface Workload {
  entries: Entry[];
  changed: Entry[];
}

function buildWorkload(): Workload {
  const entries = Array.from({ length: COUNT }, (_, i) => makeEntry(i));
  const files = entries.map((_, i) => i).filter((i) => !isFolderIndex(i));
  const picked = pickIndexes(files.length, COUNT * CHANGED, seededRandom(7));
  const changed = picked.map((k) => makeEntry(files[k] as number, 1));
  return { entries, changed };
}

/** Everything measured for one library; times in ms, sizes in bytes. */
interface Figures {
  writeEntriesMs: number;
  writeReceiptsMs: number;
  encodeMs: number;
  encodedBytes: number;
  loadMs: number;
  changeEntriesMs: number;
  changeReceiptsMs: number;
  updateEntriesBytes: number;
  updateReceiptsBytes: number;
  updateEncodeMs: number;
  updateApplyMs: number;
  encodedAfterBytes: number;
}

// ---------------------------------------------------------------------------------------- Yjs

function runYjs(work: Workload, log: (line: string) => void): Figures & { encodedV2Bytes: number } {
  const crawler = new Y.Doc();
  const writeEntriesMs = timeOnce(() => writeEntries(crawler, work.entries)).ms;
  log(`  Yjs: ${formatCount(COUNT)} entries written in ${formatMs(writeEntriesMs)}`);

  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(crawler));
  const writeReceiptsMs = timeOnce(() => writeYjsReceipts(device, work.entries)).ms;

  // The receipts reach the crawler's replica: both sides are up to date before the re-crawl.
  Y.applyUpdate(crawler, Y.encodeStateAsUpdate(device, Y.encodeStateVector(crawler)));

  const encode = measure(() => Y.encodeStateAsUpdate(device), { runs: RUNS });
  const full = Y.encodeStateAsUpdate(device);
  const encodedV2Bytes = Y.encodeStateAsUpdateV2(device).byteLength;
  const load = measure(() => Y.applyUpdate(new Y.Doc(), full), { runs: RUNS });
  log(
    `  Yjs: receipts ${formatMs(writeReceiptsMs)}, encode ${formatMs(encode.medianMs)}, load ${formatMs(load.medianMs)}`,
  );

  // Re-crawl: 1% of the entries change on the crawler; the device receives them, re-fetches, and
  // its new receipts go back. The device is up to date before, so each update is just the change.
  const changeEntriesMs = timeOnce(() => writeEntries(crawler, work.changed)).ms;
  const toDevice = measure(() => Y.encodeStateAsUpdate(crawler, Y.encodeStateVector(device)), { runs: RUNS });
  const entriesUpdate = Y.encodeStateAsUpdate(crawler, Y.encodeStateVector(device));
  const applyEntries = timeOnce(() => Y.applyUpdate(device, entriesUpdate)).ms;
  const changeReceiptsMs = timeOnce(() => writeYjsReceipts(device, work.changed)).ms;
  const toCrawler = measure(() => Y.encodeStateAsUpdate(device, Y.encodeStateVector(crawler)), {
    runs: RUNS,
  });
  const receiptsUpdate = Y.encodeStateAsUpdate(device, Y.encodeStateVector(crawler));
  const applyReceipts = timeOnce(() => Y.applyUpdate(crawler, receiptsUpdate)).ms;

  // The round must have converged: every entry fetched on the crawler's replica.
  const entries = entriesMap(crawler);
  const receipts = receiptsMap(crawler, DEVICE);
  let fetchedCount = 0;
  for (const [path, stored] of entries)
    if (fetched(fromStored(path, stored), receipts.get(path))) fetchedCount++;
  if (fetchedCount !== COUNT)
    throw new Error(`Yjs: ${fetchedCount} of ${COUNT} entries fetched after the round`);

  checkIncremental('Yjs', full.byteLength, entriesUpdate.byteLength + receiptsUpdate.byteLength);

  return {
    writeEntriesMs,
    writeReceiptsMs,
    encodeMs: encode.medianMs,
    encodedBytes: full.byteLength,
    encodedV2Bytes,
    loadMs: load.medianMs,
    changeEntriesMs,
    changeReceiptsMs,
    updateEntriesBytes: entriesUpdate.byteLength,
    updateReceiptsBytes: receiptsUpdate.byteLength,
    updateEncodeMs: toDevice.medianMs + toCrawler.medianMs,
    updateApplyMs: applyEntries + applyReceipts,
    encodedAfterBytes: Y.encodeStateAsUpdate(crawler).byteLength,
  };
}

/** All receipts in one transaction, as the device does for a batch of finished files. */
function writeYjsReceipts(doc: Y.Doc, entries: Entry[]): void {
  const map = receiptsMap(doc, DEVICE);
  doc.transact(() => {
    for (const entry of entries) map.set(entry.path, version(entry));
  }, DEVICE);
}

/**
 * A 1% round whose updates come near the whole doc's size means a replica was behind before the
 * round and the figure would measure a full resync: refuse to report it.
 */
function checkIncremental(library: string, wholeBytes: number, updateBytes: number): void {
  if (updateBytes > wholeBytes / 10)
    throw new Error(`${library}: the 1% updates take ${updateBytes} of ${wholeBytes} bytes: not incremental`);
}

// ---------------------------------------------------------------------------------- Automerge

/** The same layout as the Yjs group doc: `entries` path → {s,m,h,t,d}, `receipts/<device>` path → version. */
type GroupDoc = Record<string, Record<string, StoredEntry> | Record<string, string>>;

const CRAWLER_ACTOR = 'c0'.repeat(16);
const DEVICE_ACTOR = 'd1'.repeat(16);

function runAutomerge(work: Workload, log: (line: string) => void): Figures {
  let crawler = Automerge.init<GroupDoc>({ actor: CRAWLER_ACTOR });
  const writeEntriesMs = timeOnce(() => {
    crawler = Automerge.change(crawler, (d) => {
      d[ENTRIES] = {};
      setAutomergeEntries(d, work.entries);
    });
  }).ms;
  log(`  Automerge: ${formatCount(COUNT)} entries written in ${formatMs(writeEntriesMs)}`);

  let device = Automerge.load<GroupDoc>(Automerge.save(crawler), { actor: DEVICE_ACTOR });
  const writeReceiptsMs = timeOnce(() => {
    device = Automerge.change(device, (d) => {
      d[receiptsKey(DEVICE)] = {};
      setAutomergeReceipts(d, work.entries);
    });
  }).ms;

  crawler = Automerge.loadIncremental(crawler, Automerge.saveSince(device, Automerge.getHeads(crawler)));

  const encode = measure(() => Automerge.save(device), { runs: RUNS });
  const full = Automerge.save(device);
  const load = measure(() => Automerge.load(full), { runs: RUNS });
  log(
    `  Automerge: receipts ${formatMs(writeReceiptsMs)}, encode ${formatMs(encode.medianMs)}, load ${formatMs(load.medianMs)}`,
  );

  // saveSince(doc, heads of the other side) is Automerge's "what the other replica lacks", the
  // counterpart of Yjs's encodeStateAsUpdate(doc, stateVector).
  const changeEntriesMs = timeOnce(() => {
    crawler = Automerge.change(crawler, (d) => setAutomergeEntries(d, work.changed));
  }).ms;
  const deviceHeads = Automerge.getHeads(device);
  const toDevice = measure(() => Automerge.saveSince(crawler, deviceHeads), { runs: RUNS });
  const entriesUpdate = Automerge.saveSince(crawler, deviceHeads);
  const applyEntries = timeOnce(() => {
    device = Automerge.loadIncremental(device, entriesUpdate);
  }).ms;
  const changeReceiptsMs = timeOnce(() => {
    device = Automerge.change(device, (d) => setAutomergeReceipts(d, work.changed));
  }).ms;
  const crawlerHeads = Automerge.getHeads(crawler);
  const toCrawler = measure(() => Automerge.saveSince(device, crawlerHeads), { runs: RUNS });
  const receiptsUpdate = Automerge.saveSince(device, crawlerHeads);
  const applyReceipts = timeOnce(() => {
    crawler = Automerge.loadIncremental(crawler, receiptsUpdate);
  }).ms;

  const entries = (crawler[ENTRIES] ?? {}) as Record<string, StoredEntry>;
  const receipts = (crawler[receiptsKey(DEVICE)] ?? {}) as Record<string, string>;
  let fetchedCount = 0;
  for (const [path, stored] of Object.entries(entries))
    if (fetched(fromStored(path, stored), receipts[path])) fetchedCount++;
  if (fetchedCount !== COUNT)
    throw new Error(`Automerge: ${fetchedCount} of ${COUNT} entries fetched after the round`);

  checkIncremental('Automerge', full.byteLength, entriesUpdate.byteLength + receiptsUpdate.byteLength);

  return {
    writeEntriesMs,
    writeReceiptsMs,
    encodeMs: encode.medianMs,
    encodedBytes: full.byteLength,
    loadMs: load.medianMs,
    changeEntriesMs,
    changeReceiptsMs,
    updateEntriesBytes: entriesUpdate.byteLength,
    updateReceiptsBytes: receiptsUpdate.byteLength,
    updateEncodeMs: toDevice.medianMs + toCrawler.medianMs,
    updateApplyMs: applyEntries + applyReceipts,
    encodedAfterBytes: Automerge.save(crawler).byteLength,
  };
}

function setAutomergeEntries(d: GroupDoc, entries: Entry[]): void {
  const map = d[ENTRIES] as Record<string, StoredEntry>;
  for (const entry of entries) map[entry.path] = toStored(entry);
}

function setAutomergeReceipts(d: GroupDoc, entries: Entry[]): void {
  const map = d[receiptsKey(DEVICE)] as Record<string, string>;
  for (const entry of entries) map[entry.path] = version(entry);
}

// ------------------------------------------------------------------------------------- report

export const crdtBench: BenchModule = {
  name: 'crdt',
  title: 'Yjs vs Automerge on the group workload',
  async run(log) {
    const work = buildWorkload();
    log(`Yjs ${packageVersion('yjs')} …`);
    const y = runYjs(work, log);
    log(`Automerge ${packageVersion('@automerge/automerge')} … (slower: about a minute)`);
    const a = runAutomerge(work, log);

    const ms = (k: keyof Figures): string[] => [formatMs(y[k]), formatMs(a[k]), formatRatio(a[k], y[k])];
    const bytes = (k: keyof Figures): string[] => [
      formatBytes(y[k]),
      formatBytes(a[k]),
      formatRatio(a[k], y[k]),
    ];
    const updateBytes = (f: Figures): number => f.updateEntriesBytes + f.updateReceiptsBytes;
    const n = formatCount(COUNT);
    const c = formatCount(work.changed.length);
    return [
      `One group document with ${n} entries (the layout of \`core/src/docs/group-doc.ts\`: \`entries\` path → \`{s,m,h,t}\`, ` +
        `\`receipts/<device>\` path → version; in Automerge a map of objects and a map of strings). A crawler replica writes the ` +
        `entries in one transaction (Yjs) / one change (Automerge), a device replica (another actor) receives them and writes ` +
        `${n} receipts the same way. Then a re-crawl changes ${c} entries (1%); the device receives them, writes ${c} new ` +
        `receipts, and each side sends the other only what it lacks (Yjs: \`encodeStateAsUpdate(doc, stateVector)\`; ` +
        `Automerge: \`saveSince(doc, heads)\`). Encode and incremental-encode times are the median of ${RUNS} runs after a ` +
        `warm-up; the other steps change state and run once. Yjs ${packageVersion('yjs')}, Automerge ${packageVersion('@automerge/automerge')}.`,
      '',
      markdownTable(
        ['step', 'Yjs', 'Automerge', 'Automerge / Yjs'],
        [
          [`write ${n} entries`, ...ms('writeEntriesMs')],
          [`write ${n} receipts`, ...ms('writeReceiptsMs')],
          ['encode the whole doc (time)', ...ms('encodeMs')],
          ['encode the whole doc (size)', ...bytes('encodedBytes')],
          ['load (decode) the whole doc', ...ms('loadMs')],
          [`1%: write ${c} changed entries`, ...ms('changeEntriesMs')],
          [`1%: write ${c} receipts`, ...ms('changeReceiptsMs')],
          ['1%: update crawler → device (size)', ...bytes('updateEntriesBytes')],
          ['1%: update device → crawler (size)', ...bytes('updateReceiptsBytes')],
          [
            '1%: both updates (size)',
            formatBytes(updateBytes(y)),
            formatBytes(updateBytes(a)),
            formatRatio(updateBytes(a), updateBytes(y)),
          ],
          ['1%: compute both updates (time)', ...ms('updateEncodeMs')],
          ['1%: apply both updates (time)', ...ms('updateApplyMs')],
          ['whole doc after the 1% round (size)', ...bytes('encodedAfterBytes')],
        ],
      ),
      '',
      `Yjs's v2 update encoding of the same whole doc: ${formatBytes(y.encodedV2Bytes)} ` +
        `(v1 above is what the y-websocket sync protocol sends).`,
    ].join('\n');
  },
};

/** The installed version, read from node_modules (workspaces hoist both to the root). */
function packageVersion(name: string): string {
  const file = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    'node_modules',
    name,
    'package.json',
  );
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}

if (isMain(import.meta.url)) await runAlone(crdtBench);
