import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.js';
import { formatGroupHelp, formatHelp, formatTopHelp, formatUsage } from './help.js';
import { envNameOf } from './spec.js';

describe('the command table', () => {
  it('names every command once, one or two lower-case words', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z]+( [a-z]+)?$/);
  });

  it('holds the commands of the issues', () => {
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(
      [
        'relay',
        'user add',
        'login',
        'pair',
        'account add',
        'account list',
        'account remove',
        'account update',
        'account connect',
        'account reconnect',
        'devices list',
        'devices rename',
        'devices unbind',
        'container add',
        'container list',
        'container remove',
        'crawl',
        'status',
        'device',
        'up',
      ].sort(),
    );
  });

  it('gives every flag a distinct kebab-case name and a FERRY_* twin within its command', () => {
    for (const command of COMMANDS) {
      const names = command.flags.map((f) => f.name);
      expect(new Set(names).size, command.name).toBe(names.length);
      const envs = command.flags.map(envNameOf);
      expect(new Set(envs).size, command.name).toBe(envs.length);
      for (const flag of command.flags) {
        expect(flag.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
        expect(envNameOf(flag)).toMatch(/^FERRY_[A-Z0-9_]+$/);
        expect(flag.help.length, `${command.name} --${flag.name}`).toBeGreaterThan(0);
        if (flag.type === 'enum') expect(flag.values?.length).toBeGreaterThan(0);
      }
    }
  });

  it('never takes a password or secret as a flag', () => {
    for (const command of COMMANDS) {
      for (const flag of command.flags) expect(flag.name).not.toMatch(/pass|secret|token/);
    }
    const userAdd = COMMANDS.find((c) => c.name === 'user add');
    expect(userAdd?.secrets?.map((s) => s.env)).toEqual(['FERRY_PASSWORD']);
  });

  it('derives env twins in upper snake case', () => {
    expect(envNameOf({ name: 'min-free', type: 'size', help: 'x' })).toBe('FERRY_MIN_FREE');
    expect(envNameOf({ name: 'relay', type: 'url', help: 'x', env: 'FERRY_OTHER' })).toBe('FERRY_OTHER');
  });
});

describe('help', () => {
  const device = COMMANDS.find((c) => c.name === 'device');
  if (!device) throw new Error('device command missing');

  it('shows required flags bare and optional ones in brackets', () => {
    expect(formatUsage(device)).toBe(
      'ferry device --relay URL --disk DIR [--name NAME] [--pair CODE] [--min-free SIZE] [--recheck DURATION] [--parallel auto|serial|N] [--port N] [--config DIR]',
    );
  });

  it('lists every flag of a command with its env twin and default', () => {
    for (const command of COMMANDS) {
      const help = formatHelp(command);
      for (const flag of command.flags) {
        expect(help, command.name).toContain(`--${flag.name}`);
        expect(help, command.name).toContain(envNameOf(flag));
        if (flag.default !== undefined) expect(help).toContain(`default ${flag.default}`);
      }
    }
    expect(formatHelp(device)).toMatch(
      /\n {2}--min-free SIZE +stay inactive [^\n]*\(default 1GB, env FERRY_MIN_FREE\)\n/,
    );
  });

  it('names the secret variables of a command', () => {
    const userAdd = COMMANDS.find((c) => c.name === 'user add');
    expect(userAdd && formatHelp(userAdd)).toMatch(/FERRY_PASSWORD +.*read from stdin/);
  });

  it('lists every command at the top, with the version', () => {
    const top = formatTopHelp(COMMANDS, '9.8.7');
    expect(top).toContain('ferry 9.8.7');
    for (const command of COMMANDS) expect(top).toContain(`  ${command.name}`);
  });

  it('lists the subcommands of a group', () => {
    const help = formatGroupHelp('container', COMMANDS);
    expect(help).toContain('Usage: ferry container <add|list|remove>');
    expect(help).not.toContain('account add');
  });
});
