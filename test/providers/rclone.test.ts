import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RcloneProvider } from '@ferry/core/providers';
import { describe } from 'vitest';
import { runProviderConformance } from '../conformance/index.js';
import { missingBinaries, removeFromFolder, scratchRoot, seedFolder, startNginx } from './dav-servers.js';

/**
 * The rclone provider (through the rclone rcd it starts) on two remotes from a temp rclone.conf:
 * a `local` remote on a temp folder, and a `webdav` remote on nginx + dav-ext on loopback.
 */

const RCLONE_MISSING = missingBinaries('rclone');
const NGINX_MISSING = missingBinaries('nginx');

async function tempConfig(sections: string): Promise<{ dir: string; config: string }> {
  const dir = await mkdtemp(join(scratchRoot(), 'ferry-rclone-provider-'));
  const config = join(dir, 'rclone.conf');
  await writeFile(config, sections);
  return { dir, config };
}

if (RCLONE_MISSING.length > 0) {
  console.warn(`\n!!! SKIPPING rclone provider conformance: missing ${RCLONE_MISSING.join(', ')} !!!\n`);
  describe.skip(`rclone provider (missing ${RCLONE_MISSING.join(', ')})`, () => {});
} else {
  runProviderConformance('rclone (local remote)', async () => {
    const { dir, config } = await tempConfig('[loc]\ntype = local\n');
    const data = join(dir, 'data');
    await mkdir(data);
    const provider = new RcloneProvider({ remote: 'loc', root: data, config });
    await provider.start().catch(async (error: unknown) => {
      await provider.close();
      await rm(dir, { recursive: true, force: true }); // the suite only cleans up a fixture it got
      throw error;
    });
    return {
      provider,
      seed: (files) => seedFolder(data, files),
      remove: (path) => removeFromFolder(data, path),
      cleanup: () => rm(dir, { recursive: true, force: true }),
      openResources: () => provider.activeRequests,
    };
  });

  if (NGINX_MISSING.length > 0) {
    console.warn(
      `\n!!! SKIPPING rclone webdav-remote conformance: missing ${NGINX_MISSING.join(', ')} !!!\n`,
    );
    describe.skip(`rclone webdav remote (missing ${NGINX_MISSING.join(', ')})`, () => {});
  } else
    runProviderConformance('rclone (webdav remote on nginx)', async () => {
      const dav = await startNginx();
      const { dir, config } = await tempConfig(`[dav]\ntype = webdav\nurl = ${dav.url}\nvendor = other\n`);
      const provider = new RcloneProvider({ remote: 'dav', config });
      await provider.start().catch(async (error: unknown) => {
        await provider.close();
        await dav.stop(); // the suite only cleans up a fixture it got
        await rm(dir, { recursive: true, force: true });
        throw error;
      });
      return {
        provider,
        seed: (files) => seedFolder(dav.data, files),
        remove: (path) => dav.remove(path),
        cleanup: async () => {
          await dav.stop();
          await rm(dir, { recursive: true, force: true });
        },
        openResources: () => provider.activeRequests,
      };
    });
}
