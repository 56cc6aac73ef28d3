import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FerryError } from '@ferry/core';
import {
  apiLogin,
  type ContainerStatus,
  FerryProcess,
  ferryOk,
  pairingCode,
  relayUrlOf,
  stopAll,
  treeOf,
  until,
} from '../e2e/harness.js';
import { BINARIES, type DavServer, missingBinaries, startRcloneWebdav } from '../providers/dav-servers.js';
import {
  type BenchModule,
  formatBytes,
  formatCount,
  formatMs,
  formatRatio,
  isMain,
  markdownTable,
  runAlone,
} from './lib.js';

/**
 * A whole backup, Ferry against `rclone copy`, side by side in one run on the same data from the
 * same server into the same kind of folder: a WebDAV server (`rclone serve webdav`, MD5 ETags)
 * holding a mix of small, medium and large files. Ferry is timed from the start of the `ferry
 * device` process (its container crawled by the relay before, as it is in real life) until the
 * relay's status counts every file fetched; rclone from its start to its exit. Both trees are
 * compared with the source byte for byte after each run. Ferry does more per file (MD5 checked
 * against the server's, fsync, atomic rename, a receipt synced to the relay); rclone checks sizes.
 */
const PASSWORD = 'bench-password-1';
const ROUNDS = 2;

interface Mix {
  count: number;
  bytes: number;
}

/** FERRY_BENCH_BACKUP_SCALE scales the file counts (default 1: 1,210 files, 151 MB). */
function mixes(env = process.env): Mix[] {
  const text = env.FERRY_BENCH_BACKUP_SCALE;
  const scale = text === undefined || text === '' ? 1 : Number(text);
  if (!(scale > 0 && scale <= 100))
    throw new FerryError('BAD_INPUT', `FERRY_BENCH_BACKUP_SCALE must be a number in (0, 100], got '${text}'`);
  return [
    { count: Math.max(1, Math.round(1000 * scale)), bytes: 16 * 1024 },
    { count: Math.max(1, Math.round(200 * scale)), bytes: 256 * 1024 },
    { count: Math.max(1, Math.round(10 * scale)), bytes: 8 * 1024 * 1024 },
  ];
}

async function seed(root: string, mix: Mix[]): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const { count, bytes: size } of mix) {
    for (let i = 0; i < count; i++, files++) {
      const path = join(root, `set-${size}`, `folder-${i % 20}`, `file-${i}.bin`);
      await mkdir(dirname(path), { recursive: true });
      // Distinct bytes per file: nothing a dedup or a cache could fold.
      const body = Buffer.alloc(size);
      for (let b = 0; b < size; b += 4) body.writeUInt32LE((b * 2654435761 + files * 40503) >>> 0, b);
      await writeFile(path, body);
      bytes += size;
    }
  }
  return { files, bytes };
}

interface Run {
  tool: string;
  ms: number;
}

