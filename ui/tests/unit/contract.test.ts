// The TypeScript wire types mirror the Rust ones: enum values and struct
// fields of crates/kyso-api, the keystore plugin's error codes. Read from
// the Rust sources, so a change on either side fails here.

import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GATEWAY_CODES, KEYSTORE_CODES, QUIET_TIME, URGENCIES } from '../../src/ipc'
import type { Placement, QuietHours, RequestEvent, SigningRequest, Unit, User } from '../../src/ipc'

const API = '../crates/kyso-api/src/lib.rs'
const API_PUSH = '../crates/kyso-api/src/push.rs'
const KEYSTORE = '../plugins/tauri-plugin-kyso-keystore/guest-js/index.ts'
const api = existsSync(API) ? readFileSync(API, 'utf8') : null
const apiPush = existsSync(API_PUSH) ? readFileSync(API_PUSH, 'utf8') : null
const keystore = existsSync(KEYSTORE) ? readFileSync(KEYSTORE, 'utf8') : null

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()

function block(src: string, head: string): string {
  const i = src.indexOf(head)
  if (i < 0) throw new Error(`${head} not found`)
  const open = src.indexOf('{', i)
  let depth = 0
  for (let j = open; j < src.length; j++) {
    if (src[j] === '{') depth++
    else if (src[j] === '}' && --depth === 0) return src.slice(open + 1, j)
  }
  throw new Error(`${head} not closed`)
}

/** Variants of a `#[serde(rename_all = "snake_case")]` enum, as on the wire. */
const variants = (src: string, name: string) =>
  block(src, `pub enum ${name} {`)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[A-Z]\w*,?$/.test(l))
    .map((l) => snake(l.replace(',', '')))

const fields = (src: string, name: string) =>
  block(src, `pub struct ${name} {`)
    .split('\n')
    .map((l) => /^\s*pub (\w+):/.exec(l)?.[1])
    .filter((x): x is string => !!x)

// Key lists checked both ways: at compile time against the TS interfaces,
// at run time against the Rust structs.
type Exact<T, K extends readonly (keyof T)[]> = Exclude<keyof T, K[number]> extends never ? K : never
const keys = <T,>() => <const K extends readonly (keyof T)[]>(k: Exact<T, K>) => k

const SIGNING_REQUEST = keys<SigningRequest>()([
  'id',
  'title',
  'number_symbol',
  'document_type',
  'urgency',
  'deadline',
  'signer',
  'unit',
  'status',
  'edxml_status',
  'document_sha256',
  'document_size',
  'signed_sha256',
  'decline_reason',
  'placement',
  'external_id',
  'created_at',
  'updated_at'
])
const USER = keys<User>()(['id', 'username', 'full_name', 'title', 'role', 'unit_id'])
const UNIT = keys<Unit>()(['id', 'name', 'parent_id'])
const PLACEMENT = keys<Placement>()(['page', 'rect'])
const REQUEST_EVENT = keys<RequestEvent>()(['request_id', 'status', 'urgency'])
const QUIET_HOURS = keys<QuietHours>()(['start', 'end'])

describe.skipIf(!api)('kyso-api', () => {
  it('ErrorCode', () => expect([...GATEWAY_CODES]).toEqual(variants(api!, 'ErrorCode')))
  it('Urgency', () => expect([...URGENCIES]).toEqual(variants(api!, 'Urgency')))
  it('RequestStatus', () =>
    expect(variants(api!, 'RequestStatus')).toEqual(['pending', 'signed', 'declined', 'expired', 'cancelled', 'issued']))
  it('SecurityLevel', () =>
    expect(variants(api!, 'SecurityLevel')).toEqual(['software', 'trusted_environment', 'strong_box']))
  it('Role', () => expect(variants(api!, 'Role')).toEqual(['leader', 'clerk', 'admin']))
  it('SigningRequest', () => expect([...SIGNING_REQUEST]).toEqual(fields(api!, 'SigningRequest')))
  it('User', () => expect([...USER]).toEqual(fields(api!, 'User')))
  it('Unit', () => expect([...UNIT]).toEqual(fields(api!, 'Unit')))
  it('Placement', () => expect([...PLACEMENT]).toEqual(fields(api!, 'Placement')))
  it('RequestEvent', () => expect([...REQUEST_EVENT]).toEqual(fields(api!, 'RequestEvent')))
})

describe.skipIf(!apiPush)('kyso-api push', () => {
  it('QuietHours', () => expect([...QUIET_HOURS]).toEqual(fields(apiPush!, 'QuietHours')))
  it('the time pattern', () => {
    const rust = /QUIET_TIME_PATTERN: &str = "([^"]+)"/.exec(apiPush!)![1]
    // The same pattern the settings screen checks before saving.
    expect(rust).toBe(QUIET_TIME.source)
  })
})

describe.skipIf(!keystore)('keystore plugin', () => {
  it('ErrorCode', () => {
    const union = /export type ErrorCode =([\s\S]*?)\n\n/.exec(keystore!)![1]!
    const codes = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1])
    expect([...KEYSTORE_CODES].sort()).toEqual(codes.sort())
  })
})
