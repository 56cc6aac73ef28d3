import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { untilDocUpdate } from './worker.js';

/** Whether the promise settled once pending microtasks ran (no timer fires under fake timers). */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return settled;
}

describe('untilDocUpdate (a worker with nothing to do)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns at once when the stop came before the wait (a stop during the part sweep)', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    stop.abort(new Error('device stopping'));
    expect(await settledNow(untilDocUpdate(new Y.Doc(), 60_000, stop.signal))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('returns on an abort, on an update of the doc, or after the time, and leaves no timer', async () => {
    vi.useFakeTimers();
    const doc = new Y.Doc();

    const stop = new AbortController();
    const aborted = untilDocUpdate(doc, 60_000, stop.signal);
    expect(await settledNow(aborted)).toBe(false);
    stop.abort();
    expect(await settledNow(aborted)).toBe(true);

    const updated = untilDocUpdate(doc, 60_000, new AbortController().signal);
    expect(await settledNow(updated)).toBe(false);
    doc.getMap('summary').set('generation', 2);
    expect(await settledNow(updated)).toBe(true);

    const timedOut = untilDocUpdate(doc, 60_000, new AbortController().signal);
    vi.advanceTimersByTime(59_999);
    expect(await settledNow(timedOut)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await settledNow(timedOut)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
