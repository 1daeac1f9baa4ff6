import { defineConfig } from 'vite';
import { pageHead } from './web/build/page-head.ts';
import { precompress } from './web/build/precompress.ts';

/**
 * The console: a Vite app in web/client, built to dist/web and served by the web server. Each
 * page of the product is one entry (one line each in `input`); each entry signs in first and
 * loads the rest of its page with `import()` (web/client/console-boot.ts).
 *
 * The big libraries are chunks of their own, named after them, so a page loads only those it
 * uses (the KPI screen: maplibre and echarts, no deck.gl) and a new build that changes only our
 * code leaves them byte-identical: browsers keep them cached (served as immutable). Then every
 * text file is precompressed with brotli and gzip (web/build/precompress.ts).
 */
const LIBRARY_CHUNKS: readonly { name: string; test: RegExp; priority: number }[] = [
  // Vite's loader of `import()` is used by every entry and by deck.gl: on its own, or the group
  // that takes deck.gl (with its dependencies) would take it too and every page would load deck.gl.
  { name: 'preload', test: /vite[\\/]preload-helper/, priority: 2 },
  { name: 'maplibre', test: /[\\/]node_modules[\\/](maplibre-gl|@maplibre)[\\/]/, priority: 1 },
  { name: 'deckgl', test: /[\\/]node_modules[\\/](@deck\.gl|@luma\.gl|@math\.gl|@loaders\.gl|@probe\.gl)[\\/]/, priority: 1 },
  { name: 'echarts', test: /[\\/]node_modules[\\/](echarts|zrender)[\\/]/, priority: 1 },
];

export default defineConfig({
  root: 'web/client',
  base: './',
  plugins: [pageHead(), precompress()],
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
        cases: 'web/client/cases.html',
        ops: 'web/client/ops.html',
        open: 'web/client/open.html',
        field: 'web/client/field.html',
        admin: 'web/client/admin.html',
      },
      output: {
        codeSplitting: { groups: LIBRARY_CHUNKS.map((c) => ({ ...c })) },
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
