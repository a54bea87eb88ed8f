// Declining with a reason; batch signing with one prompt per document.

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectClean, launch, openApp } from './harness'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('decline', () => {
  it('returns a document with a reason, which history shows', async () => {
    const app = await openApp(browser, { hash: '#/inbox/req-meeting' })
    const { page } = app
    await page.getByText('Trang 1/1').waitFor()
    await page.getByRole('button', { name: 'Trả lại' }).click()
    const sheet = page.getByRole('dialog', { name: 'Trả lại văn bản' })
    await sheet.waitFor()
    await sheet.getByRole('button', { name: 'Trả lại', exact: true }).click()
    await sheet.getByText('Lý do cần ít nhất 5 ký tự.').waitFor()
    expect(await app.mock.calls('decline')).toHaveLength(0)
    await sheet.getByRole('button', { name: 'Sai thể thức văn bản' }).click()
    expect(await sheet.getByLabel('Lý do trả lại').inputValue()).toBe('Sai thể thức văn bản')
    await sheet.getByLabel('Lý do trả lại').fill('Sai thể thức văn bản; đề nghị sửa phần căn cứ.')
    await sheet.getByRole('button', { name: 'Trả lại', exact: true }).click()
    await page.getByText('Đã trả lại văn bản').waitFor()
    await page.waitForFunction(() => location.hash === '#/inbox')
    expect((await app.mock.calls('decline'))[0]!.args).toEqual({
      id: 'req-meeting',
      reason: 'Sai thể thức văn bản; đề nghị sửa phần căn cứ.'
    })
    await page.locator('.inbox .card').first().waitFor()
    expect(await page.locator('.inbox .card', { hasText: 'Giấy mời họp' }).count()).toBe(0)

    await page.getByRole('link', { name: 'Lịch sử' }).click()
    await page.getByRole('radio', { name: 'Đã trả lại' }).click()
    const card = page.locator('.history .card', { hasText: 'Giấy mời họp' })
    await card.waitFor()
    expect(await card.textContent()).toContain('Lý do: Sai thể thức văn bản; đề nghị sửa phần căn cứ.')
    expect(await page.locator('.history .card').count()).toBe(2)
    await page.getByRole('radio', { name: 'Đã ký' }).click()
    await page.waitForFunction(() => document.querySelectorAll('.history .card').length === 1)
    expectClean(app)
    await app.close()
  })
})

describe('batch', () => {
  it('signs two documents, each with its own prompt, with a result for each', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    await page.getByRole('button', { name: 'Chọn nhiều văn bản để ký' }).click()
    await page.getByRole('checkbox', { name: /Công điện về việc tập trung/ }).check()
    await page.getByRole('checkbox', { name: /Giấy mời họp giao ban/ }).check()
    await page.getByText('Đã chọn 2').waitFor()
    await page.getByRole('button', { name: 'Ký 2 văn bản' }).click()

    await page.getByRole('heading', { name: 'Kiểm tra 2 văn bản sẽ ký' }).waitFor()
    await page.getByText('Mỗi văn bản được ký riêng và cần xác thực vân tay riêng cho từng lần ký.').waitFor()
    expect(await page.locator('.batch-item').count()).toBe(2)
    expect(await app.mock.calls('sign')).toHaveLength(0)

    await app.mock.holdSign()
    await page.getByRole('button', { name: 'Bắt đầu ký' }).click()
    await page.getByText('Văn bản 1/2', { exact: true }).waitFor()
    await page.getByText('Chạm vào cảm biến vân tay để ký').waitFor()
    // Waiting on the first prompt: the second has not been asked for.
    expect(await app.mock.calls('sign')).toHaveLength(1)
    await app.mock.release()
    await page.getByText('Đã ký 2/2 văn bản.').waitFor()
    const signs = await app.mock.calls('sign')
    expect(signs.map((c) => c.args.id)).toEqual(['req-flash', 'req-meeting'])
    const states = await page.locator('.batch-item .batch-state').allTextContents()
    expect(states).toEqual(['Đã ký · Hợp lệ', 'Đã ký · Hợp lệ'])
    await page.getByRole('button', { name: 'Xong' }).click()
    await page.locator('.inbox .card').first().waitFor()
    expect(await page.locator('.inbox .card').count()).toBe(3)
    expectClean(app)
    await app.close()
  })

  it('a cancelled prompt pauses the batch; the rest can be signed after', async () => {
    const app = await openApp(browser)
    const { page } = app
    await page.locator('.inbox .card').first().waitFor()
    await page.getByRole('button', { name: 'Chọn nhiều văn bản để ký' }).click()
    for (const t of [/Công điện/, /Quyết định phê duyệt/, /Tờ trình/]) await page.getByRole('checkbox', { name: t }).check()
    await page.getByRole('button', { name: 'Ký 3 văn bản' }).click()
    await page.getByRole('button', { name: 'Bắt đầu ký' }).waitFor()
    // The first signs, the second prompt is cancelled.
    await page.evaluate(() => {
      const m = window.__kysoMock
      const orig = m.failNext.bind(m)
      let n = 0
      const obs = new MutationObserver(() => {
        if (document.querySelector('.batch-item[data-state="done"]') && n++ === 0) orig('sign', 'userCancel')
      })
      obs.observe(document.body, { subtree: true, attributes: true, childList: true })
    })
    await page.getByRole('button', { name: 'Bắt đầu ký' }).click()
    await page.getByText('Đã dừng vì bạn hủy xác thực.', { exact: false }).waitFor()
    expect(await page.locator('.batch-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual([
      'done',
      'cancelled',
      'skipped'
    ])
    await page.getByRole('button', { name: 'Ký tiếp phần còn lại' }).click()
    await page.getByText('Đã ký 3/3 văn bản.').waitFor()
    expect((await app.mock.calls('sign')).map((c) => c.args.id)).toEqual([
      'req-flash',
      'req-budget',
      'req-budget',
      'req-digital'
    ])
    expectClean(app)
    await app.close()
  })
})
