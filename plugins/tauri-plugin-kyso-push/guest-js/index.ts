// TypeScript binding of tauri-plugin-kyso-push. The contract (commands,
// answers, error codes, the push payload's keys, categories, urgencies,
// actions) is defined in src/models.rs and src/error.rs and checked against
// this file by the plugin's contract test.
//
// The web view may ask whether notifications are allowed and ask for them
// (`register`, e.g. from a settings screen); the app's Rust side sends the
// token to the gateway and turns taps into kyso://request/<id>[/sign]
// links (the `open-request` event), so the web view never sees either.

import { invoke } from '@tauri-apps/api/core'

/** The closed set of error codes; branch on these, never on messages. */
export type ErrorCode = 'unsupported' | 'permissionDenied' | 'unavailable' | 'internal'

/** What every command rejects with. */
export interface PushError {
  code: ErrorCode
  message: string
}

/** Who delivers the pushes: FCM on Android, APNs on iOS. */
export type Provider = 'fcm' | 'apns'

/** Whether notifications may be shown; `unsupported` on desktop. */
export type Permission = 'granted' | 'denied' | 'prompt' | 'unsupported'

/** A notification's actions (and a tap's `action`): "Xem" and "Ký ngay". */
export type Action = 'view' | 'sign'

/** What a push is about (`category`). */
export type Category = 'new_request' | 'deadline_reminder'

/** A push's urgency (`urgency`). */
export type Urgency = 'normal' | 'urgent' | 'very_urgent' | 'flash'

/** The keys of a push's content; nothing else is ever sent. */
export const PAYLOAD_KEYS = ['request_id', 'urgency', 'category'] as const

export interface Status {
  permission: Permission
  /** Null on desktop. */
  provider?: Provider | null
  /** The token, when the plugin already has one in this run. */
  token?: string | null
}

export interface PushToken {
  provider: Provider
  /** FCM registration token, or the APNs device token in hex. */
  token: string
}

/** A tap on a notification or one of its actions. */
export interface Tap {
  requestId: string
  action: Action
}

/** Whether notifications are allowed, and the token if known; never asks. */
export async function status(): Promise<Status> {
  return await invoke<Status>('plugin:kyso-push|status')
}

/**
 * Asks the user to allow notifications (the system asks once), then gets
 * the push token. Rejects with `permissionDenied`, `unavailable`, or
 * `unsupported` on desktop.
 */
export async function register(): Promise<PushToken> {
  return await invoke<PushToken>('plugin:kyso-push|register')
}

/** Narrows a rejection to the plugin's `{ code, message }`. */
export function isPushError(e: unknown): e is PushError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as PushError).code === 'string' &&
    typeof (e as PushError).message === 'string'
  )
}
