import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalProvider } from '@ferry/core/providers';
import { isSeedFolder, runProviderConformance, type SeedFile, seedChunks } from '../conformance/index.js';

/** Writes seeded files with a few writes in flight at once (10,000 small files take a second or two). */
async function seedInto(root: string, files: readonly SeedFile[]): Promise<void> {
  const madeFolders = new Set<string>();
  const ensure = async (folder: string) => {
    if (madeFolders.has(folder)) return;
    await mkdir(folder, { recursive: true });
    madeFolders.add(folder);
  };
  const one = async (file: SeedFile) => {
    const target = join(root, ...file.path.split('/'));
    if (isSeedFolder(file)) await ensure(target);
    else {
      await ensure(dirname(target));
      await writeFile(target, seedChunks(file));
    }
    if (file.mtime !== undefined) await utimes(target, new Date(file.mtime), new Date(file.mtime));
  };
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) await one(file);
    }),
  );
}

runProviderConformance('local', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ferry-local-conformance-'));
  const provider = new LocalProvider({ root });
  return {
    provider,
    seed: (files) => seedInto(root, files),
    remove: (path) => rm(join(root, ...path.split('/')), { recursive: true, force: true }),
    cleanup: () => rm(root, { recursive: true, force: true }),
    openResources: () => provider.activeHandles,
  };
});
