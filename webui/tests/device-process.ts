/**
 * The real `ferry device` for the panel's end-to-end test: the command the page shows, run as
 * the repository's executable (bin/ferry.mjs), with its output lines to wait for. The small part
 * of test/e2e/harness.ts FerryProcess the panel test needs (the Playwright runner does not load
 * the vitest workspace's helpers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin', 'ferry.mjs');

/** Splits a command line the way a POSIX shell splits plain and single-quoted words (pair-command.ts shellWord). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quoted) {
      if (char === "'") quoted = false;
      else word += char;
    } else if (char === "'") {
      quoted = true;
      started = true;
    } else if (char === '\\' && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += char;
      started = true;
    }
  }
  if (quoted) throw new Error(`unclosed quote in: ${line}`);
  if (started) words.push(word);
  return words;
}

export class DeviceProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private readonly disk: string;

  /** `args` without the leading `ferry`: `device --relay URL --disk DIR ...`. */
  constructor(args: string[], env: Record<string, string>) {
    const disk = args[args.indexOf('--disk') + 1];
    if (!args.includes('--disk') || disk === undefined) throw new Error('the device command has no --disk');
    this.disk = disk;
    const kept = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FERRY_')));
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...kept, ...env } });
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      this.output.push(...lines);
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The first output line matching `pattern`; fails with the output when the device exits first. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => {
      ended = true;
    });
    while (Date.now() < deadline) {
      const line = this.output.find((candidate) => pattern.test(candidate));
      if (line) return line;
      if (ended) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `the device printed no line matching ${pattern}; output:\n${this.output.slice(-30).join('\n')}`,
    );
  }

  /** The device token it saved on its disk when it paired (`.ferry/device.json`). */
  async token(): Promise<string> {
    return (JSON.parse(await readFile(join(this.disk, '.ferry', 'device.json'), 'utf8')) as { token: string })
      .token;
  }

  /** A file the device wrote under its disk folder. */
  fileText(path: string): Promise<string> {
    return readFile(join(this.disk, path), 'utf8');
  }

  /** SIGTERM and wait for the exit code (SIGKILL after 10 s: a stuck device must not hang the run). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
