import { defineConfig } from 'vite';

/**
 * Static files for the relay to serve (relay/src/routes/panel.ts): index.html plus hashed
 * files under /assets/. Everything is bundled; nothing is fetched from another origin.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    fs: { allow: ['..'] },
  },
});
