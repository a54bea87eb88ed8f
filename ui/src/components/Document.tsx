// The document: metadata, pages rendered by Rust (lazy, zoomable), a page
// strip, and the sign / decline actions.

import type { Ref } from 'preact'
import { render } from 'preact'
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import * as ipc from '../ipc'
import type { DocumentInfo, KysoError, PageSize, SigningRequest } from '../ipc'
import { toKysoError } from '../ipc'
import { lang, t } from '../i18n'
import { deadlineState, formatBytes, formatDateTime, formatLongDate } from '../format'
import { changed, findRequest, handleGlobalError, navigate, queue, signWhenShown, upsert } from '../store'
import { pageUrl, tinyPngUrl } from '../pages'
import { pageLoaded, step } from '../timing'
import { ErrorBox, Spinner, StatusBadge, UrgencyBadge } from './common'
import { Icon } from './icons'
import { SignSheet } from './Sign'
import { DeclineSheet } from './Decline'

const ZOOMS = [1, 1.25, 1.5, 2, 3]

// Opening a document is a chain of renders; a step that waits in a
// useEffect waits for a painted frame (Preact runs them after paint), so
// the steps on the way to page 1 (the width, the document's loading, page
// 1's request) run in layout effects, right after their render.

/** The element's width, followed as it resizes. With `key` (the document
 * shown): 0 until measured again for that key, right after the render that
 * showed it and before its paint, so that what appears with a document
 * (the page strip beside the pages) is already in the width page 1 is
 * asked for, and page 1 is not rendered twice. */
export function useWidth(ref: { current: HTMLElement | null }, key: string | null = null) {
  const [m, setM] = useState<{ w: number; key: string | null }>({ w: 0, key })
  const keyRef = useRef(key)
  keyRef.current = key
  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    const ro = new ResizeObserver(() => setM({ w: el.clientWidth, key: keyRef.current }))
    ro.observe(el)
    return () => ro.disconnect()
  }, [ref.current])
  useLayoutEffect(() => {
    const el = ref.current
    if (el) setM({ w: el.clientWidth, key })
  }, [ref.current, key])
  return m.key === key ? m.w : 0
}

/** The pages (their `data-key` numbers) that have come near the root's
 * visible area, among the elements matching `selector` inside `list`: one
 * IntersectionObserver for the whole list (not one per page), and a page
 * once near stays in the set, so its image is kept. Starts over when `reset`
 * changes (another document, another zoom), with the pages `start` (those
 * on screen at the top of a document) near at once, in that same render,
 * without waiting for the observer's first report. A null `root` observes
 * nothing yet. */
export function useNearSet(
  list: { current: Element | null },
  root: Element | null,
  selector: string,
  margin: string,
  reset: string,
  start: number[] = []
): Set<number> {
  const [state, setState] = useState<{ reset: string; near: Set<number> }>(() => ({ reset, near: new Set(start) }))
  const near = state.reset === reset ? state.near : new Set(start)
  const setNear = (f: (prev: Set<number>) => Set<number>) =>
    setState((s) => ({ reset, near: f(s.reset === reset ? s.near : new Set(start)) }))
  useEffect(() => {
    const el = list.current
    if (!el || !root) return
    const io = new IntersectionObserver(
      (entries) => {
        const come = entries.filter((e) => e.isIntersecting).map((e) => Number((e.target as HTMLElement).dataset.key))
        if (come.length === 0) return
        for (const e of entries) if (e.isIntersecting) io.unobserve(e.target)
        setNear((prev) => {
          const next = new Set(prev)
          for (const n of come) next.add(n)
          return next
        })
      },
      { root, rootMargin: margin }
    )
    el.querySelectorAll(selector).forEach((p) => io.observe(p))
    return () => io.disconnect()
  }, [list.current, root, reset])
  return near
}

/** Page `page` of `id`: a box of the page's size, and once `near`, its
 * image (rendered by Rust at the box's width in device pixels). */
