// History: what this leader signed or returned.

import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { historyError, historyList, refreshHistory, route } from '../store'
import { ErrorBox, Spinner } from './common'
import { RequestCard } from './Inbox'

type Filter = 'all' | 'signed' | 'declined'

export function History() {
  const [filter, setFilter] = useState<Filter>('all')
  useEffect(() => {
    if (historyList.value === null) void refreshHistory()
  }, [historyList.value === null])
  const all = historyList.value
  const list = (all ?? []).filter((r) =>
    filter === 'all' ? true : filter === 'signed' ? r.status === 'signed' || r.status === 'issued' : r.status === filter
  )
  const activeId = route.value.name === 'history' ? route.value.id : undefined
  const filters: Filter[] = ['all', 'signed', 'declined']
  return (
    <section class="pane-inner history" aria-labelledby="history-title">
      <div class="list-head">
        <h2 id="history-title">{t('history.title')}</h2>
        <div class="segmented" role="radiogroup" aria-label={t('history.filter')}>
          {filters.map((f) => (
            <button
              key={f}
              type="button"
              role="radio"
              aria-checked={filter === f}
              class={filter === f ? 'active' : ''}
              onClick={() => setFilter(f)}
            >
              {t(`history.filter.${f}`)}
            </button>
          ))}
        </div>
      </div>
      <div class="list-scroll">
        {historyError.value && (
          <ErrorBox error={historyError.value}>
            <button type="button" onClick={() => void refreshHistory()}>
              {t('common.retry')}
            </button>
          </ErrorBox>
        )}
        {all === null && !historyError.value && (
          <p class="empty">
            <Spinner /> {t('common.loading')}
          </p>
        )}
        {all !== null && list.length === 0 && <p class="empty">{t('history.empty')}</p>}
        <ul class="cards" aria-label={t('history.title')}>
          {list.map((r) => (
            <RequestCard
              key={r.id}
              r={r}
              href={`#/history/${encodeURIComponent(r.id)}`}
              active={r.id === activeId}
              showStatus
            />
          ))}
        </ul>
      </div>
    </section>
  )
}
