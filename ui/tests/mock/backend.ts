// A simulated Rust side + gateway for UI tests and screenshots: answers the
// IPC commands of src/ipc.ts from memory and emits the app's events. It is
// built only into dist-e2e (vite --mode e2e), never into the app.
//
// Controlled from Playwright through `window.__kysoMock` (see Control) and
// the page's query string: ?scenario=fresh|login|enroll|ready|clerk
// &platform=android|ios|linux &lang=vi|en &open=ID (the app was started
// with kyso://request/ID).

import { emit } from '@tauri-apps/api/event'
import type {
  AppState,
  DeviceInfo,
  DocumentInfo,
  ErrorCode,
  CopyResult,
  IssueResult,
  IpcError,
  KeystoreInfo,
  Language,
  Meeting,
  MeetingSummary,
  Note,
  Opinion,
  OpinionKind,
  PresenterState,
  QueuedOpinion,
  OpenRequest,
  PageSize,
  Platform,
  QueueStatus,
  QueuedUpload,
  QuietHours,
  RequestStatus,
  SignResult,
  SigningRequest,
  SignStage,
  Unit,
  Urgency,
  User,
  VerificationSummary
} from '../../src/ipc'
import { formatLongDate } from '../../src/format'

export const PASSWORD = 'matkhau'
/** configure_server with this pin answers pinMismatch. */
export const BAD_PIN = `sha256/${'A'.repeat(43)}=`
export const GOOD_PIN = 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='

const HOUR = 3600_000

function fakeSha(seed: string): string {
  let x = 2166136261
  for (const c of seed) x = Math.imul(x ^ c.charCodeAt(0), 16777619) >>> 0
  let out = ''
  while (out.length < 64) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out += x.toString(16).padStart(8, '0')
  }
  return out.slice(0, 64)
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')

const LEADER: User = {
  id: 'u-lanhdao',
  username: 'nvan',
  full_name: 'Nguyễn Văn An',
  title: 'Phó Chủ tịch UBND tỉnh',
  role: 'leader',
  unit_id: 'unit-ubnd'
}

const UNITS: Record<string, Unit> = {
  vp: { id: 'unit-vp', name: 'Văn phòng UBND tỉnh', parent_id: 'unit-ubnd' },
  stc: { id: 'unit-stc', name: 'Sở Tài chính', parent_id: 'unit-ubnd' },
  skhcn: { id: 'unit-skhcn', name: 'Sở Khoa học và Công nghệ', parent_id: 'unit-ubnd' },
  snv: { id: 'unit-snv', name: 'Sở Nội vụ', parent_id: 'unit-ubnd' },
  sxd: { id: 'unit-sxd', name: 'Sở Xây dựng', parent_id: 'unit-ubnd' }
}

interface Draft {
  id: string
  title: string
  number_symbol: string | null
  document_type: string
  urgency: Urgency
  deadlineH: number | null
  unit: Unit
  pages: number
  ageH: number
  status?: RequestStatus
  decline_reason?: string
}

const DRAFTS: Draft[] = [
  {
    id: 'req-flash',
    title: 'Công điện về việc tập trung ứng phó với bão số 12 và mưa lũ',
    number_symbol: '15/CĐ-UBND',
    document_type: 'Công điện',
    urgency: 'flash',
    deadlineH: 2,
    unit: UNITS.vp!,
    pages: 2,
    ageH: 0.5
  },
  {
    id: 'req-budget',
    title: 'Quyết định phê duyệt kế hoạch phân bổ vốn đầu tư công năm 2027',
    number_symbol: '1234/QĐ-UBND',
    document_type: 'Quyết định',
    urgency: 'very_urgent',
    deadlineH: 20,
    unit: UNITS.stc!,
    pages: 12,
    ageH: 5
  },
  {
    id: 'req-digital',
    title: 'Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh',
    number_symbol: '87/TTr-SKHCN',
    document_type: 'Tờ trình',
    urgency: 'urgent',
    deadlineH: 72,
    unit: UNITS.skhcn!,
    pages: 100,
    ageH: 26
  },
  {
    id: 'req-archive',
    title: 'Công văn về việc tăng cường công tác văn thư, lưu trữ điện tử',
    number_symbol: null,
    document_type: 'Công văn',
    urgency: 'normal',
    deadlineH: -24,
    unit: UNITS.snv!,
    pages: 3,
    ageH: 72
  },
  {
    id: 'req-meeting',
    title: 'Giấy mời họp giao ban công tác tháng 12 năm 2026',
    number_symbol: '402/GM-VP',
    document_type: 'Giấy mời',
    urgency: 'normal',
    deadlineH: null,
    unit: UNITS.vp!,
    pages: 1,
    ageH: 30
  }
]

const HISTORY: Draft[] = [
  {
    id: 'req-rules',
    title: 'Quyết định ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh nhiệm kỳ 2026–2031',
    number_symbol: '1198/QĐ-UBND',
    document_type: 'Quyết định',
    urgency: 'normal',
    deadlineH: null,
    unit: UNITS.vp!,
    pages: 18,
    ageH: 50,
    status: 'signed'
  },
  {
    id: 'req-conf',
    title: 'Kế hoạch tổ chức Hội nghị tổng kết công tác xây dựng năm 2026',
    number_symbol: '95/KH-SXD',
    document_type: 'Kế hoạch',
    urgency: 'urgent',
    deadlineH: null,
    unit: UNITS.sxd!,
    pages: 6,
    ageH: 80,
    status: 'declined',
    decline_reason: 'Đề nghị bổ sung dự toán kinh phí và danh sách đại biểu.'
  }
]

