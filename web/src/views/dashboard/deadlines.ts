// "Deadlines kept", computed in the browser from GET /api/referrals (every
// department's list, since a reviewer's default is their own department):
// for referrals created in the year (China time), a decided referral
// (approved/rejected) kept its deadline when decided_at (China date) is on or
// before due_date; an undecided one is late when the API marks it overdue.
// Returned referrals wait for the case owner and are left out.
import { DEPARTMENTS, chinaDateOf, fetchAll } from '../console/lib'

export interface Ref {
  id: number; case_id: number; household_id: number; region_code: string; region_name: string; program: string
  department: string; status: string; due_date: string; overdue: boolean; decided_at: string | null; created_at: string
}
export type DeadlineClass = 'kept' | 'late' | 'open_overdue' | 'open'
export const DEADLINE_CLASSES: DeadlineClass[] = ['kept', 'late', 'open_overdue', 'open']

export function classify(r: Ref): DeadlineClass | null {
  if (r.status === 'approved' || r.status === 'rejected') {
    const d = chinaDateOf(r.decided_at)
    if (!d) return null
    return d <= r.due_date ? 'kept' : 'late'
  }
  if (r.status === 'returned') return null
  return r.overdue ? 'open_overdue' : 'open'
}

/** Referrals created in `year` (China), optionally within a township (9-digit code prefix). */
export async function loadReferrals(year: number, township?: string): Promise<Ref[]> {
  const lists = await Promise.all(DEPARTMENTS.map((department) => fetchAll<Ref>('/api/referrals', { department })))
  const seen = new Set<number>()
  const out: Ref[] = []
  for (const r of lists.flat()) {
    if (seen.has(r.id)) continue
    seen.add(r.id)
    if (chinaDateOf(r.created_at).slice(0, 4) !== String(year)) continue
    if (township && !r.region_code.startsWith(township)) continue
    out.push(r)
  }
  return out
}

export function tally(refs: Ref[]): Record<DeadlineClass, number> {
  const n: Record<DeadlineClass, number> = { kept: 0, late: 0, open_overdue: 0, open: 0 }
  for (const r of refs) { const c = classify(r); if (c) n[c]++ }
  return n
}
