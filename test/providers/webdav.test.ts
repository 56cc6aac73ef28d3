import { WebdavProvider } from '@ferry/core/providers';
import { describe } from 'vitest';
import { runProviderConformance } from '../conformance/index.js';
import {
  type DavServer,
  missingBinaries,
  seedFolder,
  startApache,
  startNginx,
  startRcloneWebdav,
} from './dav-servers.js';

/**
 * The webdav provider against three real servers on loopback. A server is skipped only when its
 * binary is missing, and then loudly (.ci/run installs all three).
 */
const SERVERS = [
  { name: 'rclone', label: 'rclone serve webdav --etag-hash MD5', start: startRcloneWebdav, hash: 'etag' },
  { name: 'apache', label: 'Apache mod_dav', start: startApache, hash: 'none' },
  { name: 'nginx', label: 'nginx + dav-ext', start: startNginx, hash: 'none' },
] as const;

for (const server of SERVERS) {
  const missing = missingBinaries(server.name);
  if (missing.length > 0) {
    console.warn(`\n!!! SKIPPING webdav conformance on ${server.label}: missing ${missing.join(', ')} !!!\n`);
    describe.skip(`webdav on ${server.label} (missing ${missing.join(', ')})`, () => {});
    continue;
  }
  runProviderConformance(`webdav on ${server.label}`, async () => {
    const dav: DavServer = await server.start();
    let provider: WebdavProvider;
    try {
      provider = new WebdavProvider({
        url: dav.url,
        user: dav.user,
        password: dav.password,
        hash: server.hash,
      });
    } catch (error) {
      await dav.stop(); // the suite only cleans up a fixture it got
      throw error;
    }
    return {
      provider,
      seed: (files) => seedFolder(dav.data, files),
      remove: (path) => dav.remove(path),
      cleanup: () => dav.stop(),
      openResources: () => provider.activeRequests,
    };
  });
}
