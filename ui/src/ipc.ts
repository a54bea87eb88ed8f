// THE contract between the web view and the Rust side (src-tauri). Every
// command the screens use is wrapped here, typed, and documented in the
// table of ui/README.md; the Rust commands are written to match it.
//
// * Command names are snake_case; argument keys are single lower-case words
//   (so Tauri's camelCase conversion of argument names never matters).
// * Results are the Rust types serialized by serde: field names snake_case,
//   exactly as in crates/kyso-api (SigningRequest, User, …).
// * Every command rejects with `{ code, message }` (IpcError). `code` is a
//   closed set (ErrorCode below); the UI branches on it, never on `message`.
//   Anything else that reaches the web view is normalised to `internal`.

import { invoke } from '@tauri-apps/api/core'
import { listen, type UnlistenFn } from '@tauri-apps/api/event'

// ---------------------------------------------------------------------------
// Wire types of the gateway (crates/kyso-api/src/lib.rs), field for field.

/** kyso_api::Role */
export type Role = 'leader' | 'clerk' | 'admin'

/** kyso_api::Urgency: thường, khẩn, thượng khẩn, hỏa tốc. */
export type Urgency = 'normal' | 'urgent' | 'very_urgent' | 'flash'
export const URGENCIES: readonly Urgency[] = ['normal', 'urgent', 'very_urgent', 'flash']

/** kyso_api::RequestStatus */
export type RequestStatus = 'pending' | 'signed' | 'declined' | 'expired' | 'cancelled' | 'issued'

/** kyso_api::SecurityLevel: where the device key lives. `trusted_environment`
 * is the Android TEE or the iOS Secure Enclave (the platform says which). */
export type SecurityLevel = 'software' | 'trusted_environment' | 'strong_box'

/** kyso_api::User */
export interface User {
  id: string
  username: string
  full_name: string
  title: string
  role: Role
  unit_id: string
}

/** kyso_api::Unit */
export interface Unit {
  id: string
  name: string
  parent_id: string | null
}

/** kyso_api::Placement */
export interface Placement {
  /** 1-based page. */
  page: number
  /** [x, y, width, height] in points. */
  rect: [number, number, number, number]
}

/** kyso_api::SigningRequest */
export interface SigningRequest {
  id: string
  /** Trích yếu. */
  title: string
  /** Số, ký hiệu. */
  number_symbol: string | null
  /** Loại văn bản. */
  document_type: string
  urgency: Urgency
  /** RFC 3339. */
  deadline: string | null
  signer: User
  /** Issuing unit. */
  unit: Unit
  status: RequestStatus
  /** edXML processing status 01–06. */
  edxml_status: string
  /** SHA-256 of the issued document, lower-case hex. */
  document_sha256: string
  document_size: number
  signed_sha256: string | null
  decline_reason: string | null
  placement: Placement | null
  external_id: string | null
  /** RFC 3339. */
  created_at: string
  /** RFC 3339. */
  updated_at: string
}

/** kyso_api::RequestEvent: one SSE `request` event, forwarded as the
 * `request-changed` event. */
export interface RequestEvent {
  request_id: string
  status: RequestStatus
  urgency: Urgency
}

// ---------------------------------------------------------------------------
// Errors.

/** kyso_api::ErrorCode, spelled as the gateway spells them (snake_case). */
export const GATEWAY_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'verification_failed',
  'rate_limited',
  'internal'
] as const

/** tauri-plugin-kyso-keystore's ErrorCode, spelled as the plugin spells them. */
export const KEYSTORE_CODES = [
  'userCancel',
  'authenticationFailed',
  'biometryNotEnrolled',
  'biometryLockout',
  'keyInvalidated',
  'keyNotFound',
  'keyExists',
  'hardwareUnavailable',
  'wrongPassphrase',
  'invalidArgument',
  'internal'
] as const

/** The app's own codes (src-tauri), camelCase like the plugin's. */
export const APP_CODES = [
  /** No answer from the gateway (no network, timeout, TLS handshake failed). */
  'offline',
  /** The gateway's public key does not match the pin. */
  'pinMismatch',
  /** No gateway configured yet. */
  'notConfigured',
  /** No session (never logged in, logged out, or the session expired). */
  'notLoggedIn',
  /** No device key enrolled. */
  'notEnrolled',
  /** The downloaded document's SHA-256 is not the request's: refused. */
  'documentMismatch',
  /** The PDF cannot be rendered or prepared for signing. */
  'badDocument'
] as const

