import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import { COMMANDS } from './commands.js';
import { parseCommandLine } from './parse.js';
import type { CommandLine, ParsedCommand } from './spec.js';

function run(argv: string[], env: Record<string, string> = {}): ParsedCommand {
  const line: CommandLine = parseCommandLine(argv, env, COMMANDS);
  if (line.kind !== 'run') throw new Error(`expected a command, got ${line.kind}`);
  return line;
}

function refusal(argv: string[], env: Record<string, string> = {}): FerryError {
  try {
    parseCommandLine(argv, env, COMMANDS);
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

const DEVICE = ['device', '--relay', 'http://127.0.0.1:8787', '--disk', '/mnt/disk'];

describe('parseCommandLine', () => {
  it('reads help and version requests', () => {
    expect(parseCommandLine([], {}, COMMANDS)).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'], {}, COMMANDS)).toEqual({ kind: 'version' });
    expect(parseCommandLine(['account'], {}, COMMANDS)).toEqual({ kind: 'help', group: 'account' });
    const help = parseCommandLine(['device', '--min-free', 'nonsense', '--help'], {}, COMMANDS);
    expect(help.kind === 'help' && help.command?.name).toBe('device');
  });

  it('types every value and fills defaults', () => {
    const line = run([...DEVICE, '--min-free', '5GB', '--parallel', '4']);
    expect(line.flags).toMatchObject({
      relay: 'http://127.0.0.1:8787',
      disk: '/mnt/disk',
      'min-free': 5_000_000_000,
      parallel: 4,
      port: 8788,
    });
    expect(line.sources).toMatchObject({ 'min-free': 'argv', port: 'default' });
    expect(run([...DEVICE, '--parallel=serial']).flags.parallel).toBe('serial');
    expect(run(['relay', '--crawl-interval', '90m']).flags['crawl-interval']).toBe(5_400_000);
    expect(run(['status']).flags.json).toBe(false);
    expect(run(['status', '--json']).flags.json).toBe(true);
  });

  it('lets the command line win over the twin, and the twin over the default', () => {
    const env = { FERRY_PORT: '9000', FERRY_DATA: '' };
    const twin = run(['relay'], env);
    expect(twin.flags.port).toBe(9000);
    expect(twin.sources.port).toBe('env');
    expect(twin.flags.data).toBe('./ferry-data'); // empty variable = unset
    expect(run(['relay', '--port', '9100'], env).flags.port).toBe(9100);
  });

  it('reads repeatable flags and their one-item-per-line twin', () => {
    const argv = ['account', 'add', 'home', '--provider', 'local', '--set', 'root=/a', '--set', 'x=y=z'];
    const line = run(argv);
    expect(line.flags.set).toEqual(['root=/a', 'x=y=z']);
    expect(line.positionals).toEqual({ NAME: 'home' });
    expect(
      run(['account', 'add', 'home', '--provider', 'local'], { FERRY_SET: 'root=/a\nb=c\n' }).flags.set,
    ).toEqual(['root=/a', 'b=c']);
  });

  it('refuses mistakes with a code and a hint naming the help', () => {
    const cases: [string[], Record<string, string>, string, RegExp][] = [
      [['bogus'], {}, 'USAGE', /unknown command bogus/],
      [['account', 'bogus'], {}, 'USAGE', /unknown command ferry account bogus/],
      [['relay', '--bogus'], {}, 'USAGE', /unknown flag --bogus for ferry relay/],
      [['relay', '-x'], {}, 'USAGE', /unknown flag -x/],
      [['relay', '--port'], {}, 'USAGE', /--port needs a value/],
      [['relay', '--port', '70000'], {}, 'USAGE', /out of range 0\.\.65535/],
      [['relay', '--port', '1', '--port', '2'], {}, 'USAGE', /given twice/],
      [['relay', 'extra'], {}, 'USAGE', /unexpected argument 'extra'/],
      [['device', '--disk', '/d'], {}, 'USAGE', /needs --relay \(or FERRY_RELAY\)/],
      [[...DEVICE, '--min-free', '5XB'], {}, 'BAD_SIZE', /^--min-free: /],
      [['relay', '--crawl-interval', '24'], {}, 'BAD_DURATION', /^--crawl-interval: .*no unit/],
      [['relay'], { FERRY_CRAWL_INTERVAL: 'soon' }, 'BAD_DURATION', /^FERRY_CRAWL_INTERVAL: /],
      [[...DEVICE, '--parallel', 'many'], {}, 'USAGE', /not one of auto, serial, a whole number/],
      [[...DEVICE, '--parallel', '0'], {}, 'USAGE', /out of range 1\.\.256/],
      [['device', '--relay', 'ftp://x', '--disk', '/d'], {}, 'USAGE', /not an http\(s\) URL/],
      [['status'], { FERRY_JSON: 'maybe' }, 'USAGE', /FERRY_JSON: 'maybe'/],
      [['account', 'add', 'a', '--provider', 'local', '--set', 'novalue'], {}, 'USAGE', /not KEY=VALUE/],
      [['account', 'remove'], {}, 'USAGE', /needs NAME/],
    ];
    for (const [argv, env, code, message] of cases) {
      const error = refusal(argv, env);
      expect(error.code, argv.join(' ')).toBe(code);
      expect(error.message, argv.join(' ')).toMatch(message);
      expect(error.hint, argv.join(' ')).toMatch(/^try: ferry .*--help$/);
    }
  });
});
