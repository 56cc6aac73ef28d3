import { FerryError } from './errors.js';

/**
 * Sizes and durations as people type them in flags (`5GB`, `512MiB`, `24h`, `1h30m`).
 * Decimal units are powers of 1000 and binary units (with `i`) powers of 1024, as disk makers and
 * `df -H` / `df -h` use them; a bare number is bytes. Units are case-insensitive (`5gb` is 5 GB).
 */

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** `5GB` → 5000000000; `512MiB` → 536870912; `1024` → 1024. Throws FERRY_BAD_SIZE. */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  const hint = 'write a number and a unit: 5GB, 512MiB, 1.5TB (B, KB, MB, GB, TB; KiB, MiB, GiB, TiB)';
  if (!match) throw new FerryError('BAD_SIZE', `'${text}' is not a size`, hint);
  const [, amount, unit] = match as unknown as [string, string, string];
  const factor = SIZE_UNITS[unit.toLowerCase() || 'b'];
  if (factor === undefined) throw new FerryError('BAD_SIZE', `'${text}' has an unknown unit '${unit}'`, hint);
  const bytes = Math.round(Number(amount) * factor);
  if (!Number.isSafeInteger(bytes)) throw new FerryError('BAD_SIZE', `'${text}' is too large`, hint);
  return bytes;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/**
 * `24h` → 86400000; `90m`, `1h30m`, `45s`, `500ms`, `7d`. A bare number is refused: minutes and
 * seconds are both plausible readings, and guessing wrong would crawl 60 times too often.
 * Throws FERRY_BAD_DURATION.
 */
export function parseDuration(text: string): number {
  const source = text.trim().toLowerCase();
  const hint = 'write a number and a unit: 24h, 90m, 1h30m, 45s, 500ms, 7d';
  if (/^\d+(\.\d+)?$/.test(source)) throw new FerryError('BAD_DURATION', `'${text}' has no unit`, hint);
  let total = 0;
  let at = 0;
  DURATION_PART.lastIndex = 0;
  while (at < source.length) {
    DURATION_PART.lastIndex = at;
    const match = DURATION_PART.exec(source);
    if (!match) throw new FerryError('BAD_DURATION', `'${text}' is not a duration`, hint);
    const [, amount, unit] = match as unknown as [string, string, string];
    total += Number(amount) * (DURATION_UNITS[unit] as number);
    at = DURATION_PART.lastIndex;
  }
  if (source.length === 0) throw new FerryError('BAD_DURATION', 'an empty duration', hint);
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw new FerryError('BAD_DURATION', `'${text}' is too long`, hint);
  return ms;
}

/** 1536 → `1.5 KiB`; for logs and status lines (binary units, as `df -h`). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${units[unit]}`;
}

/** 5400000 → `1h30m`; 0 → `0s`; sub-second values in ms. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return parts.join('');
}
