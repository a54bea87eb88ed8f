#!/usr/bin/env node
// The real Kyso desktop app, end to end: the debug build of kyso-app with the
// bundled ui/dist, started by tauri-driver (WebKitWebDriver underneath), in
// front of a real `kyso serve --demo`. Run by tests/e2e/run (which builds,
// and provides the X server, the D-Bus session and the keyring); see
// src-tauri/README.md.
//
// Scenarios (E2E_SCENARIO):
//   full     the test: the app started with kyso://request/ID of a draft the
//            integrator submitted → first run → login (leader1) → enroll
//            (passphrase key) → that draft is shown, and signed → the
//            gateway has it signed, pyHanko validates the signed PDF against
//            the device CA → a flash draft submitted while the app runs
//            becomes a notification (the fake notification server of
//            tests/e2e/run records it), whose click opens it → declined with
//            a reason → a very urgent draft's notification: its "Ký ngay"
//            opens the sign sheet, signed with the passphrase, validated →
//            a second `kyso-app kyso://request/ID` hands its link
//            to the running app and exits; that demo draft is shown and
//            signed while the gateway is stopped (queued) → the gateway
//            restarts on the same data → the queued signature is uploaded,
//            exactly one signature recorded; two notifications in all; the
//            chair presents the demo meeting to a scripted participant;
//            leader1 signs out and clerk1 (no key) issues the first draft
//            on the issuance desk: the gateway has it issued, and pyHanko's
//            ETSI LTA validation passes both signatures (the app's B-T one
//            and the agency seal's);
//   demo     scripts/demo without a display: the same first run, one draft
//            signed and validated, against the demo's running gateway;
//   display  scripts/demo with a display: first run, login and enrollment,
//            then the app stays open for the person at the screen;
//   bench    scripts/bench-app: the first run, then the integrator submits
//            the documents of E2E_BENCH_PDFS (':'-separated; 100 pages
//            each), each is opened once (downloaded), the app is restarted,
//            and each is opened again (from the encrypted cache, in a fresh
//            process), then the app is restarted E2E_BENCH_FIRSTS times
//            (default 5) and one document opened in each (a process's
//            first open): the time from the route to page 1 painted (the web
//            view's User Timing, ui/src/timing.ts) with the Rust side's
//            spans (KYSO_TRACE), written to $E2E_DIR/bench.json. Each
//            open follows a pause (E2E_BENCH_PAUSE_MS, default 1500).
//
// The full test's gateway is on HTTPS with a self-signed certificate: the
// app knows it only by its pin (E2E_TLS_PIN), and refuses it first with a
// wrong pin.
//
// Environment (set by tests/e2e/run): KYSO_BIN, KYSO_APP_BIN,
// KYSO_TAURI_DRIVER, KYSO_PYHANKO, E2E_DIR (this run's directory: app state,
// gateway data, logs, screenshots), E2E_NOTIFICATIONS (what the fake
// notification server records); for demo/display also E2E_GATEWAY_URL,
// E2E_GATEWAY_DATA and E2E_INTEGRATOR_KEY (a gateway someone else runs).

import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Session, until } from './webdriver.mjs'

const env = (k) => {
  const v = process.env[k]
  if (!v) fail(`${k} is not set (run tests/e2e/run)`)
  return v
}
const SCENARIO = process.env.E2E_SCENARIO ?? 'full'
const DIR = env('E2E_DIR')
const SHOTS = join(DIR, 'screenshots')
const LOGS = join(DIR, 'logs')
const PASSWORD = 'kyso-demo'
const USER = process.env.E2E_USER ?? 'leader1'
const PASSPHRASE = process.env.E2E_PASSPHRASE ?? 'kyso-e2e-passphrase'
mkdirSync(SHOTS, { recursive: true })
mkdirSync(LOGS, { recursive: true })

const started = Date.now()
function log(msg) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6)
  console.error(`e2e [${s}s] ${msg}`)
}
function fail(msg) {
  const e = new Error(msg)
  e.fatal = true
  throw e
}
function check(cond, msg) {
  if (!cond) fail(msg)
}

// ------------------------------------------------------------ processes
const children = new Set()
function start(name, cmd, args, opts = {}) {
  const out = openSync(join(LOGS, `${name}.log`), 'a')
  const p = spawn(cmd, args, { stdio: ['ignore', opts.pipe ? 'pipe' : out, out], ...opts.spawn })
  p.name = name
  children.add(p)
  p.exited = new Promise((r) => p.on('exit', (code, sig) => (children.delete(p), r({ code, sig }))))
  return p
}
function killAll() {
  for (const p of children) {
    try {
      p.kill('SIGKILL')
    } catch {}
  }
}
process.on('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    killAll()
    process.exit(130)
  })

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

// ------------------------------------------------------------ gateway
class Gateway {
  constructor({ data, listen, url, integratorKey }) {
    this.data = data
    this.listen = listen
    this.tls = !url && process.env.E2E_TLS_CERT ? [process.env.E2E_TLS_CERT, env('E2E_TLS_KEY')] : null
    this.url = url ?? `${this.tls ? 'https' : 'http'}://${listen}`
    this.integratorKey = integratorKey
    this.proc = null
  }

