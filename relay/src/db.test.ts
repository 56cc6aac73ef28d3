import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRelayDb, Table } from './db.js';

describe('openRelayDb', () => {
  it('keeps records across a reopen and refuses a second opener with CONFLICT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-db-'));
    try {
      const db = await openRelayDb(dir);
      const table = new Table<{ n: number }>(db.level, 'things');
      await table.put('alice/a', { n: 1 });
      await table.put('alice/b', { n: 2 });
      await table.put('alicex/c', { n: 3 });
      await table.put('bob/a', { n: 4 });
      await expect(openRelayDb(dir)).rejects.toMatchObject({ code: 'CONFLICT' });
      await db.close();
      const again = await openRelayDb(dir);
      const reopened = new Table<{ n: number }>(again.level, 'things');
      expect(await reopened.get('alice/b')).toEqual({ n: 2 });
      expect(await reopened.get('nope')).toBeUndefined();
      expect(await reopened.valuesWithPrefix('alice/')).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await new Table(again.level, 'empty').isEmpty()).toBe(true);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
