// Build of the dashboard (web/): `npm run build:web` writes static files into dist/dashboard/,
// which the daemon serves at /ui/ (src/api/static.ts). Everything is bundled, nothing is loaded
// from elsewhere at run time; asset URLs are relative so the dashboard works behind a reverse
// proxy that adds a path prefix.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // JSX for Preact without a plugin: esbuild's automatic runtime imports preact/jsx-runtime.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Fonts and images stay files rather than data: URLs (the page's CSP allows 'self' only).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1000,
    reportCompressedSize: false,
    rollupOptions: {
      // zod's sources carry /*@__PURE__*/ comments where Rollup cannot use them; harmless noise.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
        warn(warning);
      },
    },
  },
  // `npx vite --config web/vite.config.ts`: live-reloading development against a running daemon
  // (BREAKWATER_API, default the API's default address); the browser asks for its credentials.
  server: { proxy: { '/api': process.env.BREAKWATER_API ?? 'http://127.0.0.1:10007' } },
  logLevel: 'warn',
});
