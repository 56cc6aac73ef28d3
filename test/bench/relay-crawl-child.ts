/**
 * One crawl of the relay crawler benchmark (test/bench/relay-crawl.ts), in a process of its own so
 * its peak RSS (VmHWM) is the crawl's alone:
 *
 *   first   --data D --files N [--keep-docs]   the first crawl of a synthetic memory container
 *   recrawl --data D --files N [--keep-docs]   a re-crawl of the same container with 1% of the
 *                                              files changed, 0.5% removed and 0.5% added
 *
 * The relay's own store: LevelDocStore on the relay's LevelDB in D. `--keep-docs` hides the
 * store's release() from the crawler, which is how the crawler ran before it let group docs go.
 * Ends with one line `RESULT <json>`.
 */
import { parseArgs } from 'node:util';
import { type Entry, groupDocName, type Provider } from '@ferry/core';
import { createProvider } from '@ferry/core/providers';
import { type CrawlResult, crawlContainer, type DocSource } from '../../relay/src/crawler/crawl.js';
import { openRelayDb } from '../../relay/src/db.js';
import { LevelDocStore } from '../../relay/src/sync/doc-store.js';
import { collectGarbage, procStatus } from './lib.js';

export const CONTAINER = 'memory1m';
export const GROUP_SIZE = 1000;
const FOLDER = 'synthetic';
/** Of every 200 synthetic files: 2 changed (1%), 1 removed (0.5%); as many new as removed. */
const CHANGE_EVERY = 100;
const REMOVE_EVERY = 200;

export interface RelayCrawlReport {
  mode: 'first' | 'recrawl';
  keepDocs: boolean;
  entries: number;
  groups: number;
  changed: number;
  removed: number;
  added: number;
  groupsTouched: number;
  ms: number;
  /** Group docs the store still holds in memory after the crawl (and its writes) ended. */
  heldDocs: number;
  /** Live heap after a full GC once the crawl ended: what the relay keeps from it. */
  heapAfterGc: number;
  /** /proc/self/status VmHWM: the process's peak RSS (it did nothing but this crawl). */
  vmHwm: number;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    files: { type: 'string', default: '1000000' },
    'keep-docs': { type: 'boolean', default: false },
  },
});

const fileIndex = (path: string): number | undefined => {
  const match = /\/f(\d+)\.txt$/.exec(path);
  return match ? Number(match[1]) : undefined;
};

/**
 * The synthetic listing with the re-crawl's changes: a changed file gets a new hash and mtime, a
 * removed one is left out, and as many new files as were removed come last in a folder of their own.
 */
function changedListing(base: Provider): Provider {
  return {
    name: base.name,
    capabilities: base.capabilities,
    stat: (path, options) => base.stat(path, options),
    read: (path, options) => base.read(path, options),
    list: async function* (folder, options) {
      let removed = 0;
      for await (const entry of base.list(folder, options)) {
        const index = entry.isDir ? undefined : fileIndex(entry.path);
        if (index !== undefined && index % REMOVE_EVERY === 3) {
          removed++;
          continue;
        }
        if (index !== undefined && index % CHANGE_EVERY === 7)
          yield {
            ...entry,
            mtime: entry.mtime + 1000,
            hash: (entry.hash ?? '').split('').reverse().join(''),
          };
        else yield entry;
      }
      yield { path: 'added', size: 0, mtime: 1_700_000_000_000, isDir: true } satisfies Entry;
      for (let i = 0; i < removed; i++)
        yield {
          path: `added/n${String(i).padStart(7, '0')}.txt`,
          size: 42,
          mtime: 1_700_000_000_000 + i,
          hash: i.toString(16).padStart(32, '0'),
          hashType: 'md5',
          isDir: false,
        } satisfies Entry;
    },
  };
}

async function main(): Promise<void> {
  const mode = positionals[0];
  if (mode !== 'first' && mode !== 'recrawl') throw new Error(`mode must be first or recrawl, got '${mode}'`);
  const data = values.data;
  if (data === undefined) throw new Error('--data is required');
  const files = Number(values.files);
  if (!Number.isSafeInteger(files) || files < 1) throw new Error(`--files must be a whole number >= 1`);
  const keepDocs = values['keep-docs'] === true;

  const db = await openRelayDb(data);
  const store = LevelDocStore.open(db);
  const docs: DocSource = keepDocs
    ? { get: (name) => store.get(name), has: (name) => store.has(name) }
    : store;
  const synthetic = createProvider('memory', { files, seed: 1 });
  const provider = mode === 'first' ? synthetic : changedListing(synthetic);
  const started = performance.now();
  let result: CrawlResult;
  try {
    result = await crawlContainer({
      container: { name: CONTAINER, groupSize: GROUP_SIZE },
      provider,
      folder: FOLDER,
      docs,
      clock: Date.now,
    });
    await store.flush();
  } catch (error) {
    await store.close();
    await db.close();
    throw error;
  }
  const ms = performance.now() - started;
  let heldDocs = 0;
  for (let group = 0; group < result.groups; group++)
    if (store.isHeld(groupDocName(CONTAINER, group))) heldDocs++;
  collectGarbage();
  const report: RelayCrawlReport = {
    mode,
    keepDocs,
    entries: result.files,
    groups: result.groups,
    changed: result.changed,
    removed: result.removed,
    added: result.added,
    groupsTouched: result.groupsTouched.length,
    ms,
    heldDocs,
    heapAfterGc: process.memoryUsage().heapUsed,
    vmHwm: procStatus('VmHWM'),
  };
  await store.close();
  await db.close();
  console.log(`RESULT ${JSON.stringify(report)}`);
}

await main();
