import { type ChildProcess, spawn } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isSeedFolder, type SeedFile, seedChunks } from '../conformance/index.js';

/**
 * Real WebDAV servers on loopback for the webdav and rclone providers' tests: `rclone serve
 * webdav`, Apache mod_dav and nginx + dav-ext (recipes: /work/shared/PEERS.md). Each serves a
 * fresh temp folder; tests seed that folder through the file system, the backend behind the
 * server, never through the provider under test.
 */

export const BINARIES = {
  rclone: '/usr/bin/rclone',
  apache: '/usr/sbin/apache2',
  nginx: '/usr/sbin/nginx',
  nginxDavExt: '/usr/lib/nginx/modules/ngx_http_dav_ext_module.so',
} as const;

/** The binaries a server needs, missing on this machine (empty: it can run). */
export function missingBinaries(server: 'rclone' | 'apache' | 'nginx'): string[] {
  const needs =
    server === 'nginx'
      ? [BINARIES.nginx, BINARIES.nginxDavExt]
      : [server === 'rclone' ? BINARIES.rclone : BINARIES.apache];
  return needs.filter((path) => !existsSync(path));
}

export interface DavServer {
  /** The URL of the served folder's root, ending in '/'. */
  url: string;
  /** The served folder on this machine. */
  data: string;
  user?: string;
  password?: string;
  /** Removes a file or folder behind the provider's back (so that a server's caches know). */
  remove(path: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where the servers' folders go: tmpfs (/dev/shm) when there is one. The suite seeds 10,000
 * files; on the shared build machine's disk that took 5 to 12 s, on tmpfs 0.4 s. Names, bytes
 * and mtimes behave the same for what the suite checks.
 */
export function scratchRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Spawns a server; resolves when `ready(output)` holds or an HTTP probe answers. */
async function spawnServer(
  command: string,
  args: string[],
  options: { readyText?: RegExp; probeUrl?: string; probeServer?: RegExp; env?: NodeJS.ProcessEnv },
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let said = '';
  const listen = (chunk: Buffer) => {
    said += chunk.toString();
  };
  child.stdout?.on('data', listen);
  child.stderr?.on('data', listen);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`${command} exited (${code}) before it was ready: ${said}`)),
    ),
  );
  exited.catch(() => {});
  const ready = (async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) return;
      if (options.readyText?.test(said)) return;
      if (options.probeUrl !== undefined) {
        // The Server header tells our server from another one that took the port first.
        const answered = await fetch(options.probeUrl, { method: 'OPTIONS' }).then(
          async (response) => {
            await response.body?.cancel();
            return options.probeServer?.test(response.headers.get('server') ?? '') ?? true;
          },
          () => false,
        );
        if (answered) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${command} not ready after 15 s: ${said}`);
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, output: () => said };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * `rclone serve webdav` with MD5 ETags and basic auth. Its VFS caches folder listings; a cache
 * time of 0 makes every PROPFIND quadratic (3.6 s for 500 files), and a DELETE through the
 * server takes 5 s for 10,000 files, so the cache stays on, removals happen on disk and then
 * `vfs/forget` (its loopback rc, no auth: test only) drops the cache. Seeding happens before
 * anything is listed, so the cache starts empty.
 */
export async function startRcloneWebdav(): Promise<DavServer> {
  const temp = await mkdtemp(join(scratchRoot(), 'ferry-rclone-dav-'));
  const data = join(temp, 'dav');
  await mkdir(data);
  const user = 'ferry';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const { child, output } = await spawnServer(
    BINARIES.rclone,
    [
      'serve',
      'webdav',
      data,
      '--addr',
      '127.0.0.1:0',
      '--etag-hash',
      'MD5',
      '--dir-cache-time',
      '10m',
      '--config',
      '/dev/null',
      '--user',
      user,
      '--pass',
      password,
      '--rc',
      '--rc-addr',
      '127.0.0.1:0',
      '--rc-no-auth',
    ],
    { readyText: /WebDav Server started on http:\/\/127\.0\.0\.1:\d+\// },
  );
  const port = /WebDav Server started on http:\/\/127\.0\.0\.1:(\d+)\//.exec(output())?.[1];
  const url = `http://127.0.0.1:${port}/`;
  const rc = `http://${/remote control on http:\/\/(127\.0\.0\.1:\d+)\//.exec(output())?.[1]}/`;
  return {
    url,
    data,
    user,
    password,
    remove: async (path) => {
      await removeFromFolder(data, path);
      const response = await fetch(`${rc}vfs/forget`, { method: 'POST' });
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`rclone vfs/forget: HTTP ${response.status}`);
    },
    stop: async () => {
      await stopChild(child);
      await rm(temp, { recursive: true, force: true });
    },
  };
}

/** Apache 2.4 with mod_dav_fs, workers as www-data (it refuses root), default (opaque) ETags. */
export function startApache(): Promise<DavServer> {
  return withFreshPort(startApacheOnce);
}

