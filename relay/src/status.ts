import {
  type CurrentFile,
  type DeviceState,
  deviceDocName,
  groupDocName,
  indexDocName,
  progressDocName,
  readCrawlState,
  readDeviceStatus,
  readGroupProgress,
  readGroupSummaries,
  tallyGroup,
} from '@ferry/core';
import type { ContainerRecord, DeviceRecord } from './records.js';
import type { DocReader } from './routes/context.js';

/** A device counts as online when it was heard from within this window. */
export const ONLINE_WINDOW_MS = 2 * 60 * 1000;

export interface DeviceStatusView {
  name: string;
  /** Display label set by "rename", null when none. */
  label: string | null;
  bound: boolean;
  online: boolean;
  lastSeen: number | null;
  state: DeviceState | 'unknown';
  freeBytes: number | null;
  minFreeBytes: number | null;
  current: CurrentFile[];
  /** Bytes per second the device reported. */
  speed: number | null;
  errors: string[];
}

export interface ContainerStatusView {
  name: string;
  account: string;
  folder: string;
  device: string;
  files: number;
  bytes: number;
  fetchedFiles: number;
  fetchedBytes: number;
  /** Files on the device's disk that the cloud no longer lists (kept, never deleted). */
  deletedUpstream: number;
  groups: number;
  completeGroups: number;
  lastCrawl: number | null;
  nextCrawl: number | null;
  lastError: string | null;
  crawling: boolean;
}

async function existing(docs: DocReader, name: string) {
  if (docs.has && !(await docs.has(name))) return undefined;
  return docs.get(name);
}

export async function deviceStatus(
  docs: DocReader,
  device: DeviceRecord,
  now: number,
  isOnline?: (device: string) => boolean,
): Promise<DeviceStatusView> {
  const doc = await existing(docs, deviceDocName(device.name));
  const status = doc ? readDeviceStatus(doc) : undefined;
  // The device's own clock (updatedAt) may be off; the relay's lastSeen is what it observed.
  const lastSeen = device.lastSeen ?? null;
  const online =
    device.tokenHash !== undefined &&
    (isOnline ? isOnline(device.name) : lastSeen !== null && now - lastSeen < ONLINE_WINDOW_MS);
  return {
    name: device.name,
    label: device.label ?? null,
    bound: device.tokenHash !== undefined,
    online,
    lastSeen,
    state: status?.state ?? 'unknown',
    freeBytes: status?.freeBytes ?? null,
    minFreeBytes: status?.minFreeBytes ?? null,
    current: online ? (status?.current ?? []) : [],
    speed: online ? (status?.bytesPerSecond ?? null) : null,
    errors: status?.errors ?? [],
  };
}

/**
 * Files and bytes come from the index doc's group summaries. Fetched counts come from the bound
 * device's progress doc, one tally per group, trusted only when it was made against the group's
 * current generation; a stale or missing tally is recomputed from the group doc itself (receipts
 * against entries), so the answer is right without loading every group doc of a big container.
 */
export async function containerStatus(
  docs: DocReader,
  container: ContainerRecord,
  nextCrawl?: number,
): Promise<ContainerStatusView> {
  const index = await existing(docs, indexDocName(container.name));
  const summaries = index ? readGroupSummaries(index) : [];
  const crawl = index ? readCrawlState(index) : undefined;
  const progressDoc = await existing(docs, progressDocName(container.name, container.device));
  const progress = progressDoc ? readGroupProgress(progressDoc) : new Map();
  const view: ContainerStatusView = {
    name: container.name,
    account: container.account,
    folder: container.folder,
    device: container.device,
    files: 0,
    bytes: 0,
    fetchedFiles: 0,
    fetchedBytes: 0,
    deletedUpstream: 0,
    groups: summaries.length,
    completeGroups: 0,
    lastCrawl: crawl?.lastCrawlEnd ?? null,
    nextCrawl: nextCrawl ?? crawl?.nextCrawl ?? null,
    lastError: crawl?.lastError ?? null,
    crawling: crawl?.running ?? false,
  };
  for (let group = 0; group < summaries.length; group++) {
    const summary = summaries[group] as { files: number; bytes: number; generation: number };
    view.files += summary.files;
    view.bytes += summary.bytes;
    let fetchedFiles = 0;
    let fetchedBytes = 0;
    let deleted = 0;
    const tally = progress.get(group);
    if (tally && tally.generation >= summary.generation && tally.files === summary.files) {
      fetchedFiles = Math.min(tally.fetchedFiles, summary.files);
      fetchedBytes = Math.min(tally.fetchedBytes, summary.bytes);
      deleted = tally.deletedUpstream ?? 0;
    } else if (summary.files > 0 || tally !== undefined) {
      const groupName = groupDocName(container.name, group);
      const groupDoc = await existing(docs, groupName);
      if (groupDoc) {
        const fresh = tallyGroup(groupDoc, container.device);
        fetchedFiles = fresh.fetchedFiles;
        fetchedBytes = fresh.fetchedBytes;
        deleted = fresh.deletedUpstream ?? 0;
        // Counting once must not pin the doc: a big container has a thousand of them.
        docs.release?.(groupName);
      }
    }
    view.fetchedFiles += fetchedFiles;
    view.fetchedBytes += fetchedBytes;
    view.deletedUpstream += deleted;
    if (fetchedFiles === summary.files) view.completeGroups++;
  }
  return view;
}