const NEW_ARRIVAL: Draft = {
  id: 'req-new',
  title: 'Quyết định khen thưởng các tập thể có thành tích trong phòng, chống thiên tai',
  number_symbol: '1240/QĐ-UBND',
  document_type: 'Quyết định',
  urgency: 'very_urgent',
  deadlineH: 6,
  unit: UNITS.snv!,
  pages: 4,
  ageH: 0
}

function makeRequest(d: Draft, now: number): SigningRequest {
  const created = now - d.ageH * HOUR
  const status = d.status ?? 'pending'
  return {
    id: d.id,
    title: d.title,
    number_symbol: d.number_symbol,
    document_type: d.document_type,
    urgency: d.urgency,
    deadline: d.deadlineH === null ? null : iso(now + d.deadlineH * HOUR),
    signer: LEADER,
    unit: d.unit,
    status,
    edxml_status: status === 'pending' ? '03' : status === 'signed' ? '06' : '02',
    document_sha256: fakeSha(d.id),
    document_size: 48_000 + d.pages * 23_500,
    signed_sha256: status === 'signed' ? fakeSha(`${d.id}-signed`) : null,
    decline_reason: d.decline_reason ?? null,
    placement: null,
    external_id: `QLVB-2026-${d.id.slice(4).toUpperCase()}`,
    created_at: iso(created),
    updated_at: iso(status === 'pending' ? created : created + 2 * HOUR)
  }
}

const A4: PageSize = { width: 595.28, height: 841.89 }
const A4_LANDSCAPE: PageSize = { width: 841.89, height: 595.28 }

// --- meetings ----------------------------------------------------------------

const CHAIR: User = {
  id: 'u-chutich',
  username: 'tqbao',
  full_name: 'Trần Quốc Bảo',
  title: 'Chủ tịch UBND tỉnh',
  role: 'leader',
  unit_id: 'unit-ubnd'
}
const MEMBER: User = {
  id: 'u-giamdoc',
  username: 'lmcuong',
  full_name: 'Lê Minh Cường',
  title: 'Giám đốc Sở Tài chính',
  role: 'leader',
  unit_id: 'unit-stc'
}

/** The clerk (văn thư) of the People's Committee office: logs in as `vanthu`. */
const CLERK: User = {
  id: 'u-vanthu',
  username: 'vanthu',
  full_name: 'Phạm Thị Hoa',
  title: 'Văn thư Văn phòng UBND tỉnh',
  role: 'clerk',
  unit_id: 'unit-ubnd'
}

/** Today (Vietnam time) at `h:m`, as the gateway writes meeting times. */
function vnToday(now: number, h: number, m = 0): string {
  const d = new Date(now + 7 * HOUR)
  const day = d.toISOString().slice(0, 10)
  return `${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+07:00`
}

function meetingDoc(id: string, title: string, pages: number) {
  return { id, title, pages, sha256: fakeSha(id), size: 40_000 + pages * 21_000 }
}

function makeMeetings(now: number): Meeting[] {
  return [
    {
      id: 'm-thuongky',
      title: 'Phiên họp UBND tỉnh thường kỳ tháng 12 năm 2026',
      starts_at: vnToday(now, 8),
      ends_at: vnToday(now, 17, 30),
      place: 'Phòng họp số 1, trụ sở UBND tỉnh',
      chair_id: CHAIR.id,
      presenter_id: CHAIR.id,
      participants: [CHAIR, LEADER, MEMBER],
      external_id: 'QLVB-HOP-12',
      created_at: iso(now - 48 * HOUR),
      agenda: [
        {
          id: 'i-kt',
          title: 'Tình hình kinh tế - xã hội năm 2026, kế hoạch năm 2027',
          documents: [meetingDoc('md-baocao', 'Báo cáo tình hình kinh tế - xã hội', 6), meetingDoc('md-phuluc', 'Phụ lục số liệu', 3)],
          draft_conclusion: 'Thống nhất báo cáo; giao Sở Kế hoạch và Đầu tư hoàn thiện, trình HĐND tỉnh.',
          conclusion_request_id: null
        },
        {
          id: 'i-ngansach',
          title: 'Dự toán ngân sách năm 2027',
          documents: [meetingDoc('md-dutoan', 'Tờ trình dự toán ngân sách', 4)],
          draft_conclusion: null,
          conclusion_request_id: null
        },
        {
          id: 'i-quyche',
          title: 'Quy chế làm việc của UBND tỉnh (sửa đổi)',
          documents: [meetingDoc('md-quyche', 'Dự thảo Quy chế làm việc', 5)],
          draft_conclusion: null,
          conclusion_request_id: null
        }
      ]
    },
    {
      id: 'm-cds',
      title: 'Họp Ban Chỉ đạo chuyển đổi số tỉnh',
      starts_at: vnToday(now + 24 * HOUR, 14),
      ends_at: vnToday(now + 24 * HOUR, 16, 30),
      place: 'Phòng họp trực tuyến, Sở Khoa học và Công nghệ',
      chair_id: LEADER.id,
      presenter_id: LEADER.id,
      participants: [LEADER, MEMBER],
      external_id: null,
      created_at: iso(now - 24 * HOUR),
      agenda: [
        {
          id: 'i-ttcds',
          title: 'Đề án thành lập Trung tâm Chuyển đổi số tỉnh',
          documents: [meetingDoc('md-dean', 'Tờ trình và Đề án', 8)],
          draft_conclusion: 'Thống nhất chủ trương; giao Sở Khoa học và Công nghệ hoàn thiện hồ sơ.',
          conclusion_request_id: 'req-digital'
        }
      ]
    }
  ]
}

