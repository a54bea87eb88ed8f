// Page images: rendered by Rust (pdfium) on demand, kept as blob: URLs in a
// small LRU, at most two renders at a time (a document's page 1 first, then
// pages, then thumbnails), identical requests shared.

import { renderPage } from './ipc'

const MAX_ENTRIES = 48
const MAX_CONCURRENT = 2
const cache = new Map<string, string>()
const inflight = new Map<string, Promise<string>>()
let running = 0
const waiting: { high: Array<() => void>; low: Array<() => void> } = { high: [], low: [] }

/** Widths are rounded up to steps of 160 px (and capped), so zooming and
 * resizing reuse renders. */
export function bucketWidth(px: number): number {
  return Math.max(160, Math.min(2560, Math.ceil(px / 160) * 160))
}

/** How a render waits for its turn: `first` (a document's page 1, which a
 * leader is waiting for: ahead of everything queued, including the pages
 * of a document just left), `page`, or `low` (thumbnails). */
export type Priority = 'first' | 'page' | 'low'

async function slot<T>(job: () => Promise<T>, priority: Priority): Promise<T> {
  if (running >= MAX_CONCURRENT)
    await new Promise<void>((r) => {
      if (priority === 'first') waiting.high.unshift(r)
      else waiting[priority === 'low' ? 'low' : 'high'].push(r)
    })
  running++
  try {
    return await job()
  } finally {
    running--
    ;(waiting.high.shift() ?? waiting.low.shift())?.()
  }
}

function remember(key: string, url: string) {
  cache.set(key, url)
  while (cache.size > MAX_ENTRIES) {
    const oldest = cache.keys().next().value as string
    URL.revokeObjectURL(cache.get(oldest)!)
    cache.delete(oldest)
  }
}

/** A blob: URL of page `page` (1-based) of `id`, about `width` px wide,
 * rendered in its turn ({@link Priority}). */
export function pageUrl(id: string, page: number, width: number, priority: Priority = 'page'): Promise<string> {
  const w = bucketWidth(width)
  const key = `${id}\u0000${page}\u0000${w}`
  const hit = cache.get(key)
  if (hit) {
    cache.delete(key)
    cache.set(key, hit)
    return Promise.resolve(hit)
  }
  const pending = inflight.get(key)
  if (pending) return pending
  const p = slot(() => renderPage(id, page, w), priority)
    .then((blob) => {
      const url = URL.createObjectURL(blob)
      remember(key, url)
      return url
    })
    .finally(() => inflight.delete(key))
  inflight.set(key, p)
  return p
}

// A 1×1 transparent PNG.
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

/** A blob: URL of a 1×1 transparent PNG (the caller revokes it): the
 * document screen's warm-up (`warmUpDocument`) takes the page-image path
 * with it. */
export function tinyPngUrl(): string {
  const bytes = Uint8Array.from(atob(TINY_PNG), (c) => c.charCodeAt(0))
  return URL.createObjectURL(new Blob([bytes], { type: 'image/png' }))
}
