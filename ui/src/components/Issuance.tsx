// The clerk's issuance desk (văn thư; desktop): the unit's documents the
// leaders have signed, waiting for a number; the signed PDF to read; the
// number and date; a confirmation; then the gateway seals (the agency's
// key in its HSM), timestamps and verifies, and the app shows its own
// verification of the issued PDF and saves it under its number.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { signal } from '@preact/signals'
import * as ipc from '../ipc'
import type { CopyKind, CopyResult, DocumentInfo, IssueResult, KysoError, SigningRequest } from '../ipc'
import { toKysoError } from '../ipc'
import { t } from '../i18n'
import { formatDate, formatDateTime, formatIsoDate, parseVnDate, shaPrefix } from '../format'
import { handleGlobalError, navigate, route, say } from '../store'
import { ErrorBox, Field, Sheet, Spinner, UrgencyBadge } from './common'
import { Pages, useNearSet, useWidth } from './Document'
import { Icon } from './icons'
import { VerificationView } from './Sign'

/** What waits for the clerk, as last loaded. */
export const waiting = signal<SigningRequest[] | null>(null)
const waitingError = signal<KysoError | null>(null)
const waitingLoading = signal(false)

export async function refreshIssuance() {
  if (waitingLoading.value) return
  waitingLoading.value = true
  waitingError.value = null
  try {
    waiting.value = await ipc.issuance()
  } catch (e) {
    const err = toKysoError(e)
    if (!handleGlobalError(err)) waitingError.value = err
  } finally {
    waitingLoading.value = false
  }
}