export type GatewayErrorCode = (typeof GATEWAY_CODES)[number]
export type KeystoreErrorCode = (typeof KEYSTORE_CODES)[number]
export type AppErrorCode = (typeof APP_CODES)[number]
/** The closed set of codes an IPC command can reject with. */
export type ErrorCode = GatewayErrorCode | KeystoreErrorCode | AppErrorCode

export const ERROR_CODES: readonly ErrorCode[] = [
  ...new Set<ErrorCode>([...GATEWAY_CODES, ...KEYSTORE_CODES, ...APP_CODES])
]

/** What every command rejects with. `report` accompanies
 * `verification_failed` (the gateway's verdict on an upload). */
export interface IpcError {
  code: ErrorCode
  message: string
  report?: VerificationSummary | null
}

export function isErrorCode(c: unknown): c is ErrorCode {
  return typeof c === 'string' && (ERROR_CODES as readonly string[]).includes(c)
}

/** The error as thrown by the wrappers: an `Error` carrying the code. */
export class KysoError extends Error implements IpcError {
  readonly code: ErrorCode
  readonly report: VerificationSummary | null
  constructor(code: ErrorCode, message: string, report: VerificationSummary | null = null) {
    super(message)
    this.name = 'KysoError'
    this.code = code
    this.report = report
  }
}

/** Turns whatever a rejected invoke gave into a KysoError with a known code.
 * Unknown codes, bare strings and exceptions become `internal`. */
export function toKysoError(e: unknown): KysoError {
  if (e instanceof KysoError) return e
  if (typeof e === 'object' && e !== null) {
    const o = e as { code?: unknown; message?: unknown; report?: unknown }
    const message = typeof o.message === 'string' ? o.message : String(o.message ?? '')
    const report = (o.report ?? null) as VerificationSummary | null
    if (isErrorCode(o.code)) return new KysoError(o.code, message, report)
    return new KysoError('internal', message || String(e))
  }
  return new KysoError('internal', typeof e === 'string' ? e : String(e))
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args)
  } catch (e) {
    throw toKysoError(e)
  }
}

// ---------------------------------------------------------------------------
// App types (src-tauri).

export type Language = 'vi' | 'en'
export type Platform = 'android' | 'ios' | 'linux' | 'windows' | 'macos'

/** The configured gateway. */
export interface ServerInfo {
  /** Base URL, e.g. https://kyso.tinh.gov.vn */
  url: string
  /** `sha256/<base64>` of the gateway's SubjectPublicKeyInfo; null only for
   * plain http on loopback (the demo). */
  pin: string | null
}

/** How the key of this device is kept. */
export type KeyStorage = 'hardware' | 'os_keyring' | 'passphrase_file'

/** The enrolled device and its key (kyso_api::EnrollResponse plus what the
 * app knows of its certificate). */
export interface DeviceInfo {
  device_id: string
  security_level: SecurityLevel
  platform: Platform
  model: string
  key_storage: KeyStorage
  /** Device certificate: serial (hex), subject, validity end (RFC 3339). */
  certificate_serial: string
  certificate_subject: string
  certificate_not_after: string
  /** RFC 3339. */
  enrolled_at: string
}

/** What a new key would get on this device (the keystore plugin's status). */
export interface KeystoreInfo {
  available: boolean
  security_level: SecurityLevel
  /** Desktop keys may (`optional`) or must (`required`) be kept in a
   * passphrase-protected file; phones never ask (`none`). */
  passphrase: 'none' | 'optional' | 'required'
  /** Why not available (a keystore code), when `available` is false. */
  reason: KeystoreErrorCode | null
}

/** One signed document waiting in the offline queue. */
export interface QueuedUpload {
  request_id: string
  title: string
  number_symbol: string | null
  /** SHA-256 of the signed PDF, hex. */
  signed_sha256: string
  /** RFC 3339. */
  queued_at: string
  attempts: number
  last_attempt_at: string | null
}

