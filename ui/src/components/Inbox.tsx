// The inbox: pending requests, most urgent first, with search, pull to
// refresh, live updates and selection for a batch.

import { useEffect, useRef, useState } from 'preact/hooks'
import type { SigningRequest } from '../ipc'
import { lang, t } from '../i18n'
import { deadlineState, formatDateTime, formatTime } from '../format'
import { matches } from '../search'
import {
  fresh,
  inboxError,
  inboxFetchedAt,
  inboxFromCache,
  inboxLoaded,
  inboxLoading,
  navigate,
  queue,
  refreshInbox,
  route,
  selecting,
  selection,
  sortedInbox
} from '../store'
import { ErrorBox, Spinner, StatusBadge, UrgencyBadge } from './common'
import { Icon } from './icons'

export function RequestCard(props: {
  r: SigningRequest
  href: string
  active?: boolean
  showStatus?: boolean
  selectable?: boolean
  selected?: boolean
  onToggle?: () => void
  isFresh?: boolean
  queued?: boolean
}) {
  const { r } = props
  const dl = deadlineState(r.deadline)
  const body = (
    <>
      <div class="card-top">
        {props.showStatus ? <StatusBadge status={r.status} /> : <UrgencyBadge urgency={r.urgency} />}
        {props.isFresh && <span class="badge new">{t('inbox.new')}</span>}
        {props.queued && <span class="badge queued">{t('inbox.queued')}</span>}
        {!props.showStatus && r.deadline && (
          <span class={`deadline dl-${dl}`}>
            {dl === 'overdue' ? t('inbox.overdue') : t('inbox.deadline')} {formatDateTime(r.deadline)}
          </span>
        )}
        {props.showStatus && <span class="deadline">{formatDateTime(r.updated_at)}</span>}
      </div>
      <h3 class="card-title">{r.title}</h3>
      <p class="card-meta">
        {r.number_symbol ? <span class="mono-ish">{r.number_symbol}</span> : null}
        {r.number_symbol ? ' · ' : null}
        {r.document_type}
      </p>
      <p class="card-unit">{r.unit.name}</p>
      {props.showStatus && r.decline_reason && (
        <p class="card-reason">
          {t('history.reason')}: {r.decline_reason}
        </p>
      )}
    </>
  )
  if (props.selectable) {
    const id = `sel-${r.id}`
    return (
      <li class={`card selectable ${props.selected ? 'selected' : ''}`}>
        <input id={id} type="checkbox" class="card-check" checked={props.selected} onChange={props.onToggle} />
        <label for={id} class="card-body">
          {body}
        </label>
      </li>
    )
  }
  return (
    <li
      class={`card ${props.active ? 'active' : ''} ${props.isFresh ? 'fresh' : ''}`}
      data-testid="request-card"
      data-request-id={r.id}
      data-status={r.status}
    >
      <a class="card-body" href={props.href} aria-current={props.active ? 'page' : undefined}>
        {body}
      </a>
    </li>
  )
}

/** Pull to refresh on touch screens: drag down from the top of the list. */
function usePullToRefresh(ref: { current: HTMLElement | null }, onRefresh: () => void) {
  const [pull, setPull] = useState(0)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    let startY: number | null = null
    let dist = 0
    const start = (e: TouchEvent) => {
      startY = el.scrollTop <= 0 && e.touches.length === 1 ? e.touches[0]!.clientY : null
      dist = 0
    }
    const move = (e: TouchEvent) => {
      if (startY === null) return
      dist = Math.max(0, Math.min(120, e.touches[0]!.clientY - startY))
      setPull(dist)
    }
    const end = () => {
      if (startY !== null && dist >= 70) onRefresh()
      startY = null
      dist = 0
      setPull(0)
    }
    el.addEventListener('touchstart', start, { passive: true })
    el.addEventListener('touchmove', move, { passive: true })
    el.addEventListener('touchend', end)
    el.addEventListener('touchcancel', end)
    return () => {
      el.removeEventListener('touchstart', start)
      el.removeEventListener('touchmove', move)
      el.removeEventListener('touchend', end)
      el.removeEventListener('touchcancel', end)
    }
  }, [ref.current])
  return pull
}