async function startApacheOnce(): Promise<DavServer> {
  const temp = await mkdtemp(join(scratchRoot(), 'ferry-apache-'));
  await chmod(temp, 0o755);
  const data = join(temp, 'dav');
  const lock = join(temp, 'lock');
  await mkdir(data);
  await mkdir(lock);
  await chmod(data, 0o755);
  const www = await wwwData();
  await chown(data, www.uid, www.gid);
  await chown(lock, www.uid, www.gid);
  const port = await freePort();
  const config = join(temp, 'httpd.conf');
  const modules = '/usr/lib/apache2/modules';
  await writeFile(
    config,
    [
      `ServerRoot "${temp}"`,
      `Listen 127.0.0.1:${port}`,
      'ServerName 127.0.0.1',
      'User www-data',
      'Group www-data',
      `PidFile "${temp}/httpd.pid"`,
      `DefaultRuntimeDir "${temp}"`,
      `ErrorLog "${temp}/error.log"`,
      'LogLevel warn',
      `LoadModule mpm_event_module ${modules}/mod_mpm_event.so`,
      `LoadModule authz_core_module ${modules}/mod_authz_core.so`,
      `LoadModule dav_module ${modules}/mod_dav.so`,
      `LoadModule dav_fs_module ${modules}/mod_dav_fs.so`,
      `DavLockDB "${lock}/DavLock"`,
      `DocumentRoot "${data}"`,
      `<Directory "${data}">`,
      '  Dav On',
      '  Require all granted',
      '</Directory>',
      '',
    ].join('\n'),
  );
  const { child } = await spawnServer(BINARIES.apache, ['-f', config, '-DFOREGROUND'], {
    probeUrl: `http://127.0.0.1:${port}/`,
    probeServer: /^Apache\//,
  }).catch(async (error: unknown) => {
    await rm(temp, { recursive: true, force: true });
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    data,
    remove: (path) => removeFromFolder(data, path),
    stop: async () => {
      await stopChild(child);
      await rm(temp, { recursive: true, force: true });
    },
  };
}

/** nginx with the dav-ext module (PROPFIND), `user root;` (its default `nobody` cannot read the temp dirs). */
export function startNginx(): Promise<DavServer> {
  return withFreshPort(startNginxOnce);
}

async function startNginxOnce(): Promise<DavServer> {
  const temp = await mkdtemp(join(scratchRoot(), 'ferry-nginx-'));
  const data = join(temp, 'dav');
  await mkdir(data);
  const port = await freePort();
  const config = join(temp, 'nginx.conf');
  await writeFile(
    config,
    `load_module ${BINARIES.nginxDavExt};
user root; worker_processes 1;
pid ${temp}/nginx.pid; error_log ${temp}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${temp}/body; proxy_temp_path ${temp}/proxy; fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi; scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port}; root ${data}; client_max_body_size 0;
    dav_methods PUT DELETE MKCOL COPY MOVE; dav_ext_methods PROPFIND OPTIONS;
    create_full_put_path on; dav_access user:rw group:rw all:r;
  }
}
`,
  );
  const { child } = await spawnServer(
    BINARIES.nginx,
    ['-c', config, '-e', join(temp, 'error.log'), '-g', 'daemon off;'],
    { probeUrl: `http://127.0.0.1:${port}/`, probeServer: /^nginx\// },
  ).catch(async (error: unknown) => {
    await rm(temp, { recursive: true, force: true });
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    data,
    remove: (path) => removeFromFolder(data, path),
    stop: async () => {
      await stopChild(child);
      await rm(temp, { recursive: true, force: true });
    },
  };
}

/**
 * freePort closes its probe socket before the server binds, so on a machine where others start
 * servers too the port can be taken in between: try again on a new port, at most three times.
 */
async function withFreshPort(start: () => Promise<DavServer>): Promise<DavServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function wwwData(): Promise<{ uid: number; gid: number }> {
  const { readFile } = await import('node:fs/promises');
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((row) => row.startsWith('www-data:'));
  const fields = line?.split(':');
  if (fields === undefined)
    throw new Error('no www-data user on this machine (Apache runs its workers as it)');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * Writes seeded files into a served folder with the mtimes asked for. Synchronous on purpose:
 * 10,000 tiny files go about 4x faster than through the libuv thread pool (measured 0.5 s vs
 * 2 s on the 2-core build machine), and the servers are other processes.
 */
export async function seedFolder(root: string, files: readonly SeedFile[]): Promise<void> {
  const made = new Set<string>();
  const ensure = (folder: string) => {
    if (made.has(folder)) return;
    mkdirSync(folder, { recursive: true });
    made.add(folder);
  };
  for (const file of files) {
    const target = join(root, ...file.path.split('/'));
    if (isSeedFolder(file)) ensure(target);
    else {
      ensure(dirname(target));
      const fd = openSync(target, 'w');
      try {
        for (const chunk of seedChunks(file)) writeSync(fd, chunk);
      } finally {
        closeSync(fd);
      }
    }
    if (file.mtime !== undefined) utimesSync(target, new Date(file.mtime), new Date(file.mtime));
  }
}

export function removeFromFolder(root: string, path: string): Promise<void> {
  return rm(join(root, ...path.split('/')), { recursive: true, force: true });
}
