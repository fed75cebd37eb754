// The programs (GET /api/programs), loaded once per page load.
import { api } from '../../api'

export interface Program { code: string; name_zh: string; name_en: string; kind?: string; department?: string }
let cache: Promise<Program[]> | null = null
export function loadPrograms(): Promise<Program[]> {
  if (!cache) {
    cache = api.get<{ items: Program[] }>('/api/programs').then((r) => r.items || []).catch((e) => { cache = null; throw e })
  }
  return cache
}
/** Programs paid every month (the ones a payment run is for). */
export const monthly = (ps: Program[]) => {
  const m = ps.filter((p) => p.kind === 'monthly')
  return m.length ? m : ps
}
