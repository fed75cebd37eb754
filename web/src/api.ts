// fetch wrapper for the civicare API: cookie session (HttpOnly, set by the
// server), X-CSRF-Token on every write, optional Idempotency-Key, and the
// error shape {"error":{code,field,message,...}} turned into an ApiError.
import { reactive } from 'vue'
import { locale } from './i18n'

export interface User {
  id: number
  username: string
  display_name: string
  role: string
  department?: string | null
  region_code: string
  region_name?: string
}

export interface Page<T> { items: T[]; total: number; page: number; per_page: number }

/** An answer of the API with an error status. */
export class ApiError extends Error {
  status: number
  code: string
  field?: string
  allowed?: string[]
  existingId?: number
  body: any
  constructor(status: number, body: any) {
    const e = (body && body.error) || {}
    super(e.message || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = e.code || 'http_' + status
    this.field = e.field
    this.allowed = e.allowed
    this.existingId = e.existing_id
    this.body = body
  }
}

/** No answer at all: offline, DNS, connection refused or reset. */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('network')
    this.name = 'NetworkError'
    ;(this as any).cause = cause
  }
}

export const isNetworkError = (e: unknown): e is NetworkError => e instanceof NetworkError

const CSRF_KEY = 'civicare.csrf'
const USER_KEY = 'civicare.user'

function load<T>(key: string): T | null {
  try { const v = localStorage.getItem(key); return v ? (JSON.parse(v) as T) : null } catch { return null }
}

/** The signed-in user (cached in localStorage so the courier's form opens offline). */
export const session = reactive({
  user: load<User>(USER_KEY) as User | null,
  permissions: (load<string[]>(USER_KEY + '.perms') || []) as string[],
  csrf: (load<string>(CSRF_KEY) || '') as string,
  checked: false, // /api/me answered (or could not be reached) since the page loaded
})

function persist() {
  try {
    if (session.user) {
      localStorage.setItem(USER_KEY, JSON.stringify(session.user))
      localStorage.setItem(USER_KEY + '.perms', JSON.stringify(session.permissions))
    } else {
      localStorage.removeItem(USER_KEY)
      localStorage.removeItem(USER_KEY + '.perms')
    }
    if (session.csrf) localStorage.setItem(CSRF_KEY, JSON.stringify(session.csrf))
    else localStorage.removeItem(CSRF_KEY)
  } catch { /* storage blocked */ }
}

export function clearSession() {
  session.user = null
  session.permissions = []
  session.csrf = ''
  persist()
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | null | undefined>
  body?: unknown
  /** raw body (Blob) sent as is, with its type */
  blob?: Blob
  idempotencyKey?: string
  signal?: AbortSignal
  /** don't treat 401 as "signed out" (the login form) */
  no401?: boolean
}

export function qs(query?: RequestOptions['query']): string {
  if (!query) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '' || v === false) continue
    p.set(k, v === true ? '1' : String(v))
  }
  const s = p.toString()
  return s ? '?' + s : ''
}

/** Called when the API says 401 (session ended); the router sends to /login. */
export let onSignedOut: (() => void) | null = null
export function setOnSignedOut(f: () => void) { onSignedOut = f }

export async function request<T = any>(method: string, path: string, opt: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': locale.value === 'en' ? 'en' : 'zh-CN',
  }
  let body: BodyInit | undefined
  if (opt.blob) {
    body = opt.blob
    headers['Content-Type'] = opt.blob.type || 'application/octet-stream'
  } else if (opt.body !== undefined) {
    body = JSON.stringify(opt.body)
    headers['Content-Type'] = 'application/json'
  }
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf
  if (opt.idempotencyKey) headers['Idempotency-Key'] = opt.idempotencyKey
  let res: Response
  try {
    res = await fetch(path + qs(opt.query), { method, headers, body, credentials: 'same-origin', signal: opt.signal })
  } catch (e) {
    if ((e as any)?.name === 'AbortError') throw e
    throw new NetworkError(e)
  }
  const text = await res.text().catch(() => '')
  let data: any = null
  if (text) {
    try { data = JSON.parse(text) } catch { data = { error: { code: 'bad_json', message: text.slice(0, 200) } } }
  }
  if (!res.ok) {
    // A proxy or captive portal answering 502/503/504 without our error shape: treat as no connection.
    if (res.status >= 502 && res.status <= 504 && !(data && data.error && data.error.code && data.error.code !== 'bad_json')) {
      throw new NetworkError(new Error('HTTP ' + res.status))
    }
    const err = new ApiError(res.status, data)
    if (res.status === 401 && !opt.no401) {
      clearSession()
      onSignedOut?.()
    }
    throw err
  }
  return data as T
}

export const api = {
  get: <T = any>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T = any>(path: string, body?: unknown, opt: Omit<RequestOptions, 'body'> = {}) => request<T>('POST', path, { ...opt, body: body ?? {} }),
  put: <T = any>(path: string, body?: unknown, opt: Omit<RequestOptions, 'body'> = {}) => request<T>('PUT', path, { ...opt, body: body ?? {} }),
  patch: <T = any>(path: string, body?: unknown, opt: Omit<RequestOptions, 'body'> = {}) => request<T>('PATCH', path, { ...opt, body: body ?? {} }),
  del: <T = any>(path: string, opt: RequestOptions = {}) => request<T>('DELETE', path, opt),
}

export async function login(username: string, password: string): Promise<User> {
  const r = await request<{ user: User; csrf_token: string }>('POST', '/api/auth/login', {
    body: { username, password, client: 'cookie' },
    no401: true,
  })
  session.user = r.user
  session.csrf = r.csrf_token
  session.checked = false
  persist()
  await refreshMe().catch(() => undefined)
  return session.user!
}

export async function logout(): Promise<void> {
  try { await request('POST', '/api/auth/logout', { body: {}, no401: true }) } catch { /* already out or offline */ }
  clearSession()
}

/** GET /api/me: refreshes the user and permissions. A network error keeps the cached user. */
export async function refreshMe(): Promise<User | null> {
  if (navigator.onLine === false) { session.checked = true; return session.user } // offline: keep the cached user
  try {
    const r = await request<{ user: User; permissions: string[] }>('GET', '/api/me', { no401: true })
    session.user = r.user
    session.permissions = r.permissions || []
    persist()
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) clearSession()
    else if (!(e instanceof NetworkError)) throw e
  } finally {
    session.checked = true
  }
  return session.user
}

export const can = (perm: string) => session.permissions.includes(perm)

/** Where a user lands after signing in. */
export function homeFor(user: User | null): string {
  if (!user) return '/login'
  return user.role === 'courier' || user.role === 'assistant' ? '/m' : '/c'
}

/** A short text for an error, for a toast: the server's own message (already in the chosen language). */
export function errorText(e: unknown, networkText: string): string {
  if (e instanceof NetworkError) return networkText
  if (e instanceof ApiError) return e.message
  return String((e as any)?.message || e)
}
