// The shell: first run until ready, then the main layout: header with the
// queue indicator, navigation (bottom bar on phones, rail on tablets), and
// list + document side by side from 768 px.

import { useEffect } from 'preact/hooks'
import * as ipc from '../ipc'
import { lang, t } from '../i18n'
import {
  app,
  batchRunning,
  boot,
  bootError,
  errorText,
  inbox,
  inboxLoaded,
  inboxLoading,
  isClerk,
  justEnrolled,
  navigate,
  onQueueChanged,
  onRequestChanged,
  openRequest,
  parseHash,
  refreshInbox,
  route,
  setupStep,
  toast
} from '../store'
import { Batch } from './Batch'
import { Spinner } from './common'
import { DocumentView, warmUpDocument } from './Document'
import { FirstRun } from './FirstRun'
import { History } from './History'
import { Icon, type IconName } from './icons'
import { Inbox } from './Inbox'
import { IssuanceList, IssueDesk } from './Issuance'
import { MeetingScreen } from './Meeting'
import { Meetings } from './Meetings'
import { QueueIndicator } from './Queue'
import { Settings } from './Settings'

/** Listens to the app's events, then boots: a request a link asked for
 * before the listeners were up comes with the app state instead. */
function useAppEvents() {
  useEffect(() => {
    const onHash = () => (route.value = parseHash(location.hash))
    window.addEventListener('hashchange', onHash)
    const offs: Array<Promise<() => void>> = [
      ipc.on('request-changed', (e) => void onRequestChanged(e)),
      ipc.on('queue-changed', onQueueChanged),
      ipc.on('open-request', ({ id, action }) => openRequest(id, action))
    ]
    void Promise.allSettled(offs).then(() => boot())
    return () => {
      window.removeEventListener('hashchange', onHash)
      offs.forEach((p) => void p.then((f) => f()))
    }
  }, [])
}

function Toast() {
  const m = toast.value
  return (
    <div class="toast-region" role="status" aria-live="polite">
      {m && (
        <div class={`toast ${m.kind}`} key={m.id}>
          {m.text}
        </div>
      )}
    </div>
  )
}

type Tab = { name: 'inbox' | 'meetings' | 'history' | 'settings' | 'issuance'; icon: IconName }

const TABS: Tab[] = [
  { name: 'inbox', icon: 'inbox' },
  { name: 'meetings', icon: 'meeting' },
  { name: 'history', icon: 'history' },
  { name: 'settings', icon: 'settings' }
]

/** A clerk's tabs: the issuance desk and the settings. */
const CLERK_TABS: Tab[] = [
  { name: 'issuance', icon: 'seal' },
  { name: 'settings', icon: 'settings' }
]

function Nav() {
  const r = route.value
  const current = r.name === 'batch' ? 'inbox' : r.name
  return (
    <nav class="nav" aria-label={t('nav.label')}>
      {(isClerk.value ? CLERK_TABS : TABS).map((tab) => (
        <a
          key={tab.name}
          href={`#/${tab.name}`}
          class={current === tab.name ? 'active' : ''}
          aria-current={current === tab.name ? 'page' : undefined}
        >
          <span class="nav-icon">
            <Icon name={tab.icon} />
            {tab.name === 'inbox' && inbox.value.length > 0 && (
              <span class="nav-count" aria-label={t('nav.pending', { n: inbox.value.length })}>
                {inbox.value.length}
              </span>
            )}
          </span>
          <span class="nav-text">{t(`nav.${tab.name}`)}</span>
        </a>
      ))}
    </nav>
  )
}

function TopBar() {
  const r = route.value
  const detail = (r.name === 'inbox' || r.name === 'history') && !!r.id
  const inMeeting = r.name === 'meetings' && !!r.id
  const issuing = r.name === 'issuance' && !!r.id
  const section =
    r.name === 'batch'
      ? t('batch.heading')
      : detail
        ? t('doc.heading')
        : inMeeting
          ? t('meet.heading')
          : issuing
            ? t('issue.heading')
            : null
  const user = app.value?.user
  const back = detail || inMeeting || issuing || (r.name === 'batch' && !batchRunning.value)
  return (
    <header class={`topbar ${back ? 'has-back' : ''}`}>
      {back && (
        <button
          type="button"
          class="icon-btn back"
          aria-label={t('common.back')}
          onClick={() =>
            navigate({ name: r.name === 'history' || r.name === 'meetings' || r.name === 'issuance' ? r.name : 'inbox' })
          }
        >
          <Icon name="back" />
        </button>
      )}
      <div class="topbar-title">
        <h1 class={`brand-mark ${section ? 'has-section' : ''}`}>Kyso</h1>
        {section && <span class="section">{section}</span>}
      </div>
      <QueueIndicator />
      {user && (
        <span class="who" title={user.title}>
          {user.full_name}
        </span>
      )}
    </header>
  )
}