/** The offline queue and the connection; also the `queue-changed` payload. */
export interface QueueStatus {
  /** Whether the gateway answered last time it was tried. */
  online: boolean
  /** Whether an upload is under way. */
  uploading: boolean
  items: QueuedUpload[]
  /** The last upload failure, when any. */
  last_error: IpcError | null
}

/** Everything the UI needs at start. */
export interface AppState {
  version: string
  platform: Platform
  language: Language
  server: ServerInfo | null
  /** The logged-in user; null without a session. */
  user: User | null
  device: DeviceInfo | null
  keystore: KeystoreInfo
  queue: QueueStatus
  /** A request a kyso://request/ID link or a notification asked to show
   * before the web view listened for `open-request` (a link the app was
   * started with); given once. */
  open_request: OpenRequest | null
}

/** What a link or a notification asks: `view` (kyso://request/ID, "Xem")
 * shows the request; `sign` (kyso://request/ID/sign, "Ký ngay") also opens
 * its sign sheet, which still asks for confirmation and the key. */
export interface OpenRequest {
  id: string
  action: 'view' | 'sign'
}

/** kyso_pdf's verification finding (stable code, both languages). */
export interface Finding {
  code: string
  vi: string
  en: string
}

export type Indication = 'TOTAL_PASSED' | 'INDETERMINATE' | 'TOTAL_FAILED' | 'NO_SIGNATURE_FOUND'

/** The gateway's verdict on the signed PDF, summarised from kyso_pdf's
 * report (same field names): the last signature is the new one. */
export interface VerificationSummary {
  indication: Indication
  sub_indication: string | null
  /** `strict` or `multi`. */
  profile: string
  /** Number of signatures in the document. */
  signatures: number
  /** Subject and issuer of the signer certificate. */
  signer_subject: string
  issuer_subject: string
  /** Whether the chain reached a trust anchor. */
  trusted: boolean
  /** `/M` as written by the signer (RFC 3339), a claim. */
  claimed_signing_time: string | null
  /** Time of a signature timestamp, when any (RFC 3339). */
  timestamp_time: string | null
  /** `whole_file`, `revision`, `partial`. */
  coverage: string
  /** SHA-256 of the signed PDF, hex. */
  signed_sha256: string
  warnings: Finding[]
  errors: Finding[]
}

/** A page's size in PDF points. */
export interface PageSize {
  width: number
  height: number
}

export interface Attachment {
  name: string
  size: number
  /** MIME type when the PDF says, else null. */
  mime: string | null
}

/** An opened document (downloaded or from the encrypted cache, its SHA-256
 * checked against the request). */
export interface DocumentInfo {
  id: string
  page_count: number
  /** One entry per page, in points. */
  pages: PageSize[]
  /** SHA-256 of the bytes, hex (equal to the request's document_sha256). */
  sha256: string
  size: number
  /** Whether it came from the local cache (works offline). */
  cached: boolean
  /** Files embedded in the PDF (đính kèm). */
  attachments: Attachment[]
}

/** The answer of `sign`. */
export type SignResult =
  | {
      /** Uploaded; the gateway verified and recorded it. */
      outcome: 'signed'
      request: SigningRequest
      verification: VerificationSummary
    }
  | {
      /** Signed on the device; the upload waits in the offline queue. */
      outcome: 'queued'
      request_id: string
      signed_sha256: string
      /** RFC 3339. */
      queued_at: string
    }

/** `sign-progress` payload: where a `sign` call is. */
export type SignStage = 'preparing' | 'authenticating' | 'finishing' | 'uploading' | 'verifying'
export interface SignProgress {
  id: string
  stage: SignStage
}

/** `inbox` answer. */
export interface Inbox {
  requests: SigningRequest[]
  /** When the list was fetched from the gateway (RFC 3339). */
  fetched_at: string
  /** True when the gateway could not be reached and this is the last list. */
  from_cache: boolean
}

// ---------------------------------------------------------------------------
// Commands.

/** Everything the UI needs at start (no network). */
export const appState = () => call<AppState>('app_state')

