import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupBench } from './backup.js';
import { crdtBench } from './crdt.js';
import { deviceMemoryBench } from './device-memory.js';
import { groupSizeBench } from './groupsize.js';
import { type BenchModule, describeMachine, hasGc, machine } from './lib.js';
import { mergeBench } from './merge.js';
import { emptyPage, replaceHeader, replaceSection, sectionBody } from './page.js';
import { relayCrawlBench } from './relay-crawl.js';

/** Every benchmark, in page order. A new one is a module plus one line here. */
const BENCHMARKS: BenchModule[] = [
  mergeBench,
  crdtBench,
  groupSizeBench,
  relayCrawlBench,
  deviceMemoryBench,
  backupBench,
];

const PAGE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'benchmarks.md');

function selected(args: string[]): BenchModule[] {
  if (args.length === 0) return BENCHMARKS;
  const known = new Map(BENCHMARKS.map((b) => [b.name, b]));
  const unknown = args.filter((a) => !known.has(a));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.map((u) => `'${u}'`).join(', ')}; known: ${[...known.keys()].join(', ')}`,
    );
    process.exit(2);
  }
  return BENCHMARKS.filter((b) => args.includes(b.name));
}

async function main(): Promise<void> {
  const benches = selected(process.argv.slice(2));
  if (!hasGc()) console.warn('note: node runs without --expose-gc: heap figures include garbage');
  const machineLine = describeMachine(machine());
  console.log(machineLine);

  const sections: { name: string; body: string }[] = [];
  for (const bench of benches) {
    console.log(`\n# ${bench.title}`);
    const started = process.hrtime.bigint();
    const markdown = await bench.run((line) => console.log(line));
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    sections.push({ name: bench.name, body: sectionBody(bench.title, `${date} UTC`, machineLine, markdown) });
    console.log(`\n${markdown}\n(${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s)`);
  }

  let page = existsSync(PAGE) ? readFileSync(PAGE, 'utf8') : emptyPage();
  page = replaceHeader(page, machineLine, `${new Date().toISOString().slice(0, 10)}`);
  for (const { name, body } of sections) page = replaceSection(page, name, body);
  // Write then rename: an interrupted run never leaves half a page.
  writeFileSync(`${PAGE}.tmp`, page);
  renameSync(`${PAGE}.tmp`, PAGE);
  console.log(`\nwrote ${PAGE} (${sections.map((s) => s.name).join(', ')})`);
}

await main();