function Main() {
  const r = route.value
  if (r.name === 'settings') {
    return (
      <main id="main" class="content single">
        <Settings />
      </main>
    )
  }
  if (r.name === 'meetings') {
    return r.id ? (
      <main id="main" class="content single meeting-main">
        <MeetingScreen id={r.id} />
      </main>
    ) : (
      <main id="main" class="content split">
        <div class="pane list-pane">
          <Meetings />
        </div>
        <div class="pane detail-pane">
          <div class="placeholder">
            <Icon name="meeting" size={48} />
            <p>{t('meet.pick')}</p>
          </div>
        </div>
      </main>
    )
  }
  // A clerk sees the desk whatever route is asked (App then corrects it).
  if (r.name === 'issuance' || isClerk.value) {
    const id = r.name === 'issuance' ? r.id : undefined
    return (
      <main id="main" class={`content split ${id ? 'has-detail' : ''}`}>
        <div class="pane list-pane">
          <IssuanceList />
        </div>
        <div class="pane detail-pane">
          {id ? (
            <IssueDesk id={id} />
          ) : (
            <div class="placeholder">
              <Icon name="seal" size={48} />
              <p>{t('issue.pick')}</p>
            </div>
          )}
        </div>
      </main>
    )
  }
  if (r.name === 'batch') {
    return (
      <main id="main" class="content single">
        <Batch />
      </main>
    )
  }
  const id = r.id
  return (
    <main id="main" class={`content split ${id ? 'has-detail' : ''}`}>
      <div class="pane list-pane">{r.name === 'history' ? <History /> : <Inbox />}</div>
      <div class="pane detail-pane">
        {id ? (
          <DocumentView id={id} from={r.name} />
        ) : (
          <div class="placeholder">
            <Icon name="doc" size={48} />
            <p>{t('doc.pick')}</p>
          </div>
        )}
      </div>
    </main>
  )
}

export function App() {
  useAppEvents()
  void lang.value
  const ready = !!app.value && !setupStep.value
  const clerk = isClerk.value
  // The document screen's path, once, before the first document is opened.
  useEffect(() => {
    if (ready) setTimeout(warmUpDocument, 0)
  }, [ready])
  // The inbox count shows in the navigation whatever screen is open.
  useEffect(() => {
    if (ready && !clerk && !inboxLoaded.value && !inboxLoading.value) void refreshInbox()
  }, [ready, clerk])
  // A clerk has the issuance desk and the settings, nothing else.
  useEffect(() => {
    const name = route.value.name
    if (ready && clerk && name !== 'issuance' && name !== 'settings') navigate({ name: 'issuance' }, true)
  }, [ready, clerk, route.value.name])
  if (bootError.value) {
    return (
      <main class="first-run" id="main">
        <div class="first-run-card" role="alert">
          <h1>Kyso</h1>
          <p>{errorText(bootError.value)}</p>
          <button type="button" class="primary" onClick={() => location.reload()}>
            {t('common.retry')}
          </button>
        </div>
      </main>
    )
  }
  if (!app.value) {
    return (
      <main class="first-run" id="main" aria-busy="true">
        <Spinner />
      </main>
    )
  }
  if (setupStep.value || justEnrolled.value) {
    return (
      <>
        <FirstRun />
        <Toast />
      </>
    )
  }
  const r = route.value
  const detail = (r.name === 'inbox' || r.name === 'history' || r.name === 'meetings' || r.name === 'issuance') && !!r.id
  return (
    <div class={`app ${detail ? 'detail' : ''} ${r.name === 'batch' ? 'batch' : ''}`}>
      <TopBar />
      <Nav />
      <Main />
      <Toast />
    </div>
  )
}
