import * as Y from 'yjs';
import type { DocSource } from './crawl.js';
import type { Timers } from './scheduler.js';

/** A DocSource over plain in-memory Y.Docs, for tests of the crawler without LevelDB. */
export class MapDocs implements DocSource {
  readonly docs = new Map<string, Y.Doc>();

  async get(name: string): Promise<Y.Doc> {
    let doc = this.docs.get(name);
    if (doc === undefined) {
      doc = new Y.Doc();
      this.docs.set(name, doc);
    }
    return doc;
  }

  async has(name: string): Promise<boolean> {
    return this.docs.has(name);
  }

  /** Every doc's full state, to prove a failed crawl changed nothing (byte for byte). */
  snapshot(prefix = ''): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [name, doc] of this.docs)
      if (name.startsWith(prefix)) out.set(name, Y.encodeStateAsUpdate(doc));
    return out;
  }
}

/** Timers and a clock moved by hand: tests never sleep. */
export class ManualTimers implements Timers {
  now: number;
  #nextId = 1;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.now = start;
  }

  readonly clock = (): number => this.now;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#pending.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Moves the clock forward, firing every timer that comes due, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let first: [number, { at: number; callback: () => void }] | undefined;
      for (const item of this.#pending)
        if (item[1].at <= end && (!first || item[1].at < first[1].at)) first = item;
      if (first === undefined) break;
      this.#pending.delete(first[0]);
      this.now = Math.max(this.now, first[1].at);
      first[1].callback();
    }
    this.now = end;
  }
}

/** Lets pending promise chains run (no wall-clock wait) until `done()` holds. */
export async function until(done: () => boolean, what = 'condition'): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}
