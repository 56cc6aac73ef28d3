import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '@ferry/core';
import { Level } from 'level';
import * as Y from 'yjs';
import { stateFolder } from './identity.js';
import { Ledger, type StringStore } from './ledger.js';
import type { LocalDocs } from './replica.js';

/** A doc with more stored updates than this is rewritten as one update when it is next loaded. */
const COMPACT_AFTER = 64;
/** Updates are stored under `<doc name>#<seq>`; `$` is the character after `#`, closing the range. */
const SEQ_DIGITS = 12;

/** The part of a level 10 sublevel this file uses, typed by its values. */
interface Sub<V> {
  get(key: string): Promise<V | undefined>;
  put(key: string, value: V): Promise<void>;
  del(key: string): Promise<void>;
  keys(): AsyncIterable<string>;
  iterator(range: { gte: string; lt: string }): AsyncIterable<[string, V]>;
  batch(operations: ({ type: 'del'; key: string } | { type: 'put'; key: string; value: V })[]): Promise<void>;
}

/**
 * The device's own state, on the disk it fills (`<disk>/.ferry/db`), so the disk carries its
 * replica wherever it is plugged in: the Yjs docs (as appended updates), the docs edited while the
 * relay was away, and the ledger (part files, content already on the disk).
 */
export class DiskState {
  readonly docs: DiskDocs;
  readonly dirty: StringStore & { keys(): AsyncIterable<string> };
  readonly ledger: Ledger;
  /** Small facts kept across restarts (the last container list, so the device works offline). */
  readonly facts: StringStore;

  private constructor(private readonly level: Level<string, string>) {
    const sub = (name: string) =>
      level.sublevel<string, string>(name, { valueEncoding: 'utf8' }) as unknown as Sub<string>;
    this.docs = new DiskDocs(
      level.sublevel<string, Uint8Array>('docs', { valueEncoding: 'view' }) as unknown as Sub<Uint8Array>,
    );
    this.dirty = storeOf(sub('dirty'));
    this.ledger = new Ledger(storeOf(sub('parts')), storeOf(sub('content')));
    this.facts = storeOf(sub('facts'));
  }

  static async open(diskRoot: string): Promise<DiskState> {
    const folder = stateFolder(diskRoot);
    await mkdir(folder, { recursive: true });
    const level = new Level<string, string>(join(folder, 'db'), { valueEncoding: 'utf8' });
    try {
      await level.open();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED')
        throw new FerryError(
          'CONFLICT',
          `the disk ${diskRoot} is in use by another ferry device`,
          'stop the other device process first',
        );
      throw error;
    }
    return new DiskState(level);
  }

  async close(): Promise<void> {
    await this.docs.close();
    await this.level.close();
  }
}

function storeOf(sub: Sub<string>): StringStore & { keys(): AsyncIterable<string> } {
  return {
    get: (key) => sub.get(key),
    put: (key, value) => sub.put(key, value),
    del: (key) => sub.del(key),
    keys: () => sub.keys(),
  };
}

interface Loaded {
  doc: Y.Doc;
  nextSeq: number;
  /** The last append of this doc; release and close wait for it. */
  written: Promise<void>;
  onUpdate: (update: Uint8Array) => void;
}

/**
 * Yjs docs persisted as their updates, appended as they happen: an edit is on the disk (LevelDB's
 * log) before the next one, whatever kills the process. Loading replays the updates; a doc with
 * many is compacted into one in a single atomic batch.
 */
export class DiskDocs implements LocalDocs {
  private readonly loaded = new Map<string, Promise<Loaded>>();
  /** Docs being released: a get of the same name waits, so it reads every update they wrote. */
  private readonly releasing = new Map<string, Promise<void>>();
  private failure: unknown;

  constructor(private readonly sub: Sub<Uint8Array>) {}

  async get(name: string): Promise<Y.Doc> {
    if (this.failure) throw this.writeFailed();
    for (let released = this.releasing.get(name); released && !this.loaded.has(name); ) {
      await released;
      released = this.releasing.get(name);
    }
    let pending = this.loaded.get(name);
    if (!pending) {
      pending = this.load(name);
      this.loaded.set(name, pending);
      pending.catch(() => this.loaded.delete(name));
    }
    return (await pending).doc;
  }

  /** Unloads a doc (its edits stay on the disk); the next get loads it again. */
  release(name: string): void {
    const pending = this.loaded.get(name);
    if (!pending) return;
    this.loaded.delete(name);
    const done = pending
      .then(async (entry) => {
        entry.doc.off('update', entry.onUpdate);
        await entry.written;
        entry.doc.destroy();
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.releasing.get(name) === done) this.releasing.delete(name);
      });
    this.releasing.set(name, done);
  }

  /** Every update seen so far is on the disk. */
  async flush(): Promise<void> {
    for (const pending of [...this.loaded.values()]) await (await pending).written;
    if (this.failure) throw this.writeFailed();
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    for (const name of [...this.loaded.keys()]) this.release(name);
    await Promise.all([...this.releasing.values()]);
  }

  private async load(name: string): Promise<Loaded> {
    const doc = new Y.Doc({ gc: true });
    const range = { gte: `${name}#`, lt: `${name}$` };
    const keys: string[] = [];
    const updates: Uint8Array[] = [];
    for await (const [key, value] of this.sub.iterator(range)) {
      keys.push(key);
      updates.push(value);
    }
    let nextSeq = 0;
    if (updates.length > 0) {
      Y.applyUpdate(doc, Y.mergeUpdates(updates), this);
      nextSeq = Number(keys[keys.length - 1]?.slice(name.length + 1)) + 1;
    }
    if (updates.length > COMPACT_AFTER) {
      // One batch: the merged update replaces the others, or nothing changes.
      const merged = Y.encodeStateAsUpdate(doc);
      await this.sub.batch([
        ...keys.map((key) => ({ type: 'del' as const, key })),
        { type: 'put' as const, key: seqKey(name, nextSeq), value: merged },
      ]);
      nextSeq++;
    }
    const entry: Loaded = { doc, nextSeq, written: Promise.resolve(), onUpdate: () => {} };
    entry.onUpdate = (update: Uint8Array) => {
      const key = seqKey(name, entry.nextSeq++);
      entry.written = entry.written
        .then(() => this.sub.put(key, update))
        .catch((error) => {
          // A disk that refuses writes must stop the device, not let it run on from memory.
          this.failure ??= error;
        });
    };
    doc.on('update', entry.onUpdate);
    return entry;
  }

  private writeFailed(): FerryError {
    return new FerryError(
      'DISK_IO',
      `the device's state on the disk cannot be written: ${(this.failure as Error)?.message ?? this.failure}`,
      'check the disk (full, read-only, unplugged) and restart the device',
      { cause: this.failure },
    );
  }
}

function seqKey(name: string, seq: number): string {
  return `${name}#${String(seq).padStart(SEQ_DIGITS, '0')}`;
}
