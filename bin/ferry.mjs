#!/usr/bin/env node
// The `ferry` executable: TypeScript runs as-is through tsx, so `npx ferry` works right after
// `npm install` with no build step. Everything else lives in main.ts.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEVICE_NODE_FLAGS } from './node-flags.mjs';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === 'device' && process.env.FERRY_DEVICE_PROCESS !== '1') {
  // The device runs beside small disks on small machines (a Pi): it gets its own Node process with
  // a small heap, so its memory stays flat (docs/benchmarks.md, device-memory). This process only
  // passes signals on and exits with the device's status.
  const child = spawn(process.execPath, [...DEVICE_NODE_FLAGS, self, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, FERRY_DEVICE_PROCESS: '1' },
  });
  const forward = (signal) => () => child.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGHUP'));
  // Ctrl-C in a terminal reaches the whole process group, the device included: pass it on only
  // when it was sent to this process alone.
  process.on('SIGINT', () => {
    if (!process.stdin.isTTY) child.kill('SIGINT');
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
} else {
  if (process.env.FERRY_DEVICE_PROCESS === '1' && process.channel) {
    // The parent died without a word (kill -9): die the same way rather than run on unwatched.
    process.channel.unref();
    process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  }
  const { register } = await import('tsx/esm/api');
  // Our own tsconfig, never whatever tsconfig.json sits in the caller's working folder.
  register({ tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) });
  const { runFromProcess } = await import('./main.ts');
  await runFromProcess();
}
