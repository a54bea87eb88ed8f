// Language switch, tablet layout, live updates, deep links, search, pull to
// refresh, touch targets, dates in +07:00, and the strict-CSP build.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDateTime } from '../../src/format'
import { expectClean, launch, openApp, PHONE, TABLET } from './harness'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const box = (page: Page, sel: string) =>
  page.locator(sel).first().evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect)

describe('warm-up', () => {
  it('takes the document screen once when the app is up, unseen, and leaves nothing behind', async () => {
    // What the warm-up showed, noted as it came (it is gone two frames after).
    const app = await openApp(browser, {
      viewport: TABLET,
      init: () => {
        const w = window as unknown as { seen: Array<Record<string, unknown>> }
        w.seen = []
        new MutationObserver((ms) =>
          ms.forEach((m) =>
            m.addedNodes.forEach((n) => {
              if (!(n instanceof HTMLElement) || !n.matches('[data-warm-up]')) return
              w.seen.push({
                pages: n.querySelectorAll('.pages .page').length,
                thumbs: n.querySelectorAll('.page-strip .thumb').length,
                title: n.querySelector('.doc-head h2')?.textContent ?? '',
                hidden: n.getAttribute('aria-hidden'),
                inert: n.inert,
                opacity: n.style.opacity
              })
            })
          )
        ).observe(document, { childList: true, subtree: true })
      }
    })
    const { page } = app
    await page.getByRole('heading', { name: /Văn bản chờ ký/ }).waitFor()
    await page.waitForFunction(() => (window as unknown as { seen: unknown[] }).seen.length > 0)
    await page.waitForFunction(() => document.querySelector('[data-warm-up]') === null)
    const seen = await page.evaluate(() => (window as unknown as { seen: Array<{ title: string }> }).seen)
    // The strip as it is before page 1 is on screen: its first 12 buttons.
    expect(seen.map(({ title: _, ...s }) => s)).toEqual([{ pages: 100, thumbs: 12, hidden: 'true', inert: true, opacity: '0.01' }])
    // A title in the header's styles with every Vietnamese letter, in both
    // cases: its glyphs drawn once. (Made here from the 12 vowels and the 5
    // tone marks, not copied from the app.)
    const tones = ['', '\u0300', '\u0309', '\u0303', '\u0301', '\u0323']
    const letters = [...'aăâeêioôơuưy'].flatMap((v) => tones.map((m) => (v + m).normalize('NFC')))
    letters.push(...'bcdđghklmnpqrstvx')
    const missing = [...letters, ...letters.map((l) => l.toUpperCase()), ...'0123456789/'].filter(
      (l) => !seen[0]!.title.includes(l)
    )
    expect(missing).toEqual([])
    // No page was rendered for it, and the app's own screen is untouched.
    expect((await app.mock.calls('render_page')).length).toBe(0)
    expect(await page.locator('.pages').count()).toBe(0)
    expectClean(app)
    await app.close()
  })
})

describe('language', () => {
  it('switches to English and back; the Rust side is told', async () => {
    const app = await openApp(browser, { hash: '#/settings' })
    const { page } = app
    await page.getByRole('heading', { name: 'Cài đặt' }).waitFor()
    await page.getByRole('radio', { name: 'English' }).click()
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en')
    expect((await app.mock.calls('set_language'))[0]!.args).toEqual({ language: 'en' })
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).textContent()).toContain('To sign')
    await page.getByText('Device and signing key').waitFor()
    await page.getByRole('link', { name: /To sign/ }).click()
    await page.getByRole('heading', { name: /Documents to sign/ }).waitFor()
    await page.locator('.badge.urgency-flash', { hasText: 'Flash' }).waitFor()
    await page.locator('.badge.urgency-very_urgent', { hasText: 'Very urgent' }).waitFor()
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('radio', { name: 'Tiếng Việt' }).click()
    await page.getByRole('heading', { name: 'Cài đặt' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi')
    expectClean(app)
    await app.close()
  })
})

