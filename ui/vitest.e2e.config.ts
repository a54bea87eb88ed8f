import { defineConfig } from 'vitest/config'

// The Playwright flows: headless Chromium (Debian's /usr/bin/chromium via
// playwright-core) against `vite preview` of the dist-e2e build.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.spec.ts'],
    environment: 'node',
    globalSetup: ['tests/e2e/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks'
  }
})
