import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type Entry, version } from '../entry.js';
import { mergeCrawl, type PlacedEntry } from '../groups.js';
import { type Random, seededRandom } from '../testing/random.js';
import {
  dueEntries,
  entriesMap,
  fetchedPaths,
  fromStored,
  receiptsKey,
  removeEntries,
  writeEntries,
  writeReceipt,
} from './group-doc.js';
import { groupDocName } from './names.js';

/**
 * Randomized convergence fuzz for a container's group documents, replicated three times: the
 * crawler (relay) and two devices. Every schedule is drawn from one seed: random crawl merges
 * through the real mergeCrawl and group-doc helpers, receipts for due entries (sometimes for an
 * old version), random partitions, out-of-order, duplicated and delayed delivery of both
 * incremental updates and state-vector diffs. A final full exchange must leave every replica with
 * the same state and the same derived "fetched" sets.
 *
 * Replay one schedule:   FERRY_FUZZ_SEED=<seed> npx vitest run core/src/docs/convergence.test.ts
 * Explore more seeds:    FERRY_FUZZ_BASE=<first seed> FERRY_FUZZ_RUNS=<count> npx vitest run ...
 */
const DEVICES = ['disk1', 'disk2'] as const;
const REPLICAS = ['crawler', ...DEVICES] as const;
type Replica = (typeof REPLICAS)[number];
const CONTAINER = 'photos';

interface Message {
  doc: string;
  update: Uint8Array;
}

/** What the test knows for sure, independent of the replicas: the oracle. */
interface Ledger {
  /** The last listing the crawler merged: path -> version. */
  listing: Map<string, string>;
  /** Every version the crawler ever gave a path, for stale receipts. */
  versionsSeen: Map<string, string[]>;
  /**
   * Per device, the last receipt it wrote per group doc and path (one writer per map: the last
   * write wins). Keyed by doc too: receipts live in the group doc, so a path that left the
   * catalog and came back in another group starts without a receipt there.
   */
  lastReceipt: Record<(typeof DEVICES)[number], Map<string, string>>;
  /** Receipts written for a version that was not (or no longer) the crawler's current one. */
  staleReceipts: number;
  /** Receipts that, after the final exchange, name a version other than the current one. */
  staleAtEnd: number;
  crawls: number;
  changed: number;
  removed: number;
  added: number;
}

class Network {
  readonly docs: Record<Replica, Map<string, Y.Doc>> = {
    crawler: new Map(),
    disk1: new Map(),
    disk2: new Map(),
  };
  /** In flight, per directed link `from>to`; delivered in random order, sometimes twice. */
  readonly queues = new Map<string, Message[]>();
  /** Which directed links are up; changed at random (partitions). */
  up = new Set<string>();

  constructor(readonly rng: Random) {
    for (const from of REPLICAS)
      for (const to of REPLICAS) if (from !== to) this.queues.set(`${from}>${to}`, []);
    this.up = new Set(this.queues.keys());
  }