  /** Starts `kyso serve --demo`, waits until it answers; the first start's
   * integrator key owns the demo drafts (each start prints a new one). */
  async start() {
    const tls = this.tls ? ['--tls-cert', this.tls[0], '--tls-key', this.tls[1]] : []
    const p = start('gateway', env('KYSO_BIN'), ['serve', '--demo', '--data', this.data, '--listen', this.listen, ...tls], {
      pipe: true
    })
    this.proc = p
    let out = ''
    p.stdout.on('data', (b) => {
      out += b
      writeFileSync(join(LOGS, 'gateway.stdout'), out)
    })
    const key = await until(
      'the gateway to print its integrator key',
      () => {
        if (p.exitCode !== null) fail(`kyso serve exited (${p.exitCode}); see ${LOGS}/gateway.log`)
        return /integrator key \(shown once\): (\S+)/.exec(out)?.[1]
      },
      { timeout: 60000 }
    )
    this.integratorKey ??= key
    await until('the gateway to answer /api/v1/ca', async () => (await fetch(`${this.url}/api/v1/ca`)).ok, {
      timeout: 30000
    })
  }

  /** SIGTERM, and waits until it has exited (it shuts down gracefully). */
  async stop() {
    const p = this.proc
    p.kill('SIGTERM')
    const r = await Promise.race([p.exited, new Promise((res) => setTimeout(() => res(null), 30000))])
    check(r, 'the gateway did not exit within 30 s of SIGTERM')
    check(r.code === 0, `the gateway exited with ${JSON.stringify(r)} after SIGTERM (expected 0)`)
    await until('the gateway port to refuse connections', async () => {
      try {
        await fetch(`${this.url}/api/v1/ca`)
        return false
      } catch {
        return true
      }
    })
  }

  async api(method, path, body) {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.integratorKey}` },
      body
    })
    if (!res.ok) fail(`${method} ${path}: HTTP ${res.status} ${await res.text()}`)
    return res
  }

  /** The request and its history, as the integrator sees it. */
  async request(id) {
    return (await this.api('GET', `/requests/${encodeURIComponent(id)}`)).json()
  }

  /** Submits a draft for `signer` (the document system's side). */
  async submit(pdf, signer, title, urgency = 'urgent') {
    const form = new FormData()
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'draft.pdf')
    const meta = {
      title,
      document_type: 'công văn',
      urgency,
      signer,
      external_id: `E2E-${Date.now()}`
    }
    form.append('metadata', new Blob([JSON.stringify(meta)], { type: 'application/json' }))
    return (await this.api('POST', '/requests', form)).json()
  }
}

// ------------------------------------------------------------ the app
let shotNo = 0
async function shot(s, name) {
  const file = join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`)
  // WebKitWebDriver's snapshot can show the frame before the last change:
  // let two frames be painted first.
  await s.execute(
    'return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => r(true), 50))))'
  )
  writeFileSync(file, await s.screenshot())
  log(`screenshot ${file}`)
  return file
}

/** Fails at once with the app's own error text when an error box shows. */
async function noErrorBox(s, during) {
  const box = await s.first('.error-box')
  if (box && (await box.displayed())) {
    const code = await box.attr('data-code')
    const e = new Error(`the app shows an error (${code}) during ${during}: ${(await box.text()).replace(/\s+/g, ' ')}`)
    e.fatal = true
    throw e
  }
}

/** Waits for `css`, failing early (with its text) on an error box. */
async function expect(s, css, during, timeout = 30000) {
  return until(
    during,
    async () => {
      await noErrorBox(s, during)
      for (const e of await s.all(css)) if (await e.displayed()) return e
      return null
    },
    { timeout }
  )
}

async function firstRun(s, gw) {
  log('first run: the gateway address')
  await expect(s, '#server-url', 'the first-run screen (is the app the custom-protocol build with ui/dist?)', 60000)
  await shot(s, 'first-run')
  await s.type('#server-url', gw.url)
  const pin = process.env.E2E_TLS_PIN
  if (gw.url.startsWith('https:') && pin) {
    // Another key's pin first: the app must refuse the gateway.
    const wrong = `sha256/${Buffer.alloc(32, 7).toString('base64')}`
    await s.type('#server-pin', wrong)
    await s.click('[data-testid=server-submit]')
    await until('the app to refuse a gateway whose key is not the pinned one', async () => {
      const box = await s.first('.error-box')
      return box && (await box.displayed()) && (await box.attr('data-code')) === 'pinMismatch'
    })
    await shot(s, 'pin-mismatch')
    log(`HTTPS: a wrong pin is refused (pinMismatch); the gateway's pin is ${pin}`)
    await s.type('#server-pin', pin)
  }
  await s.click('[data-testid=server-submit]')
  log(`login as ${USER}`)
  await expect(s, '#login-user', 'the login step')
  await s.type('#login-user', USER)
  await s.type('#login-pass', PASSWORD)
  await shot(s, 'login')
  await s.click('[data-testid=login-submit]')
  log('enroll: a desktop software key with a passphrase')
  await expect(s, '#enroll-pass', 'the enrollment step')
  await s.type('#enroll-pass', PASSPHRASE)
  await s.type('#enroll-pass2', PASSPHRASE)
  await s.click('[data-testid=enroll-submit]')
  await expect(s, '[data-testid=enroll-continue]', 'the enrollment to finish', 60000)
  await shot(s, 'enrolled')
  await s.click('[data-testid=enroll-continue]')
  await expect(s, '[data-testid=request-card]', 'the inbox with requests')
}

