// i18n.test.mjs - every page, as the role that uses it, in Chinese and in
// English: each visible text outside [data-raw] is a value of the message
// files (web/src/messages/**.json, {params} as wildcards) or only digits,
// punctuation and symbols; in English no CJK character outside [data-raw].
// Any console error, page error or failed request fails too.  And the
// courier's first load (/login then /m/report) stays within 300 KB of
// compressed JS and CSS.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startE2EServer, serverTest, launchBrowser, newContext, uiLogin, assertNoProblems, step, shot, settle,
  textChecker, checkPageText, pool, LANG_KEY, PHONE, DESKTOP, QILONG, ZHOUJIA, driveCase, makeIdNumber, chinaDate, sleep,
} from './lib.mjs';
import { openReportForm } from './pages.mjs';

let srv;
let browser;
let fx;
const it = serverTest(() => srv, { timeout: 150_000 });
const BUDGET = 300 * 1024;

before(async () => {
  srv = await startE2EServer({ slot: 30, tag: 'e2e-i18n' });
  browser = await launchBrowser();
  const hh = await srv.createHousehold({ region: QILONG, address: '骑龙村一组3号', area_kind: 'rural' });
  const man = await srv.createPerson({ household: hh, relation: 'self', name: '译文测试甲', id_number: makeIdNumber({ sex: 'M', birth: '19660606' }) });
  await srv.createPerson({ household: hh, relation: 'spouse', name: '译文测试乙', id_number: makeIdNumber({ sex: 'F', birth: '19680808' }) });
  const visited = await driveCase(srv, { visit: true, reportOver: { person_id: man.id, subject_name: man.name, categories: ['illness', 'disability'] } });
  const routed = await driveCase(srv, {
    route: ['dibao', 'medical', 'temporary'],
    reportOver: { categories: ['illness'], urgency: 'urgent' },
    visitOver: { facts: { household_size: 3, monthly_income_fen: 30000, medical_debt_fen: 9000000 } },
  });
  const courier = await srv.as('couriera');
  const open = await courier.post('/api/reports', { region_code: QILONG, subject_name: '译文测试丙', categories: ['elderly_alone'], description: '独居老人', urgency: 'normal' });
  assert.equal(open.status, 201, open.text);
  // one decided referral, so the queue and the dashboard have both kinds
  const civ = await srv.as('rev_civil');
  const temp = routed.referrals.find((x) => x.program === 'temporary');
  const ok = await civ.post(`/api/referrals/${temp.id}/approve`, { amount_fen: 150000, start_month: chinaDate().slice(0, 7) });
  assert.equal(ok.status, 200, ok.text);
  fx = { hh, man, visited, routed, dibao: routed.referrals.find((x) => x.program === 'dibao') };
});
after(async () => {
  for (const s of sessions.values()) await (await s.catch(() => null))?.ctx.close();
  await browser?.close();
  await srv?.stop();
});

function pagesByRole() {
  const month = chinaDate().slice(0, 7);
  const c = fx.visited.case.id;
  return [
    { user: null, viewport: PHONE, paths: ['/login'] },
    { user: 'couriera', viewport: PHONE, paths: ['/m', '/m/report', '/m/my-reports'] },
    { user: 'assistanta', viewport: PHONE, paths: ['/m', '/m/queue', `/m/cases/${c}`, `/m/cases/${c}/visit`, `/m/cases/${c}/route`, `/m/households/${fx.hh.id}/timeline`, '/m/filings'] },
    { user: 'rev_civil', viewport: DESKTOP, paths: ['/c', '/c/referrals', `/c/referrals/${fx.dibao.id}`, `/c/cases/${fx.routed.case.id}`, '/c/dashboard', '/c/payments', '/c/relatives', '/c/findings'] },
    { user: 'commanderz', viewport: DESKTOP, paths: ['/c', '/c/escalations', '/c/dashboard'] },
    { user: 'admin', viewport: DESKTOP, paths: ['/c', '/c/search', `/c/persons/${fx.man.id}`, '/c/users', '/c/audit', '/c/dashboard', `/c/figures/items?metric=discovered&township=${ZHOUJIA}&month=${month}`,
      '/c/payments', '/c/notices', '/c/relatives', '/c/relatives?tab=all', '/c/relatives?tab=visit', '/c/findings', '/c/supervision/figures'] },
    { user: 'inspector', viewport: DESKTOP, paths: ['/c', '/c/audit', '/c/findings', '/c/supervision/figures'] },
  ];
}

