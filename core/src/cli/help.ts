import type { CommandSpec, FlagSpec } from './spec.js';
import { envNameOf, valueNameOf } from './spec.js';

/** `ferry device --relay URL --disk DIR [--name NAME] ...`: required flags first, as typed. */
export function formatUsage(command: CommandSpec): string {
  const parts = [`ferry ${command.name}`];
  for (const p of command.positionals) parts.push(p.name);
  for (const flag of command.flags) {
    const text = flagWithValue(flag);
    parts.push(flag.required ? text : `[${text}]`);
  }
  return parts.join(' ');
}

/** What `ferry <command> --help` prints. */
export function formatHelp(command: CommandSpec): string {
  const lines = [`ferry ${command.name}: ${command.summary}`, '', `Usage: ${formatUsage(command)}`];
  if (command.description) lines.push('', command.description);

  if (command.positionals.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(...table(command.positionals.map((p) => [p.name, p.help])));
  }
  lines.push('', 'Flags:');
  lines.push(
    ...table([
      ...command.flags.map((f) => [flagWithValue(f), describeFlag(f)]),
      ['-h, --help', 'show this help'],
    ]),
  );
  if (command.secrets && command.secrets.length > 0) {
    lines.push('', 'Secrets (never flags, so they stay out of shell history and process lists):');
    lines.push(
      ...table(command.secrets.map((s) => [s.env, s.fromStdin ? `${s.help}; else read from stdin` : s.help])),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** What `ferry --help` prints: every command, one line each. */
export function formatTopHelp(commands: readonly CommandSpec[], version: string): string {
  const lines = [
    `ferry ${version}: back up many cloud-storage accounts onto one sometimes-online disk`,
    '',
    'Usage: ferry <command> [flags]',
    '',
    'Commands:',
    ...table(commands.map((c) => [`${c.name}${c.positionals.map((p) => ` ${p.name}`).join('')}`, c.summary])),
    '',
    'Every flag can also be set by its FERRY_* environment variable; a flag on the command line wins.',
    "ferry <command> --help shows a command's flags; ferry --version prints the version.",
  ];
  return `${lines.join('\n')}\n`;
}

/** What `ferry container --help` prints: the subcommands of one group word. */
export function formatGroupHelp(group: string, commands: readonly CommandSpec[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  const lines = [
    `Usage: ferry ${group} <${members.map((c) => c.name.slice(group.length + 1)).join('|')}> ...`,
    '',
    ...table(members.map((c) => [c.name, c.summary])),
    '',
    `ferry ${group} <subcommand> --help shows its flags.`,
  ];
  return `${lines.join('\n')}\n`;
}

function flagWithValue(flag: FlagSpec): string {
  const value = valueNameOf(flag);
  const text = value === '' ? `--${flag.name}` : `--${flag.name} ${value}`;
  return flag.type === 'list' ? `${text} ...` : text;
}

function describeFlag(flag: FlagSpec): string {
  const notes: string[] = [];
  if (flag.required) notes.push('required');
  if (flag.default !== undefined) notes.push(`default ${flag.default}`);
  notes.push(`env ${envNameOf(flag)}`);
  return `${flag.help} (${notes.join(', ')})`;
}

/** Left-aligned columns, two spaces apart, indented by two. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
  );
}

/**
 * The one stderr line for an expected failure: `ferry: <message> (FERRY_<CODE>); <hint>`.
 * Newlines are folded so a message can never spill onto a second line.
 */
export function formatErrorLine(error: {
  readonly message: string;
  readonly hint?: string;
  readonly id: string;
}): string {
  const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  const hint = error.hint === undefined ? '' : `; ${oneLine(error.hint)}`;
  return `ferry: ${oneLine(error.message)} (${error.id})${hint}`;
}

/** What `ferry account add --provider X --help` adds: the options of that provider, for `--set`. */
export function formatProviderHelp(provider: {
  readonly name: string;
  readonly description: string;
  readonly options: readonly {
    readonly key: string;
    readonly type: string;
    readonly required: boolean;
    readonly help: string;
    readonly default?: string | number | boolean;
  }[];
}): string {
  const lines = [
    '',
    `Provider ${provider.name}: ${provider.description}`,
    '',
    'Options (--set KEY=VALUE, repeatable):',
    ...table(
      provider.options.map((option) => {
        const notes = [option.type];
        if (option.required) notes.push('required');
        if (option.default !== undefined) notes.push(`default ${option.default}`);
        if (option.type === 'secret') notes.push('never logged or shown again');
        return [option.key, `${option.help} (${notes.join(', ')})`];
      }),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** What `ferry account add --help` adds when no provider is named: the providers to choose from. */
export function formatProviderList(
  providers: readonly { readonly name: string; readonly description: string }[],
): string {
  const lines = [
    '',
    'Providers (ferry account add --provider NAME --help shows its options):',
    ...table(providers.map((p) => [p.name, p.description])),
  ];
  return `${lines.join('\n')}\n`;
}
