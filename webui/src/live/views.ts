import type * as Y from 'yjs';
import { type DeviceStatus, readDeviceStatus } from '../../../core/src/docs/device-doc.js';
import {
  type CrawlState,
  crawlMap,
  type GroupSummary,
  readCrawlState,
  readGroupSummaries,
} from '../../../core/src/docs/index-doc.js';
import { type GroupProgress, readGroupProgress } from '../../../core/src/docs/progress-doc.js';
import type { ContainerStatusView, DeviceStatusView } from '../api.js';
import type { LinkState } from './doc-link.js';

/** Same window as the relay (relay/src/status.ts ONLINE_WINDOW_MS). */
export const ONLINE_WINDOW_MS = 2 * 60 * 1000;

/** The device's `bytesPerSecond` is its average over the last 10 s (device/src/reporter.ts). */
export const DEVICE_AVERAGE_MS = 10_000;

export interface IndexView {
  summaries: GroupSummary[];
  crawl: CrawlState;
}

/** The index doc's parts the panel shows; undefined while the relay has sent nothing yet. */
export function readIndex(doc: Y.Doc): IndexView | undefined {
  const summaries = readGroupSummaries(doc);
  if (summaries.length === 0 && crawlMap(doc).size === 0) return undefined;
  return { summaries, crawl: readCrawlState(doc) };
}

export const readProgress = (doc: Y.Doc): Map<number, GroupProgress> | undefined => {
  const progress = readGroupProgress(doc);
  return progress.size === 0 ? undefined : progress;
};

export const readDevice = (doc: Y.Doc): DeviceStatus | undefined => readDeviceStatus(doc);

export interface ContainerView extends ContainerStatusView {
  /** Paths the last crawl found gone upstream (kept on the disk). */
  deletedUpstream: number | null;
}

/**
 * A container's numbers from its live docs, the way the relay's status computes them: totals
 * from the index, fetched counts from the device's progress where its tally matches the group's
 * current generation. A group whose tally is stale keeps what `/api/status` said when the page
 * loaded (the relay recounts those from the group doc, which the panel never loads); the live
 * value can only move forward from there.
 */
export function liveContainer(
  base: ContainerStatusView,
  index: IndexView | undefined,
  progress: Map<number, GroupProgress> | undefined,
): ContainerView {
  const view: ContainerView = { ...base, deletedUpstream: null };
  if (index) {
    const { summaries, crawl } = index;
    view.files = 0;
    view.bytes = 0;
    view.groups = summaries.length;
    for (const summary of summaries) {
      view.files += summary.files;
      view.bytes += summary.bytes;
    }
    view.lastCrawl = crawl.lastCrawlEnd ?? base.lastCrawl;
    view.nextCrawl = crawl.nextCrawl ?? base.nextCrawl;
    view.lastError = crawl.lastError ?? null;
    view.crawling = crawl.running;
    view.deletedUpstream = crawl.lastChanges?.removed ?? null;
  }
  if (index && progress) {
    let fetchedFiles = 0;
    let fetchedBytes = 0;
    let completeGroups = 0;
    let trusted = true;
    index.summaries.forEach((summary, group) => {
      const tally = progress.get(group);
      const fresh = tally && tally.generation >= summary.generation && tally.files === summary.files;
      if (!fresh) {
        if (summary.files > 0) trusted = false;
        return;
      }
      fetchedFiles += tally.fetchedFiles;
      fetchedBytes += tally.fetchedBytes;
      if (tally.fetchedFiles === tally.files) completeGroups++;
    });
    if (trusted || fetchedFiles > base.fetchedFiles) {
      view.fetchedFiles = fetchedFiles;
      view.fetchedBytes = fetchedBytes;
      view.completeGroups = completeGroups;
    }
  }
  return view;
}

export interface DeviceView extends DeviceStatusView {
  renamed: string[];
}

/**
 * A device's card from `/api/status` and its live `d/<device>` doc. Online: the relay said so at
 * load and the window has not passed since, or the device was heard within the window: a change
 * pushed to the page (`pushedAt`, page clock) or the doc's own `updatedAt` (device clock: a
 * device whose clock runs far off shows a wrong "last seen", never a wrong count).
 */
export function liveDevice(
  base: DeviceStatusView,
  status: DeviceStatus | undefined,
  pushedAt: number | undefined,
  loadedAt: number,
  now: number,
): DeviceView {
  const heardAt = Math.max(pushedAt ?? 0, Math.min(status?.updatedAt ?? 0, now)) || undefined;
  const lastSeen = Math.max(base.lastSeen ?? 0, heardAt ?? 0) || null;
  const online =
    base.bound &&
    ((base.online && now - loadedAt < ONLINE_WINDOW_MS) ||
      (heardAt !== undefined && now - heardAt < ONLINE_WINDOW_MS));
  const view: DeviceView = { ...base, lastSeen, online, renamed: [] };
  if (status) {
    view.state = status.state;
    view.freeBytes = status.freeBytes;
    view.minFreeBytes = status.minFreeBytes;
    view.errors = status.errors ?? [];
    view.renamed = status.renamed ?? [];
    view.current = online ? (status.current ?? []) : [];
    // An idle device writes nothing more: its last average stays in the doc. It counts while it
    // is that recent (an average over the 10 s before the device was heard), then it is 0.
    const recent = heardAt !== undefined && now - heardAt < DEVICE_AVERAGE_MS;
    view.speed = online ? (status.state === 'active' || recent ? status.bytesPerSecond : 0) : null;
  }
  return view;
}

/** What a card says about its document link (the numbers above it are only as fresh as this). */
export function linkText(state: LinkState | 'none'): string {
  switch (state) {
    case 'live':
      return 'on';
    case 'connecting':
      return 'connecting…';
    case 'offline':
      return 'relay unreachable, retrying (numbers as of the last update)';
    case 'refused':
      return 'refused by the relay: reload the page to log in again';
    case 'none':
      return 'off';
  }
}
