#!/usr/bin/env node
// Prints scripts/bench-app's results (bench.json, written by the bench
// scenario of tests/e2e/kyso-e2e.mjs): one line per open, then the median
// and the worst of each kind against the 150 ms target.
import { readFileSync } from 'node:fs'

const TARGET_MS = 150
const file = process.argv[2]
if (!file) {
  console.error('usage: bench-app-report.mjs BENCH.json')
  process.exit(2)
}
const { results } = JSON.parse(readFileSync(file, 'utf8'))
const f = (v) => (typeof v === 'number' ? v.toFixed(1).padStart(7) : '      —')
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

console.log('page 1 of a 100-page document, ms')
console.log(
  '  web view, from the route (ui/src/timing.ts): open_document called, answered; render of the document begun; page 1 asked, PNG received, loaded, decoded, on screen'
)
console.log('  Rust spans (KYSO_TRACE): open_document (fetch or cache read, pdfium parse), render_page (render, PNG)')
console.log('  in / out: from the call in the web view to the span\'s start in Rust, from its end to the answer in the web view')
console.log(
  'kind        request  |  called answered  render   asked received  loaded decoded  screen |      in open_doc     out   fetch  pdfium |      in  render     out   pdfium     png  width'
)
for (const r of results) {
  const w = r.web ?? {}
  console.log(
    `${r.kind.padEnd(11)} ${r.id.slice(0, 8)} | ${f(w.opening)} ${f(w.described)} ${f(w.rendering)} ${f(w.asked)} ${f(w.received)} ${f(w.loaded)} ${f(w.decoded)} ${f(r.page1_ms)} | ` +
      `${f(r.open_document_in)} ${f(r.open_document)} ${f(r.open_document_out)} ${f(r.fetch)} ${f(r.pdfium_open)} | ` +
      `${f(r.render_page_in)} ${f(r.render_page)} ${f(r.render_page_out)}  ${f(r.render)} ${f(r.png)}  ${String(r.width ?? '—').padStart(5)}`
  )
}
let met = true
for (const kind of [...new Set(results.map((r) => r.kind))]) {
  const xs = results.filter((r) => r.kind === kind).map((r) => r.page1_ms)
  const worst = Math.max(...xs)
  met &&= worst <= TARGET_MS
  console.log(
    `${kind}: median ${median(xs).toFixed(1)} ms, worst ${worst.toFixed(1)} ms over ${xs.length} opens ` +
      `(target <= ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'not met'})`
  )
}
console.log(`target ${met ? 'met' : 'not met'} by every open`)