/** Sets the gateway: checks it answers over TLS with the pinned key.
 * Errors: invalidArgument, pinMismatch, offline. */
export const configureServer = (url: string, pin: string | null) =>
  call<ServerInfo>('configure_server', { url, pin })

/** Logs in. Errors: unauthorized, rate_limited, offline, pinMismatch, notConfigured. */
export const login = (username: string, password: string) =>
  call<User>('login', { username, password })

/** Ends the session (the key stays). */
export const logout = () => call<null>('logout')

/** Makes the device key (one biometric prompt) and enrolls it.
 * Errors: keystore codes, notLoggedIn, unauthorized, forbidden, offline. */
export const enroll = (passphrase?: string) =>
  call<DeviceInfo>('enroll', { passphrase: passphrase ?? null })

/** Pending requests for this leader. */
export const inbox = () => call<Inbox>('inbox')

/** One request, fresh from the gateway. Errors: not_found, offline. */
export const request = (id: string) => call<SigningRequest>('request', { id })

/** Downloads (or reads from the cache) and opens the document.
 * Errors: documentMismatch, badDocument, offline, not_found. */
export const openDocument = (id: string) => call<DocumentInfo>('open_document', { id })

/** Renders one page (1-based) `width` device pixels wide, as PNG bytes
 * (the command answers raw bytes: `tauri::ipc::Response`). */
export async function renderPage(id: string, page: number, width: number): Promise<Blob> {
  const bytes = await call<ArrayBuffer | Uint8Array | number[]>('render_page', { id, page, width })
  const data = bytes instanceof ArrayBuffer || bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  return new Blob([data as BlobPart], { type: 'image/png' })
}

/** Signs: biometric prompt (desktop: the passphrase), prepare, sign, finish,
 * upload; offline, the signed PDF is queued. Emits `sign-progress`.
 * Errors: userCancel, authenticationFailed, biometryLockout, keyInvalidated,
 * wrongPassphrase, conflict, verification_failed, documentMismatch, notEnrolled. */
export const sign = (id: string, passphrase?: string) =>
  call<SignResult>('sign', { id, passphrase: passphrase ?? null })

/** Returns the request with a reason. Errors: bad_request, conflict, offline. */
export const decline = (id: string, reason: string) =>
  call<SigningRequest>('decline', { id, reason })

/** Requests this leader signed or declined (newest first). */
export const history = () => call<SigningRequest[]>('history')

/** The offline queue now. */
export const queueStatus = () => call<QueueStatus>('queue_status')

/** Tries to upload the queue now; answers the queue after the attempt. */
export const flushQueue = () => call<QueueStatus>('flush_queue')

/** Language of the app's own texts (notifications, biometric prompt). */
export const setLanguage = (language: Language) => call<null>('set_language', { language })

/** kyso_api::QuietHours: when pushes about thường and khẩn documents wait
 * (thượng khẩn and hỏa tốc still come). `HH:MM` Vietnam time, both or
 * neither; the window may wrap midnight. */
export interface QuietHours {
  start: string | null
  end: string | null
}

/** A time of day in quiet hours (kyso_api::QUIET_TIME_PATTERN). */
export const QUIET_TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/

/** The leader's quiet hours, from the gateway. Errors: offline, unauthorized. */
export const quietHours = () => call<QuietHours>('quiet_hours')

/** Sets the quiet hours (`null`, `null`: none); answers them as stored.
 * Errors: invalidArgument, bad_request, offline. */
export const setQuietHours = (start: string | null, end: string | null) =>
  call<QuietHours>('set_quiet_hours', { start, end })

/** Deletes the device key and its certificate; the leader must enroll again. */
export const removeKey = () => call<null>('remove_key')

// ---------------------------------------------------------------------------
// Meetings (crates/kyso-api/src/meeting.rs, src-tauri/src/meetings.rs).

/** kyso_api::MeetingDocument */
export interface MeetingDocument {
  id: string
  title: string
  pages: number
  sha256: string
  size: number
}

/** kyso_api::AgendaItem */
export interface AgendaItem {
  id: string
  title: string
  documents: MeetingDocument[]
  draft_conclusion: string | null
  /** The signing request of the conclusion the chair signs, if any. */
  conclusion_request_id: string | null
}

