import { type ErrorCode, FerryError } from '../errors.js';
import { parseDuration, parseSize } from '../units.js';
import type { CommandLine, CommandSpec, FlagSource, FlagSpec, FlagValue } from './spec.js';
import { envNameOf } from './spec.js';

/** Environment as the process gives it: a variable may be unset. */
export type Env = Readonly<Record<string, string | undefined>>;

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/**
 * Reads `ferry <command> [flags] [positionals]` against the command table. A flag on the command
 * line wins over its FERRY_* twin, which wins over the default; an empty variable counts as unset.
 * Every mistake is a FerryError (FERRY_USAGE, FERRY_BAD_SIZE, FERRY_BAD_DURATION) whose hint
 * names the help to read, so the CLI prints one line and exits 2.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Env,
  commands: readonly CommandSpec[],
): CommandLine {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help')
    return { kind: 'help' };
  if (first === '--version' || first === '-V') return { kind: 'version' };

  const command =
    commands.find((c) => second !== undefined && c.name === `${first} ${second}`) ??
    commands.find((c) => c.name === first);
  if (!command) {
    const isGroup = commands.some((c) => c.name.startsWith(`${first} `));
    if (isGroup) {
      if (second === undefined || second === '--help' || second === '-h')
        return { kind: 'help', group: first };
      throw usage(`unknown command ferry ${first} ${second}`, `try: ferry ${first} --help`);
    }
    throw usage(`unknown command ${first}`, 'try: ferry --help');
  }
  const rest = argv.slice(command.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', command };
  return parseCommand(command, rest, env);
}

function parseCommand(command: CommandSpec, args: readonly string[], env: Env): CommandLine {
  const hint = `try: ferry ${command.name} --help`;
  const byName = new Map(command.flags.map((f) => [f.name, f]));
  const fromArgv = new Map<string, string[]>();
  const positionals: string[] = [];

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw usage(`unknown flag ${arg} for ferry ${command.name}`, hint);
    const eq = arg.indexOf('=');
    const flagName = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = byName.get(flagName);
    if (!flag) throw usage(`unknown flag --${flagName} for ferry ${command.name}`, hint);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (flag.type === 'boolean') value = 'true';
    else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw usage(`--${flag.name} needs a value`, hint);
      value = next;
      i++;
    }
    const seen = fromArgv.get(flag.name);
    if (seen && flag.type !== 'list') throw usage(`--${flag.name} is given twice`, hint);
    fromArgv.set(flag.name, [...(seen ?? []), value]);
  }

  const flags: Record<string, FlagValue> = {};
  const sources: Record<string, FlagSource> = {};
  for (const flag of command.flags) {
    const given = fromArgv.get(flag.name);
    const envName = envNameOf(flag);
    const envText = env[envName];
    let raw: string[] | undefined;
    let source: FlagSource;
    let label: string;
    if (given) {
      raw = given;
      source = 'argv';
      label = `--${flag.name}`;
    } else if (envText !== undefined && envText !== '') {
      raw = flag.type === 'list' ? envText.split(/\r?\n/).filter((line) => line !== '') : [envText];
      source = 'env';
      label = envName;
    } else if (flag.default !== undefined) {
      raw = [flag.default];
      source = 'default';
      label = `--${flag.name}`;
    } else {
      if (flag.required) throw usage(`ferry ${command.name} needs --${flag.name} (or ${envName})`, hint);
      if (flag.type === 'boolean') {
        flags[flag.name] = false;
        sources[flag.name] = 'default';
      }
      continue;
    }
    flags[flag.name] = typedValue(flag, raw, label, hint);
    sources[flag.name] = source;
  }

  if (positionals.length < command.positionals.length) {
    const missing = command.positionals[positionals.length] as { name: string };
    throw usage(`ferry ${command.name} needs ${missing.name}`, hint);
  }
  if (positionals.length > command.positionals.length)
    throw usage(
      `unexpected argument '${positionals[command.positionals.length]}' for ferry ${command.name}`,
      hint,
    );
  const named = Object.fromEntries(command.positionals.map((p, i) => [p.name, positionals[i] as string]));
  return { kind: 'run', command, flags, positionals: named, sources };
}

function typedValue(flag: FlagSpec, raw: readonly string[], label: string, hint: string): FlagValue {
  if (flag.type === 'list') {
    for (const item of raw)
      if (flag.itemFormat === 'key=value' && !/^[^=\s]+=/.test(item))
        throw usage(`${label}: '${item}' is not KEY=VALUE`, hint);
    return raw;
  }
  const text = raw[0] as string;
  const fail = (message: string, code: ErrorCode = 'USAGE') =>
    new FerryError(code, `${label}: ${message}`, hint);
  switch (flag.type) {
    case 'size':
      return rethrow(() => parseSize(text), label, hint);
    case 'duration':
      return rethrow(() => parseDuration(text), label, hint);
    case 'integer':
      return integer(flag, text, fail);
    case 'boolean': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw fail(`'${text}' is not one of 1/true/yes/on or 0/false/no/off`);
    }
    case 'enum': {
      if (flag.values?.includes(text)) return text;
      if (flag.alsoInteger && /^-?\d+$/.test(text)) return integer(flag, text, fail);
      const choices = [...(flag.values ?? []), ...(flag.alsoInteger ? ['a whole number'] : [])].join(', ');
      throw fail(`'${text}' is not one of ${choices}`);
    }
    case 'url': {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw fail(`'${text}' is not a URL (e.g. http://127.0.0.1:8787)`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw fail(`'${text}' is not an http(s) URL`);
      return text.replace(/\/+$/, '');
    }
    case 'path':
    case 'string':
      if (text.includes('\0')) throw fail('contains a NUL character');
      return text;
  }
}

function integer(flag: FlagSpec, text: string, fail: (message: string) => FerryError): number {
  if (!/^-?\d+$/.test(text)) throw fail(`'${text}' is not a whole number`);
  const value = Number(text);
  const min = flag.min ?? Number.MIN_SAFE_INTEGER;
  const max = flag.max ?? Number.MAX_SAFE_INTEGER;
  if (value < min || value > max) throw fail(`${value} is out of range ${min}..${max}`);
  return value;
}

/** Units errors keep their code (FERRY_BAD_SIZE…) and gain the flag's name and the help hint. */
function rethrow(parse: () => number, label: string, hint: string): number {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FerryError) throw new FerryError(error.code, `${label}: ${error.message}`, hint);
    throw error;
  }
}

function usage(message: string, hint: string): FerryError {
  return new FerryError('USAGE', message, hint);
}
