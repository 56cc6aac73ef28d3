import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  type ContainerMeta,
  crawlMap,
  readCrawlState,
  readGroupSummaries,
  readMeta,
  writeCrawlState,
  writeGroupSummaries,
  writeMeta,
} from './index-doc.js';

const meta: ContainerMeta = {
  container: 'photos',
  account: 'dropbox-anna',
  folder: '/Photos',
  device: 'pi4',
  groupSize: 1000,
  crawlIntervalMs: 86_400_000,
};

function replicate(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Counts the updates `doc` emits, i.e. what sync would send. */
function updates(doc: Y.Doc): { count: number } {
  const seen = { count: 0 };
  doc.on('update', () => seen.count++);
  return seen;
}

describe('index doc: meta', () => {
  it('reads as undefined until written', () => {
    expect(readMeta(new Y.Doc())).toBeUndefined();
  });
  it('round-trips through an encoded update', () => {
    const doc = new Y.Doc();
    writeMeta(doc, meta);
    expect(readMeta(replicate(doc))).toEqual(meta);
  });
  it('sends nothing when rewritten unchanged, only the changed key otherwise', () => {
    const doc = new Y.Doc();
    writeMeta(doc, meta);
    const sent = updates(doc);
    writeMeta(doc, { ...meta });
    expect(sent.count).toBe(0);
    writeMeta(doc, { ...meta, groupSize: 500 });
    expect(sent.count).toBe(1);
    expect(readMeta(doc)?.groupSize).toBe(500);
  });
});

describe('index doc: crawl state', () => {
  it('reads as generation 0, not running, when empty', () => {
    expect(readCrawlState(new Y.Doc())).toEqual({ generation: 0, running: false });
  });
  it('merges partial writes and clears a key written as undefined', () => {
    const doc = new Y.Doc();
    writeCrawlState(doc, { running: true, lastCrawlStart: 10 });
    writeCrawlState(doc, { running: false, lastError: 'FERRY_AUTH: expired', lastErrorAt: 20 });
    expect(readCrawlState(replicate(doc))).toEqual({
      generation: 0,
      running: false,
      lastCrawlStart: 10,
      lastError: 'FERRY_AUTH: expired',
      lastErrorAt: 20,
    });
    writeCrawlState(doc, {
      generation: 1,
      lastCrawlEnd: 30,
      lastError: undefined,
      lastErrorAt: undefined,
      lastChanges: { added: 1, changed: 0, updated: 0, removed: 2, unchanged: 3 },
    });
    const state = readCrawlState(replicate(doc));
    expect(state).toEqual({
      generation: 1,
      running: false,
      lastCrawlStart: 10,
      lastCrawlEnd: 30,
      lastChanges: { added: 1, changed: 0, updated: 0, removed: 2, unchanged: 3 },
    });
    expect(crawlMap(doc).has('lastError')).toBe(false);
  });
  it('sends nothing when a state is rewritten unchanged', () => {
    const doc = new Y.Doc();
    writeCrawlState(doc, { running: false, generation: 4 });
    const sent = updates(doc);
    writeCrawlState(doc, { running: false, generation: 4 });
    expect(sent.count).toBe(0);
  });
});

describe('index doc: group summaries', () => {
  it('round-trip in group order, a group never written reading as empty', () => {
    const doc = new Y.Doc();
    writeGroupSummaries(doc, [
      [10, { files: 1, bytes: 9, generation: 3 }],
      [2, { files: 5, bytes: 50, generation: 2 }],
      [0, { files: 1000, bytes: 1, generation: 1 }],
    ]);
    const summaries = readGroupSummaries(replicate(doc));
    expect(summaries).toHaveLength(11);
    expect(summaries[0]).toEqual({ files: 1000, bytes: 1, generation: 1 });
    expect(summaries[1]).toEqual({ files: 0, bytes: 0, generation: 0 });
    expect(summaries[2]).toEqual({ files: 5, bytes: 50, generation: 2 });
    expect(summaries[10]).toEqual({ files: 1, bytes: 9, generation: 3 });
  });
  it('overwrites only the groups given', () => {
    const doc = new Y.Doc();
    writeGroupSummaries(doc, [
      [0, { files: 1, bytes: 1, generation: 1 }],
      [1, { files: 2, bytes: 2, generation: 1 }],
    ]);
    writeGroupSummaries(doc, [[1, { files: 3, bytes: 3, generation: 2 }]]);
    expect(readGroupSummaries(doc)).toEqual([
      { files: 1, bytes: 1, generation: 1 },
      { files: 3, bytes: 3, generation: 2 },
    ]);
  });
});