/** kyso_api::Meeting */
export interface Meeting {
  id: string
  title: string
  /** ISO 8601 in Vietnam time. */
  starts_at: string
  ends_at: string
  place: string
  chair_id: string
  /** Who may present besides the chair (the chair when nobody is delegated). */
  presenter_id: string
  participants: User[]
  agenda: AgendaItem[]
  external_id: string | null
  created_at: string
}

/** kyso_api::OpinionKind */
export type OpinionKind = 'agree' | 'disagree' | 'comment'
export const OPINION_KINDS: readonly OpinionKind[] = ['agree', 'disagree', 'comment']

/** kyso_api::Opinion */
export interface Opinion {
  id: string
  item_id: string
  kind: OpinionKind
  text: string | null
  /** User id; null where names are not shown to the reader. */
  author: string | null
  mine: boolean
  at: string
}

/** kyso_api::ItemSummary */
export interface ItemSummary {
  item_id: string
  agree: number
  disagree: number
  comments: number
  opinions: Opinion[]
  my_stance: OpinionKind | null
}

/** kyso_api::MeetingSummary */
export interface MeetingSummary {
  meeting_id: string
  names_visible: boolean
  items: ItemSummary[]
}

/** kyso_api::PresenterState: the `presenter` event. */
export interface PresenterState {
  meeting_id: string
  document_id: string
  page: number
  zoom: number
  presenter: string
  /** Grows by one with each change; older states are ignored. */
  seq: number
  at: string
}

/** An opinion cast here, waiting for the gateway (sent once when it answers). */
export interface QueuedOpinion {
  key: string
  meeting_id: string
  item_id: string
  kind: OpinionKind
  text: string | null
  at: string
}

/** A private note on a page: kept only on this device, encrypted. */
export interface Note {
  meeting_id: string
  document_id: string
  page: number
  text: string
  updated_at: string
}

/** `meetings` answer. */
export interface MeetingList {
  meetings: Meeting[]
  fetched_at: string
  from_cache: boolean
}

/** `meeting` answer: what the meeting screen shows. */
export interface MeetingView {
  meeting: Meeting
  /** null offline. */
  summary: MeetingSummary | null
  /** Agenda documents already on this device (ids). */
  downloaded: string[]
  queued: QueuedOpinion[]
  notes: Note[]
  from_cache: boolean
}

/** `give_opinion` answer. */
export interface OpinionResult {
  opinion: Opinion | null
  /** True when it waits on the device (offline). */
  queued: boolean
}

/** `meeting-download` payload. */
export interface DownloadProgress {
  meeting_id: string
  done: number
  total: number
}

/** This leader's meetings, soonest first (offline: the last list). */
export const meetings = () => call<MeetingList>('meetings')

/** A meeting with its opinions, downloads, queued opinions and notes.
 * Errors: not_found, offline (and nothing kept). */
export const meeting = (id: string) => call<MeetingView>('meeting', { id })

/** Every agenda document onto the device (emits `meeting-download`); the ids. */
export const downloadMeeting = (id: string) => call<string[]>('download_meeting', { id })

/** Opens an agenda document for `renderPage` (under the document's id).
 * Errors: invalidArgument, documentMismatch, badDocument, offline. */
export const openMeetingDocument = (meeting: string, document: string) =>
  call<DocumentInfo>('open_meeting_document', { meeting, document })

/** An opinion on an agenda item; offline it is queued and sent once later.
 * Errors: invalidArgument (disagree or comment without text), bad_request, not_found. */
export const giveOpinion = (meeting: string, item: string, kind: OpinionKind, text: string | null) =>
  call<OpinionResult>('give_opinion', { meeting, item, kind, text })

/** Shows a page to the followers. Errors: forbidden (not the presenter), offline. */
export const present = (meeting: string, document: string, page: number, zoom: number) =>
  call<PresenterState>('present', { meeting, document, page, zoom })

/** The chair lets participant `user` present (null: the chair alone); the meeting now.
 * Errors: forbidden (not the chair), bad_request, offline. */
export const delegatePresenter = (meeting: string, user: string | null) =>
  call<Meeting>('delegate_presenter', { meeting, user })

