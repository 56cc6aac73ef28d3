import { describe, expect, it } from 'vitest';
import { Slots, sleep } from './slots.js';

describe('Slots', () => {
  it('refuses at once a take whose signal aborted before, even with a slot free', async () => {
    const slots = new Slots(1);
    const stop = new AbortController();
    stop.abort(new Error('device stopping'));
    await expect(slots.take(stop.signal)).rejects.toThrow('device stopping');
    // The free slot was not taken by the refused call.
    const release = await slots.take();
    release();
  });

  it('hands out at most `size` slots and serves waiters in arrival order', async () => {
    const slots = new Slots(2);
    const a = await slots.take();
    const b = await slots.take();
    const order: string[] = [];
    const take = async (name: string) => {
      const release = await slots.take();
      order.push(name);
      return release;
    };
    const c = take('c');
    const d = take('d');
    await Promise.resolve();
    expect(order).toEqual([]);
    b();
    const releaseC = await c;
    expect(order).toEqual(['c']);
    a();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    // Back to two free slots: both taken without waiting.
    await slots.take();
    await slots.take();
  });

  it('a release called twice frees one slot only', async () => {
    const slots = new Slots(1);
    const release = await slots.take();
    release();
    release();
    await slots.take();
    let third = false;
    void slots.take().then(() => {
      third = true;
    });
    await sleep(5);
    expect(third).toBe(false);
  });

  it('an aborted waiter leaves the queue and the slot goes to the next one', async () => {
    const slots = new Slots(1);
    const first = await slots.take();
    const stop = new AbortController();
    const gone = slots.take(stop.signal);
    const next = slots.take();
    stop.abort(new Error('group changed'));
    await expect(gone).rejects.toThrow('group changed');
    first();
    const release = await next;
    release();
  });
});

describe('sleep', () => {
  it('rejects with the reason when aborted, at once when already aborted', async () => {
    const stop = new AbortController();
    const waiting = sleep(60_000, stop.signal);
    stop.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await expect(sleep(10, stop.signal)).rejects.toThrow('stop');
  });
});
