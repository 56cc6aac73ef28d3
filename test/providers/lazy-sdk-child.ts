/**
 * Child of lazy-sdk.test.ts, run as `node --import tsx lazy-sdk-child.ts` so nothing else is
 * loaded yet: records every module URL resolved while it imports @ferry/core/providers, then
 * while each SDK-backed provider makes its first request. Prints one line
 * `RESULT {"afterImport": {...}, "afterUse": {...}}`: the SDK packages loaded by the import, then
 * those each provider's first request loaded in addition (the SDKs load each other too: the Azure
 * SDK parses XML with fast-xml-parser, so webdav goes before azureblob).
 */
import { createServer } from 'node:http';
import { register } from 'node:module';
import type { AddressInfo } from 'node:net';
import { MessageChannel } from 'node:worker_threads';

/** Package folders whose loading costs the device memory (the cloud SDKs and the XML parser). */
const SDK_PACKAGES = ['@aws-sdk/client-s3', '@azure/storage-blob', 'ssh2', 'fast-xml-parser'];

const resolved: string[] = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url: string) => resolved.push(url));
port1.unref();
register('./record-imports-hook.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

/** The SDK packages among the URLs resolved so far (after a marker import flushed the channel). */
async function sdkPackagesLoaded(): Promise<string[]> {
  const marker = `data:text/javascript,export default ${resolved.length}${Math.random()}`;
  await import(marker);
  while (!resolved.includes(marker)) await new Promise((done) => setImmediate(done));
  const seen = SDK_PACKAGES.filter((name) => resolved.some((url) => url.includes(`/node_modules/${name}`)));
  return seen;
}

const afterImport = { providers: [] as string[], sdk: [] as string[] };
const registry = await import('@ferry/core/providers');
afterImport.providers = registry.providerFactories.map((factory) => factory.name);
afterImport.sdk = await sdkPackagesLoaded();

/** A server that answers every request with an empty 207 Multi-Status (WebDAV's listing answer). */
const dav = createServer((_request, response) => {
  response.writeHead(207, { 'content-type': 'application/xml' });
  response.end('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"></d:multistatus>');
});
await new Promise<void>((listening) => dav.listen(0, '127.0.0.1', listening));
const davUrl = `http://127.0.0.1:${(dav.address() as AddressInfo).port}/`;

const outcome = async (work: () => Promise<unknown>): Promise<string> =>
  work().then(
    () => 'ok',
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );
const drain = async (items: AsyncIterable<unknown>) => {
  for await (const _ of items);
};

const afterUse: Record<string, { outcome: string; sdk: string[] }> = {};
let loaded = afterImport.sdk;
const closed = 'http://127.0.0.1:1';
const uses: Record<string, () => Promise<unknown>> = {
  s3: () =>
    registry
      .createProvider('s3', {
        bucket: 'b',
        accessKeyId: 'k',
        secretAccessKey: 's',
        endpoint: closed,
        forcePathStyle: true,
      })
      .stat('file'),
  sftp: () =>
    registry.createProvider('sftp', { host: '127.0.0.1', port: 1, user: 'u', password: 'p' }).stat('file'),
  webdav: () => drain(registry.createProvider('webdav', { url: davUrl }).list('')),
  azureblob: () =>
    new registry.AzureBlobProvider({ container: 'c', endpoint: closed, maxTries: 1 }).stat('file'),
};
for (const [name, use] of Object.entries(uses)) {
  const result = await outcome(use);
  const now = await sdkPackagesLoaded();
  afterUse[name] = { outcome: result, sdk: now.filter((name) => !loaded.includes(name)) };
  loaded = now;
}
dav.close();
console.log(`RESULT ${JSON.stringify({ afterImport, afterUse })}`);
