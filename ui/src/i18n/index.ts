// A small i18n module: two dictionaries with the same keys (Vietnamese
// first, English second), `{name}` placeholders, and the language as a
// signal so every component re-renders when it changes.

import { signal } from '@preact/signals'
import type { Language } from '../ipc'
import { vi } from './vi'
import { en } from './en'

export type Key = keyof typeof vi
export type Params = Record<string, string | number>

export const dictionaries: Record<Language, Record<Key, string>> = { vi, en }

export const lang = signal<Language>('vi')

export function format(s: string, params?: Params): string {
  if (!params) return s
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m))
}

/** The text of `key` in the current language. */
export function t(key: Key, params?: Params): string {
  return format(dictionaries[lang.value][key] ?? vi[key] ?? key, params)
}

/** Whether a string is a key (for keys built from codes). */
export function isKey(k: string): k is Key {
  return k in vi
}

export function setLang(l: Language) {
  lang.value = l
  if (typeof document !== 'undefined') document.documentElement.lang = l
}
