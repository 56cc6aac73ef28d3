import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, FerryError, type ProviderFactory, type ProviderOptions } from '@ferry/core';
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from './app.js';
import type { Auth } from './auth/auth.js';
import { MapDocs } from './crawler/testing.js';
import { openRelayDb, type RelayDb } from './db.js';
import { ContainerChanges } from './routes/container-changes.js';
import type { CrawlerPort } from './routes/context.js';

/**
 * A provider for API tests: `root` must be given, `token` must be 'good' for the listing to
 * work, root 'hang' never answers (to test the check's timeout).
 */
export const testProvider: ProviderFactory = {
  name: 'fake',
  description: 'test provider',
  options: [
    { key: 'root', type: 'string', required: true, help: 'root folder' },
    { key: 'token', type: 'secret', required: true, help: 'access token' },
    { key: 'pin', type: 'string', required: false, help: 'a server key, learned on first use when absent' },
  ],
  create(options) {
    const entries: Entry[] = [{ path: 'a.txt', size: 1, mtime: 1000, isDir: false }];
    return {
      name: 'fake',
      capabilities: { hashTypes: [], mtimePrecisionMs: 1000, rangeReads: false, emptyFolders: true },
      async *list(_folder, listOptions) {
        if (options.token !== 'good') throw new FerryError('AUTH', 'token refused');
        if (options.root === 'hang')
          await new Promise((_, reject) =>
            listOptions?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        yield* entries;
      },
      stat: async () => {
        throw new FerryError('NOT_FOUND', 'no stat in the fake');
      },
      read: () => {
        throw new FerryError('NOT_FOUND', 'no read in the fake');
      },
      learnedOptions: (): ProviderOptions => (options.pin === undefined ? { pin: 'key-seen-first' } : {}),
    };
  },
};

/** Records what the API asks of the crawler. */
export class RecordingCrawler implements CrawlerPort {
  readonly crawled: string[] = [];
  readonly scheduled: { name: string; crawlIntervalMs?: number }[] = [];
  readonly unscheduled: string[] = [];
  async crawlNow(container: string): Promise<unknown> {
    this.crawled.push(container);
    return {};
  }
  schedule(input: { name: string; crawlIntervalMs?: number }): void {
    this.scheduled.push(input);
  }
  unschedule(container: string): void {
    this.unscheduled.push(container);
  }
}

export interface TestRelay {
  app: FastifyInstance;
  auth: Auth;
  db: RelayDb;
  docs: MapDocs;
  crawler: RecordingCrawler;
  clock: { now: number };
  /** The devices waiting on their container lists. */
  changes: ContainerChanges;
  close(): Promise<void>;
}

export async function testRelay(overrides: Partial<BuildAppOptions> = {}): Promise<TestRelay> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-relay-'));
  const db = await openRelayDb(dir);
  const docs = new MapDocs();
  const crawler = new RecordingCrawler();
  const clock = { now: 1_700_000_000_000 };
  const changes = new ContainerChanges();
  const app = await buildApp({
    containerChanges: changes,
    db,
    docStore: docs,
    crawler,
    clock: () => clock.now,
    secretKey: Buffer.alloc(32, 9),
    providers: [testProvider],
    scrypt: { N: 1024, r: 8, p: 1 },
    accountCheckTimeoutMs: 200,
    ...overrides,
  });
  return {
    app,
    auth: app.ferryAuth,
    db,
    docs,
    crawler,
    clock,
    changes,
    async close() {
      await app.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A self-signed EC certificate for 127.0.0.1 made by openssl (Debian's, always there), written
 * as `cert.pem` and `key.pem` into `dir`.
 */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
      .concat(['-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=ferry-test'])
      .concat(['-addext', 'subjectAltName=IP:127.0.0.1']),
    { stdio: 'ignore' },
  );
  return { cert, key };
}