  /** The replica's copy of a document; a local edit is queued to every other replica. */
  doc(replica: Replica, name: string): Y.Doc {
    let doc = this.docs[replica].get(name);
    if (doc === undefined) {
      // A fixed guid: the default is a random uuid, the costliest part of a small doc here.
      doc = new Y.Doc({ guid: `${replica}:${name}` });
      // Fixed client ids keep a schedule replayable from its seed alone.
      doc.clientID = REPLICAS.indexOf(replica) + 1;
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === 'network') return;
        for (const to of REPLICAS) if (to !== replica) this.queue(replica, to, { doc: name, update });
      });
      this.docs[replica].set(name, doc);
    }
    return doc;
  }

  queue(from: Replica, to: Replica, message: Message): void {
    (this.queues.get(`${from}>${to}`) as Message[]).push(message);
  }

  /** A random message on a random live link, applied out of order; sometimes kept for a duplicate. */
  deliverOne(): void {
    const links = [...this.queues].filter(([link, queue]) => queue.length > 0 && this.up.has(link));
    if (links.length === 0) return;
    const [link, queue] = this.rng.pick(links);
    const i = this.rng.int(queue.length);
    const message = queue[i] as Message;
    if (!this.rng.chance(0.15)) queue.splice(i, 1);
    const to = link.split('>')[1] as Replica;
    Y.applyUpdate(this.doc(to, message.doc), message.update, 'network');
  }

  /**
   * A sync step: `to` tells `from` its state vector for one document, `from` queues the diff.
   * The diff travels like any message, so it can arrive late, twice, or after newer edits.
   */
  queueDiff(): void {
    const from = this.rng.pick(REPLICAS);
    const to = this.rng.pick(REPLICAS.filter((r) => r !== from));
    const names = [...this.docs[from].keys()];
    if (names.length === 0) return;
    const name = this.rng.pick(names);
    const vector = Y.encodeStateVector(this.doc(to, name));
    this.queue(from, to, { doc: name, update: Y.encodeStateAsUpdate(this.doc(from, name), vector) });
  }

  partition(): void {
    this.up = new Set([...this.queues.keys()].filter(() => this.rng.chance(0.5)));
  }

  /**
   * Heals the network: some of what is still in flight arrives late (in random order), the rest
   * is lost; then a full pairwise state-vector exchange, which must repair both.
   */
  settle(): void {
    this.up = new Set(this.queues.keys());
    for (let late = this.rng.int(12); late > 0; late--) this.deliverOne();
    for (const queue of this.queues.values()) queue.length = 0;
    const names = new Set(REPLICAS.flatMap((r) => [...this.docs[r].keys()]));
    for (const name of names)
      for (const [a, b] of [
        ['crawler', 'disk1'],
        ['crawler', 'disk2'],
        ['disk1', 'disk2'],
      ] as const) {
        const docA = this.doc(a, name);
        const docB = this.doc(b, name);
        Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA, Y.encodeStateVector(docB)), 'network');
        Y.applyUpdate(docA, Y.encodeStateAsUpdate(docB, Y.encodeStateVector(docA)), 'network');
      }
  }
}

const md5 = (rng: Random): string =>
  Array.from({ length: 32 }, () => '0123456789abcdef'[rng.int(16)]).join('');

function randomEntry(rng: Random, path: string): Entry {
  if (rng.chance(0.5)) return { path, size: rng.int(4), mtime: rng.int(4), isDir: false };
  return { path, size: rng.int(4), mtime: rng.int(4), isDir: false, hash: md5(rng), hashType: 'md5' };
}

/** The crawler's catalog as its own replica holds it (it is the only writer of `entries`). */
function crawlerCatalog(net: Network): PlacedEntry[] {
  const placed: PlacedEntry[] = [];
  for (let group = 0; ; group++) {
    const doc = net.docs.crawler.get(groupDocName(CONTAINER, group));
    if (doc === undefined) break;
    for (const [path, stored] of entriesMap(doc)) placed.push({ group, entry: fromStored(path, stored) });
  }
  return placed;
}

/** A re-crawl: each known path is kept, changed (new version or same hash, new mtime) or dropped. */
function crawl(net: Network, ledger: Ledger, pool: string[], groupSize: number): void {
  const { rng } = net;
  const old = crawlerCatalog(net);
  const byPath = new Map(old.map((p) => [p.entry.path, p.entry]));
  const listing: Entry[] = [];
  for (const path of rng.shuffle(pool)) {
    const before = byPath.get(path);
    if (before === undefined) {
      if (rng.chance(0.35)) listing.push(randomEntry(rng, path));
    } else if (rng.chance(0.12)) {
      // removed: not listed
    } else if (rng.chance(0.2)) listing.push(randomEntry(rng, path));
    else if (rng.chance(0.1)) listing.push({ ...before, mtime: before.mtime + 1 + rng.int(3) });
    else listing.push({ ...before });
  }
  const edits = mergeCrawl(old, listing, { groupSize });
  ledger.listing = new Map(listing.map((entry) => [entry.path, version(entry)]));
  for (const { group, entry } of [...edits.changed, ...edits.updated]) {
    const was = old.find((p) => p.entry.path === entry.path);
    expect(was?.group, 'a re-crawl never moves a path').toBe(group);
  }
  const writes = new Map<number, Entry[]>();
  const removals = new Map<number, string[]>();
  for (const { group, entry } of [...edits.added, ...edits.changed, ...edits.updated]) {
    writes.set(group, [...(writes.get(group) ?? []), entry]);
    const seen = ledger.versionsSeen.get(entry.path) ?? [];
    ledger.versionsSeen.set(entry.path, [...seen, version(entry)]);
  }
  for (const { group, path } of edits.removed) removals.set(group, [...(removals.get(group) ?? []), path]);
  const groups = new Set([...writes.keys(), ...removals.keys()]);
  for (const group of [...groups].sort((a, b) => a - b)) {
    const doc = net.doc('crawler', groupDocName(CONTAINER, group));
    // One transaction per group doc, as the relay's crawler does: one update per group.
    doc.transact(() => {
      writeEntries(doc, writes.get(group) ?? []);
      removeEntries(doc, removals.get(group) ?? []);
    }, 'crawler');
  }
  ledger.crawls++;
  ledger.changed += edits.changed.length;
  ledger.removed += edits.removed.length;
  ledger.added += edits.added.length;
}

