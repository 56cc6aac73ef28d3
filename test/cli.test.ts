import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type CliIo, COMMANDS, ERROR_CODES, envNameOf, type FlagSpec, formatCliDoc } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { runners } from '../bin/commands.js';
import { main } from '../bin/main.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;

/** Runs the real executable as a user would, with a clean FERRY_* environment. */
async function ferry(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FERRY_')));
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/ferry.mjs', ...args], {
      cwd: ROOT,
      env: { ...clean, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    return { code: e.code ?? -1, stdout: e.stdout, stderr: e.stderr };
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('the ferry executable', () => {
  it('prints the version and the list of commands', async () => {
    const version = await ferry(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const help = await ferry(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command.name}`);
  });

  it("prints a command's flags with their environment twins", async () => {
    const help = await ferry(['relay', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: ferry relay \[--data DIR\]/m);
    expect(help.stdout).toMatch(/^ {2}--port N +port to listen on.*\(default 8787, env FERRY_PORT\)$/m);
  });

  it("shows a provider's options for account add, and the providers without one", async () => {
    const local = await ferry(['account', 'add', '--provider', 'local', '--help']);
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(/^Provider local: /m);
    expect(local.stdout).toMatch(/^ {2}root +.*\(path, required\)$/m);
    const list = await ferry(['account', 'add', '--help']);
    expect(list.stdout).toMatch(/^ {2}webdav +/m);
    const unknown = await ferry(['account', 'add', '--provider=nope', '--help']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^ferry: no provider named 'nope' .*\(FERRY_UNKNOWN_PROVIDER\)\n$/);
  });

  it('refuses an unknown flag with exit 2 and one stderr line', async () => {
    const result = await ferry(['relay', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'ferry: unknown flag --bogus for ferry relay (FERRY_USAGE); try: ferry relay --help\n',
    );
  });

  it('refuses a bad size on the command line and in the env twin, one line each', async () => {
    const flag = await ferry([
      'device',
      '--relay',
      'http://127.0.0.1:8787',
      '--disk',
      '/tmp',
      '--min-free',
      '5XB',
    ]);
    expect(flag.code).toBe(2);
    expect(lines(flag.stderr)).toHaveLength(1);
    expect(flag.stderr).toMatch(/^ferry: --min-free: .*\(FERRY_BAD_SIZE\); try: ferry device --help\n$/);

    const twin = await ferry(['device'], {
      FERRY_RELAY: 'http://127.0.0.1:8787',
      FERRY_DISK: '/tmp',
      FERRY_MIN_FREE: '5XB',
    });
    expect(twin.code).toBe(2);
    expect(lines(twin.stderr)).toHaveLength(1);
    expect(twin.stderr).toMatch(/^ferry: FERRY_MIN_FREE: .*\(FERRY_BAD_SIZE\)/);
  });
});

describe('dispatch', () => {
  function memoryIo(env: Record<string, string> = {}) {
    const out = { stdout: '', stderr: '' };
    const io: CliIo = {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t) },
      stdin: Object.assign((async function* () {})(), { isTTY: false }),
      env,
      signal: new AbortController().signal,
    };
    return { io, out };
  }

  /** A value the parser accepts for a required flag. */
  function validText(flag: FlagSpec): string {
    return flag.type === 'url' ? 'http://127.0.0.1:1' : 'x';
  }

  it('wires only real commands', () => {
    const names = new Set(COMMANDS.map((c) => c.name));
    for (const key of Object.keys(runners)) expect(names.has(key), key).toBe(true);
  });

  it('answers FERRY_NOT_AVAILABLE, in one line, for every command without a runner', async () => {
    const unwired = COMMANDS.filter((c) => !(c.name in runners));
    for (const command of unwired) {
      const env = Object.fromEntries(
        command.flags.filter((f) => f.required).map((f) => [envNameOf(f), validText(f)]),
      );
      const { io, out } = memoryIo(env);
      const argv = [...command.name.split(' '), ...command.positionals.map(() => 'x')];
      expect(await main(argv, io), command.name).toBe(ERROR_CODES.NOT_AVAILABLE.exitCode);
      expect(out.stderr).toBe(
        `ferry: ferry ${command.name} is not built yet in this version (FERRY_NOT_AVAILABLE)\n`,
      );
    }
  });

  it('prints group help and keeps a bug visible with exit 70', async () => {
    const group = memoryIo();
    expect(await main(['account', '--help'], group.io)).toBe(0);
    expect(group.out.stdout).toContain('  account remove  ');
    const broken = memoryIo();
    const badIo = { ...broken.io, env: null as unknown as CliIo['env'] };
    expect(await main(['relay'], badIo)).toBe(70);
    expect(broken.out.stderr).toMatch(
      /^ferry: unexpected error, please report it \(FERRY_INTERNAL\)\n.*TypeError/,
    );
  });
});

describe('docs/cli.md', () => {
  it('is the page generated from the command table (npx tsx bin/gen-cli-doc.ts)', () => {
    const page = readFileSync(`${ROOT}docs/cli.md`, 'utf8');
    expect(page).toBe(formatCliDoc(COMMANDS));
    for (const command of COMMANDS) {
      for (const flag of command.flags) expect(page).toContain(`\`${envNameOf(flag)}\``);
    }
  });
});
