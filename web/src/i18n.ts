// Tiny i18n: t('area.key.sub', {n: 3}) looks the key up in
// messages/<locale>/<area>.json; zh-CN is the default, 'en' is kept in
// localStorage ('civicare.lang'). A key missing in a locale falls back to
// zh-CN, then shows the key itself (the e2e test then fails on it).
import { ref, watch } from 'vue'

export type Locale = 'zh-CN' | 'en'
type Tree = { [k: string]: string | Tree }

const files = import.meta.glob('./messages/*/*.json', { eager: true, import: 'default' }) as Record<string, Tree>
const catalogs: Record<string, Tree> = { 'zh-CN': {}, en: {} }
for (const [path, tree] of Object.entries(files)) {
  const m = /messages\/([^/]+)\/([^/]+)\.json$/.exec(path)
  if (!m) continue
  ;(catalogs[m[1]] ||= {})[m[2]] = tree
}

function initial(): Locale {
  try {
    const v = localStorage.getItem('civicare.lang')
    if (v === 'en' || v === 'zh-CN') return v
  } catch { /* storage blocked */ }
  return 'zh-CN'
}

export const locale = ref<Locale>(initial())

function applyDocument(l: Locale) {
  document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN'
  document.title = t('common.app_name')
}

watch(locale, (l) => {
  try { localStorage.setItem('civicare.lang', l) } catch { /* ignore */ }
  applyDocument(l)
})

export function setLocale(l: Locale) { locale.value = l }

function lookup(tree: Tree | undefined, key: string): string | undefined {
  let cur: string | Tree | undefined = tree
  for (const part of key.split('.')) {
    if (cur === undefined || typeof cur === 'string') return undefined
    cur = cur[part]
  }
  return typeof cur === 'string' ? cur : undefined
}

/** Whether a key exists (in the current locale or zh-CN). */
export function te(key: string): boolean {
  return lookup(catalogs[locale.value], key) !== undefined || lookup(catalogs['zh-CN'], key) !== undefined
}

export function t(key: string, params?: Record<string, string | number>): string {
  const s = lookup(catalogs[locale.value], key) ?? lookup(catalogs['zh-CN'], key) ?? key
  if (!params) return s
  return s.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all))
}

/** Every message string of a locale (the e2e "no untranslated text" test uses the JSON files directly). */
export function allMessages(l: Locale = locale.value): Tree { return catalogs[l] }

applyDocument(locale.value)
