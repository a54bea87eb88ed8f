import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dictionaries, format, isKey, lang, setLang, t } from '../../src/i18n'
import { en } from '../../src/i18n/en'
import { vi } from '../../src/i18n/vi'
import { ERROR_CODES, URGENCIES } from '../../src/ipc'

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(f) ? [p] : []
  })
}

describe('dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort())
  })

  it('have no empty texts and the same placeholders in both languages', () => {
    for (const k of Object.keys(vi) as Array<keyof typeof vi>) {
      expect(vi[k].trim(), k).not.toBe('')
      expect(en[k].trim(), k).not.toBe('')
      expect(placeholders(en[k]), k).toEqual(placeholders(vi[k]))
    }
  })

  it('hold every key the source uses literally', () => {
    const used = new Set<string>()
    for (const f of sources('src')) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z_.]+)'/g)) used.add(m[1]!)
    }
    expect(used.size).toBeGreaterThan(100)
    expect([...used].filter((k) => !isKey(k))).toEqual([])
  })

  it('hold every key built from a closed set', () => {
    const families: Record<string, readonly string[]> = {
      'err.': ERROR_CODES,
      'urgency.': URGENCIES,
      'status.': ['pending', 'signed', 'declined', 'expired', 'cancelled', 'issued'],
      'sign.stage.': ['preparing', 'authenticating', 'finishing', 'uploading', 'verifying'],
      'verify.': ['TOTAL_PASSED', 'INDETERMINATE', 'TOTAL_FAILED', 'NO_SIGNATURE_FOUND'],
      'setup.step.': ['server', 'login', 'enroll'],
      'setup.url.': ['empty', 'invalid', 'insecure'],
      'history.filter.': ['all', 'signed', 'declined'],
      'nav.': ['inbox', 'history', 'settings'],
      'device.storage.': ['hardware', 'os_keyring', 'passphrase_file'],
      'level.': ['strong_box', 'tee', 'secure_enclave', 'software']
    }
    for (const [prefix, values] of Object.entries(families)) {
      for (const v of values) expect(isKey(prefix + v), prefix + v).toBe(true)
    }
  })
})

describe('t', () => {
  it('follows the language signal and fills placeholders', () => {
    setLang('vi')
    expect(t('doc.pageOf', { n: 3, total: 12 })).toBe('Trang 3/12')
    expect(t('urgency.very_urgent')).toBe('Thượng khẩn')
    setLang('en')
    expect(lang.value).toBe('en')
    expect(t('doc.pageOf', { n: 3, total: 12 })).toBe('Page 3 of 12')
    expect(t('urgency.flash')).toBe('Flash')
    setLang('vi')
  })

  it('leaves unknown placeholders as they are', () => {
    expect(format('{a} và {b}', { a: 1 })).toBe('1 và {b}')
  })

  it('says the urgencies as Vietnamese documents do', () => {
    expect(URGENCIES.map((u) => dictionaries.vi[`urgency.${u}`])).toEqual(['Thường', 'Khẩn', 'Thượng khẩn', 'Hỏa tốc'])
  })
})
