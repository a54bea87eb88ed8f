// What a leader waits for, as User Timing entries in the web view
// (performance.measure), read by scripts/bench-app through WebDriver:
//   kyso:page1:<id>  from the route naming request <id> (a card's link, a
//                    notification, a deep link) to its page 1 image decoded
//                    and painted.
// The Rust side's part of the same wait (fetch, pdfium, render, PNG) is in
// its tracing spans (KYSO_TRACE, src-tauri/src/trace.rs). Nothing here is
// sent anywhere; the entries stay in the web view's memory, at most one
// open mark and MAX_MEASURES measures.

import type { Route } from './store'

const OPEN = 'kyso:open:'
const PAGE1 = 'kyso:page1:'
const MAX_MEASURES = 200

let shownId: string | null = null

/** Called with every route: a route that names another request starts its
 * clock (the previous one's, if its page 1 never came, is dropped). */
export function routeChanged(r: Route) {
  const id = 'id' in r ? (r.id ?? null) : null
  if (id === shownId) return
  if (shownId) performance.clearMarks(OPEN + shownId)
  shownId = id
  if (id) performance.mark(OPEN + id)
}

/** Called when page `page` of `id` has loaded: for page 1 of the request
 * whose clock runs, after the next paint, measures and stops the clock. */
export function pageLoaded(id: string, page: number, img: HTMLImageElement) {
  if (page !== 1 || performance.getEntriesByName(OPEN + id, 'mark').length === 0) return
  const done = () =>
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(OPEN + id, 'mark').length === 0) return
      if (performance.getEntriesByType('measure').length >= MAX_MEASURES) performance.clearMeasures()
      performance.measure(PAGE1 + id, OPEN + id)
      performance.clearMarks(OPEN + id)
    })
  // decode() resolves once the image can be painted without waiting.
  img.decode().then(done, done)
}
