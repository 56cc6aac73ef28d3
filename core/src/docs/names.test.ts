import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import {
  checkLabel,
  checkName,
  type DocName,
  deviceDocName,
  formatDocName,
  groupDocName,
  indexDocName,
  parseDocName,
  progressDocName,
} from './names.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FerryError);
    return (error as FerryError).code;
  }
  return 'nothing thrown';
}

describe('document names', () => {
  it.each<[string, DocName]>([
    ['c/photos', { kind: 'index', container: 'photos' }],
    ['c/photos/g/0', { kind: 'group', container: 'photos', group: 0 }],
    ['c/photos/g/999999999', { kind: 'group', container: 'photos', group: 999_999_999 }],
    ['c/a.b_c-1/p/disk-1', { kind: 'progress', container: 'a.b_c-1', device: 'disk-1' }],
    ['d/pi4', { kind: 'device', device: 'pi4' }],
  ])('%s parses and formats back', (raw, name) => {
    expect(parseDocName(raw)).toEqual(name);
    expect(formatDocName(name)).toBe(raw);
  });

  it('has one builder per kind', () => {
    expect(indexDocName('x')).toBe('c/x');
    expect(groupDocName('x', 3)).toBe('c/x/g/3');
    expect(progressDocName('x', 'dev')).toBe('c/x/p/dev');
    expect(deviceDocName('dev')).toBe('d/dev');
  });

  it.each([
    '',
    'c',
    'c/',
    'd',
    'd/',
    'd/a/b',
    'x/photos',
    '/c/photos',
    'c/photos/',
    'c//g/1',
    'c/photos/g',
    'c/photos/g/',
    'c/photos/g/01',
    'c/photos/g/-1',
    'c/photos/g/1.5',
    'c/photos/g/1e3',
    'c/photos/g/ 1',
    'c/photos/g/1234567890',
    'c/photos/g/1/x',
    'c/photos/p/',
    'c/photos/p/..',
    'c/photos/p/a/b',
    'c/photos/q/1',
    'c/..',
    'c/a..b',
    'c/.hidden',
    'c/-dash',
    'c/with space',
    'c/tab\tname',
    'c/nul\u0000',
    'c/über',
    `c/${'a'.repeat(65)}`,
    `c/photos/g/1${'/x'.repeat(100)}`,
    'C/photos',
  ])('refuses %j with BAD_DOC_NAME', (raw) => {
    expect(codeOf(() => parseDocName(raw))).toBe('BAD_DOC_NAME');
  });

  it.each([undefined, null, 12, {}, ['c', 'x']])('refuses the non-string %j with BAD_DOC_NAME', (raw) => {
    expect(codeOf(() => parseDocName(raw as unknown as string))).toBe('BAD_DOC_NAME');
  });

  it('quotes at most 200 characters of a refused name', () => {
    try {
      parseDocName(`c/${'x'.repeat(5000)}`);
      expect.fail('accepted an over-long name');
    } catch (error) {
      expect((error as FerryError).message.length).toBeLessThan(260);
    }
  });
});

describe('checkName', () => {
  it('accepts plain identifiers up to 64 characters', () => {
    expect(checkName('device', 'a')).toBe('a');
    expect(checkName('container', `A${'b'.repeat(63)}`)).toHaveLength(64);
  });
  it.each(['', '.a', 'a/b', 'a..b', 'a b', `a${'b'.repeat(64)}`])('refuses %j with BAD_INPUT', (name) => {
    expect(codeOf(() => checkName('user', name))).toBe('BAD_INPUT');
  });
});

describe('checkLabel', () => {
  it('trims, composes to NFC, allows any printable text up to 64 characters, and clears with empty', () => {
    expect(checkLabel('  Living-room NAS\t')).toBe('Living-room NAS');
    expect(checkLabel('Cafe\u0301 disk')).toBe('Café disk');
    expect(checkLabel('📦'.repeat(64))).toBe('📦'.repeat(64));
    expect(checkLabel('   ')).toBe('');
  });

  it('refuses control characters, more than 64 characters and non-strings with BAD_INPUT', () => {
    for (const bad of ['a\u0000b', 'line\nbreak', 'x'.repeat(65), 42 as unknown as string])
      expect(() => checkLabel(bad)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});