export const backupBench: BenchModule = {
  name: 'backup',
  title: 'A whole backup: Ferry vs rclone copy from one WebDAV server',
  async run(log) {
    const missing = missingBinaries('rclone');
    if (missing.length > 0)
      throw new FerryError('NOT_AVAILABLE', `the backup benchmark needs ${missing.join(', ')}`);
    const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-backup-'));
    let dav: DavServer | undefined;
    let relay: FerryProcess | undefined;
    let device: FerryProcess | undefined;
    try {
      dav = await startRcloneWebdav();
      const source = await seed(dav.data, mixes());
      log(`source: ${formatCount(source.files)} files, ${formatBytes(source.bytes)} on ${dav.url}`);
      const expected = await treeOf(dav.data);

      const env = { FERRY_CONFIG: join(dir, 'config'), FERRY_PASSWORD: PASSWORD };
      const data = join(dir, 'relay-data');
      await ferryOk(['user', 'add', 'bench', '--data', data], env);
      relay = new FerryProcess(['relay', '--data', data, '--port', '0'], env);
      const url = await relayUrlOf(relay);
      await ferryOk(['login', '--relay', url, '--user', 'bench'], env);
      const api = await apiLogin(url, 'bench', PASSWORD);
      const server = dav;
      await ferryOk(
        ['account', 'add', 'nas', '--provider', 'webdav']
          .concat(['--set', `url=${server.url}`, '--set', `user=${server.user}`])
          .concat(['--set', `password=${server.password}`, '--set', 'hash=etag']),
        env,
      );
      const status = async (name: string) =>
        (await api.get<{ containers: ContainerStatus[] }>('/api/status')).containers.find(
          (c) => c.name === name,
        );

      const crawls: number[] = [];
      const inFlight = new Set<string>();
      /** One Ferry run: a fresh disk and device, its container crawled, then the device timed. */
      const ferryRun = async (run: number, parallel: string): Promise<number> => {
        const disk = join(dir, `ferry-disk-${run}`);
        const name = `bench-${run}`;
        const code = await pairingCode(env);
        const deviceArgs = ['device', '--relay', url, '--disk', disk, '--name', name, '--port', '0'];
        const deviceEnv = { ...env, FERRY_MIN_FREE: '1MB', FERRY_PARALLEL: parallel };
        device = new FerryProcess([...deviceArgs, '--pair', code], deviceEnv);
        await device.waitFor(/bound this disk as device/);
        await device.stop();
        const crawlStarted = process.hrtime.bigint();
        await ferryOk(['container', 'add', `c${run}`, '--account', 'nas', '--device', name], env);
        await until(
          async () => {
            const c = await status(`c${run}`);
            return c && c.lastCrawl !== null && !c.crawling ? c : undefined;
          },
          'the crawl',
          300_000,
          100,
        );
        crawls.push(Number(process.hrtime.bigint() - crawlStarted) / 1e6);
        const started = process.hrtime.bigint();
        device = new FerryProcess(deviceArgs, deviceEnv);
        const running = device;
        await until(
          async () => {
            if (running.child.exitCode !== null) throw new Error(`the device exited:\n${running.tail()}`);
            const c = await status(`c${run}`);
            return c && c.files > 0 && c.fetchedFiles === c.files ? c : undefined;
          },
          'every file fetched',
          900_000,
          100,
        );
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        // What --parallel resolved to ("… 4 files at once)").
        const atOnce = running.output.map((line) => /(\d+) files at once/.exec(line)?.[1]).find(Boolean);
        if (atOnce) inFlight.add(`--parallel ${parallel}: ${atOnce} files at once`);
        await device.stop();
        device = undefined;
        await check(await treeOf(join(disk, `c${run}`)), expected, 'Ferry');
        await rm(disk, { recursive: true, force: true });
        return ms;
      };

      const rcloneRun = async (run: number, flags: string[]): Promise<number> => {
        const dest = join(dir, `rclone-dest-${run}`);
        const { stdout: obscured } = await promisify(execFile)(BINARIES.rclone, [
          'obscure',
          server.password ?? '',
        ]);
        const started = process.hrtime.bigint();
        await promisify(execFile)(
          BINARIES.rclone,
          ['copy', ':webdav:', dest, '--config', '/dev/null', '--webdav-url', server.url].concat([
            '--webdav-user',
            server.user ?? '',
            '--webdav-pass',
            obscured.trim(),
            ...flags,
          ]),
          { maxBuffer: 16 * 1024 * 1024 },
        );
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        await check(await treeOf(dest), expected, 'rclone');
        await rm(dest, { recursive: true, force: true });
        return ms;
      };

      const runs: Run[] = [];
      let n = 0;
      // Alternating, so a warm server cache or a busy moment favours no tool.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [tool, go] of [
          ['Ferry device, --parallel auto', () => ferryRun(n++, 'auto')],
          ['Ferry device, --parallel 8', () => ferryRun(n++, '8')],
          ['rclone copy (its defaults: 4 transfers)', () => rcloneRun(n++, [])],
          ['rclone copy --transfers 8', () => rcloneRun(n++, ['--transfers', '8'])],
        ] as const) {
          const ms = await go();
          log(`round ${round + 1}: ${tool}: ${formatMs(ms)}`);
          runs.push({ tool, ms });
        }
      }

      const tools = [...new Set(runs.map((r) => r.tool))];
      const best = (tool: string) => Math.min(...runs.filter((r) => r.tool === tool).map((r) => r.ms));
      const rclone = best(tools[2] as string);
      const crawl = Math.min(...crawls);
      const rows = tools.map((tool) => [
        tool,
        runs
          .filter((r) => r.tool === tool)
          .map((r) => formatMs(r.ms))
          .join(', '),
        formatMs(best(tool)),
        `${formatBytes(source.bytes / (best(tool) / 1000))}/s`,
        formatRatio(best(tool), rclone),
      ]);
      return [
        `${formatCount(source.files)} files (${mixes()
          .map((m) => `${formatCount(m.count)} × ${formatBytes(m.bytes)}`)
          .join(
            ', ',
          )}; ${formatBytes(source.bytes)}) from \`rclone serve webdav\` on loopback (MD5 ETags, tmpfs)`,
        "into a fresh folder on the machine's disk per run; each tree compared with the source after its run.",
        '',
        markdownTable(
          [
            'run',
            `times (${ROUNDS} rounds, alternating)`,
            'best',
            'throughput',
            'time vs rclone copy (defaults)',
          ],
          rows,
        ),
        '',
        `The relay's crawl of the same container (from \`ferry container add\`, its start-up included, to the groups written) took ${formatMs(crawl)} at best: counted in,`,
        `Ferry's best takes ${formatRatio(best(tools[0] as string) + crawl, rclone)} of rclone copy's time. ${[...inFlight].join('; ')}.`,
        '',
        "Ferry's time runs from the start of the `ferry device` process (Node start-up, replica open,",
        'catalog sync included) to the relay counting every file fetched; the relay crawled the',
        'container before, as it does in real life, so the listing is not in the time. rclone lists and',
        'copies in its own time. Per file Ferry also checks the MD5 against the ETag, fsyncs, renames',
        'atomically and syncs a receipt to the relay; rclone copy checks the size (the webdav backend',
        "has no hash for an unknown vendor). rclone 1.60's webdav backend spaces its requests at least",
        '10 ms apart (a constant in 1.60; later releases have --webdav-pacer-min-sleep), about 100 requests a second whatever',
        '`--transfers` says: with many small files that pacing, not the network or the disk, sets its',
        `time (${(rclone / source.files).toFixed(1)} ms per file in this run). Ferry's webdav provider paces only when told`,
        '(`minIntervalMs`, default 0) and limits concurrency per account instead.',
      ].join('\n');
    } finally {
      await stopAll(device, relay).finally(async () => {
        await dav?.stop();
        await rm(dir, { recursive: true, force: true });
      });
    }
  },
};

async function check(got: Map<string, string>, expected: Map<string, string>, tool: string): Promise<void> {
  const wrong = [...expected].filter(([path, sha]) => got.get(path) !== sha).length;
  if (wrong > 0 || got.size !== expected.size)
    throw new Error(
      `${tool}: ${wrong} files differ from the source (${got.size} of ${expected.size} present)`,
    );
}

if (isMain(import.meta.url)) await runAlone(backupBench);
