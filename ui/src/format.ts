// Dates, sizes and digests as the app shows them: Vietnamese conventions
// (dd/MM/yyyy, HH:mm, "ngày 05 tháng 02 năm 2026"), always in +07:00
// (Asia/Ho_Chi_Minh has had no daylight saving since 1975), whatever the
// device's own time zone.

import type { Language } from './ipc'

const VN_OFFSET_MS = 7 * 60 * 60 * 1000

export interface VnParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number
}

/** The wall-clock parts of an instant in +07:00, or null for an unreadable date. */
export function vnParts(iso: string | Date): VnParts | null {
  const t = typeof iso === 'string' ? Date.parse(iso) : iso.getTime()
  if (Number.isNaN(t)) return null
  const d = new Date(t + VN_OFFSET_MS)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay()
  }
}

const two = (n: number) => String(n).padStart(2, '0')

/** `21/11/2026` */
export function formatDate(iso: string | Date): string {
  const p = vnParts(iso)
  return p ? `${two(p.day)}/${two(p.month)}/${p.year}` : '—'
}

/** `14:05` */
export function formatTime(iso: string | Date): string {
  const p = vnParts(iso)
  return p ? `${two(p.hour)}:${two(p.minute)}` : '—'
}

/** `21/11/2026 14:05` */
export function formatDateTime(iso: string | Date): string {
  const p = vnParts(iso)
  if (!p) return '—'
  return `${two(p.day)}/${two(p.month)}/${p.year} ${two(p.hour)}:${two(p.minute)}`
}

const EN_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
]

/** The long form. Vietnamese follows Nghị định 30/2020/NĐ-CP: days below 10
 * and the months 1 and 2 take a leading zero (`ngày 05 tháng 02 năm 2026`,
 * `ngày 21 tháng 11 năm 2026`, `ngày 09 tháng 3 năm 2026`). */
export function formatLongDate(iso: string | Date, lang: Language = 'vi'): string {
  const p = vnParts(iso)
  if (!p) return '—'
  if (lang === 'en') return `${p.day} ${EN_MONTHS[p.month - 1]} ${p.year}`
  const day = p.day < 10 ? two(p.day) : String(p.day)
  const month = p.month <= 2 ? two(p.month) : String(p.month)
  return `ngày ${day} tháng ${month} năm ${p.year}`
}

const VI_WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy']
const EN_WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** A meeting's time: `Thứ Hai, 02/03/2026, 08:00–17:30` (the end's date
 * too when it is another day). */
export function formatMeetingTime(starts: string, ends: string, lang: Language = 'vi'): string {
  const a = vnParts(starts)
  const b = vnParts(ends)
  if (!a || !b) return '—'
  const day = `${(lang === 'en' ? EN_WEEKDAYS : VI_WEEKDAYS)[a.weekday]}, ${formatDate(starts)}`
  const sameDay = a.year === b.year && a.month === b.month && a.day === b.day
  return `${day}, ${formatTime(starts)}–${sameDay ? formatTime(ends) : formatDateTime(ends)}`
}

/** Bytes for people: `1,2 MB` (vi) / `1.2 MB` (en). */
export function formatBytes(n: number, lang: Language = 'vi'): string {
  const units = ['B', 'KB', 'MB', 'GB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const s = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v.toFixed(1)
  return `${lang === 'vi' ? s.replace('.', ',') : s} ${units[i]}`
}

/** The first `n` hex digits of a digest in groups of four: `3f2a 91c0 …`. */
export function shaPrefix(hex: string, n = 16): string {
  const h = hex.toLowerCase().slice(0, n)
  return (h.match(/.{1,4}/g) ?? []).join(' ')
}

/** A time of day as typed on a phone's number pad, in the 24-hour `HH:MM`
 * Vietnamese use: `2200`, `730`, `22.00`, `22h30`, `22h`, `7` become
 * `22:00`, `07:30`, `22:00`, `22:30`, `22:00`, `07:00`; anything else is
 * returned trimmed, for the caller to refuse. */
export function normalizeTime(typed: string): string {
  const s = typed.trim()
  let h: number
  let min: number
  if (/^\d{3,4}$/.test(s)) {
    const d = s.padStart(4, '0')
    h = Number(d.slice(0, 2))
    min = Number(d.slice(2))
  } else {
    const m = /^(\d{1,2})(?:\s*[:.hg]\s*(\d{2})?)?$/i.exec(s)
    if (!m) return s
    h = Number(m[1])
    min = m[2] === undefined ? 0 : Number(m[2])
  }
  if (h > 23 || min > 59) return s
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`
}

/** A calendar date as Vietnamese write it (`05/03/2026`, `5/3/2026`,
 * `05-03-2026`, `05.03.2026`) as `YYYY-MM-DD`; null unless it is a real day. */
export function parseVnDate(typed: string): string | null {
  const m = /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(typed.trim())
  if (!m) return null
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const d = new Date(Date.UTC(year, month - 1, day))
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null
  return `${year}-${two(month)}-${two(day)}`
}

/** `YYYY-MM-DD` as `dd/MM/yyyy` (the date as written, no time zone). */
export function formatIsoDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  return m ? `${m[3]}/${m[2]}/${m[1]}` : date
}

export type DeadlineState = 'none' | 'ok' | 'soon' | 'overdue'

/** Whether a deadline has passed (`overdue`) or falls within a day (`soon`). */
export function deadlineState(deadline: string | null, now: number = Date.now()): DeadlineState {
  if (!deadline) return 'none'
  const t = Date.parse(deadline)
  if (Number.isNaN(t)) return 'none'
  if (t < now) return 'overdue'
  if (t - now < 24 * 60 * 60 * 1000) return 'soon'
  return 'ok'
}
