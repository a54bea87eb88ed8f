// The clerk's issuance desk (desktop): a clerk logs in and goes straight to
// the documents waiting (no key to enroll), reads the signed PDF, is told
// about a missing number and an impossible date before anything is sent,
// confirms, gets the issued result with the verification, saves the PDF,
// makes an electronic copy (sao lục);
// the layout at tablet sizes.

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectClean, launch, openApp, TABLET } from './harness'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const LARGE = { width: 1366, height: 1024 }

describe('issuance', () => {
  it('a clerk logs in to the issuance desk, with no key to enroll', async () => {
    const app = await openApp(browser, { scenario: 'login', platform: 'linux', viewport: TABLET })
    const { page } = app
    await page.getByLabel('Tên đăng nhập').fill('vanthu')
    await page.getByLabel('Mật khẩu').fill('matkhau')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.getByRole('heading', { name: /Chờ ban hành/ }).waitFor()
    await page.locator('[data-testid="issuance-card"]').first().waitFor()
    expect(await page.locator('[data-testid="issuance-card"]').count()).toBe(3)
    expect(await app.mock.calls('enroll')).toHaveLength(0)
    expect(await app.mock.calls('inbox')).toHaveLength(0)
    // Two tabs: issuance and settings; the leader's tabs are not offered.
    const tabs = await page.locator('nav.nav a').allTextContents()
    expect(tabs.map((x) => x.trim())).toEqual(['Ban hành', 'Cài đặt'])
    // A leader's route sends a clerk back to the desk.
    await page.evaluate(() => (location.hash = '#/meetings'))
    await page.waitForFunction(() => location.hash === '#/issuance')
    expectClean(app)
    await app.close()
  })

  it('checks the number and date, confirms, issues and saves the PDF', async () => {
    const app = await openApp(browser, { scenario: 'clerk', platform: 'linux', viewport: LARGE, hash: '#/issuance' })
    const { page } = app
    const card = page.locator('[data-testid="issuance-card"]').first()
    const id = await card.getAttribute('data-request-id')
    await card.getByRole('link').click()
    await page.locator('.issue-desk .page img').first().waitFor()
    expect(await page.locator('[data-testid="issue-signed-sha"]').textContent()).toMatch(/SHA-256: [0-9a-f]{4} /)
    const date = page.getByLabel('Ngày ban hành')
    expect(await date.inputValue()).toMatch(/^\d{2}\/\d{2}\/\d{4}$/)

    // Nothing is sent while the number is missing or the date impossible.
    await page.getByTestId('issue-review').click()
    await page.getByText('Nhập số, ký hiệu của văn bản.').waitFor()
    await page.getByLabel('Số, ký hiệu').fill('125/QĐ-UBND')
    await date.fill('30/02/2026')
    await page.getByTestId('issue-review').click()
    await page.getByText('Ngày không hợp lệ').waitFor()
    expect(await app.mock.calls('issue')).toHaveLength(0)

    // The confirmation shows what will happen; cancelling sends nothing.
    await date.fill('5/3/2026')
    await page.getByTestId('issue-review').click()
    await page.getByRole('heading', { name: 'Ban hành văn bản này?' }).waitFor()
    expect(await page.getByTestId('confirm-number').textContent()).toBe('125/QĐ-UBND')
    await page.getByRole('button', { name: 'Hủy' }).click()
    expect(await app.mock.calls('issue')).toHaveLength(0)

    // A refusal from the gateway is shown in the sheet, and nothing is lost.
    await page.getByTestId('issue-review').click()
    await app.mock.failNext('issue', 'offline')
    await page.getByTestId('issue-confirm').click()
    await page.locator('.sheet .error-box[data-code="offline"]').waitFor()
    await page.getByTestId('issue-confirm').click()
    await page.getByTestId('issue-result').waitFor()
    const calls = await app.mock.calls('issue')
    expect(calls.at(-1)!.args).toEqual({ id, number: '125/QĐ-UBND', date: '2026-03-05' })
    const result = await page.getByTestId('issue-result').textContent()
    expect(result).toContain('Đã ban hành: số 125/QĐ-UBND, ngày 05/03/2026.')
    expect(await page.getByTestId('issue-signatures').textContent()).toContain('2 chữ ký')
    expect(await page.getByTestId('verification').getAttribute('data-indication')).toBe('TOTAL_PASSED')
    expect(await page.getByTestId('verification').textContent()).toContain('Đến chữ ký này; phần thêm sau đã được kiểm tra')
    // It left the list.
    expect(await page.locator('[data-testid="issuance-card"]').count()).toBe(2)

    await page.getByTestId('issue-save').click()
    expect(await page.getByTestId('issue-saved-path').textContent()).toContain('125-QĐ-UBND.pdf')

    // An electronic copy (sao y) under its own number; a number is needed.
    const copies = page.getByTestId('copies')
    await copies.getByTestId('copy-make').click()
    await copies.getByText('Nhập số, ký hiệu của bản sao.').waitFor()
    expect(await app.mock.calls('make_copy')).toHaveLength(0)
    await copies.getByRole('radio', { name: 'Sao lục' }).click()
    await copies.getByLabel('Số, ký hiệu bản sao').fill('07/SL-VP')
    await copies.getByTestId('copy-make').click()
    await copies.locator('[data-testid="copies-made"] li').waitFor()
    expect((await app.mock.calls('make_copy')).at(-1)!.args).toEqual({ id, kind: 'sao_luc', number: '07/SL-VP' })
    const made = await copies.locator('[data-testid="copies-made"] li').textContent()
    expect(made).toContain('Sao lục 07/SL-VP · hợp lệ, đã lưu tại')
    expect(made).toContain('07-SL-VP.pdf')
    expectClean(app)
    await app.close()
  })

  it('shows the list beside the document on tablets, in English too', async () => {
    const app = await openApp(browser, { scenario: 'clerk', platform: 'linux', viewport: TABLET, lang: 'en', hash: '#/issuance' })
    const { page } = app
    await page.locator('[data-testid="issuance-card"]').first().getByRole('link').click()
    await page.locator('.issue-desk .page img').first().waitFor()
    const list = await page.locator('.list-pane').boundingBox()
    const detail = await page.locator('.detail-pane').boundingBox()
    expect(list && detail && list.x + list.width <= detail.x + 1).toBe(true)
    await page.getByRole('button', { name: 'Seal and issue' }).waitFor()
    expectClean(app)
    await app.close()
  })
})