/** Follows a meeting's presenter (`presenter` events); null stops. */
export const followMeeting = (meeting: string | null) => call<null>('follow_meeting', { meeting })

/** Sets the private note on a page (empty removes it); the meeting's notes. */
export const saveNote = (meeting: string, document: string, page: number, text: string) =>
  call<Note[]>('save_note', { meeting, document, page, text })

/** Writes the meeting's notes to a text file; its path. Errors: invalidArgument (no notes). */
export const exportNotes = (meeting: string) => call<string>('export_notes', { meeting })

// ---------------------------------------------------------------------------
// The clerk's issuance (desktop only: not granted on phones and tablets).

/** kyso_api::Issuance */
export interface Issuance {
  /** The request, now `issued`. */
  request: SigningRequest
  number_symbol: string
  /** YYYY-MM-DD. */
  date: string
  /** SHA-256 of the issued PDF, hex. */
  issued_sha256: string
  issued_by: string
  /** RFC 3339. */
  issued_at: string
}

/** `issue` answer: the gateway's record and the app's own verification of
 * the issued PDF (profile B; the summary of its last signature, the seal). */
export interface IssueResult {
  issuance: Issuance
  verification: VerificationSummary
  /** The issued PDF (with the seal), for `renderPage` under `<id>/issued`. */
  document: DocumentInfo
}

/** Signed requests of the clerk's unit waiting for number and seal, oldest first.
 * Errors: forbidden (not a clerk), offline. */
export const issuance = () => call<SigningRequest[]>('issuance')

/** Opens the PDF the leader signed for `renderPage` (under the request id).
 * Errors: conflict (not signed), not_found, badDocument, offline. */
export const openIssuanceDocument = (id: string) => call<DocumentInfo>('open_issuance_document', { id })

/** Issues with number and date (YYYY-MM-DD): the gateway adds the agency seal.
 * Errors: bad_request (number, date), conflict (issued meanwhile), verification_failed, offline. */
export const issue = (id: string, number: string, date: string) => call<IssueResult>('issue', { id, number, date })

/** Saves the issued PDF in the downloads folder; its path. Errors: conflict (not issued), offline. */
export const saveIssued = (id: string) => call<string>('save_issued', { id })

/** kyso_api::CopyKind */
export type CopyKind = 'sao_y' | 'sao_luc'

/** kyso_api::DocumentCopy */
export interface DocumentCopy {
  id: string
  request_id: string
  kind: CopyKind
  number_symbol: string
  sha256: string
  size: number
  made_by: string
  /** RFC 3339. */
  made_at: string
}

/** `make_copy` answer: the copy, where it was saved, the app's verification. */
export interface CopyResult {
  copy: DocumentCopy
  path: string
  verification: VerificationSummary
}

/** An electronic copy (sao y, sao lục) of an issued document under its own number,
 * saved in the downloads folder. Errors: invalidArgument (kind), bad_request
 * (number), conflict (not issued, number used), offline. */
export const makeCopy = (id: string, kind: CopyKind, number: string) =>
  call<CopyResult>('make_copy', { id, kind, number })

// ---------------------------------------------------------------------------
// Events (Rust → web view).

export interface EventMap {
  /** The gateway's SSE `request` event. */
  'request-changed': RequestEvent
  /** The offline queue or the connection changed. */
  'queue-changed': QueueStatus
  /** A notification was tapped or kyso://request/ID[/sign] opened. */
  'open-request': OpenRequest
  /** A `sign` call moved on. */
  'sign-progress': SignProgress
  /** The presenter of the meeting followed showed a page. */
  presenter: PresenterState
  /** `download_meeting` moved on. */
  'meeting-download': DownloadProgress
}

export const EVENTS = [
  'request-changed',
  'queue-changed',
  'open-request',
  'sign-progress',
  'presenter',
  'meeting-download'
] as const
export type EventName = keyof EventMap

/** Listens to one of the app's events; resolves to the unlisten function. */
export function on<E extends EventName>(event: E, handler: (payload: EventMap[E]) => void): Promise<UnlistenFn> {
  return listen<EventMap[E]>(event, (e) => handler(e.payload))
}
