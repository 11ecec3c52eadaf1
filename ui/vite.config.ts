import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The window loads the built files from dist/ (tauri.conf.json: build.frontendDist).
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  build: { target: 'safari15', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
