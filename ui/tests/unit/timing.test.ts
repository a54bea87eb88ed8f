// @vitest-environment happy-dom
// The page-1 clock (timing.ts) that scripts/bench-app reads: it starts when
// a route names a request, stops once at that request's page 1, ignores
// other pages and other requests, and restarts for the next request.

import { afterEach, describe, expect, it } from 'vitest'
import { pageLoaded, routeChanged, step } from '../../src/timing'

const img = () => ({ decode: () => Promise.resolve() }) as unknown as HTMLImageElement
const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
const measured = () =>
  performance
    .getEntriesByType('measure')
    .filter((m) => m.name.startsWith('kyso:page1:'))
    .map((m) => m.name.slice('kyso:page1:'.length))
    .filter((n) => !n.includes(':'))
const steps = (id: string) =>
  performance
    .getEntriesByType('measure')
    .filter((m) => m.name.startsWith(`kyso:page1:${id}:`))
    .map((m) => m.name.slice(`kyso:page1:${id}:`.length))

afterEach(() => {
  routeChanged({ name: 'inbox' })
  performance.clearMeasures()
  performance.clearMarks()
})

describe('the page-1 clock', () => {
  it('measures from the route to page 1 once', async () => {
    routeChanged({ name: 'inbox', id: 'a' })
    pageLoaded('a', 2, img())
    await frame()
    expect(measured()).toEqual([])
    pageLoaded('a', 1, img())
    await frame()
    expect(measured()).toEqual(['a'])
    const m = performance.getEntriesByName('kyso:page1:a', 'measure')[0]!
    expect(m.duration).toBeGreaterThanOrEqual(0)
    // Zooming renders page 1 again: not a second open.
    pageLoaded('a', 1, img())
    await frame()
    expect(measured()).toEqual(['a'])
  })

  it('does not measure a request that is not the one opened', async () => {
    routeChanged({ name: 'inbox', id: 'a' })
    routeChanged({ name: 'history', id: 'b' })
    pageLoaded('a', 1, img())
    await frame()
    expect(measured()).toEqual([])
    pageLoaded('b', 1, img())
    await frame()
    expect(measured()).toEqual(['b'])
  })

  it('keeps the clock through a route to the same request, and restarts it after another', async () => {
    routeChanged({ name: 'inbox', id: 'a' })
    const start = performance.getEntriesByName('kyso:open:a', 'mark')[0]!.startTime
    await frame()
    routeChanged({ name: 'inbox', id: 'a' })
    expect(performance.getEntriesByName('kyso:open:a', 'mark')[0]!.startTime).toBe(start)
    routeChanged({ name: 'settings' })
    expect(performance.getEntriesByName('kyso:open:a', 'mark')).toEqual([])
    routeChanged({ name: 'inbox', id: 'a' })
    pageLoaded('a', 1, img())
    await frame()
    expect(measured()).toEqual(['a'])
  })

  it('measures when the image cannot be decoded ahead (it is shown anyway)', async () => {
    routeChanged({ name: 'inbox', id: 'c' })
    pageLoaded('c', 1, { decode: () => Promise.reject(new Error('x')) } as unknown as HTMLImageElement)
    await frame()
    expect(measured()).toEqual(['c'])
  })

  it('measures the steps that happened, once each, only for the clock that runs', async () => {
    routeChanged({ name: 'inbox', id: 'a' })
    step('a', 'described')
    step('b', 'asked')
    step('a', 'received')
    step('a', 'described')
    pageLoaded('a', 1, img())
    await frame()
    expect(steps('a')).toEqual(['described', 'received', 'loaded', 'decoded'])
    expect(steps('b')).toEqual([])
    const [d, r, l] = ['described', 'received', 'loaded'].map(
      (s) => performance.getEntriesByName(`kyso:page1:a:${s}`, 'measure')[0]!.duration
    )
    expect(d).toBeLessThanOrEqual(r!)
    expect(r).toBeLessThanOrEqual(l!)
    expect(l).toBeLessThanOrEqual(performance.getEntriesByName('kyso:page1:a', 'measure')[0]!.duration)
    // No marks are left behind.
    expect(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('kyso:'))).toEqual([])
  })
})