function card(id) {
  return `[data-testid=request-card][data-request-id="${id}"] a`
}

/** Now in Vietnam (UTC+07:00), as a leader reads it: "23:33:48 ngày 04/12/2026". */
function vietnamNow() {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23'
  }).formatToParts(new Date())
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]))
  return `${p.hour}:${p.minute}:${p.second} ngày ${p.day}/${p.month}/${p.year}`
}

/** Opens request `id` from the inbox and waits for its first page image. */
async function open(s, id, title) {
  log(`open ${id} (${title})`)
  await s.click(card(id), { timeout: 30000 })
  await shown(s, id, title)
}

/** Waits until the app shows request `id`: its document view, its first
 * page image, the sign button. */
async function shown(s, id, title) {
  await until(`the document view of ${id} ("${title}")`, async () => {
    await noErrorBox(s, `opening ${id}`)
    return (await s.url()).endsWith(`#/inbox/${encodeURIComponent(id)}`) && (await s.text('#doc-title')) === title
  })
  // The page rendered by pdfium (a blob: PNG), loaded with a real size.
  await until(
    'page 1 rendered by pdfium',
    async () => {
      await noErrorBox(s, 'opening the document')
      const img = await s.first('.pages img')
      if (!img) return false
      const [src, w, done] = [await img.property('src'), await img.property('naturalWidth'), await img.property('complete')]
      return src?.startsWith('blob:') && w > 0 && done
    },
    { timeout: 30000 }
  )
  await expect(s, '[data-testid=doc-sign]', 'the sign button', 30000)
}

async function signOpen(s, id, expectOutcome, { sheetOpen = false } = {}) {
  log(`sign ${id} (expecting ${expectOutcome})`)
  if (!sheetOpen) await s.click('[data-testid=doc-sign]')
  await expect(s, '#sign-pass', 'the passphrase field of the sign sheet')
  await s.type('#sign-pass', PASSPHRASE)
  await s.click('[data-testid=sign-confirm]')
  const result = await expect(s, '[data-testid=sign-result]', 'the signing result', 90000)
  const outcome = await result.attr('data-outcome')
  if (outcome !== expectOutcome) {
    await shot(s, `sign-${outcome}`)
    fail(`signing ${id}: outcome ${outcome}, expected ${expectOutcome}: ${(await result.text()).replace(/\s+/g, ' ')}`)
  }
  if (outcome === 'signed') {
    const ind = await (await s.find('[data-testid=verification]')).attr('data-indication')
    check(ind === 'TOTAL_PASSED', `the app's verification says ${ind}, expected TOTAL_PASSED`)
  }
  return result
}