/** A device works on one group as its replica shows it: receipts for some due entries. */
function fetchSome(net: Network, ledger: Ledger, device: (typeof DEVICES)[number]): void {
  const { rng } = net;
  const names = [...net.docs[device].keys()];
  if (names.length === 0) return;
  const name = rng.pick(names);
  const doc = net.doc(device, name);
  for (const entry of dueEntries(doc, device)) {
    if (!rng.chance(0.6)) continue;
    let ver = version(entry);
    // Sometimes the disk holds an older copy (a download that started before the change).
    const history = ledger.versionsSeen.get(entry.path) ?? [];
    if (history.length > 1 && rng.chance(0.25)) ver = rng.pick(history.slice(0, -1));
    const current = ledger.versionsSeen.get(entry.path)?.at(-1);
    if (ver !== current) ledger.staleReceipts++;
    writeReceipt(doc, device, entry.path, ver);
    ledger.lastReceipt[device].set(receiptKey(name, entry.path), ver);
  }
}

const receiptKey = (doc: string, path: string): string => `${doc}\u0000${path}`;

function runSchedule(seed: number): Ledger {
  const rng = seededRandom(seed);
  const net = new Network(rng);
  const ledger: Ledger = {
    listing: new Map(),
    versionsSeen: new Map(),
    lastReceipt: { disk1: new Map(), disk2: new Map() },
    staleReceipts: 0,
    staleAtEnd: 0,
    crawls: 0,
    changed: 0,
    removed: 0,
    added: 0,
  };
  const pool = Array.from({ length: 6 + rng.int(14) }, (_, i) => `dir${i % 3}/file${i}`);
  const groupSize = 1 + rng.int(4);
  crawl(net, ledger, pool, groupSize);
  const steps = 30 + rng.int(50);
  for (let step = 0; step < steps; step++) {
    const roll = rng.next();
    if (roll < 0.12) crawl(net, ledger, pool, groupSize);
    else if (roll < 0.32) fetchSome(net, ledger, rng.pick(DEVICES));
    else if (roll < 0.42) net.queueDiff();
    else if (roll < 0.48) net.partition();
    else net.deliverOne();
  }
  net.settle();
  checkConverged(net, ledger);
  return ledger;
}

/**
 * toEqual with a cheap comparison first: vitest's expect is the costliest part of checking
 * thousands of small states, so it only runs (for its diff) when the states differ.
 */
function agree(actual: unknown, expected: unknown, message: string): void {
  const plain = (value: unknown) => (value instanceof Uint8Array ? [...value] : value);
  if (JSON.stringify(plain(actual)) !== JSON.stringify(plain(expected)))
    expect(plain(actual), message).toEqual(plain(expected));
}

