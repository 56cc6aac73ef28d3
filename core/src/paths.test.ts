import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFerryError } from './errors.js';
import {
  type DiskTarget,
  diskTarget,
  MAX_SEGMENT_BYTES,
  mapWithTwins,
  PORTABLE_TARGET,
  safeRelativePath,
} from './paths.js';
import { nameTwins, TwinFinder } from './twins.js';

const EXT4 = diskTarget('ext4');
const TARGETS: DiskTarget[] = [PORTABLE_TARGET, EXT4, diskTarget('ntfs'), diskTarget('exfat')];
const NFD_CAFE = 'cafe\u0301';
const NFC_CAFE = 'caf\u00e9';

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const portable = (cloudPath: string): string => safeRelativePath(cloudPath).path;
const onExt4 = (cloudPath: string): string => safeRelativePath(cloudPath, EXT4).path;

/** Written here, not imported: the test's own idea of what each target refuses. */
function problems(path: string, target: DiskTarget): string[] {
  const found: string[] = [];
  const windows = target.kind !== 'ext4';
  const fold = (text: string): string => (target.caseInsensitive ? text.toLowerCase() : text);
  if (!posix.normalize(posix.join('/root', path)).startsWith('/root/')) found.push('leaves the root');
  if (path.normalize('NFC') !== path) found.push('not NFC');
  path.split('/').forEach((segment, index) => {
    const where = `segment ${JSON.stringify(segment)}`;
    if (segment === '' || segment === '.' || segment === '..') found.push(`${where}: empty or dot`);
    if (bytes(segment) > MAX_SEGMENT_BYTES) found.push(`${where}: ${bytes(segment)} bytes`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
    if (/[\u0000-\u001f\u007f\\]/.test(segment)) found.push(`${where}: control or backslash`);
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(segment))
      found.push(`${where}: lone surrogate`);
    if (windows && /[:*?"<>|]/.test(segment)) found.push(`${where}: Windows character`);
    if (windows && /[. ]$/.test(segment)) found.push(`${where}: trailing dot or space`);
    if (windows && /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³]) *(\.|$)/i.test(segment))
      found.push(`${where}: reserved name`);
    if (index === 0 && fold(segment) === '.ferry') found.push(`${where}: Ferry's folder`);
    if (fold(segment).endsWith('.ferry-part')) found.push(`${where}: Ferry's part suffix`);
  });
  return found;
}

