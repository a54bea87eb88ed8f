// Serves the dist-e2e build (the app with the mocked IPC) with `vite
// preview`, under the app's strict CSP header, on a free loopback port.

import { existsSync } from 'node:fs'
import { preview } from 'vite'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
  }
}

export default async function setup(project: TestProject) {
  if (!existsSync('dist-e2e/index.html')) throw new Error('dist-e2e is missing: run `vite build --mode e2e` first')
  const server = await preview({ mode: 'e2e', preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' })
  const url = server.resolvedUrls?.local[0]
  if (!url) throw new Error('vite preview did not start')
  project.provide('baseURL', url)
  return async () => {
    await server.close()
  }
}
