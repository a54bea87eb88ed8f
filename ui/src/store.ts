// App state as signals, and the actions that talk to Rust through ipc.ts.

import { computed, signal } from '@preact/signals'
import * as ipc from './ipc'
import type { AppState, DeviceInfo, KysoError, OpenRequest, QueueStatus, SigningRequest } from './ipc'
import { toKysoError } from './ipc'
import { errorAction } from './errors'
import { setLang, t, type Key } from './i18n'
import { byPriority } from './search'
import { routeChanged } from './timing'

// --- routing (hash based, so the Android back button works) --------------

export type Route =
  | { name: 'inbox'; id?: string }
  | { name: 'history'; id?: string }
  | { name: 'batch' }
  | { name: 'settings' }
  | { name: 'meetings'; id?: string }
  | { name: 'issuance'; id?: string }

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  switch (parts[0]) {
    case 'history':
      return parts[1] ? { name: 'history', id: parts[1] } : { name: 'history' }
    case 'batch':
      return { name: 'batch' }
    case 'settings':
      return { name: 'settings' }
    case 'meetings':
      return parts[1] ? { name: 'meetings', id: parts[1] } : { name: 'meetings' }
    case 'issuance':
      return parts[1] ? { name: 'issuance', id: parts[1] } : { name: 'issuance' }
    case 'inbox':
    case 'request':
      return parts[1] ? { name: 'inbox', id: parts[1] } : { name: 'inbox' }
    default:
      return { name: 'inbox' }
  }
}

export function routeHash(r: Route): string {
  switch (r.name) {
    case 'inbox':
    case 'history':
    case 'meetings':
    case 'issuance':
      return r.id ? `#/${r.name}/${encodeURIComponent(r.id)}` : `#/${r.name}`
    default:
      return `#/${r.name}`
  }
}

export const route = signal<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash))
// Opening a request starts the clock of its page 1 (timing.ts).
route.subscribe(routeChanged)

export function navigate(r: Route, replace = false) {
  const h = routeHash(r)
  if (location.hash !== h) {
    if (replace) history.replaceState(null, '', h)
    else location.hash = h
  }
  route.value = r
}

// --- state -----------------------------------------------------------------

export const app = signal<AppState | null>(null)
export const bootError = signal<KysoError | null>(null)

const EMPTY_QUEUE: QueueStatus = { online: true, uploading: false, items: [], last_error: null }
export const queue = signal<QueueStatus>(EMPTY_QUEUE)

export const inbox = signal<SigningRequest[]>([])
export const inboxFetchedAt = signal<string | null>(null)
export const inboxFromCache = signal(false)
export const inboxLoading = signal(false)
export const inboxError = signal<KysoError | null>(null)
export const inboxLoaded = signal(false)
/** Requests that arrived live, highlighted for a while. */
export const fresh = signal<ReadonlySet<string>>(new Set())

export const historyList = signal<SigningRequest[] | null>(null)
export const historyError = signal<KysoError | null>(null)

/** Requests picked for a batch. */
export const selection = signal<ReadonlySet<string>>(new Set())
export const selecting = signal(false)

/** One line said to screen readers and shown as a toast. */
export const toast = signal<{ text: string; kind: 'info' | 'ok' | 'warn'; id: number } | null>(null)
let toastTimer: ReturnType<typeof setTimeout> | undefined
export function say(text: string, kind: 'info' | 'ok' | 'warn' = 'info') {
  toast.value = { text, kind, id: Date.now() }
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => (toast.value = null), 4000)
}

/** Which first-run step is due, or null when the app is ready. */
export const setupStep = computed<'server' | 'login' | 'enroll' | null>(() => {
  const s = app.value
  if (!s) return null
  if (!s.server) return 'server'
  if (!s.user) return 'login'
  // A clerk enrolls no key: the agency seal's key is the gateway's.
  if (!s.device && s.user.role !== 'clerk') return 'enroll'
  return null
})

/** The user is a clerk (văn thư): the issuance desk instead of an inbox. */
export const isClerk = computed(() => app.value?.user?.role === 'clerk')

/** A batch is signing: leaving the screen is not offered. */
export const batchRunning = signal(false)

/** The device just enrolled: first run shows its key until the leader goes on. */
export const justEnrolled = signal<DeviceInfo | null>(null)

export const sortedInbox = computed(() => [...inbox.value].sort(byPriority))

export function findRequest(id: string): SigningRequest | undefined {
  return inbox.value.find((r) => r.id === id) ?? historyList.value?.find((r) => r.id === id)
}

function patch(p: Partial<AppState>) {
  if (app.value) app.value = { ...app.value, ...p }
}

/** Reacts to errors that change where the app is (session gone, key gone);
 * answers whether it did. */
export function handleGlobalError(e: KysoError): boolean {
  switch (errorAction(e.code)) {
    case 'login':
      patch({ user: null })
      return true
    case 'enroll':
      patch({ device: null })
      return true
    case 'configure':
      if (e.code === 'notConfigured') {
        patch({ server: null })
        return true
      }
      return false
    default:
      return false
  }
}

// --- actions ---------------------------------------------------------------

export async function boot() {
  try {
    const s = await ipc.appState()
    setLang(s.language)
    app.value = s
    queue.value = s.queue
    if (s.open_request) openRequest(s.open_request.id, s.open_request.action)
  } catch (e) {
    bootError.value = toKysoError(e)
  }
}

