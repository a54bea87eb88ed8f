// Signing one document: a confirmation sheet that shows exactly what will
// be signed, then the biometric prompt ("touch the sensor"), progress, and
// the result with the gateway's verification summary.

import { useEffect, useState } from 'preact/hooks'
import * as ipc from '../ipc'
import type { DocumentInfo, KysoError, SignResult, SignStage, SigningRequest, VerificationSummary } from '../ipc'
import { toKysoError } from '../ipc'
import { lang, t } from '../i18n'
import { errorAction } from '../errors'
import { formatDateTime, shaPrefix } from '../format'
import { app, handleGlobalError, navigate, removeDeviceKey, route } from '../store'
import { ErrorBox, Field, securityLevelText, Sheet } from './common'
import { Icon } from './icons'

export const STAGES: SignStage[] = ['preparing', 'authenticating', 'finishing', 'uploading', 'verifying']

/** The common name of a distinguished name, else the whole name. */
export function commonName(dn: string): string {
  const m = /(?:^|,\s*)CN=((?:\\,|[^,])+)/.exec(dn)
  return m ? m[1]!.replace(/\\,/g, ',').trim() : dn
}

export function VerificationView({ v }: { v: VerificationSummary }) {
  const ok = v.indication === 'TOTAL_PASSED'
  const l = lang.value
  return (
    <section
      class={`verification ${ok ? 'ok' : 'bad'}`}
      aria-labelledby="verif-title"
      data-testid="verification"
      data-indication={v.indication}
    >
      <h3 id="verif-title">
        <Icon name={ok ? 'shield' : 'alert'} size={20} />
        {t('verify.title')}: <strong>{t(`verify.${v.indication}`)}</strong>
      </h3>
      <dl class="facts">
        <dt>{t('verify.signer')}</dt>
        <dd>
          {commonName(v.signer_subject)}
          <span class="sub">{v.signer_subject}</span>
        </dd>
        <dt>{t('verify.issuer')}</dt>
        <dd>{commonName(v.issuer_subject)}</dd>
        <dt>{t('verify.trusted')}</dt>
        <dd>{v.trusted ? t('common.yes') : t('common.no')}</dd>
        {v.claimed_signing_time && (
          <>
            <dt>{t('verify.time')}</dt>
            <dd>{formatDateTime(v.claimed_signing_time)}</dd>
          </>
        )}
        {v.timestamp_time && (
          <>
            <dt>{t('verify.timestamp')}</dt>
            <dd>{formatDateTime(v.timestamp_time)}</dd>
          </>
        )}
        <dt>{t('verify.coverage')}</dt>
        <dd>
          {v.coverage === 'whole_file'
            ? t('verify.wholeFile')
            : v.coverage === 'revision'
              ? t('verify.revision')
              : v.coverage}
        </dd>
        <dt>{t('verify.signatures')}</dt>
        <dd>{v.signatures}</dd>
        <dt>{t('verify.signedSha')}</dt>
        <dd class="mono">{shaPrefix(v.signed_sha256, 16)}…</dd>
        {v.sub_indication && (
          <>
            <dt>{t('verify.sub')}</dt>
            <dd class="mono">{v.sub_indication}</dd>
          </>
        )}
      </dl>
      {[...v.errors, ...v.warnings].length > 0 && (
        <ul class="findings">
          {v.errors.map((f) => (
            <li key={f.code} class="bad">
              {l === 'vi' ? f.vi : f.en}
            </li>
          ))}
          {v.warnings.map((f) => (
            <li key={f.code}>{l === 'vi' ? f.vi : f.en}</li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** The stage list shown while a signature is made. */
export function Progress({ stage }: { stage: SignStage }) {
  const at = STAGES.indexOf(stage)
  return (
    <ol class="progress" aria-label={t('sign.progress')}>
      {STAGES.map((s, i) => (
        <li key={s} class={i < at ? 'done' : i === at ? 'current' : ''} aria-current={i === at ? 'step' : undefined}>
          <span class="dot" aria-hidden="true">
            {i < at ? <Icon name="check" size={14} /> : null}
          </span>
          {t(`sign.stage.${s}`)}
        </li>
      ))}
    </ol>
  )
}

/** The "touch the sensor" panel (or, for a passphrase key, "signing"). */
export function TouchPanel({ stage, title }: { stage: SignStage; title?: string }) {
  const passphraseKey = app.value?.device?.key_storage === 'passphrase_file'
  const touching = stage === 'authenticating' && !passphraseKey
  return (
    <div class="touch" role="status" aria-live="polite">
      <div class={`sensor ${touching ? 'pulse' : ''}`} aria-hidden="true">
        <Icon name="fingerprint" size={56} />
      </div>
      <p class="touch-text">{touching ? t('sign.touch') : t(`sign.stage.${stage}`)}</p>
      {title && <p class="muted touch-doc">{title}</p>}
    </div>
  )
}

type Phase =
  | { k: 'confirm'; notice?: KysoError }
  | { k: 'working'; stage: SignStage }
  | { k: 'done'; result: SignResult }
  | { k: 'failed'; error: KysoError }

export function SignSheet(props: {
  open: boolean
  request: SigningRequest
  doc: DocumentInfo | null
  onClose: () => void
  onSettled: (r: SigningRequest | null) => void
}) {
  const { request: r, doc } = props
  const [phase, setPhase] = useState<Phase>({ k: 'confirm' })
  const [pass, setPass] = useState('')
  const s = app.value
  const device = s?.device
  const needsPass = device?.key_storage === 'passphrase_file'

  useEffect(() => {
    if (props.open) {
      setPhase({ k: 'confirm' })
      setPass('')
    }
  }, [props.open])

  // Listen while the sheet is open, so no progress event is missed.
  useEffect(() => {
    if (!props.open) return
    let un: (() => void) | undefined
    let live = true
    void ipc
      .on('sign-progress', (p) => {
        if (p.id === r.id) setPhase((ph) => (ph.k === 'working' ? { k: 'working', stage: p.stage } : ph))
      })
      .then((f) => (live ? (un = f) : f()))
    return () => {
      live = false
      un?.()
    }
  }, [props.open, r.id])

  async function go(e?: Event) {
    e?.preventDefault()
    if (needsPass && !pass) {
      setPhase({ k: 'confirm', notice: new ipc.KysoError('wrongPassphrase', '') })
      return
    }
    setPhase({ k: 'working', stage: 'preparing' })
    try {
      const result = await ipc.sign(r.id, needsPass ? pass : undefined)
      setPass('')
      setPhase({ k: 'done', result })
      props.onSettled(result.outcome === 'signed' ? result.request : null)
    } catch (err) {
      const k = toKysoError(err)
      const action = errorAction(k.code)
      if (action === 'cancelled' || action === 'passphrase' || k.code === 'authenticationFailed') {
        setPhase({ k: 'confirm', notice: k })
      } else {
        setPhase({ k: 'failed', error: k })
      }
    }
  }

  function close() {
    if (phase.k === 'working') return
    const done = phase.k === 'done'
    props.onClose()
    if (done) {
      const cur = route.value
      navigate({ name: cur.name === 'history' ? 'history' : 'inbox' }, true)
    }
  }

  const l = lang.value
  void l
  return (
    <Sheet open={props.open} onClose={close} labelledBy="sign-title" dismissable={phase.k !== 'working'}>
      {phase.k === 'confirm' && (
        <form class="stack" onSubmit={go}>
          <h2 id="sign-title">{t('sign.title')}</h2>
          <p class="muted">{t('sign.intro')}</p>
          <dl class="facts confirm-facts">
            <dt>{t('sign.docTitle')}</dt>
            <dd class="strong">{r.title}</dd>
            <dt>{t('doc.number')}</dt>
            <dd>{r.number_symbol ?? t('doc.noNumber')}</dd>
            <dt>{t('doc.pages')}</dt>
            <dd>{doc ? doc.page_count : '—'}</dd>
            <dt>SHA-256</dt>
            <dd class="mono" aria-label={`SHA-256 ${r.document_sha256.slice(0, 16)}`}>
              {shaPrefix(r.document_sha256, 16)}…
            </dd>
            {s?.user && (
              <>
                <dt>{t('sign.as')}</dt>
                <dd>
                  {s.user.full_name}
                  {s.user.title ? ` — ${s.user.title}` : ''}
                </dd>
              </>
            )}
            {device && (
              <>
                <dt>{t('sign.key')}</dt>
                <dd>{securityLevelText(device.security_level, device.platform)}</dd>
              </>
            )}
          </dl>
          {needsPass && (
            <Field id="sign-pass" label={t('sign.passphrase')}>
              <input
                id="sign-pass"
                type="password"
                autoComplete="current-password"
                value={pass}
                onInput={(e) => setPass(e.currentTarget.value)}
              />
            </Field>
          )}
          {phase.notice &&
            (phase.notice.code === 'userCancel' ? (
              <p class="note" role="status">
                {t('sign.cancelled')}
              </p>
            ) : (
              <ErrorBox error={phase.notice} />
            ))}
          <div class="row gap end">
            <button type="button" class="secondary" onClick={close}>
              {t('common.cancel')}
            </button>
            <button type="submit" class="primary" data-testid="sign-confirm">
              <Icon name="fingerprint" />
              {t('sign.confirm')}
            </button>
          </div>
        </form>
      )}
      {phase.k === 'working' && (
        <div class="stack">
          <h2 id="sign-title">{t('sign.working')}</h2>
          <TouchPanel stage={phase.stage} title={r.title} />
          <Progress stage={phase.stage} />
        </div>
      )}
      {phase.k === 'done' && phase.result.outcome === 'signed' && (
        <div class="stack" data-testid="sign-result" data-outcome="signed">
          <div class="result-icon ok" aria-hidden="true">
            <Icon name="check" size={40} />
          </div>
          <h2 id="sign-title" class="center">
            {t('sign.signed')}
          </h2>
          <p class="center muted">{r.title}</p>
          <VerificationView v={phase.result.verification} />
          <button type="button" class="primary" onClick={close} data-testid="sign-done">
            {t('common.done')}
          </button>
        </div>
      )}
      {phase.k === 'done' && phase.result.outcome === 'queued' && (
        <div class="stack" data-testid="sign-result" data-outcome="queued">
          <div class="result-icon warn" aria-hidden="true">
            <Icon name="clock" size={40} />
          </div>
          <h2 id="sign-title" class="center">
            {t('sign.queued')}
          </h2>
          <p class="center">{t('sign.queuedText')}</p>
          <dl class="facts">
            <dt>{t('sign.docTitle')}</dt>
            <dd>{r.title}</dd>
            <dt>{t('verify.signedSha')}</dt>
            <dd class="mono">{shaPrefix(phase.result.signed_sha256, 16)}…</dd>
            <dt>{t('sign.queuedAt')}</dt>
            <dd>{formatDateTime(phase.result.queued_at)}</dd>
          </dl>
          <button type="button" class="primary" onClick={close} data-testid="sign-done">
            {t('common.done')}
          </button>
        </div>
      )}
      {phase.k === 'failed' && (
        <div class="stack" data-testid="sign-result" data-outcome="failed">
          <div class="result-icon bad" aria-hidden="true">
            <Icon name="alert" size={40} />
          </div>
          <h2 id="sign-title" class="center">
            {t('sign.failed')}
          </h2>
          <ErrorBox error={phase.error} />
          {phase.error.report && <VerificationView v={phase.error.report} />}
          <FailedActions error={phase.error} onRetry={() => setPhase({ k: 'confirm' })} onClose={close} />
        </div>
      )}
    </Sheet>
  )
}

/** What to offer after a failed signature, by code. */
export function FailedActions(props: { error: KysoError; onRetry: () => void; onClose: () => void }) {
  const action = errorAction(props.error.code)
  return (
    <div class="row gap end wrap">
      <button type="button" class="secondary" onClick={props.onClose}>
        {t('common.close')}
      </button>
      {action === 'retry' && (
        <button type="button" class="primary" onClick={props.onRetry}>
          {t('common.retry')}
        </button>
      )}
      {action === 'reenroll' && (
        <button
          type="button"
          class="primary"
          onClick={() => {
            props.onClose()
            void removeDeviceKey()
          }}
        >
          {t('sign.reenroll')}
        </button>
      )}
      {(action === 'login' || action === 'enroll') && (
        <button
          type="button"
          class="primary"
          onClick={() => {
            props.onClose()
            handleGlobalError(props.error)
          }}
        >
          {action === 'login' ? t('sign.relogin') : t('sign.enroll')}
        </button>
      )}
    </div>
  )
}
