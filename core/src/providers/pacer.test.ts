import { describe, expect, it } from 'vitest';
import { FerryError, isFerryError, RateLimitedError } from '../errors.js';
import { Pacer, type PacerClock, pacerFromOptions, pacerOptionSpecs } from './pacer.js';

/**
 * Virtual time: a sleep resolves once every other pending promise has settled (setImmediate), the
 * earliest first, and moves the clock to its wake-up time. Tests are instant and exact.
 */
function fakeClock(): PacerClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  const timers: { at: number; wake: () => void }[] = [];
  let pumping = false;
  const pump = () => {
    if (pumping) return;
    pumping = true;
    setImmediate(() => {
      pumping = false;
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (next === undefined) return;
      now = Math.max(now, next.at);
      next.wake();
      if (timers.length > 0) pump();
    });
  };
  return {
    sleeps,
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        sleeps.push(ms);
        timers.push({ at: now + ms, wake: resolve });
        pump();
      }),
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('Pacer', () => {
  it('runs at most `concurrency` calls at once, in the order they asked', async () => {
    const pacer = new Pacer({ concurrency: 2, minIntervalMs: 0, clock: fakeClock() });
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let peak = 0;
    const runs = gates.map((gate, i) =>
      pacer.run(async () => {
        started.push(i);
        peak = Math.max(peak, pacer.active);
        await gate.promise;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(pacer.active).toBe(0);
  });

  it('spaces the starts of calls by minIntervalMs', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ concurrency: 4, minIntervalMs: 100, clock });
    const starts: number[] = [];
    await Promise.all([1, 2, 3].map(() => pacer.run(async () => starts.push(clock.now()))));
    expect(starts).toEqual([0, 100, 200]);
  });

  it('pauses the whole account for the Retry-After of a RATE_LIMITED answer, then retries', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ concurrency: 2, minIntervalMs: 0, clock });
    let calls = 0;
    const limited = pacer.run(async () => {
      calls++;
      if (calls === 1) throw new RateLimitedError('slow down', 500);
      return clock.now();
    });
    expect(await limited).toBe(500);
    expect(calls).toBe(2);
    // A call that comes later waits for nothing more: the pause is over.
    expect(await pacer.run(async () => clock.now())).toBe(500);
  });

  it('backs off exponentially when no Retry-After is given, and gives up after `retries`', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ concurrency: 1, minIntervalMs: 0, clock, retries: 2, backoffMs: 100 });
    let calls = 0;
    const error = await pacer
      .run(async () => {
        calls++;
        throw new RateLimitedError('no');
      })
      .catch((e: unknown) => e);
    expect(isFerryError(error, 'RATE_LIMITED')).toBe(true);
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('hands a Retry-After longer than maxWaitMs to the caller without sleeping', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ concurrency: 1, minIntervalMs: 0, clock, maxWaitMs: 10_000 });
    const error = await pacer
      .run(async () => {
        throw new RateLimitedError('come back in two minutes', 120_000);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(120_000);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not retry other errors', async () => {
    const pacer = new Pacer({ concurrency: 1, minIntervalMs: 0, clock: fakeClock() });
    let calls = 0;
    const error = await pacer
      .run(async () => {
        calls++;
        throw new FerryError('NOT_FOUND', 'gone');
      })
      .catch((e: unknown) => e);
    expect(isFerryError(error, 'NOT_FOUND')).toBe(true);
    expect(calls).toBe(1);
    expect(pacer.active).toBe(0);
  });

  it('drops a waiting call whose signal aborts, and keeps serving the others', async () => {
    const pacer = new Pacer({ concurrency: 1, minIntervalMs: 0, clock: fakeClock() });
    const gate = deferred();
    const first = pacer.run(() => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const aborted = pacer
      .run(async () => {
        ran = true;
      }, controller.signal)
      .catch((e: unknown) => e);
    const third = pacer.run(async () => 'third');
    controller.abort(new Error('stop'));
    expect(((await aborted) as Error).message).toBe('stop');
    gate.resolve();
    await first;
    expect(await third).toBe('third');
    expect(ran).toBe(false);
    expect(pacer.active).toBe(0);
  });

  it('refuses nonsense settings with BAD_INPUT', () => {
    const clock = fakeClock();
    expect(() => new Pacer({ concurrency: 0, minIntervalMs: 0, clock })).toThrow(/concurrency/);
    expect(() => new Pacer({ concurrency: 1, minIntervalMs: -1, clock })).toThrow(/minIntervalMs/);
    expect(() => new Pacer({ concurrency: 1.5, minIntervalMs: 0, clock })).toThrow(FerryError);
  });

  it('reads the shared option names', async () => {
    const specs = pacerOptionSpecs({ maxConcurrency: 4, minIntervalMs: 0 });
    expect(specs.map((spec) => [spec.key, spec.default])).toEqual([
      ['maxConcurrency', 4],
      ['minIntervalMs', 0],
    ]);
    const clock = fakeClock();
    const pacer = pacerFromOptions({ maxConcurrency: 1, minIntervalMs: 50 }, clock, {
      maxConcurrency: 4,
      minIntervalMs: 0,
    });
    const starts: number[] = [];
    await Promise.all([1, 2].map(() => pacer.run(async () => starts.push(clock.now()))));
    expect(starts).toEqual([0, 50]);
  });
});
