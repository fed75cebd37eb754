// How people there write money, dates and ID numbers.
import { locale, t } from './i18n'

const CN_OFFSET_MS = 8 * 3600 * 1000 // China time, no daylight saving

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** fen (integer) -> "1,234.50" */
export function yuanNumber(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || Number.isNaN(fen)) return ''
  const neg = fen < 0
  const abs = Math.abs(Math.round(fen))
  const s = group(String(Math.floor(abs / 100))) + '.' + String(abs % 100).padStart(2, '0')
  return (neg ? '-' : '') + s
}

/** fen -> "1,234.50 元" (Chinese) or "¥1,234.50" (English). */
export function money(fen: number | null | undefined, style?: 'yuan' | 'symbol'): string {
  if (fen === null || fen === undefined) return ''
  const st = style ?? (locale.value === 'en' ? 'symbol' : 'yuan')
  const n = yuanNumber(fen)
  if (st === 'symbol') return n.startsWith('-') ? '-¥' + n.slice(1) : '¥' + n
  return t('common.fmt.yuan', { n })
}

/** "1234.5" (yuan typed by a person) -> 123450 fen; null when empty or invalid. */
export function yuanToFen(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined) return null
  const s = String(v).trim().replace(/,/g, '').replace(/元$/, '').trim()
  if (s === '') return null
  if (!/^\d+(\.\d{0,2})?$/.test(s)) return null
  const [i, d = ''] = s.split('.')
  return parseInt(i, 10) * 100 + parseInt((d + '00').slice(0, 2), 10)
}

/** fen -> "1234.5" for an input field. */
export function fenToYuanInput(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return ''
  return (fen / 100).toFixed(2).replace(/\.00$/, '')
}

function parts(d: string | Date): { y: number; m: number; day: number; hh: number; mm: number; dateOnly: boolean } | null {
  if (d instanceof Date) {
    const c = new Date(d.getTime() + CN_OFFSET_MS)
    return { y: c.getUTCFullYear(), m: c.getUTCMonth() + 1, day: c.getUTCDate(), hh: c.getUTCHours(), mm: c.getUTCMinutes(), dateOnly: false }
  }
  if (!d) return null
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d)
  if (dm) return { y: +dm[1], m: +dm[2], day: +dm[3], hh: 0, mm: 0, dateOnly: true }
  const mm = /^(\d{4})-(\d{2})$/.exec(d)
  if (mm) return { y: +mm[1], m: +mm[2], day: 1, hh: 0, mm: 0, dateOnly: true }
  const ts = Date.parse(d)
  if (Number.isNaN(ts)) return null
  return parts(new Date(ts))
}

const p2 = (n: number) => String(n).padStart(2, '0')

/** "2026-11-28" or a UTC time -> "2026年11月28日" / "2026-11-28" (China time). */
export function date(d: string | Date | null | undefined): string {
  if (!d) return ''
  const p = parts(d)
  if (!p) return String(d)
  return t('common.fmt.date', { y: p.y, m: p.m, mm: p2(p.m), d: p.day, dd: p2(p.day) })
}

/** a UTC time -> "2026年11月28日 20:10" / "2026-11-28 20:10" (China time). */
export function dateTime(d: string | Date | null | undefined): string {
  if (!d) return ''
  const p = parts(d)
  if (!p) return String(d)
  if (p.dateOnly) return date(d)
  return `${date(d)} ${p2(p.hh)}:${p2(p.mm)}`
}

/** "2026-11" -> "2026年11月" / "2026-11" */
export function month(d: string | null | undefined): string {
  if (!d) return ''
  const m = /^(\d{4})-(\d{2})/.exec(d)
  if (!m) return d
  return t('common.fmt.month', { y: m[1], m: +m[2], mm: m[2] })
}

/** Today's date in China as YYYY-MM-DD. */
export function todayCN(): string {
  const c = new Date(Date.now() + CN_OFFSET_MS)
  return `${c.getUTCFullYear()}-${p2(c.getUTCMonth() + 1)}-${p2(c.getUTCDate())}`
}

/** An ID number for display: masked ones stay as they come ("500231********123X");
 *  a full one is masked here unless `full` (digits 7–14, the birth date, hidden). */
export function idNumber(id: string | null | undefined, full = false): string {
  if (!id) return ''
  if (full || id.includes('*') || id.length !== 18) return id
  return id.slice(0, 6) + '********' + id.slice(14)
}

/** Whether an 18-character ID number is well formed (GB 11643 check character). */
export function idNumberValid(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let s = 0
  for (let i = 0; i < 17; i++) s += (id.charCodeAt(i) - 48) * w[i]
  return '10X98765432'[s % 11] === id[17].toUpperCase()
}

/** A distance in metres -> "±12 米" / "±12 m". */
export function accuracy(m: number | null | undefined): string {
  if (m === null || m === undefined) return ''
  return t('common.fmt.accuracy', { n: Math.round(m) })
}
