import { describe, expect, it } from 'vitest'
import { checkUrl, normalizePin, parseSetupText } from '../../src/setup'
import { byPriority, fold, matches } from '../../src/search'
import { parseHash, routeHash, type Route } from '../../src/store'
import type { SigningRequest } from '../../src/ipc'

const PIN = 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='

describe('pins', () => {
  it('accepts sha256/<base64>, curl spelling, bare base64 and hex', () => {
    expect(normalizePin(PIN)).toBe(PIN)
    expect(normalizePin(' sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= ')).toBe(PIN)
    expect(normalizePin('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toBe(PIN)
    expect(normalizePin('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).toBe(PIN)
  })
  it('refuses anything else', () => {
    expect(normalizePin('')).toBeNull()
    expect(normalizePin('sha256/abc=')).toBeNull()
    expect(normalizePin('md5/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toBeNull()
    expect(normalizePin('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85')).toBeNull()
  })
})

describe('gateway addresses', () => {
  it('wants https, or http on loopback', () => {
    expect(checkUrl('https://kyso.angiang.gov.vn')).toBeNull()
    expect(checkUrl('http://127.0.0.1:8443')).toBeNull()
    expect(checkUrl('http://localhost:8443')).toBeNull()
    expect(checkUrl('http://kyso.angiang.gov.vn')).toBe('insecure')
    expect(checkUrl('ftp://x')).toBe('invalid')
    expect(checkUrl('kyso')).toBe('invalid')
    expect(checkUrl('  ')).toBe('empty')
  })
})

describe('setup QR text', () => {
  it('reads the kyso://setup form, with a + turned into a space by the query', () => {
    expect(parseSetupText(`kyso://setup?server=https%3A%2F%2Fkyso.angiang.gov.vn%2F&pin=${encodeURIComponent(PIN)}`)).toEqual({
      url: 'https://kyso.angiang.gov.vn',
      pin: PIN
    })
    expect(parseSetupText(`kyso://setup?server=https://kyso.angiang.gov.vn&pin=${PIN}`)).toEqual({
      url: 'https://kyso.angiang.gov.vn',
      pin: PIN
    })
  })
  it('reads JSON', () => {
    expect(parseSetupText(JSON.stringify({ server: 'https://k.gov.vn', pin: PIN }))).toEqual({ url: 'https://k.gov.vn', pin: PIN })
    expect(parseSetupText('{"server":"http://127.0.0.1:8443"}')).toEqual({ url: 'http://127.0.0.1:8443', pin: null })
  })
  it('refuses an https gateway without a pin, and garbage', () => {
    expect(parseSetupText('{"server":"https://k.gov.vn"}')).toBeNull()
    expect(parseSetupText('{"server":"http://k.gov.vn","pin":"' + PIN + '"}')).toBeNull()
    expect(parseSetupText('https://k.gov.vn')).toBeNull()
    expect(parseSetupText('{not json')).toBeNull()
  })
})

function req(p: Partial<SigningRequest>): SigningRequest {
  return {
    id: 'r',
    title: 'Quyết định phê duyệt kế hoạch',
    number_symbol: '12/QĐ-UBND',
    document_type: 'Quyết định',
    urgency: 'normal',
    deadline: null,
    signer: { id: 'u', username: 'u', full_name: 'U', title: '', role: 'leader', unit_id: 'x' },
    unit: { id: 'x', name: 'Sở Tài chính', parent_id: null },
    status: 'pending',
    edxml_status: '03',
    document_sha256: '0'.repeat(64),
    document_size: 1,
    signed_sha256: null,
    decline_reason: null,
    placement: null,
    external_id: null,
    created_at: '2026-11-20T00:00:00Z',
    updated_at: '2026-11-20T00:00:00Z',
    ...p
  }
}

describe('search', () => {
  it('folds case and Vietnamese diacritics, đ included', () => {
    expect(fold('Hỏa tốc ĐƯỜNG Đô')).toBe('hoa toc duong do')
  })
  it('matches every word in title, number, type or unit', () => {
    const r = req({})
    expect(matches(r, '')).toBe(true)
    expect(matches(r, 'quyet dinh tai chinh')).toBe(true)
    expect(matches(r, '12/qđ')).toBe(true)
    expect(matches(r, 'SỞ TÀI')).toBe(true)
    expect(matches(r, 'công văn')).toBe(false)
  })
  it('orders by urgency, then deadline, then newest', () => {
    const list = [
      req({ id: 'a', urgency: 'normal', created_at: '2026-11-20T00:00:00Z' }),
      req({ id: 'b', urgency: 'flash' }),
      req({ id: 'c', urgency: 'urgent', deadline: '2026-11-25T00:00:00Z' }),
      req({ id: 'd', urgency: 'urgent', deadline: '2026-11-22T00:00:00Z' }),
      req({ id: 'e', urgency: 'normal', created_at: '2026-11-21T00:00:00Z' }),
      req({ id: 'f', urgency: 'very_urgent' })
    ]
    expect(list.sort(byPriority).map((r) => r.id)).toEqual(['b', 'f', 'd', 'c', 'e', 'a'])
  })
})

describe('routes', () => {
  it('round-trip through the hash', () => {
    const routes: Route[] = [
      { name: 'inbox' },
      { name: 'inbox', id: 'req 1/2' },
      { name: 'history' },
      { name: 'history', id: 'h' },
      { name: 'batch' },
      { name: 'settings' },
      { name: 'meetings' },
      { name: 'meetings', id: 'm-1' }
    ]
    for (const r of routes) expect(parseHash(routeHash(r))).toEqual(r)
    expect(parseHash('')).toEqual({ name: 'inbox' })
    expect(parseHash('#/request/abc')).toEqual({ name: 'inbox', id: 'abc' })
    expect(parseHash('#/nowhere')).toEqual({ name: 'inbox' })
  })
})
