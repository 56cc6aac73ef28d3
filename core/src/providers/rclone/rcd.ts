import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { FerryError } from '../../errors.js';

export interface RcdOptions {
  /** The rclone executable (a name on PATH or a path). */
  binary: string;
  /** The rclone.conf to use; rclone's own default when undefined. */
  config?: string;
  /** Longest wait for rcd to say where it listens. */
  startTimeoutMs: number;
}

/** A running `rclone rcd`: where it listens and how to log in. */
export interface RcdInstance {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** `Basic …` for the random user and password of this instance. */
  authorization: string;
  child: ChildProcess;
}

const LISTENING = /Serving remote control on (http:\/\/127\.0\.0\.1:\d+\/)/;
/** Children still running, killed when this Node process exits so no rcd outlives it. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}

/**
 * Starts `rclone rcd` on a random loopback port (`--rc-addr 127.0.0.1:0`), with a random user and
 * password passed through the environment (RCLONE_RC_USER/RCLONE_RC_PASS, so they never show in
 * `ps`), `--rc-serve` for ranged reads of files, and the account's rclone.conf. Resolves when
 * rcd prints its address. A missing binary is BAD_PROVIDER_OPTIONS; an rcd that exits or stays
 * silent is TRANSIENT (with the tail of what it printed: rclone does not print secrets).
 */
export async function startRcd(options: RcdOptions): Promise<RcdInstance> {
  const user = `ferry-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(24).toString('base64url');
  const args = ['rcd', '--rc-addr', '127.0.0.1:0', '--rc-serve', '--log-level', 'NOTICE'];
  if (options.config !== undefined) args.push('--config', options.config);
  const child = spawn(options.binary, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RCLONE_RC_USER: user, RCLONE_RC_PASS: password },
  });
  let said = '';
  const url = await new Promise<string>((resolve, reject) => {
    const fail = (error: FerryError) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new FerryError(
            'TRANSIENT',
            `rclone: rcd did not start within ${options.startTimeoutMs} ms: ${tail(said)}`,
          ),
        ),
      options.startTimeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      // Keep only the start of the output: enough to find the address or explain a failure.
      if (said.length < 16_384) said += chunk.toString();
      const match = LISTENING.exec(said);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'ENOENT'
          ? new FerryError(
              'BAD_PROVIDER_OPTIONS',
              `rclone: no executable '${options.binary}'`,
              'install rclone or set --set binary=/path/to/rclone',
            )
          : new FerryError('TRANSIENT', `rclone: cannot start '${options.binary}': ${error.message}`),
      );
    });
    child.once('exit', (code, signal) =>
      fail(
        new FerryError(
          'TRANSIENT',
          `rclone: rcd exited (${code ?? signal}) before it was ready: ${tail(said)}`,
        ),
      ),
    );
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  installExitHook();
  // rcd logs to stderr from here on; keep draining it so a chatty rcd never blocks on a full pipe.
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume();
  return { url, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, child };
}

/** Stops an rcd: SIGTERM, SIGKILL after `graceMs`; resolves once it exited. */
export async function stopRcd(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' ? '(no output)' : trimmed.slice(-500);
}