export function PageImage(props: {
  id: string
  page: number
  size: PageSize
  cssWidth: number
  near: boolean
  thumb?: boolean
  /** Its image loaded and painted, or failed. */
  onSettled?: () => void
}) {
  const { id, page, size, cssWidth, near } = props
  const [url, setUrl] = useState<string | null>(null)
  const [failed, setFailed] = useState(false)
  const height = Math.round((cssWidth * size.height) / size.width)
  const px = Math.round(cssWidth * (window.devicePixelRatio || 1))
  const first = page === 1 && !props.thumb
  useLayoutEffect(() => {
    if (!near || cssWidth <= 0) return
    let live = true
    if (first) step(id, 'asked')
    pageUrl(id, page, px, props.thumb ? 'low' : first ? 'first' : 'page').then(
      (u) => {
        if (first) step(id, 'received')
        if (live) setUrl(u)
      },
      () => {
        if (!live) return
        setFailed(true)
        props.onSettled?.()
      }
    )
    return () => {
      live = false
    }
  }, [near, id, page, px, props.thumb])
  return (
    <div
      class={props.thumb ? 'thumb-img' : 'page'}
      style={{ width: `${cssWidth}px`, height: `${height}px` }}
      data-page={page}
      data-key={page}
    >
      {url ? (
        <img
          src={url}
          alt={props.thumb ? '' : t('doc.pageAlt', { n: page })}
          width={cssWidth}
          height={height}
          draggable={false}
          onLoad={(e) => {
            const img = e.currentTarget
            if (!props.thumb) pageLoaded(id, page, img)
            // Once it is decoded and the frame that paints it has begun: what
            // waits for it (other pages, thumbnails) must not delay that
            // frame.
            const settled = props.onSettled
            if (settled) {
              const after = () => requestAnimationFrame(() => setTimeout(settled, 0))
              img.decode().then(after, after)
            }
          }}
        />
      ) : failed ? (
        <span class="page-failed">{t('doc.pageFailed')}</span>
      ) : (
        near && !props.thumb && <Spinner label={t('doc.pageLoading', { n: page })} />
      )}
    </div>
  )
}

/** The box of a document's pages: "opening" while it is, its error with a
 * retry, then a PageImage per page of `shown` (each asked for once `near`
 * says so; `version` renews them, e.g. on zoom). Used by the leader's
 * document and the clerk's desk. */
export function Pages(props: {
  box: Ref<HTMLDivElement>
  opening: boolean
  error: KysoError | null
  onRetry: () => void
  shown: DocumentInfo | null
  pageWidth: number
  version?: number
  near: (page: number) => boolean
  /** Page 1 loaded and painted, or failed. */
  onFirstSettled?: () => void
}) {
  const { shown, pageWidth } = props
  return (
    <div class="pages" ref={props.box}>
      {props.opening && (
        <p class="empty">
          <Spinner /> {t('doc.opening')}
        </p>
      )}
      {props.error && (
        <ErrorBox error={props.error}>
          <button type="button" onClick={props.onRetry}>
            {t('common.retry')}
          </button>
        </ErrorBox>
      )}
      {shown &&
        pageWidth > 0 &&
        shown.pages.map((size, i) => (
          <PageImage
            key={`${shown.id}-${i}-${props.version ?? 0}`}
            id={shown.id}
            page={i + 1}
            size={size}
            cssWidth={pageWidth}
            near={props.near(i + 1)}
            onSettled={i === 0 ? props.onFirstSettled : undefined}
          />
        ))}
    </div>
  )
}

/** The strip's buttons before page 1 is on screen: what a screen shows of
 * it (about 4 on a phone, 7 on a tablet). */
const STRIP_FIRST = 12

/** The page strip; its thumbnails are rendered once `ready` (page 1 of the
 * document is on screen: they would compete with it), and so are its
 * buttons after the first STRIP_FIRST: laying out all of a long document's
 * held up the answer with page 1 on a process's first open (scripts/bench-app). */