export function Inbox() {
  const [query, setQuery] = useState('')
  const scroller = useRef<HTMLDivElement>(null)
  const pull = usePullToRefresh(scroller, () => void refreshInbox())
  const list = sortedInbox.value.filter((r) => matches(r, query))
  const activeId = route.value.name === 'inbox' ? route.value.id : undefined
  const sel = selection.value
  const queued = new Set(queue.value.items.map((i) => i.request_id))
  const picking = selecting.value
  void lang.value

  useEffect(() => {
    if (!inboxLoaded.value && !inboxLoading.value) void refreshInbox()
  }, [])

  function toggle(id: string) {
    const s = new Set(sel)
    if (s.has(id)) s.delete(id)
    else s.add(id)
    selection.value = s
  }

  return (
    <section class="pane-inner inbox" aria-labelledby="inbox-title">
      <div class="list-head">
        <div class="row between">
          <h2 id="inbox-title">
            {t('inbox.title')} <span class="count">{sortedInbox.value.length}</span>
          </h2>
          <div class="row">
            <button
              type="button"
              class={`icon-btn ${picking ? 'on' : ''}`}
              aria-pressed={picking}
              aria-label={picking ? t('inbox.selectDone') : t('inbox.select')}
              title={picking ? t('inbox.selectDone') : t('inbox.select')}
              onClick={() => {
                selecting.value = !picking
                if (picking) selection.value = new Set()
              }}
              disabled={sortedInbox.value.length === 0 && !picking}
            >
              <Icon name={picking ? 'close' : 'select'} />
            </button>
            <button
              type="button"
              class="icon-btn"
              aria-label={t('inbox.refresh')}
              title={t('inbox.refresh')}
              data-testid="inbox-refresh"
              onClick={() => void refreshInbox()}
              disabled={inboxLoading.value}
            >
              {inboxLoading.value ? <Spinner /> : <Icon name="refresh" />}
            </button>
          </div>
        </div>
        <div class="search">
          <Icon name="search" />
          <input
            type="search"
            aria-label={t('inbox.search')}
            placeholder={t('inbox.search')}
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </div>
        {inboxFetchedAt.value && (
          <p class={`sync-line ${inboxFromCache.value ? 'warn' : ''}`}>
            {inboxFromCache.value
              ? t('inbox.cached', { time: formatTime(inboxFetchedAt.value) })
              : t('inbox.updated', { time: formatTime(inboxFetchedAt.value) })}
          </p>
        )}
      </div>
      <div class="list-scroll" ref={scroller}>
        <div class="pull" style={{ height: `${pull / 2}px` }} aria-hidden="true">
          {pull > 0 && <span>{pull >= 70 ? t('inbox.release') : t('inbox.pull')}</span>}
        </div>
        {inboxError.value && (
          <ErrorBox error={inboxError.value}>
            <button type="button" onClick={() => void refreshInbox()}>
              {t('common.retry')}
            </button>
          </ErrorBox>
        )}
        {!inboxLoaded.value && inboxLoading.value && (
          <p class="empty">
            <Spinner /> {t('common.loading')}
          </p>
        )}
        {inboxLoaded.value && list.length === 0 && (
          <p class="empty">{query ? t('inbox.noMatch') : t('inbox.empty')}</p>
        )}
        <ul class="cards" aria-label={t('inbox.title')}>
          {list.map((r) => (
            <RequestCard
              key={r.id}
              r={r}
              href={`#/inbox/${encodeURIComponent(r.id)}`}
              active={r.id === activeId}
              selectable={picking}
              selected={sel.has(r.id)}
              onToggle={() => toggle(r.id)}
              isFresh={fresh.value.has(r.id)}
              queued={queued.has(r.id)}
            />
          ))}
        </ul>
      </div>
      {picking && (
        <div class="action-bar">
          <span class="muted" aria-live="polite">
            {t('batch.selected', { n: sel.size })}
          </span>
          <button
            type="button"
            class="primary"
            disabled={sel.size === 0}
            onClick={() => navigate({ name: 'batch' })}
          >
            <Icon name="fingerprint" />
            {t('batch.start', { n: sel.size })}
          </button>
        </div>
      )}
    </section>
  )
}
