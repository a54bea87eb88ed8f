// Playwright (playwright-core + Debian's /usr/bin/chromium) around the
// dist-e2e build. Every page records console errors, page errors and CSP
// violations; `expectClean` fails a test that caused any.

import { chromium, type Browser, type Page } from 'playwright-core'
import { expect, inject } from 'vitest'
import type { ErrorCode, RequestStatus } from '../../src/ipc'

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
export const PHONE = { width: 390, height: 844 }
export const TABLET = { width: 1024, height: 768 }

export async function launch(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none']
  })
}

export interface AppOptions {
  scenario?: 'fresh' | 'login' | 'enroll' | 'ready' | 'clerk'
  platform?: 'android' | 'ios' | 'linux'
  lang?: 'vi' | 'en'
  hash?: string
  viewport?: { width: number; height: number }
  dark?: boolean
  touch?: boolean
  stageDelay?: number
  /** The app was started with kyso://request/ID. */
  open?: string
  /** Runs in the page before the app's own scripts. */
  init?: () => void
}

export interface App {
  page: Page
  problems: string[]
  mock: {
    setOnline(v: boolean): Promise<void>
    failNext(cmd: string, code: ErrorCode): Promise<void>
    holdSign(): Promise<void>
    release(): Promise<void>
    arrive(): Promise<void>
    changeStatus(id: string, status: RequestStatus): Promise<void>
    openRequest(id: string, action?: 'view' | 'sign'): Promise<void>
    calls(cmd?: string): Promise<Array<{ cmd: string; args: Record<string, unknown> }>>
    renders(): Promise<string[]>
    presenterShows(meeting: string, document: string, page: number, zoom?: number): Promise<void>
  }
  close(): Promise<void>
}

export async function openApp(browser: Browser, o: AppOptions = {}): Promise<App> {
  const ctx = await browser.newContext({
    viewport: o.viewport ?? PHONE,
    deviceScaleFactor: 1,
    colorScheme: o.dark ? 'dark' : 'light',
    hasTouch: o.touch ?? false,
    reducedMotion: 'reduce',
    locale: 'vi-VN',
    timezoneId: 'Europe/Paris'
  })
  const page = await ctx.newPage()
  page.setDefaultTimeout(8000)
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()}`)
  })
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  if (o.init) await page.addInitScript(o.init)
  const q = new URLSearchParams({
    scenario: o.scenario ?? 'ready',
    platform: o.platform ?? 'android',
    lang: o.lang ?? 'vi',
    stageDelay: String(o.stageDelay ?? 60)
  })
  if (o.open) q.set('open', o.open)
  await page.goto(`${inject('baseURL')}?${q}${o.hash ?? '#/inbox'}`)
  const ev = <T>(fn: string, ...args: unknown[]) =>
    page.evaluate(([f, a]) => (window.__kysoMock as any)[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>
  return {
    page,
    problems,
    mock: {
      setOnline: (v) => ev('setOnline', v),
      failNext: (cmd, code) => ev('failNext', cmd, code),
      holdSign: () => ev('holdSign'),
      release: () => ev('release'),
      arrive: () => ev('arrive'),
      changeStatus: (id, s) => ev('changeStatus', id, s),
      openRequest: (id, action) => ev('openRequest', id, action ?? 'view'),
      calls: async (cmd) => {
        const all = await page.evaluate(() => window.__kysoMock.calls)
        return cmd ? all.filter((c) => c.cmd === cmd) : all
      },
      renders: () => page.evaluate(() => window.__kysoMock.renders),
      presenterShows: (m, d, p, z) => ev('presenterShows', m, d, p, z ?? 1)
    },
    close: () => ctx.close()
  }
}

/** No page errors, console errors or CSP violations happened. */
export function expectClean(app: App) {
  expect(app.problems, app.problems.join('\n')).toEqual([])
}
