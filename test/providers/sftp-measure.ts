/**
 * Measures the sftp provider against the real loopback servers the tests use:
 * `npx tsx test/providers/sftp-measure.ts`. Prints listing and read figures; README.md quotes them.
 */
import { SftpProvider, type SftpProviderInit } from '@ferry/core/providers';
import { type SftpServer, seedFolder, startRcloneSftp, startSshd } from './sftp-servers.js';

const FILES = 10_000;
const BIG = 64 * 1024 * 1024;

function provider(server: SftpServer, extra: Partial<SftpProviderInit> = {}): SftpProvider {
  return new SftpProvider({
    host: '127.0.0.1',
    port: server.port,
    user: server.user,
    root: server.root,
    hostKeySha256: server.hostKeySha256,
    ...(server.privateKey === undefined ? {} : { privateKey: server.privateKey }),
    ...(server.password === undefined ? {} : { password: server.password }),
    ...extra,
  });
}

async function timeList(p: SftpProvider): Promise<string> {
  const start = performance.now();
  let first = 0;
  let count = 0;
  for await (const _entry of p.list('many')) if (count++ === 0) first = performance.now() - start;
  const total = performance.now() - start;
  return `${count} entries in ${total.toFixed(0)} ms (first after ${first.toFixed(0)} ms, ${((count / total) * 1000).toFixed(0)}/s)`;
}

async function timeRead(p: SftpProvider): Promise<string> {
  const start = performance.now();
  let bytes = 0;
  for await (const chunk of p.read('big.bin')) bytes += chunk.length;
  const seconds = (performance.now() - start) / 1000;
  return `${(bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(2)} s (${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s)`;
}

for (const [name, start] of [
  ['OpenSSH sshd', startSshd],
  ['rclone serve sftp', startRcloneSftp],
] as const) {
  const server = await start();
  try {
    await seedFolder(server.data, [
      ...Array.from({ length: FILES }, (_, i) => ({
        path: `many/d${Math.floor(i / 500)}/f${i}.txt`,
        bytes: new TextEncoder().encode(`file ${i}\n`),
      })),
      {
        path: 'big.bin',
        size: BIG,
        generate: (_offset: number, length: number) => new Uint8Array(length).fill(7),
      },
    ]);
    const plain = provider(server);
    await plain.checkLogin();
    console.log(`${name}: list, no hash: ${await timeList(plain)}`);
    console.log(`${name}: read big.bin: ${await timeRead(plain)}`);
    await plain.close();
    if (server.privateKey !== undefined) {
      const hashed = provider(server, { remoteMd5: true });
      console.log(`${name}: list, remoteMd5: ${await timeList(hashed)}`);
      await hashed.close();
    }
  } finally {
    await server.stop();
  }
}
