import { entriesMap, receiptsMap, writeEntries, writeReceipt } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkUpdate } from './update-rights.js';

const RECEIPTS = { maps: ['receipts/disk1'] };
const entry = (path: string) => ({ path, size: 1, mtime: 1000, isDir: false });

/** The relay's doc (crawler entries) and a device replica in step with it. */
function pair() {
  const relay = new Y.Doc();
  writeEntries(relay, [entry('a'), entry('b'), entry('c')]);
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(relay));
  return { relay, device };
}

/** The update a change on the device produces. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  const updates: Uint8Array[] = [];
  const listen = (update: Uint8Array) => updates.push(update);
  doc.on('update', listen);
  change();
  doc.off('update', listen);
  return Y.mergeUpdates(updates);
}

describe('checkUpdate', () => {
  it("accepts a device's own receipts, new and overwritten", () => {
    const { relay, device } = pair();
    const first = updateOf(device, () => writeReceipt(device, 'disk1', 'a', 'v1'));
    expect(checkUpdate(relay, first, RECEIPTS)).toEqual({ ok: true });
    Y.applyUpdate(relay, first);
    // An overwrite is encoded without its parent (only its origin, the old value).
    const second = updateOf(device, () => writeReceipt(device, 'disk1', 'a', 'v2'));
    expect(checkUpdate(relay, second, RECEIPTS)).toEqual({ ok: true });
    // Both in one update: the second item's origin is inside the same update.
    const fresh = pair();
    const both = updateOf(fresh.device, () => {
      writeReceipt(fresh.device, 'disk1', 'x', 'v1');
      writeReceipt(fresh.device, 'disk1', 'x', 'v2');
      receiptsMap(fresh.device, 'disk1').delete('x');
    });
    expect(checkUpdate(fresh.relay, both, RECEIPTS)).toEqual({ ok: true });
  });

  it('refuses writes to entries or to another device, new keys and overwrites', () => {
    const { relay, device } = pair();
    const added = updateOf(device, () => entriesMap(device).set('z', { s: 1, m: 1 }));
    expect(checkUpdate(relay, added, RECEIPTS)).toEqual({ ok: false, reason: "writes to 'entries'" });
    const overwrite = updateOf(device, () => entriesMap(device).set('a', { s: 9, m: 9 }));
    expect(checkUpdate(relay, overwrite, RECEIPTS)).toMatchObject({ ok: false });
    const other = updateOf(device, () => writeReceipt(device, 'disk2', 'a', 'v1'));
    expect(checkUpdate(relay, other, RECEIPTS)).toEqual({ ok: false, reason: "writes to 'receipts/disk2'" });
    // One bad item spoils the whole update.
    const mixed = updateOf(device, () => {
      writeReceipt(device, 'disk1', 'b', 'v1');
      writeReceipt(device, 'disk2', 'b', 'v1');
    });
    expect(checkUpdate(relay, mixed, RECEIPTS)).toMatchObject({ ok: false });
  });

  it("refuses deleting the crawler's entries but passes deletions the relay already made", () => {
    const { relay, device } = pair();
    const deletion = updateOf(device, () => entriesMap(device).delete('a'));
    expect(checkUpdate(relay, deletion, RECEIPTS)).toEqual({ ok: false, reason: "deletes in 'entries'" });
    // The device's replica now holds that refused deletion: every full state it sends carries it.
    expect(checkUpdate(relay, Y.encodeStateAsUpdate(device), RECEIPTS)).toMatchObject({ ok: false });
  });

  it("passes the crawler's own deletions coming back in a device's full state", () => {
    const { relay, device } = pair();
    // The crawler removes 'b' on the relay; the device learns it; its full state carries the deletion.
    entriesMap(relay).delete('b');
    Y.applyUpdate(device, Y.encodeStateAsUpdate(relay));
    writeReceipt(device, 'disk1', 'c', 'v1');
    const step2 = Y.encodeStateAsUpdate(device, Y.encodeStateVector(relay));
    expect(checkUpdate(relay, step2, RECEIPTS)).toEqual({ ok: true });
    expect(checkUpdate(relay, step2, 'none')).toMatchObject({ ok: false });
  });

  it('resolves nested types through their parent item', () => {
    const { relay, device } = pair();
    const nested = new Y.Map<string>();
    const create = updateOf(device, () => receiptsMap(device, 'disk1').set('n', nested as unknown as string));
    expect(checkUpdate(relay, create, RECEIPTS)).toEqual({ ok: true });
    Y.applyUpdate(relay, create);
    const inner = updateOf(device, () => nested.set('k', 'v'));
    expect(checkUpdate(relay, inner, RECEIPTS)).toEqual({ ok: true });
    expect(checkUpdate(relay, inner, { maps: ['entries'] })).toEqual({
      ok: false,
      reason: "writes to 'receipts/disk1'",
    });
  });

  it("lets a read-only client send only what the relay has; 'all' passes anything", () => {
    const { relay, device } = pair();
    expect(checkUpdate(relay, Y.encodeStateAsUpdate(device, Y.encodeStateVector(relay)), 'none')).toEqual({
      ok: true,
    });
    expect(checkUpdate(relay, Y.encodeStateAsUpdate(device), 'none')).toEqual({ ok: true });
    const receipt = updateOf(device, () => writeReceipt(device, 'disk1', 'a', 'v1'));
    expect(checkUpdate(relay, receipt, 'none')).toEqual({ ok: false, reason: "writes to 'receipts/disk1'" });
    expect(checkUpdate(relay, receipt, 'all')).toEqual({ ok: true });
  });

  it('refuses malformed bytes, unresolvable references and deletions of unknown content', () => {
    const { relay, device } = pair();
    expect(checkUpdate(relay, new Uint8Array([1, 2, 3, 250, 250]), RECEIPTS)).toEqual({
      ok: false,
      reason: 'malformed update',
      malformed: true,
    });
    // Overwriting a receipt the relay never got: the origin is unknown to it.
    writeReceipt(device, 'disk1', 'a', 'v1');
    const blind = updateOf(device, () => writeReceipt(device, 'disk1', 'a', 'v2'));
    expect(checkUpdate(relay, blind, RECEIPTS)).toEqual({
      ok: false,
      reason: 'refers to content the relay does not have',
    });
    const ghost = new Y.Doc();
    ghost.clientID = 424242;
    writeReceipt(ghost, 'disk1', 'q', 'v');
    const ghostDelete = updateOf(ghost, () => receiptsMap(ghost, 'disk1').delete('q'));
    expect(checkUpdate(relay, ghostDelete, RECEIPTS)).toEqual({
      ok: false,
      reason: 'deletes content the relay does not have',
    });
  });
});
