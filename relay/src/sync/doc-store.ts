import { FerryError } from '@ferry/core';
import type { Level } from 'level';
import * as Y from 'yjs';
import type { RelayDb } from '../db.js';

/** Name of the LevelDB sublevel that holds every Yjs document of the relay. */
export const DOCS_SUBLEVEL = 'docs';
/** Digits of the per-document update counter in a key: `<name>!000000000042`. */
const SEQ_WIDTH = 12;
/** Sorts right after `!`: the exclusive upper bound of one document's key range. */
const AFTER_SEPARATOR = '"';

/** The part of a pino logger the store uses. */
export interface DocStoreLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface LevelDocStoreOptions {
  /** A document is compacted once it has more stored updates than this (default 100). */
  compactAbove?: number;
  /** How often compaction runs over the documents touched by this process (default 60 s). */
  compactEveryMs?: number;
  logger?: DocStoreLogger;
  /** Backoff of a failed write: first delay, cap, and how many tries close() still makes. */
  retry?: { firstMs?: number; maxMs?: number; attemptsOnClose?: number };
}

/** A document held open by a user of it (a websocket): release() when done. */
export interface DocHandle {
  doc: Y.Doc;
  release(): void;
}

/** Origin of the transaction that replays stored updates: not written back. */
const LOADING = Symbol('doc-store-loading');

interface Slot {
  name: string;
  /** Held while in use; demoted to `weak` when released (whoever still holds the doc keeps it alive). */
  strong: Y.Doc | undefined;
  weak: WeakRef<Y.Doc> | undefined;
  loading: Promise<Y.Doc> | undefined;
  /** lastSeq and stored were read from the db (they are kept by this process from then on). */
  known: boolean;
  lastSeq: number;
  stored: number;
  /** Updates not yet written, and the ones being written right now. */
  queue: Uint8Array[];
  inflight: Uint8Array[];
  draining: Promise<void> | undefined;
  compactWanted: boolean;
  users: number;
  releaseWhenIdle: boolean;
}

const seqKey = (name: string, seq: number): string => `${name}!${String(seq).padStart(SEQ_WIDTH, '0')}`;
const rangeOf = (name: string) => ({ gte: `${name}!`, lt: `${name}${AFTER_SEPARATOR}` });
const nameOfKey = (key: string): string => key.slice(0, key.lastIndexOf('!'));

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });

/**
 * The relay's Yjs documents on its LevelDB (`docs` sublevel). Every change to a loaded document is
 * appended as one update under `<name>!<seq>`; loading replays them. Compaction replaces a
 * document's updates by one (its full state) in a single atomic batch. A failed write is logged
 * and retried with backoff, never dropped: flush() waits for it, close() reports it.
 */
export class LevelDocStore {
  /** The `docs` sublevel (values are raw Yjs updates); tests inject write faults here. */
  readonly level;
  readonly #slots = new Map<string, Slot>();
  readonly #compactAbove: number;
  readonly #logger: DocStoreLogger | undefined;
  readonly #retry: { firstMs: number; maxMs: number; attemptsOnClose: number };
  readonly #timer: NodeJS.Timeout;
  #closing = false;
  #closed = false;

