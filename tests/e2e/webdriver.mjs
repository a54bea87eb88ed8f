// A minimal W3C WebDriver client over Node's fetch: the few commands the
// end-to-end scenario needs, and explicit waits (poll a condition until a
// deadline, never a fixed sleep). tauri-driver speaks this protocol and hands
// it to WebKitWebDriver, which drives the app's real web view.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'

export class WebDriverError extends Error {
  constructor(what, status, value) {
    super(`WebDriver ${what}: ${value?.error ?? status}${value?.message ? `: ${value.message}` : ''}`)
    this.code = value?.error
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  let json
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    throw new WebDriverError(`${method} ${path}`, res.status, { message: text.slice(0, 300) })
  }
  if (!res.ok) throw new WebDriverError(`${method} ${path}`, res.status, json.value)
  return json.value
}

/** Polls `probe` every `every` ms until it returns a truthy value (which is
 * returned), or throws after `timeout` ms, naming `what`. Errors thrown by the
 * probe count as "not yet" unless `probe` marks them `fatal`. */
export async function until(what, probe, { timeout = 20000, every = 100 } = {}) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    try {
      const v = await probe()
      if (v) return v
    } catch (e) {
      if (e.fatal) throw e
      last = e
    }
    if (Date.now() > deadline) {
      const why = last ? ` (last error: ${last.message})` : ''
      const err = new Error(`timed out after ${timeout / 1000} s waiting for ${what}${why}`)
      err.timeout = true
      throw err
    }
    await new Promise((r) => setTimeout(r, every))
  }
}

export class Session {
  constructor(base, id) {
    this.base = base
    this.id = id
  }

  /** Starts the app through tauri-driver (`tauri:options.application`). */
  static async start(base, application, args = []) {
    const v = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application, args } } }
    })
    return new Session(base, v.sessionId)
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body)
  }

  async quit() {
    await this.cmd('DELETE', '')
  }

  url() {
    return this.cmd('GET', '/url')
  }

  /** The elements matching a CSS selector, now (maybe none). */
  async all(css) {
    const v = await this.cmd('POST', '/elements', { using: 'css selector', value: css })
    return v.map((e) => {
      // W3C's key; older WebKitWebDriver answers with the JSON Wire one.
      const id = e[ELEMENT] ?? e.ELEMENT
      if (!id) throw new WebDriverError('find elements', 200, { message: `no element id in ${JSON.stringify(e)}` })
      return new Element(this, id, css)
    })
  }

  /** The first element matching `css`, or null. */
  async first(css) {
    return (await this.all(css))[0] ?? null
  }

  /** Waits until an element matching `css` is displayed, and returns it. */
  find(css, opts) {
    return until(
      `an element ${css}`,
      async () => {
        for (const e of await this.all(css)) if (await e.displayed()) return e
        return null
      },
      opts
    )
  }

  /** Waits until nothing matching `css` is displayed. */
  gone(css, opts) {
    return until(
      `no element ${css}`,
      async () => {
        for (const e of await this.all(css)) if (await e.displayed()) return false
        return true
      },
      opts
    )
  }

  async click(css, opts) {
    const e = await this.find(css, opts)
    await until(`${css} to be enabled`, () => e.enabled(), opts)
    await e.click()
    return e
  }

  async type(css, text, opts) {
    const e = await this.find(css, opts)
    await e.clear()
    await e.type(text)
    // The field holds what was typed (Preact's onInput saw it).
    await until(`${css} to hold the typed text`, async () => (await e.property('value')) === text, opts)
    return e
  }

  async text(css) {
    const e = await this.first(css)
    return e ? e.text() : null
  }

  /** Runs `script` (a function body; its arguments in `arguments`) in the
   * web view and answers what it returns. */
  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args })
  }

  /** A PNG of the web view. */
  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64')
  }
}

export class Element {
  constructor(session, id, css) {
    this.s = session
    this.id = id
    this.css = css
  }

  cmd(method, path, body) {
    return this.s.cmd(method, `/element/${this.id}${path}`, body)
  }

  click() {
    return this.cmd('POST', '/click', {})
  }

  clear() {
    return this.cmd('POST', '/clear', {})
  }

  type(text) {
    return this.cmd('POST', '/value', { text })
  }

  text() {
    return this.cmd('GET', '/text')
  }

  attr(name) {
    return this.cmd('GET', `/attribute/${encodeURIComponent(name)}`)
  }

  property(name) {
    return this.cmd('GET', `/property/${encodeURIComponent(name)}`)
  }

  displayed() {
    return this.cmd('GET', '/displayed')
  }

  enabled() {
    return this.cmd('GET', '/enabled')
  }
}
