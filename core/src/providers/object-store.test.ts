import { describe, expect, it } from 'vitest';
import {
  FolderDeriver,
  type ListedObject,
  listObjectFolder,
  type ObjectListing,
  parseRetryAfter,
  rootKeyPrefix,
  wholeSeconds,
} from './object-store.js';

const object = (name: string, mtime = 5000, more: Partial<ListedObject> = {}): ListedObject => ({
  name,
  size: name.endsWith('/') ? 0 : 3,
  mtime,
  marker: false,
  ...more,
});

describe('FolderDeriver', () => {
  it('yields each implied folder once, before the first object inside, with that object mtime', () => {
    const deriver = new FolderDeriver();
    const paths = [
      ...deriver.entriesFor(object('a/b/c.txt', 1000)),
      ...deriver.entriesFor(object('a/b/d.txt', 2000)),
      ...deriver.entriesFor(object('a/e.txt', 3000)),
      ...deriver.entriesFor(object('top.txt', 4000)),
    ];
    expect(paths.map((entry) => `${entry.isDir ? 'D' : 'F'} ${entry.path} ${entry.mtime}`)).toEqual([
      'D a 1000',
      'D a/b 1000',
      'F a/b/c.txt 1000',
      'F a/b/d.txt 2000',
      'F a/e.txt 3000',
      'F top.txt 4000',
    ]);
  });

  it('turns markers into folders, skips the listed folder own marker and keys with empty segments', () => {
    const deriver = new FolderDeriver();
    expect(deriver.entriesFor(object('', 1))).toEqual([]);
    expect(deriver.entriesFor(object('x/', 7000))).toEqual([
      { path: 'x', size: 0, mtime: 7000, isDir: true },
    ]);
    expect(deriver.entriesFor(object('x/y', 8000)).map((entry) => entry.path)).toEqual(['x/y']);
    expect(deriver.entriesFor(object('flagged', 9000, { marker: true }))).toEqual([
      { path: 'flagged', size: 0, mtime: 9000, isDir: true },
    ]);
    expect(deriver.entriesFor(object('a//b'))).toEqual([]);
    expect(deriver.entriesFor(object('/lead'))).toEqual([]);
    expect(deriver.skipped).toBe(2);
  });

  it('carries a hash only when it has both hash and type', () => {
    const deriver = new FolderDeriver();
    const [withHash] = deriver.entriesFor(object('f', 1, { hash: 'ab'.repeat(16), hashType: 'md5' }));
    expect(withHash).toMatchObject({ hash: 'ab'.repeat(16), hashType: 'md5' });
    const [without] = deriver.entriesFor(object('g', 1));
    expect(without && 'hash' in without).toBe(false);
  });
});

