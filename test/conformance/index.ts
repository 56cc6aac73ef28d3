export {
  expectedHash,
  isSeedFolder,
  patternBytes,
  type SeedBytes,
  type SeedFile,
  type SeedFolder,
  type SeedGenerated,
  seedChunks,
  seedSize,
  seedSlice,
} from './seed.js';
export {
  type ConformanceFixture,
  conformanceTree,
  MANY_FILES,
  MANY_FOLDERS,
  MANY_PER_FOLDER,
  runProviderConformance,
} from './suite.js';
