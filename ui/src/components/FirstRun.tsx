// First run: the gateway (address + pinned key, or the QR text), login,
// enrollment of the device key (showing its security level).

import { useState } from 'preact/hooks'
import * as ipc from '../ipc'
import type { DeviceInfo, KysoError } from '../ipc'
import { toKysoError } from '../ipc'
import { t } from '../i18n'
import { app, setApp, setupStep, refreshInbox, enterApp, justEnrolled } from '../store'
import { checkUrl, normalizePin, parseSetupText, isLoopback } from '../setup'
import { formatDate } from '../format'
import { ErrorBox, Field, SecurityLevelBadge, Spinner } from './common'
import { Icon } from './icons'

export function FirstRun() {
  const step = setupStep.value
  const enrolled = justEnrolled.value
  const steps = ['server', 'login', 'enroll'] as const
  const current = enrolled ? 3 : steps.indexOf(step ?? 'enroll')
  return (
    <main class="first-run" id="main">
      <div class="first-run-card">
        <header class="brand">
          <span class="logo" aria-hidden="true">
            <Icon name="fingerprint" size={32} />
          </span>
          <div>
            <h1>Kyso</h1>
            <p class="muted">{t('app.tagline')}</p>
          </div>
        </header>
        <ol class="steps" aria-label={t('setup.progress')}>
          {steps.map((s, i) => (
            <li
              key={s}
              class={i < current ? 'done' : i === current ? 'current' : ''}
              aria-current={i === current ? 'step' : undefined}
            >
              <span class="step-num" aria-hidden="true">
                {i < current ? <Icon name="check" size={16} /> : i + 1}
              </span>
              {t(`setup.step.${s}`)}
            </li>
          ))}
        </ol>
        {enrolled ? (
          <EnrollDone device={enrolled} onContinue={finish} />
        ) : step === 'server' ? (
          <ServerStep />
        ) : step === 'login' ? (
          <LoginStep />
        ) : (
          <EnrollStep onDone={(d) => (justEnrolled.value = d)} />
        )}
      </div>
    </main>
  )
}

function finish() {
  justEnrolled.value = null
  enterApp()
  void refreshInbox()
}

