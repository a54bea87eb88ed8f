// What a leader waits for, as User Timing entries in the web view
// (performance.measure), read by scripts/bench-app through WebDriver:
//   kyso:page1:<id>  from the route naming request <id> (a card's link, a
//                    notification, a deep link) to its page 1 image decoded
//                    and painted;
//   kyso:page1:<id>:<step>  from the same start to each step on the way
//                    (STEPS), when it happened.
// The Rust side's part of the same wait (fetch, pdfium, render, PNG) is in
// its tracing spans (KYSO_TRACE, src-tauri/src/trace.rs). Nothing here is
// sent anywhere; the entries stay in the web view's memory, at most one
// open mark and MAX_MEASURES measures.

import type { Route } from './store'

const OPEN = 'kyso:open:'
const PAGE1 = 'kyso:page1:'
const STEP = 'kyso:step:'
const MAX_MEASURES = 200

/** The steps to page 1, in order: the document asked for (`open_document`
 * called), described (`open_document` answered), the render that shows it
 * begun, page 1 asked for (`render_page`), its PNG received, the image
 * loaded, then decoded (and then painted: the whole). */
export const STEPS = ['opening', 'described', 'rendering', 'asked', 'received', 'loaded', 'decoded'] as const
export type Step = (typeof STEPS)[number]

const running = (id: string) => performance.getEntriesByName(OPEN + id, 'mark').length > 0

function clear(id: string) {
  performance.clearMarks(OPEN + id)
  for (const s of STEPS) performance.clearMarks(`${STEP}${id}:${s}`)
}

let shownId: string | null = null

/** Called with every route: a route that names another request starts its
 * clock (the previous one's, if its page 1 never came, is dropped). */
export function routeChanged(r: Route) {
  const id = 'id' in r ? (r.id ?? null) : null
  if (id === shownId) return
  if (shownId) clear(shownId)
  shownId = id
  if (id) performance.mark(OPEN + id)
}

/** Marks `step` of the way to page 1 of `id` (the first time only) while
 * its clock runs. */
export function step(id: string, s: Step) {
  if (running(id) && performance.getEntriesByName(`${STEP}${id}:${s}`, 'mark').length === 0)
    performance.mark(`${STEP}${id}:${s}`)
}

/** Called when page `page` of `id` has loaded: for page 1 of the request
 * whose clock runs, after the next paint, measures (the whole and each
 * step) and stops the clock. */
export function pageLoaded(id: string, page: number, img: HTMLImageElement) {
  if (page !== 1 || !running(id)) return
  step(id, 'loaded')
  const done = () => {
    step(id, 'decoded')
    requestAnimationFrame(() => {
      if (!running(id)) return
      if (performance.getEntriesByType('measure').length >= MAX_MEASURES) performance.clearMeasures()
      performance.measure(PAGE1 + id, OPEN + id)
      for (const s of STEPS)
        if (performance.getEntriesByName(`${STEP}${id}:${s}`, 'mark').length)
          performance.measure(`${PAGE1}${id}:${s}`, OPEN + id, `${STEP}${id}:${s}`)
      clear(id)
    })
  }
  // decode() resolves once the image can be painted without waiting.
  img.decode().then(done, done)
}
