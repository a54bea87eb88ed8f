// Quiet hours, in Settings: when the gateway holds pushes about thường and
// khẩn documents (thượng khẩn and hỏa tốc still come at once). The gateway
// keeps them per leader, so every device of the leader follows them.

import { useEffect, useState } from 'preact/hooks'
import type { KysoError, QuietHours } from '../ipc'
import { QUIET_TIME, quietHours, setQuietHours, toKysoError } from '../ipc'
import { t } from '../i18n'
import { normalizeTime } from '../format'
import { ErrorBox, Field, Spinner } from './common'

/** A 24-hour `HH:MM` field whatever the phone's locale (a native time
 * input would show "10:00 PM" on an English-speaking system). */
const TIME_INPUT = {
  type: 'text',
  inputMode: 'numeric',
  autocomplete: 'off',
  maxLength: 5,
  placeholder: 'HH:MM',
  required: true
} as const

/** `HH:MM` (24-hour) or a message for the leader; `start` and `end` must differ. */
export function checkQuietHours(start: string, end: string): string | null {
  if (!QUIET_TIME.test(start) || !QUIET_TIME.test(end)) return t('quiet.needTimes')
  if (start === end) return t('quiet.same')
  return null
}

/** The window as people read it: "22:00 – 06:30 (hôm sau)". */
export function describeQuietHours(q: QuietHours): string {
  if (!q.start || !q.end) return t('quiet.none')
  const window = `${q.start} – ${q.end}`
  return t('quiet.current', { window: q.end < q.start ? `${window} ${t('quiet.nextDay')}` : window })
}

export function QuietHoursSection() {
  const [saved, setSaved] = useState<QuietHours | null>(null)
  const [on, setOn] = useState(false)
  const [start, setStart] = useState('22:00')
  const [end, setEnd] = useState('06:30')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [done, setDone] = useState(false)

  function show(q: QuietHours) {
    setSaved(q)
    setOn(q.start !== null)
    if (q.start && q.end) {
      setStart(q.start)
      setEnd(q.end)
    }
  }

  async function load() {
    setError(null)
    try {
      show(await quietHours())
    } catch (e) {
      setError(toKysoError(e))
    }
  }

  useEffect(() => {
    void load()
  }, [])

  async function save() {
    setDone(false)
    const [a, b] = [normalizeTime(start), normalizeTime(end)]
    setStart(a)
    setEnd(b)
    const p = on ? checkQuietHours(a, b) : null
    setProblem(p)
    if (p) return
    setBusy(true)
    setError(null)
    try {
      show(await setQuietHours(on ? a : null, on ? b : null))
      setDone(true)
    } catch (e) {
      setError(toKysoError(e))
    } finally {
      setBusy(false)
    }
  }

  const changed = saved !== null && (on ? saved.start !== start || saved.end !== end : saved.start !== null)
  const edit = (f: (v: string) => void) => (e: Event) => {
    f((e.currentTarget as HTMLInputElement).value)
    setDone(false)
    setProblem(null)
  }

  return (
    <section class="group quiet" aria-labelledby="set-quiet" aria-busy={saved === null && !error}>
      <h3 id="set-quiet">{t('quiet.title')}</h3>
      <p class="muted small">{t('quiet.text')}</p>
      {saved === null && !error && <Spinner />}
      {saved === null && error && (
        <ErrorBox error={error}>
          <button type="button" class="secondary" onClick={() => void load()}>
            {t('common.retry')}
          </button>
        </ErrorBox>
      )}
      {saved !== null && (
        <>
          <p class="quiet-now" aria-live="polite">
            {describeQuietHours(saved)}
          </p>
          <div class="segmented" role="radiogroup" aria-labelledby="set-quiet">
            {([false, true] as const).map((x) => (
              <button
                key={String(x)}
                type="button"
                role="radio"
                aria-checked={on === x}
                class={on === x ? 'active' : ''}
                onClick={() => {
                  setOn(x)
                  setDone(false)
                  setProblem(null)
                }}
              >
                {x ? t('quiet.on') : t('quiet.off')}
              </button>
            ))}
          </div>
          {on && (
            <div class="quiet-times">
              <Field id="quiet-start" label={t('quiet.from')}>
                <input
                  id="quiet-start"
                  {...TIME_INPUT}
                  value={start}
                  onInput={edit(setStart)}
                  onBlur={() => setStart(normalizeTime(start))}
                />
              </Field>
              <Field id="quiet-end" label={t('quiet.to')}>
                <input
                  id="quiet-end"
                  {...TIME_INPUT}
                  value={end}
                  onInput={edit(setEnd)}
                  onBlur={() => setEnd(normalizeTime(end))}
                />
              </Field>
            </div>
          )}
          {problem && (
            <p class="field-error" role="alert">
              {problem}
            </p>
          )}
          {error && <ErrorBox error={error} />}
          {done && !changed && <p class="note ok">{t('quiet.saved')}</p>}
          <button type="button" class="primary" onClick={() => void save()} disabled={busy || !changed}>
            {busy ? <Spinner /> : null}
            {t('quiet.save')}
          </button>
        </>
      )}
    </section>
  )
}
