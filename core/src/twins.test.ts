import { describe, expect, it } from 'vitest';
import { foldName, mapWithTwins, PORTABLE_TARGET, twinTag } from './paths.js';
import { seededRandom } from './testing/random.js';
import { findTwins, nameTwins, TwinFinder } from './twins.js';

describe('findTwins', () => {
  it('finds NFC/NFD, case and escape twins, and nothing else', () => {
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    const paths = [
      nfc,
      nfd,
      'A.txt',
      'a.txt',
      'x:y',
      'x%3Ay',
      'Photos',
      'photos',
      'photos/1.jpg',
      'plain.txt',
      'A.txt',
    ];
    expect([...findTwins(paths)].sort()).toEqual(
      ['A.txt', 'Photos', 'a.txt', nfc, nfd, 'photos', 'x%3Ay', 'x:y'].sort(),
    );
    expect(findTwins(['a', 'b', 'c/d']).size).toBe(0);
  });
});

/** One crawl as the crawler runs it: the listing `now`, the catalog `before`, the last names. */
function crawl(previous: ReadonlyMap<string, string>, before: readonly string[], now: readonly string[]) {
  const finder = new TwinFinder();
  for (const path of now) finder.add(path);
  const listed = new Set(now);
  const was = new Set(before);
  return nameTwins({
    twins: finder.twins,
    previous,
    listed: (path) => listed.has(path),
    wasListed: (path) => was.has(path),
    holderOf: (key) => finder.holderOf(key),
  });
}

const disk = (names: ReadonlyMap<string, string>, path: string) =>
  mapWithTwins(path, PORTABLE_TARGET, names).path;

/** Every listed path lands on its own disk path, as the strictest disk compares names. */
function expectApart(names: ReadonlyMap<string, string>, paths: readonly string[]) {
  const seen = new Map<string, string>();
  for (const path of paths) {
    const key = foldName(disk(names, path), PORTABLE_TARGET);
    expect(seen.get(key), `${path} lands on ${key} like ${seen.get(key)}`).toBeUndefined();
    seen.set(key, path);
  }
}

describe('nameTwins', () => {
  it('keeps every twin apart; the natural spelling, then code-unit order, keeps the plain name', () => {
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    const paths = [
      'A.txt',
      'a.txt',
      nfc,
      nfd,
      'x:y',
      'x%3Ay',
      'Photos',
      'photos',
      'Photos/1.jpg',
      'photos/1.jpg',
    ];
    const names = crawl(new Map(), [], paths);
    expectApart(names, [...paths, 'plain.txt']);
    expect(disk(names, nfc)).toBe(nfc);
    expect(disk(names, nfd)).toMatch(/^caf\u00e9~[0-9a-f]{8}\.txt$/);
    expect(disk(names, 'x%3Ay')).toBe('x%3Ay');
    expect(disk(names, 'A.txt')).toBe('A.txt');
    expect(disk(names, 'a.txt')).toMatch(/^a~[0-9a-f]{8}\.txt$/);
    // A twin folder's files follow it; they need no name of their own.
    expect(disk(names, 'photos/1.jpg')).toBe(`${disk(names, 'photos')}/1.jpg`);
    expect(disk(names, 'plain.txt')).toBe('plain.txt');
    // Only twins are named, never the rest of the catalog.
    expect([...names.keys()].every((path) => paths.includes(path))).toBe(true);
    // The listing's order does not matter.
    expect(crawl(new Map(), [], [...paths].reverse())).toEqual(names);
  });

  it('never takes the plain name from a file a disk already holds, whatever the new twin is', () => {
    const first = crawl(new Map(), [], ['a.txt']);
    expect(first.size).toBe(0);
    // 'A.txt' sorts first, but 'a.txt' has been on disks under its plain name since the last crawl.
    const second = crawl(first, ['a.txt'], ['a.txt', 'A.txt']);
    expect(disk(second, 'a.txt')).toBe('a.txt');
    expect(disk(second, 'A.txt')).toMatch(/^A~[0-9a-f]{8}\.txt$/);
  });

  it('keeps a name once given while its path is listed, also after its twin is gone', () => {
    const first = crawl(new Map(), [], ['A.txt', 'a.txt']);
    const tagged = disk(first, 'a.txt');
    expect(tagged).not.toBe('a.txt');
    // 'A.txt' goes (its file stays on disks, "deleted upstream"): 'a.txt' keeps its name.
    const second = crawl(first, ['A.txt', 'a.txt'], ['a.txt']);
    expect(disk(second, 'a.txt')).toBe(tagged);
    // 'A.txt' comes back: the plain name is free again in the catalog, and it is its own.
    const third = crawl(second, ['a.txt'], ['a.txt', 'A.txt']);
    expect(disk(third, 'a.txt')).toBe(tagged);
    expect(disk(third, 'A.txt')).toBe('A.txt');
    // A path that leaves the listing leaves the map.
    expect(crawl(third, ['a.txt', 'A.txt'], ['A.txt']).has('a.txt')).toBe(false);
  });

  it('names a new cloud file that is spelled like a name already given', () => {
    const first = crawl(new Map(), [], ['A.txt', 'a.txt']);
    const tagged = disk(first, 'a.txt');
    const second = crawl(first, ['A.txt', 'a.txt'], ['A.txt', 'a.txt', tagged]);
    expect(disk(second, 'a.txt')).toBe(tagged);
    expect(disk(second, tagged)).not.toBe(tagged);
    expectApart(second, ['A.txt', 'a.txt', tagged]);
  });

  it('gives no tag that a listed file already has as its own name', () => {
    const literal = twinTag('a.txt', 'a.txt');
    const names = crawl(new Map(), [], ['A.txt', 'a.txt', literal]);
    expect(disk(names, literal)).toBe(literal);
    expect(disk(names, 'a.txt')).toBe(twinTag('a.txt', 'a.txt', 1));
    expectApart(names, ['A.txt', 'a.txt', literal]);
  });

  it('keeps twins apart inside a twin folder', () => {
    const paths = ['Photos', 'photos', 'Photos/X.jpg', 'Photos/x.jpg', 'photos/x.jpg', 'photos/X.JPG'];
    const names = crawl(new Map(), [], paths);
    expectApart(names, paths);
  });

  it('over random crawls: every listed path apart, and a listed path never moves (seeded; a failure names its seed)', () => {
    const stems = ['a', 'A', 'caf\u00e9', 'cafe\u0301', 'x:y', 'x%3Ay', 'b'];
    const pool: string[] = [];
    for (const dir of ['', 'D/', 'd/', 'e/'])
      for (const stem of stems) for (const ext of ['', '.txt', '.TXT']) pool.push(`${dir}${stem}${ext}`);
    for (let seed = 0; seed < 60; seed++) {
      const random = seededRandom(seed);
      let names = new Map<string, string>();
      let before: string[] = [];
      let placed = new Map<string, string>();
      for (let round = 0; round < 6; round++) {
        const now = pool.filter(() => random.chance(0.4));
        // Folders are listed as entries, as every provider lists them.
        for (const path of [...now]) {
          const slash = path.indexOf('/');
          if (slash > 0 && !now.includes(path.slice(0, slash))) now.push(path.slice(0, slash));
        }
        names = crawl(names, before, random.shuffle(now));
        expectApart(names, now);
        for (const path of now)
          if (placed.has(path))
            expect(disk(names, path), `seed ${seed} round ${round}: ${path}`).toBe(placed.get(path));
        placed = new Map(now.map((path) => [path, disk(names, path)]));
        before = now;
      }
    }
  });
});
