import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type DeviceStatus, writeDeviceStatus } from '../../../core/src/docs/device-doc.js';
import { AUTH_FIX, accountProblems, authErrors, DeviceWatch } from './device-watch.js';
import type { DocLink, DocLinks } from './doc-link.js';

const status = (errors: string[]): DeviceStatus => ({
  state: 'active',
  freeBytes: 1,
  minFreeBytes: 0,
  updatedAt: 1000,
  bytesPerSecond: 512,
  current: [],
  errors,
  renamed: [],
});

describe('authErrors', () => {
  it("finds the newest FERRY_AUTH line per container in the device's errors", () => {
    const found = authErrors([
      'photos account needs attention: FERRY_AUTH: token expired',
      'photos 2024/a.jpg: FERRY_TRANSIENT: connection reset',
      'music a:b.txt: FERRY_AUTH: refused on a file',
      'docs.v2: FERRY_AUTH: first refusal',
      'docs.v2 provider: FERRY_AUTH: password wrong',
      'device container list: FERRY_OFFLINE: relay away',
      'music: FERRY_PERMISSION: denied',
      'not a line',
    ]);
    expect([...found]).toEqual([
      ['photos', 'FERRY_AUTH: token expired'],
      ['music', 'FERRY_AUTH: refused on a file'],
      ['docs.v2', 'FERRY_AUTH: password wrong'],
    ]);
    // A file path that merely mentions it is not a refusal of the account.
    expect(authErrors(['photos FERRY_AUTH.txt: FERRY_DISK_IO: no space'])).toEqual(new Map());
  });
});

describe('accountProblems', () => {
  it("names the account's containers whose device reports AUTH", () => {
    const containers = [
      { name: 'photos', account: 'box', device: 'nas' },
      { name: 'docs', account: 'box', device: 'pi' },
      { name: 'music', account: 'other', device: 'nas' },
    ];
    const statuses: Record<string, DeviceStatus> = {
      nas: status(['photos: FERRY_AUTH: token expired', 'music: FERRY_AUTH: also']),
      pi: status(['docs 1.txt: FERRY_TRANSIENT: reset']),
    };
    expect(accountProblems('box', containers, (d) => statuses[d])).toEqual([
      { container: 'photos', by: 'device', device: 'nas', error: 'FERRY_AUTH: token expired' },
    ]);
    // The relay's crawl refused too (its last error), and another crawl error is not about the account.
    const crawled = [
      { name: 'photos', account: 'box', device: 'nas', lastError: 'FERRY_AUTH: token expired' },
      { name: 'docs', account: 'box', device: 'pi', lastError: 'FERRY_TRANSIENT: reset' },
    ];
    expect(accountProblems('box', crawled, () => undefined)).toEqual([
      { container: 'photos', by: 'relay', device: 'nas', error: 'FERRY_AUTH: token expired' },
    ]);
    expect(accountProblems('box', containers, () => undefined)).toEqual([]);
    expect(AUTH_FIX).toContain('Update options');
  });
});

describe('DeviceWatch', () => {
  /** Links over local docs: the relay's pushes are plain writes to them. */
  function fakeLinks() {
    const held = new Map<string, { doc: Y.Doc; state: string; listeners: Set<() => void> }>();
    const links = {
      acquire(name: string) {
        const link = { doc: new Y.Doc(), state: 'live', listeners: new Set<() => void>() };
        link.doc.on('update', () => {
          for (const listener of link.listeners) listener();
        });
        held.set(name, link);
        return {
          ...link,
          get state() {
            return link.state;
          },
          onChange: (listener: () => void) => {
            link.listeners.add(listener);
            return () => link.listeners.delete(listener);
          },
        } as unknown as DocLink;
      },
      release(name: string) {
        held.delete(name);
      },
    } as unknown as DocLinks;
    return { links, held };
  }

  it('samples a followed device on every change, keeps its status, lets go on unfollow', () => {
    const { links, held } = fakeLinks();
    const clock = { now: 1000 };
    const watch = new DeviceWatch(links, () => clock.now);
    let changes = 0;
    watch.onChange(() => changes++);
    watch.follow(['nas']);
    expect([...held.keys()]).toEqual(['d/nas']);
    writeDeviceStatus(held.get('d/nas')?.doc as Y.Doc, status(['photos: FERRY_AUTH: expired']));
    clock.now = 2000;
    writeDeviceStatus(held.get('d/nas')?.doc as Y.Doc, { bytesPerSecond: 4096, updatedAt: 2000 });
    expect(watch.history.samples('nas', 2000)).toEqual([
      { at: 1000, bytesPerSecond: 512 },
      { at: 2000, bytesPerSecond: 4096 },
    ]);
    expect(watch.status('nas')?.errors).toEqual(['photos: FERRY_AUTH: expired']);
    expect(changes).toBe(2);
    // A link that is down gives no sample (a gap), but listeners still hear of it.
    (held.get('d/nas') as { state: string }).state = 'offline';
    clock.now = 3000;
    writeDeviceStatus(held.get('d/nas')?.doc as Y.Doc, { bytesPerSecond: 1, updatedAt: 3000 });
    expect(watch.history.samples('nas', 3000)).toHaveLength(2);
    watch.follow([]);
    expect(held.size).toBe(0);
    expect(watch.status('nas')).toBeUndefined();
    expect(watch.history.samples('nas', 3000)).toEqual([]);
  });
});
