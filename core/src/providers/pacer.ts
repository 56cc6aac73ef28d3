import { FerryError, isFerryError, RateLimitedError } from '../errors.js';
import type { OptionSpec, ProviderOptions } from '../provider.js';

/**
 * The time source a pacer waits on. Pure code receives it (tests pass a fake one and never
 * sleep); I/O providers pass `systemClock` from `providers/clock`.
 */
export interface PacerClock {
  /** Milliseconds on any steady scale (only differences are used). */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface PacerOptions {
  /** Calls running at once for one account. */
  concurrency: number;
  /** Smallest gap between the starts of two calls (0: no spacing). */
  minIntervalMs: number;
  clock: PacerClock;
  /** Times a call is tried again after RATE_LIMITED before the error reaches the caller. Default 2. */
  retries?: number;
  /** First pause after a RATE_LIMITED without Retry-After; doubles each time. Default 1000. */
  backoffMs?: number;
  /** Longest pause the pacer sits out; a longer Retry-After goes to the caller at once. Default 60000. */
  maxWaitMs?: number;
}

/**
 * Rate and concurrency for one account (rclone's pacer idea): every request to the provider goes
 * through `run`. At most `concurrency` calls run at once, starts are spaced by `minIntervalMs`,
 * and a RATE_LIMITED answer pauses the whole account (not just that call) for the Retry-After the
 * provider gave, or an exponential backoff, before the call is tried again. A success brings the
 * backoff back down. Calls start in the order they asked (FIFO).
 */
export class Pacer {
  private readonly concurrency: number;
  private readonly minIntervalMs: number;
  private readonly clock: PacerClock;
  private readonly retries: number;
  private readonly baseBackoffMs: number;
  private readonly maxWaitMs: number;
  private running = 0;
  private readonly waiting: { start: () => void }[] = [];
  /** No call starts before this time (the spacing and any rate-limit pause). */
  private notBefore = Number.NEGATIVE_INFINITY;
  private backoffMs: number;

  constructor(options: PacerOptions) {
    const whole = (key: string, value: unknown, min: number) => {
      if (!Number.isSafeInteger(value) || (value as number) < min)
        throw new FerryError(
          'BAD_INPUT',
          `pacer: ${key} must be a whole number >= ${min}, got ${String(value)}`,
        );
      return value as number;
    };
    this.concurrency = whole('concurrency', options.concurrency, 1);
    this.minIntervalMs = whole('minIntervalMs', options.minIntervalMs, 0);
    this.retries = whole('retries', options.retries ?? 2, 0);
    this.baseBackoffMs = whole('backoffMs', options.backoffMs ?? 1000, 1);
    this.maxWaitMs = whole('maxWaitMs', options.maxWaitMs ?? 60_000, 0);
    this.clock = options.clock;
    this.backoffMs = this.baseBackoffMs;
  }

  /** Calls running right now (for tests and status). */
  get active(): number {
    return this.running;
  }

  /**
   * Runs `fn` when a slot is free and the account is not paused. RATE_LIMITED from `fn` pauses the
   * account and retries (up to `retries` times); any other error goes straight to the caller.
   * Aborting `signal` while the call waits rejects with the signal's reason and frees its place.
   * The slot is held while `fn` runs: let `fn` cover the request, not a long body download.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.acquire(signal);
      try {
        const result = await fn();
        this.backoffMs = Math.max(this.baseBackoffMs, Math.floor(this.backoffMs / 2));
        return result;
      } catch (error) {
        if (!isFerryError(error, 'RATE_LIMITED')) throw error;
        const asked = error instanceof RateLimitedError ? error.retryAfterMs : undefined;
        const pause = asked ?? this.backoffMs;
        if (asked === undefined) this.backoffMs = Math.min(this.maxWaitMs, this.backoffMs * 2);
        if (attempt >= this.retries || pause > this.maxWaitMs) throw error;
        this.notBefore = Math.max(this.notBefore, this.clock.now() + pause);
      } finally {
        this.release();
      }
    }
  }

  private async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < this.concurrency && this.waiting.length === 0) this.running++;
    else {
      // release() hands its slot straight to the first waiter, so `running` already counts us.
      await new Promise<void>((resolve, reject) => {
        const place = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const at = this.waiting.indexOf(place);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(place);
      });
    }
    try {
      // Spacing and pauses: re-check after each sleep, a rate limit may have moved notBefore.
      for (;;) {
        const wait = this.notBefore - this.clock.now();
        if (wait <= 0) break;
        await this.clock.sleep(wait, signal);
      }
      this.notBefore = this.clock.now() + this.minIntervalMs;
    } catch (error) {
      this.release();
      throw error;
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next.start();
  }
}

/** The option keys every paced provider accepts, with the same names and help. */
export function pacerOptionSpecs(defaults: { maxConcurrency: number; minIntervalMs: number }): OptionSpec[] {
  return [
    {
      key: 'maxConcurrency',
      type: 'integer',
      required: false,
      default: defaults.maxConcurrency,
      help: 'requests to this account running at once',
    },
    {
      key: 'minIntervalMs',
      type: 'integer',
      required: false,
      default: defaults.minIntervalMs,
      help: 'smallest gap between two requests, in milliseconds (0: none)',
    },
  ];
}

/** A pacer from checked provider options (`maxConcurrency`, `minIntervalMs`, see `pacerOptionSpecs`). */
export function pacerFromOptions(
  options: ProviderOptions,
  clock: PacerClock,
  fallback: { maxConcurrency: number; minIntervalMs: number },
): Pacer {
  return new Pacer({
    concurrency:
      typeof options.maxConcurrency === 'number' ? options.maxConcurrency : fallback.maxConcurrency,
    minIntervalMs: typeof options.minIntervalMs === 'number' ? options.minIntervalMs : fallback.minIntervalMs,
    clock,
  });
}
