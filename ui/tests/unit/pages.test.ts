// @vitest-environment happy-dom
// The page render queue (pages.ts): at most two renders at a time; a
// document's page 1 goes ahead of everything queued (the pages of a
// document just left included), pages before thumbnails; identical
// requests are shared.

import { beforeEach, describe, expect, it, vi } from 'vitest'

const started: string[] = []
const finish = new Map<string, () => void>()
vi.mock('../../src/ipc', () => ({
  renderPage: (id: string, page: number, width: number) => {
    const key = `${id}:${page}:${width}`
    started.push(key)
    return new Promise<Blob>((resolve) => finish.set(key, () => resolve(new Blob([key]))))
  }
}))
const { pageUrl } = await import('../../src/pages')

const tick = () => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  started.length = 0
  finish.clear()
})

describe('page renders', () => {
  it('put a page 1 ahead of queued pages and thumbnails', async () => {
    const all = [
      pageUrl('a', 1, 640, 'first'),
      pageUrl('a', 2, 640, 'page'),
      pageUrl('a', 3, 640, 'page'),
      pageUrl('a', 4, 640, 'page'),
      pageUrl('a', 1, 160, 'low'),
      // The leader opens another document meanwhile.
      pageUrl('b', 1, 640, 'first')
    ]
    await tick()
    expect(started).toEqual(['a:1:640', 'a:2:640'])
    finish.get('a:1:640')!()
    await tick()
    expect(started.at(-1)).toBe('b:1:640')
    for (const key of ['a:2:640', 'b:1:640', 'a:3:640', 'a:4:640']) {
      finish.get(key)!()
      await tick()
    }
    expect(started).toEqual(['a:1:640', 'a:2:640', 'b:1:640', 'a:3:640', 'a:4:640', 'a:1:160'])
    finish.get('a:1:160')!()
    const urls = await Promise.all(all)
    expect(new Set(urls).size).toBe(6)
  })

  it('share identical requests and keep what was rendered', async () => {
    const one = pageUrl('c', 1, 600, 'first')
    const two = pageUrl('c', 1, 640, 'page')
    await tick()
    expect(started).toEqual(['c:1:640'])
    finish.get('c:1:640')!()
    expect(await one).toBe(await two)
    expect(await pageUrl('c', 1, 630)).toBe(await one)
    expect(started).toEqual(['c:1:640'])
  })
})
