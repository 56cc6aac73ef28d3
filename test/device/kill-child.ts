/**
 * A real device process for test/device/kill.test.ts, the device stack without its relay link:
 * the disk's LevelDB state (docs, ledger), the replica over it, the container worker with its
 * slots, space gate and reporter, core's local provider and the safe-name mapper, exactly as the
 * runtime wires them. Its disk I/O is the real one, watched: every open of a part file prints
 * `OPEN <flags> <path>` ('a' = resumed, 'w' = from 0) before it happens, `WROTE <path>` after the
 * first bytes written to it, every rename
 * `RENAMED <path>` after, so the test sees what a kill interrupted.
 * Run: node --import tsx kill-child.ts DISK SOURCE
 */
import { LocalProvider } from '@ferry/core/providers';
import { type DiskIO, nodeDisk } from '../../device/src/disk-io.js';
import { DiskState } from '../../device/src/disk-state.js';
import { containerPaths, probeDiskTarget } from '../../device/src/paths.js';
import { SyncedReplica } from '../../device/src/replica.js';
import { Reporter } from '../../device/src/reporter.js';
import { Slots } from '../../device/src/slots.js';
import { SpaceGate } from '../../device/src/space-gate.js';
import { ContainerWorker } from '../../device/src/worker.js';

const [diskRoot, source] = process.argv.slice(2);
if (!diskRoot || !source) throw new Error('usage: kill-child.ts DISK SOURCE');

// Pipes are synchronous on Linux: a line written is with the parent even if SIGKILL follows.
const say = (line: string) => process.stdout.write(`${line}\n`);

const disk: DiskIO = {
  ...nodeDisk,
  async open(path, flags) {
    if (!path.endsWith('.ferry-part') || flags === 'r') return nodeDisk.open(path, flags);
    say(`OPEN ${flags} ${path}`);
    const file = await nodeDisk.open(path, flags);
    let wrote = false;
    return {
      ...file,
      write: async (bytes) => {
        await file.write(bytes);
        // The first bytes are in the part file: a kill from now on lands mid-file.
        if (!wrote) say(`WROTE ${path}`);
        wrote = true;
      },
      read: (buffer, position) => file.read(buffer, position),
      sync: () => file.sync(),
      close: () => file.close(),
    };
  },
  async rename(from, to) {
    await nodeDisk.rename(from, to);
    say(`RENAMED ${to}`);
  },
};

const state = await DiskState.open(diskRoot);
const replica = new SyncedReplica({ docs: state.docs, dirty: state.dirty });
const reporter = new Reporter({ clock: Date.now, log: (line) => say(`LOG ${line}`) });
const space = new SpaceGate({ disk, diskRoot, minFreeBytes: 0, reporter });
const worker = new ContainerWorker(
  {
    name: 'home',
    provider: new LocalProvider({ root: source }),
    folder: '',
    paths: await containerPaths(replica, 'home', await probeDiskTarget(diskRoot)),
  },
  {
    device: 'pi',
    diskRoot,
    disk,
    replica,
    ledger: state.ledger,
    slots: new Slots(2),
    space,
    reporter,
    clock: Date.now,
    retryBaseMs: 10,
  },
);
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort(new Error('stopping')));
say('READY');
while (!stop.signal.aborted && (await worker.pass(stop.signal))) {}
say('IDLE');
// Idle like a device waiting for the crawler, until asked to stop.
const alive = setInterval(() => {}, 60_000);
if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
clearInterval(alive);
space.close();
reporter.close();
await replica.closeAll();
await state.close();
say('STOPPED');
