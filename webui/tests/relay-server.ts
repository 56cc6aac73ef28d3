/**
 * A real relay for the panel's end-to-end tests, run as its own process with tsx (so the
 * Playwright runner never loads the relay's TypeScript): a fresh data folder, a LevelDB document
 * store, the sync endpoint when the relay has one, and a folder of a few files for a `local`
 * account. Prints one JSON line `{url, folder, sync}` once it listens; stops on SIGTERM or when
 * stdin closes (the runner died), removing its folders.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StartRelayOptions, startRelay } from '../../relay/src/server.js';
import { LevelDocStore } from '../../relay/src/sync/doc-store.js';

type Runtime = Pick<StartRelayOptions, 'openDocStore' | 'sync'>;

/**
 * What `ferry relay` runs (LevelDB documents + the websocket sync endpoint); a relay without the
 * sync module yet runs the document store alone, and the live step of the test says so.
 */
async function runtime(): Promise<Runtime> {
  const module = '../../relay/src/cli/relay-runtime.js';
  try {
    const { relayRuntime } = (await import(module)) as { relayRuntime: () => Runtime };
    return relayRuntime();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return { openDocStore: (db) => LevelDocStore.open(db) };
  }
}

const root = await mkdtemp(join(tmpdir(), 'ferry-panel-e2e-'));
const folder = join(root, 'photos');
await mkdir(join(folder, '2024'), { recursive: true });
await writeFile(join(folder, 'readme.txt'), 'hello ferry\n');
await writeFile(join(folder, '2024', 'beach.jpg'), Buffer.alloc(3000, 7));
await writeFile(join(folder, '2024', 'hills.jpg'), Buffer.alloc(5000, 3));
await writeFile(join(folder, 'notes.md'), '# notes\n');

const chosen = await runtime();
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

process.stdout.write(`${JSON.stringify({ url: relay.url, folder, sync: chosen.sync !== undefined })}\n`);
