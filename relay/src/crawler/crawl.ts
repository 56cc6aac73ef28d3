import {
  type ContainerMeta,
  type CrawlEdits,
  CrawlMerge,
  type CrawlState,
  checkGroupSize,
  checkName,
  type Entry,
  entriesMap,
  FerryError,
  fromStored,
  type GroupSummary,
  groupDocName,
  indexDocName,
  isFerryError,
  metaMap,
  nameTwins,
  type PlacedEntry,
  type Provider,
  readCrawlState,
  readGroupSummaries,
  readTwinNames,
  removeEntries,
  TwinFinder,
  twinNamesFor,
  validateEntry,
  writeCrawlState,
  writeEntries,
  writeGroupSummaries,
  writeGroupTwinNames,
  writeTwinNames,
} from '@ferry/core';
import type * as Y from 'yjs';

/**
 * Where the crawler finds the replicated documents. The relay's DocStore fits; so does a Map of
 * Y.Docs in a test. `has` (when given) lets the crawler look for a group doc without creating it.
 * `release` (when given) lets a group doc leave memory once the crawler is done with it: a store
 * keeps it while a websocket still uses it and writes every pending update before letting it go.
 */
export interface DocSource {
  get(name: string): Promise<Y.Doc>;
  has?(name: string): Promise<boolean>;
  release?(name: string): void;
}

/** Milliseconds since the epoch; `Date.now` in production, a hand-moved clock in tests. */
export type Clock = () => number;

/** Everything in the container's index meta except what the crawl itself knows. */
export type ContainerMetaExtra = Partial<Pick<ContainerMeta, 'account' | 'device' | 'crawlIntervalMs'>>;

export interface CrawlOptions {
  container: { name: string; groupSize: number } & ContainerMetaExtra;
  provider: Provider;
  /** Folder of the provider the container backs up; '' is the provider's root. */
  folder: string;
  docs: DocSource;
  clock: Clock;
  /** Aborting stops the listing; an aborted crawl changes no entry, like any other failure. */
  signal?: AbortSignal;
}

export interface CrawlChanges {
  added: number;
  changed: number;
  updated: number;
  removed: number;
  unchanged: number;
}

export interface CrawlResult extends CrawlChanges {
  container: string;
  /** Entries in the catalog after the crawl. */
  files: number;
  bytes: number;
  /** Number of groups (including groups emptied by removals: numbers never shift). */
  groups: number;
  /** Group numbers whose `entries` this crawl edited, ascending. */
  groupsTouched: number[];
  /** Crawl generation after this crawl (bumped only when an entry changed). */
  generation: number;
  startedAt: number;
  endedAt: number;
  durationMs: number;
}

/** The crawler is the only writer of `entries` and of the index doc; this origin marks its edits. */
export const CRAWLER_ORIGIN = 'crawler';

/**
 * Crawls one container: lists the provider folder, and only when the whole listing arrived and
 * every entry passed validation, merges it into the group docs (stable groups, core mergeCrawl)
 * and updates the index doc. Any failure before that point (listing error, bad entry, duplicate
 * path, abort) changes no entry and no group summary; it is recorded as `lastError` in the index
 * doc's crawl map and thrown.
 */
export async function crawlContainer(options: CrawlOptions): Promise<CrawlResult> {
  const { container, provider, folder, docs, clock, signal } = options;
  const name = checkName('container', container.name);
  const groupSize = checkGroupSize(container.groupSize);
  const startedAt = clock();
  const index = await docs.get(indexDocName(name));
  writeCrawlState(index, { running: true, lastCrawlStart: startedAt }, CRAWLER_ORIGIN);

  let applying = false;
  try {
    // The stored catalog first, so the listing can stream through the merge: an unchanged entry
    // is counted and let go. Only the crawler writes entries, one crawl per container at a time,
    // so the catalog read here is still the catalog when the edits are written.
    const old = await readCatalog(docs, name, index);
    const { edits, twinNames } = await mergeListing(provider, folder, old, groupSize, signal, index);
    // From here on the edits are written; an abort no longer stops them half-way.
    applying = true;
    // Devices map every other path on their own; these few take the names given here
    // (core/src/twins.ts). Written before the entries, so a device that sees a new twin's entry
    // has its name already.
    writeTwinNames(index, twinNames, CRAWLER_ORIGIN);
    return await applyEdits({
      docs,
      index,
      name,
      folder,
      container,
      edits,
      old,
      twinNames,
      startedAt,
      clock,
    });
  } catch (error) {
    const failure = asFerryError(error, applying);
    try {
      writeCrawlState(
        index,
        { running: false, lastError: `${failure.id}: ${failure.message}`, lastErrorAt: clock() },
        CRAWLER_ORIGIN,
      );
    } catch {
      // The index doc could not take the note (store closing): the thrown error still says it.
    }
    throw failure;
  }
}