describe('quiet hours', () => {
  it('are read from the gateway, checked, saved, and kept when the gateway is unreachable', async () => {
    const app = await openApp(browser, { hash: '#/inbox' })
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    // The first read fails: one clear error with a retry.
    await app.mock.failNext('quiet_hours', 'offline')
    await page.getByRole('link', { name: 'Cài đặt' }).click()
    const group = page.locator('section.quiet')
    await group.locator('.error-box[data-code="offline"]').waitFor()
    await group.getByRole('button', { name: 'Thử lại' }).click()
    await group.getByText('Chưa đặt giờ yên lặng: mọi thông báo đến ngay.').waitFor()
    const save = group.getByRole('button', { name: 'Lưu giờ yên lặng' })
    expect(await save.isDisabled()).toBe(true)

    // On, with the suggested 22:00–06:30: saved, and read as wrapping midnight.
    await group.getByRole('radio', { name: 'Bật' }).click()
    expect(await page.locator('#quiet-start').inputValue()).toBe('22:00')
    expect(await page.locator('#quiet-end').inputValue()).toBe('06:30')
    await save.click()
    await group.getByText('Đang đặt: 22:00 – 06:30 (hôm sau)').waitFor()
    await group.getByText('Đã lưu trên cổng ký số', { exact: false }).waitFor()
    expect((await app.mock.calls('set_quiet_hours')).map((c) => c.args)).toEqual([{ start: '22:00', end: '06:30' }])
    expect(await save.isDisabled()).toBe(true)

    // The same start and end, or no time at all: said on the screen, nothing sent.
    await page.locator('#quiet-end').fill('22:00')
    await save.click()
    await group.getByRole('alert').getByText('Giờ bắt đầu và giờ kết thúc phải khác nhau.').waitFor()
    await page.locator('#quiet-end').fill('25:00')
    await save.click()
    await group.getByRole('alert').getByText('Hãy chọn giờ bắt đầu và giờ kết thúc (giờ:phút).').waitFor()
    expect(await app.mock.calls('set_quiet_hours')).toHaveLength(1)

    // Within one day, typed on a number pad or the Vietnamese way: no "next day".
    await page.locator('#quiet-start').fill('1200')
    await page.locator('#quiet-end').fill('13h30')
    await save.click()
    expect(await page.locator('#quiet-start').inputValue()).toBe('12:00')
    await group.getByText('Đang đặt: 12:00 – 13:30', { exact: true }).waitFor()

    // Off while the gateway is unreachable: an error, the stored hours stay.
    await app.mock.setOnline(false)
    await group.getByRole('radio', { name: 'Tắt' }).click()
    expect(await page.locator('#quiet-start').count()).toBe(0)
    await save.click()
    await group.locator('.error-box[data-code="offline"]').waitFor()
    await group.getByText('Đang đặt: 12:00 – 13:30', { exact: true }).waitFor()
    await app.mock.setOnline(true)
    await save.click()
    await group.getByText('Chưa đặt giờ yên lặng: mọi thông báo đến ngay.').waitFor()
    expect((await app.mock.calls('set_quiet_hours')).map((c) => c.args)).toEqual([
      { start: '22:00', end: '06:30' },
      { start: '12:00', end: '13:30' },
      { start: null, end: null },
      { start: null, end: null }
    ])
    expectClean(app)
    await app.close()
  })

  it('English', async () => {
    const app = await openApp(browser, { hash: '#/settings', lang: 'en' })
    const { page } = app
    const group = page.locator('section.quiet')
    await group.getByRole('heading', { name: 'Quiet hours' }).waitFor()
    await group.getByRole('radio', { name: 'On' }).click()
    await group.getByRole('button', { name: 'Save quiet hours' }).click()
    await group.getByText('Set: 22:00 – 06:30 (next day)').waitFor()
    expectClean(app)
    await app.close()
  })
})

