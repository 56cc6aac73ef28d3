import {
  checkName,
  FerryError,
  indexDocName,
  isFerryError,
  type Provider,
  RateLimitedError,
  readCrawlState,
  writeCrawlState,
} from '@ferry/core';
import type * as Y from 'yjs';
import {
  type Clock,
  type ContainerMetaExtra,
  CRAWLER_ORIGIN,
  type CrawlResult,
  crawlContainer,
  type DocSource,
} from './crawl.js';

/** What the relay knows about a container when its crawl starts (read fresh for every crawl). */
export interface CrawlTarget extends ContainerMetaExtra {
  /** Owned by the crawler from here on: closed when this crawl ends. */
  provider: Provider;
  folder: string;
  groupSize: number;
}

/** setTimeout/clearTimeout, injectable so tests move time by hand instead of sleeping. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The part of a pino logger the crawler uses. */
export interface CrawlerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface CrawlerOptions {
  docs: DocSource;
  /** Looks up a container's provider, folder and group size; NOT_FOUND when it no longer exists. */
  resolve: (container: string) => Promise<CrawlTarget>;
  clock?: Clock;
  timers?: Timers;
  /** Crawls running at once over all containers; more wait in line. */
  maxConcurrent?: number;
  /** Interval for a container scheduled without one. */
  defaultIntervalMs?: number;
  /** After a failed crawl the next try comes this soon (never later than the interval). */
  retryAfterFailureMs?: number;
  logger?: CrawlerLogger;
}

export interface ScheduleInput {
  name: string;
  crawlIntervalMs?: number;
  /** End of the last good crawl; read from the container's index doc when not given. */
  lastCrawlEnd?: number;
}

export const DEFAULT_CRAWL_INTERVAL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_CONCURRENT_CRAWLS = 2;
export const DEFAULT_RETRY_AFTER_FAILURE_MS = 60 * 60 * 1000;
/** Shorter intervals would make a crawler hammer a provider; refused as bad input. */
export const MIN_CRAWL_INTERVAL_MS = 60 * 1000;
/** Node timers overflow past 2^31-1 ms (24.8 days): longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const realTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending crawl must not keep the process alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Schedule {
  intervalMs: number;
  due?: number;
  timer?: unknown;
}

/**
 * Runs crawls: on demand (crawlNow), and per container every interval (schedule). At most one
 * crawl per container (a second request joins the running one) and at most `maxConcurrent` over
 * all containers (the rest queue in request order).
 */
export class Crawler {
  readonly #docs: DocSource;
  readonly #resolve: CrawlerOptions['resolve'];
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #maxConcurrent: number;
  readonly #defaultIntervalMs: number;
  readonly #retryAfterFailureMs: number;
  readonly #logger: CrawlerLogger | undefined;

