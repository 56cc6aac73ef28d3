import { diskTarget, indexDocName, PORTABLE_TARGET, safeRelativePath, writeTwins } from '@ferry/core';
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
  it('maps twins apart whatever the order, and everything else on its own', async () => {
    const upper = 'Photos/A.txt';
    const lower = 'photos/a.txt';
    const orders = [
      [upper, lower],
      [lower, upper],
    ];
    const results: string[][] = [];
    for (const order of orders) {
      const docs = new Map<string, Y.Doc>();
      const index = new Y.Doc();
      docs.set(indexDocName('c'), index);
      writeTwins(index, new Set(['Photos', 'photos', upper, lower]));
      const paths = await containerPaths(replicaWith(docs), 'c', PORTABLE_TARGET);
      const mapped = Object.fromEntries(order.map((p) => [p, paths.map(p).path]));
      results.push([mapped[upper] as string, mapped[lower] as string]);
      expect(paths.map('docs/x:y.txt')).toEqual({
        path: safeRelativePath('docs/x:y.txt').path,
        renamed: true,
      });
    }
    expect(results[0]).toEqual(results[1]);
    const [a, b] = results[0] as [string, string];
    expect(a.toLowerCase()).not.toBe(b.toLowerCase());
  });

  it('follows the twin list of the index doc as crawls change it', async () => {
    const docs = new Map<string, Y.Doc>();
    const index = new Y.Doc();
    docs.set(indexDocName('c'), index);
    const paths = await containerPaths(replicaWith(docs), 'c', diskTarget('ntfs'));
    expect(paths.map('a.txt').path).toBe('a.txt');
    expect(paths.map('A.txt').path).toBe('A.txt'); // not known as twins yet: same disk name on NTFS
    writeTwins(index, new Set(['a.txt', 'A.txt']));
    const now = [paths.map('a.txt').path, paths.map('A.txt').path];
    expect(now[0]?.toLowerCase()).not.toBe(now[1]?.toLowerCase());
  });
});
