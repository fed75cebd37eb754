// Every view is lazy-loaded, so the phone pages never load the console or ECharts.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { session, refreshMe, homeFor, setOnSignedOut } from './api'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    /** roles allowed; absent = any signed-in user */
    roles?: string[]
    title?: string
  }
}

const PHONE = ['courier', 'assistant', 'commander', 'admin']
const FIELD = ['assistant', 'commander', 'admin']

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: () => homeFor(session.user) },
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },

  // phone pages (W1)
  { path: '/m', name: 'phone-home', component: () => import('./views/phone/PhoneHome.vue') },
  { path: '/m/report', name: 'report', component: () => import('./views/phone/ReportView.vue'), meta: { roles: PHONE } },
  { path: '/m/my-reports', name: 'my-reports', component: () => import('./views/phone/MyReports.vue'), meta: { roles: PHONE } },
  { path: '/m/queue', name: 'queue', component: () => import('./views/phone/QueueView.vue'), meta: { roles: FIELD } },
  { path: '/m/cases/:id', name: 'phone-case', component: () => import('./views/phone/CaseView.vue'), meta: { roles: FIELD } },
  { path: '/m/cases/:id/visit', name: 'visit', component: () => import('./views/phone/VisitView.vue'), meta: { roles: FIELD } },
  { path: '/m/cases/:id/route', name: 'route', component: () => import('./views/phone/RouteView.vue'), meta: { roles: FIELD } },
  { path: '/m/filings', name: 'phone-filings', component: () => import('./views/phone/FilingsView.vue'), meta: { roles: FIELD } },
  { path: '/m/households/:id/timeline', name: 'phone-timeline', component: () => import('./views/phone/TimelineView.vue') },

  // console (W2)
  { path: '/c', name: 'console-home', component: () => import('./views/console/ConsoleHome.vue') },
  { path: '/c/referrals', name: 'referrals', component: () => import('./views/console/ReferralQueue.vue') },
  { path: '/c/referrals/:id', name: 'referral', component: () => import('./views/console/ReferralDetail.vue') },
  { path: '/c/cases/:id', name: 'console-case', component: () => import('./views/console/CaseDetail.vue') },
  { path: '/c/escalations', name: 'escalations', component: () => import('./views/console/Escalations.vue') },
  { path: '/c/search', name: 'search', component: () => import('./views/console/Search.vue') },
  { path: '/c/persons/:id', name: 'person', component: () => import('./views/console/PersonDetail.vue') },
  { path: '/c/users', name: 'users', component: () => import('./views/console/Users.vue') },
  { path: '/c/audit', name: 'audit', component: () => import('./views/console/Audit.vue') },
  { path: '/c/dashboard', name: 'dashboard', component: () => import('./views/dashboard/Dashboard.vue') },
  { path: '/c/figures/items', name: 'figure-items', component: () => import('./views/dashboard/FigureItems.vue') },

  // livelihood supervision (issue 6)
  { path: '/c/payments', name: 'payments', component: () => import('./views/supervision/PaymentRuns.vue') },
  { path: '/c/payments/:id', name: 'payment-run', component: () => import('./views/supervision/PaymentRunDetail.vue') },
  { path: '/c/findings', name: 'findings', component: () => import('./views/supervision/Findings.vue') },
  { path: '/c/findings/:id', name: 'finding', component: () => import('./views/supervision/FindingDetail.vue') },
  { path: '/c/supervision/figures', name: 'supervision-figures', component: () => import('./views/supervision/Figures.vue') },
  { path: '/c/relatives', name: 'relatives', component: () => import('./views/supervision/Relatives.vue') },
  { path: '/c/notices', name: 'notices', component: () => import('./views/supervision/Notices.vue') },
  { path: '/c/notices/:id', name: 'notice', component: () => import('./views/supervision/NoticeDetail.vue') },

  { path: '/:pathMatch(.*)*', redirect: () => homeFor(session.user) },
]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: (_to, _from, saved) => saved || { top: 0 },
})

let meAsked = false
router.beforeEach(async (to) => {
  if (!meAsked) {
    meAsked = true
    // On app start: confirm the cached session (a network error keeps the cached
    // user: offline-first). Without one there is nothing to ask (and a 401 would
    // show as an error in the browser console).
    if (session.user) await refreshMe().catch(() => undefined)
  }
  if (to.meta.public) {
    if (to.name === 'login' && session.user && !to.query.redirect) return homeFor(session.user)
    return true
  }
  if (!session.user) return { path: '/login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (to.meta.roles && !to.meta.roles.includes(session.user.role)) return homeFor(session.user)
  return true
})

setOnSignedOut(() => {
  const cur = router.currentRoute.value
  if (!cur.meta.public) router.replace({ path: '/login', query: { redirect: cur.fullPath } })
})
