import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import { formatErrorLine } from './help.js';
import { readSecret } from './runner.js';
import type { SecretSpec } from './spec.js';

const PASSWORD: SecretSpec = { name: 'password', env: 'FERRY_PASSWORD', fromStdin: true, help: 'p' };

function stdin(chunks: (string | Uint8Array)[], isTTY = false) {
  return Object.assign(
    (async function* () {
      yield* chunks;
    })(),
    { isTTY },
  );
}

async function refusal(promise: Promise<unknown>): Promise<FerryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FerryError)) throw new Error(`expected a FerryError, got ${String(error)}`);
  return error;
}

describe('readSecret', () => {
  it('takes the variable first, then stdin without its trailing newline', async () => {
    expect(await readSecret(PASSWORD, { env: { FERRY_PASSWORD: 'from env' }, stdin: stdin(['x']) })).toBe(
      'from env',
    );
    const bytes = new TextEncoder().encode('päss wörd\n');
    const split = [bytes.slice(0, 2), bytes.slice(2)]; // cuts 'ä' in half: decoding must stream
    expect(await readSecret(PASSWORD, { env: {}, stdin: stdin(split) })).toBe('päss wörd');
    expect(await readSecret(PASSWORD, { env: { FERRY_PASSWORD: '' }, stdin: stdin(['a', 'b\r\n']) })).toBe(
      'ab',
    );
  });

  it('refuses a terminal, an empty, an oversized or a non-UTF-8 stdin without echoing it', async () => {
    expect((await refusal(readSecret(PASSWORD, { env: {}, stdin: stdin(['s'], true) }))).message).toBe(
      'the password is missing: set FERRY_PASSWORD or pipe the password on stdin',
    );
    expect((await refusal(readSecret(PASSWORD, { env: {}, stdin: stdin(['\n']) }))).code).toBe('USAGE');
    const big = await refusal(readSecret(PASSWORD, { env: {}, stdin: stdin(['x'.repeat(5000)]) }));
    expect(big.code).toBe('BAD_INPUT');
    expect(big.message).not.toContain('xxx');
    const latin1 = await refusal(
      readSecret(PASSWORD, { env: {}, stdin: stdin([new Uint8Array([0x70, 0xe4, 0x73])]) }),
    );
    expect(latin1.message).toMatch(/not UTF-8/);
  });

  it('reads only the variable when stdin is not allowed', async () => {
    const envOnly = { ...PASSWORD, name: 'key', env: 'FERRY_SECRET', fromStdin: false };
    const error = await refusal(readSecret(envOnly, { env: {}, stdin: stdin(['k']) }));
    expect(error.message).toBe('the key is missing: set FERRY_SECRET');
  });
});

describe('formatErrorLine', () => {
  it('prints one line with the code and the hint', () => {
    const error = new FerryError('USAGE', 'unknown flag --x\nfor ferry relay', 'try: ferry relay --help');
    expect(formatErrorLine(error)).toBe(
      'ferry: unknown flag --x for ferry relay (FERRY_USAGE); try: ferry relay --help',
    );
    expect(formatErrorLine(new FerryError('NOT_AVAILABLE', 'later'))).toBe(
      'ferry: later (FERRY_NOT_AVAILABLE)',
    );
  });
});
