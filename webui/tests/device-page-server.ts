/**
 * The device's own page for the webui's end-to-end test, run as its own process with tsx (the
 * Playwright runner never loads the device's TypeScript): a DevicePage serving webui/dist, whose
 * bind accepts one user and password without a relay (binding itself is covered by the device's
 * tests), and whose state after binding is a real Reporter's snapshot, driven here as an agent
 * would. Prints one JSON line `{url}` once it listens; stops on SIGTERM or when stdin closes.
 */
import { FerryError } from '../../core/src/errors.js';
import { DevicePage } from '../../device/src/page.js';
import { Reporter } from '../../device/src/reporter.js';

const TEST_USER = 'alice';
const TEST_PASSWORD = 'correct horse battery';

const GiB = 2 ** 30;
const reporter = new Reporter({ clock: Date.now, log: () => {} });
let bound: { user: string; device: string } | undefined;

const page = new DevicePage({
  host: '127.0.0.1',
  port: 0,
  deviceName: 'pi',
  relayUrl: 'http://relay.lan:8787',
  status: () => ({
    bound: bound !== undefined,
    device: bound?.device ?? 'pi',
    user: bound?.user,
    relay: 'http://relay.lan:8787',
    containers: bound ? ['photos', 'letters'] : [],
    status: bound ? reporter.snapshot() : undefined,
  }),
  bind: async (user, password, device) => {
    if (user !== TEST_USER || password !== TEST_PASSWORD)
      throw new FerryError('UNAUTHORIZED', 'wrong user or password');
    if (device === 'taken')
      throw new FerryError(
        'CONFLICT',
        `device name '${device}' is taken on this relay`,
        'choose another name',
      );
    bound = { user, device };
    // What an agent reports a moment after it started: room on the disk, two files in flight,
    // one error, one unsafe cloud name mapped.
    reporter.space('active', 180 * GiB, 20 * GiB);
    reporter.fileStarted('photos', '2024/beach.jpg', 8 * 2 ** 20).bytes(6 * 2 ** 20);
    reporter.fileStarted('letters', 'dear ferry.txt', 4096).bytes(1024);
    reporter.error('letters', new FerryError('TRANSIENT', 'the account answered 503'), 'fetch');
    reporter.renamed('photos', 'notes: draft?.md', 'notes_ draft_.md');
    return bound;
  },
});
await page.listen();

async function stop() {
  await page.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ url: page.url })}\n`);
