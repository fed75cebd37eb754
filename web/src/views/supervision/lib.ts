// Shared pieces of the livelihood-supervision pages (issue 6): the codes the
// server uses, their labels (messages/<locale>/supervision.json), money in
// ¥, months, error texts, and the shapes of the API answers.
import { ApiError, NetworkError } from '../../api'
import { t, te } from '../../i18n'
import { money, todayCN } from '../../format'

export const CHECKS = ['relative_unfiled', 'paid_after_death', 'asset_while_paid', 'duplicate_enrollment', 'shared_account', 'self_decision']
export const FINDING_STATUSES = ['open', 'handed', 'checked', 'confirmed', 'dismissed', 'closed']
export const RUN_STATUSES = ['generating', 'awaiting_approval', 'approved', 'paid', 'reconciled', 'rejected']
export const LINE_STATUSES = ['pending', 'paid', 'failed', 'void']
export const RUN_ACTIONS = ['approve', 'reject', 'pay']
export const FINDING_ACTIONS = ['hand_over', 'check', 'confirm', 'dismiss', 'close']

/** A label of supervision.json for a code; null when there is none. */
export function supLabel(group: string, code: string | null | undefined): string | null {
  if (code === null || code === undefined || code === '') return null
  const key = `supervision.enum.${group}.${code}`
  return te(key) ? t(key) : null
}

/** fen -> "¥1,234.50" in both languages. */
export const yuan = (fen: number | null | undefined) => (fen === null || fen === undefined ? '' : money(fen, 'symbol'))

/** An `actions` list of the API ([{action,label,needs_reason}] or ["approve"]) -> the codes. */
export function actionCodes(list: unknown): string[] {
  if (!Array.isArray(list)) return []
  return list.map((a: any) => (typeof a === 'string' ? a : a?.action)).filter((a: unknown): a is string => typeof a === 'string')
}

/** A user as the API may name one: "王某", {display_name}, {username} or an id. */
export function userName(u: any): string {
  if (u === null || u === undefined) return ''
  if (typeof u === 'string') return u
  if (typeof u === 'number') return '#' + u
  return u.display_name || u.name || u.username || (u.id ? '#' + u.id : '')
}

/** "2026-11" and n months before/after. */
export function addMonths(ym: string, n: number): string {
  const y = Number(ym.slice(0, 4))
  const m = Number(ym.slice(5, 7)) - 1 + n
  const yy = y + Math.floor(m / 12)
  const mm = ((m % 12) + 12) % 12
  return `${yy}-${String(mm + 1).padStart(2, '0')}`
}
export const thisMonth = () => todayCN().slice(0, 7)

/** Error text: the server's own message (already in the chosen language) except
 *  for a plain 404/403, which get the console's wording. */
export function supErr(e: unknown): string {
  if (e instanceof NetworkError) return t('console.err.network')
  if (e instanceof ApiError) {
    if (e.status === 404) return t('console.err.not_found')
    if (e.status === 403 && !e.field && (e.code === 'forbidden' || e.code === 'http_403')) return t('console.err.forbidden')
    if (e.status >= 500) return t('supervision.err.server', { status: e.status })
    return e.message
  }
  return t('console.err.unknown')
}
/** Whether supErr's text came from the server (shown as data: data-raw). */
export function supErrRaw(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false
  if (e.status === 404 || e.status >= 500) return false
  if (e.status === 403 && !e.field && (e.code === 'forbidden' || e.code === 'http_403')) return false
  return true
}

export interface Run {
  id: number; program: string; month: string; status: string; lines: number; total_fen: number; paid_fen: number; failed_fen: number
  generated_by?: any; approved_by?: any; paid_date?: string | null; reject_reason?: string | null; created_at?: string
  townships?: { region_code: string; name: string; lines: number; total_fen: number; paid_fen?: number; failed_fen?: number }[]
  actions?: unknown
}

export interface Finding {
  id: number; check_id: string; status: string; summary: string; household_id?: number | null; person_id?: number | null
  region_code?: string; region_name?: string; suspected_fen: number; amount_fen?: number | null; created_at?: string
  department?: string | null; check_result?: string | null; dismiss_reason?: string | null
  evidence?: any[]; ledger?: any[]; balance_fen?: number; events?: any[]; actions?: unknown
}
