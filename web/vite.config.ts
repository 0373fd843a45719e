import { defineConfig } from 'vitest/config';

// The wasm package is built by `cargo xtask wasm` into ./pkg and imported as an ES module;
// Vite copies the .wasm file as an asset (loaded with `new URL(..., import.meta.url)`).
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/sync': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
