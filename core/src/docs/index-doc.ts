import type * as Y from 'yjs';

/**
 * The container index `c/<container>`, written by the crawler only: what the container is, how its
 * crawls went, and one summary per group, so the panel and the devices never need a group doc to
 * know sizes and which group changed.
 */
export interface ContainerMeta {
  container: string;
  account: string;
  folder: string;
  device: string;
  groupSize: number;
  crawlIntervalMs: number;
}

export interface CrawlState {
  /** Bumped by every crawl that completed and changed at least one entry. */
  generation: number;
  lastCrawlStart?: number;
  lastCrawlEnd?: number;
  nextCrawl?: number;
  /** `FERRY_<CODE>: message` of the last failed crawl, cleared by the next good one. */
  lastError?: string;
  /** When that failed crawl stopped (ms since the epoch); cleared with lastError. */
  lastErrorAt?: number;
  /** What the last completed crawl found, compared with the catalog before it. */
  lastChanges?: { added: number; changed: number; updated: number; removed: number; unchanged: number };
  running: boolean;
}

export interface GroupSummary {
  files: number;
  bytes: number;
  /** The crawl generation that last changed this group: a device skips groups it finished since. */
  generation: number;
}

export const metaMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('meta');
export const crawlMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('crawl');
export const groupsMap = (doc: Y.Doc): Y.Map<GroupSummary> => doc.getMap<GroupSummary>('groups');

export function writeMeta(doc: Y.Doc, meta: ContainerMeta, origin: unknown = 'crawler'): void {
  const map = metaMap(doc);
  doc.transact(() => {
    for (const [key, value] of Object.entries(meta)) if (map.get(key) !== value) map.set(key, value);
  }, origin);
}

export function readMeta(doc: Y.Doc): ContainerMeta | undefined {
  const map = metaMap(doc);
  if (!map.has('container')) return undefined;
  return Object.fromEntries(map.entries()) as unknown as ContainerMeta;
}

export function writeCrawlState(doc: Y.Doc, state: Partial<CrawlState>, origin: unknown = 'crawler'): void {
  const map = crawlMap(doc);
  doc.transact(() => {
    for (const [key, value] of Object.entries(state)) {
      if (value === undefined) map.delete(key);
      else if (map.get(key) !== value) map.set(key, value);
    }
  }, origin);
}

export function readCrawlState(doc: Y.Doc): CrawlState {
  const map = crawlMap(doc);
  return { generation: 0, running: false, ...Object.fromEntries(map.entries()) } as CrawlState;
}

/** Sets the summaries of the groups given (key = group number). */
export function writeGroupSummaries(
  doc: Y.Doc,
  summaries: Iterable<[number, GroupSummary]>,
  origin: unknown = 'crawler',
): void {
  const map = groupsMap(doc);
  doc.transact(() => {
    for (const [group, summary] of summaries) map.set(String(group), summary);
  }, origin);
}

/** Group summaries in group order; a group number never seen reads as an empty group. */
export function readGroupSummaries(doc: Y.Doc): GroupSummary[] {
  const out: GroupSummary[] = [];
  for (const [key, summary] of groupsMap(doc)) out[Number(key)] = summary;
  for (let g = 0; g < out.length; g++) out[g] ??= { files: 0, bytes: 0, generation: 0 };
  return out;
}

/**
 * `twins`: the crawler's names for the cloud paths that would share a disk path with another one
 * on the strictest disk (core/src/twins.ts nameTwins): path → '' (keeps its own safe name) or the
 * name of its last segment. Usually empty. (`true`, from an earlier layout, reads as ''.)
 */
export const twinsMap = (doc: Y.Doc): Y.Map<string | true> => doc.getMap<string | true>('twins');

/** Writes the crawl's twin names: only the keys that changed, in one transaction. */
export function writeTwinNames(
  doc: Y.Doc,
  names: ReadonlyMap<string, string>,
  origin: unknown = 'crawler',
): void {
  const map = twinsMap(doc);
  const gone = [...map.keys()].filter((path) => !names.has(path));
  const changed = [...names].filter(([path, name]) => map.get(path) !== name);
  if (gone.length === 0 && changed.length === 0) return;
  doc.transact(() => {
    for (const path of gone) map.delete(path);
    for (const [path, name] of changed) map.set(path, name);
  }, origin);
}

export function readTwinNames(doc: Y.Doc): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, name] of twinsMap(doc)) out.set(path, typeof name === 'string' ? name : '');
  return out;
}
