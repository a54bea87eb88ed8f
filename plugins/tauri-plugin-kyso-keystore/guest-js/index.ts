// TypeScript binding of tauri-plugin-kyso-keystore. The contract (command
// names, argument fields, answers, error codes) is defined in src/models.rs
// and src/error.rs and checked against this file by the plugin's contract
// test. Bytes travel as standard base64 strings.

import { invoke } from '@tauri-apps/api/core'

/** The closed set of error codes; branch on these, never on messages. */
export type ErrorCode =
  | 'userCancel'
  | 'authenticationFailed'
  | 'biometryNotEnrolled'
  | 'biometryLockout'
  | 'keyInvalidated'
  | 'keyNotFound'
  | 'keyExists'
  | 'hardwareUnavailable'
  | 'wrongPassphrase'
  | 'invalidArgument'
  | 'internal'

/** What every command rejects with. */
export interface KeystoreError {
  code: ErrorCode
  message: string
}

/** Where a key lives: desktop keys are `software`. */
export type SecurityLevel = 'software' | 'trustedEnvironment' | 'strongBox'

export interface Status {
  /** Whether a key can be generated and used now. */
  available: boolean
  /** The level a new key would get. */
  securityLevel: SecurityLevel
  /** Why not, when `available` is false. */
  reason?: ErrorCode | null
}

export interface AppAttest {
  keyId: string
  /** CBOR attestation object, base64. */
  attestation: string
  /** CBOR assertion over SHA-256(attestationChallenge ‖ publicKey), base64. */
  assertion: string
}

export interface GeneratedKey {
  /** SubjectPublicKeyInfo, DER, base64. */
  publicKey: string
  securityLevel: SecurityLevel
  /** Android key attestation chain, leaf first, DER base64 each; empty elsewhere. */
  attestationChain: string[]
  /** iOS App Attest, where supported. */
  appAttest?: AppAttest | null
}

export interface PublicKey {
  /** SubjectPublicKeyInfo, DER, base64. */
  publicKey: string
}

export interface Signature {
  /** DER ECDSA-Sig-Value over SHA-256 of the data, base64. */
  signature: string
}

/** Whether a Kyso key can be generated and used on this device. */
export async function status(): Promise<Status> {
  return await invoke<Status>('plugin:kyso-keystore|status')
}

/**
 * Generates the device's signing key under `alias`, with the gateway's
 * enrollment nonce as `attestationChallenge` (base64). On desktop,
 * `passphrase` keeps the key in an encrypted file; without it the key goes
 * to the OS keyring. Rejects with `keyExists` if the alias is taken.
 */
export async function generateKey(
  alias: string,
  attestationChallenge: string,
  passphrase?: string
): Promise<GeneratedKey> {
  return await invoke<GeneratedKey>('plugin:kyso-keystore|generate_key', {
    alias,
    attestationChallenge,
    passphrase
  })
}

/** The public key of `alias`. */
export async function publicKey(alias: string): Promise<PublicKey> {
  return await invoke<PublicKey>('plugin:kyso-keystore|public_key', { alias })
}

/**
 * Signs `data` (base64) with `alias` after a biometric prompt showing
 * `prompt` (desktop: with the key file's `passphrase`).
 */
export async function sign(
  alias: string,
  data: string,
  prompt: string,
  passphrase?: string
): Promise<Signature> {
  return await invoke<Signature>('plugin:kyso-keystore|sign', {
    alias,
    data,
    prompt,
    passphrase
  })
}

/** Deletes the key of `alias` (no error when there is none). */
export async function deleteKey(alias: string): Promise<void> {
  await invoke('plugin:kyso-keystore|delete_key', { alias })
}

/** Narrows a rejection to the plugin's `{ code, message }`. */
export function isKeystoreError(e: unknown): e is KeystoreError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as KeystoreError).code === 'string' &&
    typeof (e as KeystoreError).message === 'string'
  )
}
