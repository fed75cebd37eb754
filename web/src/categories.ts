// The 10 categories of docs/DISCOVERY.md (visit categories and report chips).
export const CATEGORIES = [
  'illness', 'disability', 'disaster', 'schooling', 'accident',
  'unemployment', 'elderly_alone', 'child_unattended', 'housing', 'other',
] as const
export type Category = (typeof CATEGORIES)[number]
export const URGENCIES = ['normal', 'urgent', 'critical'] as const