  constructor(level: Level<string, unknown>, options: LevelDocStoreOptions = {}) {
    this.level = level.sublevel<string, Uint8Array>(DOCS_SUBLEVEL, { valueEncoding: 'view' });
    this.#compactAbove = options.compactAbove ?? 100;
    this.#logger = options.logger;
    this.#retry = {
      firstMs: options.retry?.firstMs ?? 100,
      maxMs: options.retry?.maxMs ?? 10_000,
      attemptsOnClose: options.retry?.attemptsOnClose ?? 3,
    };
    this.#timer = setInterval(() => this.#maintain(), options.compactEveryMs ?? 60_000);
    this.#timer.unref();
  }

  /** The store on the relay's one LevelDB (what startRelay's openDocStore expects). */
  static open(db: RelayDb, options?: LevelDocStoreOptions): LevelDocStore {
    return new LevelDocStore(db.level, options);
  }

  /**
   * The document, loaded from its stored updates the first time (concurrent calls share one
   * load and get the same Y.Doc). A name never written reads as an empty document.
   */
  async get(name: string): Promise<Y.Doc> {
    this.#assertOpen();
    const slot = this.#slot(name);
    const alive = slot.strong ?? slot.weak?.deref();
    if (alive !== undefined) {
      slot.strong = alive;
      return alive;
    }
    if (slot.loading === undefined) {
      slot.loading = this.#load(slot).finally(() => {
        slot.loading = undefined;
      });
    }
    return slot.loading;
  }

  /** get() for a long-lived user (a websocket): the store keeps the doc in memory until released. */
  async open(name: string): Promise<DocHandle> {
    const doc = await this.get(name);
    const slot = this.#slot(name);
    slot.users++;
    let released = false;
    return {
      doc,
      release: () => {
        if (released) return;
        released = true;
        slot.users--;
        if (slot.users === 0) this.release(name);
      },
    };
  }

  /** Whether anything was ever written to the document (stored, pending, or in memory). */
  async has(name: string): Promise<boolean> {
    const slot = this.#slots.get(name);
    if (slot !== undefined) {
      if (slot.queue.length > 0 || slot.inflight.length > 0) return true;
      const doc = slot.strong ?? slot.weak?.deref();
      if (doc !== undefined && doc.store.clients.size > 0) return true;
    }
    const keys = await this.level.keys({ ...rangeOf(name), limit: 1 }).all();
    return keys.length > 0;
  }

  /** Names of the stored (or changed in memory) documents starting with `prefix`, sorted. */
  async list(prefix = ''): Promise<string[]> {
    const names = new Set<string>();
    for await (const key of this.level.keys({ gte: prefix, lt: `${prefix}\uffff` }))
      names.add(nameOfKey(key));
    for (const slot of this.#slots.values()) {
      if (!slot.name.startsWith(prefix)) continue;
      const doc = slot.strong ?? slot.weak?.deref();
      if (slot.queue.length > 0 || (doc !== undefined && doc.store.clients.size > 0)) names.add(slot.name);
    }
    return [...names].sort();
  }

  /** Resolves once every update made so far is written (a failing write keeps it waiting). */
  async flush(): Promise<void> {
    for (;;) {
      const pending = [...this.#slots.values()].flatMap((slot) => slot.draining ?? []);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** flush() for one document. */
  async flushDoc(name: string): Promise<void> {
    const slot = this.#slots.get(name);
    while (slot?.draining !== undefined) await slot.draining;
  }

  /**
   * Lets the document leave memory once no open() handle uses it and its writes are done. Whoever
   * still holds the Y.Doc keeps using the same instance: get() hands it out again while it lives.
   */
  release(name: string): void {
    const slot = this.#slots.get(name);
    if (slot === undefined || slot.users > 0) return;
    if (slot.draining !== undefined || slot.queue.length > 0) {
      slot.releaseWhenIdle = true;
      return;
    }
    this.#demote(slot);
  }

  /** Compacts one document now if it has more than one stored update (tests, tools). */
  async compact(name: string): Promise<void> {
    const slot = this.#slot(name);
    slot.compactWanted = true;
    this.#kick(slot);
    await this.flushDoc(name);
  }

  /** Updates not yet on disk, of one document or of all. */
  pending(name?: string): number {
    const slots = name === undefined ? [...this.#slots.values()] : [this.#slots.get(name)];
    return slots.reduce((sum, slot) => sum + (slot ? slot.queue.length + slot.inflight.length : 0), 0);
  }

  /** Whether the store itself keeps the document in memory (not yet released). */
  isHeld(name: string): boolean {
    return this.#slots.get(name)?.strong !== undefined;
  }

  /** How many updates are stored for a document (known once it was loaded or written). */
  async storedUpdates(name: string): Promise<number> {
    return (await this.level.keys(rangeOf(name)).all()).length;
  }

  /** Compacts what needs it, writes everything pending, and refuses further use. */
  async close(): Promise<void> {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    clearInterval(this.#timer);
    for (const slot of this.#slots.values())
      if (slot.stored > this.#compactAbove) {
        slot.compactWanted = true;
        this.#kick(slot);
      }
    try {
      await this.flush();
    } finally {
      this.#closed = true;
    }
  }

  /** Periodic: compact documents with too many updates, demote idle ones nobody holds open. */
  #maintain(): void {
    for (const slot of this.#slots.values()) {
      if (slot.stored > this.#compactAbove) {
        slot.compactWanted = true;
        this.#kick(slot);
      }
      if (slot.users === 0) this.release(slot.name);
    }
  }

  #assertOpen(): void {
    if (this.#closing || this.#closed)
      throw new FerryError('INTERNAL', 'the document store is closed', 'the relay is shutting down');
  }

  #slot(name: string): Slot {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      slot = {
        name,
        strong: undefined,
        weak: undefined,
        loading: undefined,
        known: false,
        lastSeq: -1,
        stored: 0,
        queue: [],
        inflight: [],
        draining: undefined,
        compactWanted: false,
        users: 0,
        releaseWhenIdle: false,
      };
      this.#slots.set(name, slot);
    }
    return slot;
  }

  async #load(slot: Slot): Promise<Y.Doc> {
    const stored = await this.level.iterator(rangeOf(slot.name)).all();
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const [, update] of stored) Y.applyUpdate(doc, update);
      // Writes of an earlier instance of this doc that are not on disk yet.
      for (const update of [...slot.inflight, ...slot.queue]) Y.applyUpdate(doc, update);
    }, LOADING);
    if (!slot.known) {
      slot.known = true;
      slot.stored = stored.length;
      const last = stored.at(-1);
      slot.lastSeq = last === undefined ? -1 : Number(last[0].slice(last[0].lastIndexOf('!') + 1));
    }
    doc.on('update', (update: Uint8Array) => this.#append(slot, update));
    slot.strong = doc;
    slot.weak = undefined;
    return doc;
  }

  #append(slot: Slot, update: Uint8Array): void {
    if (this.#closed) {
      this.#logger?.warn(
        { doc: slot.name, bytes: update.length },
        'update after the document store closed: not saved',
      );
      return;
    }
    slot.queue.push(update);
    this.#kick(slot);
  }

  #kick(slot: Slot): void {
    if (slot.draining !== undefined) return;
    const draining = this.#drain(slot).then(
      () => {
        slot.draining = undefined;
        if (slot.queue.length > 0 && !this.#closed) this.#kick(slot);
        else if (slot.releaseWhenIdle && slot.users === 0) this.#demote(slot);
      },
      (error: unknown) => {
        slot.draining = undefined;
        throw error;
      },
    );
    // Only close() gives up on a write; its flush() sees the rejection, nobody else waits for it.
    draining.catch(() => undefined);
    slot.draining = draining;
  }

  async #drain(slot: Slot): Promise<void> {
    // Start on the next microtask: the changes of one synchronous burst go out as one write.
    await Promise.resolve();
    if (!slot.known) {
      const keys = await this.#retrying(slot, 'read', () => this.level.keys(rangeOf(slot.name)).all());
      if (!slot.known) {
        slot.known = true;
        slot.stored = keys.length;
        const last = keys.at(-1);
        slot.lastSeq = last === undefined ? -1 : Number(last.slice(last.lastIndexOf('!') + 1));
      }
    }
    while (slot.queue.length > 0 || slot.compactWanted) {
      if (slot.queue.length > 0) {
        slot.inflight = slot.queue;
        slot.queue = [];
        const update =
          slot.inflight.length === 1 ? (slot.inflight[0] as Uint8Array) : Y.mergeUpdates(slot.inflight);
        const seq = slot.lastSeq + 1;
        try {
          await this.#retrying(slot, 'write', () =>
            this.level.batch([{ type: 'put', key: seqKey(slot.name, seq), value: update }]),
          );
        } catch (error) {
          // Given up (only while closing): keep the updates for the report and for a later flush.
          slot.queue = [...slot.inflight, ...slot.queue];
          slot.inflight = [];
          throw error;
        }
        slot.inflight = [];
        slot.lastSeq = seq;
        slot.stored++;
      } else {
        slot.compactWanted = false;
        if (slot.stored > 1) await this.#retrying(slot, 'compact', () => this.#compactNow(slot));
      }
    }
  }

  /** Replaces the stored updates of a document by its full state: one atomic batch. */
  async #compactNow(slot: Slot): Promise<void> {
    const stored = await this.level.iterator(rangeOf(slot.name)).all();
    const last = stored.at(-1);
    if (last === undefined || stored.length < 2) {
      slot.stored = stored.length;
      return;
    }
    // The live doc holds everything stored (and maybe more, written again later: harmless).
    let doc = slot.strong ?? slot.weak?.deref();
    let scratch: Y.Doc | undefined;
    if (doc === undefined) {
      scratch = new Y.Doc();
      const target = scratch;
      target.transact(() => {
        for (const [, update] of stored) Y.applyUpdate(target, update);
      });
      doc = scratch;
    }
    const merged = Y.encodeStateAsUpdate(doc);
    scratch?.destroy();
    await this.level.batch([
      ...stored.slice(0, -1).map(([key]) => ({ type: 'del' as const, key })),
      { type: 'put' as const, key: last[0], value: merged },
    ]);
    slot.stored = 1;
  }

  async #retrying<T>(slot: Slot, what: string, action: () => Promise<T>): Promise<T> {
    let delay = this.#retry.firstMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        const pending = slot.queue.length + slot.inflight.length;
        this.#logger?.warn(
          { doc: slot.name, attempt, pending, message: String((error as Error)?.message ?? error) },
          `document store ${what} failed; retrying`,
        );
        if (this.#closing && attempt >= this.#retry.attemptsOnClose)
          throw new FerryError(
            'INTERNAL',
            `the document store could not ${what} '${slot.name}' (${pending} update(s) not saved): ${String((error as Error)?.message ?? error)}`,
            'check the data folder (disk full? permissions?) and restart the relay',
            { cause: error },
          );
        await sleep(delay);
        delay = Math.min(this.#retry.maxMs, delay * 2);
      }
    }
  }

  #demote(slot: Slot): void {
    slot.releaseWhenIdle = false;
    if (slot.strong === undefined) return;
    slot.weak = new WeakRef(slot.strong);
    slot.strong = undefined;
  }
}
