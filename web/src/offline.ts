// The courier's offline queue (IndexedDB). A report is written here first,
// with its client_key, then sent with that client_key and an Idempotency-Key
// equal to it; it leaves the queue only when the server has answered. With
// no connection it stays; the queue is flushed on app start, on the
// window's 'online' event, after signing in and every 30 s while items wait
// (one item at a time; a resend gets the same report back from the server).
import { ref } from 'vue'
import { api, request, session, ApiError, NetworkError } from './api'

export interface QueuedPhoto {
  /** sha256 once uploaded */
  sha256?: string
  /** key of the bytes in the 'photos' store while not uploaded */
  blob_id?: string
}

export interface QueuedReport {
  client_key: string
  user_id: number
  created_at: string
  /** the report body without photos and client_key */
  body: Record<string, any>
  photos: QueuedPhoto[]
  attempts: number
  /** the server refused it (4xx other than 401/429): kept to be shown, not resent automatically */
  failed?: { code: string; message: string; field?: string }
  last_try?: string
}

export interface SendResult {
  client_key: string
  status: number
  report: any
  duplicate?: { kind: string; id: number; status: string } | null
}

const DB_NAME = 'civicare'
const DB_VERSION = 1
let dbp: Promise<IDBDatabase> | null = null

function db(): Promise<IDBDatabase> {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const r = indexedDB.open(DB_NAME, DB_VERSION)
      r.onupgradeneeded = () => {
        const d = r.result
        if (!d.objectStoreNames.contains('reports')) d.createObjectStore('reports', { keyPath: 'client_key' })
        if (!d.objectStoreNames.contains('photos')) d.createObjectStore('photos')
      }
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => { dbp = null; reject(r.error) }
    })
  }
  return dbp
}

