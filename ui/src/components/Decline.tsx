// Returning a document with a reason.

import { useEffect, useState } from 'preact/hooks'
import * as ipc from '../ipc'
import type { KysoError, SigningRequest } from '../ipc'
import { toKysoError } from '../ipc'
import { t, type Key } from '../i18n'
import { handleGlobalError, say } from '../store'
import { ErrorBox, Field, Sheet, Spinner } from './common'

const QUICK: Key[] = ['decline.quick.content', 'decline.quick.format', 'decline.quick.attach', 'decline.quick.authority']
export const MIN_REASON = 5

export function DeclineSheet(props: {
  open: boolean
  request: SigningRequest
  onClose: () => void
  onDeclined: (r: SigningRequest) => void
}) {
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const [problem, setProblem] = useState<string | null>(null)

  useEffect(() => {
    if (props.open) {
      setReason('')
      setError(null)
      setProblem(null)
    }
  }, [props.open])

  async function submit(e: Event) {
    e.preventDefault()
    const text = reason.trim()
    if (text.length < MIN_REASON) {
      setProblem(t('decline.tooShort', { n: MIN_REASON }))
      return
    }
    setBusy(true)
    setError(null)
    try {
      const r = await ipc.decline(props.request.id, text)
      say(t('decline.done'), 'ok')
      props.onDeclined(r)
    } catch (err) {
      const k = toKysoError(err)
      if (!handleGlobalError(k)) setError(k)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Sheet open={props.open} onClose={() => !busy && props.onClose()} labelledBy="decline-title" dismissable={!busy}>
      <form class="stack" onSubmit={submit} noValidate>
        <h2 id="decline-title">{t('decline.title')}</h2>
        <p class="muted">{props.request.title}</p>
        <div class="chips" role="group" aria-label={t('decline.quick')}>
          {QUICK.map((k) => (
            <button
              key={k}
              type="button"
              class="chip"
              onClick={() => {
                setReason(t(k))
                setProblem(null)
              }}
            >
              {t(k)}
            </button>
          ))}
        </div>
        <Field id="decline-reason" label={t('decline.reason')} hint={t('decline.hint')} error={problem}>
          <textarea
            id="decline-reason"
            rows={4}
            maxLength={1000}
            value={reason}
            aria-invalid={!!problem}
            onInput={(e) => {
              setReason(e.currentTarget.value)
              setProblem(null)
            }}
          />
        </Field>
        {error && <ErrorBox error={error} />}
        <div class="row gap end">
          <button type="button" class="secondary" onClick={props.onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="danger" disabled={busy} data-testid="decline-submit">
            {busy ? <Spinner /> : null}
            {t('decline.submit')}
          </button>
        </div>
      </form>
    </Sheet>
  )
}
