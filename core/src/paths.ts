import { FerryError } from './errors.js';
import { md5Hex } from './md5.js';

/**
 * Path safety: a cloud name (a `/`-separated path relative to a container root, as a provider
 * gives it) becomes a relative path that stays under the container folder and that the disk's
 * file system can hold. Names are mapped, never skipped: a backup tool must not lose a file
 * because of its name. The rules, the escape and their limits are in docs/paths.md.
 */

/** The file system of the backup disk. `portable` is what ext4, exFAT and NTFS can all hold. */
export type DiskKind = 'ext4' | 'exfat' | 'ntfs' | 'portable';

export interface DiskTarget {
  kind: DiskKind;
  /** True when `A.txt` and `a.txt` are the same file (NTFS, exFAT, ext4 with casefold). */
  caseInsensitive: boolean;
}

/** The strictest target and the default: names that all three file systems hold, case folded. */
export const PORTABLE_TARGET: DiskTarget = Object.freeze({ kind: 'portable', caseInsensitive: true });

/** The usual target for a file system as it is formatted by default. */
export function diskTarget(kind: DiskKind): DiskTarget {
  return { kind, caseInsensitive: kind !== 'ext4' };
}

/** Why a name was changed, in the order the rules run (reasons are listed in this order). */
export const RENAME_REASONS = [
  'absolute',
  'empty-segment',
  'not-nfc',
  'control-char',
  'backslash',
  'lone-surrogate',
  'windows-char',
  'dot-segment',
  'trailing-dot-space',
  'reserved-name',
  'ferry-folder',
  'ferry-part',
  'too-long',
  'twin',
] as const;

export type RenameReason = (typeof RENAME_REASONS)[number];

export interface MappedPath {
  /** Relative, `/`-separated, NFC; every segment non-empty, not `.`/`..`, at most MAX_SEGMENT_BYTES. */
  path: string;
  /** True when `path` differs from the cloud path (the device logs it and shows it on the panel). */
  renamed: boolean;
  reasons: RenameReason[];
}

/** The suffix the device gives a file while it downloads (device/src/fetch-file.ts). */
export const FERRY_PART_SUFFIX = '.ferry-part';
/** The folder at the disk root that holds Ferry's own state (device/src/identity.ts). */
export const FERRY_FOLDER = '.ferry';
/** ext4, exFAT and NTFS all cap one name at 255 (bytes on ext4, UTF-16 units on the others). */
export const MAX_NAME_BYTES = 255;
/** A mapped name leaves room for `.ferry-part`, so the partial file's name fits as well. */
export const MAX_SEGMENT_BYTES = MAX_NAME_BYTES - FERRY_PART_SUFFIX.length;

/** An extension is kept through truncation when it is this short (bytes, dot included). */
const MAX_EXTENSION_BYTES = 16;
/** Hex digits of the short hash in `~<hash>`: 32 bits, enough to keep siblings apart. */
const TAG_HEX = 8;

const WINDOWS_FORBIDDEN = new Set([':', '*', '?', '"', '<', '>', '|']);
/** Win32 names refused whatever their extension; COM¹ and friends count too. */
const WINDOWS_RESERVED = new Set([
  'CON',
  'PRN',
  'AUX',
  'NUL',
  'CONIN$',
  'CONOUT$',
  ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '¹', '²', '³'].flatMap((d) => [`COM${d}`, `LPT${d}`]),
]);

const COMBINING_MARK = /^\p{M}/u;

const followsWindowsRules = (target: DiskTarget): boolean => target.kind !== 'ext4';

// biome-ignore lint/suspicious/noControlCharactersInRegex: all of ASCII, control characters included
const ASCII = /^[\u0000-\u007f]*$/;

/** Case folding as the disk compares names; identity on a case-sensitive target. */
export function foldName(name: string, target: DiskTarget): string {
  if (!target.caseInsensitive) return name;
  // Upper then lower catches ß/SS and the Kelvin sign; plain ASCII needs only the last step.
  return ASCII.test(name) ? name.toLowerCase() : name.toUpperCase().toLowerCase().normalize('NFC');
}

/** Whether the disk sees `name` and `reserved` (lowercase ASCII) as the same name. */
function sameName(name: string, reserved: string, target: DiskTarget): boolean {
  return name === reserved || (target.caseInsensitive && foldName(name, target) === reserved);
}

/** UTF-8 bytes of a string; a lone surrogate becomes its 3-byte WTF-8 form, so no two strings share bytes. */
function utf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    const cp = char.codePointAt(0) as number;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else
      bytes.push(
        0xf0 | (cp >> 18),
        0x80 | ((cp >> 12) & 0x3f),
        0x80 | ((cp >> 6) & 0x3f),
        0x80 | (cp & 0x3f),
      );
  }
  return Uint8Array.from(bytes);
}