// ------------------------------------------------------------ notifications and links
/** What the fake notification server recorded (tests/e2e/fake-notifications.py). */
function notifications() {
  const file = env('E2E_NOTIFICATIONS')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

/** Clicks notification `nid` (its `default` action, or another of its
 * actions: `view`, `sign`) as a user would. */
function clickNotification(nid, action = 'default') {
  run(
    'dbus-send',
    [
      '--session',
      '--print-reply',
      '--dest=org.freedesktop.Notifications',
      '/org/freedesktop/Notifications',
      'vn.kyso.e2e.Control.Invoke',
      `uint32:${nid}`,
      `string:${action}`
    ],
    'the fake notification server\'s Invoke'
  )
}

/** A second launch with a link: hands it to the running app and exits
 * (tauri-plugin-single-instance) without opening a window of its own. */
async function launchWithLink(url) {
  log(`a second launch: kyso-app ${url}`)
  const p = start('second-launch', env('KYSO_APP_BIN'), [url])
  const r = await Promise.race([p.exited, new Promise((res) => setTimeout(() => res(null), 20000))])
  check(r, 'the second kyso-app did not exit within 20 s: it did not hand its link over')
  check(r.code === 0, `the second kyso-app exited with ${JSON.stringify(r)}, expected 0`)
}

// ------------------------------------------------------------ bench
/** A duration as tracing-subscriber prints it ("12.3ms", "450µs"), in ms. */
function traceMs(v) {
  const m = /^([\d.]+)\s*(ns|µs|us|ms|s)$/.exec(v ?? '')
  if (!m) return null
  return Number(m[1]) * { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000 }[m[2]]
}

/** The app's closed spans (KYSO_TRACE) since line `from`. */
function traceSpans(from = 0) {
  const file = env('KYSO_TRACE')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(from)
    .map((l) => JSON.parse(l))
    .filter((e) => e.fields?.message === 'close' && e.span)
    .map((e) => ({
      name: e.span.name,
      fields: e.span,
      parents: (e.spans ?? []).map((p) => p.name),
      root: e.spans?.[0] ?? e.span,
      ms: traceMs(e.fields['time.busy']) + traceMs(e.fields['time.idle']),
      // When it closed (the line's timestamp), as epoch milliseconds.
      end: Date.parse(e.timestamp)
    }))
}

/** The Rust side of opening `id`: open_document and its parts, then the
 * first render of its page 1 and its parts; and, against the web view's
 * steps (`web`, ms from the route at epoch ms `at`), how long each call
 * took to reach Rust (`*_in`) and its answer to come back (`*_out`). */
function rustSide(spans, id, at, web) {
  const of = (root, name) => spans.find((x) => x.root.name === root && x.root.id === id && x.name === name)
  // Page 1 in the document (the widest render; the page strip's thumbnail
  // of page 1 is narrower).
  const renders = spans.filter((x) => x.root.name === 'render_page' && x.root.id === id && x.root.page === 1)
  const width = Math.max(0, ...renders.map((x) => x.root.width))
  const render = (name) => renders.find((x) => x.root.width === width && x.name === name)
  const od = of('open_document', 'open_document')
  const rp = render('render_page')
  // Epoch ms to ms from the route; null when a side is missing.
  const rel = (t) => (typeof t === 'number' && Number.isFinite(t) && typeof at === 'number' ? t - at : null)
  const gap = (a, b) => (typeof a === 'number' && typeof b === 'number' ? b - a : null)
  const odStart = rel(od && od.end - od.ms)
  const rpStart = rel(rp && rp.end - rp.ms)
  return {
    open_document_in: gap(web?.opening, odStart),
    open_document_out: gap(rel(od?.end), web?.described),
    render_page_in: gap(web?.asked, rpStart),
    render_page_out: gap(rel(rp?.end), web?.received),
    open_document: od?.ms,
    fetch: of('open_document', 'document')?.ms,
    cached: of('open_document', 'document')?.fields.cached,
    pdfium_open: of('open_document', 'open')?.ms,
    render_page: render('render_page')?.ms,
    render: render('render')?.ms,
    png: render('png')?.ms,
    width: render('render_page')?.fields.width
  }
}

async function bench(s, gw, base) {
  const pdfs = env('E2E_BENCH_PDFS').split(':').filter(Boolean)
  const docs = []
  for (const [i, f] of pdfs.entries()) {
    const title = `Báo cáo tổng hợp 100 trang (đo thời gian mở, bản ${i + 1})`
    docs.push({ id: (await gw.submit(readFileSync(f), USER, title, 'normal')).id, title, file: f })
  }
  log(`integrator submitted ${docs.length} documents of 100 pages`)
  // As a leader would: the documents have arrived (each announced by a
  // notification) before one is opened.
  await until(
    `the notifications of the ${docs.length} documents`,
    () => docs.every((d) => notifications().some((n) => n.body.startsWith(d.title))),
    { timeout: 60000 }
  )
  const results = []
  // A leader's pause (reading the list, or the previous document): the
  // app's work of the moment before (the inbox's refresh, the previous
  // document's thumbnails and next pages) is over before the next tap, and
  // no WebDriver command reaches the web view while page 1 is on its way
  // (each would take the web view's main thread from what is measured).
  const pause = () => new Promise((r) => setTimeout(r, Number(process.env.E2E_BENCH_PAUSE_MS ?? 1500)))
  const round = async (s, kind, opened = docs) => {
    await s.click('[data-testid=inbox-refresh]')
    // The refresh button is disabled while the inbox loads.
    await until('the inbox refreshed', async () => (await s.find('[data-testid=inbox-refresh]')).enabled())
    for (const d of docs) await expect(s, card(d.id), `the card of ${d.id}`)
    const lines = existsSync(env('KYSO_TRACE')) ? readFileSync(env('KYSO_TRACE'), 'utf8').split('\n').length - 1 : 0
    const first = results.length
    for (const d of opened) {
      await s.execute('performance.clearMeasures()')
      await pause()
      log(`open ${d.id} (${d.title})`)
      await s.click(card(d.id), { timeout: 30000 })
      await pause()
      // kyso:page1:<id> and kyso:page1:<id>:<step> (ui/src/timing.ts).
      const web = await until(
        `the page-1 measure of ${d.id}`,
        () =>
          s.execute(
            `const p = 'kyso:page1:' + arguments[0]
             const m = performance.getEntriesByType('measure').filter((m) => m.name.startsWith(p))
             if (!m.some((m) => m.name === p)) return null
             const all = Object.fromEntries(m.map((m) => [m.name.slice(p.length + 1) || 'total', m.duration]))
             // The route's time (every measure starts there), as epoch ms.
             all.at = performance.timeOrigin + m[0].startTime
             return all`,
            [d.id]
          ),
        { every: 1000, timeout: 30000 }
      )
      await shown(s, d.id, d.title)
      const { total, at, ...steps } = web
      results.push({ kind, id: d.id, page1_ms: total, at, web: steps })
      log(`${kind}: ${d.id} page 1 on screen in ${total.toFixed(1)} ms (${JSON.stringify(steps)})`)
    }
    await shot(s, `bench-${kind}`)
    // The spans are written when they close: by now, all of this round's.
    const spans = traceSpans(lines)
    for (const r of results.slice(first)) Object.assign(r, rustSide(spans, r.id, r.at, r.web))
  }
  const restart = async (s) => {
    await s.quit()
    // One app per desktop session: a new one started before the old one has
    // gone would hand over to it and exit.
    await until('the app to exit', () => spawnSync('pgrep', ['-f', env('KYSO_APP_BIN')]).status === 1, {
      timeout: 30000
    })
    const s2 = await Session.start(base, env('KYSO_APP_BIN'), [])
    current = s2
    await expect(s2, '[data-testid=request-card]', 'the inbox after the restart', 60000)
    return s2
  }
  await round(s, 'downloaded')
  log('the app restarts: the documents are now in its encrypted cache')
  let s2 = await restart(s)
  await round(s2, 'cached')
  // The first open of a process (the leader opens the app, then a
  // document) pays for the web view's first use of the document screen:
  // E2E_BENCH_FIRSTS more starts, one (cached) document each.
  for (let i = 0; i < Number(process.env.E2E_BENCH_FIRSTS ?? 5); i++) {
    log(`the app restarts for a first open (${i + 1})`)
    s2 = await restart(s2)
    await round(s2, 'first', [docs[i % docs.length]])
  }
  for (const r of results)
    check(
      r.kind === 'downloaded' || r.cached === true,
      `${r.id} was not read from the cache after the restart: ${JSON.stringify(r)}`
    )
  writeFileSync(join(DIR, 'bench.json'), JSON.stringify({ documents: docs, results }, null, 2))
  return s2
}

// ------------------------------------------------------------ checks
/** Follows a meeting's presenter as a second participant would (the SSE
 * channel, parsed here): the states received, each with the time it came. */
async function scriptedFollower(gw, username, meetingId) {
  const login = await fetch(`${gw.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD })
  })
  check(login.ok, `${username} could not log in: HTTP ${login.status}`)
  const { token } = await login.json()
  const abort = new AbortController()
  const res = await fetch(`${gw.url}/api/v1/device/meetings/${encodeURIComponent(meetingId)}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal
  })
  check(res.ok, `the presenter channel answered HTTP ${res.status}`)
  const seen = []
  ;(async () => {
    const decoder = new TextDecoder()
    let buf = ''
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true })
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n')
          if (data) seen.push({ state: JSON.parse(data), at: performance.now() })
        }
      }
    } catch {
      // Aborted at the end.
    }
  })()
  return { token, seen, stop: () => abort.abort() }
}

