// Batch signing: the list of picked documents first, then each one signed
// with its own biometric prompt (DESIGN.md §7.2: never a silent loop), then
// the result of each.

import { useEffect, useRef, useState } from 'preact/hooks'
import * as ipc from '../ipc'
import type { KysoError, SignResult, SignStage, SigningRequest } from '../ipc'
import { toKysoError } from '../ipc'
import { lang, t } from '../i18n'
import { errorAction } from '../errors'
import { formatBytes, shaPrefix } from '../format'
import {
  app,
  batchRunning,
  enterApp,
  errorText,
  handleGlobalError,
  inbox,
  navigate,
  selecting,
  selection,
  upsert
} from '../store'
import { Field, UrgencyBadge } from './common'
import { Icon } from './icons'
import { Progress, TouchPanel } from './Sign'

type ItemState =
  | { k: 'waiting' }
  | { k: 'signing'; stage: SignStage }
  | { k: 'done'; result: SignResult }
  | { k: 'failed'; error: KysoError }
  | { k: 'cancelled' }
  | { k: 'skipped' }

export function Batch() {
  const [items] = useState<SigningRequest[]>(() => inbox.value.filter((r) => selection.value.has(r.id)))
  const [states, setStates] = useState<Record<string, ItemState>>({})
  const statesRef = useRef<Record<string, ItemState>>({})
  const set = (id: string, st: ItemState) => {
    statesRef.current = { ...statesRef.current, [id]: st }
    setStates(statesRef.current)
  }
  const [phase, setPhase] = useState<'review' | 'running' | 'paused' | 'finished'>('review')
  const [current, setCurrent] = useState<number>(-1)
  const [asking, setAsking] = useState(false)
  const [pass, setPass] = useState('')
  const needsPass = app.value?.device?.key_storage === 'passphrase_file'
  const l = lang.value
  void l

  useEffect(() => {
    batchRunning.value = phase === 'running'
  }, [phase])
  useEffect(() => () => void (batchRunning.value = false), [])

  useEffect(() => {
    let un: (() => void) | undefined
    let live = true
    void ipc
      .on('sign-progress', (p) => {
        if (statesRef.current[p.id]?.k === 'signing') set(p.id, { k: 'signing', stage: p.stage })
      })
      .then((f) => (live ? (un = f) : f()))
    return () => {
      live = false
      un?.()
    }
  }, [])

  /** Signs items from `from` on, one prompt each; stops on a cancel. */
  async function run(from: number, passphrase?: string) {
    setPhase('running')
    for (let i = from; i < items.length; i++) {
      const r = items[i]!
      if (statesRef.current[r.id]?.k === 'done') continue
      setCurrent(i)
      if (needsPass && passphrase === undefined) {
        // A passphrase key: ask again for this document (its own prompt).
        setAsking(true)
        return
      }
      set(r.id, { k: 'signing', stage: 'preparing' })
      try {
        const result = await ipc.sign(r.id, needsPass ? passphrase : undefined)
        set(r.id, { k: 'done', result })
        if (result.outcome === 'signed') upsert(result.request)
      } catch (e) {
        const err = toKysoError(e)
        const action = errorAction(err.code)
        if (action === 'cancelled') {
          set(r.id, { k: 'cancelled' })
          for (const rest of items.slice(i + 1)) set(rest.id, { k: 'skipped' })
          setPhase('paused')
          return
        }
        set(r.id, { k: 'failed', error: err })
        if (action === 'login' || action === 'enroll' || action === 'reenroll') {
          for (const rest of items.slice(i + 1)) set(rest.id, { k: 'skipped' })
          setPhase('finished')
          handleGlobalError(err)
          return
        }
      }
      passphrase = undefined
    }
    setCurrent(-1)
    setPhase('finished')
  }

  function resume() {
    const next = items.findIndex((r) => {
      const k = statesRef.current[r.id]?.k
      return k === 'cancelled' || k === 'skipped' || k === undefined
    })
    if (next < 0) return setPhase('finished')
    for (const r of items.slice(next)) if (statesRef.current[r.id]?.k !== 'done') set(r.id, { k: 'waiting' })
    void run(next)
  }

  function finish() {
    selection.value = new Set()
    selecting.value = false
    enterApp()
  }

  if (items.length === 0) {
    return (
      <section class="pane-inner batch">
        <div class="list-scroll">
          <p class="empty">{t('batch.none')}</p>
          <button type="button" class="secondary" onClick={finish}>
            {t('common.back')}
          </button>
        </div>
      </section>
    )
  }

  const signedCount = items.filter((r) => states[r.id]?.k === 'done').length
  const cur = current >= 0 ? items[current] : undefined
  const curState = cur ? states[cur.id] : undefined

  return (
    <section class="pane-inner batch" aria-labelledby="batch-title">
      <div class="list-scroll">
        <h2 id="batch-title">
          {phase === 'review' ? t('batch.review', { n: items.length }) : t('batch.title', { n: items.length })}
        </h2>
        {phase === 'review' && <p class="note">{t('batch.explain')}</p>}
        {phase === 'running' && cur && curState?.k === 'signing' && (
          <div class="batch-current">
            <p class="muted">{t('batch.current', { i: current + 1, n: items.length })}</p>
            <TouchPanel stage={curState.stage} title={cur.title} />
            <Progress stage={curState.stage} />
          </div>
        )}
        {phase === 'running' && asking && cur && (
          <form
            class="stack batch-current"
            onSubmit={(e) => {
              e.preventDefault()
              if (!pass) return
              const p = pass
              setPass('')
              setAsking(false)
              void run(current, p)
            }}
          >
            <p class="muted">{t('batch.current', { i: current + 1, n: items.length })}</p>
            <p class="strong">{cur.title}</p>
            <Field id="batch-pass" label={t('sign.passphrase')}>
              <input
                id="batch-pass"
                type="password"
                autoComplete="current-password"
                value={pass}
                onInput={(e) => setPass(e.currentTarget.value)}
              />
            </Field>
            <button type="submit" class="primary">
              <Icon name="fingerprint" />
              {t('sign.confirm')}
            </button>
          </form>
        )}
        {phase === 'paused' && (
          <p class="note" role="status">
            {t('batch.paused')}
          </p>
        )}
        {phase === 'finished' && (
          <p class="note ok" role="status">
            {t('batch.finished', { n: signedCount, total: items.length })}
          </p>
        )}
        <ol class="batch-list" aria-label={t('batch.list')}>
          {items.map((r, i) => (
            <BatchItem key={r.id} r={r} i={i} state={states[r.id] ?? { k: 'waiting' }} current={i === current} />
          ))}
        </ol>
      </div>
      <div class="action-bar">
        {phase === 'review' && (
          <>
            <button type="button" class="secondary" onClick={() => navigate({ name: 'inbox' })}>
              {t('common.back')}
            </button>
            <button type="button" class="primary" onClick={() => void run(0)}>
              <Icon name="fingerprint" />
              {t('batch.sign')}
            </button>
          </>
        )}
        {phase === 'paused' && (
          <>
            <button type="button" class="secondary" onClick={finish}>
              {t('batch.stop')}
            </button>
            <button type="button" class="primary" onClick={resume}>
              {t('batch.resume')}
            </button>
          </>
        )}
        {phase === 'finished' && (
          <button type="button" class="primary" onClick={finish}>
            {t('common.done')}
          </button>
        )}
        {phase === 'running' && <span class="muted">{t('batch.running', { i: current + 1, n: items.length })}</span>}
      </div>
    </section>
  )
}

