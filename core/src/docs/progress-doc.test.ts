import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type GroupProgress, readGroupProgress, totalProgress, writeGroupProgress } from './progress-doc.js';

const progress = (files: number, fetchedFiles: number, generation = 1): GroupProgress => ({
  files,
  bytes: files * 10,
  fetchedFiles,
  fetchedBytes: fetchedFiles * 10,
  generation,
});

describe('progress doc', () => {
  it('round-trips per-group progress through an encoded update, keyed by group number', () => {
    const doc = new Y.Doc();
    writeGroupProgress(doc, 0, progress(3, 3));
    writeGroupProgress(doc, 12, progress(5, 1, 2));
    writeGroupProgress(doc, 0, progress(3, 2, 3));
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(readGroupProgress(copy)).toEqual(
      new Map([
        [0, progress(3, 2, 3)],
        [12, progress(5, 1, 2)],
      ]),
    );
  });

  it('sums a container and counts its complete groups', () => {
    const doc = new Y.Doc();
    expect(totalProgress(doc)).toEqual({
      files: 0,
      bytes: 0,
      fetchedFiles: 0,
      fetchedBytes: 0,
      completeGroups: 0,
    });
    writeGroupProgress(doc, 0, progress(3, 3));
    writeGroupProgress(doc, 1, progress(4, 1));
    writeGroupProgress(doc, 2, progress(2, 2));
    expect(totalProgress(doc)).toEqual({
      files: 9,
      bytes: 90,
      fetchedFiles: 6,
      fetchedBytes: 60,
      completeGroups: 2,
    });
  });

  it('marks its writes with the device origin unless told otherwise', () => {
    const doc = new Y.Doc();
    const seen: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => seen.push(tr.origin));
    writeGroupProgress(doc, 0, progress(1, 1));
    writeGroupProgress(doc, 0, progress(1, 0), 'pi4');
    expect(seen).toEqual(['device', 'pi4']);
  });
});
