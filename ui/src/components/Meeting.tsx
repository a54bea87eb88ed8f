// The meeting screen, laid out for tablets in landscape: the agenda on the
// left (documents, draft conclusions, opinions, the conclusion to sign),
// the document on the right (one page at a time, zoom, private notes), and
// the presenter bar above: follow the presenter, step away and return, or
// present. On phones the same parts stack.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import * as ipc from '../ipc'
import type {
  AgendaItem,
  DocumentInfo,
  DownloadProgress,
  ItemSummary,
  KysoError,
  MeetingView,
  Note,
  OpinionKind,
  PresenterState
} from '../ipc'
import { toKysoError } from '../ipc'
import { lang, t } from '../i18n'
import { formatDateTime, formatMeetingTime } from '../format'
import { app, errorText, handleGlobalError, navigate, say, signWhenShown } from '../store'
import { ErrorBox, Spinner } from './common'
import { Icon } from './icons'
import { PageImage, useWidth } from './Document'

const ZOOMS = [1, 1.25, 1.5, 2, 3]

type Mode = 'follow' | 'free' | 'present'

interface Place {
  doc: string
  page: number
  zoom: number
}

function OpinionBox(props: {
  meeting: string
  item: AgendaItem
  summary: ItemSummary | null
  queued: number
  onChanged: () => void
}) {
  const [kind, setKind] = useState<OpinionKind | null>(null)
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const s = props.summary
  const needsText = kind === 'disagree' || kind === 'comment'

  async function send(k: OpinionKind, body: string | null) {
    setBusy(true)
    setError(null)
    try {
      const r = await ipc.giveOpinion(props.meeting, props.item.id, k, body)
      say(r.queued ? t('meet.opinionQueued') : t('meet.opinionSent'), r.queued ? 'warn' : 'ok')
      setKind(null)
      setText('')
      props.onChanged()
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="opinions" data-testid="opinions">
      {s && (
        <p class="opinion-counts">
          <span class="agree">{t('meet.agreeN', { n: s.agree })}</span>
          <span class="disagree">{t('meet.disagreeN', { n: s.disagree })}</span>
          <span>{t('meet.commentsN', { n: s.comments })}</span>
          {s.my_stance && (
            <span class="mine" data-testid="my-stance">
              {t('meet.myStance', { stance: t(`meet.kind.${s.my_stance}`) })}
            </span>
          )}
        </p>
      )}
      {props.queued > 0 && (
        <p class="note warn" data-testid="queued-opinions">
          {t('meet.queuedN', { n: props.queued })}
        </p>
      )}
      {s && s.opinions.length > 0 && (
        <ul class="opinion-list">
          {s.opinions.map((o) => (
            <li key={o.id} class={`op-${o.kind}`}>
              <strong>{o.mine ? t('meet.me') : t(`meet.kind.${o.kind}`)}</strong>
              {o.mine ? ` (${t(`meet.kind.${o.kind}`)})` : ''}: {o.text}
            </li>
          ))}
        </ul>
      )}
      <div class="row wrap gap-s">
        <button type="button" class="secondary small" disabled={busy} onClick={() => void send('agree', null)}>
          <Icon name="check" size={18} />
          {t('meet.kind.agree')}
        </button>
        <button
          type="button"
          class={`secondary small ${kind === 'disagree' ? 'on' : ''}`}
          aria-pressed={kind === 'disagree'}
          disabled={busy}
          onClick={() => setKind(kind === 'disagree' ? null : 'disagree')}
        >
          {t('meet.kind.disagree')}
        </button>
        <button
          type="button"
          class={`secondary small ${kind === 'comment' ? 'on' : ''}`}
          aria-pressed={kind === 'comment'}
          disabled={busy}
          onClick={() => setKind(kind === 'comment' ? null : 'comment')}
        >
          {t('meet.kind.comment')}
        </button>
      </div>
      {needsText && (
        <form
          class="opinion-form"
          onSubmit={(e) => {
            e.preventDefault()
            if (text.trim()) void send(kind, text.trim())
          }}
        >
          <label class="sr-only" for={`op-${props.item.id}`}>
            {kind === 'disagree' ? t('meet.why') : t('meet.commentText')}
          </label>
          <textarea
            id={`op-${props.item.id}`}
            rows={3}
            maxLength={4000}
            placeholder={kind === 'disagree' ? t('meet.why') : t('meet.commentText')}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="primary small" disabled={busy || !text.trim()}>
            {t('meet.send')}
          </button>
        </form>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  )
}

function Notes(props: { meeting: string; place: Place | null; notes: Note[]; onNotes: (n: Note[]) => void }) {
  const p = props.place
  const current = p ? props.notes.find((n) => n.document_id === p.doc && n.page === p.page) : undefined
  const [text, setText] = useState(current?.text ?? '')
  const [busy, setBusy] = useState(false)
  // Before paint: the page's heading and its note change in the same frame.
  useLayoutEffect(() => setText(current?.text ?? ''), [p?.doc, p?.page, current?.text])
  if (!p) return null

  async function save() {
    if (!p) return
    setBusy(true)
    try {
      props.onNotes(await ipc.saveNote(props.meeting, p.doc, p.page, text))
      say(text.trim() ? t('meet.noteSaved') : t('meet.noteRemoved'), 'ok')
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) say(errorText(err), 'warn')
    } finally {
      setBusy(false)
    }
  }

  async function exportAll() {
    try {
      const path = await ipc.exportNotes(props.meeting)
      say(t('meet.exported', { path }), 'ok')
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) say(errorText(err), 'warn')
    }
  }

  return (
    <details class="notes" open={!!current}>
      <summary>
        <Icon name="note" size={18} /> {t('meet.notes', { n: p.page })}
        {props.notes.length > 0 && <span class="count">{props.notes.length}</span>}
      </summary>
      <p class="muted small">{t('meet.notesPrivate')}</p>
      <textarea
        rows={3}
        maxLength={10000}
        aria-label={t('meet.notes', { n: p.page })}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        data-testid="note-text"
      />
      <div class="row gap-s">
        <button type="button" class="primary small" disabled={busy || text === (current?.text ?? '')} onClick={() => void save()}>
          {t('meet.saveNote')}
        </button>
        <button type="button" class="secondary small" disabled={props.notes.length === 0} onClick={() => void exportAll()}>
          {t('meet.exportNotes')}
        </button>
      </div>
    </details>
  )
}

export function MeetingScreen({ id }: { id: string }) {
  const [view, setView] = useState<MeetingView | null>(null)
  const [error, setError] = useState<KysoError | null>(null)
  const [place, setPlace] = useState<Place | null>(null)
  const [mode, setMode] = useState<Mode>('follow')
  const [presenter, setPresenter] = useState<PresenterState | null>(null)
  const [doc, setDoc] = useState<DocumentInfo | null>(null)
  const [docError, setDocError] = useState<KysoError | null>(null)
  const [download, setDownload] = useState<DownloadProgress | null>(null)
  const [notes, setNotes] = useState<Note[]>([])
  const box = useRef<HTMLDivElement>(null)
  const width = useWidth(box)
  const me = app.value?.user
  const l = lang.value
  const modeRef = useRef(mode)
  modeRef.current = mode

  async function load() {
    try {
      const v = await ipc.meeting(id)
      setView(v)
      setNotes(v.notes)
      setError(null)
      const first = v.meeting.agenda.flatMap((i) => i.documents)[0]
      setPlace((p) => p ?? (first ? { doc: first.id, page: 1, zoom: 1 } : null))
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) setError(err)
    }
  }

  useEffect(() => {
    setView(null)
    setPlace(null)
    setMode('follow')
    setPresenter(null)
    void load()
    const offs = [
      ipc.on('presenter', (s) => {
        if (s.meeting_id === id) setPresenter((old) => (old && old.seq >= s.seq ? old : s))
      }),
      ipc.on('meeting-download', (p) => {
        if (p.meeting_id === id) setDownload(p)
      })
    ]
    void ipc.followMeeting(id).catch(() => {})
    return () => {
      void ipc.followMeeting(null).catch(() => {})
      offs.forEach((o) => void o.then((f) => f()))
    }
  }, [id])

  // Following: the presenter's page is ours.
  useEffect(() => {
    if (presenter && modeRef.current === 'follow') {
      setPlace({ doc: presenter.document_id, page: presenter.page, zoom: presenter.zoom })
    }
  }, [presenter])

  // The document shown, opened (from the device when downloaded).
  useEffect(() => {
    if (!place) return
    if (doc?.id === place.doc) return
    let live = true
    setDocError(null)
    ipc.openMeetingDocument(id, place.doc).then(
      (d) => live && setDoc(d),
      (e) => {
        const err = toKysoError(e)
        if (live && !handleGlobalError(err)) setDocError(err)
      }
    )
    return () => {
      live = false
    }
  }, [place?.doc, id])

  if (error && !view) {
    return (
      <section class="meeting pane-inner">
        <ErrorBox error={error}>
          <button type="button" onClick={() => void load()}>
            {t('common.retry')}
          </button>
        </ErrorBox>
      </section>
    )
  }
  if (!view) {
    return (
      <section class="meeting pane-inner">
        <p class="empty">
          <Spinner /> {t('common.loading')}
        </p>
      </section>
    )
  }

  const m = view.meeting
  const canPresent = !!me && (me.id === m.chair_id || me.id === m.presenter_id)
  const isChair = !!me && me.id === m.chair_id
  const allDocs = m.agenda.flatMap((i) => i.documents)
  const downloaded = new Set(view.downloaded)
  const allDownloaded = allDocs.every((d) => downloaded.has(d.id))
  const presenterName = presenter ? m.participants.find((p) => p.id === presenter.presenter)?.full_name : undefined
  const shownDoc = doc && place && doc.id === place.doc ? doc : null
  const pages = shownDoc?.page_count ?? allDocs.find((d) => d.id === place?.doc)?.pages ?? 1

  /** The leader moves: following stops (until "return"); presenting, the
   * followers move too. */
  function go(next: Place) {
    const page = Math.min(Math.max(1, next.page), next.doc === place?.doc ? pages : next.page)
    const p = { ...next, page }
    setPlace(p)
    if (mode === 'follow' && presenter) setMode('free')
    if (mode === 'present') {
      ipc.present(id, p.doc, p.page, p.zoom).then(setPresenter, (e) => {
        const err = toKysoError(e)
        if (!handleGlobalError(err)) say(errorText(err), 'warn')
        setMode('free')
      })
    }
  }

  function returnToPresenter() {
    setMode('follow')
    if (presenter) setPlace({ doc: presenter.document_id, page: presenter.page, zoom: presenter.zoom })
  }

  function startPresenting() {
    if (!place) return
    setMode('present')
    ipc.present(id, place.doc, place.page, place.zoom).then(setPresenter, (e) => {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) say(errorText(err), 'warn')
      setMode('free')
    })
  }

  async function downloadAll() {
    setDownload({ meeting_id: id, done: 0, total: allDocs.length })
    try {
      const ids = await ipc.downloadMeeting(id)
      setView((v) => (v ? { ...v, downloaded: ids } : v))
      say(t('meet.downloaded'), 'ok')
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) say(errorText(err), 'warn')
    } finally {
      setDownload(null)
    }
  }

  async function delegate(user: string | null) {
    try {
      const meeting = await ipc.delegatePresenter(id, user)
      setView((v) => (v ? { ...v, meeting } : v))
      const name = meeting.participants.find((p) => p.id === meeting.presenter_id)?.full_name ?? '—'
      say(user ? t('meet.delegated', { name }) : t('meet.delegatedBack'), 'ok')
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) say(errorText(err), 'warn')
    }
  }

  function signConclusion(requestId: string) {
    signWhenShown.value = requestId
    navigate({ name: 'inbox', id: requestId })
  }

  const zoomIdx = Math.max(0, ZOOMS.findIndex((z) => z >= (place?.zoom ?? 1) - 1e-6))
  const pageWidth = Math.max(0, Math.floor((width - 16) * (place?.zoom ?? 1)))

  return (
    <section class="meeting" aria-labelledby="meeting-title" data-mode={mode}>
      <header class="meeting-head">
        <div>
          <h2 id="meeting-title">{m.title}</h2>
          <p class="card-meta">
            {formatMeetingTime(m.starts_at, m.ends_at, l)} · {m.place}
          </p>
          {view.from_cache && <p class="note warn">{t('meet.offline')}</p>}
        </div>
        <button
          type="button"
          class="secondary"
          data-testid="download-all"
          disabled={!!download || allDownloaded}
          onClick={() => void downloadAll()}
        >
          <Icon name={allDownloaded ? 'check' : 'download'} />
          {download
            ? t('meet.downloading', { done: download.done, total: download.total })
            : allDownloaded
              ? t('meet.allDownloaded')
              : t('meet.downloadAll')}
        </button>
      </header>

      <div class={`presenter-bar mode-${mode}`} role="status" aria-live="polite" data-testid="presenter-bar">
        <Icon name="present" />
        <span class="presenter-text">
          {mode === 'present'
            ? t('meet.presenting')
            : mode === 'free'
              ? t('meet.away')
              : presenter
                ? t('meet.following', { name: presenterName ?? '—', page: presenter.page })
                : t('meet.noPresenter')}
        </span>
        {mode === 'free' && presenter && (
          <button type="button" class="primary small" data-testid="return-presenter" onClick={returnToPresenter}>
            {t('meet.return')}
          </button>
        )}
        {canPresent && mode !== 'present' && (
          <button type="button" class="secondary small" data-testid="start-present" onClick={startPresenting}>
            {t('meet.present')}
          </button>
        )}
        {mode === 'present' && (
          <button type="button" class="secondary small" onClick={() => setMode('free')}>
            {t('meet.stopPresenting')}
          </button>
        )}
        {isChair && (
          <label class="delegate">
            <span>{t('meet.delegate')}</span>
            <select
              value={m.presenter_id === m.chair_id ? '' : m.presenter_id}
              data-testid="delegate"
              onChange={(e) => void delegate(e.currentTarget.value || null)}
            >
              <option value="">{t('meet.chairOnly')}</option>
              {m.participants
                .filter((p) => p.id !== m.chair_id)
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.full_name}
                  </option>
                ))}
            </select>
          </label>
        )}
      </div>

      <div class="meeting-body">
        <nav class="agenda" aria-label={t('meet.agenda')}>
          <h3 class="agenda-title">{t('meet.agenda')}</h3>
          <ol>
            {m.agenda.map((item, i) => (
              <li key={item.id} class="agenda-item" data-testid="agenda-item">
                <h4>
                  {i + 1}. {item.title}
                </h4>
                <ul class="agenda-docs">
                  {item.documents.map((d) => (
                    <li key={d.id}>
                      <button
                        type="button"
                        class={`agenda-doc ${place?.doc === d.id ? 'active' : ''}`}
                        aria-current={place?.doc === d.id ? 'true' : undefined}
                        data-doc-id={d.id}
                        onClick={() => go({ doc: d.id, page: 1, zoom: 1 })}
                      >
                        <Icon name="doc" size={18} />
                        <span>{d.title}</span>
                        <span class="muted">{t('doc.pageCount', { n: d.pages })}</span>
                        {downloaded.has(d.id) && (
                          <span class="on-device" title={t('meet.onDevice')} aria-label={t('meet.onDevice')}>
                            <Icon name="check" size={16} />
                          </span>
                        )}
                      </button>
                    </li>
                  ))}
                </ul>
                {item.draft_conclusion && (
                  <blockquote class="conclusion">
                    <strong>{t('meet.draftConclusion')}:</strong> {item.draft_conclusion}
                  </blockquote>
                )}
                {item.conclusion_request_id && isChair && (
                  <button
                    type="button"
                    class="primary small"
                    data-testid="sign-conclusion"
                    onClick={() => signConclusion(item.conclusion_request_id!)}
                  >
                    <Icon name="fingerprint" size={18} />
                    {t('meet.signConclusion')}
                  </button>
                )}
                <OpinionBox
                  meeting={m.id}
                  item={item}
                  summary={view.summary?.items.find((s) => s.item_id === item.id) ?? null}
                  queued={view.queued.filter((q) => q.item_id === item.id).length}
                  onChanged={() => void load()}
                />
              </li>
            ))}
          </ol>
        </nav>

        <div class="meeting-doc">
          {place && (
            <div class="doc-toolbar" role="toolbar" aria-label={t('doc.toolbar')}>
              <button
                type="button"
                class="icon-btn"
                aria-label={t('meet.prevPage')}
                disabled={place.page <= 1}
                onClick={() => go({ ...place, page: place.page - 1 })}
              >
                <Icon name="prev" />
              </button>
              <span class="page-indicator" data-testid="meeting-page">
                {t('doc.pageOf', { n: place.page, total: pages })}
              </span>
              <button
                type="button"
                class="icon-btn"
                aria-label={t('meet.nextPage')}
                disabled={place.page >= pages}
                onClick={() => go({ ...place, page: place.page + 1 })}
              >
                <Icon name="next" />
              </button>
              <span class="spacer" />
              <button
                type="button"
                class="icon-btn"
                aria-label={t('doc.zoomOut')}
                disabled={zoomIdx === 0}
                onClick={() => go({ ...place, zoom: ZOOMS[zoomIdx - 1] ?? 1 })}
              >
                <Icon name="zoomOut" />
              </button>
              <span class="zoom-level" aria-label={t('doc.zoomLevel')}>
                {Math.round(place.zoom * 100)}%
              </span>
              <button
                type="button"
                class="icon-btn"
                aria-label={t('doc.zoomIn')}
                disabled={zoomIdx >= ZOOMS.length - 1}
                onClick={() => go({ ...place, zoom: ZOOMS[zoomIdx + 1] ?? 3 })}
              >
                <Icon name="zoomIn" />
              </button>
            </div>
          )}
          <div class="meeting-page" ref={box} data-doc={place?.doc} data-page={place?.page}>
            {docError && <ErrorBox error={docError} />}
            {!shownDoc && !docError && (
              <p class="empty">
                <Spinner /> {t('doc.opening')}
              </p>
            )}
            {shownDoc && place && pageWidth > 0 && (
              <PageImage
                key={`${shownDoc.id}-${place.page}-${place.zoom}`}
                id={shownDoc.id}
                page={Math.min(place.page, shownDoc.page_count)}
                size={shownDoc.pages[Math.min(place.page, shownDoc.page_count) - 1]!}
                cssWidth={pageWidth}
                near
              />
            )}
          </div>
          <Notes meeting={m.id} place={place} notes={notes} onNotes={setNotes} />
          {presenter && (
            <p class="muted small presenter-seq" data-seq={presenter.seq}>
              {t('meet.lastChange', { time: formatDateTime(presenter.at) })}
            </p>
          )}
        </div>
      </div>
    </section>
  )
}
