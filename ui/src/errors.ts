// How the UI reacts to each error code. The one place that branches on
// `code`: screens ask `errorAction` what to offer and show `err.<code>` from
// the dictionaries; the message text from Rust is never parsed.

import type { ErrorCode } from './ipc'

/** What the screen offers after an error. */
export type ErrorAction =
  /** Nothing to do but read (and dismiss). */
  | 'dismiss'
  /** Trying the same again may work. */
  | 'retry'
  /** The session is gone: back to the login step. */
  | 'login'
  /** No usable key: enroll (again). */
  | 'enroll'
  /** The key is gone for good (biometrics changed): remove it, enroll again. */
  | 'reenroll'
  /** The gateway address or pin is wrong: back to the first step. */
  | 'configure'
  /** The request changed meanwhile: reload it. */
  | 'reload'
  /** The user cancelled: not an error, go back quietly. */
  | 'cancelled'
  /** Wrong or missing passphrase: ask again. */
  | 'passphrase'

const ACTIONS: Record<ErrorCode, ErrorAction> = {
  // gateway
  bad_request: 'dismiss',
  unauthorized: 'login',
  forbidden: 'dismiss',
  not_found: 'reload',
  conflict: 'reload',
  payload_too_large: 'dismiss',
  verification_failed: 'dismiss',
  rate_limited: 'retry',
  internal: 'retry',
  // keystore
  userCancel: 'cancelled',
  authenticationFailed: 'retry',
  biometryNotEnrolled: 'dismiss',
  biometryLockout: 'dismiss',
  keyInvalidated: 'reenroll',
  keyNotFound: 'enroll',
  keyExists: 'dismiss',
  hardwareUnavailable: 'dismiss',
  wrongPassphrase: 'passphrase',
  invalidArgument: 'dismiss',
  // app
  offline: 'retry',
  pinMismatch: 'configure',
  notConfigured: 'configure',
  notLoggedIn: 'login',
  notEnrolled: 'enroll',
  documentMismatch: 'dismiss',
  badDocument: 'dismiss'
}

export function errorAction(code: ErrorCode): ErrorAction {
  return ACTIONS[code] ?? 'dismiss'
}

/** The dictionary key of the sentence shown for a code. */
export function errorKey(code: ErrorCode): `err.${ErrorCode}` {
  return `err.${code}`
}

/** Whether the session is gone and the app must return to login. */
export const needsLogin = (code: ErrorCode) => errorAction(code) === 'login'
