import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createProvider } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceAgent, type DeviceContainer } from '../../device/src/agent.js';
import { nodeDisk } from '../../device/src/disk-io.js';
import { DiskState } from '../../device/src/disk-state.js';
import { PART_SUFFIX } from '../../device/src/fetch-file.js';
import { SyncedReplica } from '../../device/src/replica.js';
import { asIs, waitFor } from './rig.js';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * The agent with its real on-disk state (LevelDB under `.ferry`): part files left by a container
 * that is no longer bound to the device go once the container list says so; a bound container's
 * parts, every finished file, and anything outside the container's folder stay.
 */
describe('part files of a container no longer bound', () => {
  let parent = '';
  let diskRoot = '';
  let state: DiskState;
  let agent: DeviceAgent | undefined;
  const logs: string[] = [];

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'ferry-unbound-'));
    diskRoot = join(parent, 'disk');
    await mkdir(diskRoot);
    state = await DiskState.open(diskRoot);
  });
  afterEach(async () => {
    await agent?.close();
    await state.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('go when the container leaves the list; bound ones, finished files and outside paths stay', async () => {
    const part = (key: string) => join(diskRoot, `${key}${PART_SUFFIX}`);
    for (const key of ['kept/docs/b.txt', 'gone/docs/b.txt', 'gone/deep/c.txt']) {
      await mkdir(dirname(part(key)), { recursive: true });
      await writeFile(part(key), 'the start of it');
      await state.ledger.startPart(key, 'md5:0123456789abcdef0123456789abcdef');
    }
    await writeFile(join(diskRoot, 'gone', 'docs', 'a.txt'), 'a finished file');
    // A ledger key that climbs out of its container's folder (the ledger lives on the disk):
    // forgotten, never followed.
    await writeFile(join(parent, `outside.txt${PART_SUFFIX}`), 'not ours');
    await state.ledger.startPart('gone/../../outside.txt', 'md5:0123456789abcdef0123456789abcdef');

    let bound: DeviceContainer[] = [
      { name: 'kept', folder: '', provider: 'memory', options: {} },
      { name: 'gone', folder: '', provider: 'memory', options: {} },
    ];
    agent = new DeviceAgent({
      device: 'dev1',
      diskRoot,
      disk: nodeDisk,
      replica: new SyncedReplica({ docs: state.docs, dirty: state.dirty }),
      ledger: state.ledger,
      minFreeBytes: 0,
      parallel: 2,
      containers: async () => bound,
      createProvider: (name, options) => createProvider(name, options),
      pathMapper: async () => asIs,
      log: (line) => logs.push(line),
      timing: { refreshMs: 20 },
    });
    await agent.start();
    await waitFor(async () => logs.some((line) => line.includes('working container gone')), 'gone at work');
    // Still bound: nothing is swept.
    expect(await exists(part('gone/docs/b.txt'))).toBe(true);

    bound = bound.filter((container) => container.name !== 'gone');
    await waitFor(async () => !(await exists(part('gone/docs/b.txt'))), 'the unbound part gone');
    expect(await exists(part('gone/deep/c.txt'))).toBe(false);
    expect(await state.ledger.partsUnder('gone')).toEqual([]);
    expect(await state.ledger.partKeys()).toEqual(['kept/docs/b.txt']);
    expect(await readFile(part('kept/docs/b.txt'), 'utf8')).toBe('the start of it');
    expect(await readFile(join(diskRoot, 'gone', 'docs', 'a.txt'), 'utf8')).toBe('a finished file');
    expect(await readFile(join(parent, `outside.txt${PART_SUFFIX}`), 'utf8')).toBe('not ours');
    expect(logs.some((line) => line.includes('container gone is no longer bound to this device'))).toBe(true);
  });
});
