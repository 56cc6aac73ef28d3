import { readFileSync } from 'node:fs';
import type { CliIo } from '@ferry/core';
import {
  COMMANDS,
  FerryError,
  formatErrorLine,
  formatGroupHelp,
  formatHelp,
  formatProviderHelp,
  formatProviderList,
  formatTopHelp,
  isFerryError,
  parseCommandLine,
} from '@ferry/core';
import { runners } from './commands.js';

/** The version of the root package.json, read when asked (help and --version only). */
export function ferryVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Parses argv, prints help or the version, or runs the command's runner; returns the exit code.
 * An expected failure (FerryError) is one stderr line `ferry: …` and its table exit code; anything
 * else is a bug and keeps its stack, with exit code 70.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const line = parseCommandLine(argv, io.env, COMMANDS);
    switch (line.kind) {
      case 'version':
        io.stdout.write(`${ferryVersion()}\n`);
        return 0;
      case 'help':
        if (line.command) {
          io.stdout.write(formatHelp(line.command));
          if (line.command.name === 'account add') io.stdout.write(await providerHelp(argv, io.env));
        } else if (line.group) io.stdout.write(formatGroupHelp(line.group, COMMANDS));
        else io.stdout.write(formatTopHelp(COMMANDS, ferryVersion()));
        return 0;
      case 'run': {
        const load = runners[line.command.name];
        if (!load) {
          throw new FerryError(
            'NOT_AVAILABLE',
            `ferry ${line.command.name} is not built yet in this version`,
          );
        }
        const run = await load();
        return await run(line, io);
      }
    }
  } catch (error) {
    if (isFerryError(error)) {
      io.stderr.write(`${formatErrorLine(error)}\n`);
      return error.exitCode;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`ferry: unexpected error, please report it (FERRY_INTERNAL)\n${detail}\n`);
    return 70;
  }
}

/** The process edge: real streams and environment; SIGINT/SIGTERM abort io.signal, a second one exits. */
export async function runFromProcess(): Promise<void> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    process.exitCode = await main(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      // A getter: process.stdin is only opened by a command that reads it.
      get stdin() {
        return process.stdin;
      },
      env: process.env,
      signal: stop.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  exitIfStuck();
}

/** How long a finished command may take to let go of its last sockets and timers. */
const EXIT_GRACE_MS = 10_000;

/**
 * A command that returned exits when Node has nothing left to do. Something still open past the
 * grace (a socket a library kept, a timer) would keep a stopped device or relay running until
 * systemd kills it: name what is open, on stderr, and exit with the command's code. The timer is
 * unref'd, so it never delays a clean exit.
 */
function exitIfStuck(): void {
  setTimeout(() => {
    // This timer is unref'd, so it is not among them: a 'Timeout' listed is one the command left.
    const open = process.getActiveResourcesInfo();
    process.stderr.write(
      `ferry: still running ${EXIT_GRACE_MS / 1000} s after the command ended (open: ${open.join(', ') || 'nothing named'}); exiting (FERRY_INTERNAL)\n`,
    );
    process.exit(process.exitCode ?? 0);
  }, EXIT_GRACE_MS).unref();
}

/**
 * `ferry account add --provider webdav --help`: the provider's options; without a provider, the
 * list of providers. Loaded only here, so other help stays instant.
 */
async function providerHelp(argv: readonly string[], env: CliIo['env']): Promise<string> {
  const { providerFactories, getProviderFactory } = await import('@ferry/core/providers');
  const at = argv.indexOf('--provider');
  const inline = argv.find((arg) => arg.startsWith('--provider='))?.slice('--provider='.length);
  const name = inline ?? (at >= 0 ? argv[at + 1] : undefined) ?? (env.FERRY_PROVIDER || undefined);
  if (name === undefined || name.startsWith('-')) return formatProviderList(providerFactories);
  return formatProviderHelp(getProviderFactory(name));
}