/**
 * Streams the listing through the merge and the twin finder: validated metadata only, no bodies,
 * and no array of the whole listing. Nothing is written here; any failure refuses it all.
 */
async function mergeListing(
  provider: Provider,
  folder: string,
  old: OldCatalog,
  groupSize: number,
  signal: AbortSignal | undefined,
  index: Y.Doc,
): Promise<{ edits: CrawlEdits; twinNames: Map<string, string> }> {
  throwIfAborted(signal);
  const merge = new CrawlMerge(old.placed, { groupSize, groupCount: old.groupCount });
  const twins = new TwinFinder();
  const listing = provider.list(folder, signal === undefined ? {} : { signal });
  for await (const raw of listing) {
    throwIfAborted(signal);
    // validateEntry refuses with BAD_ENTRY naming the entry; the crawl stops as a whole.
    const entry = validateEntry(raw);
    merge.add(entry);
    twins.add(entry.path);
  }
  throwIfAborted(signal);
  const edits = merge.finish();
  // Names given by earlier crawls stay: a disk may hold files under them.
  const twinNames = nameTwins({
    twins: twins.twins,
    previous: readTwinNames(index),
    listed: (path) => merge.listed(path),
    wasListed: (path) => merge.wasListed(path),
    holderOf: (key) => twins.holderOf(key),
  });
  return { edits, twinNames };
}

interface OldCatalog {
  placed: PlacedEntry[];
  /** Summaries as the index doc holds them (index = group number). */
  summaries: GroupSummary[];
  /** Bytes per group as the group docs hold them. */
  bytes: number[];
  /** Group docs read: the index list plus any group a broken-off earlier crawl wrote past it. */
  groupCount: number;
}

/**
 * Reads the stored catalog from the group docs the index names. It then keeps reading groups past
 * that list while they hold entries: an earlier crawl that stopped between writing a new group
 * doc and the index would otherwise leave entries nobody sees (and the same path in two groups).
 */
async function readCatalog(docs: DocSource, name: string, index: Y.Doc): Promise<OldCatalog> {
  const summaries = readGroupSummaries(index);
  const placed: PlacedEntry[] = [];
  const bytes: number[] = [];
  let group = 0;
  for (; ; group++) {
    const docName = groupDocName(name, group);
    if (group >= summaries.length && docs.has !== undefined && !(await docs.has(docName))) break;
    const entries = entriesMap(await docs.get(docName));
    if (group >= summaries.length && entries.size === 0) {
      docs.release?.(docName);
      break;
    }
    let groupBytes = 0;
    for (const [path, stored] of entries) {
      placed.push({ group, entry: fromStored(path, stored) });
      groupBytes += stored.s;
    }
    bytes[group] = groupBytes;
    // The plain entries are what the merge needs; a 1M-entry container must not keep 1000 Y.Docs.
    docs.release?.(docName);
  }
  return { placed, summaries, bytes, groupCount: group };
}

interface ApplyInput {
  docs: DocSource;
  /** The container's twin names after this crawl (nameTwins). */
  twinNames: ReadonlyMap<string, string>;
  index: Y.Doc;
  name: string;
  folder: string;
  container: CrawlOptions['container'];
  edits: CrawlEdits;
  old: OldCatalog;
  startedAt: number;
  clock: Clock;
}

