import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * core/ is pure: no file system, network, process, clock or randomness it does not receive as an
 * argument. That keeps the merge benchmark and the convergence fuzz cheap and repeatable. The only
 * exceptions are the I/O provider folders (every folder under providers/ except memory, the
 * reference provider, which stays pure), node/ (Node-only helpers the relay and the device share,
 * exported as `@ferry/core/node`, never imported by the model) and test files.
 */
const SRC = fileURLToPath(new URL('.', import.meta.url));
const PROVIDERS = join(SRC, 'providers');
const PURE_PROVIDER_FOLDERS = new Set(['memory']);
const NODE_HELPERS = join(SRC, 'node');

const NODE_BUILTINS = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'net',
  'tls',
  'dns',
  'http',
  'https',
  'http2',
  'dgram',
  'child_process',
  'cluster',
  'worker_threads',
  'crypto',
  'process',
  'timers',
  'timers/promises',
  'readline',
  'stream',
  'zlib',
  'v8',
  'vm',
];

interface Rule {
  what: string;
  pattern: RegExp;
}

const RULES: Rule[] = [
  {
    what: 'imports a node: module',
    pattern: /\bfrom\s+['"]node:|\bimport\s*\(\s*['"]node:|require\s*\(\s*['"]node:/,
  },
  {
    what: 'imports a Node built-in',
    pattern: new RegExp(
      `(?:\\bfrom\\s+|\\bimport\\s*\\(\\s*|\\bimport\\s+|require\\s*\\(\\s*)['"](?:${NODE_BUILTINS.map((m) => m.replace('/', '\\/')).join('|')})['"]`,
    ),
  },
  { what: 'reads the clock (Date.now)', pattern: /\bDate\.now\s*\(/ },
  { what: 'reads the clock (new Date())', pattern: /\bnew\s+Date\s*\(\s*\)/ },
  { what: 'reads the clock (performance.now)', pattern: /\bperformance\.now\s*\(/ },
  { what: 'uses randomness (Math.random)', pattern: /\bMath\.random\s*\(/ },
  {
    what: 'uses randomness (crypto.getRandomValues/randomUUID)',
    pattern: /\bcrypto\.(?:getRandomValues|randomUUID)\s*\(/,
  },
  {
    what: 'schedules timers (setTimeout/setInterval/setImmediate)',
    pattern: /\b(?:setTimeout|setInterval|setImmediate)\s*\(/,
  },
  { what: 'reaches the network (fetch/WebSocket)', pattern: /(?<![.\w])(?:fetch\s*\(|new\s+WebSocket\s*\()/ },
  { what: 'touches the process (process.)', pattern: /(?<![.\w])process\./ },
];

/** I/O provider folders and node/: the places allowed to do I/O. */
function isExempt(file: string): boolean {
  if (!relative(NODE_HELPERS, file).startsWith('..')) return true;
  const inside = relative(PROVIDERS, file);
  if (inside.startsWith('..')) return false;
  const parts = inside.split(sep);
  return parts.length > 1 && !PURE_PROVIDER_FOLDERS.has(parts[0] as string);
}

function pureSources(dir: string): string[] {
  const files: string[] = [];
  for (const dirent of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, dirent.name);
    if (dirent.isDirectory()) files.push(...pureSources(full));
    else if (dirent.name.endsWith('.ts') && !dirent.name.endsWith('.test.ts') && !isExempt(full))
      files.push(full);
  }
  return files;
}

/** Comments may mention Date.now() or fs to explain why they are not used; only code counts. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

export function violations(source: string): string[] {
  const code = stripComments(source);
  return RULES.filter((rule) => rule.pattern.test(code)).map((rule) => rule.what);
}

describe('core purity', () => {
  it('finds the rules broken in a sample (the scanner works)', () => {
    expect(violations("import { readFile } from 'node:fs/promises';")).toEqual(['imports a node: module']);
    expect(violations("import * as fs from 'fs';")).toEqual(['imports a Node built-in']);
    expect(violations('const t = Date.now();')).toEqual(['reads the clock (Date.now)']);
    expect(violations('const t = new Date();')).toEqual(['reads the clock (new Date())']);
    expect(violations('const r = Math.random();')).toEqual(['uses randomness (Math.random)']);
    expect(violations('setTimeout(f, 10);')).toHaveLength(1);
    expect(violations('await fetch(url);')).toHaveLength(1);
    expect(violations('const d = new Date(ms); // not Date.now()')).toEqual([]);
    expect(violations("import { x } from './fs.js';")).toEqual([]);
  });

  it('holds for every pure source file under core/src', () => {
    const files = pureSources(SRC);
    expect(files.length).toBeGreaterThan(5);
    expect(files.some((f) => f.includes(`${sep}memory${sep}`))).toBe(true);
    const broken = files
      .map((file) => ({ file: relative(SRC, file), rules: violations(readFileSync(file, 'utf8')) }))
      .filter((found) => found.rules.length > 0)
      .map((found) => `${found.file}: ${found.rules.join(', ')}`);
    expect(broken).toEqual([]);
    // The model never reaches into the Node-only helpers.
    const intoNode = files.filter((file) =>
      /from\s+['"](?:\.{1,2}\/)+(?:[\w-]+\/)*node\//.test(readFileSync(file, 'utf8')),
    );
    expect(intoNode.map((file) => relative(SRC, file))).toEqual([]);
  });
});