describe('object-store helpers', () => {
  it('normalises the root prefix', () => {
    expect(rootKeyPrefix(undefined)).toBe('');
    expect(rootKeyPrefix('')).toBe('');
    expect(rootKeyPrefix('/')).toBe('');
    expect(rootKeyPrefix('/photos/2024/')).toBe('photos/2024/');
    expect(rootKeyPrefix('photos')).toBe('photos/');
  });

  it('keeps whole seconds', () => {
    expect(wholeSeconds(1_700_000_123_456)).toBe(1_700_000_123_000);
    expect(wholeSeconds(1_700_000_123_000)).toBe(1_700_000_123_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('rootKeyPrefix refusals', () => {
  it('refuses prefixes with empty, . or .. parts', () => {
    for (const bad of ['a//b', 'a/../b', './a', 'a/.'])
      expect(() => rootKeyPrefix(bad), bad).toThrow(
        expect.objectContaining({ code: 'BAD_PROVIDER_OPTIONS' }),
      );
  });
});

describe('FolderDeriver: a file and a folder of the same name', () => {
  it('keeps the file and skips the keys under it, in key order, without a duplicate path', () => {
    const deriver = new FolderDeriver();
    const keys = ['a', 'a b.txt', 'a.txt', 'a/x', 'a/y/z', 'ab/c', 'b'];
    const paths = keys.flatMap((key) => deriver.entriesFor(object(key)).map((entry) => entry.path));
    expect(paths).toEqual(['a', 'a b.txt', 'a.txt', 'ab', 'ab/c', 'b']);
    expect(new Set(paths).size).toBe(paths.length);
    expect(deriver.skipped).toBe(2);
  });

  it('skips a file named like a folder already yielded (out of key order)', () => {
    const deriver = new FolderDeriver();
    expect(deriver.entriesFor(object('a/x')).map((entry) => entry.path)).toEqual(['a', 'a/x']);
    expect(deriver.entriesFor(object('a'))).toEqual([]);
    expect(deriver.skipped).toBe(1);
  });

  it('forgets files once the key order has moved past them', () => {
    const deriver = new FolderDeriver();
    deriver.entriesFor(object('p'));
    deriver.entriesFor(object('q/r'));
    // 'p' is no longer a prefix of the latest key, so it left the stack.
    expect((deriver as unknown as { openFiles: string[] }).openFiles).toEqual(['q/r']);
  });
});

describe('listObjectFolder', () => {
  interface Key {
    key?: string;
    mtime: number;
  }
  /** A fake store: pages of keys, the continuation is the next page's index. */
  const listing = (pages: Key[][], more: Partial<ObjectListing<Key>> = {}) => {
    const fetched: { prefix: string; continuation: string | undefined; signal: AbortSignal }[] = [];
    const store: ObjectListing<Key> = {
      rootPrefix: '',
      folder: 'root',
      fetchPage: async (prefix, continuation, signal) => {
        fetched.push({ prefix, continuation, signal });
        const index = continuation === undefined ? 0 : Number(continuation);
        return { items: pages[index] ?? [], next: index + 1 < pages.length ? String(index + 1) : undefined };
      },
      keyOf: (item) => item.key,
      listed: (item, name) => object(name, item.mtime),
      notFound: 'no such folder',
      ...more,
    };
    return { store, fetched };
  };
  const paths = async (entries: AsyncIterable<{ path: string; isDir: boolean }>) => {
    const out: string[] = [];
    for await (const entry of entries) out.push(`${entry.isDir ? 'D' : 'F'} ${entry.path}`);
    return out;
  };

  it('walks every page in order, cuts the prefix, derives folders, skips keys outside the prefix', async () => {
    const { store, fetched } = listing([
      [{ key: 'root/a/b.txt', mtime: 1 }, { key: 'other/x', mtime: 1 }, { mtime: 1 }],
      [{ key: 'root/a/c.txt', mtime: 2 }],
      [{ key: 'root/d.txt', mtime: 3 }],
    ]);
    expect(await paths(listObjectFolder(store))).toEqual(['D a', 'F a/b.txt', 'F a/c.txt', 'F d.txt']);
    expect(fetched.map((call) => `${call.prefix} ${call.continuation}`)).toEqual([
      'root/ undefined',
      'root/ 1',
      'root/ 2',
    ]);
  });

  it('fetches one page ahead, and aborts it when the consumer stops early', async () => {
    const { store, fetched } = listing([[{ key: 'root/a', mtime: 1 }], [{ key: 'root/b', mtime: 1 }], []]);
    const entries = listObjectFolder(store);
    expect((await entries.next()).value).toMatchObject({ path: 'a' });
    expect(fetched.map((call) => call.continuation)).toEqual([undefined, '1']);
    await entries.return(undefined);
    expect(fetched[1]?.signal.aborted).toBe(true);
  });

  it("passes the caller's abort on to the page fetched ahead, with its reason", async () => {
    const caller = new AbortController();
    const page = [
      { key: 'root/a', mtime: 1 },
      { key: 'root/b', mtime: 1 },
    ];
    const { store, fetched } = listing([page, []], { signal: caller.signal });
    const entries = listObjectFolder(store);
    await entries.next();
    caller.abort(new Error('stop'));
    expect(fetched[1]?.signal.reason).toEqual(new Error('stop'));
    await expect(entries.next()).rejects.toThrow('stop');
  });

  it('fails NOT_FOUND when no key is under the folder, but not for the root', async () => {
    const empty = [[{ key: 'rootless', mtime: 1 }]];
    await expect(paths(listObjectFolder(listing(empty).store))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no such folder',
    });
    const root = listing(empty, { rootPrefix: 'root/', folder: '' });
    expect(await paths(listObjectFolder(root.store))).toEqual([]);
    expect(root.fetched[0]?.prefix).toBe('root/');
    // A folder with only its own marker exists.
    expect(await paths(listObjectFolder(listing([[{ key: 'root/', mtime: 1 }]]).store))).toEqual([]);
  });

  it('refuses a folder that is not a provider path before asking the store', async () => {
    const { store, fetched } = listing([[]], { folder: 'a//b' });
    await expect(paths(listObjectFolder(store))).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    expect(fetched).toEqual([]);
  });
});