async function applyEdits(input: ApplyInput): Promise<CrawlResult> {
  const { docs, index, name, edits, old, twinNames } = input;
  const writes = new Map<number, Entry[]>();
  const removals = new Map<number, string[]>();
  for (const list of [edits.added, edits.changed, edits.updated])
    for (const { group, entry } of list) pushTo(writes, group, entry);
  for (const { group, path } of edits.removed) pushTo(removals, group, path);
  const touched = [...new Set([...writes.keys(), ...removals.keys()])].sort((a, b) => a - b);

  const before = readCrawlState(index);
  const generation = touched.length > 0 ? before.generation + 1 : before.generation;
  const bytes = [...old.bytes];
  // Group docs one at a time (a container of 1M entries must not hold 1000 docs at once), each in
  // one transaction, so a device never sees half of a group's edits.
  for (const group of touched) {
    const docName = groupDocName(name, group);
    const doc = await docs.get(docName);
    doc.transact(() => {
      writeEntries(doc, writes.get(group) ?? [], CRAWLER_ORIGIN);
      removeEntries(doc, removals.get(group) ?? [], CRAWLER_ORIGIN);
      // The names these entries need, with them: a device never sees a twin without its name.
      writeGroupTwinNames(doc, twinNamesFor(entriesMap(doc).keys(), twinNames));
    }, CRAWLER_ORIGIN);
    const entries = entriesMap(doc);
    if (entries.size !== edits.groupCounts[group])
      throw new FerryError(
        'INTERNAL',
        `group ${group} of '${name}' holds ${entries.size} entries after the crawl, the merge expected ${edits.groupCounts[group]}`,
      );
    let groupBytes = 0;
    for (const stored of entries.values()) groupBytes += stored.s;
    bytes[group] = groupBytes;
    docs.release?.(docName);
  }

  const summaries: [number, GroupSummary][] = [];
  const touchedSet = new Set(touched);
  for (let group = 0; group < edits.groupCounts.length; group++) {
    const files = edits.groupCounts[group] ?? 0;
    const groupBytes = bytes[group] ?? 0;
    const stored = old.summaries[group];
    if (touchedSet.has(group)) summaries.push([group, { files, bytes: groupBytes, generation }]);
    else if (stored === undefined || stored.files !== files || stored.bytes !== groupBytes)
      // A summary missing or off (an earlier crawl broke off before the index): repaired.
      summaries.push([group, { files, bytes: groupBytes, generation: stored?.generation ?? generation }]);
  }

  const endedAt = input.clock();
  const changes: CrawlChanges = {
    added: edits.added.length,
    changed: edits.changed.length,
    updated: edits.updated.length,
    removed: edits.removed.length,
    unchanged: edits.unchanged,
  };
  const state: Partial<CrawlState> = {
    running: false,
    generation,
    lastCrawlStart: input.startedAt,
    lastCrawlEnd: endedAt,
    lastChanges: changes,
    lastError: undefined,
    lastErrorAt: undefined,
  };
  index.transact(() => {
    writeGroupSummaries(index, summaries, CRAWLER_ORIGIN);
    writeCrawlState(index, state, CRAWLER_ORIGIN);
    writePartialMeta(index, {
      container: name,
      folder: input.folder,
      groupSize: checkGroupSize(input.container.groupSize),
      account: input.container.account,
      device: input.container.device,
      crawlIntervalMs: input.container.crawlIntervalMs,
    });
  }, CRAWLER_ORIGIN);

  const groups = edits.groupCounts.length;
  let files = 0;
  let totalBytes = 0;
  for (let group = 0; group < groups; group++) {
    files += edits.groupCounts[group] ?? 0;
    totalBytes += bytes[group] ?? 0;
  }
  return {
    container: name,
    ...changes,
    files,
    bytes: totalBytes,
    groups,
    groupsTouched: touched,
    generation,
    startedAt: input.startedAt,
    endedAt,
    durationMs: endedAt - input.startedAt,
  };
}

/** Sets the meta keys the crawl knows, leaving keys it was not told about as they are. */
function writePartialMeta(doc: Y.Doc, meta: Partial<ContainerMeta>): void {
  const map = metaMap(doc);
  for (const [key, value] of Object.entries(meta))
    if (value !== undefined && map.get(key) !== value) map.set(key, value);
}

function pushTo<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw new FerryError(
      'TRANSIENT',
      'the crawl was stopped before its listing completed',
      'nothing was changed; the next crawl starts over',
    );
}

/** Every failure leaves as a FerryError (its code is what status shows). */
function asFerryError(error: unknown, applying: boolean): FerryError {
  if (isFerryError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'AbortError')
    return new FerryError('TRANSIENT', 'the crawl was stopped before its listing completed', undefined, {
      cause: error,
    });
  return new FerryError(
    'INTERNAL',
    `${applying ? 'writing' : 'listing'} the crawl failed: ${message.slice(0, 300)}`,
    undefined,
    { cause: error },
  );
}
