import { diskTarget, indexDocName, PORTABLE_TARGET, safeRelativePath, writeTwinNames } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { containerPaths } from './paths.js';
import type { Replica } from './worker.js';

function replicaWith(docs: Map<string, Y.Doc>): Replica {
  return {
    open: async (name) => docs.get(name) ?? (docs.set(name, new Y.Doc()).get(name) as Y.Doc),
    close: async () => {},
  };
}

describe('containerPaths', () => {
  it("maps with the crawler's twin names, and everything else on its own", async () => {
    const docs = new Map<string, Y.Doc>();
    const index = new Y.Doc();
    docs.set(indexDocName('c'), index);
    writeTwinNames(
      index,
      new Map([
        ['photos', 'photos~0123abcd'],
        ['Photos', ''],
      ]),
    );
    const paths = await containerPaths(replicaWith(docs), 'c', PORTABLE_TARGET);
    expect(paths.map('photos/a.txt')).toEqual({ path: 'photos~0123abcd/a.txt', renamed: true });
    expect(paths.map('Photos/A.txt')).toEqual({ path: 'Photos/A.txt', renamed: false });
    expect(paths.map('docs/x:y.txt')).toEqual({ path: safeRelativePath('docs/x:y.txt').path, renamed: true });
  });

  it('follows the twin names of the index doc as crawls change them', async () => {
    const docs = new Map<string, Y.Doc>();
    const index = new Y.Doc();
    docs.set(indexDocName('c'), index);
    const paths = await containerPaths(replicaWith(docs), 'c', diskTarget('ntfs'));
    expect(paths.map('A.txt').path).toBe('A.txt'); // not named yet: the plain name
    writeTwinNames(index, new Map([['A.txt', 'A~0123abcd.txt']]));
    expect(paths.map('A.txt').path).toBe('A~0123abcd.txt');
    expect(paths.map('a.txt').path).toBe('a.txt');
  });
});
