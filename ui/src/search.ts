// Search and ordering of the inbox.

import type { SigningRequest, Urgency } from './ipc'

/** Lower case without diacritics (đ → d), so "hoa toc" finds "Hỏa tốc". */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
}

/** Whether every word of `query` occurs in the request's title,
 * number/symbol, type, unit or signer, ignoring case and diacritics. */
export function matches(r: SigningRequest, query: string): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean)
  if (words.length === 0) return true
  const hay = fold([r.title, r.number_symbol ?? '', r.document_type, r.unit.name, r.external_id ?? ''].join(' '))
  return words.every((w) => hay.includes(w))
}

const RANK: Record<Urgency, number> = { flash: 0, very_urgent: 1, urgent: 2, normal: 3 }

/** Most urgent first, then the nearest deadline, then the newest. */
export function byPriority(a: SigningRequest, b: SigningRequest): number {
  const u = RANK[a.urgency] - RANK[b.urgency]
  if (u !== 0) return u
  const da = a.deadline ? Date.parse(a.deadline) : Infinity
  const db = b.deadline ? Date.parse(b.deadline) : Infinity
  if (da !== db) return da < db ? -1 : 1
  return Date.parse(b.created_at) - Date.parse(a.created_at)
}
