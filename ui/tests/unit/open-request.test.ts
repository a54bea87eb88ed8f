// @vitest-environment happy-dom
// `open-request` (a notification's click, kyso://request/ID) and
// `app_state`'s `open_request` in the store, over Tauri's IPC mock: the
// request opens at once when the app is ready, after the login and
// enrollment when it is not, after a running batch, and a link the app was
// started with opens after boot.

import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
import { emit } from '@tauri-apps/api/event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as ipc from '../../src/ipc'
import type { AppState } from '../../src/ipc'
import {
  app,
  batchRunning,
  boot,
  enterApp,
  justEnrolled,
  openRequest,
  pendingOpen,
  route,
  setApp,
  signWhenShown
} from '../../src/store'

const READY: AppState = {
  version: '0.1.0',
  platform: 'linux',
  language: 'vi',
  server: { url: 'https://kyso.angiang.gov.vn', pin: null },
  user: { id: 'u1', username: 'nvan', full_name: 'Nguyễn Văn An', title: 'Chủ tịch', role: 'leader', unit_id: 'u0' },
  device: {
    device_id: 'd1',
    security_level: 'software',
    platform: 'linux',
    model: 'Linux',
    key_storage: 'os_keyring',
    certificate_serial: '01',
    certificate_subject: 'CN=Nguyễn Văn An',
    certificate_not_after: '2028-01-01T00:00:00Z',
    enrolled_at: '2026-01-01T00:00:00Z'
  },
  keystore: { available: true, security_level: 'software', passphrase: 'optional', reason: null },
  queue: { online: true, uploading: false, items: [], last_error: null },
  open_request: null
}

beforeEach(() => {
  app.value = null
  pendingOpen.value = null
  signWhenShown.value = null
  justEnrolled.value = null
  batchRunning.value = false
  location.hash = '#/inbox'
  route.value = { name: 'inbox' }
})
afterEach(() => clearMocks())

describe('open-request', () => {
  it('opens the document at once when the app is ready', async () => {
    mockIPC(() => null, { shouldMockEvents: true })
    app.value = READY
    const off = await ipc.on('open-request', ({ id, action }) => openRequest(id, action))
    await emit('open-request', { id: 'req-7', action: 'view' })
    off()
    expect(route.value).toEqual({ name: 'inbox', id: 'req-7' })
    expect(location.hash).toBe('#/inbox/req-7')
    expect(pendingOpen.value).toBeNull()
  })

  it('waits for the login and the enrollment, then opens it', () => {
    app.value = { ...READY, user: null, device: null }
    openRequest('req-8')
    expect(route.value).toEqual({ name: 'inbox' })
    expect(pendingOpen.value).toEqual({ id: 'req-8', action: 'view' })
    // Logged in, not enrolled yet: still waiting.
    setApp({ user: READY.user })
    expect(route.value).toEqual({ name: 'inbox' })
    // Enrolled: first run shows the key until the leader goes on.
    setApp({ device: READY.device })
    justEnrolled.value = READY.device
    openRequest('req-9')
    expect(route.value).toEqual({ name: 'inbox' })
    justEnrolled.value = null
    enterApp()
    // The last link wins.
    expect(route.value).toEqual({ name: 'inbox', id: 'req-9' })
    expect(pendingOpen.value).toBeNull()
  })

  it('does not leave a running batch; opens when the batch is done', () => {
    app.value = READY
    route.value = { name: 'batch' }
    batchRunning.value = true
    openRequest('req-10')
    expect(route.value).toEqual({ name: 'batch' })
    batchRunning.value = false
    enterApp()
    expect(route.value).toEqual({ name: 'inbox', id: 'req-10' })
  })

  it('a link the app was started with comes with the app state and opens after boot', async () => {
    mockIPC((cmd) => (cmd === 'app_state' ? { ...READY, open_request: { id: 'req-11', action: 'sign' } } : null))
    await boot()
    expect(app.value?.user?.username).toBe('nvan')
    expect(route.value).toEqual({ name: 'inbox', id: 'req-11' })
    expect(signWhenShown.value).toBe('req-11')
  })

  it('"Ký ngay" asks for the sign sheet of that request only; a later "Xem" takes it back', () => {
    app.value = READY
    openRequest('req-12', 'sign')
    expect(route.value).toEqual({ name: 'inbox', id: 'req-12' })
    expect(signWhenShown.value).toBe('req-12')
    openRequest('req-13')
    expect(route.value).toEqual({ name: 'inbox', id: 'req-13' })
    expect(signWhenShown.value).toBeNull()
    // Waiting for the login keeps the action with its request.
    app.value = { ...READY, user: null }
    openRequest('req-14', 'sign')
    expect(signWhenShown.value).toBeNull()
    expect(pendingOpen.value).toEqual({ id: 'req-14', action: 'sign' })
    setApp({ user: READY.user })
    enterApp()
    expect(route.value).toEqual({ name: 'inbox', id: 'req-14' })
    expect(signWhenShown.value).toBe('req-14')
  })

  it('ignores an empty id', () => {
    app.value = READY
    openRequest('')
    expect(route.value).toEqual({ name: 'inbox' })
    expect(pendingOpen.value).toBeNull()
  })
})
