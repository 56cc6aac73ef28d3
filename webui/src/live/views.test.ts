import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { writeDeviceStatus } from '../../../core/src/docs/device-doc.js';
import { writeCrawlState, writeGroupSummaries } from '../../../core/src/docs/index-doc.js';
import { writeGroupProgress } from '../../../core/src/docs/progress-doc.js';
import type { ContainerStatusView, DeviceStatusView } from '../api.js';
import {
  DEVICE_AVERAGE_MS,
  liveContainer,
  liveDevice,
  ONLINE_WINDOW_MS,
  readDevice,
  readIndex,
  readProgress,
} from './views.js';

const base: ContainerStatusView = {
  name: 'c1',
  account: 'a',
  folder: '',
  device: 'nas',
  files: 0,
  bytes: 0,
  fetchedFiles: 0,
  fetchedBytes: 0,
  groups: 0,
  completeGroups: 0,
  lastCrawl: null,
  nextCrawl: null,
  lastError: null,
  crawling: false,
};

function indexDoc() {
  const doc = new Y.Doc();
  writeGroupSummaries(doc, [
    [0, { files: 2, bytes: 200, generation: 1 }],
    [1, { files: 2, bytes: 50, generation: 3 }],
  ]);
  writeCrawlState(doc, {
    generation: 3,
    lastCrawlEnd: 5000,
    nextCrawl: 9000,
    running: false,
    lastChanges: { added: 0, changed: 1, updated: 0, removed: 4, unchanged: 3 },
  });
  return doc;
}

describe('liveContainer', () => {
  it('reads nothing from docs the relay has not sent yet', () => {
    expect(readIndex(new Y.Doc())).toBeUndefined();
    expect(readProgress(new Y.Doc())).toBeUndefined();
    expect(liveContainer({ ...base, files: 7 }, undefined, undefined).files).toBe(7);
  });

  it('totals the index and counts fetched only from tallies of the current generation', () => {
    const progress = new Y.Doc();
    writeGroupProgress(progress, 0, {
      files: 2,
      bytes: 200,
      fetchedFiles: 2,
      fetchedBytes: 200,
      generation: 1,
    });
    // Group 1 changed in generation 3: a tally made against generation 2 is stale.
    writeGroupProgress(progress, 1, {
      files: 2,
      bytes: 50,
      fetchedFiles: 2,
      fetchedBytes: 50,
      generation: 2,
    });
    const view = liveContainer(
      { ...base, fetchedFiles: 1, fetchedBytes: 100 },
      readIndex(indexDoc()),
      readProgress(progress),
    );
    expect(view).toMatchObject({
      files: 4,
      bytes: 250,
      groups: 2,
      fetchedFiles: 2,
      fetchedBytes: 200,
      completeGroups: 1,
      lastCrawl: 5000,
      nextCrawl: 9000,
      deletedUpstream: 4,
    });
  });

  it('keeps the relay count when stale tallies would show less', () => {
    const progress = new Y.Doc();
    writeGroupProgress(progress, 1, {
      files: 2,
      bytes: 50,
      fetchedFiles: 2,
      fetchedBytes: 50,
      generation: 2,
    });
    const view = liveContainer(
      { ...base, fetchedFiles: 3, fetchedBytes: 250, completeGroups: 1 },
      readIndex(indexDoc()),
      readProgress(progress),
    );
    expect(view.fetchedFiles).toBe(3);
    expect(view.completeGroups).toBe(1);
  });

  it('shows the last crawl error and a running crawl', () => {
    const doc = indexDoc();
    writeCrawlState(doc, { running: true, lastError: 'FERRY_AUTH: token refused' });
    const view = liveContainer(base, readIndex(doc), undefined);
    expect(view.crawling).toBe(true);
    expect(view.lastError).toBe('FERRY_AUTH: token refused');
  });
});

describe('liveDevice', () => {
  const device: DeviceStatusView = {
    name: 'nas',
    bound: true,
    online: false,
    lastSeen: null,
    state: 'unknown',
    freeBytes: null,
    minFreeBytes: null,
    current: [],
    speed: null,
    errors: [],
  };
  const now = 1_000_000_000;
  const doc = new Y.Doc();
  writeDeviceStatus(doc, {
    state: 'active',
    freeBytes: 100,
    minFreeBytes: 10,
    updatedAt: now - 1000,
    bytesPerSecond: 5,
    current: [{ container: 'c1', path: 'a', bytes: 1, size: 2 }],
    errors: [],
    renamed: ['x -> y'],
  });

  it('is online when the device wrote its doc within the window, with its current work', () => {
    const view = liveDevice(device, readDevice(doc), undefined, now - 10 * ONLINE_WINDOW_MS, now);
    expect(view).toMatchObject({
      online: true,
      lastSeen: now - 1000,
      state: 'active',
      speed: 5,
      renamed: ['x -> y'],
    });
    expect(view.current).toHaveLength(1);
  });

  it('goes offline when nothing was heard for the window, and hides current work and speed', () => {
    const later = now + ONLINE_WINDOW_MS + 1;
    const view = liveDevice({ ...device, online: true }, readDevice(doc), undefined, now, later);
    expect(view.online).toBe(false);
    expect(view.current).toEqual([]);
    expect(view.speed).toBeNull();
  });

  it("shows an idle device's last average only while it is recent, then 0", () => {
    const idle = new Y.Doc();
    writeDeviceStatus(idle, { ...readDevice(doc), state: 'idle', updatedAt: now - 1000 });
    expect(liveDevice(device, readDevice(idle), undefined, now, now).speed).toBe(5);
    const later = now + DEVICE_AVERAGE_MS;
    expect(liveDevice(device, readDevice(idle), undefined, now, later).speed).toBe(0);
    expect(liveDevice(device, readDevice(idle), later - 5000, now, later).speed).toBe(5);
    // Active: the device keeps writing while it works, its number stands.
    expect(liveDevice(device, readDevice(doc), undefined, now, later).speed).toBe(5);
  });

  it('an unbound device is never online', () => {
    expect(liveDevice({ ...device, bound: false }, readDevice(doc), now, now, now).online).toBe(false);
  });
});
