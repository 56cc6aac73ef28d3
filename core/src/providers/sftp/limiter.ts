/**
 * At most `concurrency` calls of `run` at once; the others wait in order. The same shape as the
 * shared pacer's `run(fn, signal)` (TODO: switch to core/src/providers/pacer.ts once it lands).
 */
export class Limiter {
  private running = 0;
  private readonly waiting: { start: () => void; signal?: AbortSignal; abort: () => void }[] = [];

  constructor(readonly concurrency: number) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  }

  /** Calls running right now. */
  get active(): number {
    return this.running;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.running >= this.concurrency) await this.wait(signal);
    else this.running++;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        signal,
        // The slot is handed over by release(): `running` already counts this call.
        start: () => {
          signal?.removeEventListener('abort', waiter.abort);
          resolve();
        },
        abort: () => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.abort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next.start();
  }
}
