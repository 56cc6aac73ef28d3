import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { FerryError, isFerryError, RateLimitedError } from '@ferry/core';
import { MemoryProvider, SYNTHETIC_FOLDER_SIZE } from '@ferry/core/providers';
import { describe, expect, it } from 'vitest';

const bytes = (s: string) => new TextEncoder().encode(s);

async function outcome(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    return isFerryError(error) ? error.code : `untyped: ${String(error)}`;
  }
}

async function drain(iterable: AsyncIterable<Uint8Array>, into: Uint8Array[] = []): Promise<Uint8Array[]> {
  for await (const chunk of iterable) into.push(chunk);
  return into;
}

function withFile(init: ConstructorParameters<typeof MemoryProvider>[0] = {}): MemoryProvider {
  const provider = new MemoryProvider(init);
  provider.put('a.txt', bytes('0123456789'), { mtime: 1000 });
  return provider;
}

describe('memory provider faults', () => {
  it('answers 429 every k-th call with a typed RateLimitedError carrying Retry-After', async () => {
    const provider = withFile({
      faults: { rateLimited: { every: 2, retryAfterMs: 1500, operations: ['stat'] } },
    });
    expect(await outcome(() => provider.stat('a.txt'))).toBe('ok');
    const error = await provider.stat('a.txt').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(1500);
    expect((error as RateLimitedError).code).toBe('RATE_LIMITED');
    expect(await outcome(() => provider.stat('a.txt'))).toBe('ok');
    // Reads are not in `operations`: never limited.
    expect(await outcome(() => drain(provider.read('a.txt')))).toBe('ok');
    expect(provider.faultsFired.rateLimited).toBe(1);
  });

  it('answers 500 (TRANSIENT) with a probability that is the same for the same seed', async () => {
    const pattern = async (seed: number) => {
      const provider = withFile({ faults: { seed, transient: { probability: 0.5 } } });
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) outcomes.push(await outcome(() => provider.stat('a.txt')));
      return outcomes.join(',');
    };
    const first = await pattern(7);
    expect(await pattern(7)).toBe(first);
    expect(first).toContain('TRANSIENT');
    expect(first).toContain('ok');
    expect(await pattern(8)).not.toBe(first);
  });

  it('cuts a body short: part of the range, then TRUNCATED', async () => {
    const provider = withFile({ faults: { truncated: { every: 1, fraction: 0.3 } } });
    const chunks: Uint8Array[] = [];
    const error = await drain(provider.read('a.txt'), chunks).catch((e: unknown) => e);
    expect(isFerryError(error, 'TRUNCATED')).toBe(true);
    expect(Buffer.concat(chunks).toString()).toBe('012');
    const ranged: Uint8Array[] = [];
    await drain(provider.read('a.txt', { offset: 5, length: 5 }), ranged).catch(() => {});
    expect(Buffer.concat(ranged).toString()).toBe('5');
    provider.setFaults({});
    expect(Buffer.concat(await drain(provider.read('a.txt'))).toString()).toBe('0123456789');
  });

  it('refuses credentials (AUTH) on the operations chosen', async () => {
    const provider = withFile({ faults: { auth: { every: 1, operations: ['list', 'quota'] } } });
    const listing = async () => {
      for await (const _ of provider.list('')) {
      }
    };
    expect(await outcome(listing)).toBe('AUTH');
    expect(await outcome(() => provider.quota())).toBe('AUTH');
    expect(await outcome(() => provider.stat('a.txt'))).toBe('ok');
  });

  it('waits latencyMs through the injected sleep before each call, and honours abort', async () => {
    const waits: number[] = [];
    const provider = withFile({
      faults: { latencyMs: 5 },
      sleep: async (ms, signal) => {
        waits.push(ms);
        await delay(ms, undefined, { signal });
      },
    });
    await provider.stat('a.txt');
    await drain(provider.read('a.txt'));
    expect(waits).toEqual([5, 5]);
    const aborted = new AbortController();
    aborted.abort();
    await expect(provider.stat('a.txt', { signal: aborted.signal })).rejects.toThrow();
    expect(() => new MemoryProvider({ faults: { latencyMs: 5 } })).toThrow(/sleep/);
  });

  it('refuses a malformed fault plan', () => {
    expect(() => new MemoryProvider({ faults: { transient: { probability: 2 } } })).toThrow(FerryError);
    expect(() => new MemoryProvider({ faults: { truncated: { fraction: 1 } } })).toThrow(/fraction/);
  });
});

describe('memory provider tree', () => {
  it('puts, replaces, removes and refuses bad paths with typed errors', async () => {
    const provider = withFile({ quotaBytes: 100 });
    provider.put('d/b.txt', bytes('xyz'));
    provider.put('a.txt', bytes('01'), { mtime: 5 });
    expect(await provider.stat('a.txt')).toMatchObject({ size: 2, mtime: 5 });
    expect(await provider.quota()).toEqual({ totalBytes: 100, usedBytes: 5, freeBytes: 95 });
    provider.remove('d');
    expect(await outcome(() => provider.stat('d/b.txt'))).toBe('NOT_FOUND');
    expect(await provider.quota()).toEqual({ totalBytes: 100, usedBytes: 2, freeBytes: 98 });
    expect(() => provider.remove('d')).toThrow(/no such/);
    expect(() => provider.put('a.txt/x', bytes('1'))).toThrow(/is a file/);
    expect(() => provider.put('../x', bytes('1'))).toThrow(expect.objectContaining({ code: 'UNSAFE_PATH' }));
    provider.mkdir('e/f');
    expect(() => provider.put('e/f', bytes('1'))).toThrow(/folder of that name/);
    expect(await outcome(() => drain(provider.read('e')))).toBe('BAD_INPUT');
  });

  it('generates a synthetic tree lazily: names, bodies and md5 derive from the index', async () => {
    const files = 2 * SYNTHETIC_FOLDER_SIZE + 500;
    const provider = new MemoryProvider({ synthetic: { files, seed: 3 } });
    let fileCount = 0;
    let folderCount = 0;
    let last = '';
    for await (const entry of provider.list('')) {
      if (entry.isDir) folderCount++;
      else {
        fileCount++;
        last = entry.path;
      }
    }
    expect({ fileCount, folderCount }).toEqual({ fileCount: files, folderCount: 4 });
    const entry = await provider.stat(last);
    const body = Buffer.concat(await drain(provider.read(last)));
    expect(body.toString()).toContain(last);
    expect(entry.size).toBe(body.length);
    expect(entry.hash).toBe(createHash('md5').update(body).digest('hex'));
    const folder: string[] = [];
    for await (const e of provider.list('synthetic/d0001')) folder.push(e.path);
    expect(folder).toHaveLength(SYNTHETIC_FOLDER_SIZE);
    expect(folder[0]).toBe('f0001000.txt');
    expect(await outcome(() => provider.stat('synthetic/d0001/f0000001.txt'))).toBe('NOT_FOUND');
    expect(() => provider.put('synthetic/x.txt', bytes('1'))).toThrow(/read-only/);
    expect((await provider.quota()).usedBytes).toBe(files * entry.size);
    await expect(new MemoryProvider({ synthetic: { files, seed: 4 } }).stat(last)).resolves.not.toEqual(
      entry,
    );
  });
});
