import { describe, expect, it } from 'vitest'
import {
  formatMeetingTime,
  deadlineState,
  formatBytes,
  formatDate,
  formatDateTime,
  formatLongDate,
  formatTime,
  formatIsoDate,
  normalizeTime,
  parseVnDate,
  shaPrefix,
  vnParts
} from '../../src/format'

describe('dates in +07:00', () => {
  it('moves UTC instants to Vietnam wall-clock time', () => {
    // 17:30 UTC on 20 Nov is 00:30 on 21 Nov in Hà Nội.
    expect(formatDate('2026-11-20T17:30:00Z')).toBe('21/11/2026')
    expect(formatTime('2026-11-20T17:30:00Z')).toBe('00:30')
    expect(formatDateTime('2026-11-20T17:30:00Z')).toBe('21/11/2026 00:30')
    expect(formatDateTime('2026-11-21T09:05:00+07:00')).toBe('21/11/2026 09:05')
    expect(formatDateTime('2026-12-31T23:59:00+01:00')).toBe('01/01/2027 05:59')
  })

  it('does not depend on the device time zone', () => {
    const p = vnParts(new Date(Date.UTC(2026, 0, 1, 0, 0)))
    expect(p).toEqual({ year: 2026, month: 1, day: 1, hour: 7, minute: 0, weekday: 4 })
  })

  it('writes the long form as Nghị định 30 asks', () => {
    expect(formatLongDate('2026-11-21T03:00:00Z')).toBe('ngày 21 tháng 11 năm 2026')
    expect(formatLongDate('2026-02-05T03:00:00Z')).toBe('ngày 05 tháng 02 năm 2026')
    expect(formatLongDate('2026-01-31T03:00:00Z')).toBe('ngày 31 tháng 01 năm 2026')
    expect(formatLongDate('2026-03-09T03:00:00Z')).toBe('ngày 09 tháng 3 năm 2026')
    expect(formatLongDate('2026-10-10T03:00:00Z')).toBe('ngày 10 tháng 10 năm 2026')
    expect(formatLongDate('2026-11-21T03:00:00Z', 'en')).toBe('21 November 2026')
  })

  it('shows a dash for what is not a date', () => {
    expect(formatDate('hôm qua')).toBe('—')
    expect(formatDateTime('')).toBe('—')
    expect(formatLongDate('x')).toBe('—')
  })
})

describe('meeting times', () => {
  it('name the weekday in Vietnam time, and the end', () => {
    // 01:30Z on Monday 2 March 2026 is 08:30 in Vietnam.
    expect(formatMeetingTime('2026-03-02T01:30:00Z', '2026-03-02T17:30:00+07:00')).toBe(
      'Thứ Hai, 02/03/2026, 08:30–17:30'
    )
    // 20:00Z on Sunday is Monday 03:00 in Vietnam.
    expect(formatMeetingTime('2026-03-01T20:00:00Z', '2026-03-01T22:00:00Z', 'en')).toBe(
      'Monday, 02/03/2026, 03:00–05:00'
    )
    expect(formatMeetingTime('2026-03-02T08:00:00+07:00', '2026-03-03T11:00:00+07:00')).toBe(
      'Thứ Hai, 02/03/2026, 08:00–03/03/2026 11:00'
    )
    expect(formatMeetingTime('soon', '2026-03-03T11:00:00+07:00')).toBe('—')
  })
})

describe('deadlines', () => {
  const now = Date.parse('2026-11-21T00:00:00Z')
  it('tells overdue, soon and ok apart', () => {
    expect(deadlineState(null, now)).toBe('none')
    expect(deadlineState('2026-11-20T23:00:00Z', now)).toBe('overdue')
    expect(deadlineState('2026-11-21T05:00:00Z', now)).toBe('soon')
    expect(deadlineState('2026-11-23T05:00:00Z', now)).toBe('ok')
  })
})

describe('sizes and digests', () => {
  it('uses a decimal comma in Vietnamese', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1,5 KB')
    expect(formatBytes(1536, 'en')).toBe('1.5 KB')
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2,5 MB')
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MB')
  })

  it('groups a SHA-256 prefix by four', () => {
    expect(shaPrefix('3F2A91C0DEADBEEF0123456789abcdef')).toBe('3f2a 91c0 dead beef')
    expect(shaPrefix('abcdef', 8)).toBe('abcd ef')
  })
})

describe('times of day as typed', () => {
  it('become 24-hour HH:MM', () => {
    const cases: Array<[string, string]> = [
      ['22:00', '22:00'],
      ['2200', '22:00'],
      ['730', '07:30'],
      ['0630', '06:30'],
      ['22.00', '22:00'],
      ['22h30', '22:30'],
      ['22H', '22:00'],
      ['22g30', '22:30'],
      ['7', '07:00'],
      [' 6:30 ', '06:30'],
      ['0', '00:00'],
      ['23:59', '23:59']
    ]
    for (const [typed, want] of cases) expect(normalizeTime(typed), typed).toBe(want)
  })
  it('leave what is not a time for the caller to refuse', () => {
    for (const typed of ['24:00', '2400', '12:60', '7:5', '22:000', 'abc', '', '-1', '10 PM', '12345'])
      expect(normalizeTime(typed), typed).toBe(typed.trim())
  })
})

describe('issuance dates as Vietnamese write them', () => {
  it('read day/month/year into YYYY-MM-DD', () => {
    expect(parseVnDate('05/03/2026')).toBe('2026-03-05')
    expect(parseVnDate(' 5/3/2026 ')).toBe('2026-03-05')
    expect(parseVnDate('29-02-2028')).toBe('2028-02-29')
    expect(parseVnDate('31.12.2026')).toBe('2026-12-31')
  })
  it('refuse what is not a real day', () => {
    for (const typed of ['30/02/2026', '29/02/2026', '32/01/2026', '05/13/2026', '2026-03-05', '5/3/26', '', 'hôm nay'])
      expect(parseVnDate(typed), typed).toBeNull()
  })
  it('show YYYY-MM-DD as dd/MM/yyyy', () => {
    expect(formatIsoDate('2026-03-05')).toBe('05/03/2026')
    expect(formatIsoDate('not a date')).toBe('not a date')
  })
})
