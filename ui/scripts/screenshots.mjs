#!/usr/bin/env node
// Screenshots of every screen at phone (390×844) and tablet (1024×768)
// sizes, from the dist-e2e build (the app with the simulated gateway of
// tests/mock), into docs/screenshots/ of the repository.
//
//   npm run screenshots            (builds dist-e2e first)
//   node scripts/screenshots.mjs [OUT_DIR]
//
// Uses playwright-core with Debian's /usr/bin/chromium (CHROMIUM=… to
// override).

import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { preview } from 'vite'

const ui = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const out = resolve(process.argv[2] ?? resolve(ui, '../docs/screenshots'))
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const SIZES = {
  phone: { width: 390, height: 844 },
  tablet: { width: 1024, height: 768 },
  // Large tablets in landscape: the meeting screens and the clerk's desk only.
  'tablet-large': { width: 1366, height: 1024 }
}
const ONLY_MEETINGS = new Set(['tablet-large'])

if (!existsSync(resolve(ui, 'dist-e2e/index.html'))) {
  console.error('dist-e2e is missing: run `npm run build:e2e` (or `npm run screenshots`)')
  process.exit(2)
}
mkdirSync(out, { recursive: true })

const server = await preview({ root: ui, mode: 'e2e', preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' })
const base = server.resolvedUrls.local[0]
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'] })
const problems = []
const saved = []

async function open(size, { scenario = 'ready', platform = 'android', lang = 'vi', hash = '#/inbox', dark = false } = {}) {
  const ctx = await browser.newContext({
    viewport: SIZES[size],
    deviceScaleFactor: 1,
    colorScheme: dark ? 'dark' : 'light',
    reducedMotion: 'reduce',
    timezoneId: 'Asia/Ho_Chi_Minh'
  })
  const page = await ctx.newPage()
  page.setDefaultTimeout(10_000)
  page.on('pageerror', (e) => problems.push(`${size}: ${e.message}`))
  page.on('console', (m) => m.type() === 'error' && problems.push(`${size}: ${m.text()}`))
  const q = new URLSearchParams({ scenario, platform, lang, stageDelay: '40' })
  await page.goto(`${base}?${q}${hash}`)
  return { page, ctx }
}

const mock = (page, fn, ...args) => page.evaluate(([f, a]) => window.__kysoMock[f](...a), [fn, args])

async function shot(page, name, size) {
  await page.waitForTimeout(350)
  const file = resolve(out, `${name}-${size}.png`)
  await page.screenshot({ path: file })
  saved.push(file)
}

async function docReady(page) {
  await page.locator('.doc-toolbar').waitFor()
  await page.locator('.pages .page img').first().waitFor()
}

const screens = {
  async 'first-run-gateway'(size) {
    const { page, ctx } = await open(size, { scenario: 'fresh' })
    await page.getByLabel('Địa chỉ cổng').fill('https://kyso.angiang.gov.vn')
    await page.getByLabel('Mã khóa công khai (ghim)').fill(`sha256/${'A'.repeat(43)}=`)
    await page.getByRole('button', { name: 'Tiếp tục' }).click()
    await page.locator('.error-box').waitFor()
    await shot(page, '01-first-run-gateway', size)
    await ctx.close()
  },
  async 'first-run-login'(size) {
    const { page, ctx } = await open(size, { scenario: 'login' })
    await page.getByLabel('Tên đăng nhập').fill('nvan')
    await page.getByLabel('Mật khẩu').fill('matkhau')
    await shot(page, '02-first-run-login', size)
    await ctx.close()
  },
  async 'first-run-enroll'(size) {
    const { page, ctx } = await open(size, { scenario: 'enroll' })
    await page.getByRole('button', { name: 'Tạo khóa ký' }).waitFor()
    await shot(page, '03-first-run-enroll', size)
    await page.getByRole('button', { name: 'Tạo khóa ký' }).click()
    await page.getByRole('heading', { name: 'Khóa ký đã sẵn sàng' }).waitFor()
    await shot(page, '04-first-run-enrolled', size)
    await ctx.close()
  },
  async inbox(size) {
    const { page, ctx } = await open(size)
    await page.locator('.inbox .card').first().waitFor()
    await mock(page, 'arrive')
    await page.locator('.badge.new').waitFor()
    await page.waitForTimeout(4200)
    await shot(page, '05-inbox', size)
    await page.getByRole('button', { name: 'Chọn nhiều văn bản để ký' }).click()
    await page.getByRole('checkbox', { name: /Công điện/ }).check()
    await page.getByRole('checkbox', { name: /Giấy mời/ }).check()
    await shot(page, '06-inbox-select', size)
    await ctx.close()
  },
  async document(size) {
    const { page, ctx } = await open(size, { hash: '#/inbox/req-budget' })
    await docReady(page)
    await shot(page, '07-document', size)
    await page.getByText('Thông tin văn bản').click()
    await page.getByText('Tệp đính kèm').scrollIntoViewIfNeeded()
    await shot(page, '08-document-details', size)
    await page.getByText('Thông tin văn bản').click()
    await page.getByRole('button', { name: 'Phóng to' }).click()
    await page.getByRole('button', { name: 'Phóng to' }).click()
    await page.getByRole('button', { name: 'Đến trang 3', exact: true }).click()
    await page.locator('.pages .page[data-page="3"] img').waitFor()
    await shot(page, '09-document-zoom', size)
    await ctx.close()
  },
  async sign(size) {
    const { page, ctx } = await open(size, { hash: '#/inbox/req-budget' })
    await docReady(page)
    await page.getByRole('button', { name: 'Ký số' }).click()
    await page.getByRole('dialog').waitFor()
    await shot(page, '10-sign-confirm', size)
    await mock(page, 'holdSign')
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByText('Chạm vào cảm biến vân tay để ký').waitFor()
    await shot(page, '11-sign-touch-sensor', size)
    await mock(page, 'release')
    await page.getByRole('heading', { name: 'Đã ký và gửi thành công' }).waitFor()
    await shot(page, '12-sign-result', size)
    await ctx.close()
  },
  async offline(size) {
    const { page, ctx } = await open(size, { hash: '#/inbox/req-archive' })
    await docReady(page)
    await mock(page, 'setOnline', false)
    await page.getByRole('button', { name: 'Ký số' }).click()
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByRole('heading', { name: 'Đã ký, đang chờ gửi' }).waitFor()
    await shot(page, '13-sign-queued-offline', size)
    await page.getByRole('button', { name: 'Xong' }).click()
    await page.getByRole('button', { name: /Ngoại tuyến/ }).click()
    await page.getByRole('dialog', { name: 'Hàng đợi gửi' }).waitFor()
    await shot(page, '14-offline-queue', size)
    await ctx.close()
  },
  async cancelled(size) {
    const { page, ctx } = await open(size, { hash: '#/inbox/req-flash' })
    await docReady(page)
    await mock(page, 'failNext', 'sign', 'userCancel')
    await page.getByRole('button', { name: 'Ký số' }).click()
    await page.getByRole('button', { name: 'Ký', exact: true }).click()
    await page.getByText('Bạn đã hủy xác thực.', { exact: false }).waitFor()
    await shot(page, '15-sign-cancelled', size)
    await ctx.close()
  },
  async decline(size) {
    const { page, ctx } = await open(size, { hash: '#/inbox/req-meeting' })
    await docReady(page)
    await page.getByRole('button', { name: 'Trả lại' }).click()
    await page.getByRole('button', { name: 'Sai thể thức văn bản' }).click()
    await shot(page, '16-decline', size)
    await ctx.close()
  },
  async batch(size) {
    const { page, ctx } = await open(size)
    await page.locator('.inbox .card').first().waitFor()
    await page.getByRole('button', { name: 'Chọn nhiều văn bản để ký' }).click()
    for (const t of [/Công điện/, /Quyết định phê duyệt/, /Giấy mời/]) await page.getByRole('checkbox', { name: t }).check()
    await page.getByRole('button', { name: 'Ký 3 văn bản' }).click()
    await page.getByRole('heading', { name: 'Kiểm tra 3 văn bản sẽ ký' }).waitFor()
    await shot(page, '17-batch-review', size)
    await mock(page, 'holdSign')
    await page.getByRole('button', { name: 'Bắt đầu ký' }).click()
    await page.getByText('Chạm vào cảm biến vân tay để ký').waitFor()
    await shot(page, '18-batch-signing', size)
    await mock(page, 'release')
    await page.getByText('Đã ký 3/3 văn bản.').waitFor()
    await shot(page, '19-batch-results', size)
    await ctx.close()
  },
  async history(size) {
    const { page, ctx } = await open(size, { hash: '#/history' })
    await page.locator('.history .card').first().waitFor()
    await shot(page, '20-history', size)
    await ctx.close()
  },
  async settings(size) {
    const { page, ctx } = await open(size, { hash: '#/settings' })
    await page.getByRole('heading', { name: 'Cài đặt' }).waitFor()
    await shot(page, '21-settings', size)
    await page.getByRole('button', { name: 'Xóa khóa ký' }).click()
    await page.getByRole('dialog').waitFor()
    await shot(page, '22-settings-remove-key', size)
    await ctx.close()
  },
  async english(size) {
    const { page, ctx } = await open(size, { lang: 'en', hash: '#/inbox/req-flash' })
    await docReady(page)
    await shot(page, '23-english', size)
    await ctx.close()
  },
  async dark(size) {
    const { page, ctx } = await open(size, { dark: true, hash: size === 'tablet' ? '#/inbox/req-budget' : '#/inbox' })
    await page.locator('.inbox .card').first().waitFor()
    if (size === 'tablet') await docReady(page)
    await shot(page, '24-dark', size)
    await ctx.close()
  },
  async desktop(size) {
    const { page, ctx } = await open(size, { scenario: 'enroll', platform: 'linux' })
    await page.getByRole('button', { name: 'Tạo khóa ký' }).waitFor()
    await shot(page, '25-desktop-enroll-software-key', size)
    await ctx.close()
  },
  async meetings(size) {
    const { page, ctx } = await open(size, { hash: '#/meetings' })
    await page.locator('.meeting-card').first().waitFor()
    await shot(page, '27-meetings', size)
    await ctx.close()
  },
  async 'meeting-follow'(size) {
    const { page, ctx } = await open(size, { hash: '#/meetings/m-thuongky' })
    await page.locator('.meeting-page img').waitFor()
    await mock(page, 'presenterShows', 'm-thuongky', 'md-baocao', 2, 1)
    await page.getByText('Đang theo Trần Quốc Bảo — trang 2').waitFor()
    await page.locator('.meeting-page[data-page="2"] img').waitFor()
    await shot(page, '28-meeting-follow', size)
    await ctx.close()
  },
  async 'meeting-present'(size) {
    const { page, ctx } = await open(size, { hash: '#/meetings/m-cds' })
    await page.locator('.meeting-page img').waitFor()
    await page.getByTestId('start-present').click()
    await page.getByText('Bạn đang trình bày').waitFor()
    await page.getByRole('button', { name: 'Trang sau' }).click()
    await page.locator('.meeting-page[data-page="2"] img').waitFor()
    await page.getByText('Ghi chú riêng — trang 2').click()
    await page.getByTestId('note-text').fill('Hỏi Sở KH&CN về biên chế của Trung tâm.')
    await page.getByRole('button', { name: 'Góp ý' }).click()
    await page.getByPlaceholder('Nội dung góp ý').fill('Đề nghị làm rõ nguồn kinh phí năm đầu.')
    await shot(page, '29-meeting-present', size)
    await ctx.close()
  },
  async issuance(size) {
    const { page, ctx } = await open(size, { scenario: 'clerk', platform: 'linux', hash: '#/issuance/req-budget' })
    await page.locator('.issue-desk .page img').first().waitFor()
    await page.getByLabel('Số, ký hiệu').fill('125/QĐ-UBND')
    await shot(page, '30-issuance', size)
    await ctx.close()
  },
  async issued(size) {
    const { page, ctx } = await open(size, { scenario: 'clerk', platform: 'linux', hash: '#/issuance/req-budget' })
    await page.locator('.issue-desk .page img').first().waitFor()
    await page.getByLabel('Số, ký hiệu').fill('125/QĐ-UBND')
    await page.getByTestId('issue-review').click()
    await page.getByTestId('issue-confirm').click()
    await page.getByTestId('issue-result').waitFor()
    await page.getByTestId('issue-save').click()
    await page.getByTestId('issue-saved-path').waitFor()
    await shot(page, '31-issued', size)
    await ctx.close()
  },
  async quiet(size) {
    const { page, ctx } = await open(size, { hash: '#/settings' })
    const group = page.locator('section.quiet')
    await group.getByRole('radio', { name: 'Bật' }).click()
    await group.getByRole('button', { name: 'Lưu giờ yên lặng' }).click()
    await group.getByText('Đang đặt: 22:00 – 06:30 (hôm sau)').waitFor()
    await group.evaluate((e) => e.scrollIntoView({ block: 'center' }))
    await shot(page, '26-settings-quiet-hours', size)
    await ctx.close()
  }
}

const only = process.env.SCREENS ? process.env.SCREENS.split(',') : Object.keys(screens)
try {
  for (const size of Object.keys(SIZES)) {
    for (const name of only) {
      if (ONLY_MEETINGS.has(size) && !name.startsWith('meeting') && !name.startsWith('issu')) continue
      try {
        await screens[name](size)
      } catch (e) {
        problems.push(`${name} (${size}): ${e.message.split('\n')[0]}`)
      }
    }
  }
} finally {
  await browser.close()
  await server.close()
}
for (const f of saved) console.log(f)
console.log(`${saved.length} screenshots in ${out}`)
if (problems.length) {
  console.error(problems.join('\n'))
  process.exit(1)
}
