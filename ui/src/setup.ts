// The first-run inputs: the gateway address, its pinned key, or the text of
// the QR code an administrator hands out.

export interface ServerSetup {
  url: string
  pin: string | null
}

const B64_32 = /^[A-Za-z0-9+/]{43}=$/
const HEX_32 = /^[0-9a-fA-F]{64}$/

function hexToBase64(hex: string): string {
  let bin = ''
  for (let i = 0; i < 64; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16))
  return btoa(bin)
}

/** A pin as `sha256/<base64 of 32 bytes>` (the form kyso-client prints and
 * parses), from that form, curl's `sha256//…`, bare base64 or 64 hex digits;
 * null when it is none of these. */
export function normalizePin(input: string): string | null {
  let s = input.trim().replace(/\s+/g, '')
  if (/^sha256\/\/?/i.test(s)) s = s.replace(/^sha256\/\/?/i, '')
  if (B64_32.test(s)) return `sha256/${s}`
  if (HEX_32.test(s)) return `sha256/${hexToBase64(s)}`
  return null
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Whether plain http is acceptable (loopback only, as kyso-client allows). */
export function isLoopback(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname)
  } catch {
    return false
  }
}

export type UrlProblem = 'empty' | 'invalid' | 'insecure' | null

/** Checks a gateway address: https, or http on loopback. */
export function checkUrl(input: string): UrlProblem {
  const s = input.trim()
  if (!s) return 'empty'
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return 'invalid'
  }
  if (u.protocol === 'https:') return null
  if (u.protocol === 'http:') return LOOPBACK.has(u.hostname) ? null : 'insecure'
  return 'invalid'
}

/** Reads the text of a setup QR code: either
 * `kyso://setup?server=<url>&pin=<pin>` or JSON `{"server": …, "pin": …}`. */
export function parseSetupText(text: string): ServerSetup | null {
  const s = text.trim()
  let server: unknown
  let pin: unknown
  if (s.startsWith('{')) {
    try {
      const o = JSON.parse(s) as Record<string, unknown>
      server = o.server ?? o.url
      pin = o.pin
    } catch {
      return null
    }
  } else if (/^kyso:\/\/setup\?/i.test(s)) {
    const q = new URLSearchParams(s.slice(s.indexOf('?') + 1))
    server = q.get('server') ?? q.get('url')
    // A `+` of base64 left unescaped in the QR text reads as a space.
    pin = q.get('pin')?.replace(/ /g, '+') ?? null
  } else {
    return null
  }
  if (typeof server !== 'string' || checkUrl(server) !== null) return null
  const url = server.trim().replace(/\/+$/, '')
  if (pin === undefined || pin === null || pin === '') {
    return isLoopback(url) ? { url, pin: null } : null
  }
  if (typeof pin !== 'string') return null
  const p = normalizePin(pin)
  return p ? { url, pin: p } : null
}