// One signed-in context per role, shared by both languages (the language
// is switched in localStorage, where web/src/i18n.ts keeps it).
const sessions = new Map();
async function sessionFor(user, viewport) {
  const key = user || 'anon';
  if (!sessions.has(key)) {
    sessions.set(key, (async () => {
      const ctx = await newContext(browser, srv, { viewport, name: key });
      const page = await ctx.newPage();
      if (user) await step(page, `${user} login`, () => uiLogin(page, user));
      else await page.goto('/login');
      return { ctx, page };
    })());
  }
  return sessions.get(key);
}

for (const lang of ['zh-CN', 'en']) {
  it(`every page shows only message-file text in ${lang}, without errors`, async () => {
    const ok = await textChecker(lang);
    const timing = [];
    const used = [];
    // the roles side by side, each in its own context
    const found = await pool(pagesByRole(), 4, async ({ user, viewport, paths }) => {
      const bad = [];
      const t0 = Date.now();
      const { ctx, page } = await sessionFor(user, viewport);
      used.push(ctx);
      ctx.label = `${user || 'anon'}/${lang}`;
      await page.evaluate(([k, l]) => localStorage.setItem(k, l), [LANG_KEY, lang]);
      timing.push(`${Date.now() - t0}ms login ${user}`);
      for (const p of paths) {
        const t1 = Date.now();
        await page.goto(p);
        await settle(page);
        const f = await checkPageText(page, ok, lang);
        if (f.length) {
          const s = await shot(page, `i18n-${lang}-${user || 'anon'}-${p.replace(/\W+/g, '_').slice(0, 60)}`, { fullPage: true });
          bad.push(...f.map((x) => `${x} [as ${user || 'anonymous'}; ${s}]`));
        }
        timing.push(`${Date.now() - t1}ms ${user} ${p}`);
      }
      return bad;
    });
    if (process.env.CIVICARE_E2E_TIMING) console.log(timing.join('\n'));
    const bad = found.flat();
    try {
      assert.deepEqual(bad, [], `text not in the message files (${lang}):\n${bad.join('\n')}`);
      assertNoProblems(...used);
    } finally {
      for (const c of used) c.problems = [];
    }
  });
}

it('the courier first load (/login then /m/report) is at most 300 KB of compressed JS and CSS', async () => {
  const ctx = await newContext(browser, srv, { viewport: PHONE, name: 'budget' });
  const page = await ctx.newPage();
  const seen = new Map();
  page.on('requestfinished', async (req) => {
    const url = new URL(req.url());
    if (!/\.(m?js|css)$/.test(url.pathname)) return;
    try {
      const sizes = await req.sizes();
      const res = await req.response();
      const enc = res ? (await res.allHeaders())['content-encoding'] || '' : '';
      const prev = seen.get(url.pathname);
      if (!prev || sizes.responseBodySize > prev.body) seen.set(url.pathname, { body: sizes.responseBodySize, enc });
    } catch { /* page closed */ }
  });
  try {
    await step(page, 'courier login', () => uiLogin(page, 'couriera', { expectPath: /^\/m/ }));
    await step(page, 'report form', () => openReportForm(page));
    await settle(page);
    await sleep(300);
    const list = [...seen.entries()].map(([p, v]) => `${String(v.body).padStart(8)} ${v.enc || 'identity'} ${p}`);
    const total = [...seen.values()].reduce((a, v) => a + v.body, 0);
    assert.ok(seen.size > 0, 'no JS or CSS was loaded?');
    const plain = [...seen.entries()].filter(([, v]) => v.enc !== 'gzip' && v.body > 1024);
    assert.deepEqual(plain.map(([p]) => p), [], `JS/CSS sent without gzip although it was accepted:\n${list.join('\n')}`);
    assert.ok(total <= BUDGET, `courier first load ${total} bytes > ${BUDGET}:\n${list.join('\n')}`);
    const charts = [...seen.keys()].filter((p) => /echarts|Dashboard|FigureItems/i.test(p));
    assert.deepEqual(charts, [], 'no chart code on the courier pages');
    console.log(`# courier first load: ${total} bytes of compressed JS+CSS in ${seen.size} files`);
    assertNoProblems(ctx);
  } finally {
    await ctx.close();
  }
});
