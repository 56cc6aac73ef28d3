/**
 * Memory of PathAllocator for 1,000,000 mapped paths (figure quoted in docs/paths.md).
 * Run: node --expose-gc --import tsx core/bench/paths-heap.ts
 * Not a test: it takes seconds and its numbers depend on the machine.
 */
import { PathAllocator } from '../src/paths.js';

const COUNT = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

/** A photo library: 1,000 albums of 1,000 files under 10 years. */
function cloudPath(i: number): string {
  const album = Math.floor(i / 1000);
  // Every 997th file is a case twin of the one before it (`img_41.jpg` next to `IMG_41.JPG`).
  const name = i % 997 === 0 ? `img_${i - 1}.jpg` : `IMG_${i}.JPG`;
  return `Photos/${2015 + (album % 10)}/Album ${album}/${name}`;
}

function used(): number {
  gc?.();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const before = used();
const allocator = new PathAllocator();
const started = performance.now();
let renamed = 0;
for (let i = 0; i < COUNT; i++) if (allocator.map(cloudPath(i)).renamed) renamed++;
const elapsed = performance.now() - started;
const withAllocator = used();
console.log(
  `PathAllocator: ${COUNT} paths, ${allocator.size} names remembered, ${renamed} renamed, ` +
    `${mib(withAllocator - before)} (heap + array buffers), ${(elapsed / 1000).toFixed(1)} s`,
);

// The naive alternative for comparison: a Map of folded disk path → cloud path for every path.
const naive = new Map<string, string>();
for (let i = 0; i < COUNT; i++) {
  const path = cloudPath(i);
  naive.set(path.toUpperCase().toLowerCase(), path);
}
console.log(`Map<folded path, cloud path>: ${mib(used() - withAllocator)} for the same ${naive.size} paths`);
console.log(`(allocator still alive: ${allocator.size > 0})`);
