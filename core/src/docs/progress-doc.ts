import type * as Y from 'yjs';
import type { GroupTally } from './group-doc.js';

/**
 * `c/<container>/p/<device>`, written by that device only: per group, what it holds, so the panel
 * and the relay's status need no group doc. `generation` is the index generation the tally was
 * made against: a tally older than the group's summary is stale.
 */
export interface GroupProgress extends GroupTally {
  generation: number;
}

export const progressMap = (doc: Y.Doc): Y.Map<GroupProgress> => doc.getMap<GroupProgress>('groups');

export function writeGroupProgress(
  doc: Y.Doc,
  group: number,
  progress: GroupProgress,
  origin: unknown = 'device',
): void {
  doc.transact(() => progressMap(doc).set(String(group), progress), origin);
}

export function readGroupProgress(doc: Y.Doc): Map<number, GroupProgress> {
  const out = new Map<number, GroupProgress>();
  for (const [key, progress] of progressMap(doc)) out.set(Number(key), progress);
  return out;
}

/** Sums a device's progress over a container. */
export function totalProgress(doc: Y.Doc): GroupTally & { completeGroups: number } {
  const total = { files: 0, bytes: 0, fetchedFiles: 0, fetchedBytes: 0, completeGroups: 0 };
  for (const progress of progressMap(doc).values()) {
    total.files += progress.files;
    total.bytes += progress.bytes;
    total.fetchedFiles += progress.fetchedFiles;
    total.fetchedBytes += progress.fetchedBytes;
    if (progress.fetchedFiles === progress.files) total.completeGroups++;
  }
  return total;
}
