// Entry of the dist-e2e build: installs the mocked Tauri IPC (a simulated
// gateway, tests/mock/backend.ts), then starts the real app.

import { mockIPC } from '@tauri-apps/api/mocks'
import { createBackend, type Control } from './backend'

declare global {
  interface Window {
    __kysoMock: Control
  }
}

const backend = createBackend(new URLSearchParams(location.search))
mockIPC((cmd, args) => backend.handle(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true })
window.__kysoMock = backend.control

void import('../../src/main')
