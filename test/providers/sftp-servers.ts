import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isSeedFolder, type SeedFile, seedChunks } from '../conformance/index.js';

/**
 * Real SFTP servers on loopback for the sftp provider's tests: OpenSSH's sshd (started as the
 * current user, key login) and `rclone serve sftp` (password login). Both serve a temp folder;
 * tests seed it through the file system, which is the backend behind both servers.
 */

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface SftpServer {
  port: number;
  /** The served folder on this machine. */
  data: string;
  /** The host key's fingerprint as `ssh-keygen -l -E sha256` prints it (`SHA256:…`). */
  hostKeySha256: string;
  user: string;
  /** The client's private key text (sshd) or the password (rclone). */
  privateKey?: string;
  password?: string;
  /** The path the client uses for `data` (sshd: the same path; rclone: '/'). */
  root: string;
  temp: string;
  stop(): Promise<void>;
}

async function keyPair(path: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
}

async function fingerprint(publicKeyPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath]);
  const match = /(SHA256:[A-Za-z0-9+/]+)/.exec(stdout);
  if (match === null) throw new Error(`ssh-keygen -l said: ${stdout}`);
  return match[1] as string;
}

/** Spawns a server and waits for `ready` on its stderr (or fails with what it printed). */
async function spawnUntil(command: string, args: string[], ready: string): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready after 10 s: ${said}`)), 10_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready: ${said}`));
    });
  });
  child.stderr?.resume();
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** OpenSSH sshd as the current user, key login only, serving `<temp>/data`. */
export async function startSshd(): Promise<SftpServer> {
  const temp = await mkdtemp(join(tmpdir(), 'ferry-sshd-'));
  const data = join(temp, 'data');
  await mkdir(data);
  await mkdir('/run/sshd', { recursive: true }).catch(() => {});
  await keyPair(join(temp, 'host_key'));
  await keyPair(join(temp, 'client_key'));
  await writeFile(join(temp, 'authorized_keys'), await readFile(join(temp, 'client_key.pub')));
  await writeFile(
    join(temp, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `HostKey ${join(temp, 'host_key')}`,
      `PidFile ${join(temp, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(temp, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin yes',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = await spawnUntil(
    '/usr/sbin/sshd',
    ['-D', '-e', '-f', join(temp, 'sshd_config'), '-p', String(port)],
    `Server listening on 127.0.0.1 port ${port}.`,
  );
  return {
    port,
    data,
    root: data,
    temp,
    user: userInfo().username,
    privateKey: await readFile(join(temp, 'client_key'), 'utf8'),
    hostKeySha256: await fingerprint(join(temp, 'host_key.pub')),
    stop: async () => {
      await stopChild(child);
      await rm(temp, { recursive: true, force: true });
    },
  };
}

/**
 * `rclone serve sftp` with a password login, serving `<temp>/data` as '/'. The directory cache is
 * off so files changed on disk (the fixture's seed and remove) show at once. `runAs` starts it as
 * another (unprivileged) user, so file permissions apply to it: the temp files are made readable.
 */
export async function startRcloneSftp(options: { runAs?: string } = {}): Promise<SftpServer> {
  const temp = await mkdtemp(join(tmpdir(), 'ferry-rclone-sftp-'));
  const data = join(temp, 'data');
  await mkdir(data);
  await keyPair(join(temp, 'host_key'));
  await writeFile(join(temp, 'authorized_keys'), '');
  if (options.runAs !== undefined)
    for (const [path, mode] of [
      [temp, 0o755],
      [data, 0o755],
      [join(temp, 'host_key'), 0o644],
      [join(temp, 'authorized_keys'), 0o644],
    ] as const)
      await chmod(path, mode);
  const port = await freePort();
  const password = 'ferry-s3cret';
  // setpriv (util-linux) drops to the user, then execs rclone.
  const command = options.runAs === undefined ? 'rclone' : 'setpriv';
  const prefix =
    options.runAs === undefined
      ? []
      : [`--reuid=${options.runAs}`, '--regid=nogroup', '--clear-groups', 'rclone'];
  const child = await spawnUntil(
    command,
    [
      ...prefix,
      'serve',
      'sftp',
      data,
      '--addr',
      `127.0.0.1:${port}`,
      '--user',
      'ferry',
      '--pass',
      password,
      '--key',
      join(temp, 'host_key'),
      '--authorized-keys',
      join(temp, 'authorized_keys'),
      '--dir-cache-time',
      '0s',
      '--config',
      '/dev/null',
      '--cache-dir',
      join(temp, 'cache'),
    ],
    `SFTP server listening on 127.0.0.1:${port}`,
  );
  return {
    port,
    data,
    root: '/',
    temp,
    user: 'ferry',
    password,
    hostKeySha256: await fingerprint(join(temp, 'host_key.pub')),
    stop: async () => {
      await stopChild(child);
      await rm(temp, { recursive: true, force: true });
    },
  };
}

/** Writes seeded files into a folder, 16 at a time, with their mtimes. */
export async function seedFolder(root: string, files: readonly SeedFile[]): Promise<void> {
  const made = new Set<string>();
  const ensure = async (folder: string) => {
    if (made.has(folder)) return;
    await mkdir(folder, { recursive: true });
    made.add(folder);
  };
  const one = async (file: SeedFile) => {
    const target = join(root, ...file.path.split('/'));
    if (isSeedFolder(file)) await ensure(target);
    else {
      await ensure(dirname(target));
      await writeFile(target, seedChunks(file));
    }
    if (file.mtime !== undefined) await utimes(target, new Date(file.mtime), new Date(file.mtime));
  };
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) await one(file);
    }),
  );
}

/**
 * A TCP relay in front of a server that can cut every connection at once: a real reset, as a
 * flaky network gives, without touching the server.
 */
export class CuttableProxy {
  readonly sockets = new Set<Socket>();
  connections = 0;
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: number) {}

  async start(): Promise<void> {
    this.server = createServer((inbound) => {
      this.connections++;
      const outbound = createConnection({ host: '127.0.0.1', port: this.target });
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.port = address.port;
  }

  /** Resets every open connection. */
  cut(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
