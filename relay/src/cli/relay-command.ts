import { FerryError, type Runner } from '@ferry/core';
import type { BuildAppOptions } from '../app.js';
import { type StartRelayOptions, startRelay } from '../server.js';
import { parseTrustProxy } from '../tls.js';

/** What `ferry relay` runs on besides the data folder: the document store and the sync endpoint. */
export interface RelayRuntime {
  openDocStore: StartRelayOptions['openDocStore'];
  sync?: BuildAppOptions['sync'];
}

/**
 * `ferry relay`: opens `--data`, listens on `--host`/`--port`, logs JSON lines (pino) on stdout,
 * and stops cleanly on SIGINT/SIGTERM (io.signal).
 */
export function relayRunner(runtime: RelayRuntime): Runner {
  return async (parsed, io) => {
    const certFile = parsed.flags['tls-cert'] as string | undefined;
    const keyFile = parsed.flags['tls-key'] as string | undefined;
    if ((certFile === undefined) !== (keyFile === undefined))
      throw new FerryError(
        'USAGE',
        '--tls-cert and --tls-key go together',
        'give both, or neither for plain http',
      );
    const trustProxy = parsed.flags['trust-proxy'] as string | undefined;
    const relay = await startRelay({
      tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined,
      trustProxy: trustProxy === undefined ? undefined : parseTrustProxy(trustProxy),
      dataDir: parsed.flags.data as string,
      host: parsed.flags.host as string,
      port: parsed.flags.port as number,
      crawlIntervalMs: parsed.flags['crawl-interval'] as number,
      groupSize: parsed.flags['group-size'] as number,
      logger: { level: io.env.FERRY_LOG_LEVEL ?? 'info', stream: io.stdout },
      openDocStore: runtime.openDocStore,
      sync: runtime.sync,
      env: io.env as NodeJS.ProcessEnv,
    });
    relay.app.log.info({ url: relay.url, data: parsed.flags.data }, 'relay listening');
    if (!io.signal.aborted)
      await new Promise<void>((resolve) =>
        io.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    relay.app.log.info('relay stopping');
    await relay.close();
    return 0;
  };
}
