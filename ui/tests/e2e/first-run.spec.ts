// First run → login → enroll, with the errors on the way.

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectClean, launch, openApp } from './harness'

const GOOD_PIN = 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='
const BAD_PIN = `sha256/${'A'.repeat(43)}=`

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('first run', () => {
  it('configures the gateway, logs in and enrolls a StrongBox key', async () => {
    const app = await openApp(browser, { scenario: 'fresh' })
    const { page } = app
    await page.getByRole('heading', { name: 'Kết nối cổng ký số' }).waitFor()

    // Plain http to a remote host is refused before anything is sent.
    await page.getByLabel('Địa chỉ cổng').fill('http://kyso.angiang.gov.vn')
    await page.getByLabel('Mã khóa công khai (ghim)').fill(GOOD_PIN)
    await page.getByRole('button', { name: 'Tiếp tục' }).click()
    await page.getByText('Cổng phải dùng https://').waitFor()
    expect(await app.mock.calls('configure_server')).toHaveLength(0)

    // A pin that does not match: the code decides the message.
    await page.getByLabel('Địa chỉ cổng').fill('https://kyso.angiang.gov.vn')
    await page.getByLabel('Mã khóa công khai (ghim)').fill(BAD_PIN)
    await page.getByRole('button', { name: 'Tiếp tục' }).click()
    await page.locator('.error-box[data-code="pinMismatch"]').waitFor()

    // 64 hex digits are accepted and sent as sha256/<base64>.
    const hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    await page.getByLabel('Mã khóa công khai (ghim)').fill(hex)
    await page.getByRole('button', { name: 'Tiếp tục' }).click()
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor()
    const cfg = await app.mock.calls('configure_server')
    expect(cfg.at(-1)!.args).toEqual({
      url: 'https://kyso.angiang.gov.vn',
      pin: 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='
    })

    // Wrong password → unauthorized, then the right one.
    await page.getByLabel('Tên đăng nhập').fill('nvan')
    await page.getByLabel('Mật khẩu').fill('sai-mat-khau')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.locator('.error-box[data-code="unauthorized"]').waitFor()
    await page.getByLabel('Mật khẩu').fill('matkhau')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()

    // Enrollment shows the level the key will get, then the level it got.
    await page.getByRole('heading', { name: 'Tạo khóa ký cho thiết bị' }).waitFor()
    await page.getByText('Xin chào Nguyễn Văn An').waitFor()
    expect(await page.getByLabel('Mật khẩu bảo vệ khóa').count()).toBe(0)
    await page.getByRole('button', { name: 'Tạo khóa ký' }).click()
    await page.getByRole('heading', { name: 'Khóa ký đã sẵn sàng' }).waitFor()
    expect(await page.locator('.enroll-done .badge.level').textContent()).toContain('StrongBox')
    expect(await page.locator('.enroll-done').textContent()).toContain('dev-7f3a9c2e')
    expect((await app.mock.calls('enroll'))[0]!.args).toEqual({ passphrase: null })

    await page.getByRole('button', { name: 'Vào danh sách văn bản' }).click()
    await page.locator('.inbox .card').first().waitFor()
    expect(await page.locator('.inbox .card').count()).toBe(5)
    expectClean(app)
    await app.close()
  })

  it('reads the gateway from pasted QR text', async () => {
    const app = await openApp(browser, { scenario: 'fresh' })
    const { page } = app
    await page.getByRole('tab', { name: 'Dán mã QR' }).click()
    await page.getByLabel('Nội dung mã QR').fill('không phải mã QR')
    await page.getByRole('button', { name: 'Tiếp tục' }).click()
    await page.getByText('Không đọc được nội dung mã QR này.').waitFor()
    // A `+` left unescaped in the query reads as a space: restored.
    await page
      .getByLabel('Nội dung mã QR')
      .fill('kyso://setup?server=https%3A%2F%2Fkyso.angiang.gov.vn&pin=sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')
    await page.getByRole('button', { name: 'Tiếp tục' }).click()
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor()
    expect((await app.mock.calls('configure_server'))[0]!.args).toEqual({ url: 'https://kyso.angiang.gov.vn', pin: GOOD_PIN })
    expectClean(app)
    await app.close()
  })

  it('on a desktop, enrolls a software key kept under a passphrase', async () => {
    const app = await openApp(browser, { scenario: 'enroll', platform: 'linux' })
    const { page } = app
    await page.getByRole('heading', { name: 'Tạo khóa ký cho thiết bị' }).waitFor()
    expect(await page.locator('.level-line .badge').textContent()).toContain('Khóa phần mềm')
    await page.getByLabel('Mật khẩu bảo vệ khóa (không bắt buộc)').fill('ngan')
    await page.getByRole('button', { name: 'Tạo khóa ký' }).click()
    await page.getByText('Mật khẩu cần ít nhất 8 ký tự.').waitFor()
    await page.getByLabel('Mật khẩu bảo vệ khóa (không bắt buộc)').fill('matkhau-dai')
    await page.getByLabel('Nhập lại mật khẩu').fill('matkhau-dai')
    await page.getByRole('button', { name: 'Tạo khóa ký' }).click()
    await page.getByRole('heading', { name: 'Khóa ký đã sẵn sàng' }).waitFor()
    await page.getByText('Khóa phần mềm chỉ dành cho máy tính văn phòng và kiểm thử.').waitFor()
    expect((await app.mock.calls('enroll'))[0]!.args).toEqual({ passphrase: '***' })
    expectClean(app)
    await app.close()
  })
})