describe('safeRelativePath: the hostile list of the issue', () => {
  it.each(TARGETS)('keeps every hostile name under the root on $kind', (target) => {
    const hostile = [
      '../x',
      '/etc/x',
      'a\\b',
      'a\u0000b',
      NFD_CAFE,
      `${'n'.repeat(296)}.txt`,
      'a/../../b',
      './.',
      '..',
      'CON.txt',
      'x:y',
      '.ferry/db',
      'name.ferry-part',
      `${'😀'.repeat(80)}.jpg`,
      '漢字'.repeat(60),
      '..\\..\\windows',
      'a/./b',
      ' . /..  /. ',
    ];
    for (const cloudPath of hostile) {
      const mapped = safeRelativePath(cloudPath, target);
      expect({ cloudPath, problems: problems(mapped.path, target) }).toEqual({ cloudPath, problems: [] });
      // ext4 holds these as they are (` . ` is not `.`); everything else needed a change.
      const kept = target.kind === 'ext4' && ['CON.txt', 'x:y', ' . /..  /. '].includes(cloudPath);
      expect({ cloudPath, renamed: mapped.renamed }).toEqual({ cloudPath, renamed: !kept });
      expect(mapped.reasons.length > 0).toBe(!kept);
    }
  });

  it('escapes dot segments instead of resolving them, so each cloud key stays its own file', () => {
    expect(portable('../x')).toBe('%2E%2E/x');
    expect(portable('a/../../b')).toBe('a/%2E%2E/%2E%2E/b');
    expect(portable('./.')).toBe('%2E/%2E');
    expect(safeRelativePath('a/../b').reasons).toEqual(['dot-segment']);
  });

  it('drops a leading slash and empty segments', () => {
    expect(safeRelativePath('/etc/x')).toEqual({ path: 'etc/x', renamed: true, reasons: ['absolute'] });
    expect(safeRelativePath('a//b/')).toEqual({ path: 'a/b', renamed: true, reasons: ['empty-segment'] });
  });

  it('escapes control characters, backslashes and lone surrogates on every target', () => {
    for (const target of TARGETS) {
      expect(safeRelativePath('a\\b', target).path).toBe('a%5Cb');
      expect(safeRelativePath('a\u0000b\u001f\u007f', target).path).toBe('a%00b%1F%7F');
      expect(safeRelativePath('a\ud800b', target)).toMatchObject({
        path: 'a%ED%A0%80b',
        reasons: ['lone-surrogate'],
      });
    }
  });

  it('escapes :*?"<>| and trailing dots or spaces only where the disk refuses them', () => {
    expect(portable('x:y')).toBe('x%3Ay');
    expect(onExt4('x:y')).toBe('x:y');
    expect(portable('a*b?c"d<e>f|g')).toBe('a%2Ab%3Fc%22d%3Ce%3Ef%7Cg');
    expect(safeRelativePath('x:y', diskTarget('ntfs')).path).toBe('x%3Ay');
    expect(portable('a. ')).toBe('a%2E%20');
    expect(portable('dir./f')).toBe('dir%2E/f');
    expect(portable('...')).toBe('%2E%2E%2E');
    expect(onExt4('a. ')).toBe('a. ');
    expect(portable('a.b c')).toBe('a.b c');
  });

  it('keeps NFC after an escape: a combining mark does not join the hex digit', () => {
    const mapped = portable('a:\u0301b');
    expect(mapped).toBe('a%3A%CC%81b');
    expect(mapped.normalize('NFC')).toBe(mapped);
  });

  it('escapes Windows reserved names on NTFS, exFAT and portable, not on ext4', () => {
    expect(portable('CON.txt')).toBe('CO%4E.txt');
    expect(portable('con .txt')).toBe('co%6E .txt');
    expect(portable('lpt1')).toBe('lpt%31');
    expect(portable('COM\u00b9')).toBe('COM%C2%B9');
    expect(portable('aux.tar.gz')).toBe('au%78.tar.gz');
    expect(portable('dir/nul')).toBe('dir/nu%6C');
    expect(safeRelativePath('PRN', diskTarget('exfat')).reasons).toEqual(['reserved-name']);
    expect(onExt4('CON.txt')).toBe('CON.txt');
    for (const fine of ['CONSOLE.txt', 'COM10', 'xcon', 'con-man.txt']) expect(portable(fine)).toBe(fine);
  });

  it("escapes Ferry's own top-level folder and part suffix", () => {
    expect(portable('.ferry/db')).toBe('%2Eferry/db');
    expect(portable('.ferry')).toBe('%2Eferry');
    expect(portable('.FERRY/db')).toBe('%2EFERRY/db');
    expect(onExt4('.FERRY/db')).toBe('.FERRY/db');
    expect(portable('a/.ferry/db')).toBe('a/.ferry/db');
    expect(portable('name.ferry-part')).toBe('name%2Eferry-part');
    expect(portable('dir/x.FERRY-PART')).toBe('dir/x%2EFERRY-PART');
    expect(onExt4('x.FERRY-PART')).toBe('x.FERRY-PART');
    expect(safeRelativePath('.ferry-part').reasons).toEqual(['ferry-part']);
  });

  it('cuts a long name on a code point boundary, keeps its extension, adds a stable hash', () => {
    const long = `${'n'.repeat(296)}.txt`;
    const mapped = safeRelativePath(long);
    expect(mapped.reasons).toEqual(['too-long']);
    expect(bytes(mapped.path)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(mapped.path).toMatch(/^n+~[0-9a-f]{8}\.txt$/);
    expect(safeRelativePath(long).path).toBe(mapped.path);
    const sibling = safeRelativePath(`${'n'.repeat(297)}.txt`).path;
    expect(sibling).not.toBe(mapped.path);
    expect(sibling.replace(/~.*/, '')).toBe(mapped.path.replace(/~.*/, ''));
    // A short name is left alone, a 244-byte one too (room left for `.ferry-part`).
    expect(portable('n'.repeat(MAX_SEGMENT_BYTES))).toBe('n'.repeat(MAX_SEGMENT_BYTES));
    expect(bytes(portable('n'.repeat(MAX_SEGMENT_BYTES + 1)))).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
  });

  it('cuts emoji and CJK names between characters, never inside one', () => {
    for (const [name, char] of [
      [`${'😀'.repeat(80)}.jpg`, '😀'],
      ['漢字'.repeat(60), '漢'],
      [`${'é'.repeat(130)}.txt`, 'é'],
    ] as const) {
      const mapped = portable(name);
      expect(bytes(mapped)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
      expect(bytes(mapped)).toBeGreaterThan(MAX_SEGMENT_BYTES - 12);
      const stem = mapped.replace(/~[0-9a-f]{8}(\.\w+)?$/, '');
      expect(stem.length).toBeGreaterThan(0);
      expect(name.startsWith(stem)).toBe(true);
      expect(stem.startsWith(char)).toBe(true);
      expect(Buffer.from(mapped, 'utf8').toString('utf8')).toBe(mapped);
    }
  });

  it('cuts a long name without splitting an escape', () => {
    const mapped = portable(':'.repeat(120));
    expect(mapped).toMatch(/^(%3A)+~[0-9a-f]{8}$/);
    expect(bytes(mapped)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
  });

  it('returns NFC and leaves a clean path untouched', () => {
    expect(safeRelativePath(NFD_CAFE)).toEqual({ path: NFC_CAFE, renamed: true, reasons: ['not-nfc'] });
    expect(safeRelativePath('Photos/2024/IMG 0001.JPG')).toEqual({
      path: 'Photos/2024/IMG 0001.JPG',
      renamed: false,
      reasons: [],
    });
    expect(safeRelativePath('100% done.txt').path).toBe('100% done.txt');
  });

  it('refuses only a path that names nothing, with UNSAFE_PATH', () => {
    for (const nothing of ['', '/', '//', '///']) {
      let caught: unknown;
      try {
        safeRelativePath(nothing);
      } catch (error) {
        caught = error;
      }
      expect(isFerryError(caught, 'UNSAFE_PATH')).toBe(true);
      expect(() => mapWithTwins(nothing, PORTABLE_TARGET, new Map([['x', 'y']]))).toThrow(/names no file/);
    }
    expect(() => safeRelativePath(undefined as unknown as string)).toThrow(/must be a string/);
  });
});

/** The crawler's naming of one listing (core/src/twins.ts), as the device then maps with it. */
function namedListing(paths: readonly string[]): ReadonlyMap<string, string> {
  const finder = new TwinFinder();
  for (const path of paths) finder.add(path);
  const listed = new Set(paths);
  return nameTwins({
    twins: finder.twins,
    previous: new Map(),
    listed: (path) => listed.has(path),
    wasListed: () => false,
    holderOf: (key) => finder.holderOf(key),
  });
}

describe('mapWithTwins', () => {
  it('gives NFC/NFD twins distinct paths, the natural (NFC) name keeps the plain one', () => {
    const names = namedListing([NFD_CAFE, NFC_CAFE]);
    for (const target of [PORTABLE_TARGET, EXT4]) {
      expect(mapWithTwins(NFC_CAFE, target, names)).toEqual({ path: NFC_CAFE, renamed: false, reasons: [] });
      const twin = mapWithTwins(NFD_CAFE, target, names);
      expect(twin.path).toMatch(new RegExp(`^${NFC_CAFE}~[0-9a-f]{8}$`));
      expect(twin.reasons).toEqual(['not-nfc', 'twin']);
    }
  });

  it('gives names that escape alike, and paths that differ only in slashes, distinct paths', () => {
    const names = namedListing(['a:b', 'a%3Ab']);
    expect(mapWithTwins('a:b', PORTABLE_TARGET, names).path).toMatch(/^a%3Ab~[0-9a-f]{8}$/);
    expect(mapWithTwins('a%3Ab', PORTABLE_TARGET, names).path).toBe('a%3Ab');
    const slashes = ['a/b', 'a//b', '/a/b', 'a/b/', 'a'];
    const named = namedListing(slashes);
    expect(new Set(slashes.map((p) => mapWithTwins(p, PORTABLE_TARGET, named).path)).size).toBe(5);
  });

  it('keeps a folder and its files together when the folder is a twin', () => {
    const names = namedListing(['Dir', 'dir', 'Dir/x.txt', 'dir/x.txt', 'dir/y.txt']);
    const map = (path: string) => mapWithTwins(path, PORTABLE_TARGET, names).path;
    expect(map('Dir/x.txt')).toBe('Dir/x.txt');
    expect(map('dir/x.txt')).toMatch(/^dir~[0-9a-f]{8}\/x\.txt$/);
    expect(posix.dirname(map('dir/y.txt'))).toBe(map('dir'));
  });

  it('ignores a stored name that is not one safe segment (a broken or hostile index doc)', () => {
    for (const hostile of ['../x', 'a/b', '.', '..', 'x\u0000', 'x'.repeat(300), 'a:b'])
      expect(mapWithTwins('d/f.txt', PORTABLE_TARGET, new Map([['d', hostile]])).path).toBe('d/f.txt');
    expect(mapWithTwins('d/f.txt', PORTABLE_TARGET, new Map([['d', 'd~12345678']])).path).toBe(
      'd~12345678/f.txt',
    );
  });
});

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_ALPHABET = [
  '/',
  '/',
  '.',
  '..',
  ' ',
  '\\',
  '\u0000',
  '\u001f',
  '\u007f',
  ':',
  '*',
  '?',
  '"',
  '<',
  '>',
  '|',
  '%',
  '%3A',
  '~',
  'a',
  'A',
  'b',
  NFC_CAFE,
  NFD_CAFE,
  '\u0301',
  '😀',
  '漢',
  '\ud800',
  '\udc00',
  'CON',
  'nul',
  'com1',
  '.ferry',
  '.FERRY-part',
  '.txt',
  'ß',
  'SS',
  '\u212a',
  'k',
  'x'.repeat(100),
  '漢'.repeat(40),
];

function hostileStrings(count: number, random: () => number): string[] {
  const out: string[] = [];
  while (out.length < count) {
    const tokens = 1 + Math.floor(random() * 8);
    let text = '';
    for (let i = 0; i < tokens; i++) text += HOSTILE_ALPHABET[Math.floor(random() * HOSTILE_ALPHABET.length)];
    if (text.split('/').some((segment) => segment.length > 0)) out.push(text);
  }
  return out;
}

describe('property: 5,000 hostile strings', () => {
  const names = hostileStrings(5_000, seeded(20261125));

  it.each(TARGETS)('every mapped path is safe on $kind', (target) => {
    const bad = names
      .map((cloudPath) => ({
        cloudPath,
        problems: problems(safeRelativePath(cloudPath, target).path, target),
      }))
      .filter((found) => found.problems.length > 0);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('is deterministic', () => {
    for (const cloudPath of names.slice(0, 500)) expect(portable(cloudPath)).toBe(portable(cloudPath));
  });

  it.each([PORTABLE_TARGET, EXT4])(
    'named by the crawler, no two cloud paths share one disk path on $kind',
    (target) => {
      const fold = (path: string): string =>
        target.caseInsensitive ? path.normalize('NFC').toUpperCase().toLowerCase() : path.normalize('NFC');
      // A listing holds each path once and only paths that name something.
      const listing = [...new Set(names)].filter((cloudPath) => {
        try {
          safeRelativePath(cloudPath);
          return true;
        } catch {
          return false;
        }
      });
      const twinNames = namedListing(listing);
      const owner = new Map<string, string>();
      let twins = 0;
      for (const cloudPath of listing) {
        const mapped = mapWithTwins(cloudPath, target, twinNames);
        expect(problems(mapped.path, target)).toEqual([]);
        if (mapped.reasons.includes('twin')) twins++;
        const key = fold(mapped.path);
        const holder = owner.get(key) ?? cloudPath;
        expect({ key, holder }).toEqual({ key, holder: cloudPath });
        owner.set(key, cloudPath);
      }
      expect(twins).toBeGreaterThan(10);
    },
  );
});
