import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, FerryError } from './errors.js';

const ERRORS_MD = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

interface Row {
  exitCode: number;
  httpStatus: number;
  meaning: string;
}

/** Reads the `| FERRY_<CODE> | exit | http | meaning |` rows; any other table row is a format error. */
function readErrorTable(markdown: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of markdown.split('\n')) {
    if (!/^\|\s*FERRY_/.test(line)) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const [id, exit, http, meaning] = cells;
    if (
      cells.length !== 4 ||
      !id ||
      !/^FERRY_[A-Z0-9_]+$/.test(id) ||
      !/^\d+$/.test(exit ?? '') ||
      !/^\d{3}$/.test(http ?? '')
    )
      throw new Error(`docs/errors.md: malformed row: ${line}`);
    if (rows.has(id)) throw new Error(`docs/errors.md: ${id} is listed twice`);
    rows.set(id, { exitCode: Number(exit), httpStatus: Number(http), meaning: meaning ?? '' });
  }
  return rows;
}

describe('docs/errors.md agrees with ERROR_CODES', () => {
  const table = readErrorTable(readFileSync(ERRORS_MD, 'utf8'));
  const codes = Object.entries(ERROR_CODES).map(([code, spec]) => ({ id: `FERRY_${code}`, ...spec }));

  it('reads rows, and refuses a malformed or doubled one (the reader works)', () => {
    const sample = '| code | exit | http | meaning |\n| --- |\n| FERRY_X | 1 | 404 | gone |\n';
    expect(readErrorTable(sample)).toEqual(
      new Map([['FERRY_X', { exitCode: 1, httpStatus: 404, meaning: 'gone' }]]),
    );
    expect(() => readErrorTable('| FERRY_X | one | 404 | gone |')).toThrow(/malformed/);
    expect(() => readErrorTable('| FERRY_X | 1 | 404 | a |\n| FERRY_X | 1 | 404 | b |')).toThrow(/twice/);
  });

  it('lists every code of ERROR_CODES with the same exit code and HTTP status', () => {
    const wrong = codes
      .filter((spec) => {
        const row = table.get(spec.id);
        return row === undefined || row.exitCode !== spec.exitCode || row.httpStatus !== spec.httpStatus;
      })
      .map(
        (spec) =>
          `${spec.id} (code: exit ${spec.exitCode}, http ${spec.httpStatus}; docs: ${JSON.stringify(table.get(spec.id))})`,
      );
    expect(wrong).toEqual([]);
  });

  it('lists no code that ERROR_CODES does not have', () => {
    const known = new Set(codes.map((spec) => spec.id));
    expect([...table.keys()].filter((id) => !known.has(id))).toEqual([]);
  });

  it('gives every documented code a meaning, and FerryError reports the table values', () => {
    expect([...table].filter(([, row]) => row.meaning.length === 0).map(([id]) => id)).toEqual([]);
    for (const spec of codes) {
      const error = new FerryError(spec.id.slice('FERRY_'.length) as keyof typeof ERROR_CODES, 'x');
      expect([error.id, error.exitCode, error.httpStatus]).toEqual([spec.id, spec.exitCode, spec.httpStatus]);
    }
  });
});
