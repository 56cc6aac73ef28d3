import { indexDocName, progressDocName, writeGroupProgress, writeGroupSummaries } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { countContainerFiles } from './container-files.js';

/** Docs in memory, counting opens and closes: every open must be closed again. */
function memoryReplica() {
  const docs = new Map<string, Y.Doc>();
  const users = new Map<string, number>();
  const doc = (name: string) => {
    const found = docs.get(name) ?? new Y.Doc();
    docs.set(name, found);
    return found;
  };
  return {
    doc,
    users,
    open: async (name: string) => {
      users.set(name, (users.get(name) ?? 0) + 1);
      return doc(name);
    },
    close: async (name: string) => {
      users.set(name, (users.get(name) ?? 0) - 1);
    },
  };
}

const tally = (files: number, fetchedFiles: number, generation: number) => ({
  files,
  bytes: files * 10,
  fetchedFiles,
  fetchedBytes: fetchedFiles * 10,
  generation,
});

describe('countContainerFiles', () => {
  it("sums the index's files and this device's fetched files of the current crawl", async () => {
    const replica = memoryReplica();
    writeGroupSummaries(replica.doc(indexDocName('photos')), [
      [0, { files: 1000, bytes: 1, generation: 1 }],
      [1, { files: 1000, bytes: 1, generation: 3 }], // changed by the last crawl
      [2, { files: 400, bytes: 1, generation: 1 }],
    ]);
    const progress = replica.doc(progressDocName('photos', 'pi'));
    writeGroupProgress(progress, 0, tally(1000, 1000, 1));
    writeGroupProgress(progress, 1, tally(1000, 1000, 2)); // done for an older crawl: not counted
    writeGroupProgress(progress, 2, tally(400, 150, 1));
    writeGroupProgress(replica.doc(progressDocName('photos', 'other')), 2, tally(400, 400, 1));
    expect(await countContainerFiles(replica, 'photos', 'pi')).toEqual({
      container: 'photos',
      done: 1150,
      total: 2400,
    });
    expect([...replica.users.values()].every((count) => count === 0)).toBe(true);
  });

  it('counts nothing done for a container not started, and closes its docs', async () => {
    const replica = memoryReplica();
    writeGroupSummaries(replica.doc(indexDocName('new')), [[0, { files: 7, bytes: 1, generation: 1 }]]);
    expect(await countContainerFiles(replica, 'new', 'pi')).toEqual({ container: 'new', done: 0, total: 7 });
    expect(replica.users.get(indexDocName('new'))).toBe(0);
    expect(replica.users.get(progressDocName('new', 'pi'))).toBe(0);
  });
});
