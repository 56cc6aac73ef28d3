import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Real object-store servers on loopback for the s3 and azureblob provider tests (recipes in
 * /work/shared/PEERS.md): each runs as its own node process from node_modules, on a free port,
 * with a temp data folder, and is stopped (SIGTERM, then awaited) by `stop()`.
 */
export interface LoopbackServer {
  port: number;
  /** The server's data folder (the backend's own storage). */
  dir: string;
  /** Milliseconds from spawn to the ready line. */
  startupMs: number;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** The account name and well-known key azurite serves (public, documented development key). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startNodeServer(
  what: string,
  script: string,
  args: (port: number, dir: string) => string[],
  nodeFlags: string[],
  ready: (port: number) => string,
): Promise<LoopbackServer> {
  const dir = await mkdtemp(join(tmpdir(), `ferry-${what}-`));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, script, ...args(port, dir)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForLine(child, ready(port), what);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const startupMs = performance.now() - started;
  return {
    port,
    dir,
    startupMs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function waitForLine(child: ChildProcess, line: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start within 20 s:\n${output}`)), 20_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes(line)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      fail(new Error(`${what} exited (${code}) before ready:\n${output}`));
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining, so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** s3rver with one bucket; `--openssl-legacy-provider` because its continuation tokens use DES. */
export function startS3rver(bucket: string): Promise<LoopbackServer> {
  const script = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  return startNodeServer(
    's3rver',
    script,
    (port, dir) => ['-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', bucket],
    ['--openssl-legacy-provider'],
    (port) => `S3rver listening on 127.0.0.1:${port}`,
  );
}

/** azurite's blob service only, data in a temp folder, telemetry off. */
export function startAzurite(): Promise<LoopbackServer> {
  const script = join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  return startNodeServer(
    'azurite',
    script,
    (port) => [
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--silent',
      '--disableTelemetry',
    ],
    [],
    (port) => `Azurite Blob service successfully listens on http://127.0.0.1:${port}`,
  );
}

/** Runs `work` over `items` with `concurrency` at once. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

/** A loopback TCP server that accepts connections and never answers (a hung peer). */
export async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A loopback TCP proxy in front of a real server that passes the first `passBytes` of every
 * answer, then either goes silent (`stall`) or drops the connection (`cut`): a download that
 * breaks off mid-body, with the real server's real headers.
 */
export async function startBreakingProxy(
  targetPort: number,
  passBytes: number,
  mode: 'stall' | 'cut',
): Promise<{ port: number; stop(): Promise<void> }> {
  const { connect } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const track = (socket: import('node:net').Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = createServer((client) => {
    track(client);
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream);
    let passed = 0;
    upstream.on('data', (data: Buffer) => {
      if (passed >= passBytes) return;
      const room = passBytes - passed;
      client.write(room >= data.length ? data : data.subarray(0, room));
      passed += Math.min(room, data.length);
      if (passed >= passBytes && mode === 'cut') {
        client.destroy();
        upstream.destroy();
      }
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