export interface Control {
  /** Every command called (not the event plugin's), in order. */
  calls: Array<{ cmd: string; args: Record<string, unknown> }>
  /** Pages rendered: `id:page:width`. */
  renders: string[]
  setOnline(online: boolean): void
  /** The next call of `cmd` rejects with `code`. */
  failNext(cmd: string, code: ErrorCode): void
  /** The next `sign` waits at the biometric stage until `release()`. */
  holdSign(): void
  release(): void
  /** A new draft arrives at the gateway (SSE `request` event). */
  arrive(): void
  /** The document system changes a request (e.g. `cancelled`). */
  changeStatus(id: string, status: RequestStatus): void
  /** A notification tap / kyso://request/ID: as the Rust side does, an
   * `open-request` event once the web view has asked for the app state,
   * before that kept for `app_state`'s `open_request`. */
  openRequest(id: string, action?: 'view' | 'sign'): void
  /** Delay of each signing stage, ms. */
  stageDelay: number
  /** The presenter of `meeting` shows a page (a `presenter` event when the
   * app follows that meeting). */
  presenterShows(meeting: string, document: string, page: number, zoom?: number): void
}

type Handler = (args: Record<string, unknown>) => unknown

export function createBackend(params: URLSearchParams) {
  const now = Date.now()
  const scenario = params.get('scenario') ?? 'fresh'
  const platform = (params.get('platform') ?? 'android') as Platform
  let language = (params.get('lang') ?? 'vi') as Language
  let online = true
  /** The leader's quiet hours as the gateway keeps them. */
  let quiet: QuietHours = { start: null, end: null }
  const desktop = platform === 'linux' || platform === 'windows' || platform === 'macos'
  const keystore: KeystoreInfo = desktop
    ? { available: true, security_level: 'software', passphrase: 'optional', reason: null }
    : { available: true, security_level: platform === 'ios' ? 'trusted_environment' : 'strong_box', passphrase: 'none', reason: null }

  const requests = new Map<string, SigningRequest>()
  for (const d of [...DRAFTS, ...HISTORY]) requests.set(d.id, makeRequest(d, now))
  const pageCounts = new Map<string, number>([...DRAFTS, ...HISTORY, NEW_ARRIVAL].map((d) => [d.id, d.pages]))

  let server: AppState['server'] = scenario === 'fresh' ? null : { url: 'https://kyso.angiang.gov.vn', pin: GOOD_PIN }
  let user: User | null = scenario === 'ready' || scenario === 'enroll' ? LEADER : scenario === 'clerk' ? CLERK : null
  const makeDevice = (passphrase: boolean): DeviceInfo => ({
    device_id: 'dev-7f3a9c2e',
    security_level: keystore.security_level,
    platform,
    model: desktop ? 'Linux x86_64' : platform === 'ios' ? 'iPhone 15' : 'Samsung Galaxy S24',
    key_storage: desktop ? (passphrase ? 'passphrase_file' : 'os_keyring') : 'hardware',
    certificate_serial: '5c1e0a9b7d24f3e1',
    certificate_subject: `CN=${LEADER.full_name}, O=UBND tỉnh An Giang, C=VN`,
    certificate_not_after: iso(now + 2 * 365 * 24 * HOUR),
    enrolled_at: iso(now - 10 * 24 * HOUR)
  })
  let device: DeviceInfo | null = scenario === 'ready' ? makeDevice(desktop) : null
  /** Signed requests of the clerk's unit waiting for number and seal. */
  const toIssue = new Map<string, SigningRequest>()
  for (const d of DRAFTS.slice(0, 3)) {
    const r = makeRequest({ ...d, status: 'signed' }, now)
    toIssue.set(r.id, { ...r, number_symbol: null, updated_at: iso(now - (d.ageH + 1) * HOUR) })
  }
  const issued = new Map<string, IssueResult>()
  const queue: QueuedUpload[] = []
  const failures = new Map<string, ErrorCode>()
  let hold: { release: () => void; promise: Promise<void> } | null = null
  let pendingOpen: OpenRequest | null = params.get('open') ? { id: params.get('open')!, action: 'view' } : null
  let listening = false
  const meetingList = makeMeetings(now)
  /** Opinions recorded by the "gateway", and the keys seen. */
  const opinions: Array<Opinion & { meeting: string; author_id: string }> = [
    { id: 'op-1', item_id: 'i-kt', kind: 'agree', text: null, author: null, mine: false, at: iso(now - HOUR), meeting: 'm-thuongky', author_id: CHAIR.id },
    { id: 'op-2', item_id: 'i-kt', kind: 'comment', text: 'Đề nghị bổ sung số liệu giải ngân vốn đầu tư công.', author: null, mine: false, at: iso(now - HOUR), meeting: 'm-thuongky', author_id: MEMBER.id }
  ]
  /** Opinions cast offline, as the Rust side keeps them. */
  const queuedOpinions: QueuedOpinion[] = []
  let notes: Note[] = []
  let followed: string | null = null
  let seq = 0
  const meetingOf = (id: unknown): Meeting => {
    const m = meetingList.find((x) => x.id === id)
    if (!m) throw fail('not_found', 'no such meeting')
    return m
  }
  const docOf = (id: unknown) => meetingList.flatMap((m) => m.agenda.flatMap((i) => i.documents)).find((d) => d.id === id)
  const downloadedDocs = new Set<string>()
  function summary(m: Meeting): MeetingSummary {
    return {
      meeting_id: m.id,
      names_visible: m.chair_id === LEADER.id,
      items: m.agenda.map((item) => {
        const ops = opinions.filter((o) => o.meeting === m.id && o.item_id === item.id)
        const stance = new Map<string, OpinionKind>()
        for (const o of ops) if (o.kind !== 'comment') stance.set(o.author_id, o.kind)
        const mineStance = stance.get(LEADER.id) ?? null
        return {
          item_id: item.id,
          agree: [...stance.values()].filter((k) => k === 'agree').length,
          disagree: [...stance.values()].filter((k) => k === 'disagree').length,
          comments: ops.filter((o) => o.kind === 'comment').length,
          opinions: ops.filter((o) => o.text).map(({ meeting: _m, author_id, ...o }) => ({ ...o, mine: author_id === LEADER.id })),
          my_stance: mineStance
        }
      })
    }
  }
  function record(q: QueuedOpinion): Opinion {
    const o = { id: `op-${opinions.length + 1}`, item_id: q.item_id, kind: q.kind, text: q.text, author: LEADER.id, mine: true, at: iso(Date.now()) }
    opinions.push({ ...o, meeting: q.meeting_id, author_id: LEADER.id })
    return o
  }
  function sendQueued() {
    while (online && queuedOpinions.length > 0) record(queuedOpinions.shift()!)
  }

  const control: Control = {
    calls: [],
    renders: [],
    stageDelay: Number(params.get('stageDelay') ?? 120),
    presenterShows(meeting, document, page, zoom = 1) {
      const m = meetingOf(meeting)
      seq += 1
      const state: PresenterState = { meeting_id: m.id, document_id: document, page, zoom, presenter: m.chair_id, seq, at: iso(Date.now()) }
      if (followed === m.id) void emit('presenter', state)
    },
    setOnline(v) {
      online = v
      if (v) sendQueued()
      void emit('queue-changed', queueStatus())
      if (v && queue.length > 0) setTimeout(() => void flush(), 300)
    },
    failNext(cmd, code) {
      failures.set(cmd, code)
    },
    holdSign() {
      let release = () => {}
      const promise = new Promise<void>((r) => (release = r))
      hold = { release, promise }
    },
    release() {
      hold?.release()
      hold = null
    },
    arrive() {
      const r = makeRequest(NEW_ARRIVAL, Date.now())
      requests.set(r.id, r)
      void emit('request-changed', { request_id: r.id, status: r.status, urgency: r.urgency })
    },
    changeStatus(id, status) {
      const r = requests.get(id)
      if (!r) return
      requests.set(id, { ...r, status, updated_at: iso(Date.now()) })
      void emit('request-changed', { request_id: id, status, urgency: r.urgency })
    },
    openRequest(id, action = 'view') {
      if (listening) void emit('open-request', { id, action })
      else pendingOpen = { id, action }
    }
  }

  const fail = (code: ErrorCode, message: string = code): IpcError => ({ code, message })
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

  function queueStatus(): QueueStatus {
    return { online, uploading: false, items: [...queue], last_error: online ? null : fail('offline', 'no route to host') }
  }

  function verification(signedSha: string): VerificationSummary {
    return {
      indication: 'TOTAL_PASSED',
      sub_indication: null,
      profile: 'strict',
      signatures: 1,
      signer_subject: `CN=${LEADER.full_name}, OU=Thiết bị ${device?.device_id ?? ''}, O=UBND tỉnh An Giang, C=VN`,
      issuer_subject: 'CN=Kyso Device CA UBND tỉnh An Giang, O=UBND tỉnh An Giang, C=VN',
      trusted: true,
      claimed_signing_time: iso(Date.now()),
      timestamp_time: null,
      coverage: 'whole_file',
      signed_sha256: signedSha,
      warnings: [
        {
          code: 'no_timestamp',
          vi: 'Chữ ký không có dấu thời gian; thời điểm ký do thiết bị khai.',
          en: 'No timestamp: the signing time is as the device claims.'
        }
      ],
      errors: []
    }
  }

  async function flush() {
    if (!online) return
    while (queue.length > 0) {
      const item = queue.shift()!
      const r = requests.get(item.request_id)
      if (r && r.status === 'pending') {
        const signed = { ...r, status: 'signed' as const, edxml_status: '06', signed_sha256: item.signed_sha256, updated_at: iso(Date.now()) }
        requests.set(r.id, signed)
        await emit('request-changed', { request_id: r.id, status: 'signed', urgency: r.urgency })
      }
    }
    await emit('queue-changed', queueStatus())
  }

  function mine(id: unknown): SigningRequest {
    const r = typeof id === 'string' ? requests.get(id) : undefined
    if (!r) throw fail('not_found', 'no such request')
    return r
  }

  function needSession() {
    if (!server) throw fail('notConfigured')
    if (!user) throw fail('notLoggedIn')
  }

  const handlers: Record<string, Handler> = {
    app_state: (): AppState => {
      const open = pendingOpen
      pendingOpen = null
      listening = true
      return {
        version: '0.1.0',
        platform,
        language,
        server,
        user,
        device,
        keystore,
        queue: queueStatus(),
        open_request: open
      }
    },
    configure_server: async ({ url, pin }) => {
      await sleep(200)
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw fail('invalidArgument', 'bad url')
      if (url.includes('offline.example')) throw fail('offline', 'connection refused')
      if (pin === BAD_PIN) throw fail('pinMismatch', `expected ${String(pin)}, got ${GOOD_PIN}`)
      server = { url, pin: (pin as string | null) ?? null }
      return server
    },
    login: async ({ username, password }) => {
      await sleep(150)
      if (!server) throw fail('notConfigured')
      if (!online) throw fail('offline')
      if (password !== PASSWORD || !username) throw fail('unauthorized', 'bad credentials')
      user = username === CLERK.username ? CLERK : LEADER
      return user
    },
    logout: () => {
      user = null
      return null
    },
    enroll: async ({ passphrase }) => {
      needSession()
      await sleep(400)
      device = makeDevice(typeof passphrase === 'string' && passphrase.length > 0)
      return device
    },
    inbox: async () => {
      needSession()
      await sleep(120)
      const pending = [...requests.values()].filter((r) => r.status === 'pending')
      return { requests: pending, fetched_at: iso(Date.now()), from_cache: !online }
    },
    request: ({ id }) => {
      needSession()
      return mine(id)
    },
    open_document: async ({ id }): Promise<DocumentInfo> => {
      const r = mine(id)
      await sleep(150)
      const n = pageCounts.get(r.id) ?? 1
      const pages = Array.from({ length: n }, (_, i) => (r.id === 'req-budget' && i === 2 ? A4_LANDSCAPE : A4))
      return {
        id: r.id,
        page_count: n,
        pages,
        sha256: r.document_sha256,
        size: r.document_size,
        cached: !online,
        attachments:
          r.id === 'req-budget'
            ? [
                { name: 'Phu-luc-01-Danh-muc-du-an.xlsx', size: 88_412, mime: null },
                { name: 'Phu-luc-02-Thuyet-minh.pdf', size: 412_930, mime: 'application/pdf' }
              ]
            : []
      }
    },
    render_page: async ({ id, page, width }) => {
      const md = docOf(id)
      if (md) {
        const p = Number(page)
        if (!(p >= 1 && p <= md.pages)) throw fail('invalidArgument', 'no such page')
        control.renders.push(`${md.id}:${p}:${String(width)}`)
        const asRequest = { ...makeRequest(DRAFTS[0]!, now), id: md.id, title: md.title, document_type: 'Tài liệu họp', number_symbol: null }
        return renderFakePage(asRequest, p, md.pages, Number(width), false)
      }
      const r = toIssue.get(String(id)) ?? mine(id)
      const n = pageCounts.get(r.id) ?? 1
      const p = Number(page)
      if (!(p >= 1 && p <= n)) throw fail('invalidArgument', 'no such page')
      control.renders.push(`${r.id}:${p}:${String(width)}`)
      return renderFakePage(r, p, n, Number(width), r.id === 'req-budget' && p === 3)
    },
    sign: async ({ id, passphrase }): Promise<SignResult> => {
      needSession()
      if (!device) throw fail('notEnrolled')
      const r = mine(id)
      if (r.status !== 'pending') throw fail('conflict', `the request is ${r.status}`)
      if (queue.some((q) => q.request_id === r.id)) throw fail('conflict', 'already signed, queued')
      const stage = async (s: SignStage) => {
        await emit('sign-progress', { id: r.id, stage: s })
        await sleep(control.stageDelay)
      }
      await stage('preparing')
      await stage('authenticating')
      if (hold) await hold.promise
      if (device.key_storage === 'passphrase_file' && passphrase !== PASSWORD) throw fail('wrongPassphrase')
      const signFail = failures.get('sign')
      if (signFail) {
        failures.delete('sign')
        throw fail(signFail, `simulated ${signFail}`)
      }
      await stage('finishing')
      const signedSha = fakeSha(`${r.id}-signed-${Date.now()}`)
      if (!online) {
        const q: QueuedUpload = {
          request_id: r.id,
          title: r.title,
          number_symbol: r.number_symbol,
          signed_sha256: signedSha,
          queued_at: iso(Date.now()),
          attempts: 1,
          last_attempt_at: iso(Date.now())
        }
        queue.push(q)
        await emit('queue-changed', queueStatus())
        return { outcome: 'queued', request_id: r.id, signed_sha256: signedSha, queued_at: q.queued_at }
      }
      await stage('uploading')
      await stage('verifying')
      const signed: SigningRequest = {
        ...r,
        status: 'signed',
        edxml_status: '06',
        signed_sha256: signedSha,
        updated_at: iso(Date.now())
      }
      requests.set(r.id, signed)
      void emit('request-changed', { request_id: r.id, status: 'signed', urgency: r.urgency })
      return { outcome: 'signed', request: signed, verification: verification(signedSha) }
    },
    decline: async ({ id, reason }) => {
      needSession()
      const r = mine(id)
      if (!online) throw fail('offline')
      if (typeof reason !== 'string' || reason.trim().length < 3) throw fail('bad_request', 'reason required')
      if (r.status !== 'pending') throw fail('conflict')
      await sleep(150)
      const d: SigningRequest = {
        ...r,
        status: 'declined',
        edxml_status: '02',
        decline_reason: reason,
        updated_at: iso(Date.now())
      }
      requests.set(r.id, d)
      void emit('request-changed', { request_id: r.id, status: 'declined', urgency: r.urgency })
      return d
    },
    history: async () => {
      needSession()
      await sleep(80)
      return [...requests.values()]
        .filter((r) => r.status !== 'pending')
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
    },
    queue_status: () => queueStatus(),
    flush_queue: async () => {
      if (!online) throw fail('offline')
      await flush()
      return queueStatus()
    },
    quiet_hours: async () => {
      needSession()
      if (!online) throw fail('offline')
      await sleep(60)
      return { ...quiet }
    },
    set_quiet_hours: async ({ start, end }) => {
      needSession()
      const hhmm = (x: unknown) => typeof x === 'string' && /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(x)
      const none = start === null && end === null
      if (!none && !(hhmm(start) && hhmm(end) && start !== end)) throw fail('invalidArgument', 'quiet hours')
      if (!online) throw fail('offline')
      await sleep(120)
      quiet = none ? { start: null, end: null } : { start: start as string, end: end as string }
      return { ...quiet }
    },
    set_language: ({ language: l }) => {
      if (l !== 'vi' && l !== 'en') throw fail('invalidArgument')
      language = l
      return null
    },
    remove_key: () => {
      device = null
      return null
    },
    meetings: async () => {
      needSession()
      await sleep(100)
      return { meetings: meetingList, fetched_at: iso(Date.now()), from_cache: !online }
    },
    meeting: async ({ id }) => {
      needSession()
      await sleep(80)
      const m = meetingOf(id)
      sendQueued()
      return {
        meeting: m,
        summary: online ? summary(m) : null,
        downloaded: m.agenda.flatMap((i) => i.documents).filter((d) => downloadedDocs.has(d.id)).map((d) => d.id),
        queued: queuedOpinions.filter((q) => q.meeting_id === m.id),
        notes: notes.filter((n) => n.meeting_id === m.id),
        from_cache: !online
      }
    },
    download_meeting: async ({ id }) => {
      const m = meetingOf(id)
      if (!online) throw fail('offline', 'no route to host')
      const docs = m.agenda.flatMap((i) => i.documents)
      await emit('meeting-download', { meeting_id: m.id, done: 0, total: docs.length })
      for (const [i, d] of docs.entries()) {
        await sleep(150)
        downloadedDocs.add(d.id)
        await emit('meeting-download', { meeting_id: m.id, done: i + 1, total: docs.length })
      }
      return docs.map((d) => d.id)
    },
    open_meeting_document: async ({ meeting, document }): Promise<DocumentInfo> => {
      const m = meetingOf(meeting)
      const d = m.agenda.flatMap((i) => i.documents).find((x) => x.id === document)
      if (!d) throw fail('invalidArgument', 'no such document in this meeting')
      if (!online && !downloadedDocs.has(d.id)) throw fail('offline', 'no route to host')
      await sleep(100)
      return { id: d.id, page_count: d.pages, pages: Array.from({ length: d.pages }, () => A4), sha256: d.sha256, size: d.size, cached: downloadedDocs.has(d.id), attachments: [] }
    },
    give_opinion: async ({ meeting, item, kind, text }) => {
      needSession()
      const m = meetingOf(meeting)
      if (!m.agenda.some((i) => i.id === item)) throw fail('invalidArgument', 'no such agenda item')
      const body = typeof text === 'string' && text.trim() ? text.trim() : null
      if (kind !== 'agree' && !body) throw fail('invalidArgument', 'a text is needed')
      const q: QueuedOpinion = { key: `k-${Date.now()}`, meeting_id: m.id, item_id: String(item), kind: kind as OpinionKind, text: body, at: iso(Date.now()) }
      await sleep(80)
      if (!online) {
        queuedOpinions.push(q)
        return { opinion: null, queued: true }
      }
      return { opinion: record(q), queued: false }
    },
    present: async ({ meeting, document, page, zoom }) => {
      const m = meetingOf(meeting)
      if (m.presenter_id !== LEADER.id && m.chair_id !== LEADER.id) throw fail('forbidden', 'not the presenter')
      if (!online) throw fail('offline', 'no route to host')
      seq += 1
      return { meeting_id: m.id, document_id: String(document), page: Number(page), zoom: Number(zoom), presenter: LEADER.id, seq, at: iso(Date.now()) }
    },
    delegate_presenter: ({ meeting, user }) => {
      const m = meetingOf(meeting)
      if (m.chair_id !== LEADER.id) throw fail('forbidden', 'not the chair')
      if (user !== null && !m.participants.some((p) => p.id === user)) throw fail('bad_request', 'not a participant')
      m.presenter_id = (user as string | null) ?? m.chair_id
      return m
    },
    follow_meeting: ({ meeting }) => {
      followed = typeof meeting === 'string' ? meeting : null
      return null
    },
    save_note: ({ meeting, document, page, text }) => {
      const body = String(text).trim()
      notes = notes.filter((n) => !(n.meeting_id === meeting && n.document_id === document && n.page === page))
      if (body) notes.push({ meeting_id: String(meeting), document_id: String(document), page: Number(page), text: body, updated_at: iso(Date.now()) })
      return notes.filter((n) => n.meeting_id === meeting)
    },
    export_notes: ({ meeting }) => {
      if (!notes.some((n) => n.meeting_id === meeting)) throw fail('invalidArgument', 'no notes')
      return `/home/lanhdao/Tải xuống/kyso-ghi-chu-${String(meeting)}.txt`
    },
    issuance: async () => {
      needSession()
      if (user?.role !== 'clerk') throw fail('forbidden', 'clerks only')
      if (!online) throw fail('offline', 'no route to host')
      await sleep(100)
      return [...toIssue.entries()].filter(([k, r]) => k === r.id && !issued.has(r.id)).map(([, r]) => r)
    },
    open_issuance_document: async ({ id }): Promise<DocumentInfo> => {
      needSession()
      const r = toIssue.get(String(id))
      if (!r) throw fail('not_found', 'no such request in this unit')
      if (!online) throw fail('offline', 'no route to host')
      await sleep(120)
      const n = pageCounts.get(r.id) ?? 1
      return { id: r.id, page_count: n, pages: Array.from({ length: n }, () => A4), sha256: r.signed_sha256!, size: r.document_size + 40_000, cached: false, attachments: [] }
    },
    issue: async ({ id, number, date }): Promise<IssueResult> => {
      needSession()
      const r = toIssue.get(String(id))
      if (!r) throw fail('not_found', 'no such request in this unit')
      if (issued.has(r.id)) throw fail('conflict', 'already issued')
      const n = String(number).trim()
      if (!n || n.length > 100) throw fail('bad_request', 'number_symbol must be 1 to 100 characters')
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(date))) throw fail('bad_request', 'date must be YYYY-MM-DD')
      if (!online) throw fail('offline', 'no route to host')
      await sleep(600)
      const at = iso(Date.now())
      const sha = fakeSha(`${r.id}-issued`)
      const result: IssueResult = {
        issuance: { request: { ...r, status: 'issued', number_symbol: n, updated_at: at }, number_symbol: n, date: String(date), issued_sha256: sha, issued_by: CLERK.username, issued_at: at },
        document: { id: `${r.id}/issued`, page_count: pageCounts.get(r.id) ?? 1, pages: Array.from({ length: pageCounts.get(r.id) ?? 1 }, () => A4), sha256: sha, size: r.document_size + 90_000, cached: true, attachments: [] },
        verification: {
          indication: 'TOTAL_PASSED',
          sub_indication: null,
          profile: 'multi',
          signatures: 2,
          signer_subject: 'CN=Văn phòng UBND tỉnh An Giang, O=UBND tỉnh An Giang, C=VN',
          issuer_subject: 'CN=Kyso Device CA UBND tỉnh An Giang, O=UBND tỉnh An Giang, C=VN',
          trusted: true,
          claimed_signing_time: at,
          timestamp_time: at,
          coverage: 'revision',
          signed_sha256: sha,
          warnings: [],
          errors: []
        }
      }
      issued.set(r.id, result)
      pageCounts.set(result.document.id, pageCounts.get(r.id) ?? 1)
      toIssue.set(result.document.id, r)
      return result
    },
    make_copy: async ({ id, kind, number }): Promise<CopyResult> => {
      needSession()
      const done = issued.get(String(id))
      if (!done) throw fail('conflict', 'the request is not issued')
      if (kind !== 'sao_y' && kind !== 'sao_luc') throw fail('invalidArgument', 'kind must be sao_y or sao_luc')
      const n = String(number).trim()
      if (!n) throw fail('bad_request', 'number_symbol must be 1 to 100 characters')
      if (!online) throw fail('offline', 'no route to host')
      await sleep(400)
      const at = iso(Date.now())
      const sha = fakeSha(`${done.issuance.request.id}-${n}`)
      return {
        copy: { id: `copy-${n}`, request_id: done.issuance.request.id, kind, number_symbol: n, sha256: sha, size: 190_000, made_by: CLERK.username, made_at: at },
        path: `/home/vanthu/Tải xuống/${n.replace(/[^\p{L}\p{N}._-]/gu, '-')}.pdf`,
        verification: { ...done.verification, signatures: 3, signed_sha256: sha, claimed_signing_time: at, timestamp_time: at }
      }
    },
    save_issued: ({ id }) => {
      const done = issued.get(String(id))
      if (!done) throw fail('conflict', 'the request is not issued')
      return `/home/vanthu/Tải xuống/${done.issuance.number_symbol.replace(/[^\p{L}\p{N}._-]/gu, '-')}.pdf`
    }
  }

  async function handle(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const logged = { ...args }
    for (const k of ['password', 'passphrase']) if (typeof logged[k] === 'string') logged[k] = '***'
    control.calls.push({ cmd, args: logged })
    const h = handlers[cmd]
    if (!h) throw fail('internal', `unknown command ${cmd}`)
    const f = failures.get(cmd)
    if (f && cmd !== 'sign') {
      failures.delete(cmd)
      throw fail(f, `simulated ${f}`)
    }
    return await h(args)
  }

  return { handle, control }
}

