/**
 * The shape of Ferry's command line, as data: one table (commands.ts) drives parsing, help,
 * docs/cli.md and the tests, so a flag cannot exist in one place and be missing in another.
 */

export type FlagType =
  | 'string'
  | 'size'
  | 'duration'
  | 'integer'
  | 'boolean'
  | 'url'
  | 'path'
  | 'enum'
  | 'list';

export interface FlagSpec {
  /** Long name without dashes, kebab-case: `min-free` is `--min-free`. */
  readonly name: string;
  readonly type: FlagType;
  /** What the value is, for help (`DIR`, `NAME`, `KEY=VALUE`); derived from the type when absent. */
  readonly valueName?: string;
  /** For `enum`: the words accepted. */
  readonly values?: readonly string[];
  /** For `enum`: a whole number is accepted too (`--parallel auto|serial|N`). */
  readonly alsoInteger?: boolean;
  /** For `integer` (and `enum` with alsoInteger): inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** For `list`: each item must read `key=value` (key non-empty, no spaces). */
  readonly itemFormat?: 'key=value';
  /** Written as a user would type it (`1GB`, `24h`), parsed like a typed value. */
  readonly default?: string;
  readonly help: string;
  /** The environment twin; `FERRY_<NAME_IN_UPPER_SNAKE>` when absent (see envNameOf). */
  readonly env?: string;
  readonly required?: boolean;
}

export interface PositionalSpec {
  /** Upper-case in help: `NAME`. */
  readonly name: string;
  readonly help: string;
}

/** A secret the command needs: read from its environment variable or stdin, never from a flag. */
export interface SecretSpec {
  readonly name: string;
  readonly env: string;
  /** True when the command reads it from stdin if the variable is unset. */
  readonly fromStdin: boolean;
  readonly help: string;
}

export interface CommandSpec {
  /** One or two words: `relay`, `user add`, `container list`. */
  readonly name: string;
  readonly summary: string;
  /** A paragraph for `ferry <command> --help`, after the summary. */
  readonly description?: string;
  readonly flags: readonly FlagSpec[];
  /** Every positional is required, in this order. */
  readonly positionals: readonly PositionalSpec[];
  readonly secrets?: readonly SecretSpec[];
}

export type FlagValue = string | number | boolean | readonly string[];

/** Where a flag's value came from, so a command can say "FERRY_PORT=… is taken" in its errors or logs. */
export type FlagSource = 'argv' | 'env' | 'default';

export interface ParsedCommand {
  readonly kind: 'run';
  readonly command: CommandSpec;
  /**
   * Typed values by flag name: size → bytes (number), duration → milliseconds (number),
   * integer → number, boolean → boolean, list → string[], enum → the word or (alsoInteger) a number,
   * string/url/path → string. A flag with neither value nor default is absent; a boolean without
   * any is false.
   */
  readonly flags: Readonly<Record<string, FlagValue>>;
  /** By positional name: `{ NAME: 'alice' }`. */
  readonly positionals: Readonly<Record<string, string>>;
  /** For every flag present in `flags`. */
  readonly sources: Readonly<Record<string, FlagSource>>;
}

export interface HelpRequest {
  readonly kind: 'help';
  /** The command asked about; absent for `ferry --help`. */
  readonly command?: CommandSpec;
  /** Set for `ferry container --help`: the group word, whose subcommands are listed. */
  readonly group?: string;
}

export interface VersionRequest {
  readonly kind: 'version';
}

export type CommandLine = ParsedCommand | HelpRequest | VersionRequest;

/** `min-free` → `FERRY_MIN_FREE`, unless the spec names its own variable. */
export function envNameOf(flag: FlagSpec): string {
  return flag.env ?? `FERRY_${flag.name.toUpperCase().replaceAll('-', '_')}`;
}

/** How the value is shown in help and usage lines. */
export function valueNameOf(flag: FlagSpec): string {
  if (flag.valueName !== undefined) return flag.valueName;
  switch (flag.type) {
    case 'size':
      return 'SIZE';
    case 'duration':
      return 'DURATION';
    case 'integer':
      return 'N';
    case 'url':
      return 'URL';
    case 'path':
      return 'PATH';
    case 'enum':
      return [...(flag.values ?? []), ...(flag.alsoInteger ? ['N'] : [])].join('|');
    case 'boolean':
      return '';
    default:
      return 'VALUE';
  }
}
