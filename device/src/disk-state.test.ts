import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskState } from './disk-state.js';

const folders: string[] = [];
async function tempDisk(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'ferry-disk-state-'));
  folders.push(folder);
  return folder;
}
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describe('DiskState', () => {
  it('keeps docs, dirty marks and the ledger across a reopen', async () => {
    const disk = await tempDisk();
    const first = await DiskState.open(disk);
    const doc = await first.docs.get('c/photos/g/0');
    doc.getMap('receipts/pi').set('a.jpg', 'md5:00');
    doc.getMap('receipts/pi').set('b.jpg', 'md5:11');
    const other = await first.docs.get('c/photos/g/10');
    other.getMap('entries').set('z', 1);
    await first.dirty.put('c/photos/g/0', '1');
    await first.ledger.startPart('photos/a.jpg', 'md5:00');
    await first.close();

    const second = await DiskState.open(disk);
    const again = await second.docs.get('c/photos/g/0');
    expect(again.getMap('receipts/pi').toJSON()).toEqual({ 'a.jpg': 'md5:00', 'b.jpg': 'md5:11' });
    // `g/1` is a prefix of `g/10` as a string: the stored ranges must not mix them.
    expect((await second.docs.get('c/photos/g/1')).getMap('entries').size).toBe(0);
    expect((await second.docs.get('c/photos/g/10')).getMap('entries').toJSON()).toEqual({ z: 1 });
    const dirty: string[] = [];
    for await (const key of second.dirty.keys()) dirty.push(key);
    expect(dirty).toEqual(['c/photos/g/0']);
    expect(await second.ledger.partVersion('photos/a.jpg')).toBe('md5:00');
    await second.close();
  });

  it('compacts a doc with many updates without changing it, and releases docs', async () => {
    const disk = await tempDisk();
    const state = await DiskState.open(disk);
    const doc = await state.docs.get('d/pi');
    for (let i = 0; i < 200; i++) doc.getMap('status').set('free', i);
    await state.docs.flush();
    state.docs.release('d/pi');
    const reloaded = await state.docs.get('d/pi');
    expect(reloaded).not.toBe(doc);
    expect(reloaded.getMap('status').get('free')).toBe(199);
    reloaded.getMap('status').set('free', 500);
    await state.close();

    const reopened = await DiskState.open(disk);
    expect((await reopened.docs.get('d/pi')).getMap('status').get('free')).toBe(500);
    let stored = 0;
    for await (const _ of (reopened.docs as unknown as { sub: { keys(): AsyncIterable<string> } }).sub.keys())
      stored++;
    expect(stored).toBeLessThanOrEqual(2);
    await reopened.close();
  });

  it('refuses a second device process on the same disk', async () => {
    const disk = await tempDisk();
    const state = await DiskState.open(disk);
    await expect(DiskState.open(disk)).rejects.toMatchObject({ code: 'CONFLICT' });
    await state.close();
  });
});

describe('DiskDocs release and reload', () => {
  it('loses no update when a doc is released and loaded again before its writes are done', async () => {
    const disk = await tempDisk();
    const state = await DiskState.open(disk);
    for (let i = 0; i < 50; i++) {
      const doc = await state.docs.get('c/x/g/0');
      doc.getMap('receipts/pi').set(`f${i}`, `v${i}`);
      state.docs.release('c/x/g/0');
    }
    await state.close();
    const reopened = await DiskState.open(disk);
    expect((await reopened.docs.get('c/x/g/0')).getMap('receipts/pi').size).toBe(50);
    await reopened.close();
  });
});
