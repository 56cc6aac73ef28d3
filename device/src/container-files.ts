import { indexDocName, progressDocName, readGroupProgress, readGroupSummaries } from '@ferry/core';
import type { ContainerFiles } from './progress-line.js';
import type { Replica } from './worker.js';

/**
 * Files of a container this device holds for the crawl it works on, of all the index lists: the
 * index doc's group summaries against the device's own progress doc. Progress is written as each
 * group is finished, so `done` moves a group at a time; a group changed by a later crawl counts
 * as not done until the device has worked it again.
 */
export async function countContainerFiles(
  replica: Replica,
  container: string,
  device: string,
): Promise<ContainerFiles> {
  const indexName = indexDocName(container);
  const progressName = progressDocName(container, device);
  const index = await replica.open(indexName);
  try {
    const progress = await replica.open(progressName);
    try {
      const summaries = readGroupSummaries(index);
      const done = readGroupProgress(progress);
      let total = 0;
      let fetched = 0;
      summaries.forEach((summary, group) => {
        total += summary.files;
        const known = done.get(group);
        if (known && known.generation >= summary.generation)
          fetched += Math.min(known.fetchedFiles, summary.files);
      });
      return { container, done: fetched, total };
    } finally {
      await replica.close(progressName);
    }
  } finally {
    await replica.close(indexName);
  }
}
