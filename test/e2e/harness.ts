import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root: the tests run the real `ferry` executable from there. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ferry.mjs');

/** The environment without any FERRY_* of the caller, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FERRY_')));
  return { ...kept, ...env };
}

/** Runs one `ferry` command to its end. */
export async function ferry(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: cleanEnv(env),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Like ferry() but a non-zero exit fails the test with the command's stderr. */
export async function ferryOk(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await ferry(args, env);
  if (result.code !== 0)
    throw new Error(`ferry ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `ferry pair`: the pairing code it prints (the test fails with its output when there is none). */
export async function pairingCode(env: Record<string, string>): Promise<string> {
  const printed = await ferryOk(['pair'], env);
  const code = /\b([A-Z0-9]{4}-[A-Z0-9]{4})\b/.exec(printed)?.[1];
  if (code === undefined) throw new Error(`ferry pair printed no pairing code:\n${printed}`);
  return code;
}

/** A stop that takes longer is a bug (a close that waits on something that never comes). */
const STOP_WITHIN_MS = 20_000;

/** A long-running `ferry` process (relay, device) whose output lines can be waited for. */
export class FerryProcess {
  readonly child: ChildProcess;
  readonly output: string[] = [];
  private readonly waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(env) });
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        this.output.push(line);
        for (const waiter of [...this.waiters])
          if (waiter.pattern.test(line)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The first line (already printed or to come) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const seen = this.output.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the process exited (${code}) before printing ${pattern}; output:\n${this.tail()}`));
      });
    });
  }

  tail(lines = 40): string {
    return this.output.slice(-lines).join('\n');
  }

  /** SIGTERM and wait: the exit code of a clean stop. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(() => resolve('stuck'), STOP_WITHIN_MS);
    });
    const code = await Promise.race([this.exited, stuck]);
    clearTimeout(timer);
    if (code === 'stuck') {
      await this.kill();
      throw new Error(`still running ${STOP_WITHIN_MS} ms after SIGTERM; output:\n${this.tail()}`);
    }
    // The CLI's own watchdog: the command ended but something it opened kept the process alive.
    if (this.output.some((line) => line.includes('after the command ended')))
      throw new Error(`the process did not let go after stopping:\n${this.tail()}`);
    return code;
  }

  /** SIGKILL: no chance to clean up, as a power cut. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Stops each process in turn (devices before their relay, so their last edits reach it), every
 * one even when an earlier stop fails; then throws the first failure.
 */
export async function stopAll(...processes: (FerryProcess | undefined)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const process of processes) await process?.stop().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
}

/** `relay listening` is a pino JSON line carrying the URL actually bound. */
export async function relayUrlOf(relay: FerryProcess): Promise<string> {
  const line = await relay.waitFor(/relay listening/);
  return (JSON.parse(line) as { url: string }).url;
}

/** Every file under `root` (folders skipped), path → sha256, `.ferry` left out. */
export async function treeOf(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const path = relative(root, full);
    if (path === '.ferry' || path.startsWith('.ferry/')) continue;
    files.set(
      path,
      createHash('sha256')
        .update(await readFile(full))
        .digest('hex'),
    );
  }
  return files;
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if ((error as Error).message === 'a ferry process exited') throw error;
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
}

/** The relay's HTTP API with a session token, for polling status in tests. */
export async function apiLogin(relayUrl: string, user: string, password: string) {
  const response = await fetch(`${relayUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  return {
    async get<T>(path: string): Promise<T> {
      const answer = await fetch(`${relayUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!answer.ok) throw new Error(`GET ${path}: ${answer.status} ${await answer.text()}`);
      return (await answer.json()) as T;
    },
  };
}

export interface ContainerStatus {
  name: string;
  files: number;
  fetchedFiles: number;
  lastCrawl: number | null;
  lastError: unknown;
  crawling?: boolean;
}
