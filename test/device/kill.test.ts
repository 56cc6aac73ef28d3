import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dueEntries, groupDocName, indexDocName, readGroupSummaries } from '@ferry/core';
import { LocalProvider, seededRandom } from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskState } from '../../device/src/disk-state.js';
import { crawlContainer } from '../../relay/src/crawler/crawl.js';
import { bytesOf } from './rig.js';

/**
 * kill -9 of a real device process at 20 random points of a backup, each followed by a restart:
 * the final tree is right, a part file never appears under a final name, and a file whose part
 * survived a kill is resumed (opened for append), never downloaded again from 0.
 *
 * The process (kill-child.ts) is the device stack without its relay link (the catalog is put on
 * its disk beforehand): `ferry device` with its relay down spends 5 s in every document open,
 * too slow for 21 starts, and the relay link plays no part in what a kill can break on the disk.
 */
const CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KILLS = 20;
const FILES = 36;

class Child {
  readonly lines: string[] = [];
  readonly exited: Promise<void>;
  private readonly proc: ChildProcess;
  private listeners: (() => void)[] = [];

  constructor(disk: string, source: string) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CHILD, disk, source], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      this.lines.push(...lines);
      for (const listener of this.listeners) listener();
    };
    this.proc.stdout?.on('data', onData);
    this.proc.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
  }

  /** Resolves when `check` holds over the lines so far (checked on every new output). */
  until(check: (lines: string[]) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== test);
      };
      const test = () => {
        if (check(this.lines)) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms:\n${this.lines.slice(-30).join('\n')}`));
      }, timeoutMs);
      void this.exited.then(() => {
        if (check(this.lines)) return;
        done();
        reject(new Error(`the device exited before ${what}:\n${this.lines.slice(-30).join('\n')}`));
      });
      this.listeners.push(test);
      test();
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }
}

describe('kill -9 of a real device process', () => {
  let dir = '';
  let source = '';
  let disk = '';
  const bodies = new Map<string, Uint8Array>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-kill-'));
    source = join(dir, 'source');
    disk = join(dir, 'disk');
    for (let i = 0; i < FILES; i++) {
      const path = `set-${i % 4}/file-${String(i).padStart(2, '0')}.bin`;
      const body = bytesOf(1000 + i, 300_000 + ((i * 7919) % 700_000));
      bodies.set(path, body);
      await mkdir(join(source, `set-${i % 4}`), { recursive: true });
      await writeFile(join(source, path), body);
    }
    // The catalog as the relay's crawler leaves it, already on the device's disk.
    const state = await DiskState.open(disk);
    try {
      const crawled = await crawlContainer({
        container: { name: 'home', groupSize: 8 },
        provider: new LocalProvider({ root: source }),
        folder: '',
        docs: state.docs,
        clock: Date.now,
      });
      expect(crawled.files).toBe(FILES + 4);
    } finally {
      await state.close();
    }
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Files of the container on the disk: final names with their bytes, part files with their size. */
  async function scan(): Promise<{ finals: Map<string, Buffer>; parts: Map<string, number> }> {
    const finals = new Map<string, Buffer>();
    const parts = new Map<string, number>();
    const home = join(disk, 'home');
    const names = await readdir(home, { recursive: true }).catch(() => [] as string[]);
    for (const name of names) {
      const full = join(home, String(name));
      const info = await stat(full);
      if (!info.isFile()) continue;
      const path = relative(home, full);
      if (path.endsWith('.ferry-part')) parts.set(full, info.size);
      else finals.set(path, await readFile(full));
    }
    return { finals, parts };
  }

  const allThere = (finals: Map<string, Buffer>) =>
    finals.size === bodies.size && [...bodies].every(([path, body]) => finals.get(path)?.equals(body));

  it('20 kills: the tree is right, no part under a final name, resumed parts never start from 0', async () => {
    const random = seededRandom(20261125);
    let partsAtKill = new Map<string, number>();
    let resumed = 0;
    let midFile = 0;

    for (let kill = 0; kill < KILLS; kill++) {
      const child = new Child(disk, source);
      const finishedBefore = allThere((await scan()).finals);
      if (finishedBefore) {
        // Nothing left to fetch: this kill lands while the device starts or idles.
        await child.until((lines) => lines.includes('READY'), 'READY');
        await new Promise((resolve) => setTimeout(resolve, random() * 100));
      } else {
        // Let it write into 1..4 part files, then kill it: mid-file (a file is 300 KB to 1 MB,
        // written in chunks, so it is far from done after its first bytes).
        const writes = 1 + Math.floor(random() * 4);
        await child.until(
          (lines) =>
            lines.filter((line) => line.startsWith('WROTE ')).length >= writes || lines.includes('IDLE'),
          `${writes} part files written into`,
        );
      }
      await child.kill('SIGKILL');

      // Every first open of a part that survived the last kill must append to it.
      const seen = new Set<string>();
      for (const line of child.lines) {
        const open = /^OPEN (a|w) (.+)$/.exec(line);
        if (!open || seen.has(open[2] as string)) continue;
        seen.add(open[2] as string);
        if ((partsAtKill.get(open[2] as string) ?? 0) > 0) {
          expect(open[1], `${open[2]} had ${partsAtKill.get(open[2] as string)} bytes`).toBe('a');
          resumed++;
        }
      }
      const { finals, parts } = await scan();
      for (const [path, bytes] of finals)
        expect(bytes.equals(bodies.get(path) ?? new Uint8Array()), path).toBe(true);
      midFile += [...parts.values()].filter((size) => size > 0).length;
      partsAtKill = parts;
    }

    // A last run to the end, stopped cleanly.
    const last = new Child(disk, source);
    await last.until((lines) => lines.includes('IDLE'), 'the end of the work');
    for (const line of last.lines) {
      const open = /^OPEN (a|w) (.+)$/.exec(line);
      if (open && (partsAtKill.get(open[2] as string) ?? 0) > 0) {
        expect(open[1]).toBe('a');
        resumed++;
        partsAtKill.delete(open[2] as string);
      }
    }
    await last.kill('SIGTERM');
    expect(last.lines).toContain('STOPPED');

    const { finals, parts } = await scan();
    expect(allThere(finals)).toBe(true);
    expect(parts.size).toBe(0);
    // The kills did land mid-file, and those files were resumed.
    expect(midFile, `kills that left a part with bytes: ${midFile}, resumed: ${resumed}`).toBeGreaterThan(3);
    expect(resumed).toBeGreaterThan(3);

    // The disk's own record agrees: every entry has its receipt.
    const state = await DiskState.open(disk);
    try {
      const summaries = readGroupSummaries(await state.docs.get(indexDocName('home')));
      for (let group = 0; group < summaries.length; group++)
        expect(dueEntries(await state.docs.get(groupDocName('home', group)), 'pi'), `group ${group}`).toEqual(
          [],
        );
    } finally {
      await state.close();
    }
  }, 240_000);
});
