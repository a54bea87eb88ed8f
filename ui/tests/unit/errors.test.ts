import { describe, expect, it } from 'vitest'
import { errorAction, errorKey, needsLogin } from '../../src/errors'
import { APP_CODES, ERROR_CODES, GATEWAY_CODES, KEYSTORE_CODES, KysoError, toKysoError } from '../../src/ipc'
import { vi } from '../../src/i18n/vi'

describe('error codes', () => {
  it('are the union of the gateway, keystore and app codes, without duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length)
    for (const c of [...GATEWAY_CODES, ...KEYSTORE_CODES, ...APP_CODES]) expect(ERROR_CODES).toContain(c)
    expect(ERROR_CODES).toContain('offline')
    expect(ERROR_CODES).toContain('pinMismatch')
    expect(ERROR_CODES).toContain('notEnrolled')
  })

  it('each have a sentence and an action', () => {
    for (const c of ERROR_CODES) {
      expect(errorKey(c) in vi, c).toBe(true)
      expect(errorAction(c), c).toMatch(/^(dismiss|retry|login|enroll|reenroll|configure|reload|cancelled|passphrase)$/)
    }
  })

  it('branch as the screens expect', () => {
    expect(errorAction('userCancel')).toBe('cancelled')
    expect(errorAction('keyInvalidated')).toBe('reenroll')
    expect(errorAction('keyNotFound')).toBe('enroll')
    expect(errorAction('notEnrolled')).toBe('enroll')
    expect(errorAction('wrongPassphrase')).toBe('passphrase')
    expect(errorAction('offline')).toBe('retry')
    expect(errorAction('rate_limited')).toBe('retry')
    expect(errorAction('authenticationFailed')).toBe('retry')
    expect(errorAction('pinMismatch')).toBe('configure')
    expect(errorAction('conflict')).toBe('reload')
    expect(errorAction('verification_failed')).toBe('dismiss')
    expect(needsLogin('unauthorized')).toBe(true)
    expect(needsLogin('notLoggedIn')).toBe(true)
    expect(needsLogin('forbidden')).toBe(false)
  })
})

describe('toKysoError', () => {
  it('keeps a known code and the report', () => {
    const report = { indication: 'TOTAL_FAILED' }
    const e = toKysoError({ code: 'verification_failed', message: 'no', report })
    expect(e).toBeInstanceOf(KysoError)
    expect(e.code).toBe('verification_failed')
    expect(e.message).toBe('no')
    expect(e.report).toBe(report)
  })

  it('turns anything else into internal, keeping the text', () => {
    expect(toKysoError({ code: 'something_new', message: 'x' }).code).toBe('internal')
    expect(toKysoError('command sign not allowed').code).toBe('internal')
    expect(toKysoError('command sign not allowed').message).toBe('command sign not allowed')
    expect(toKysoError(new Error('boom')).code).toBe('internal')
    expect(toKysoError(null).code).toBe('internal')
    expect(toKysoError({ code: 'UserCancel', message: 'case matters' }).code).toBe('internal')
  })

  it('passes a KysoError through', () => {
    const e = new KysoError('offline', 'x')
    expect(toKysoError(e)).toBe(e)
  })
})