  /** Crawl per container, from the request until it settled (queued or running). */
  readonly #inflight = new Map<string, Promise<CrawlResult>>();
  /** Crawls holding a slot, with the controller that stops them on close. */
  readonly #running = new Map<string, AbortController>();
  readonly #waiting: (() => void)[] = [];
  #slotsTaken = 0;
  readonly #schedules = new Map<string, Schedule>();
  /** Small writes and look-ups started by the scheduler; close() waits for them. */
  readonly #background = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: CrawlerOptions) {
    this.#docs = options.docs;
    this.#resolve = options.resolve;
    this.#clock = options.clock ?? Date.now;
    this.#timers = options.timers ?? realTimers;
    this.#maxConcurrent = positiveInteger(
      'maxConcurrent',
      options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_CRAWLS,
    );
    this.#defaultIntervalMs = checkInterval(options.defaultIntervalMs ?? DEFAULT_CRAWL_INTERVAL_MS);
    this.#retryAfterFailureMs = positiveInteger(
      'retryAfterFailureMs',
      options.retryAfterFailureMs ?? DEFAULT_RETRY_AFTER_FAILURE_MS,
    );
    this.#logger = options.logger;
  }

  /**
   * Crawls a container now, or joins its crawl when one is already queued or running (the same
   * promise). Rejects with the crawl's FerryError; the failure is also in the index doc.
   */
  crawlNow(name: string): Promise<CrawlResult> {
    checkName('container', name);
    const existing = this.#inflight.get(name);
    if (existing !== undefined) return existing;
    const promise = this.#closed ? Promise.reject(closedError()) : this.#run(name);
    if (!this.#closed) this.#inflight.set(name, promise);
    // Callers may fire and forget (container creation): the outcome is logged and in the index doc.
    promise.catch(() => {});
    return promise;
  }

  /**
   * Crawls `name` every interval from now on: next at lastCrawlEnd + interval, at once when it was
   * never crawled. Scheduling again replaces the earlier schedule (a new interval takes effect).
   */
  schedule(input: ScheduleInput): void {
    const name = checkName('container', input.name);
    if (this.#closed) throw closedError();
    const intervalMs = checkInterval(input.crawlIntervalMs ?? this.#defaultIntervalMs);
    this.#clear(name);
    const schedule: Schedule = { intervalMs };
    this.#schedules.set(name, schedule);
    // A running crawl re-arms the schedule when it ends.
    if (this.#inflight.has(name)) return;
    if (input.lastCrawlEnd !== undefined) {
      this.#arm(name, schedule, input.lastCrawlEnd + intervalMs);
      return;
    }
    this.#track(
      this.#lastCrawlEnd(name).then((lastCrawlEnd) => {
        // Unscheduled, rescheduled or already crawled meanwhile: that path armed it.
        if (this.#schedules.get(name) !== schedule || schedule.due !== undefined) return;
        if (this.#inflight.has(name)) return;
        this.#arm(name, schedule, lastCrawlEnd === undefined ? this.#clock() : lastCrawlEnd + intervalMs);
      }),
    );
  }

  /** Stops the periodic crawls of a container (a running crawl finishes). */
  unschedule(name: string): void {
    this.#clear(name);
    this.#schedules.delete(name);
  }

  /** When the next scheduled crawl of a container is due (ms), if it is scheduled. */
  nextCrawl(name: string): number | undefined {
    return this.#schedules.get(name)?.due;
  }

  /** Containers being crawled right now (not those waiting for a slot). */
  running(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Cancels the timers, stops running crawls (they change nothing: their listing is incomplete),
   * refuses queued and new ones, and resolves once all have settled and their providers are closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const name of this.#schedules.keys()) this.#clear(name);
    this.#schedules.clear();
    for (const controller of this.#running.values()) controller.abort();
    await Promise.allSettled([...this.#inflight.values(), ...this.#background]);
  }

  async #run(name: string): Promise<CrawlResult> {
    await this.#acquireSlot();
    const controller = new AbortController();
    let retryAfterMs: number | undefined;
    let failed = true;
    try {
      if (this.#closed) throw closedError();
      this.#running.set(name, controller);
      const result = await this.#crawl(name, controller.signal);
      failed = false;
      this.#logger?.info({ ...result, groupsTouched: result.groupsTouched.length }, 'crawl finished');
      return result;
    } catch (error) {
      const failure = isFerryError(error)
        ? error
        : new FerryError('INTERNAL', String(error), undefined, { cause: error });
      if (failure instanceof RateLimitedError) retryAfterMs = failure.retryAfterMs;
      this.#logger?.warn({ container: name, code: failure.id, message: failure.message }, 'crawl failed');
      throw failure;
    } finally {
      this.#running.delete(name);
      this.#inflight.delete(name);
      this.#releaseSlot();
      this.#rearm(name, failed, retryAfterMs);
    }
  }

  async #crawl(name: string, signal: AbortSignal): Promise<CrawlResult> {
    let target: CrawlTarget;
    try {
      target = await this.#resolve(name);
    } catch (error) {
      // The listing never started; the index doc still says why (a vanished container excepted).
      if (!isFerryError(error, 'NOT_FOUND')) await this.#recordFailure(name, error);
      throw error;
    }
    const { provider, folder, groupSize, ...meta } = target;
    try {
      return await crawlContainer({
        container: { ...meta, name, groupSize },
        provider,
        folder,
        docs: this.#docs,
        clock: this.#clock,
        signal,
      });
    } finally {
      try {
        await provider.close?.();
      } catch (error) {
        this.#logger?.warn({ container: name, message: String(error) }, 'closing the provider failed');
      }
    }
  }

  async #recordFailure(name: string, error: unknown): Promise<void> {
    const failure = isFerryError(error) ? error : new FerryError('INTERNAL', String(error));
    try {
      const index = await this.#docs.get(indexDocName(name));
      writeCrawlState(
        index,
        { running: false, lastError: `${failure.id}: ${failure.message}`, lastErrorAt: this.#clock() },
        CRAWLER_ORIGIN,
      );
    } catch {
      // Nowhere to write it; the log line carries it.
    }
  }

  async #acquireSlot(): Promise<void> {
    if (this.#slotsTaken < this.#maxConcurrent) {
      this.#slotsTaken++;
      return;
    }
    // The slot is handed over by #releaseSlot, so the count stays taken.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #releaseSlot(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#slotsTaken--;
  }

  #rearm(name: string, failed: boolean, retryAfterMs?: number): void {
    const schedule = this.#schedules.get(name);
    if (schedule === undefined || this.#closed) return;
    const delay = failed
      ? Math.min(schedule.intervalMs, Math.max(this.#retryAfterFailureMs, retryAfterMs ?? 0))
      : schedule.intervalMs;
    this.#arm(name, schedule, this.#clock() + delay);
  }

  #arm(name: string, schedule: Schedule, due: number): void {
    if (schedule.timer !== undefined) this.#timers.clearTimeout(schedule.timer);
    schedule.due = due;
    this.#setTimer(name, schedule);
    this.#track(
      this.#docs.get(indexDocName(name)).then((index) => {
        if (this.#schedules.get(name) === schedule && schedule.due === due)
          writeCrawlState(index, { nextCrawl: due }, CRAWLER_ORIGIN);
      }),
    );
  }

  #setTimer(name: string, schedule: Schedule): void {
    const wait = Math.min(Math.max((schedule.due ?? 0) - this.#clock(), 0), MAX_TIMER_MS);
    schedule.timer = this.#timers.setTimeout(() => {
      schedule.timer = undefined;
      if (this.#schedules.get(name) !== schedule || this.#closed) return;
      // A wait longer than one timer can hold continues in another step.
      if ((schedule.due ?? 0) > this.#clock()) this.#setTimer(name, schedule);
      else this.crawlNow(name);
    }, wait);
  }

  #clear(name: string): void {
    const schedule = this.#schedules.get(name);
    if (schedule?.timer !== undefined) this.#timers.clearTimeout(schedule.timer);
    if (schedule !== undefined) schedule.timer = undefined;
  }

  /**
   * Reads the last good crawl's end from the index doc. A `running` flag left there while this
   * crawler runs nothing for the container is from a relay that stopped mid-crawl: cleared, and
   * said as the last error, so status does not show a crawl that no longer exists.
   */
  async #lastCrawlEnd(name: string): Promise<number | undefined> {
    let index: Y.Doc;
    try {
      index = await this.#docs.get(indexDocName(name));
    } catch {
      return undefined;
    }
    const state = readCrawlState(index);
    if (state.running && !this.#inflight.has(name))
      writeCrawlState(
        index,
        {
          running: false,
          lastError: 'FERRY_TRANSIENT: the relay stopped during this crawl; nothing was changed',
          lastErrorAt: this.#clock(),
        },
        CRAWLER_ORIGIN,
      );
    return state.lastCrawlEnd;
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error) =>
      this.#logger?.warn({ message: String(error) }, 'crawler bookkeeping failed'),
    );
    this.#background.add(tracked);
    tracked.finally(() => this.#background.delete(tracked));
  }
}

function closedError(): FerryError {
  return new FerryError('TRANSIENT', 'the crawler is closed (the relay is shutting down)');
}

function positiveInteger(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new FerryError('BAD_INPUT', `${what} must be a whole number of at least 1, got ${value}`);
  return value;
}

function checkInterval(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < MIN_CRAWL_INTERVAL_MS)
    throw new FerryError(
      'BAD_INPUT',
      `crawl interval must be at least ${MIN_CRAWL_INTERVAL_MS / 1000} seconds, got ${ms} ms`,
    );
  return ms;
}
