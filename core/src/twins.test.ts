import { describe, expect, it } from 'vitest';
import { findTwins, touchesTwin } from './twins.js';

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

  it('tells which paths need the allocator: a twin or anything under a twin folder', () => {
    const twins = new Set(['Photos', 'photos']);
    expect(touchesTwin('photos/2024/1.jpg', twins)).toBe(true);
    expect(touchesTwin('Photos', twins)).toBe(true);
    expect(touchesTwin('photos2/1.jpg', twins)).toBe(false);
    expect(touchesTwin('other/photos', twins)).toBe(false);
    expect(touchesTwin('x', new Set())).toBe(false);
  });
});