function Strip(props: { doc: DocumentInfo; current: number; ready: boolean; onPick: (n: number) => void }) {
  const ref = useRef<HTMLDivElement>(null)
  const [root, setRoot] = useState<Element | null>(null)
  useEffect(() => setRoot(ref.current), [])
  const near = useNearSet(ref, props.ready ? root : null, '.thumb-img', '200px', `${props.doc.id}:${props.ready}`)
  useEffect(() => {
    ref.current
      ?.querySelector(`[data-thumb="${props.current}"]`)
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' })
  }, [props.current])
  return (
    <nav class="page-strip" aria-label={t('doc.strip')}>
      <div class="strip-scroll" ref={ref}>
        {(props.ready ? props.doc.pages : props.doc.pages.slice(0, STRIP_FIRST)).map((size, i) => (
          <button
            key={i}
            type="button"
            class={`thumb ${props.current === i + 1 ? 'current' : ''}`}
            data-thumb={i + 1}
            aria-label={t('doc.goPage', { n: i + 1 })}
            aria-current={props.current === i + 1 ? 'page' : undefined}
            onClick={() => props.onPick(i + 1)}
          >
            <PageImage id={props.doc.id} page={i + 1} size={size} cssWidth={44} near={near.has(i + 1)} thumb />
            <span class="thumb-num">{i + 1}</span>
          </button>
        ))}
      </div>
    </nav>
  )
}

