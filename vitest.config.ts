import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/src/**/*.test.ts',
      'relay/src/**/*.test.ts',
      'device/src/**/*.test.ts',
      'test/**/*.test.ts',
      'webui/src/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