// --- open-request (a notification's click, kyso://request/ID) ---------------

/** A request to show once the app can: after the login (and enrollment),
 * and not in the middle of a batch. */
export const pendingOpen = signal<OpenRequest | null>(null)

/** The request whose sign sheet opens as soon as its document is shown and
 * it is still pending (a notification's "Ký ngay"); the document view takes
 * it. */
export const signWhenShown = signal<string | null>(null)

/** Shows request `id` (the `open-request` event, or `app_state`'s
 * `open_request`): its document now when the app is ready, else once it is
 * ({@link enterApp}, the end of a batch); with `sign`, also its sign sheet.
 * The Rust side has checked the id. */
export function openRequest(id: string, action: OpenRequest['action'] = 'view') {
  if (typeof id !== 'string' || id === '') return
  pendingOpen.value = { id, action: action === 'sign' ? 'sign' : 'view' }
  showPending()
}

/** Opens the waiting request if the app is ready for it. */
export function showPending() {
  const open = pendingOpen.value
  if (!open || !app.value || setupStep.value || justEnrolled.value || batchRunning.value) return
  pendingOpen.value = null
  signWhenShown.value = open.action === 'sign' ? open.id : null
  navigate({ name: 'inbox', id: open.id })
}

/** Leaves the first run (or a finished batch) for the inbox, or for the
 * request a link asked for meanwhile. */
export function enterApp() {
  navigate({ name: 'inbox' }, true)
  showPending()
}

export async function refreshInbox() {
  if (inboxLoading.value) return
  inboxLoading.value = true
  inboxError.value = null
  try {
    const r = await ipc.inbox()
    inbox.value = r.requests
    inboxFetchedAt.value = r.fetched_at
    inboxFromCache.value = r.from_cache
    inboxLoaded.value = true
  } catch (e) {
    const err = toKysoError(e)
    if (!handleGlobalError(err)) inboxError.value = err
  } finally {
    inboxLoading.value = false
  }
}

export async function refreshHistory() {
  historyError.value = null
  try {
    historyList.value = await ipc.history()
  } catch (e) {
    const err = toKysoError(e)
    if (!handleGlobalError(err)) historyError.value = err
  }
}

/** A request left the inbox (signed, declined, cancelled…). */
export function settled(r: SigningRequest) {
  inbox.value = inbox.value.filter((x) => x.id !== r.id)
  if (historyList.value && (r.status === 'signed' || r.status === 'declined' || r.status === 'issued')) {
    historyList.value = [r, ...historyList.value.filter((x) => x.id !== r.id)]
  }
  if (selection.value.has(r.id)) {
    const s = new Set(selection.value)
    s.delete(r.id)
    selection.value = s
  }
}

/** Upserts a request we learned about (live event, reload). */
export function upsert(r: SigningRequest) {
  if (r.status === 'pending') {
    const i = inbox.value.findIndex((x) => x.id === r.id)
    inbox.value = i < 0 ? [r, ...inbox.value] : inbox.value.map((x) => (x.id === r.id ? r : x))
  } else {
    settled(r)
  }
  if (historyList.value) {
    historyList.value = historyList.value.map((x) => (x.id === r.id ? r : x))
  }
}

/** A request as last seen, with its live state: the open document shows a
 * banner when it stops being pending while read. */
export const changed = signal<Record<string, SigningRequest>>({})

export async function onRequestChanged(ev: ipc.RequestEvent) {
  try {
    const r = await ipc.request(ev.request_id)
    const known = inbox.value.some((x) => x.id === r.id)
    upsert(r)
    changed.value = { ...changed.value, [r.id]: r }
    if (r.status === 'pending' && !known) {
      fresh.value = new Set([...fresh.value, r.id])
      setTimeout(() => {
        const s = new Set(fresh.value)
        s.delete(r.id)
        fresh.value = s
      }, 8000)
      say(t('inbox.newArrived', { title: r.title }))
    }
  } catch (e) {
    const err = toKysoError(e)
    if (err.code === 'not_found') {
      inbox.value = inbox.value.filter((x) => x.id !== ev.request_id)
    } else {
      handleGlobalError(err)
    }
  }
}

export function onQueueChanged(q: QueueStatus) {
  const before = new Set(queue.value.items.map((i) => i.request_id))
  const after = new Set(q.items.map((i) => i.request_id))
  const uploaded = [...before].filter((id) => !after.has(id))
  queue.value = q
  patch({ queue: q })
  if (uploaded.length > 0) {
    say(t('queue.uploaded', { n: uploaded.length }), 'ok')
    historyList.value = null
  }
}

export async function changeLanguage(l: 'vi' | 'en') {
  setLang(l)
  patch({ language: l })
  try {
    await ipc.setLanguage(l)
  } catch {
    // The UI has switched; the Rust side's texts follow at the next start.
  }
}

export async function signOut() {
  await ipc.logout()
  inbox.value = []
  inboxLoaded.value = false
  historyList.value = null
  selection.value = new Set()
  patch({ user: null })
  navigate({ name: 'inbox' }, true)
}

export async function removeDeviceKey() {
  await ipc.removeKey()
  patch({ device: null })
  navigate({ name: 'inbox' }, true)
}

export function setApp(p: Partial<AppState>) {
  patch(p)
}

export function errorText(e: KysoError): string {
  return t(`err.${e.code}` as Key)
}
