import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type DeviceStatus, readDeviceStatus, statusMap, writeDeviceStatus } from './device-doc.js';

const status: DeviceStatus = {
  state: 'active',
  freeBytes: 5e11,
  minFreeBytes: 5e9,
  updatedAt: 1_700_000_000_000,
  bytesPerSecond: 1_250_000,
  current: [{ container: 'photos', path: 'a/b.jpg', bytes: 10, size: 100 }],
  errors: ['FERRY_DISK_IO: write failed'],
  renamed: ['a:b -> a_b'],
};

describe('device doc', () => {
  it('reads as undefined until a state is written', () => {
    const doc = new Y.Doc();
    expect(readDeviceStatus(doc)).toBeUndefined();
    writeDeviceStatus(doc, { freeBytes: 1 });
    expect(readDeviceStatus(doc)).toBeUndefined();
  });

  it('round-trips a full status through an encoded update', () => {
    const doc = new Y.Doc();
    writeDeviceStatus(doc, status);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(readDeviceStatus(copy)).toEqual(status);
  });

  it('merges a partial write and skips undefined fields', () => {
    const doc = new Y.Doc();
    writeDeviceStatus(doc, status);
    writeDeviceStatus(doc, { state: 'inactive', current: [], bytesPerSecond: undefined });
    expect(readDeviceStatus(doc)).toEqual({ ...status, state: 'inactive', current: [] });
    expect(statusMap(doc).get('bytesPerSecond')).toBe(1_250_000);
  });

  it('writes one transaction with the device origin unless told otherwise', () => {
    const doc = new Y.Doc();
    const seen: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => seen.push(tr.origin));
    writeDeviceStatus(doc, status);
    writeDeviceStatus(doc, { state: 'idle' }, 'pi4');
    expect(seen).toEqual(['device', 'pi4']);
  });
});