function BatchItem({ r, i, state, current }: { r: SigningRequest; i: number; state: ItemState; current: boolean }) {
  let icon = null
  let text = ''
  let cls = ''
  switch (state.k) {
    case 'waiting':
      text = t('batch.state.waiting')
      break
    case 'signing':
      text = t(`sign.stage.${state.stage}`)
      cls = 'busy'
      break
    case 'done':
      if (state.result.outcome === 'signed') {
        icon = <Icon name="check" size={18} />
        text = `${t('batch.state.signed')} · ${t(`verify.${state.result.verification.indication}`)}`
        cls = 'ok'
      } else {
        icon = <Icon name="clock" size={18} />
        text = t('batch.state.queued')
        cls = 'warn'
      }
      break
    case 'failed':
      icon = <Icon name="alert" size={18} />
      text = errorText(state.error)
      cls = 'bad'
      break
    case 'cancelled':
      text = t('batch.state.cancelled')
      cls = 'warn'
      break
    case 'skipped':
      text = t('batch.state.skipped')
      break
  }
  return (
    <li class={`batch-item ${current ? 'current' : ''}`} data-state={state.k}>
      <span class="batch-num" aria-hidden="true">
        {i + 1}
      </span>
      <div class="batch-main">
        <p class="strong">{r.title}</p>
        <div class="row wrap gap-s">
          <UrgencyBadge urgency={r.urgency} quiet />
          <span class="muted small">
            {r.number_symbol ?? r.document_type} · {formatBytes(r.document_size, lang.value)} · SHA-256{' '}
            <span class="mono">{shaPrefix(r.document_sha256, 8)}</span>
          </span>
        </div>
        <p class={`batch-state ${cls}`}>
          {icon}
          {text}
        </p>
      </div>
    </li>
  )
}
