/** Quotes one argument for a POSIX shell (the remote login shell runs exec commands). */
export function shellQuote(argument: string): string {
  return `'${argument.replaceAll("'", "'\\''")}'`;
}

/** Files per `md5sum` call, and the command length kept under (servers take at least 64 KiB). */
export const MD5_BATCH_FILES = 500;
export const MD5_BATCH_BYTES = 64 * 1024;

/** Splits absolute remote paths into batches that fit one command line each. */
export function md5Batches(paths: readonly string[]): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let bytes = 0;
  for (const path of paths) {
    const length = Buffer.byteLength(shellQuote(path)) + 1;
    if (batch.length > 0 && (batch.length >= MD5_BATCH_FILES || bytes + length > MD5_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(path);
    bytes += length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export function md5Command(paths: readonly string[]): string {
  return `md5sum -- ${paths.map(shellQuote).join(' ')}`;
}

const LINE = /^(\\?)([0-9a-fA-F]{32}) [ *](.*)$/s;

/**
 * Reads `md5sum` output into name → lowercase hex. GNU md5sum starts a line with `\` when the
 * name holds a backslash or a newline and then escapes them (`\\`, `\n`); a name that cannot be
 * read back is left out (the caller treats a missing name as a file it could not hash).
 */
export function parseMd5sum(output: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, escaped, hash, rawName] = match as unknown as [string, string, string, string];
    const name = escaped === '\\' ? unescapeName(rawName) : rawName;
    if (name !== undefined) hashes.set(name, hash.toLowerCase());
  }
  return hashes;
}

function unescapeName(name: string): string | undefined {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const char = name[i];
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = name[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else return undefined;
  }
  return out;
}
