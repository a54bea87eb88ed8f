// @vitest-environment happy-dom
// The IPC wrappers against Tauri's own IPC mock: command names, argument
// shapes, results, error normalisation, events.

import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
import { emit } from '@tauri-apps/api/event'
import { afterEach, describe, expect, it } from 'vitest'
import * as ipc from '../../src/ipc'

afterEach(() => clearMocks())

function record(answer: (cmd: string, args: unknown) => unknown = () => null) {
  const calls: Array<[string, unknown]> = []
  mockIPC((cmd, args) => {
    calls.push([cmd, args])
    return answer(cmd, args)
  })
  return calls
}

describe('commands', () => {
  it('send the documented names and arguments', async () => {
    const calls = record()
    await ipc.appState()
    await ipc.configureServer('https://k.gov.vn', 'sha256/x')
    await ipc.configureServer('http://127.0.0.1:8443', null)
    await ipc.login('nvan', 'matkhau')
    await ipc.logout()
    await ipc.enroll()
    await ipc.enroll('passphrase!')
    await ipc.inbox()
    await ipc.request('r1')
    await ipc.openDocument('r1')
    await ipc.sign('r1')
    await ipc.sign('r1', 'pp')
    await ipc.decline('r1', 'Sai thể thức')
    await ipc.history()
    await ipc.queueStatus()
    await ipc.flushQueue()
    await ipc.setLanguage('en')
    await ipc.quietHours()
    await ipc.setQuietHours('22:00', '06:30')
    await ipc.setQuietHours(null, null)
    await ipc.removeKey()
    expect(calls).toEqual([
      ['app_state', {}],
      ['configure_server', { url: 'https://k.gov.vn', pin: 'sha256/x' }],
      ['configure_server', { url: 'http://127.0.0.1:8443', pin: null }],
      ['login', { username: 'nvan', password: 'matkhau' }],
      ['logout', {}],
      ['enroll', { passphrase: null }],
      ['enroll', { passphrase: 'passphrase!' }],
      ['inbox', {}],
      ['request', { id: 'r1' }],
      ['open_document', { id: 'r1' }],
      ['sign', { id: 'r1', passphrase: null }],
      ['sign', { id: 'r1', passphrase: 'pp' }],
      ['decline', { id: 'r1', reason: 'Sai thể thức' }],
      ['history', {}],
      ['queue_status', {}],
      ['flush_queue', {}],
      ['set_language', { language: 'en' }],
      ['quiet_hours', {}],
      ['set_quiet_hours', { start: '22:00', end: '06:30' }],
      ['set_quiet_hours', { start: null, end: null }],
      ['remove_key', {}]
    ])
  })

  it('return what Rust answers', async () => {
    const result: ipc.SignResult = {
      outcome: 'queued',
      request_id: 'r1',
      signed_sha256: 'ab'.repeat(32),
      queued_at: '2026-11-21T01:00:00Z'
    }
    record((cmd) => (cmd === 'sign' ? result : null))
    expect(await ipc.sign('r1')).toEqual(result)
  })

  it('render_page: raw PNG bytes become a Blob, whatever array form they take', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47])
    const calls = record((_, args) => ((args as { page: number }).page === 1 ? png.buffer : Array.from(png)))
    const a = await ipc.renderPage('r1', 1, 800)
    const b = await ipc.renderPage('r1', 2, 800)
    expect(calls[0]).toEqual(['render_page', { id: 'r1', page: 1, width: 800 }])
    for (const blob of [a, b]) {
      expect(blob.type).toBe('image/png')
      expect(new Uint8Array(await blob.arrayBuffer())).toEqual(png)
    }
  })
})

describe('errors', () => {
  it('reject with a KysoError carrying the code', async () => {
    record(() => {
      throw { code: 'userCancel', message: 'dismissed' }
    })
    const e = await ipc.sign('r1').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ipc.KysoError)
    expect((e as ipc.KysoError).code).toBe('userCancel')
  })

  it('a gateway code passes through as the gateway spells it', async () => {
    record(() => {
      throw { code: 'verification_failed', message: 'no', report: { indication: 'TOTAL_FAILED' } }
    })
    const e = (await ipc.sign('r1').catch((x: unknown) => x)) as ipc.KysoError
    expect(e.code).toBe('verification_failed')
    expect(e.report).toEqual({ indication: 'TOTAL_FAILED' })
  })

  it('a bare string (Tauri refusing a command) is internal', async () => {
    record(() => {
      throw 'Command sign not allowed by ACL'
    })
    const e = (await ipc.sign('r1').catch((x: unknown) => x)) as ipc.KysoError
    expect(e.code).toBe('internal')
    expect(e.message).toContain('not allowed')
  })
})

describe('events', () => {
  it('deliver their payloads to `on` handlers until unlistened', async () => {
    mockIPC(() => null, { shouldMockEvents: true })
    const seen: unknown[] = []
    const un = await ipc.on('request-changed', (p) => seen.push(p))
    const un2 = await ipc.on('open-request', (p) => seen.push(p))
    await emit('request-changed', { request_id: 'r1', status: 'signed', urgency: 'flash' })
    await emit('open-request', { id: 'r2' })
    un()
    await emit('request-changed', { request_id: 'r3', status: 'pending', urgency: 'normal' })
    un2()
    expect(seen).toEqual([{ request_id: 'r1', status: 'signed', urgency: 'flash' }, { id: 'r2' }])
  })
})