export function IssuanceList() {
  const activeId = route.value.name === 'issuance' ? route.value.id : undefined
  const list = waiting.value
  useEffect(() => void refreshIssuance(), [])
  return (
    <section class="pane-inner issuance" aria-labelledby="issuance-title">
      <div class="list-head">
        <div class="row between">
          <h2 id="issuance-title">
            {t('issue.title')} {list && <span class="count">{list.length}</span>}
          </h2>
          <button
            type="button"
            class="icon-btn"
            aria-label={t('inbox.refresh')}
            title={t('inbox.refresh')}
            onClick={() => void refreshIssuance()}
            disabled={waitingLoading.value}
          >
            {waitingLoading.value ? <Spinner /> : <Icon name="refresh" />}
          </button>
        </div>
        <p class="sync-line">{t('issue.subtitle')}</p>
      </div>
      <div class="list-scroll">
        {waitingError.value && (
          <ErrorBox error={waitingError.value}>
            <button type="button" onClick={() => void refreshIssuance()}>
              {t('common.retry')}
            </button>
          </ErrorBox>
        )}
        {!list && !waitingError.value && (
          <p class="empty">
            <Spinner /> {t('common.loading')}
          </p>
        )}
        {list && list.length === 0 && <p class="empty">{t('issue.none')}</p>}
        {list && list.length > 0 && (
          <ul class="cards" aria-label={t('issue.title')}>
            {list.map((r) => (
              <li
                key={r.id}
                class={`card ${activeId === r.id ? 'active' : ''}`}
                data-testid="issuance-card"
                data-request-id={r.id}
              >
                <a
                  class="card-body"
                  href={`#/issuance/${encodeURIComponent(r.id)}`}
                  aria-current={activeId === r.id ? 'page' : undefined}
                >
                  <div class="card-top">
                    <UrgencyBadge urgency={r.urgency} quiet />
                    <span class="deadline">{t('issue.signedAt', { time: formatDateTime(r.updated_at) })}</span>
                  </div>
                  <h3 class="card-title">{r.title}</h3>
                  <p class="card-meta">
                    {r.document_type} · {t('issue.signer', { name: r.signer.full_name })}
                  </p>
                  <p class="card-unit">{r.unit.name}</p>
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  )
}

/** Electronic copies (bản sao điện tử) of an issued document: sao y or sao
 * lục under the copy's own number, made by the gateway and saved here. */
function Copies({ id }: { id: string }) {
  const [kind, setKind] = useState<CopyKind>('sao_y')
  const [number, setNumber] = useState('')
  const [touched, setTouched] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const [made, setMade] = useState<CopyResult[]>([])
  const numberError = touched && !number.trim() ? t('copy.numberRequired') : null

  async function make(e: Event) {
    e.preventDefault()
    setTouched(true)
    setError(null)
    if (!number.trim()) return
    setBusy(true)
    try {
      const r = await ipc.makeCopy(id, kind, number.trim())
      setMade((m) => [...m, r])
      setNumber('')
      setTouched(false)
      say(t('copy.done', { number: r.copy.number_symbol }), 'ok')
    } catch (err) {
      const k = toKysoError(err)
      if (!handleGlobalError(k)) setError(k)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="stack copies" onSubmit={make} noValidate aria-labelledby="copies-title" data-testid="copies">
      <h3 id="copies-title">{t('copy.title')}</h3>
      <div class="segmented" role="radiogroup" aria-label={t('copy.kind')}>
        {(['sao_y', 'sao_luc'] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="radio"
            aria-checked={kind === k}
            class={kind === k ? 'active' : ''}
            onClick={() => setKind(k)}
          >
            {t(`copy.${k}`)}
          </button>
        ))}
      </div>
      <Field label={t('copy.number')} hint={t('copy.numberHint')} id="copy-number" error={numberError}>
        <input
          id="copy-number"
          type="text"
          value={number}
          maxLength={100}
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => setNumber(e.currentTarget.value)}
          aria-invalid={!!numberError}
        />
      </Field>
      {error && <ErrorBox error={error} />}
      <button type="submit" class="secondary" disabled={busy} data-testid="copy-make">
        {busy ? <Spinner label={t('copy.working')} /> : <Icon name="doc" />}
        {busy ? t('copy.working') : t('copy.make')}
      </button>
      {made.length > 0 && (
        <ul data-testid="copies-made">
          {made.map((r) => (
            <li key={r.copy.id} data-indication={r.verification.indication}>
              {t(`copy.${r.copy.kind}`)} {r.copy.number_symbol} ·{' '}
              {r.verification.indication === 'TOTAL_PASSED' ? t('copy.valid') : t(`verify.${r.verification.indication}`)}
              <span class="mono small"> {r.path}</span>
            </li>
          ))}
        </ul>
      )}
    </form>
  )
}

/** The form's date: today in Vietnam, as typed there. */
function today(): string {
  return formatDate(new Date())
}

export function IssueDesk({ id }: { id: string }) {
  const req = waiting.value?.find((r) => r.id === id) ?? null
  const [doc, setDoc] = useState<DocumentInfo | null>(null)
  const [docError, setDocError] = useState<KysoError | null>(null)
  const [number, setNumber] = useState('')
  const [date, setDate] = useState(today)
  const [touched, setTouched] = useState(false)
  const [confirm, setConfirm] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const [result, setResult] = useState<IssueResult | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const pagesBox = useRef<HTMLDivElement>(null)
  const scroller = useRef<HTMLDivElement>(null)
  const [root, setRoot] = useState<Element | null>(null)
  const shown = doc && (doc.id === id || doc.id === `${id}/issued`) ? doc : null
  const boxWidth = useWidth(pagesBox, shown?.id ?? null)
  const near = useNearSet(pagesBox, root, '.page', '100% 0px', `${shown?.id}:${boxWidth > 16}`, [1])
  useLayoutEffect(() => {
    if (scroller.current !== root) setRoot(scroller.current)
  })

  async function open() {
    setDocError(null)
    try {
      setDoc(await ipc.openIssuanceDocument(id))
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) setDocError(err)
    }
  }
  useEffect(() => {
    setDoc(null)
    setNumber('')
    setDate(today())
    setTouched(false)
    setResult(null)
    setSaved(null)
    setError(null)
    setConfirm(false)
    if (!waiting.value) void refreshIssuance()
    void open()
  }, [id])

  const iso = parseVnDate(date)
  const numberError = touched && !number.trim() ? t('issue.numberRequired') : null
  const dateError = touched && !iso ? t('issue.dateInvalid') : null

  function review(e: Event) {
    e.preventDefault()
    setTouched(true)
    setError(null)
    if (number.trim() && iso) setConfirm(true)
  }

  async function issue() {
    if (!iso) return
    setBusy(true)
    setError(null)
    try {
      const r = await ipc.issue(id, number.trim(), iso)
      setResult(r)
      // From now on the pages are the issued PDF's, with the seal.
      setDoc(r.document)
      setConfirm(false)
      waiting.value = (waiting.value ?? []).filter((w) => w.id !== id)
      say(t('issue.done', { number: r.issuance.number_symbol }), 'ok')
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) setError(err)
    } finally {
      setBusy(false)
    }
  }

  async function save() {
    setError(null)
    try {
      const path = await ipc.saveIssued(id)
      setSaved(path)
      say(t('issue.saved'), 'ok')
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) setError(err)
    }
  }

  const pageWidth = Math.max(0, Math.floor(boxWidth - 16))
  const title = result?.issuance.request.title ?? req?.title ?? ''

  return (
    <section class="doc pane-inner issue-desk" aria-labelledby="issue-doc-title">
      <div class="doc-scroll" ref={scroller}>
        <header class="doc-head">
          <h2 id="issue-doc-title">{title}</h2>
          {req && (
            <p class="card-meta">
              {req.document_type} · {t('issue.signer', { name: req.signer.full_name })}
              {doc ? ` · ${t('doc.pageCount', { n: doc.page_count })}` : ''}
            </p>
          )}
          {doc && (
            <p class="muted small mono" data-testid="issue-signed-sha">
              {result ? t('issue.issuedSha') : t('issue.signedSha')}: {shaPrefix(doc.sha256)}…
            </p>
          )}
        </header>

        {result ? (
          <div class="stack issue-result" data-testid="issue-result">
            <p class="note ok" role="status">
              <Icon name="check" size={18} />{' '}
              {t('issue.resultLine', {
                number: result.issuance.number_symbol,
                date: formatIsoDate(result.issuance.date)
              })}
            </p>
            <dl class="facts">
              <dt>{t('issue.number')}</dt>
              <dd>{result.issuance.number_symbol}</dd>
              <dt>{t('issue.date')}</dt>
              <dd>{formatIsoDate(result.issuance.date)}</dd>
              <dt>{t('issue.signatures')}</dt>
              <dd data-testid="issue-signatures">{t('issue.signatureCount', { n: result.verification.signatures })}</dd>
              <dt>{t('issue.issuedSha')}</dt>
              <dd class="mono">{shaPrefix(result.issuance.issued_sha256)}…</dd>
            </dl>
            <VerificationView v={result.verification} />
            <div class="row gap">
              <button type="button" class="primary" onClick={() => void save()} data-testid="issue-save">
                <Icon name="download" />
                {t('issue.save')}
              </button>
              <button type="button" class="secondary" onClick={() => navigate({ name: 'issuance' })}>
                {t('issue.next')}
              </button>
            </div>
            {saved && (
              <p class="note" data-testid="issue-saved-path">
                {t('issue.savedAt')} <span class="mono">{saved}</span>
              </p>
            )}
            <Copies id={id} />
          </div>
        ) : (
          <form class="stack issue-form" onSubmit={review} noValidate>
            <p class="muted small">{t('issue.explain')}</p>
            <div class="issue-fields">
              <Field label={t('issue.number')} hint={t('issue.numberHint')} id="issue-number" error={numberError}>
                <input
                  id="issue-number"
                  data-testid="issue-number"
                  type="text"
                  value={number}
                  maxLength={100}
                  autoComplete="off"
                  spellcheck={false}
                  onInput={(e) => setNumber(e.currentTarget.value)}
                  aria-invalid={!!numberError}
                />
              </Field>
              <Field label={t('issue.date')} hint={t('issue.dateHint')} id="issue-date" error={dateError}>
                <input
                  id="issue-date"
                  type="text"
                  inputMode="numeric"
                  value={date}
                  placeholder="dd/mm/yyyy"
                  onInput={(e) => setDate(e.currentTarget.value)}
                  aria-invalid={!!dateError}
                />
              </Field>
            </div>
            {error && !confirm && <ErrorBox error={error} />}
            <button type="submit" class="primary" disabled={!shown} data-testid="issue-review">
              <Icon name="seal" />
              {t('issue.action')}
            </button>
          </form>
        )}

        <Pages
          box={pagesBox}
          opening={!shown && !docError}
          error={docError}
          onRetry={() => void open()}
          shown={shown}
          pageWidth={pageWidth}
          near={(n) => near.has(n)}
        />
      </div>

      <Sheet open={confirm} onClose={() => !busy && setConfirm(false)} labelledBy="issue-confirm-title" dismissable={!busy}>
        <div class="stack">
          <h2 id="issue-confirm-title">{t('issue.confirmTitle')}</h2>
          <dl class="facts">
            <dt>{t('issue.document')}</dt>
            <dd>{title}</dd>
            <dt>{t('issue.number')}</dt>
            <dd data-testid="confirm-number">{number.trim()}</dd>
            <dt>{t('issue.date')}</dt>
            <dd>{iso ? formatIsoDate(iso) : ''}</dd>
            <dt>{t('issue.sealOf')}</dt>
            <dd>{req?.unit.name ?? ''}</dd>
          </dl>
          <p class="note warn">{t('issue.final')}</p>
          {error && <ErrorBox error={error} />}
          <div class="row gap end">
            <button type="button" class="secondary" onClick={() => setConfirm(false)} disabled={busy}>
              {t('common.cancel')}
            </button>
            <button type="button" class="primary" onClick={() => void issue()} disabled={busy} data-testid="issue-confirm">
              {busy ? <Spinner label={t('issue.working')} /> : <Icon name="seal" />}
              {busy ? t('issue.working') : t('issue.confirm')}
            </button>
          </div>
        </div>
      </Sheet>
    </section>
  )
}
