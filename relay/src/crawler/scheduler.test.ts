import {
  type Entry,
  FerryError,
  indexDocName,
  type Provider,
  RateLimitedError,
  readCrawlState,
  writeCrawlState,
} from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { Crawler, type CrawlTarget } from './scheduler.js';
import { ManualTimers, MapDocs, until } from './testing.js';

const HOUR = 60 * 60 * 1000;

/**
 * A provider whose listing stops half-way until the test opens its gate (or fails it): the
 * scheduler's tests need to hold crawls open. Crawl tests use the real memory and local providers.
 */
class GatedProvider implements Provider {
  readonly name = 'gated';
  readonly capabilities = { hashTypes: [], mtimePrecisionMs: 1, rangeReads: false, emptyFolders: true };
  lists = 0;
  closes = 0;
  #open!: () => void;
  #fail!: (error: unknown) => void;
  #gate!: Promise<void>;
  listing = false;

  constructor(readonly entries: Entry[] = [{ path: 'a.txt', size: 1, mtime: 1000, isDir: false }]) {
    this.reset();
  }

  reset(): void {
    this.#gate = new Promise<void>((resolve, reject) => {
      this.#open = resolve;
      this.#fail = reject;
    });
  }

  open(): void {
    this.#open();
  }

  fail(error: unknown): void {
    this.#fail(error);
  }

  async *list(_folder: string, options?: { signal?: AbortSignal }): AsyncIterable<Entry> {
    this.lists++;
    this.listing = true;
    try {
      const [first, ...rest] = this.entries;
      if (first) yield first;
      const aborted = new Promise<never>((_, reject) =>
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
      );
      await Promise.race([this.#gate, aborted]);
      yield* rest;
    } finally {
      this.listing = false;
    }
  }

  async stat(path: string): Promise<Entry> {
    throw new FerryError('NOT_FOUND', `${path} not found`);
  }

  // biome-ignore lint/correctness/useYield: the scheduler never reads bodies
  async *read(path: string): AsyncIterable<Uint8Array> {
    throw new FerryError('NOT_FOUND', `${path} not found`);
  }

  async close(): Promise<void> {
    this.closes++;
  }
}

function setup(options: { maxConcurrent?: number; names?: string[] } = {}) {
  const docs = new MapDocs();
  const timers = new ManualTimers();
  const providers = new Map<string, GatedProvider>();
  for (const name of options.names ?? ['photos']) providers.set(name, new GatedProvider());
  const resolved: string[] = [];
  const crawler = new Crawler({
    docs,
    clock: timers.clock,
    timers,
    maxConcurrent: options.maxConcurrent ?? 2,
    retryAfterFailureMs: HOUR,
    resolve: async (name): Promise<CrawlTarget> => {
      resolved.push(name);
      const provider = providers.get(name);
      if (!provider) throw new FerryError('NOT_FOUND', `no container '${name}'`);
      return { provider, folder: '', groupSize: 10, account: 'acct', device: 'disk1' };
    },
  });
  const provider = (name: string): GatedProvider => {
    const found = providers.get(name);
    if (!found) throw new Error(name);
    return found;
  };
  return { docs, timers, crawler, provider, resolved };
}

describe('Crawler.crawlNow', () => {
  it('runs at most one crawl per container: a second request joins the running one', async () => {
    const { crawler, provider } = setup();
    const first = crawler.crawlNow('photos');
    const second = crawler.crawlNow('photos');
    expect(second).toBe(first);
    await until(() => provider('photos').listing, 'listing');
    expect(crawler.crawlNow('photos')).toBe(first);
    expect(crawler.running()).toEqual(['photos']);
    provider('photos').open();
    const result = await first;
    expect(result.added).toBe(1);
    expect(provider('photos').lists).toBe(1);
    expect(provider('photos').closes).toBe(1);
    expect(crawler.running()).toEqual([]);
    // Once settled, a new request starts a new crawl.
    const third = crawler.crawlNow('photos');
    expect(third).not.toBe(first);
    expect((await third).unchanged).toBe(1);
    expect(provider('photos').lists).toBe(2);
  });

  it('runs at most maxConcurrent crawls at once; the others wait in request order', async () => {
    const { crawler, provider } = setup({ maxConcurrent: 2, names: ['a', 'b', 'c', 'd'] });
    const crawls = ['a', 'b', 'c', 'd'].map((name) => crawler.crawlNow(name));
    await until(() => provider('a').listing && provider('b').listing, 'two listings');
    expect(crawler.running().sort()).toEqual(['a', 'b']);
    expect(provider('c').lists + provider('d').lists).toBe(0);

    provider('b').open();
    await until(() => provider('c').listing, 'c starts');
    expect(crawler.running().sort()).toEqual(['a', 'c']);
    expect(provider('d').lists).toBe(0);

    provider('a').fail(new FerryError('TRANSIENT', 'connection reset'));
    await until(() => provider('d').listing, 'd starts');
    expect(crawler.running().sort()).toEqual(['c', 'd']);
    provider('c').open();
    provider('d').open();
    const outcomes = await Promise.allSettled(crawls);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(crawler.running()).toEqual([]);
  });

  it('refuses a bad container name and records a resolve failure in the index doc', async () => {
    const { crawler, docs } = setup();
    expect(() => crawler.crawlNow('../etc')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    // A vanished container (NOT_FOUND from resolve) leaves no doc behind.
    await expect(crawler.crawlNow('gone')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await docs.has(indexDocName('gone'))).toBe(false);
  });
});

describe('Crawler.schedule', () => {
  it('crawls a never-crawled container at once, then re-arms every interval after each crawl', async () => {
    const { crawler, provider, timers, docs } = setup();
    provider('photos').open();
    const start = timers.now;
    crawler.schedule({ name: 'photos', crawlIntervalMs: 6 * HOUR });
    await until(() => crawler.nextCrawl('photos') !== undefined, 'armed');
    expect(crawler.nextCrawl('photos')).toBe(start);

    timers.advance(0);
    await until(() => provider('photos').lists === 1 && crawler.running().length === 0, 'first crawl');
    await until(() => crawler.nextCrawl('photos') === start + 6 * HOUR, 're-armed');
    const index = await docs.get(indexDocName('photos'));
    await until(() => readCrawlState(index).nextCrawl === start + 6 * HOUR, 'nextCrawl in the index doc');
    expect(readCrawlState(index).lastCrawlEnd).toBe(start);

    timers.advance(6 * HOUR - 1);
    expect(provider('photos').lists).toBe(1);
    timers.advance(1);
    await until(() => provider('photos').lists === 2 && crawler.running().length === 0, 'second crawl');
    expect(crawler.nextCrawl('photos')).toBe(start + 12 * HOUR);
    expect(timers.pending).toBe(1);
  });

  it('re-arms after a failure too, sooner (retryAfterFailureMs, or the Retry-After a provider asked)', async () => {
    const { crawler, provider, timers, docs } = setup();
    crawler.schedule({ name: 'photos', crawlIntervalMs: 24 * HOUR, lastCrawlEnd: timers.now - 24 * HOUR });
    expect(crawler.nextCrawl('photos')).toBe(timers.now);
    timers.advance(0);
    await until(() => provider('photos').listing, 'listing');
    provider('photos').fail(new FerryError('AUTH', 'token expired'));
    const failedAt = timers.now;
    await until(() => crawler.nextCrawl('photos') === failedAt + HOUR, 'retry armed');
    const index = await docs.get(indexDocName('photos'));
    expect(readCrawlState(index).lastError).toBe('FERRY_AUTH: token expired');

    provider('photos').reset();
    timers.advance(HOUR);
    await until(() => provider('photos').listing, 'retry listing');
    provider('photos').fail(new RateLimitedError('slow down', 3 * HOUR));
    await until(() => crawler.nextCrawl('photos') === failedAt + 4 * HOUR, 'rate-limit wait armed');
  });

  it('takes lastCrawlEnd from the index doc when not given, and waits out long intervals in steps', async () => {
    const { crawler, provider, timers, docs } = setup();
    const index = await docs.get(indexDocName('photos'));
    writeCrawlState(index, { lastCrawlEnd: timers.now - HOUR });
    const interval = 40 * 24 * HOUR; // longer than one Node timer can wait
    crawler.schedule({ name: 'photos', crawlIntervalMs: interval });
    const due = timers.now - HOUR + interval;
    await until(() => crawler.nextCrawl('photos') === due, 'armed from the doc');
    timers.advance(due - timers.now - 1);
    expect(provider('photos').lists).toBe(0);
    expect(timers.pending).toBe(1);
    timers.advance(1);
    await until(() => provider('photos').lists === 1, 'crawled when due');
  });

  it('clears a running flag a stopped relay left in the index doc', async () => {
    const { crawler, timers, docs } = setup();
    const index = await docs.get(indexDocName('photos'));
    writeCrawlState(index, {
      running: true,
      lastCrawlStart: timers.now - 5,
      lastCrawlEnd: timers.now - HOUR,
    });
    crawler.schedule({ name: 'photos', crawlIntervalMs: 24 * HOUR });
    await until(() => crawler.nextCrawl('photos') !== undefined, 'armed');
    expect(readCrawlState(index)).toMatchObject({
      running: false,
      lastCrawlEnd: timers.now - HOUR,
      lastErrorAt: timers.now,
    });
    expect(readCrawlState(index).lastError).toMatch(/^FERRY_TRANSIENT: the relay stopped/);
    expect(crawler.nextCrawl('photos')).toBe(timers.now + 23 * HOUR);
  });

  it('unschedule cancels the timer; a bad interval is refused', async () => {
    const { crawler, timers } = setup();
    crawler.schedule({ name: 'photos', crawlIntervalMs: HOUR, lastCrawlEnd: timers.now });
    expect(timers.pending).toBe(1);
    crawler.unschedule('photos');
    expect(timers.pending).toBe(0);
    expect(crawler.nextCrawl('photos')).toBeUndefined();
    expect(() => crawler.schedule({ name: 'photos', crawlIntervalMs: 5 })).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    expect(timers.pending).toBe(0);
  });
});

describe('Crawler.close', () => {
  it('stops running crawls without changing entries, closes their providers, refuses new ones', async () => {
    const { crawler, provider, timers, docs } = setup({ maxConcurrent: 1, names: ['a', 'b'] });
    crawler.schedule({ name: 'a', crawlIntervalMs: HOUR, lastCrawlEnd: timers.now });
    const running = crawler.crawlNow('a');
    const queued = crawler.crawlNow('b');
    await until(() => provider('a').listing, 'listing');
    await crawler.close();
    await expect(running).rejects.toMatchObject({ code: 'TRANSIENT' });
    await expect(queued).rejects.toMatchObject({ code: 'TRANSIENT' });
    expect(provider('a').closes).toBe(1);
    expect(provider('b').lists).toBe(0);
    expect(timers.pending).toBe(0);
    expect([...docs.docs.keys()].filter((name) => name.includes('/g/'))).toEqual([]);
    await expect(crawler.crawlNow('a')).rejects.toMatchObject({ code: 'TRANSIENT' });
  });
});