describe('layout', () => {
  it('tablet: list and document side by side', async () => {
    const app = await openApp(browser, { viewport: TABLET, hash: '#/inbox/req-budget' })
    const { page } = app
    await page.getByText('Trang 1/12').waitFor()
    await page.locator('.inbox .card').first().waitFor()
    const list = await box(page, '.list-pane')
    const doc = await box(page, '.detail-pane')
    expect(list.width).toBeGreaterThan(280)
    expect(doc.width).toBeGreaterThan(500)
    expect(list.x + list.width).toBeLessThanOrEqual(doc.x + 1)
    expect(Math.abs(list.y - doc.y)).toBeLessThan(2)
    // The navigation is a rail on the left.
    const nav = await box(page, '.nav')
    expect(nav.x).toBe(0)
    expect(nav.height).toBeGreaterThan(700)
    // Picking another document keeps the list.
    await page.locator('.card a', { hasText: 'Công điện' }).click()
    await page.getByText('Trang 1/2').waitFor()
    expect(await page.locator('.list-pane').isVisible()).toBe(true)
    expect(await page.locator('.card.active').textContent()).toContain('Công điện')
    expectClean(app)
    await app.close()
  })

  it('phone: one pane at a time, with a back button', async () => {
    const app = await openApp(browser, { viewport: PHONE })
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    expect(await page.locator('.detail-pane').isVisible()).toBe(false)
    await page.locator('.card a', { hasText: 'Công điện' }).click()
    await page.getByText('Trang 1/2').waitFor()
    expect(await page.locator('.list-pane').isVisible()).toBe(false)
    expect(await page.locator('.nav').isVisible()).toBe(false)
    await page.getByRole('button', { name: 'Quay lại' }).click()
    await page.locator('.inbox .card').first().waitFor()
    expect(await page.locator('.nav').isVisible()).toBe(true)
    expectClean(app)
    await app.close()
  })

  it('every control is at least 48 px in both directions', async () => {
    const small = (page: Page) =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('button, a[href], input, textarea, summary, [role="radio"], [role="tab"]')]
          .filter((e) => e.offsetParent !== null && !(e instanceof HTMLInputElement && e.type === 'checkbox'))
          .filter((e) => !document.querySelector('dialog[open]') || e.closest('dialog[open]'))
          .map((e) => ({ e, r: e.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && (r.width < 48 || r.height < 48))
          .map(
            ({ e, r }) =>
              `${e.tagName}.${e.className} "${(e.getAttribute('aria-label') ?? e.textContent ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`
          )
      )
    for (const viewport of [PHONE, TABLET]) {
      const app = await openApp(browser, { viewport })
      const { page } = app
      for (const hash of ['#/inbox', '#/history', '#/settings', '#/inbox/req-budget']) {
        await page.evaluate((h) => (location.hash = h), hash)
        await page.waitForTimeout(400)
        expect(await small(page), `${hash} at ${viewport.width}px`).toEqual([])
      }
      await page.getByRole('button', { name: 'Ký số' }).click()
      await page.getByRole('dialog').waitFor()
      expect(await small(page), `sign sheet at ${viewport.width}px`).toEqual([])
      await page.keyboard.press('Escape')
      await page.getByRole('button', { name: 'Trả lại' }).click()
      await page.getByRole('dialog').waitFor()
      expect(await small(page), `decline sheet at ${viewport.width}px`).toEqual([])
      expectClean(app)
      await app.close()
      const first = await openApp(browser, { viewport, scenario: 'fresh' })
      await first.page.getByRole('button', { name: 'Tiếp tục' }).waitFor()
      expect(await small(first.page), `first run at ${viewport.width}px`).toEqual([])
      await first.page.getByRole('tab', { name: 'Dán mã QR' }).click()
      expect(await small(first.page), `first run (QR) at ${viewport.width}px`).toEqual([])
      expectClean(first)
      await first.close()
    }
  })
})