// --- a fake page, drawn like a Vietnamese administrative document ---------

function wrap(ctx: OffscreenCanvasRenderingContext2D, text: string, max: number): string[] {
  const words = text.split(' ')
  const lines: string[] = []
  let line = ''
  for (const w of words) {
    const next = line ? `${line} ${w}` : w
    if (ctx.measureText(next).width > max && line) {
      lines.push(line)
      line = w
    } else line = next
  }
  if (line) lines.push(line)
  return lines
}

async function renderFakePage(
  r: SigningRequest,
  page: number,
  pages: number,
  width: number,
  landscape: boolean
): Promise<ArrayBuffer> {
  const size = landscape ? A4_LANDSCAPE : A4
  const w = Math.max(32, Math.round(width))
  const h = Math.round((w * size.height) / size.width)
  const c = new OffscreenCanvas(w, h)
  const ctx = c.getContext('2d')!
  const s = w / size.width
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, w, h)
  ctx.fillStyle = '#111111'
  ctx.textBaseline = 'top'
  const font = (pt: number, bold = false, italic = false) =>
    (ctx.font = `${italic ? 'italic ' : ''}${bold ? 'bold ' : ''}${pt * s}px "Noto Serif", "DejaVu Serif", serif`)
  const left = 70 * s
  const right = w - 50 * s
  let y = 50 * s
  if (page === 1) {
    const colL = left + 90 * s
    const colR = w - 175 * s
    ctx.textAlign = 'center'
    font(10.5)
    ctx.fillText('ỦY BAN NHÂN DÂN', colL, y)
    font(10.5, true)
    ctx.fillText('TỈNH AN GIANG', colL, y + 14 * s)
    ctx.fillText('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', colR, y)
    font(11, true)
    ctx.fillText('Độc lập - Tự do - Hạnh phúc', colR, y + 14 * s)
    ctx.fillRect(colR - 70 * s, y + 30 * s, 140 * s, 0.8 * s)
    ctx.fillRect(colL - 30 * s, y + 30 * s, 60 * s, 0.8 * s)
    font(11)
    ctx.fillText(`Số: ${r.number_symbol ?? '      /UBND'}`, colL, y + 42 * s)
    font(11, false, true)
    ctx.fillText(`An Giang, ${formatLongDate(r.created_at, 'vi')}`, colR, y + 42 * s)
    y += 90 * s
    font(13, true)
    ctx.fillText(r.document_type.toUpperCase(), w / 2, y)
    y += 20 * s
    font(12, true)
    for (const line of wrap(ctx, r.title, right - left - 40 * s)) {
      ctx.fillText(line, w / 2, y)
      y += 17 * s
    }
    ctx.fillRect(w / 2 - 50 * s, y + 4 * s, 100 * s, 0.8 * s)
    y += 24 * s
    ctx.textAlign = 'left'
  }
  // Body text as grey bars, like lines of a paragraph.
  ctx.fillStyle = '#b9bec7'
  const lineH = 16 * s
  const bottom = h - (page === pages ? 190 : 70) * s
  let i = 0
  while (y < bottom) {
    const indent = i % 7 === 0 ? 30 * s : 0
    const len = i % 7 === 6 ? 0.55 : 0.97 - ((i * 37) % 9) / 100
    ctx.fillRect(left + indent, y + 4 * s, (right - left - indent) * len, 6 * s)
    y += lineH
    i++
    if (i % 7 === 0) y += 6 * s
  }
  ctx.fillStyle = '#111111'
  if (page === pages) {
    ctx.textAlign = 'center'
    font(11, true)
    const x = w - 160 * s
    ctx.fillText('KT. CHỦ TỊCH', x, bottom + 10 * s)
    ctx.fillText('PHÓ CHỦ TỊCH', x, bottom + 24 * s)
    font(11, true)
    ctx.fillText('Nguyễn Văn An', x, bottom + 110 * s)
    ctx.textAlign = 'left'
  }
  ctx.textAlign = 'center'
  font(9)
  ctx.fillStyle = '#555555'
  ctx.fillText(`${page}/${pages}`, w / 2, h - 30 * s)
  const blob = await c.convertToBlob({ type: 'image/png' })
  return await blob.arrayBuffer()
}
