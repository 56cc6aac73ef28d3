import { describe, expect, it } from 'vitest';
import { isFerryError } from './errors.js';
import { formatBytes, formatDuration, parseDuration, parseSize } from './units.js';

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['1024', 1024],
    ['5GB', 5_000_000_000],
    ['5gb', 5_000_000_000],
    ['512MiB', 512 * 2 ** 20],
    ['1.5TB', 1.5e12],
    ['10 KiB', 10_240],
    ['7B', 7],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'GB', '5XB', '-1GB', '1e9', '5 G B', '1.2.3MB', '99999999999PB'])(
    'refuses %j with FERRY_BAD_SIZE',
    (text) => {
      expect(() => parseSize(text)).toThrow(expect.objectContaining({ code: 'BAD_SIZE' }));
    },
  );
});

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['45s', 45_000],
    ['500ms', 500],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '24', 'h', '24x', '1h 30m', '-5m', 'm5'])('refuses %j with FERRY_BAD_DURATION', (text) => {
    let caught: unknown;
    try {
      parseDuration(text);
    } catch (error) {
      caught = error;
    }
    expect(isFerryError(caught, 'BAD_DURATION')).toBe(true);
  });

  it('explains why a bare number is refused', () => {
    expect(() => parseDuration('90')).toThrow(/no unit/);
  });
});

describe('formatting', () => {
  it('formats bytes and durations for people', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(5 * 2 ** 30)).toBe('5.00 GiB');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(90_061_000)).toBe('1d1h1m1s');
  });
});
