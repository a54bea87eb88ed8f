// Settings: language, account, quiet hours, device and key, gateway, queue,
// sign out, remove key.

import { useState } from 'preact/hooks'
import type { KysoError, KeyStorage } from '../ipc'
import { toKysoError } from '../ipc'
import { lang, t, type Key } from '../i18n'
import { formatDate, formatLongDate } from '../format'
import { app, changeLanguage, queue, removeDeviceKey, signOut } from '../store'
import { ErrorBox, SecurityLevelBadge, Sheet, Spinner } from './common'
import { Icon } from './icons'
import { QueueSheet } from './Queue'
import { QuietHoursSection } from './QuietHours'

const STORAGE_KEY: Record<KeyStorage, Key> = {
  hardware: 'device.storage.hardware',
  os_keyring: 'device.storage.os_keyring',
  passphrase_file: 'device.storage.passphrase_file'
}

export function Settings() {
  const s = app.value!
  const l = lang.value
  const [confirm, setConfirm] = useState<'logout' | 'remove' | null>(null)
  const [queueOpen, setQueueOpen] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KysoError | null>(null)
  const d = s.device

  async function doIt() {
    setBusy(true)
    setError(null)
    try {
      if (confirm === 'logout') await signOut()
      else await removeDeviceKey()
      setConfirm(null)
    } catch (e) {
      setError(toKysoError(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="pane-inner settings" aria-labelledby="settings-title">
      <div class="list-scroll">
        <h2 id="settings-title">{t('settings.title')}</h2>

        <section class="group" aria-labelledby="set-lang">
          <h3 id="set-lang">{t('settings.language')}</h3>
          <div class="segmented" role="radiogroup" aria-labelledby="set-lang">
            {(['vi', 'en'] as const).map((x) => (
              <button
                key={x}
                type="button"
                role="radio"
                lang={x}
                aria-checked={l === x}
                class={l === x ? 'active' : ''}
                onClick={() => void changeLanguage(x)}
              >
                {x === 'vi' ? 'Tiếng Việt' : 'English'}
              </button>
            ))}
          </div>
        </section>

        {s.user && (
          <section class="group" aria-labelledby="set-account">
            <h3 id="set-account">{t('settings.account')}</h3>
            <dl class="facts">
              <dt>{t('settings.name')}</dt>
              <dd>{s.user.full_name}</dd>
              {s.user.title && (
                <>
                  <dt>{t('settings.position')}</dt>
                  <dd>{s.user.title}</dd>
                </>
              )}
              <dt>{t('settings.username')}</dt>
              <dd class="mono">{s.user.username}</dd>
            </dl>
            <button type="button" class="secondary" onClick={() => setConfirm('logout')} data-testid="logout">
              {t('settings.logout')}
            </button>
          </section>
        )}

        {s.user && s.user.role !== 'clerk' && <QuietHoursSection />}

        {d && (
          <section class="group" aria-labelledby="set-device">
            <h3 id="set-device">{t('settings.device')}</h3>
            <dl class="facts">
              <dt>{t('device.level')}</dt>
              <dd>
                <SecurityLevelBadge level={d.security_level} platform={d.platform} />
              </dd>
              <dt>{t('device.storage')}</dt>
              <dd>{t(STORAGE_KEY[d.key_storage])}</dd>
              <dt>{t('device.id')}</dt>
              <dd class="mono">{d.device_id}</dd>
              <dt>{t('device.model')}</dt>
              <dd>
                {d.model} ({d.platform})
              </dd>
              <dt>{t('device.cert')}</dt>
              <dd>
                {d.certificate_subject}
                <span class="sub mono">
                  {t('device.serial')} {d.certificate_serial}
                </span>
              </dd>
              <dt>{t('device.certValid')}</dt>
              <dd>{formatLongDate(d.certificate_not_after, l)}</dd>
              <dt>{t('device.enrolled')}</dt>
              <dd>{formatDate(d.enrolled_at)}</dd>
            </dl>
            <button type="button" class="danger" onClick={() => setConfirm('remove')}>
              <Icon name="key" />
              {t('settings.removeKey')}
            </button>
          </section>
        )}

        {s.server && (
          <section class="group" aria-labelledby="set-server">
            <h3 id="set-server">{t('settings.server')}</h3>
            <dl class="facts">
              <dt>{t('settings.address')}</dt>
              <dd class="mono">{s.server.url}</dd>
              <dt>{t('settings.pin')}</dt>
              <dd class="mono hash">{s.server.pin ?? t('settings.noPin')}</dd>
            </dl>
          </section>
        )}

        <section class="group" aria-labelledby="set-queue">
          <h3 id="set-queue">{t('queue.title')}</h3>
          <p>
            {queue.value.online ? t('queue.online') : t('queue.offline')} ·{' '}
            {t('queue.waiting', { n: queue.value.items.length })}
          </p>
          <button type="button" class="secondary" onClick={() => setQueueOpen(true)}>
            {t('queue.open')}
          </button>
        </section>

        <p class="muted small center">
          Kyso {s.version} · {t('settings.tz')}
        </p>
      </div>

      <QueueSheet open={queueOpen} onClose={() => setQueueOpen(false)} />
      <Sheet open={confirm !== null} onClose={() => !busy && setConfirm(null)} labelledBy="confirm-title">
        <div class="stack">
          <h2 id="confirm-title">{confirm === 'remove' ? t('settings.removeKey') : t('settings.logout')}</h2>
          <p>{confirm === 'remove' ? t('settings.removeText') : t('settings.logoutText')}</p>
          {confirm === 'logout' && queue.value.items.length > 0 && (
            <p class="note warn">{t('settings.logoutQueue', { n: queue.value.items.length })}</p>
          )}
          {error && <ErrorBox error={error} />}
          <div class="row gap end">
            <button type="button" class="secondary" onClick={() => setConfirm(null)} disabled={busy}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              class={confirm === 'remove' ? 'danger' : 'primary'}
              onClick={() => void doIt()}
              disabled={busy}
              data-testid="confirm-settings"
            >
              {busy ? <Spinner /> : null}
              {confirm === 'remove' ? t('settings.removeConfirm') : t('settings.logout')}
            </button>
          </div>
        </div>
      </Sheet>
    </section>
  )
}
