import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const tsxScript = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export interface TestRelay {
  url: string;
  /** A folder of 4 files, 2 of them in a sub-folder (5 catalog entries), for a `local` account. */
  folder: string;
  stop(): Promise<void>;
}

/** Starts relay-server.ts in its own process and waits for its `{url, folder}` line. */
export async function startTestRelay(): Promise<TestRelay> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', tsxScript('./relay-server.ts')], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`test relay exited with ${code} before listening`)));
  });
  const info = JSON.parse(first) as { url: string; folder: string };
  return {
    ...info,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
