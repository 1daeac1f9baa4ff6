import { defineConfig } from 'vite';

/**
 * The console: a Vite app in web/client, built to dist/web and served by the web server. Each
 * page of the product is one entry (one line each in `input`).
 */
export default defineConfig({
  root: 'web/client',
  base: './',
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 3000,
    // No source maps in the product: they would publish the console's source (docs/security.md).
    sourcemap: false,
    rollupOptions: {
      input: {
        console: 'web/client/index.html',
        replay: 'web/client/replay.html',
        kpi: 'web/client/kpi.html',
        audit: 'web/client/audit.html',
        ops: 'web/client/ops.html',
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/metrics': 'http://127.0.0.1:8080',
      '/socket.io': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
