// Meetings on tablets: the list, following the presenter (step away and
// return), presenting, opinions online and queued offline (sent once),
// private notes, downloading before the meeting, the conclusion signed
// with the normal flow, and the layouts at tablet and phone sizes.

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectClean, launch, openApp, PHONE, TABLET } from './harness'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const LARGE = { width: 1366, height: 1024 }

describe('meetings', () => {
  it('are listed with their time in Vietnamese and open from the navigation', async () => {
    const app = await openApp(browser, { viewport: TABLET, hash: '#/inbox' })
    const { page } = app
    await page.getByRole('link', { name: 'Cuộc họp' }).click()
    const cards = page.locator('.meeting-card')
    await cards.first().waitFor()
    expect(await cards.count()).toBe(2)
    const first = await cards.first().textContent()
    expect(first).toContain('Phiên họp UBND tỉnh thường kỳ')
    expect(first).toMatch(/Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ nhật/)
    expect(first).toContain('08:00–17:30')
    expect(first).toContain('Hôm nay')
    await cards.first().getByRole('link').click()
    await page.getByRole('heading', { name: 'Phiên họp UBND tỉnh thường kỳ tháng 12 năm 2026' }).waitFor()
    // The heading can paint before the agenda: wait for its first item.
    await page.locator('.agenda-item').first().waitFor()
    expect(await page.locator('.agenda-item').count()).toBe(3)
    expectClean(app)
    await app.close()
  })

  it('follow the presenter, step away, and return to the presenter', async () => {
    const app = await openApp(browser, { viewport: LARGE, hash: '#/meetings/m-thuongky' })
    const { page } = app
    await page.locator('.meeting-page img').waitFor()
    expect((await app.mock.calls('follow_meeting'))[0]!.args).toEqual({ meeting: 'm-thuongky' })
    const shown = () => page.locator('.meeting-page').evaluate((e) => [e.getAttribute('data-doc'), e.getAttribute('data-page')])
    await page.getByText('Chưa có ai trình bày').waitFor()

    // The chair shows page 3 of the annex: this tablet follows.
    await app.mock.presenterShows('m-thuongky', 'md-phuluc', 3, 1)
    await page.getByText('Đang theo Trần Quốc Bảo — trang 3').waitFor()
    await page.locator('.meeting-page[data-page="3"] img').waitFor()
    expect(await shown()).toEqual(['md-phuluc', '3'])
    expect(await page.getByTestId('start-present').count()).toBe(0)

    // The leader looks at another document: following stops, the bar says so.
    await page.getByRole('button', { name: /Tờ trình dự toán ngân sách/ }).click()
    await page.getByText('Bạn đang xem riêng').waitFor()
    await app.mock.presenterShows('m-thuongky', 'md-baocao', 5, 1)
    await page.waitForTimeout(300)
    expect(await shown()).toEqual(['md-dutoan', '1'])

    // Return: straight to the presenter's current page.
    await page.getByTestId('return-presenter').click()
    await page.getByText('Đang theo Trần Quốc Bảo — trang 5').waitFor()
    await page.locator('.meeting-page[data-page="5"] img').waitFor()
    expect(await shown()).toEqual(['md-baocao', '5'])

    // Leaving the meeting stops following.
    await page.getByRole('link', { name: 'Cuộc họp' }).click()
    await page.locator('.meeting-card').first().waitFor()
    await page.waitForFunction(() =>
      window.__kysoMock.calls.some((c) => c.cmd === 'follow_meeting' && c.args.meeting === null)
    )
    expectClean(app)
    await app.close()
  })

  it('are presented by the chair: each page turn goes to the gateway', async () => {
    const app = await openApp(browser, { viewport: TABLET, hash: '#/meetings/m-cds' })
    const { page } = app
    await page.locator('.meeting-page img').waitFor()
    await page.getByTestId('start-present').click()
    await page.getByText('Bạn đang trình bày').waitFor()
    await page.getByRole('button', { name: 'Trang sau' }).click()
    await page.getByRole('button', { name: 'Trang sau' }).click()
    await page.getByRole('button', { name: 'Phóng to' }).click()
    await page.waitForFunction(() => window.__kysoMock.calls.filter((c) => c.cmd === 'present').length === 4)
    const sent = (await app.mock.calls('present')).map((c) => [c.args.document, c.args.page, c.args.zoom])
    expect(sent).toEqual([
      ['md-dean', 1, 1],
      ['md-dean', 2, 1],
      ['md-dean', 3, 1],
      ['md-dean', 3, 1.25]
    ])
    // The chair lets a member present, and takes it back.
    await page.getByTestId('delegate').selectOption({ label: 'Lê Minh Cường' })
    await page.getByText('Lê Minh Cường được trình bày.').waitFor()
    await page.getByTestId('delegate').selectOption({ label: 'Chủ trì' })
    await page.getByText('Chỉ chủ trì trình bày.').waitFor()
    expect((await app.mock.calls('delegate_presenter')).map((c) => c.args.user)).toEqual(['u-giamdoc', null])
    await page.getByRole('button', { name: 'Dừng trình bày' }).click()
    await page.getByRole('button', { name: 'Trang sau' }).click()
    await page.waitForTimeout(200)
    expect((await app.mock.calls('present')).length).toBe(4)
    expectClean(app)
    await app.close()
  })

  it('take opinions: a disagree needs a reason; offline ones wait and are sent once', async () => {
    const app = await openApp(browser, { viewport: TABLET, hash: '#/meetings/m-thuongky' })
    const { page } = app
    const item = page.locator('.agenda-item').nth(1)
    await item.getByText('Đồng ý: 0', { exact: true }).waitFor()
    await item.getByRole('button', { name: 'Không đồng ý' }).click()
    const send = item.getByRole('button', { name: 'Gửi ý kiến' })
    expect(await send.isDisabled()).toBe(true)
    await item.getByPlaceholder('Lý do không đồng ý').fill('Chưa cân đối được nguồn thu.')
    await send.click()
    await item.getByText('Không đồng ý: 1', { exact: true }).waitFor()
    await item.getByTestId('my-stance').getByText('Ý kiến của bạn: Không đồng ý').waitFor()

    // Offline: kept on the device, shown as waiting; sent when back online.
    await app.mock.setOnline(false)
    await item.getByRole('button', { name: 'Đồng ý', exact: true }).click()
    await page.getByText('Chưa có mạng: ý kiến được lưu trên máy').waitFor()
    await item.getByTestId('queued-opinions').getByText('1 ý kiến chờ gửi').waitFor()
    await app.mock.setOnline(true)
    await page.getByRole('link', { name: 'Cuộc họp' }).click()
    await page.locator('.meeting-card').first().getByRole('link').click()
    const again = page.locator('.agenda-item').nth(1)
    await again.getByText('Đồng ý: 1', { exact: true }).waitFor()
    expect(await again.getByTestId('queued-opinions').count()).toBe(0)
    await again.getByText('Không đồng ý: 0', { exact: true }).waitFor()
    const calls = await app.mock.calls('give_opinion')
    expect(calls.map((c) => c.args.kind)).toEqual(['disagree', 'agree'])
    expectClean(app)
    await app.close()
  })

  it('keep private notes per page and export them; download everything before the meeting', async () => {
    const app = await openApp(browser, { viewport: TABLET, hash: '#/meetings/m-thuongky' })
    const { page } = app
    await page.locator('.meeting-page img').waitFor()
    await page.getByText('Ghi chú riêng — trang 1').click()
    const note = page.getByTestId('note-text')
    await note.fill('Hỏi lại số liệu giải ngân.')
    await page.getByRole('button', { name: 'Lưu ghi chú' }).click()
    await page.getByText('Đã lưu ghi chú.').waitFor()
    await page.getByRole('button', { name: 'Trang sau' }).click()
    await page.getByText('Ghi chú riêng — trang 2').waitFor()
    expect(await note.inputValue()).toBe('')
    await page.getByRole('button', { name: 'Trang trước' }).click()
    await page.getByText('Ghi chú riêng — trang 1').waitFor()
    expect(await note.inputValue()).toBe('Hỏi lại số liệu giải ngân.')
    expect((await app.mock.calls('save_note'))[0]!.args).toEqual({
      meeting: 'm-thuongky',
      document: 'md-baocao',
      page: 1,
      text: 'Hỏi lại số liệu giải ngân.'
    })
    await page.getByRole('button', { name: 'Xuất ghi chú' }).click()
    await page.getByText(/Đã xuất ghi chú: .*kyso-ghi-chu-m-thuongky\.txt/).waitFor()

    const dl = page.getByTestId('download-all')
    await dl.click()
    await page.getByText('Đã tải đủ tài liệu').waitFor()
    expect(await dl.isDisabled()).toBe(true)
    expect(await page.locator('.on-device').count()).toBe(4)
    expectClean(app)
    await app.close()
  })

  it('let the chair sign the conclusion with the normal sign flow', async () => {
    const app = await openApp(browser, { viewport: TABLET, hash: '#/meetings/m-cds' })
    const { page } = app
    await page.getByTestId('sign-conclusion').click()
    await page.locator('#doc-title', { hasText: 'Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh' }).waitFor()
    // The sign sheet opens by itself, as for a notification's "Ký ngay".
    await page.getByRole('dialog').getByText('Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh').waitFor()
    expect(await page.evaluate(() => location.hash)).toBe('#/inbox/req-digital')
    expectClean(app)
    await app.close()
  })

  it('show the document first on phones, the agenda beside it on tablets', async () => {
    for (const [viewport, beside] of [
      [PHONE, false],
      [TABLET, true],
      [LARGE, true]
    ] as const) {
      const app = await openApp(browser, { viewport, hash: '#/meetings/m-thuongky' })
      const { page } = app
      await page.locator('.meeting-page img').waitFor()
      const agenda = await page.locator('.agenda').evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect)
      const docBox = await page.locator('.meeting-doc').evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect)
      if (beside) {
        expect(agenda.right).toBeLessThanOrEqual(docBox.left + 1)
        expect(Math.abs(agenda.top - docBox.top)).toBeLessThan(40)
      } else {
        expect(docBox.bottom).toBeLessThanOrEqual(agenda.top + 1)
      }
      expectClean(app)
      await app.close()
    }
  })
})