/** `%XX` per UTF-8 byte, uppercase hex: `:` → `%3A`, NUL → `%00`. */
function percentEscape(char: string): string {
  let out = '';
  for (const byte of utf8(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** UTF-8 length of a unit (a code point or an ASCII escape). */
function unitBytes(unit: string): number {
  const cp = unit.codePointAt(0) as number;
  if (unit.length > 2 || cp < 0x80) return unit.length; // escapes and ASCII
  return cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** A mapped name cut into pieces that truncation must not split: code points and `%XX` escapes. */
function units(name: string): string[] {
  return name.match(/%[0-9A-F]{2}|[\s\S]/gu) ?? [];
}

const bytesOf = (parts: string[]): number => parts.reduce((sum, unit) => sum + unitBytes(unit), 0);

/** First TAG_HEX hex digits of the MD5 of `text`: stable across runs and machines. */
function shortHash(text: string): string {
  return md5Hex(utf8(text)).slice(0, TAG_HEX);
}

/**
 * `<stem>~<tag><ext>` within MAX_SEGMENT_BYTES: the stem is cut on a code point / escape boundary,
 * a short extension (`.jpg`) is kept so the file still opens with the right program.
 */
function withTag(name: string, tag: string): string {
  const parts = units(name);
  const dot = parts.lastIndexOf('.');
  const ext = dot > 0 && bytesOf(parts.slice(dot)) <= MAX_EXTENSION_BYTES ? parts.slice(dot) : [];
  const stem = parts.slice(0, parts.length - ext.length);
  const budget = MAX_SEGMENT_BYTES - (1 + tag.length) - bytesOf(ext);
  let used = 0;
  let keep = 0;
  while (keep < stem.length && used + unitBytes(stem[keep] as string) <= budget) {
    used += unitBytes(stem[keep] as string);
    keep++;
  }
  // A cut can leave a base letter without its combining mark: normalize again so the name stays NFC.
  return `${stem.slice(0, keep).join('')}~${tag}${ext.join('')}`.normalize('NFC');
}

interface Segment {
  /** The segment as the cloud spells it (not normalized). */
  raw: string;
  /** Its mapped name on the disk, before twins are resolved. */
  safe: string;
  /** Offset in the cloud path just past this segment (past trailing slashes for the last one). */
  rawEnd: number;
}

/** Printable ASCII with nothing any target refuses: the common case, checked without splitting. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the class excludes control characters
const PLAIN_ASCII = /^[^\u0000-\u001f\u007f-\uffff\\:*?"<>|]+$/;

/** True when mapSegment would return `raw` unchanged (a shortcut: most names need nothing). */
function isPlain(raw: string, top: boolean, target: DiskTarget): boolean {
  if (raw.length > MAX_SEGMENT_BYTES || raw === '.' || raw === '..' || !PLAIN_ASCII.test(raw)) return false;
  if (followsWindowsRules(target)) {
    const last = raw[raw.length - 1];
    if (last === '.' || last === ' ') return false;
    const dot = raw.indexOf('.');
    if (WINDOWS_RESERVED.has((dot < 0 ? raw : raw.slice(0, dot)).trimEnd().toUpperCase())) return false;
  }
  if (top && sameName(raw, FERRY_FOLDER, target)) return false;
  return !sameName(raw.slice(-FERRY_PART_SUFFIX.length), FERRY_PART_SUFFIX, target);
}

function mapSegment(raw: string, top: boolean, target: DiskTarget, reasons: Set<RenameReason>): string {
  if (isPlain(raw, top, target)) return raw;
  const name = raw.normalize('NFC');
  if (name !== raw) reasons.add('not-nfc');
  const windows = followsWindowsRules(target);
  const parts: string[] = [];
  let escaped: RenameReason | undefined;
  for (const char of name) {
    const cp = char.codePointAt(0) as number;
    let reason: RenameReason | undefined;
    if (cp < 0x20 || cp === 0x7f) reason = 'control-char';
    else if (char === '\\') reason = 'backslash';
    else if (cp >= 0xd800 && cp <= 0xdfff) reason = 'lone-surrogate';
    else if (windows && WINDOWS_FORBIDDEN.has(char)) reason = 'windows-char';
    // A combining mark after an escape would compose with its hex digit (`%3A` + U+0301 → `%3Á`).
    else if (escaped !== undefined && COMBINING_MARK.test(char)) reason = escaped;
    escaped = reason;
    if (reason === undefined) parts.push(char);
    else {
      reasons.add(reason);
      parts.push(percentEscape(char));
    }
  }

  if (name === '.' || name === '..') {
    reasons.add('dot-segment');
    parts.splice(0, parts.length, ...parts.map(percentEscape));
  }
  if (windows) {
    // Win32 drops trailing dots and spaces, so `a.` would become `a`: escape the whole run.
    for (let i = parts.length - 1; i >= 0 && (parts[i] === '.' || parts[i] === ' '); i--) {
      parts[i] = percentEscape(parts[i] as string);
      reasons.add('trailing-dot-space');
    }
    // Win32 reserves CON, NUL, COM1, ... with any extension (and trailing spaces before it).
    const firstDot = parts.indexOf('.');
    let stemEnd = firstDot < 0 ? parts.length : firstDot;
    while (stemEnd > 0 && parts[stemEnd - 1] === ' ') stemEnd--;
    if (stemEnd > 0 && WINDOWS_RESERVED.has(parts.slice(0, stemEnd).join('').toUpperCase())) {
      parts[stemEnd - 1] = percentEscape(parts[stemEnd - 1] as string);
      reasons.add('reserved-name');
    }
  }
  if (top && sameName(parts.join(''), FERRY_FOLDER, target)) {
    parts[0] = percentEscape('.');
    reasons.add('ferry-folder');
  }
  const tail = parts.slice(-FERRY_PART_SUFFIX.length);
  if (tail.length === FERRY_PART_SUFFIX.length && sameName(tail.join(''), FERRY_PART_SUFFIX, target)) {
    parts[parts.length - FERRY_PART_SUFFIX.length] = percentEscape('.');
    reasons.add('ferry-part');
  }

  const mapped = parts.join('');
  if (bytesOf(parts) <= MAX_SEGMENT_BYTES) return mapped;
  reasons.add('too-long');
  return withTag(mapped, shortHash(raw));
}

function mapSegments(
  cloudPath: string,
  target: DiskTarget,
): { segments: Segment[]; reasons: Set<RenameReason> } {
  if (typeof cloudPath !== 'string')
    throw new FerryError('UNSAFE_PATH', `a cloud path must be a string, not ${typeof cloudPath}`);
  const reasons = new Set<RenameReason>();
  const segments: Segment[] = [];
  let start = 0;
  for (let end = 0; end <= cloudPath.length; end++) {
    if (end < cloudPath.length && cloudPath[end] !== '/') continue;
    const raw = cloudPath.slice(start, end);
    if (raw.length === 0) reasons.add(start === 0 && end < cloudPath.length ? 'absolute' : 'empty-segment');
    else segments.push({ raw, safe: mapSegment(raw, segments.length === 0, target, reasons), rawEnd: end });
    start = end + 1;
  }
  const last = segments.at(-1);
  if (last === undefined)
    throw new FerryError(
      'UNSAFE_PATH',
      `the cloud path '${cloudPath}' names no file or folder (it is empty or only slashes)`,
      'the listing that gave this path is broken; the entry is set aside',
    );
  last.rawEnd = cloudPath.length;
  return { segments, reasons };
}

const ordered = (reasons: Set<RenameReason>): RenameReason[] => RENAME_REASONS.filter((r) => reasons.has(r));

/**
 * Maps one cloud path to a safe relative disk path, alone (a container's twins: mapWithTwins).
 * Deterministic; throws UNSAFE_PATH only for a path that names nothing (`''`, `/`).
 */
export function safeRelativePath(cloudPath: string, target: DiskTarget = PORTABLE_TARGET): MappedPath {
  const { segments, reasons } = mapSegments(cloudPath, target);
  const path = segments.map((segment) => segment.safe).join('/');
  return { path, renamed: path !== cloudPath, reasons: ordered(reasons) };
}

/**
 * Maps a cloud path with the container's twin names (core/src/twins.ts): a segment whose cloud
 * prefix has a name there takes that name; every other segment maps as in safeRelativePath. With
 * no twin names this is safeRelativePath. A stored name that is not one safe segment (a broken or
 * hostile index doc) is ignored: the segment keeps its own safe name.
 */
/** Where mapWithTwins looks names up: a Map, a Y.Map, or several of them in turn. */
export interface TwinNameLookup {
  readonly size: number;
  get(cloudPath: string): string | undefined;
}

export function mapWithTwins(cloudPath: string, target: DiskTarget, twinNames: TwinNameLookup): MappedPath {
  if (twinNames.size === 0) return safeRelativePath(cloudPath, target);
  const { segments, reasons } = mapSegments(cloudPath, target);
  const names: string[] = [];
  for (const segment of segments) {
    const stored = twinNames.get(cloudPath.slice(0, segment.rawEnd));
    if (stored !== undefined && stored !== '' && isSafeSegment(stored)) {
      names.push(stored);
      reasons.add('twin');
    } else names.push(segment.safe);
  }
  const path = names.join('/');
  return { path, renamed: path !== cloudPath, reasons: ordered(reasons) };
}

/** A name that maps to itself on the strictest disk, below the top folder: usable as a twin's name. */
export function isSafeSegment(name: string): boolean {
  return (
    typeof name === 'string' &&
    !name.includes('/') &&
    name !== '' &&
    safeRelativePath(`x/${name}`).path === `x/${name}`
  );
}

/**
 * A twin's own name: `<stem>~<8 hex><ext>` from its safe name and the hash of its cloud path
 * (`attempt` > 0 when that name is taken too).
 */
export function twinTag(safeName: string, cloudPath: string, attempt = 0): string {
  return withTag(safeName, shortHash(attempt === 0 ? cloudPath : `${cloudPath}\u0000${attempt}`));
}
