import { MemoryProvider } from '@ferry/core/providers';
import { isSeedFolder, runProviderConformance, seedChunks } from '../conformance/index.js';

runProviderConformance('memory', async () => {
  const provider = new MemoryProvider();
  return {
    provider,
    async seed(files) {
      for (const file of files) {
        if (isSeedFolder(file)) provider.mkdir(file.path, { mtime: file.mtime });
        else provider.put(file.path, Buffer.concat([...seedChunks(file)]), { mtime: file.mtime });
      }
    },
    async remove(path) {
      provider.remove(path);
    },
    async cleanup() {},
    openResources: () => provider.activeStreams,
  };
});
