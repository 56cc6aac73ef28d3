import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./lazy-sdk-child.ts', import.meta.url));

interface ChildResult {
  afterImport: { providers: string[]; sdk: string[] };
  afterUse: Record<string, { outcome: string; sdk: string[] }>;
}

/** Runs the child in a fresh process: the test process itself has loaded the SDKs long ago. */
async function runChild(): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD], {
    timeout: 50_000,
  });
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
  if (line === undefined) throw new Error(`the child printed no RESULT line:\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

describe('@ferry/core/providers loads no cloud SDK until a provider needs it', () => {
  it('imports the registry without the SDKs, then loads each one on its first request', async () => {
    const { afterImport, afterUse } = await runChild();
    expect(afterImport.providers).toEqual(['memory', 'local', 's3', 'azureblob', 'sftp', 'webdav', 'rclone']);
    expect(afterImport.sdk).toEqual([]);

    // Nothing listens on port 1: each first request fails, after loading its SDK; the WebDAV
    // server answers an empty listing, and parsing it loads the XML parser.
    expect(afterUse).toEqual({
      s3: { outcome: 'TRANSIENT', sdk: ['@aws-sdk/client-s3'] },
      sftp: { outcome: 'TRANSIENT', sdk: ['ssh2'] },
      webdav: { outcome: 'ok', sdk: ['fast-xml-parser'] },
      azureblob: { outcome: 'TRANSIENT', sdk: ['@azure/storage-blob'] },
    });
  });
});
