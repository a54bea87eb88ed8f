// The offline indicator and the queue of signed documents waiting to upload.

import { useState } from 'preact/hooks'
import * as ipc from '../ipc'
import { toKysoError } from '../ipc'
import { t } from '../i18n'
import { formatDateTime, shaPrefix } from '../format'
import { onQueueChanged, queue } from '../store'
import { ErrorBox, Sheet, Spinner } from './common'
import { Icon } from './icons'

export function QueueIndicator() {
  const q = queue.value
  const [open, setOpen] = useState(false)
  const n = q.items.length
  if (q.online && n === 0) return null
  const label = !q.online
    ? n > 0
      ? t('queue.offlineWith', { n })
      : t('queue.offline')
    : t('queue.waiting', { n })
  return (
    <>
      <button
        type="button"
        class={`queue-pill ${q.online ? '' : 'offline'}`}
        data-testid="queue-pill"
        data-online={String(q.online)}
        data-waiting={n}
        aria-label={`${label}. ${t('queue.open')}`}
        onClick={() => setOpen(true)}
      >
        <Icon name={q.online ? 'upload' : 'cloudOff'} size={20} />
        <span>{label}</span>
      </button>
      <QueueSheet open={open} onClose={() => setOpen(false)} />
    </>
  )
}

export function QueueSheet({ open, onClose }: { open: boolean; onClose: () => void }) {
  const q = queue.value
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ipc.KysoError | null>(null)
  async function flush() {
    setBusy(true)
    setError(null)
    try {
      onQueueChanged(await ipc.flushQueue())
    } catch (e) {
      setError(toKysoError(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Sheet open={open} onClose={onClose} labelledBy="queue-title">
      <div class="stack">
        <h2 id="queue-title">{t('queue.title')}</h2>
        <p class={`note ${q.online ? '' : 'warn'}`}>{q.online ? t('queue.onlineText') : t('queue.offlineText')}</p>
        {q.items.length === 0 ? (
          <p class="muted">{t('queue.empty')}</p>
        ) : (
          <ul class="queue-list">
            {q.items.map((i) => (
              <li key={i.request_id}>
                <p class="strong">{i.title}</p>
                <p class="muted small">
                  {i.number_symbol ? `${i.number_symbol} · ` : ''}
                  {t('queue.signedAt', { time: formatDateTime(i.queued_at) })} · SHA-256{' '}
                  <span class="mono">{shaPrefix(i.signed_sha256, 8)}</span>
                  {i.attempts > 0 ? ` · ${t('queue.attempts', { n: i.attempts })}` : ''}
                </p>
              </li>
            ))}
          </ul>
        )}
        {q.last_error && !error && !(q.last_error.code === 'offline' && !q.online) && (
          <ErrorBox error={toKysoError(q.last_error)} />
        )}
        {error && <ErrorBox error={error} />}
        <div class="row gap end">
          <button type="button" class="secondary" onClick={onClose}>
            {t('common.close')}
          </button>
          {q.items.length > 0 && (
            <button type="button" class="primary" onClick={() => void flush()} disabled={busy || q.uploading}>
              {busy || q.uploading ? <Spinner /> : <Icon name="upload" />}
              {t('queue.flush')}
            </button>
          )}
        </div>
      </div>
    </Sheet>
  )
}
