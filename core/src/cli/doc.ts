import { formatUsage } from './help.js';
import type { CommandSpec, FlagSpec } from './spec.js';
import { envNameOf, valueNameOf } from './spec.js';

/**
 * docs/cli.md, generated from the command table by bin/gen-cli-doc.ts; a test fails when the
 * committed page and the table disagree.
 */
export function formatCliDoc(commands: readonly CommandSpec[]): string {
  const out: string[] = [
    '# ferry command line',
    '',
    '<!-- Generated from core/src/cli/commands.ts by `npx tsx bin/gen-cli-doc.ts`; do not edit by hand. -->',
    '',
    '`npx ferry --help` lists the commands, `npx ferry <command> --help` shows one command, `npx ferry --version`',
    'prints the version.',
    '',
    'Every flag has an environment variable twin (`--min-free` is `FERRY_MIN_FREE`). A flag on the command line',
    'wins over its twin, and the twin wins over the default. An empty variable counts as unset. The twin of a',
    'repeatable flag holds one item per line. Boolean twins take `1/true/yes/on` or `0/false/no/off`.',
    '',
    'Secrets (passwords) are never flags: they come from their variable or, where noted, from stdin.',
    '',
    'Mistakes (unknown command or flag, missing or bad value) print one line on stderr, such as',
    '`ferry: unknown flag --bogus for ferry relay (FERRY_USAGE); try: ferry relay --help`, and exit with',
    'status 2. A command not built yet exits with FERRY_NOT_AVAILABLE. Codes: [errors.md](errors.md).',
    '',
    'Client commands (`login`, `pair`, `account`, `container`, `crawl`, `status`) use the relay address and',
    'token saved by `ferry login` in the config folder: `--config` / `FERRY_CONFIG`, else',
    '`$XDG_CONFIG_HOME/ferry`, else `~/.config/ferry`.',
    '',
    '| command | what it does |',
    '| --- | --- |',
    ...commands.map((c) => `| [\`ferry ${c.name}\`](#${anchor(c.name)}) | ${cell(c.summary)} |`),
  ];

  for (const command of commands) {
    out.push(
      '',
      `## ferry ${command.name}`,
      '',
      cell(command.summary),
      '',
      '```',
      formatUsage(command),
      '```',
    );
    if (command.description) out.push('', command.description);
    if (command.positionals.length > 0) {
      out.push('', '| argument | meaning |', '| --- | --- |');
      for (const p of command.positionals) out.push(`| \`${p.name}\` | ${cell(p.help)} |`);
    }
    if (command.flags.length > 0) {
      out.push('', '| flag | environment | default | meaning |', '| --- | --- | --- | --- |');
      for (const flag of command.flags) out.push(flagRow(flag));
    }
    for (const secret of command.secrets ?? []) {
      const where = secret.fromStdin ? `\`${secret.env}\`, else read from stdin` : `\`${secret.env}\``;
      out.push('', `Secret: ${secret.help}, from ${where}.`);
    }
  }
  return `${out.join('\n')}\n`;
}

function flagRow(flag: FlagSpec): string {
  const value = valueNameOf(flag);
  const name = `\`--${flag.name}${value === '' ? '' : ` ${value}`}\``;
  const fallback = flag.required ? 'required' : flag.type === 'boolean' ? 'false' : '';
  const defaultText = flag.default === undefined ? fallback : `\`${flag.default}\``;
  const repeat = flag.type === 'list' ? ' (repeatable)' : '';
  return `| ${cell(name)} | \`${envNameOf(flag)}\` | ${defaultText} | ${cell(flag.help)}${repeat} |`;
}

/** GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped. */
function anchor(name: string): string {
  return `ferry-${name.replaceAll(' ', '-')}`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}
