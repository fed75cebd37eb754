// Small helpers shared by the console and dashboard views (W2). The app-wide
// fetch wrapper, i18n and formatting live in src/api.ts, src/i18n.ts and
// src/format.ts; this file only adds what the desk views need on top.
import { ApiError, NetworkError, api, type Page } from '../../api'
import { t, te } from '../../i18n'
import { todayCN } from '../../format'

const DAY_MS = 86400000

/** A China date "YYYY-MM-DD" -> its first instant as a UTC time "…T16:00:00Z" of the day before. */
export function chinaDayStartUtc(d: string): string {
  const ms = Date.parse(d + 'T00:00:00+08:00')
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A China date "YYYY-MM-DD" -> its last second as a UTC time. */
export function chinaDayEndUtc(d: string): string {
  const ms = Date.parse(d + 'T23:59:59+08:00')
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A UTC time -> the China date "YYYY-MM-DD" it falls on. */
export function chinaDateOf(ts: string | null | undefined): string {
  if (!ts) return ''
  const ms = Date.parse(ts)
  if (Number.isNaN(ms)) return ''
  return new Date(ms + 8 * 3600000).toISOString().slice(0, 10)
}

/** Whole calendar days from date a to date b (both YYYY-MM-DD). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / DAY_MS)
}

/** Days a due date lies in the past (China today), 0 when not past. */
export function daysOverdue(due: string | null | undefined): number {
  if (!due) return 0
  return Math.max(0, daysBetween(due, todayCN()))
}

/** Every page of a list (per_page 200), up to `max` items. */
export async function fetchAll<T>(path: string, query: Record<string, string | number | undefined> = {}, max = 5000): Promise<T[]> {
  const out: T[] = []
  for (let page = 1; out.length < max; page++) {
    const r = await api.get<Page<T>>(path, { ...query, page, per_page: 200 })
    out.push(...r.items)
    if (r.items.length < 200 || out.length >= r.total) break
  }
  return out
}

/** A label from console.json for an API code ("status", "pending"); null when there is none. */
export function enumLabel(group: string, code: string | null | undefined): string | null {
  if (code === null || code === undefined || code === '') return null
  const key = `console.enum.${group}.${code}`
  return te(key) ? t(key) : null
}

/** A text for an error: field-less server messages come in the chosen language. */
export function errText(e: unknown): string {
  if (e instanceof NetworkError) return t('console.err.network')
  if (e instanceof ApiError) {
    if (e.status === 404) return t('console.err.not_found')
    if (e.status === 403 && !e.field) return t('console.err.forbidden')
    return e.message
  }
  return t('console.err.unknown')
}

/** Whether an error's text came from the server (so it is shown as data, data-raw). */
export const errIsRaw = (e: unknown) => e instanceof ApiError && !(e.status === 404 || (e.status === 403 && !e.field))

/** A fresh Idempotency-Key for one form submission. */
export function newKey(): string {
  const c = (globalThis as any).crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  return Date.now().toString(36) + Math.random().toString(36).slice(2)
}

/** An inbox link from the server ("/referrals/88") -> the console route. */
export function consoleLink(link: string | null | undefined): string | null {
  if (!link) return null
  const m = /^\/(referrals|cases|persons)\/(\d+)$/.exec(link)
  if (m) return `/c/${m[1]}/${m[2]}`
  if (link.startsWith('/c/') || link.startsWith('/m/')) return link
  return null
}

/** Known codes the console shows labels for. */
export const DEPARTMENTS = ['civil_affairs', 'medical_security', 'education', 'housing', 'hrss', 'emergency', 'disability_federation']
export const REFERRAL_STATUSES = ['pending', 'surveyed', 'opinion', 'public_notice', 'approved', 'rejected', 'returned']
export const OPEN_REFERRAL_STATUSES = ['pending', 'surveyed', 'opinion', 'public_notice']
export const ROLES = ['courier', 'assistant', 'commander', 'reviewer', 'admin', 'inspector', 'eldercare']
