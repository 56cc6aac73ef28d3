/**
 * nginx + dav-ext (recipe: /work/shared/PEERS.md) serving a temp folder whose listings are open
 * but whose reads demand HTTP basic credentials (`ferry` / `right-password`): an account saved
 * with the wrong password passes the relay's test listing, then the device's first download is
 * refused with 401 (FERRY_AUTH), as when a cloud revokes a token between crawls.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NGINX = '/usr/sbin/nginx';
const DAV_EXT = '/usr/lib/nginx/modules/ngx_http_dav_ext_module.so';

export interface DavServer {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Serves `files` (path → content); PROPFIND and OPTIONS open, every other method behind basic auth. */
export async function startGuardedDav(files: Record<string, string>): Promise<DavServer> {
  const temp = await mkdtemp(join(tmpdir(), 'ferry-panel-dav-'));
  const data = join(temp, 'dav');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(data, path, '..'), { recursive: true });
    await writeFile(join(data, path), content);
  }
  // nginx reads {PLAIN} entries as they are: a test password, no hashing tool needed.
  await writeFile(join(temp, 'htpasswd'), 'ferry:{PLAIN}right-password\n');
  const port = await freePort();
  const config = join(temp, 'nginx.conf');
  await writeFile(
    config,
    `load_module ${DAV_EXT};
user root; worker_processes 1;
pid ${temp}/nginx.pid; error_log ${temp}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${temp}/body; proxy_temp_path ${temp}/proxy; fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi; scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port}; root ${data};
    dav_ext_methods PROPFIND OPTIONS;
    location / {
      limit_except PROPFIND OPTIONS {
        auth_basic "ferry"; auth_basic_user_file ${temp}/htpasswd;
      }
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(
    NGINX,
    ['-c', config, '-e', join(temp, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let said = '';
  child.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(temp, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const answer = await fetch(url, { method: 'OPTIONS' }).catch(() => undefined);
    await answer?.body?.cancel();
    if (answer && /^nginx\//.test(answer.headers.get('server') ?? '')) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await stop();
  throw new Error(`nginx did not start: ${said}`);
}