/** The meeting on the chair's desktop (the app as leader1): the demo's
 * meeting opens, the chair presents, and a scripted participant (leader2,
 * on the presenter channel) receives each page the app turns; the time
 * from the click to its arrival is printed. */
async function meeting(s, gw) {
  const login = await fetch(`${gw.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'leader2', password: PASSWORD })
  })
  const { token } = await login.json()
  const list = await (
    await fetch(`${gw.url}/api/v1/device/meetings`, { headers: { authorization: `Bearer ${token}` } })
  ).json()
  const m = list.find((x) => x.external_id === 'DEMO-HOP-1')
  check(m, `the demo meeting is not among leader2's meetings: ${JSON.stringify(list.map((x) => x.title))}`)
  const follower = await scriptedFollower(gw, 'leader2', m.id)
  await s.click('a[href="#/meetings"]')
  await s.click(`[data-meeting-id="${m.id}"] a`)
  await expect(s, '.meeting-page img', 'the first agenda document rendered', 30000)
  await s.execute('return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 300)))')
  await shot(s, 'meeting')
  const pageArrives = (page, after) =>
    until(`page ${page} at the scripted participant`, () =>
      follower.seen.find((e) => e.at >= after && e.state.page === page && e.state.document_id === m.agenda[0].documents[0].id)
    , { timeout: 30000, every: 5 })
  let t0 = performance.now()
  await s.click('[data-testid=start-present]')
  await pageArrives(1, t0)
  const latencies = []
  const pages = m.agenda[0].documents[0].pages
  for (let page = 2; page <= pages; page++) {
    t0 = performance.now()
    await s.click('button[aria-label="Trang sau"]')
    const e = await pageArrives(page, t0)
    latencies.push(e.at - t0)
  }
  // The chair's own screen says so, on the last page.
  await expect(s, `.meeting-page[data-page="${pages}"] img`, `page ${pages} on the chair's screen`)
  const bar = await s.text('[data-testid=presenter-bar]')
  check(bar.includes('Bạn đang trình bày'), `the presenter bar says: ${bar}`)
  await s.execute('return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 300)))')
  await shot(s, 'meeting-presenting')
  follower.stop()
  const sorted = [...latencies].sort((a, b) => a - b)
  log(
    `meeting: ${latencies.length} page turns clicked in the app reached the scripted participant; ` +
      `click → SSE event: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, ` +
      `max ${sorted[sorted.length - 1].toFixed(0)} ms (WebDriver click included)`
  )
  await s.click('a[href="#/inbox"]')
}

/** The clerk's desk in the same app: leader1 signs out, clerk1 logs in
 * (no key to enroll), issues the draft leader1 signed in the app with a
 * number and today's date; the gateway has it issued, and pyHanko's ETSI
 * LTA validation passes every signature of the issued PDF, the leader's
 * (B-T from the app, with the gateway's TSA) and the agency seal's. */
async function issuance(s, gw, id) {
  await s.click('a[href="#/settings"]')
  await s.click('[data-testid=logout]')
  await s.click('[data-testid=confirm-settings]')
  await expect(s, '#login-user', 'the login step after signing out')
  log('login as clerk1 (văn thư)')
  await s.type('#login-user', 'clerk1')
  await s.type('#login-pass', PASSWORD)
  await s.click('[data-testid=login-submit]')
  await expect(s, `[data-testid=issuance-card][data-request-id="${id}"]`, 'the signed draft on the issuance desk', 30000)
  await s.click(`[data-testid=issuance-card][data-request-id="${id}"] a`)
  await expect(s, '.issue-desk .page img', 'the signed PDF rendered', 30000)
  const number = `${Math.floor(Math.random() * 900) + 100}/UBND-VP`
  await s.type('#issue-number', number)
  await s.click('[data-testid=issue-review]')
  await s.click('[data-testid=issue-confirm]')
  await expect(s, '[data-testid=issue-result]', 'the issued result', 60000)
  const indication = await s.execute(
    'return document.querySelector("[data-testid=verification]").getAttribute("data-indication")'
  )
  check(indication === 'TOTAL_PASSED', `the app's verification of the issued PDF: ${indication}`)
  await expect(s, '.issue-desk .page img', 'the issued PDF rendered', 30000)
  await s.execute('return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 300)))')
  await shot(s, 'issued')
  const { request } = await gw.request(id)
  check(request.status === 'issued', `the gateway has ${id} as ${request.status}, expected issued`)
  check(request.number_symbol === number, `the gateway's number is ${request.number_symbol}, expected ${number}`)
  const login = await fetch(`${gw.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'clerk1', password: PASSWORD })
  })
  const { token } = await login.json()
  const res = await fetch(`${gw.url}/api/v1/clerk/requests/${encodeURIComponent(id)}/issued`, {
    headers: { authorization: `Bearer ${token}` }
  })
  check(res.ok, `the issued PDF: HTTP ${res.status}`)
  const file = join(DIR, `issued-${id}.pdf`)
  writeFileSync(file, Buffer.from(await res.arrayBuffer()))
  const python = join(env('KYSO_PYHANKO'), '..', 'python')
  const script = join(import.meta.dirname, '..', '..', 'crates', 'kyso-cli', 'tests', 'kyso-cli', 'pyhanko_lta.py')
  const out = run(python, [script, join(DIR, 'device-ca.pem'), file], 'pyHanko LTA validation').trim()
  const lines = out.split('\n')
  check(
    lines.length === 2 && lines.every((l) => / LTA AdESPassed\.OK /.test(l)),
    `pyHanko LTA validation of ${file}, expected both signatures passed:\n${out}`
  )
  log(`issuance: ${id} issued as ${number} by clerk1 in the app; pyHanko LTA: ${lines.join(' | ')}`)
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: DIR })
  if (r.status !== 0) fail(`${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

async function gatewaySigned(gw, id) {
  const { request, history } = await gw.request(id)
  check(request.status === 'signed', `the gateway has ${id} as ${request.status}, expected signed`)
  const n = history.filter((h) => h.action === 'signed').length
  check(n === 1, `the gateway recorded ${n} signatures of ${id}, expected exactly 1`)
  const res = await gw.api('GET', `/requests/${encodeURIComponent(id)}/signed`)
  const pdf = Buffer.from(await res.arrayBuffer())
  const file = join(DIR, `signed-${id}.pdf`)
  writeFileSync(file, pdf)
  const ca = join(DIR, 'device-ca.pem')
  writeFileSync(ca, run(env('KYSO_BIN'), ['admin', '--data', gw.data, 'ca', 'export'], 'kyso admin ca export'))
  // pyHanko fetches the CRL the certificate names, from the gateway over
  // HTTPS: tests/e2e/pyhanko-tls.py makes it trust the test's certificate.
  const python = join(env('KYSO_PYHANKO'), '..', 'python')
  const out = run(
    python,
    [join(import.meta.dirname, 'pyhanko-tls.py'), 'sign', 'validate', '--trust', ca, '--trust-replace', file],
    'pyHanko validation'
  )
  check(/INTACT/.test(out) && /TRUSTED/.test(out) && !/UNTRUSTED/.test(out), `pyHanko does not find ${file} valid:\n${out}`)
  log(`gateway: ${id} signed once; pyHanko: ${out.trim().split('\n').pop()} (${file})`)
  return file
}

/** The app's secrets (session token, cache key) are in the OS keyring:
 * gnome-keyring in this run's D-Bus session, not files beside the data. */
function checkKeyring(appData) {
  const session = JSON.parse(readFileSync(join(appData, 'session.json'), 'utf8'))
  check(session.token?.keyring, `the session token is not in the OS keyring: ${JSON.stringify(Object.keys(session.token ?? {}))}`)
  check(!JSON.stringify(session).includes('"value"'), 'the session file holds the token itself')
  check(!existsSync(join(appData, 'cache.key')), 'the cache key fell back to a file: the keyring was not usable')
}

// ------------------------------------------------------------ scenario
let current = null
async function main() {
  const external = !!process.env.E2E_GATEWAY_URL
  const gw = external
    ? new Gateway({
        data: env('E2E_GATEWAY_DATA'),
        url: env('E2E_GATEWAY_URL'),
        integratorKey: env('E2E_INTEGRATOR_KEY')
      })
    : new Gateway({ data: join(DIR, 'gateway'), listen: `127.0.0.1:${await freePort()}` })
  if (external) {
    await until(`the gateway at ${gw.url} to answer`, async () => (await fetch(`${gw.url}/api/v1/ca`)).ok, {
      timeout: 30000
    })
  } else {
    log(`gateway: kyso serve --demo on ${gw.listen}`)
    await gw.start()
  }
  // A draft from the document system (the integrator API) for this leader.
  const title = `Công văn thử nghiệm ký số (${vietnamNow()})`
  const submitted = await gw.submit(readFileSync(env('E2E_DRAFT_PDF')), USER, title)
  log(`integrator submitted ${submitted.id} for ${USER}`)

  const driverPort = await freePort()
  const nativePort = await freePort()
  log(`tauri-driver on ${driverPort} (WebKitWebDriver on ${nativePort})`)
  start('tauri-driver', env('KYSO_TAURI_DRIVER'), ['--port', `${driverPort}`, '--native-port', `${nativePort}`])
  const base = `http://127.0.0.1:${driverPort}`
  await until('tauri-driver to listen', async () => (await fetch(`${base}/status`)).ok, { timeout: 20000 })
  // The full test starts the app with the draft's link, as the desktop
  // does for a kyso:// link: it opens once the first run is through.
  const link = SCENARIO === 'full' ? [`kyso://request/${submitted.id}`] : []
  log(`the app: ${env('KYSO_APP_BIN')} ${link.join(' ')}`)
  const s = await Session.start(base, env('KYSO_APP_BIN'), link)
  current = s

  await firstRun(s, gw)
  const appData = join(process.env.XDG_DATA_HOME, 'vn.kyso.app')
  check(existsSync(join(appData, 'device.json')), `no device record in ${appData}`)
  checkKeyring(appData)
  log(`app state in ${appData}; the session token and the cache key are in the OS keyring`)

  if (SCENARIO === 'bench') {
    current = await bench(s, gw, base)
    await current.quit()
    return
  }

  if (SCENARIO === 'display') {
    await shot(s, 'inbox')
    console.log(`The app is open, signed in as ${USER} with an enrolled key; its passphrase: ${PASSPHRASE}`)
    console.log(`New in the inbox: ${title}`)
    // Until the window is closed (or the demo is stopped).
    await until(
      'the app to be closed',
      async () => {
        try {
          await s.url()
          return false
        } catch {
          return true
        }
      },
      { timeout: Infinity, every: 1000 }
    )
    return
  }

  // The integrator's draft, signed online: in the full test opened by the
  // link the app was started with, kept through the first run.
  if (SCENARIO === 'full') {
    log(`the link the app was started with: ${submitted.id} shown after the first run`)
    await shown(s, submitted.id, title)
  } else {
    await s.click('[data-testid=inbox-refresh]')
    await open(s, submitted.id, title)
  }
  await shot(s, 'document')
  await signOpen(s, submitted.id, 'signed')
  await shot(s, 'signed')
  await s.click('[data-testid=sign-done]')
  const signedPdf = await gatewaySigned(gw, submitted.id)

  if (SCENARIO === 'demo') {
    await s.quit()
    console.log(`signed in the app:  ${title} (${submitted.id})`)
    console.log(`signed PDF:         ${signedPdf} (pyHanko: valid against the device CA)`)
    console.log(`screenshots:        ${SHOTS}`)
    return
  }

  // A flash draft while the app runs: a notification, whose click opens it.
  await s.gone(card(submitted.id))
  const cards = await s.all('[data-testid=request-card][data-status=pending]')
  check(cards.length >= 1, `leader1 has ${cards.length} pending demo drafts, expected at least 1`)
  const qId = await cards[0].attr('data-request-id')
  const titleOf = async (id) => (await gw.request(id)).request.title

  const flashTitle = `Công điện hỏa tốc: bão & lũ ${new Date().toISOString().slice(11, 19)}`
  const flash = await gw.submit(readFileSync(env('E2E_DRAFT_PDF')), USER, flashTitle, 'flash')
  const dId = flash.id
  log(`integrator submitted ${dId} (flash) while the app runs`)
  const note = await until(
    `the notification of ${dId}`,
    () => notifications().find((n) => n.body.includes(flashTitle.slice(-8))),
    { timeout: 30000 }
  )
  const unit = (await gw.request(dId)).request.unit.name
  check(note.app_name === 'Kyso', `the notification's app is ${note.app_name}`)
  check(note.summary === 'Hỏa tốc · Văn bản mới chờ ký', `the notification's summary: ${note.summary}`)
  check(
    note.body === `${flashTitle.replace('&', '&amp;')}\n${unit}`,
    `the notification's body: ${JSON.stringify(note.body)} (the title, markup-escaped, and ${unit})`
  )
  check(note.hints.urgency === 2, `a flash request is critical (urgency 2), not ${note.hints.urgency}`)
  check(
    JSON.stringify(note.actions) === JSON.stringify(['default', 'Xem', 'view', 'Xem', 'sign', 'Ký ngay']),
    `the notification's actions: ${JSON.stringify(note.actions)}`
  )
  log(`notification #${note.id}: "${note.summary}" / ${JSON.stringify(note.body)}; clicking it`)
  clickNotification(note.id)
  await shown(s, dId, flashTitle)
  await shot(s, 'opened-from-notification')

  const reason = 'Đề nghị bổ sung căn cứ pháp lý / please add the legal basis'
  log(`decline ${dId}`)
  await s.click('[data-testid=doc-decline]')
  await s.type('#decline-reason', reason)
  await shot(s, 'decline')
  await s.click('[data-testid=decline-submit]')
  await s.gone(card(dId), { timeout: 30000 })
  await until(`the gateway to have ${dId} declined`, async () => {
    const { request } = await gw.request(dId)
    if (request.status === 'pending') return false
    check(request.status === 'declined', `${dId} is ${request.status}, expected declined`)
    check(request.decline_reason === reason, `the decline reason is "${request.decline_reason}"`)
    return true
  })
  log(`gateway: ${dId} declined with the reason`)

  // A very urgent draft: the notification's "Ký ngay" opens it with its
  // sign sheet, which still asks for the key (the passphrase here).
  const nowTitle = `Công văn thượng khẩn về phòng chống dịch ${new Date().toISOString().slice(11, 19)}`
  const nowId = (await gw.submit(readFileSync(env('E2E_DRAFT_PDF')), USER, nowTitle, 'very_urgent')).id
  log(`integrator submitted ${nowId} (very urgent)`)
  const nowNote = await until(
    `the notification of ${nowId}`,
    () => notifications().find((n) => n.body.startsWith(nowTitle)),
    { timeout: 30000 }
  )
  check(nowNote.summary === 'Thượng khẩn · Văn bản mới chờ ký', `the notification's summary: ${nowNote.summary}`)
  log(`notification #${nowNote.id}: "${nowNote.summary}"; its "Ký ngay"`)
  clickNotification(nowNote.id, 'sign')
  await shown(s, nowId, nowTitle)
  await expect(s, '#sign-pass', 'the sign sheet opened by "Ký ngay"', 30000)
  await shot(s, 'sign-now-from-notification')
  await signOpen(s, nowId, 'signed', { sheetOpen: true })
  await s.click('[data-testid=sign-done]')
  await gatewaySigned(gw, nowId)

  // Opened (so cached) by a second launch with its link, then the gateway
  // goes away.
  await launchWithLink(`kyso://request/${qId}`)
  await shown(s, qId, await titleOf(qId))
  const windows = (await s.cmd('GET', '/window/handles')) ?? []
  check(windows.length === 1, `the app has ${windows.length} windows after the second launch, expected 1`)
  log('gateway: SIGTERM')
  await gw.stop()
  await signOpen(s, qId, 'queued')
  await shot(s, 'queued')
  await s.click('[data-testid=sign-done]')
  await expect(s, '[data-testid=queue-pill][data-waiting="1"]', 'the offline indicator with one signature waiting')
  await shot(s, 'offline-queue')

  log('gateway: restart on the same port and data')
  await gw.start()
  // The app finds the gateway again by itself (its reconnection backs off
  // up to 30 s) and uploads the queue.
  await s.gone('[data-testid=queue-pill]', { timeout: 60000 })
  await shot(s, 'back-online')
  await gatewaySigned(gw, qId)
  await meeting(s, gw)
  // Signing, declining and the demo drafts of the inbox made none.
  const all = notifications()
  check(
    all.length === 2,
    `${all.length} notifications, expected only the flash and very urgent drafts': ${all.map((n) => n.summary).join(' | ')}`
  )
  await issuance(s, gw, submitted.id)
  await s.quit()
  log('passed')
  console.log(`screenshots: ${SHOTS}`)
}

main().then(
  () => process.exit(0),
  async (e) => {
    console.error(`e2e: FAILED: ${e.message}`)
    if (current) await shot(current, 'failure').catch(() => {})
    console.error(`e2e: logs in ${LOGS}, screenshots in ${SHOTS}`)
    process.exit(1)
  }
)
