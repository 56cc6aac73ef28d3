/**
 * A real relay for the panel's end-to-end tests, run as its own process with tsx (so the
 * Playwright runner never loads the relay's TypeScript): a fresh data folder, a LevelDB document
 * store, the sync endpoint, and a folder of a few files for a `local`
 * account. Prints one JSON line `{url, folder}` once it listens; stops on SIGTERM or when
 * stdin closes (the runner died), removing its folders.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relayRuntime } from '../../relay/src/cli/relay-runtime.js';
import { startRelay } from '../../relay/src/server.js';

const root = await mkdtemp(join(tmpdir(), 'ferry-panel-e2e-'));
const folder = join(root, 'photos');
await mkdir(join(folder, '2024'), { recursive: true });
await writeFile(join(folder, 'readme.txt'), 'hello ferry\n');
await writeFile(join(folder, '2024', 'beach.jpg'), Buffer.alloc(3000, 7));
await writeFile(join(folder, '2024', 'hills.jpg'), Buffer.alloc(5000, 3));
await writeFile(join(folder, 'notes.md'), '# notes\n');

// What `ferry relay` runs: LevelDB documents and the websocket sync endpoint.
const chosen = relayRuntime();
const relay = await startRelay({
  dataDir: join(root, 'data'),
  host: '127.0.0.1',
  port: 0,
  crawlIntervalMs: 24 * 3600 * 1000,
  groupSize: 2,
  logger: false,
  openDocStore: chosen.openDocStore,
  sync: chosen.sync,
  env: {},
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await relay.close().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ url: relay.url, folder })}\n`);