describe('inbox', () => {
  it('live updates, a new document highlighted', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    expect(await page.locator('.inbox .card').count()).toBe(5)
    await app.mock.arrive()
    const card = page.locator('.inbox .card', { hasText: 'Quyết định khen thưởng' })
    await card.waitFor()
    expect(await card.locator('.badge.new').textContent()).toBe('Mới')
    await page.getByText('Văn bản mới: Quyết định khen thưởng', { exact: false }).first().waitFor()
    expect(await page.locator('.inbox .card').count()).toBe(6)
    // Most urgent first: after the flash one.
    const titles = await page.locator('.inbox .card-title').allTextContents()
    expect(titles[1]).toContain('Quyết định khen thưởng')
    expectClean(app)
    await app.close()
  })

  it('a request withdrawn while it is read can no longer be signed', async () => {
    const app = await openApp(browser, { hash: '#/inbox/req-flash' })
    const { page } = app
    await page.getByText('Trang 1/2').waitFor()
    await app.mock.changeStatus('req-flash', 'cancelled')
    await page.getByText('Văn bản vừa chuyển sang trạng thái: Đã thu hồi.').waitFor()
    expect(await page.getByRole('button', { name: 'Ký số' }).count()).toBe(0)
    expectClean(app)
    await app.close()
  })

  it('opens the document of a deep link (kyso://request/ID)', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    await app.mock.openRequest('req-digital')
    await page.getByRole('heading', { name: 'Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh' }).waitFor()
    expect(await page.evaluate(() => location.hash)).toBe('#/inbox/req-digital')
    expectClean(app)
    await app.close()
  })

  it('a notification\'s "Ký ngay" (kyso://request/ID/sign) opens the document with its sign sheet, which still asks', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    await app.mock.openRequest('req-digital', 'sign')
    await page.getByRole('heading', { name: 'Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh' }).waitFor()
    expect(await page.evaluate(() => location.hash)).toBe('#/inbox/req-digital')
    // The confirmation sheet shows what will be signed; nothing is signed yet.
    const sheet = page.getByRole('dialog', { name: 'Ký số văn bản' })
    await sheet.waitFor()
    expect((await sheet.textContent()) ?? '').toContain('Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh')
    expect(await app.mock.calls('sign')).toHaveLength(0)
    // Closed, it does not come back when the leader opens the document again.
    await sheet.getByRole('button', { name: 'Hủy' }).click()
    await sheet.waitFor({ state: 'hidden' })
    await page.evaluate(() => (location.hash = '#/inbox'))
    await page.locator('.inbox .card').first().waitFor()
    await page.evaluate(() => (location.hash = '#/inbox/req-digital'))
    await page.getByText('Trang 1/100').waitFor()
    await page.locator('.pages .page img').first().waitFor()
    expect(await page.getByRole('dialog', { name: 'Ký số văn bản' }).isVisible()).toBe(false)
    expect(await app.mock.calls('sign')).toHaveLength(0)
    expectClean(app)
    await app.close()
  })

  it('a link the app was started with opens once the app is up (app_state open_request)', async () => {
    const app = await openApp(browser, { open: 'req-budget' })
    const { page } = app
    await page.getByRole('heading', { name: 'Quyết định phê duyệt kế hoạch phân bổ vốn đầu tư công năm 2027' }).waitFor()
    expect(await page.evaluate(() => location.hash)).toBe('#/inbox/req-budget')
    expectClean(app)
    await app.close()
  })

  it('a link before the login is remembered and opened after it', async () => {
    const app = await openApp(browser, { scenario: 'login' })
    const { page } = app
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor()
    await app.mock.openRequest('req-digital')
    // Still the login: nothing to show without a session.
    await page.getByLabel('Tên đăng nhập').fill('nvan')
    expect(await page.locator('#doc-title').count()).toBe(0)
    await page.getByLabel('Mật khẩu').fill('matkhau')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    // No device yet: enrollment first, then the document.
    await page.getByRole('heading', { name: 'Tạo khóa ký cho thiết bị' }).waitFor()
    expect(await page.locator('#doc-title').count()).toBe(0)
    await page.getByRole('button', { name: 'Tạo khóa ký' }).click()
    await page.getByRole('button', { name: 'Vào danh sách văn bản' }).click()
    await page.getByRole('heading', { name: 'Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh' }).waitFor()
    expect(await page.evaluate(() => location.hash)).toBe('#/inbox/req-digital')
    expectClean(app)
    await app.close()
  })

  it('a link during a batch opens when the batch is done, not in the middle of it', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    await page.getByRole('button', { name: 'Chọn nhiều văn bản để ký' }).click()
    await page.getByRole('checkbox', { name: /Công điện/ }).check()
    await page.getByRole('button', { name: 'Ký 1 văn bản' }).click()
    await app.mock.holdSign()
    await page.getByRole('button', { name: 'Bắt đầu ký' }).click()
    await page.getByText('Chạm vào cảm biến vân tay để ký').waitFor()
    await app.mock.openRequest('req-digital')
    expect(await page.evaluate(() => location.hash)).toBe('#/batch')
    await app.mock.release()
    await page.getByText('Đã ký 1/1 văn bản.').waitFor()
    expect(await page.evaluate(() => location.hash)).toBe('#/batch')
    await page.getByRole('button', { name: 'Xong' }).click()
    await page.getByRole('heading', { name: 'Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh' }).waitFor()
    expect(await page.evaluate(() => location.hash)).toBe('#/inbox/req-digital')
    expectClean(app)
    await app.close()
  })

  it('searches without diacritics and by number/symbol', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    const search = page.getByRole('searchbox', { name: 'Tìm theo trích yếu, số ký hiệu, đơn vị' })
    await search.fill('cong dien bao')
    await page.waitForFunction(() => document.querySelectorAll('.inbox .card').length === 1)
    await search.fill('skhcn')
    await page.waitForFunction(() => document.querySelectorAll('.inbox .card').length === 1)
    expect(await page.locator('.inbox .card').textContent()).toContain('87/TTr-SKHCN')
    await search.fill('không có văn bản này')
    await page.getByText('Không tìm thấy văn bản phù hợp.').waitFor()
    expectClean(app)
    await app.close()
  })

  it('pull to refresh', async () => {
    const app = await openApp(browser, { touch: true })
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    const before = (await app.mock.calls('inbox')).length
    await page.evaluate(() => {
      const el = document.querySelector('.list-scroll')!
      const t = (y: number) => new Touch({ identifier: 1, target: el, clientX: 200, clientY: y })
      el.dispatchEvent(new TouchEvent('touchstart', { touches: [t(200)], bubbles: true }))
      for (const y of [230, 260, 290, 320]) el.dispatchEvent(new TouchEvent('touchmove', { touches: [t(y)], bubbles: true }))
      el.dispatchEvent(new TouchEvent('touchend', { touches: [], bubbles: true }))
    })
    await page.waitForFunction(
      (n) => window.__kysoMock.calls.filter((c) => c.cmd === 'inbox').length > n,
      before
    )
    expectClean(app)
    await app.close()
  })

  it('an expired session goes back to login', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    await app.mock.failNext('inbox', 'unauthorized')
    await page.getByRole('button', { name: 'Làm mới' }).click()
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor()
    expectClean(app)
    await app.close()
  })

  it('shows times in +07:00 whatever the device time zone', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    const deadline = await page.evaluate(
      async () =>
        ((await (window as any).__TAURI_INTERNALS__.invoke('request', { id: 'req-flash' })) as { deadline: string })
          .deadline
    )
    const shown = await page.locator('.inbox .card', { hasText: 'Công điện' }).locator('.deadline').textContent()
    expect(shown).toBe(`Hạn ${formatDateTime(deadline)}`)
    const utcHour = new Date(deadline).getUTCHours()
    expect(Number(shown!.slice(-5, -3))).toBe((utcHour + 7) % 24)
    expectClean(app)
    await app.close()
  })
})

describe('build', () => {
  it('has no inline script and no eval (strict CSP); the app build has no mock', () => {
    for (const dir of ['dist-e2e', 'dist'].filter((d) => existsSync(`${d}/index.html`))) {
      const html = readFileSync(`${dir}/index.html`, 'utf8')
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
      expect(scripts.length).toBeGreaterThan(0)
      for (const [, attrs, body] of scripts) {
        expect(attrs).toMatch(/\bsrc=/)
        expect(body!.trim()).toBe('')
      }
      expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i)
      for (const f of readdirSync(`${dir}/assets`).filter((f) => f.endsWith('.js'))) {
        const js = readFileSync(`${dir}/assets/${f}`, 'utf8')
        expect(js, f).not.toMatch(/\beval\(|new Function\(/)
        expect(js, f).not.toMatch(/https?:\/\/(?!ipc\.localhost|www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\/[^"'\s]*\.(?:js|css|woff2?)/i)
        if (dir === 'dist') expect(js, f).not.toMatch(/__kysoMock|shouldMockEvents/)
      }
    }
  })
})
