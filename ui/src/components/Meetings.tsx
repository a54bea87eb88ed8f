// The meeting list: this leader's meetings, soonest first (offline: the
// list kept from the last time).

import { useEffect, useState } from 'preact/hooks'
import * as ipc from '../ipc'
import type { KysoError, MeetingList } from '../ipc'
import { toKysoError } from '../ipc'
import { lang, t } from '../i18n'
import { formatMeetingTime, formatTime, vnParts } from '../format'
import { handleGlobalError, route } from '../store'
import { ErrorBox, Spinner } from './common'
import { Icon } from './icons'

/** Whether `iso` falls on today's date in Vietnam. */
function isToday(iso: string): boolean {
  const a = vnParts(iso)
  const b = vnParts(new Date())
  return !!a && !!b && a.year === b.year && a.month === b.month && a.day === b.day
}

export function Meetings() {
  const [list, setList] = useState<MeetingList | null>(null)
  const [error, setError] = useState<KysoError | null>(null)
  const [loading, setLoading] = useState(false)
  const activeId = route.value.name === 'meetings' ? route.value.id : undefined
  const l = lang.value

  async function load() {
    setLoading(true)
    setError(null)
    try {
      setList(await ipc.meetings())
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) setError(err)
    } finally {
      setLoading(false)
    }
  }
  useEffect(() => void load(), [])

  return (
    <section class="pane-inner meetings" aria-labelledby="meetings-title">
      <div class="list-head">
        <div class="row between">
          <h2 id="meetings-title">
            {t('meet.title')} {list && <span class="count">{list.meetings.length}</span>}
          </h2>
          <button
            type="button"
            class="icon-btn"
            aria-label={t('inbox.refresh')}
            title={t('inbox.refresh')}
            onClick={() => void load()}
            disabled={loading}
          >
            {loading ? <Spinner /> : <Icon name="refresh" />}
          </button>
        </div>
        {list?.from_cache && <p class="sync-line warn">{t('meet.cached', { time: formatTime(list.fetched_at) })}</p>}
      </div>
      <div class="list-scroll">
        {error && (
          <ErrorBox error={error}>
            <button type="button" onClick={() => void load()}>
              {t('common.retry')}
            </button>
          </ErrorBox>
        )}
        {!list && !error && (
          <p class="empty">
            <Spinner /> {t('common.loading')}
          </p>
        )}
        {list && list.meetings.length === 0 && <p class="empty">{t('meet.none')}</p>}
        {list && list.meetings.length > 0 && (
          <ul class="cards" aria-label={t('meet.title')}>
            {list.meetings.map((m) => {
              const chair = m.participants.find((p) => p.id === m.chair_id)
              const docs = m.agenda.reduce((n, i) => n + i.documents.length, 0)
              return (
                <li
                  key={m.id}
                  class={`card meeting-card ${activeId === m.id ? 'active' : ''}`}
                  data-testid="meeting-card"
                  data-meeting-id={m.id}
                >
                  <a
                    class="card-body"
                    href={`#/meetings/${encodeURIComponent(m.id)}`}
                    aria-current={activeId === m.id ? 'page' : undefined}
                  >
                    <div class="card-top">
                      {isToday(m.starts_at) && <span class="badge new">{t('meet.today')}</span>}
                      <span class="deadline">{formatMeetingTime(m.starts_at, m.ends_at, l)}</span>
                    </div>
                    <h3 class="card-title">{m.title}</h3>
                    <p class="card-meta">
                      {m.place}
                      {chair ? ` · ${t('meet.chair')}: ${chair.full_name}` : ''}
                    </p>
                    <p class="card-unit">
                      {t('meet.agendaCount', { n: m.agenda.length })} · {t('meet.docCount', { n: docs })}
                    </p>
                  </a>
                </li>
              )
            })}
          </ul>
        )}
      </div>
    </section>
  )
}