function ServerStep() {
  const [mode, setMode] = useState<'manual' | 'qr'>('manual')
  const [url, setUrl] = useState(app.value?.server?.url ?? '')
  const [pin, setPin] = useState('')
  const [qr, setQr] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const [problem, setProblem] = useState<{ url?: string; pin?: string; qr?: string }>({})

  async function submit(e: Event) {
    e.preventDefault()
    setError(null)
    let target: { url: string; pin: string | null }
    if (mode === 'qr') {
      const parsed = parseSetupText(qr)
      if (!parsed) {
        setProblem({ qr: t('setup.qrInvalid') })
        return
      }
      target = parsed
    } else {
      const up = checkUrl(url)
      const p = pin.trim() ? normalizePin(pin) : null
      const next: typeof problem = {}
      if (up) next.url = t(`setup.url.${up}`)
      if (pin.trim() && !p) next.pin = t('setup.pinInvalid')
      if (!pin.trim() && !up && !isLoopback(url)) next.pin = t('setup.pinRequired')
      setProblem(next)
      if (next.url || next.pin) return
      target = { url: url.trim().replace(/\/+$/, ''), pin: p }
    }
    setBusy(true)
    try {
      const server = await ipc.configureServer(target.url, target.pin)
      setApp({ server })
    } catch (err) {
      setError(toKysoError(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="stack" onSubmit={submit} noValidate aria-labelledby="server-title">
      <h2 id="server-title">{t('setup.server.title')}</h2>
      <p class="muted">{t('setup.server.intro')}</p>
      <div class="segmented" role="tablist" aria-label={t('setup.server.mode')}>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'manual'}
          class={mode === 'manual' ? 'active' : ''}
          onClick={() => setMode('manual')}
        >
          {t('setup.mode.manual')}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'qr'}
          class={mode === 'qr' ? 'active' : ''}
          onClick={() => setMode('qr')}
        >
          {t('setup.mode.qr')}
        </button>
      </div>
      {mode === 'manual' ? (
        <>
          <Field id="server-url" label={t('setup.url.label')} hint={t('setup.url.hint')} error={problem.url}>
            <input
              id="server-url"
              type="url"
              inputMode="url"
              autoComplete="url"
              autoCapitalize="off"
              spellcheck={false}
              placeholder="https://kyso.example.gov.vn"
              value={url}
              aria-invalid={!!problem.url}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          </Field>
          <Field id="server-pin" label={t('setup.pin.label')} hint={t('setup.pin.hint')} error={problem.pin}>
            <input
              id="server-pin"
              class="mono"
              autoCapitalize="off"
              autoComplete="off"
              spellcheck={false}
              placeholder="sha256/…"
              value={pin}
              aria-invalid={!!problem.pin}
              onInput={(e) => setPin(e.currentTarget.value)}
            />
          </Field>
        </>
      ) : (
        <Field id="server-qr" label={t('setup.qr.label')} hint={t('setup.qr.hint')} error={problem.qr}>
          <textarea
            id="server-qr"
            class="mono"
            rows={4}
            spellcheck={false}
            placeholder="kyso://setup?server=…&pin=sha256/…"
            value={qr}
            aria-invalid={!!problem.qr}
            onInput={(e) => setQr(e.currentTarget.value)}
          />
        </Field>
      )}
      {error && <ErrorBox error={error} />}
      <button class="primary" type="submit" disabled={busy} data-testid="server-submit">
        {busy ? <Spinner /> : null}
        {busy ? t('setup.server.checking') : t('common.continue')}
      </button>
    </form>
  )
}

function LoginStep() {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const server = app.value?.server

  async function submit(e: Event) {
    e.preventDefault()
    if (!username.trim() || !password) {
      setError(new ipc.KysoError('bad_request', 'empty'))
      return
    }
    setBusy(true)
    setError(null)
    try {
      const user = await ipc.login(username.trim(), password)
      setPassword('')
      setApp({ user })
      if (app.value?.device) {
        enterApp()
        void refreshInbox()
      }
    } catch (err) {
      const k = toKysoError(err)
      if (k.code === 'notConfigured') setApp({ server: null })
      else setError(k)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="stack" onSubmit={submit} noValidate aria-labelledby="login-title">
      <h2 id="login-title">{t('setup.login.title')}</h2>
      {server && (
        <p class="muted server-line">
          {t('setup.login.server')} <strong class="mono">{server.url}</strong>
          <button type="button" class="link" onClick={() => setApp({ server: null })}>
            {t('setup.login.changeServer')}
          </button>
        </p>
      )}
      <Field id="login-user" label={t('setup.login.username')}>
        <input
          id="login-user"
          autoComplete="username"
          autoCapitalize="off"
          spellcheck={false}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </Field>
      <Field id="login-pass" label={t('setup.login.password')}>
        <input
          id="login-pass"
          type="password"
          autoComplete="current-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </Field>
      {error &&
        (error.code === 'bad_request' ? (
          <p class="field-error" role="alert">
            {t('setup.login.empty')}
          </p>
        ) : (
          <ErrorBox error={error} />
        ))}
      <button class="primary" type="submit" disabled={busy} data-testid="login-submit">
        {busy ? <Spinner /> : null}
        {t('setup.login.submit')}
      </button>
    </form>
  )
}

function EnrollStep({ onDone }: { onDone: (d: DeviceInfo) => void }) {
  const s = app.value!
  const ks = s.keystore
  const [pass, setPass] = useState('')
  const [pass2, setPass2] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const askPass = ks.passphrase !== 'none'

  async function submit(e: Event) {
    e.preventDefault()
    setError(null)
    setProblem(null)
    if (askPass && (pass || ks.passphrase === 'required')) {
      if (pass.length < 8) return setProblem(t('setup.enroll.passShort'))
      if (pass !== pass2) return setProblem(t('setup.enroll.passMismatch'))
    }
    setBusy(true)
    try {
      const device = await ipc.enroll(askPass && pass ? pass : undefined)
      setPass('')
      setPass2('')
      setApp({ device })
      onDone(device)
    } catch (err) {
      const k = toKysoError(err)
      if (k.code === 'notLoggedIn' || k.code === 'unauthorized') setApp({ user: null })
      else setError(k)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="stack" onSubmit={submit} noValidate aria-labelledby="enroll-title">
      <h2 id="enroll-title">{t('setup.enroll.title')}</h2>
      {s.user && (
        <p class="muted">
          {t('setup.enroll.hello', { name: s.user.full_name })}
          {s.user.title ? ` — ${s.user.title}` : ''}
        </p>
      )}
      <p>{ks.security_level === 'software' ? t('setup.enroll.introSoftware') : t('setup.enroll.intro')}</p>
      <div class="level-line">
        <span class="muted">{t('setup.enroll.level')}</span>
        <SecurityLevelBadge level={ks.security_level} platform={s.platform} />
      </div>
      {!ks.available && ks.reason && <ErrorBox error={new ipc.KysoError(ks.reason, '')} />}
      {askPass && (
        <>
          <Field
            id="enroll-pass"
            label={ks.passphrase === 'required' ? t('setup.enroll.pass') : t('setup.enroll.passOptional')}
            hint={t('setup.enroll.passHint')}
            error={problem}
          >
            <input
              id="enroll-pass"
              type="password"
              autoComplete="new-password"
              value={pass}
              onInput={(e) => setPass(e.currentTarget.value)}
            />
          </Field>
          <Field id="enroll-pass2" label={t('setup.enroll.pass2')}>
            <input
              id="enroll-pass2"
              type="password"
              autoComplete="new-password"
              value={pass2}
              onInput={(e) => setPass2(e.currentTarget.value)}
            />
          </Field>
        </>
      )}
      {error && <ErrorBox error={error} />}
      <button class="primary" type="submit" disabled={busy || !ks.available} data-testid="enroll-submit">
        {busy ? <Spinner /> : <Icon name="fingerprint" />}
        {busy ? t('setup.enroll.working') : t('setup.enroll.submit')}
      </button>
    </form>
  )
}

function EnrollDone({ device, onContinue }: { device: DeviceInfo; onContinue: () => void }) {
  const s = app.value!
  return (
    <section class="stack enroll-done" aria-labelledby="enroll-done-title">
      <div class="result-icon ok" aria-hidden="true">
        <Icon name="check" size={40} />
      </div>
      <h2 id="enroll-done-title">{t('setup.done.title')}</h2>
      <dl class="facts">
        <dt>{t('device.level')}</dt>
        <dd>
          <SecurityLevelBadge level={device.security_level} platform={device.platform} />
        </dd>
        <dt>{t('device.id')}</dt>
        <dd class="mono">{device.device_id}</dd>
        <dt>{t('device.certValid')}</dt>
        <dd>{formatDate(device.certificate_not_after)}</dd>
        {s.user && (
          <>
            <dt>{t('device.holder')}</dt>
            <dd>{s.user.full_name}</dd>
          </>
        )}
      </dl>
      {device.security_level === 'software' && <p class="note warn">{t('setup.done.softwareNote')}</p>}
      <button class="primary" type="button" onClick={onContinue} data-testid="enroll-continue">
        {t('setup.done.continue')}
      </button>
    </section>
  )
}