function Meta({ r, doc }: { r: SigningRequest; doc: DocumentInfo | null }) {
  const l = lang.value
  return (
    <details class="doc-meta">
      <summary>{t('doc.meta')}</summary>
      <dl class="facts">
        <dt>{t('doc.type')}</dt>
        <dd>{r.document_type}</dd>
        <dt>{t('doc.number')}</dt>
        <dd>{r.number_symbol ?? t('doc.noNumber')}</dd>
        <dt>{t('doc.unit')}</dt>
        <dd>{r.unit.name}</dd>
        <dt>{t('doc.signer')}</dt>
        <dd>
          {r.signer.full_name}
          {r.signer.title ? ` — ${r.signer.title}` : ''}
        </dd>
        <dt>{t('doc.received')}</dt>
        <dd>{formatDateTime(r.created_at)}</dd>
        {r.deadline && (
          <>
            <dt>{t('doc.deadline')}</dt>
            <dd>
              {formatDateTime(r.deadline)} ({formatLongDate(r.deadline, l)})
            </dd>
          </>
        )}
        <dt>{t('doc.pages')}</dt>
        <dd>{doc ? doc.page_count : '—'}</dd>
        <dt>{t('doc.size')}</dt>
        <dd>{formatBytes(r.document_size, l)}</dd>
        <dt>SHA-256</dt>
        <dd class="mono hash">{r.document_sha256}</dd>
        <dt>{t('doc.edxml')}</dt>
        <dd>{r.edxml_status}</dd>
        {r.external_id && (
          <>
            <dt>{t('doc.external')}</dt>
            <dd class="mono">{r.external_id}</dd>
          </>
        )}
        {r.decline_reason && (
          <>
            <dt>{t('history.reason')}</dt>
            <dd>{r.decline_reason}</dd>
          </>
        )}
      </dl>
      {doc && doc.attachments.length > 0 && (
        <>
          <h4>{t('doc.attachments')}</h4>
          <ul class="attachments">
            {doc.attachments.map((a) => (
              <li key={a.name}>
                <Icon name="paperclip" size={18} />
                <span>{a.name}</span>
                <span class="muted">{formatBytes(a.size, l)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </details>
  )
}

export function DocumentView({ id, from }: { id: string; from: 'inbox' | 'history' }) {
  const [req, setReq] = useState<SigningRequest | null>(() => findRequest(id) ?? null)
  const [reqError, setReqError] = useState<KysoError | null>(null)
  const [doc, setDoc] = useState<DocumentInfo | null>(null)
  const [docError, setDocError] = useState<KysoError | null>(null)
  const [loadingDoc, setLoadingDoc] = useState(true)
  const [zoomIdx, setZoomIdx] = useState(0)
  const [current, setCurrent] = useState(1)
  const [sheet, setSheet] = useState<'sign' | 'decline' | null>(null)
  const scroller = useRef<HTMLDivElement>(null)
  const pagesBox = useRef<HTMLDivElement>(null)
  const [root, setRoot] = useState<Element | null>(null)
  // This request's document (not the previous one's while this one opens).
  const shown = doc && doc.id === id ? doc : null
  // The render that shows the document has begun: a step on the way to
  // page 1 (ui/src/timing.ts; a mark, the first time only).
  if (shown) step(id, 'rendering')
  // The tablet's strip column (styles.css, .with-strip) is there while the
  // document opens and stays when it has several pages: the pages' width
  // is measured again only when the column comes or goes.
  const withStrip = !shown || shown.page_count > 1
  const boxWidth = useWidth(pagesBox, withStrip ? 'strip' : 'none')
  // Pages within a screen's height of the visible ones get their images.
  const nearPages = useNearSet(pagesBox, root, '.page', '100% 0px', `${shown?.id}:${zoomIdx}:${boxWidth > 16}`,
    zoomIdx === 0 ? [1] : []
  )
  // The other pages' images and the page strip's thumbnails wait until page
  // 1 is on screen (or failed): nothing competes with it for pdfium, the
  // IPC channel or the web view's decoder.
  const [firstShown, setFirstShown] = useState<string | null>(null)
  const live = changed.value[id]
  const r = live && req && live.updated_at >= req.updated_at ? live : req

  // The scroller exists only once the request is known: pick it up then.
  useLayoutEffect(() => {
    if (scroller.current !== root) setRoot(scroller.current)
  })

  async function load() {
    setReqError(null)
    setDocError(null)
    setLoadingDoc(true)
    if (!findRequest(id)) {
      try {
        setReq(await ipc.request(id))
      } catch (e) {
        const err = toKysoError(e)
        if (!handleGlobalError(err)) setReqError(err)
        setLoadingDoc(false)
        return
      }
    }
    try {
      step(id, 'opening')
      const info = await ipc.openDocument(id)
      step(id, 'described')
      setDoc(info)
    } catch (e) {
      const err = toKysoError(e)
      if (!handleGlobalError(err)) setDocError(err)
    } finally {
      setLoadingDoc(false)
    }
  }

  useLayoutEffect(() => {
    setReq(findRequest(id) ?? null)
    setDoc(null)
    setCurrent(1)
    setZoomIdx(0)
    setSheet(null)
    scroller.current?.scrollTo({ top: 0 })
    void load()
  }, [id])

  // Which page is on screen: the one covering the most of the scroller.
  useEffect(() => {
    const sc = scroller.current
    if (!sc || !doc) return
    const ratios = new Map<number, number>()
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) ratios.set(Number((e.target as HTMLElement).dataset.page), e.intersectionRatio)
        let best = 0
        let bestR = 0
        for (const [p, v] of ratios)
          if (v > bestR) {
            best = p
            bestR = v
          }
        if (best) setCurrent(best)
      },
      { root: sc, threshold: [0, 0.1, 0.25, 0.5, 0.75, 1] }
    )
    sc.querySelectorAll('.pages .page').forEach((p) => io.observe(p))
    return () => io.disconnect()
  }, [doc, zoomIdx, boxWidth > 0])

  function goPage(n: number) {
    const sc = scroller.current
    const el = sc?.querySelector<HTMLElement>(`.pages .page[data-page="${n}"]`)
    if (!sc || !el) return
    const bar = sc.querySelector<HTMLElement>('.doc-toolbar')?.offsetHeight ?? 0
    const top = el.getBoundingClientRect().top - sc.getBoundingClientRect().top + sc.scrollTop - bar - 8
    sc.scrollTo({ top, behavior: 'auto' })
    setCurrent(n)
  }

  // Zooming keeps the page that was on screen.
  const keepPage = useRef(0)
  function zoomTo(i: number) {
    keepPage.current = current
    setZoomIdx(i)
  }
  useEffect(() => {
    if (keepPage.current > 1) goPage(keepPage.current)
    keepPage.current = 0
  }, [zoomIdx])

  // A notification's "Ký ngay": the sign sheet, once the document is shown
  // and if the request is still to be signed here (else just the document).
  const signable = !!r && r.status === 'pending' && !queue.value.items.some((i) => i.request_id === r.id)
  const signAsked = signWhenShown.value === id
  useEffect(() => {
    if (!signAsked || !(shown || docError)) return
    signWhenShown.value = null
    if (shown && signable) setSheet('sign')
  }, [signAsked, shown, docError, signable])

  if (reqError) {
    return (
      <section class="doc pane-inner">
        <div class="doc-scroll">
          <ErrorBox error={reqError}>
            <button type="button" onClick={() => void load()}>
              {t('common.retry')}
            </button>
          </ErrorBox>
        </div>
      </section>
    )
  }
  if (!r) {
    return (
      <section class="doc pane-inner">
        <p class="empty">
          <Spinner /> {t('common.loading')}
        </p>
      </section>
    )
  }

  const zoom = ZOOMS[zoomIdx]!
  const pageWidth = Math.max(0, Math.floor((boxWidth - 16) * zoom))
  const dl = deadlineState(r.deadline)
  const queued = queue.value.items.some((i) => i.request_id === r.id)
  const pending = r.status === 'pending' && !queued
  const changedWhileOpen = live && live.status !== 'pending' && req?.status === 'pending'

  return (
    <section class={`doc pane-inner${withStrip ? ' with-strip' : ''}`} aria-labelledby="doc-title">
      <div class="doc-scroll" ref={scroller}>
        <header class="doc-head">
          <div class="row wrap gap-s">
            <UrgencyBadge urgency={r.urgency} />
            <StatusBadge status={r.status} />
            {r.deadline && pending && (
              <span class={`deadline dl-${dl}`}>
                {dl === 'overdue' ? t('inbox.overdue') : t('inbox.deadline')} {formatDateTime(r.deadline)}
              </span>
            )}
          </div>
          <h2 id="doc-title">{r.title}</h2>
          <p class="card-meta">
            {r.number_symbol ? `${r.number_symbol} · ` : ''}
            {r.document_type}
            {doc ? ` · ${t('doc.pageCount', { n: doc.page_count })}` : ''}
          </p>
          <p class="card-unit">{r.unit.name}</p>
          {doc?.cached && <p class="note">{t('doc.cached')}</p>}
          {queued && <p class="note warn">{t('doc.queued')}</p>}
        </header>
        {changedWhileOpen && (
          <p class="note warn" role="status">
            {t('doc.changed', { status: t(`status.${live.status}`) })}
          </p>
        )}
        <Meta r={r} doc={doc} />
        {doc && (
          <div class="doc-toolbar" role="toolbar" aria-label={t('doc.toolbar')}>
            <span class="page-indicator" aria-live="polite">
              {t('doc.pageOf', { n: current, total: doc.page_count })}
            </span>
            <div class="row">
              <button
                type="button"
                class="icon-btn"
                aria-label={t('doc.zoomOut')}
                title={t('doc.zoomOut')}
                disabled={zoomIdx === 0}
                onClick={() => zoomTo(zoomIdx - 1)}
              >
                <Icon name="zoomOut" />
              </button>
              <span class="zoom-level" aria-label={t('doc.zoomLevel')}>
                {Math.round(zoom * 100)}%
              </span>
              <button
                type="button"
                class="icon-btn"
                aria-label={t('doc.zoomIn')}
                title={t('doc.zoomIn')}
                disabled={zoomIdx === ZOOMS.length - 1}
                onClick={() => zoomTo(zoomIdx + 1)}
              >
                <Icon name="zoomIn" />
              </button>
              <button
                type="button"
                class="icon-btn"
                aria-label={t('doc.fit')}
                title={t('doc.fit')}
                disabled={zoomIdx === 0}
                onClick={() => zoomTo(0)}
              >
                <Icon name="fit" />
              </button>
            </div>
          </div>
        )}
        <Pages
          box={pagesBox}
          opening={loadingDoc && !doc}
          error={docError}
          onRetry={() => void load()}
          shown={shown}
          pageWidth={pageWidth}
          version={zoomIdx}
          near={(n) => nearPages.has(n) && (n === 1 || zoomIdx !== 0 || firstShown === shown?.id)}
          onFirstSettled={() => shown && setFirstShown(shown.id)}
        />
      </div>
      {shown && withStrip && (
        <Strip key={shown.id} doc={shown} current={current} ready={firstShown === shown.id} onPick={goPage} />
      )}
      {pending && (
        <div class="action-bar">
          <button type="button" class="secondary" onClick={() => setSheet('decline')} data-testid="doc-decline">
            <Icon name="decline" />
            {t('doc.decline')}
          </button>
          <button
            type="button"
            class="primary"
            disabled={!doc}
            onClick={() => setSheet('sign')}
            data-testid="doc-sign"
          >
            <Icon name="fingerprint" />
            {t('doc.sign')}
          </button>
        </div>
      )}
      <SignSheet
        open={sheet === 'sign'}
        request={r}
        doc={doc}
        onClose={() => setSheet(null)}
        onSettled={(updated) => {
          if (updated) {
            upsert(updated)
            setReq(updated)
          }
        }}
      />
      <DeclineSheet
        open={sheet === 'decline'}
        request={r}
        onClose={() => setSheet(null)}
        onDeclined={(updated) => {
          upsert(updated)
          setReq(updated)
          setSheet(null)
          navigate({ name: from }, true)
        }}
      />
    </section>
  )
}

const WARM_UP_PAGES = 100
const VI_LOWER = 'aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ'
/** Every letter of Vietnamese, both cases, digits and the punctuation of
 * titles and numbers/symbols: drawn once in the document header's styles,
 * their glyphs are ready when a title is. */
const VI_TEXT = `${VI_LOWER} ${VI_LOWER.toUpperCase()} 0123456789 /-–·,.:;()%"'`
const A4: PageSize = { width: 595, height: 842 }
let warmed = false

/** Once per process, when the app is up: the document screen's way to page
 * 1 taken once, with a document of 100 blank pages and its page strip (no
 * page is rendered: none is near), page 1 showing a 1×1 image stretched to
 * the page, and the header, toolbar and action bar's text styles showing
 * every Vietnamese letter. It is painted for two frames at 1% opacity,
 * hidden from assistive technology and from the pointer, then removed. The
 * leader's first document of the session then does not pay for the first
 * use of Preact's and the web engine's code for these boxes, nor of the
 * image path (a blob: URL, PNG decoding, painting a page-sized image), nor
 * for drawing the glyphs of its title's sizes and weights: that was most of
 * a process's first open (scripts/bench-app, "first": median 150 ms
 * before, 87 ms after). */
export function warmUpDocument(): void {
  if (warmed || typeof document === 'undefined') return
  warmed = true
  const host = document.createElement('div')
  host.dataset.warmUp = ''
  host.setAttribute('aria-hidden', 'true')
  host.inert = true
  host.style.cssText =
    'position:fixed;inset:0;width:600px;opacity:0.01;pointer-events:none;overflow:hidden;contain:strict;z-index:-1'
  document.body.appendChild(host)
  const url = tinyPngUrl()
  const doc: DocumentInfo = {
    id: '\u0000warm-up',
    page_count: WARM_UP_PAGES,
    pages: Array.from({ length: WARM_UP_PAGES }, () => A4),
    sha256: '',
    size: 0,
    cached: false,
    attachments: []
  }
  const done = () => {
    render(null, host)
    host.remove()
    URL.revokeObjectURL(url)
  }
  const box = { current: null as HTMLDivElement | null }
  const onLoad = (e: Event) => {
    const after = () => requestAnimationFrame(() => requestAnimationFrame(done))
    ;(e.currentTarget as HTMLImageElement).decode().then(after, after)
  }
  render(
    <section class="doc pane-inner">
      <div class="doc-scroll">
        <header class="doc-head">
          <h2>{VI_TEXT}</h2>
          <p class="card-meta">{VI_TEXT}</p>
          <p class="card-unit">{VI_TEXT}</p>
        </header>
        <div class="doc-toolbar">
          <span class="page-indicator">{VI_TEXT}</span>
          <span class="zoom-level">{VI_TEXT}</span>
        </div>
        <span class="badge">{VI_TEXT}</span>
        <Pages box={box} opening={false} error={null} onRetry={() => {}} shown={doc} pageWidth={480} near={() => false} />
        <img src={url} alt="" width={480} height={679} style="position:absolute;left:8px;top:12px" onLoad={onLoad} onError={done} />
      </div>
      <Strip doc={doc} current={1} ready={false} onPick={() => {}} />
      <div class="action-bar">
        <button type="button" class="primary" tabIndex={-1}>
          {VI_TEXT}
        </button>
      </div>
    </section>,
    host
  )
}