function tx<T>(store: string, mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T> {
  return db().then((d) => new Promise<T>((resolve, reject) => {
    const t = d.transaction(store, mode)
    const s = t.objectStore(store)
    const req = f(s)
    let result: T
    if (req) req.onsuccess = () => { result = req.result }
    t.oncomplete = () => resolve(result)
    t.onerror = () => reject(t.error)
    t.onabort = () => reject(t.error)
  }))
}

export const putPhotoBlob = (id: string, blob: Blob) => tx('photos', 'readwrite', (s) => s.put(blob, id))
export const getPhotoBlob = (id: string) => tx<Blob | undefined>('photos', 'readonly', (s) => s.get(id))
export const deletePhotoBlob = (id: string) => tx('photos', 'readwrite', (s) => s.delete(id))
const putItem = (it: QueuedReport) => tx('reports', 'readwrite', (s) => s.put(it))
const deleteItem = (key: string) => tx('reports', 'readwrite', (s) => s.delete(key))
const allItems = () => tx<QueuedReport[]>('reports', 'readonly', (s) => s.getAll())

/** The current user's queued reports, oldest first. */
export async function listQueued(): Promise<QueuedReport[]> {
  if (!session.user) return []
  const uid = session.user.id
  const items = await allItems().catch(() => [] as QueuedReport[])
  return items.filter((i) => i.user_id === uid).sort((a, b) => a.created_at.localeCompare(b.created_at))
}

/** How many of the current user's reports wait to be sent (shown on the pages). */
export const queuedCount = ref(0)
export const flushing = ref(false)

export async function refreshCount() {
  const items = await listQueued()
  queuedCount.value = items.length
}

export function newClientKey(): string {
  const c: Crypto = crypto
  if (typeof c.randomUUID === 'function') return c.randomUUID()
  // crypto.randomUUID needs a secure context; plain http on a LAN address has only getRandomValues
  const b = c.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Writes a report to the queue (first step of every submit). */
export async function enqueue(body: Record<string, any>, photos: QueuedPhoto[]): Promise<QueuedReport> {
  if (!session.user) throw new Error('not signed in')
  const it: QueuedReport = {
    client_key: newClientKey(),
    user_id: session.user.id,
    created_at: new Date().toISOString(),
    body,
    photos,
    attempts: 0,
  }
  await putItem(it)
  await refreshCount()
  return it
}

export async function removeQueued(key: string) {
  const items = await allItems()
  const it = items.find((i) => i.client_key === key)
  if (it) for (const p of it.photos) if (p.blob_id) await deletePhotoBlob(p.blob_id).catch(() => undefined)
  await deleteItem(key)
  await refreshCount()
}

/** POST /api/photos with the raw bytes and their image/* type. */
export async function uploadPhoto(blob: Blob): Promise<string> {
  const r = await request<{ sha256: string }>('POST', '/api/photos', { blob })
  return r.sha256
}

// one send at a time (the report page and the background flush share it)
let chain: Promise<unknown> = Promise.resolve()
function serial<T>(f: () => Promise<T>): Promise<T> {
  const p = chain.then(f, f)
  chain = p.catch(() => undefined)
  return p
}

async function sendNow(it: QueuedReport): Promise<SendResult> {
  it.attempts++
  it.last_try = new Date().toISOString()
  // photos first: each uploaded photo's sha256 is written back so a resend sends the same body
  for (const p of it.photos) {
    if (p.sha256 || !p.blob_id) continue
    const blob = await getPhotoBlob(p.blob_id)
    if (!blob) continue
    p.sha256 = await uploadPhoto(blob)
    await putItem(it)
  }
  const body = {
    ...it.body,
    client_key: it.client_key,
    photos: it.photos.filter((p) => p.sha256).map((p) => p.sha256),
  }
  const res = await fetchReport(body, it.client_key)
  for (const p of it.photos) if (p.blob_id) await deletePhotoBlob(p.blob_id).catch(() => undefined)
  await deleteItem(it.client_key)
  return res
}

async function fetchReport(body: any, key: string): Promise<SendResult> {
  // api.post hides the status; the duplicate answer is 200 with `duplicate`, a new one 201
  const data = await api.post<any>('/api/reports', body, { idempotencyKey: key })
  if (data && data.duplicate) return { client_key: key, status: 200, report: data.report, duplicate: data.duplicate }
  return { client_key: key, status: 201, report: data && data.report ? data.report : data, duplicate: null }
}

/** Sends one queued report now. Throws NetworkError when offline (the item stays queued). */
export function sendQueued(key: string): Promise<SendResult> {
  return serial(async () => {
    const it = (await allItems()).find((i) => i.client_key === key)
    if (!it) throw new NotQueuedError() // already sent by the background flush
    try {
      return await sendNow(it)
    } catch (e) {
      await recordFailure(it, e)
      throw e
    } finally {
      await refreshCount()
    }
  })
}

async function recordFailure(it: QueuedReport, e: unknown) {
  if (e instanceof ApiError && e.status !== 401 && e.status !== 429 && e.status < 500) {
    it.failed = { code: e.code, message: e.message, field: e.field }
  }
  await putItem(it).catch(() => undefined)
}

/** sendQueued on a report that has already left the queue (sent meanwhile). */
export class NotQueuedError extends Error {
  constructor() { super('not queued'); this.name = 'NotQueuedError' }
}

/** Listeners told of each report the background flush delivered. */
const sentListeners = new Set<(r: SendResult) => void>()
export function onSent(f: (r: SendResult) => void) { sentListeners.add(f); return () => sentListeners.delete(f) }

/** Sends every waiting report of the current user, one at a time; stops at the first network error. */
export async function flushQueue(opts: { retryFailed?: boolean } = {}): Promise<number> {
  if (!session.user || flushing.value || navigator.onLine === false) return 0
  flushing.value = true
  let sent = 0
  try {
    const items = await listQueued()
    for (const it of items) {
      if (it.failed && !opts.retryFailed) continue
      try {
        const r = await sendQueued(it.client_key)
        sent++
        sentListeners.forEach((f) => f(r))
      } catch (e) {
        if (e instanceof NetworkError) break
        if (e instanceof ApiError && (e.status === 401 || e.status === 429)) break
        // a refused item stays, marked failed; go on with the next
      }
    }
  } finally {
    flushing.value = false
    await refreshCount()
  }
  return sent
}

let started = false
export function startQueue() {
  if (started || typeof window === 'undefined') return
  started = true
  window.addEventListener('online', () => { flushQueue() })
  refreshCount().then(() => { if (queuedCount.value > 0) flushQueue() })
  setInterval(() => {
    if (queuedCount.value > 0 && navigator.onLine !== false) flushQueue()
  }, 30000)
}
