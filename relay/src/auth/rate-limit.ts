/**
 * Fixed-window counters in memory: at most `limit` hits per key per `windowMs`. Used for failed
 * logins (per user and per address) and pairing-code redemptions. In memory is enough for one
 * relay process; a restart forgets the counters, which only gives an attacker a few more guesses
 * at scrypt speed.
 */
export interface RateLimitOptions {
  limit: number;
  windowMs: number;
  clock: () => number;
  /** Keys kept before expired windows are swept (bounds memory under a spray of addresses). */
  maxKeys?: number;
}

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  constructor(private readonly options: RateLimitOptions) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number {
    const window = this.current(key);
    if (window === undefined || window.count < this.options.limit) return 0;
    return window.start + this.options.windowMs - this.options.clock();
  }

  /** Counts one hit against `key`. */
  hit(key: string): void {
    const now = this.options.clock();
    const window = this.current(key);
    if (window) window.count++;
    else {
      if (this.windows.size >= (this.options.maxKeys ?? 100_000)) this.sweep(now);
      this.windows.set(key, { start: now, count: 1 });
    }
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.start + this.options.windowMs <= this.options.clock()) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows)
      if (window.start + this.options.windowMs <= now) this.windows.delete(key);
    // Still full: drop the oldest (Map keeps insertion order) rather than grow without bound.
    const max = this.options.maxKeys ?? 100_000;
    for (const key of this.windows.keys()) {
      if (this.windows.size < max) break;
      this.windows.delete(key);
    }
  }
}
