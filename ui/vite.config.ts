/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite'

// The strict CSP the app runs under (also what tauri.conf.json should carry):
// bundled scripts and styles only, page images as blob: URLs, IPC only.
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "font-src 'self'",
  "connect-src 'self' ipc: http://ipc.localhost",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

// `--mode e2e` builds the same app into dist-e2e with the Tauri IPC mocked by
// tests/mock (a simulated gateway); the real build never contains it.
function mockEntry(): Plugin {
  return {
    name: 'kyso-mock-entry',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => html.replace('/src/main.tsx', '/tests/mock/boot.ts')
    }
  }
}

export default defineConfig(({ mode }) => ({
  plugins: mode === 'e2e' ? [mockEntry()] : [],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  base: './',
  clearScreen: false,
  // Dev server: Vite injects styles inline while developing, so the CSP is
  // enforced on the built app (preview, e2e) and by Tauri.
  server: { port: 1420, strictPort: true },
  preview: { headers: { 'Content-Security-Policy': CSP } },
  build: {
    outDir: mode === 'e2e' ? 'dist-e2e' : 'dist',
    target: ['es2021', 'chrome105', 'safari15'],
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false
  },
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    environment: 'node'
  }
}))
