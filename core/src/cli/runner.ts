import { FerryError } from '../errors.js';
import type { ParsedCommand, SecretSpec } from './spec.js';

/**
 * What a command runner gets from the process, passed in so runners stay testable: tests hand
 * in strings and arrays, bin/main.ts hands in process.stdout and friends.
 */
export interface CliIo {
  /** `isTTY` and `columns` (a terminal's width) come with process.stdout; a test's array has neither. */
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(text: string): unknown };
  /** Read only by commands that take a secret on stdin; `isTTY` tells a terminal from a pipe. */
  readonly stdin: AsyncIterable<string | Uint8Array> & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on the first SIGINT or SIGTERM: a long-running command stops cleanly and returns. */
  readonly signal: AbortSignal;
}

/**
 * One command's implementation. Returns the exit code (0 on success); throws FerryError for an
 * expected failure, which the CLI prints as one line and turns into ERROR_CODES[code].exitCode.
 */
export type Runner = (parsed: ParsedCommand, io: CliIo) => Promise<number>;

// A password is short; a larger stdin is a mistake (a file piped in), not a secret.
const MAX_SECRET_BYTES = 4096;

/**
 * The command's secret: its environment variable when set and non-empty, else all of stdin
 * (one trailing newline removed) when the spec allows it and stdin is not a terminal. The value
 * is never echoed, logged or put into an error message.
 */
export async function readSecret(secret: SecretSpec, io: Pick<CliIo, 'env' | 'stdin'>): Promise<string> {
  const fromEnv = io.env[secret.env];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const how = secret.fromStdin
    ? `set ${secret.env} or pipe the ${secret.name} on stdin`
    : `set ${secret.env}`;
  if (!secret.fromStdin || io.stdin.isTTY) {
    throw new FerryError('USAGE', `the ${secret.name} is missing: ${how}`);
  }

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let bytes = 0;
  for await (const chunk of io.stdin) {
    const part = typeof chunk === 'string' ? chunk : decodeChunk(decoder, chunk, secret.name);
    bytes += typeof chunk === 'string' ? new TextEncoder().encode(chunk).length : chunk.length;
    if (bytes > MAX_SECRET_BYTES) {
      throw new FerryError(
        'BAD_INPUT',
        `the ${secret.name} on stdin is longer than ${MAX_SECRET_BYTES} bytes`,
      );
    }
    text += part;
  }
  text += decoder.decode();
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new FerryError('USAGE', `the ${secret.name} is empty: ${how}`);
  return value;
}

function decodeChunk(decoder: InstanceType<typeof TextDecoder>, chunk: Uint8Array, name: string): string {
  try {
    return decoder.decode(chunk, { stream: true });
  } catch {
    throw new FerryError('BAD_INPUT', `the ${name} on stdin is not UTF-8 text`);
  }
}