function checkConverged(net: Network, ledger: Ledger): void {
  const names = [...net.docs.crawler.keys()].sort();
  for (const replica of DEVICES) agree([...net.docs[replica].keys()].sort(), names, `${replica}'s documents`);
  const mapKeys = ['entries', ...DEVICES.map(receiptsKey)];
  /** path -> its entry and the group doc that holds it. */
  const catalog = new Map<string, { doc: string; entry: Entry }>();
  for (const name of names) {
    const reference = net.doc('crawler', name);
    const vector = Y.encodeStateVector(reference);
    const json = JSON.stringify(mapKeys.map((key) => sortedJson(reference.getMap(key))));
    for (const replica of REPLICAS) {
      const doc = net.doc(replica, name);
      if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null)
        expect.fail(`${replica} ${name}: updates stuck waiting for missing ones`);
      agree(Y.encodeStateVector(doc), vector, `${replica} ${name}: state vector`);
      agree(
        JSON.stringify(mapKeys.map((key) => sortedJson(doc.getMap(key)))),
        json,
        `${replica} ${name}: maps`,
      );
    }
    for (const [path, stored] of entriesMap(reference)) {
      if (catalog.has(path)) expect.fail(`${path} sits in two groups`);
      catalog.set(path, { doc: name, entry: fromStored(path, stored) });
    }
  }
  // The catalog every replica agrees on is the crawler's last listing.
  const agreed = [...catalog].map(([path, { entry }]) => [path, version(entry)]);
  agree(agreed.sort(), [...ledger.listing].sort(), "the catalog against the crawler's last listing");

  for (const device of DEVICES) {
    // Expected from the oracle: fetched means the device's last receipt is the current version.
    const expected = [...catalog]
      .filter(
        ([path, { doc, entry }]) => ledger.lastReceipt[device].get(receiptKey(doc, path)) === version(entry),
      )
      .map(([path]) => path)
      .sort();
    for (const replica of REPLICAS) {
      const derived = names.flatMap((name) => [...fetchedPaths(net.doc(replica, name), device)]).sort();
      agree(derived, expected, `${replica}'s view of ${device}'s fetched files`);
    }
    // A receipt for an old version never counts for the new one.
    const own = new Set(names.flatMap((name) => [...fetchedPaths(net.doc(device, name), device)]));
    for (const [key, receipt] of ledger.lastReceipt[device]) {
      const [doc, path] = key.split('\u0000') as [string, string];
      const current = catalog.get(path);
      if (current?.doc === doc && receipt !== version(current.entry)) {
        ledger.staleAtEnd++;
        if (own.has(path))
          expect.fail(`${device}: a receipt for an old version of ${path} counts as fetched`);
      }
    }
  }
}

function sortedJson(map: Y.Map<unknown>): [string, unknown][] {
  return [...map.entries()]
    .map(([key, value]): [string, unknown] => [key, value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function seedsToRun(): number[] {
  const env = typeof process === 'undefined' ? {} : process.env;
  if (env.FERRY_FUZZ_SEED !== undefined) return [Number(env.FERRY_FUZZ_SEED)];
  const base = Number(env.FERRY_FUZZ_BASE ?? 1);
  const runs = Number(env.FERRY_FUZZ_RUNS ?? 200);
  return Array.from({ length: runs }, (_, i) => base + i);
}

describe('group docs converge', () => {
  it('on three replicas under random crawls, receipts, partitions and delivery orders', () => {
    const totals = {
      schedules: 0,
      crawls: 0,
      changed: 0,
      removed: 0,
      added: 0,
      staleReceipts: 0,
      staleAtEnd: 0,
    };
    for (const seed of seedsToRun()) {
      let ledger: Ledger;
      try {
        ledger = runSchedule(seed);
      } catch (error) {
        const replay = `FERRY_FUZZ_SEED=${seed} npx vitest run core/src/docs/convergence.test.ts`;
        console.error(`convergence fuzz failed for seed ${seed}; replay: ${replay}`);
        throw new Error(`seed ${seed} (replay: ${replay}): ${(error as Error).message}`, { cause: error });
      }
      totals.schedules++;
      totals.crawls += ledger.crawls;
      totals.changed += ledger.changed;
      totals.removed += ledger.removed;
      totals.added += ledger.added;
      totals.staleReceipts += ledger.staleReceipts;
      totals.staleAtEnd += ledger.staleAtEnd;
    }
    // The schedules did exercise what they claim to (not an empty run that passes by default).
    if (totals.schedules >= 50) {
      expect(totals.changed).toBeGreaterThan(0);
      expect(totals.removed).toBeGreaterThan(0);
      expect(totals.staleReceipts).toBeGreaterThan(0);
      expect(totals.staleAtEnd).toBeGreaterThan(0);
    }
  });
});
