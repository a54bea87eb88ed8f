// Small shared pieces: dialogs, badges, error boxes.

import type { ComponentChildren, JSX } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { t, type Key } from '../i18n'
import type { KysoError, RequestStatus, SecurityLevel, Platform, Urgency } from '../ipc'
import { errorText } from '../store'
import { Icon } from './icons'

/** A modal sheet on the native <dialog> (focus trap, Esc, aria-modal). */
export function Sheet(props: {
  open: boolean
  onClose: () => void
  labelledBy: string
  dismissable?: boolean
  class?: string
  children: ComponentChildren
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const { open, dismissable = true } = props
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  return (
    <dialog
      ref={ref}
      class={`sheet ${props.class ?? ''}`}
      aria-labelledby={props.labelledBy}
      onCancel={(e) => {
        e.preventDefault()
        if (dismissable) props.onClose()
      }}
      onClick={(e) => {
        if (e.target === ref.current && dismissable) props.onClose()
      }}
    >
      {open && <div class="sheet-body">{props.children}</div>}
    </dialog>
  )
}

const URGENCY_KEY: Record<Urgency, Key> = {
  normal: 'urgency.normal',
  urgent: 'urgency.urgent',
  very_urgent: 'urgency.very_urgent',
  flash: 'urgency.flash'
}

export function UrgencyBadge({ urgency, quiet }: { urgency: Urgency; quiet?: boolean }) {
  if (quiet && urgency === 'normal') return null
  return <span class={`badge urgency-${urgency}`}>{t(URGENCY_KEY[urgency])}</span>
}

const STATUS_KEY: Record<RequestStatus, Key> = {
  pending: 'status.pending',
  signed: 'status.signed',
  declined: 'status.declined',
  expired: 'status.expired',
  cancelled: 'status.cancelled',
  issued: 'status.issued'
}

export function StatusBadge({ status }: { status: RequestStatus }) {
  return <span class={`badge status-${status}`}>{t(STATUS_KEY[status])}</span>
}

/** The key's security level in words; the TEE is the Secure Enclave on iOS. */
export function securityLevelText(level: SecurityLevel, platform: Platform): string {
  switch (level) {
    case 'strong_box':
      return t('level.strong_box')
    case 'trusted_environment':
      return platform === 'ios' ? t('level.secure_enclave') : t('level.tee')
    default:
      return t('level.software')
  }
}

export function SecurityLevelBadge({ level, platform }: { level: SecurityLevel; platform: Platform }) {
  return (
    <span class={`badge level level-${level}`}>
      <Icon name={level === 'software' ? 'key' : 'shield'} size={16} />
      {securityLevelText(level, platform)}
    </span>
  )
}

/** An error sentence for its code, with optional actions. */
export function ErrorBox(props: { error: KysoError; children?: ComponentChildren }) {
  return (
    <div class="error-box" role="alert" data-code={props.error.code}>
      <Icon name="alert" />
      <div>
        <p>{errorText(props.error)}</p>
        {props.children && <div class="row gap">{props.children}</div>}
      </div>
    </div>
  )
}

export function Spinner({ label }: { label?: string }) {
  return (
    <span class="spinner" role="status" aria-label={label ?? t('common.loading')}>
      <span aria-hidden="true" />
    </span>
  )
}

export function Field(props: { label: string; hint?: string; id: string; error?: string | null; children: JSX.Element }) {
  return (
    <div class={`field ${props.error ? 'invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && !props.error && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      )}
    </div>
  )
}
