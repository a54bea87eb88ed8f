// Reading a document and signing it: success, cancel, offline queue, a key
// invalidated by new biometrics, a passphrase key on a desktop.

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STEPS } from '../../src/timing'
import { expectClean, launch, openApp } from './harness'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('document', () => {
  it('asks for page 1 once, at the width it is shown, with the page strip beside it or not', async () => {
    // Tablet widths: the strip is a column beside the pages, there while a
    // document opens and kept for one of several pages (req-digital: 100),
    // gone for one of a single page (req-meeting). Page 1 asked for at the
    // width before would be rendered twice where the two widths fall in
    // different 160 px buckets.
    for (const [id, strip] of [['req-digital', true], ['req-meeting', false]] as const)
      for (const width of [1024, 1100, 1180, 1280]) {
        const app = await openApp(browser, { viewport: { width, height: 768 }, hash: `#/inbox/${id}` })
        const { page } = app
        await page.locator('.pages .page[data-page="1"] img').waitFor()
        if (strip) await page.locator('.page-strip .thumb-img img').first().waitFor()
        expect(await page.locator('.page-strip').count(), `${id}: the strip`).toBe(strip ? 1 : 0)
        const shown = await page.locator('.pages .page').first().evaluate((e) => e.getBoundingClientRect().width)
        const firsts = (await app.mock.calls('render_page'))
          .map((c) => c.args as { id: string; page: number; width: number })
          .filter((a) => a.id === id && a.page === 1 && a.width !== 160)
        expect(firsts.map((a) => a.width), `${id}, viewport ${width}`).toEqual([Math.ceil(shown / 160) * 160])
        expectClean(app)
        await app.close()
      }
  })

  it('measures each step on the way to page 1, in order (what scripts/bench-app reads)', async () => {
    const app = await openApp(browser, { viewport: { width: 1024, height: 768 }, hash: '#/inbox/req-digital' })
    const handle = await app.page.waitForFunction(() => {
      const p = 'kyso:page1:req-digital'
      const all = performance.getEntriesByType('measure').filter((m) => m.name.startsWith(p))
      if (!all.some((m) => m.name === p)) return null
      return Object.fromEntries(all.map((m) => [m.name.slice(p.length + 1) || 'total', m.duration]))
    })
    const m = (await handle.jsonValue()) as Record<string, number>
    expect(Object.keys(m).sort()).toEqual([...STEPS, 'total'].sort())
    const times = [...STEPS.map((s) => m[s]!), m.total!]
    expect(times, 'each step at or after the one before').toEqual([...times].sort((a, b) => a - b))
    expectClean(app)
    await app.close()
  })

  it('lays out the first 12 buttons of the page strip until page 1 is on screen, then all', async () => {
    const app = await openApp(browser, {
      viewport: { width: 1024, height: 768 },
      hash: '#/inbox/req-digital',
      init: () => {
        const w = window as unknown as { atPage1: number[] }
        w.atPage1 = []
        new MutationObserver((ms) =>
          ms.forEach((m) =>
            m.addedNodes.forEach((n) => {
              if (n instanceof HTMLImageElement && n.closest('.pages .page[data-page="1"]'))
                w.atPage1.push(document.querySelectorAll('.page-strip .thumb').length)
            })
          )
        ).observe(document, { childList: true, subtree: true })
      }
    })
    const { page } = app
    await page.locator('.pages .page[data-page="1"] img').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('.page-strip .thumb').length === 100)
    expect(await page.evaluate(() => (window as unknown as { atPage1: number[] }).atPage1)).toEqual([12])
    await page.getByRole('button', { name: 'Đến trang 100', exact: true }).click()
    await page.getByText('Trang 100/100').waitFor()
    expectClean(app)
    await app.close()
  })

  it('renders pages lazily, zooms and jumps with the page strip', async () => {
    const app = await openApp(browser, { hash: '#/inbox/req-digital' })
    const { page } = app
    await page.getByText('Trang 1/100').waitFor()
    await page.locator('.pages .page img').first().waitFor()
    // A 100-page document: only the pages near the screen are rendered.
    await page.waitForTimeout(300)
    const mainRenders = (await app.mock.renders()).filter((r) => !r.endsWith(':160'))
    // Page 1 is rendered first, alone; the next pages follow once it is on screen.
    expect(mainRenders[0]).toMatch(/^req-digital:1:/)
    expect(mainRenders.some((r) => r.startsWith('req-digital:2:'))).toBe(true)
    expect(mainRenders.length).toBeLessThan(10)
    expect(await page.locator('.pages .page').count()).toBe(100)

    await page.getByRole('button', { name: 'Phóng to' }).click()
    await page.getByText('125%').waitFor()
    const w = await page.locator('.pages .page').first().evaluate((e) => e.getBoundingClientRect().width)
    await page.getByRole('button', { name: 'Vừa chiều rộng' }).click()
    await page.getByText('100%').waitFor()
    const w1 = await page.locator('.pages .page').first().evaluate((e) => e.getBoundingClientRect().width)
    expect(w / w1).toBeCloseTo(1.25, 1)

    await page.getByRole('button', { name: 'Đến trang 5', exact: true }).click()
    await page.getByText('Trang 5/100').waitFor()
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.pages .page[data-page="5"] img')].length === 1
    )
    // The page's top is just under the sticky toolbar.
    const gap = await page.evaluate(
      () =>
        document.querySelector('.pages .page[data-page="5"]')!.getBoundingClientRect().top -
        document.querySelector('.doc-toolbar')!.getBoundingClientRect().bottom
    )
    expect(gap).toBeGreaterThanOrEqual(0)
    expect(gap).toBeLessThan(20)
    // Zooming keeps page 5 on screen.
    await page.getByRole('button', { name: 'Phóng to' }).click()
    await page.getByText('125%').waitFor()
    await page.getByText('Trang 5/100').waitFor()
    await page.getByRole('button', { name: 'Vừa chiều rộng' }).click()
    // Metadata.
    await page.getByText('Thông tin văn bản').click()
    await page.getByText('QLVB-2026-DIGITAL').waitFor()
    expectClean(app)
    await app.close()
  })

  it('signs: confirmation, touch the sensor, progress, verified result', async () => {
    const app = await openApp(browser, { hash: '#/inbox/req-budget' })
    const { page } = app
    await page.getByText('Trang 1/12').waitFor()
    await page.getByRole('button', { name: 'Ký số' }).click()
    const sheet = page.getByRole('dialog', { name: 'Ký số văn bản' })
    await sheet.waitFor()
    const text = (await sheet.textContent()) ?? ''
    expect(text).toContain('Quyết định phê duyệt kế hoạch phân bổ vốn đầu tư công năm 2027')
    expect(text).toContain('1234/QĐ-UBND')
    expect(text).toMatch(/Số trang\s*12/)
    const sha = await page.evaluate(() => {
      const d = [...document.querySelectorAll('dialog dd.mono')][0]
      return d?.textContent ?? ''
    })
    expect(sha).toMatch(/^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}…$/)
    expect(text).toContain('StrongBox')

    await app.mock.holdSign()
    await sheet.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByText('Chạm vào cảm biến vân tay để ký').waitFor()
    expect(await page.locator('.progress li.done').count()).toBe(1)
    await app.mock.release()
    await page.getByRole('heading', { name: 'Đã ký và gửi thành công' }).waitFor()
    const result = (await page.locator('.verification').textContent()) ?? ''
    expect(result).toContain('Hợp lệ')
    expect(result).toContain('Nguyễn Văn An')
    expect(result).toContain('Kyso Device CA UBND tỉnh An Giang')
    expect(result).toContain('Toàn bộ tệp')
    expect(result).toContain('Chữ ký không có dấu thời gian')
    expect((await app.mock.calls('sign'))[0]!.args).toEqual({ id: 'req-budget', passphrase: null })

    await page.getByRole('button', { name: 'Xong' }).click()
    await page.waitForFunction(() => location.hash === '#/inbox')
    await page.locator('.inbox .card').first().waitFor()
    expect(await page.locator('.inbox .card', { hasText: '1234/QĐ-UBND' }).count()).toBe(0)
    await page.getByRole('link', { name: 'Lịch sử' }).click()
    await page.locator('.history .card', { hasText: '1234/QĐ-UBND' }).waitFor()
    expect(await page.locator('.history .card', { hasText: '1234/QĐ-UBND' }).textContent()).toContain('Đã ký')
    expectClean(app)
    await app.close()
  })

  it('a cancelled biometric prompt signs nothing and returns to the confirmation', async () => {
    const app = await openApp(browser, { hash: '#/inbox/req-flash' })
    const { page } = app
    await page.getByText('Trang 1/2').waitFor()
    await app.mock.failNext('sign', 'userCancel')
    await page.getByRole('button', { name: 'Ký số' }).click()
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByText('Bạn đã hủy xác thực. Văn bản chưa được ký.').waitFor()
    await page.getByRole('button', { name: 'Ký', exact: true }).waitFor()
    await page.getByRole('button', { name: 'Hủy' }).click()
    await page.getByRole('dialog').waitFor({ state: 'hidden' })
    expect(await page.locator('.doc .badge.status-pending').count()).toBe(1)
    expectClean(app)
    await app.close()
  })

  it('offline: the signature is queued, then uploaded when the gateway is back', async () => {
    const app = await openApp(browser, { hash: '#/inbox/req-archive' })
    const { page } = app
    await page.getByText('Trang 1/3').waitFor()
    await app.mock.setOnline(false)
    await page.getByRole('button', { name: /Ngoại tuyến/ }).waitFor()
    await page.getByRole('button', { name: 'Ký số' }).click()
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByRole('heading', { name: 'Đã ký, đang chờ gửi' }).waitFor()
    await page.getByRole('button', { name: 'Xong' }).click()
    await page.getByRole('button', { name: /Ngoại tuyến · 1 chờ gửi/ }).waitFor()
    // Still in the inbox, marked as waiting, and not signable twice.
    await page.locator('.inbox .card', { hasText: 'lưu trữ điện tử' }).getByText('Chờ gửi').waitFor()
    await page.locator('.inbox .card a', { hasText: 'lưu trữ điện tử' }).click()
    await page.getByText('Đã ký trên thiết bị, đang chờ gửi lên cổng.').waitFor()
    expect(await page.getByRole('button', { name: 'Ký số' }).count()).toBe(0)
    // The queue sheet lists it.
    await page.getByRole('button', { name: /Ngoại tuyến · 1 chờ gửi/ }).click()
    const q = page.getByRole('dialog', { name: 'Hàng đợi gửi' })
    await q.getByText('Công văn về việc tăng cường công tác văn thư, lưu trữ điện tử').waitFor()
    await q.getByRole('button', { name: 'Đóng' }).click()

    await app.mock.setOnline(true)
    await page.getByText('Đã gửi 1 văn bản đã ký lên cổng').waitFor()
    await page.waitForFunction(() => !document.querySelector('.queue-pill'))
    await page.locator('.doc .badge.status-signed').waitFor()
    expectClean(app)
    await app.close()
  })

  it('a key invalidated by new biometrics leads to enrolling again', async () => {
    const app = await openApp(browser, { hash: '#/inbox/req-meeting' })
    const { page } = app
    await page.getByText('Trang 1/1').waitFor()
    await app.mock.failNext('sign', 'keyInvalidated')
    await page.getByRole('button', { name: 'Ký số' }).click()
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByRole('heading', { name: 'Chưa ký được' }).waitFor()
    await page.locator('.error-box[data-code="keyInvalidated"]').waitFor()
    await page.getByRole('button', { name: 'Tạo lại khóa ký' }).click()
    await page.getByRole('heading', { name: 'Tạo khóa ký cho thiết bị' }).waitFor()
    expect(await app.mock.calls('remove_key')).toHaveLength(1)
    expectClean(app)
    await app.close()
  })

  it('a desktop passphrase key: a wrong passphrase asks again', async () => {
    const app = await openApp(browser, { platform: 'linux', hash: '#/inbox/req-meeting' })
    const { page } = app
    await page.getByText('Trang 1/1').waitFor()
    await page.getByRole('button', { name: 'Ký số' }).click()
    await page.getByLabel('Mật khẩu khóa ký').fill('sai')
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.locator('.error-box[data-code="wrongPassphrase"]').waitFor()
    await page.getByLabel('Mật khẩu khóa ký').fill('matkhau')
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByRole('heading', { name: 'Đã ký và gửi thành công' }).waitFor()
    expectClean(app)
    await app.close()
  })
})
