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
    // Two pages sharing one set of assets: the panel, and the device's own page (device.html,
    // served by device/src/page.ts at the device's --port).
    rolldownOptions: {
      input: {
        panel: `${import.meta.dirname}/index.html`,
        device: `${import.meta.dirname}/device.html`,
      },
    },
  },
  server: {
    fs: { allow: ['..'] },
  },
});
