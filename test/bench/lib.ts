import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What every benchmark module exports. `run` returns the markdown of its own section of
 * docs/benchmarks.md (without the delimiters); progress and figures go to the console as it runs.
 */
export interface BenchModule {
  /** Section name in docs/benchmarks.md (`<!-- bench:NAME -->`) and on the command line. */
  name: string;
  title: string;
  run(log: (line: string) => void): Promise<string>;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

/**
 * Runs `fn` `warmups` times unmeasured (JIT, inline caches), then `runs` times measured, each
 * after a full GC so one run's garbage is not collected during the next. The median is reported.
 */
export function measure(fn: () => unknown, options: { runs: number; warmups?: number }): Timing {
  for (let i = 0; i < (options.warmups ?? 1); i++) fn();
  const times: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    collectGarbage();
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return summarize(times);
}

/** Times one call (for steps that build state and cannot be repeated cheaply). */
export function timeOnce<T>(fn: () => T): { value: T; ms: number } {
  collectGarbage();
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

export function summarize(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return {
    medianMs: median ?? Number.NaN,
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    runs: sorted.length,
  };
}

/** Full GC when node runs with --expose-gc (npm run bench does); heap figures need it. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

export const hasGc = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

/** Heap in use after a full GC: what the live objects hold. */
export function heapUsedAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatTiming(t: Timing): string {
  return t.runs > 1
    ? `${formatMs(t.medianMs)} (${formatMs(t.minMs)}–${formatMs(t.maxMs)}, ${t.runs} runs)`
    : formatMs(t.medianMs);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB'];
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** `a / b` as "3.2×"; the ratio tables read "Automerge / Yjs". */
export function formatRatio(a: number, b: number): string {
  if (b === 0) return a === 0 ? '1×' : '∞';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export interface Machine {
  cpu: string;
  cores: number;
  ramBytes: number;
  os: string;
  node: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    ramBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${formatBytes(m.ramBytes)} RAM, ${m.os}, Node ${m.node}`;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same workload on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks `count` distinct indexes below `n`, deterministic for a seed. */
export function pickIndexes(n: number, count: number, random: () => number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * n));
  return [...picked].sort((a, b) => a - b);
}

/** True when `moduleUrl` is the script node was started with (`node --import tsx test/bench/merge.ts`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === moduleUrl;
}

/** Runs one module on its own: prints its section, leaves docs/benchmarks.md alone. */
export async function runAlone(bench: BenchModule): Promise<void> {
  if (!hasGc()) console.warn('note: run node with --expose-gc for heap figures and steadier timings');
  console.log(`# ${bench.title}\n${describeMachine(machine())}\n`);
  const markdown = await bench.run((line) => console.log(line));
  console.log(`\n${markdown}`);
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs a benchmark's child script (`node --expose-gc [nodeFlags] --import tsx SCRIPT ARGS`) so the
 * parent's own memory is never counted. Its lines are logged; its last `RESULT <json>` line is the
 * answer; a non-zero exit rejects with the end of its stderr.
 */
export function runBenchChild<T>(
  script: string,
  args: string[],
  log: (line: string) => void,
  nodeFlags: string[] = [],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...nodeFlags, '--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let result: T | undefined;
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as T;
        else if (line !== '') log(`  ${line}`);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`${script} ${args[0] ?? ''} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** A size line of /proc/self/status (Linux), in bytes. */
export function procStatus(field: string, text = readFileSync('/proc/self/status', 'utf8')): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}
