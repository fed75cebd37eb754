// story.test.mjs - the seed's case played through the pages: in 周嘉镇骑龙村
// a courier on a 360×640 phone reports a man (illness, disability) found
// by his ID number; the village assistant (phone) accepts, records the home
// visit and confirms the routing to dibao, medical, education and temporary
// assistance; the departments' reviewers (desktop 1366×800) decide in the
// console, dibao through survey → opinion → 7-day notice and, 8 days later
// (the server restarted with CIVICARE_CLOCK_OFFSET), approval; and the
// county dashboard's numbers change.  Takes the README's screenshots.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startE2EServer, serverTest, launchBrowser, newContext, uiLogin, assertNoProblems, step, shot, settle,
  PHONE, DESKTOP, QILONG, ZHOUJIA, SHOTS, makeIdNumber, assertStatus, pollUntil, chinaDate,
} from './lib.mjs';
import {
  openReportForm, fillReport, submitReport, waitReportSent,
  openQueuedReport, acceptReport, fillVisit, submitVisit, confirmRouting,
  openReferralFromQueue, referralAction, readDashboard,
} from './pages.mjs';

let srv;
let browser;
const it = serverTest(() => srv, { timeout: 240_000 });
const EIGHT_DAYS = 8 * 86400;
const PROGRAMS = ['dibao', 'medical', 'education', 'temporary'];

before(async () => {
  srv = await startE2EServer({ slot: 0, tag: 'e2e-story' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

it('the seed case: reported on a phone, visited and routed, decided in the console, counted on the dashboard', async () => {
  const contexts = [];
  const ctxFor = async (name, viewport) => {
    const c = await newContext(browser, srv, { viewport, name });
    contexts.push(c);
    return c;
  };
  try {
    // --- the household, registered through the API ---
    const admin = await srv.as('admin');
    const hh = await srv.createHousehold({ region: QILONG, address: '骑龙村三组18号', area_kind: 'rural' });
    const man = await srv.createPerson({ household: hh, relation: 'self', name: '冉某军', id_number: makeIdNumber({ sex: 'M', birth: '19820314' }) });
    await srv.createPerson({ household: hh, relation: 'spouse', name: '向某芳', id_number: makeIdNumber({ sex: 'F', birth: '19850902' }) });
    await srv.createPerson({ household: hh, relation: 'child', name: '冉某', id_number: makeIdNumber({ sex: 'M', birth: '20120501' }) });
    await srv.createPerson({ household: hh, relation: 'child', name: '冉某某', id_number: makeIdNumber({ sex: 'F', birth: '20150210' }) });
    assertStatus(await admin.post(`/api/households/${hh.id}/head`, { person_id: man.id }), 200);

    // --- the dashboard before ---
    let adminCtx = await ctxFor('admin-before', DESKTOP);
    let adminPage = await adminCtx.newPage();
    await step(adminPage, 'admin login', () => uiLogin(adminPage, 'admin', { expectPath: /^\/c/ }));
    const before = await step(adminPage, 'dashboard before', () => readDashboard(adminPage, { township: '周嘉镇' }));
    await adminCtx.close();

    // --- the courier reports on a phone ---
    const courierCtx = await ctxFor('couriera', PHONE);
    const cp = await courierCtx.newPage();
    const description = '左臂截肢，肾衰竭，医疗欠款28万元，两个孩子上学';
    await step(cp, 'courier login', () => uiLogin(cp, 'couriera', { expectPath: /^\/m/ }));
    await step(cp, 'courier opens the report form', () => openReportForm(cp));
    await step(cp, 'courier fills the report', () => fillReport(cp, {
      categories: ['illness', 'disability'], idNumber: man.full_id_number, expectName: man.name, description, urgency: 'urgent',
    }));
    await cp.evaluate(() => window.scrollTo(0, 0));
    await cp.waitForTimeout(300);
    await shot(cp, 'report-phone', { path: join(SHOTS, 'report-phone.png') });
    await step(cp, 'courier submits', async () => { await submitReport(cp); await waitReportSent(cp); });
    const report = await pollUntil(async () => {
      const r = assertStatus(await admin.get('/api/reports?per_page=50'), 200);
      return r.items.find((x) => x.description === description);
    }, { timeoutMs: 15_000 });
    assert.ok(report, 'the report reached the server');
    assert.equal(report.person_id, man.id, 'the report names the man found by his ID number');
    assert.deepEqual([...report.categories].sort(), ['disability', 'illness']);
    assert.equal(report.reporter?.username, 'couriera');

    // --- the assistant accepts, visits and routes, on a phone ---
    const asstCtx = await ctxFor('assistanta', PHONE);
    const ap = await asstCtx.newPage();
    await step(ap, 'assistant login', () => uiLogin(ap, 'assistanta', { expectPath: /^\/m/ }));
    await step(ap, 'assistant opens the report from the queue', () => openQueuedReport(ap, report));
    await step(ap, 'assistant accepts', () => acceptReport(ap, report));
    const kase = await pollUntil(async () => {
      const r = assertStatus(await admin.get(`/api/reports/${report.id}`), 200);
      return r.case_id ? r.case_id : null;
    }, { timeoutMs: 10_000 });
    assert.ok(kase, 'accepting made a case');
    await step(ap, 'assistant fills the home visit', () => fillVisit(ap, kase, {
      investigators: ['张明', '李华'],
      categories: ['illness', 'disability', 'schooling'],
      findings: { illness: '肾衰竭，每周透析', disability: '左臂截肢', schooling: '两个孩子上学' },
      household_size: 4, monthly_income_yuan: 600, medical_debt_yuan: 280000, school_children: 2,
      declared_income_yuan: 600, medical_yuan: 8000, education_yuan: 1000,
    }));
    await step(ap, 'assistant submits the visit', () => submitVisit(ap));
    const visited = await pollUntil(async () => {
      const c = assertStatus(await admin.get(`/api/cases/${kase}`), 200);
      return c.status === 'visited' ? c : null;
    }, { timeoutMs: 10_000 });
    assert.ok(visited, 'the case is visited');
    const v = visited.visits[0];
    assert.equal(v.facts.household_size, 4);
    assert.equal(v.facts.medical_debt_fen, 28000000);
    assert.equal(v.facts.school_children, 2);
    assert.ok(v.investigators.length >= 2);
    await step(ap, 'assistant confirms the routing', () => confirmRouting(ap, kase, PROGRAMS));
    const routed = await pollUntil(async () => {
      const c = assertStatus(await admin.get(`/api/cases/${kase}`), 200);
      return c.status === 'routed' ? c : null;
    }, { timeoutMs: 10_000 });
    assert.ok(routed, 'the case is routed');
    const refs = Object.fromEntries(routed.referrals.map((x) => [x.program, x]));
    assert.deepEqual(Object.keys(refs).sort(), [...PROGRAMS].sort(), 'one referral per confirmed program');
    await step(ap, 'the case page lists the four referrals', async () => {
      for (const x of PROGRAMS) await ap.locator(`[data-referral-id="${refs[x].id}"]`).waitFor({ state: 'visible' });
    });

    // the courier's "my reports" shows what became of it
    await step(cp, 'courier sees the report accepted', async () => {
      await cp.goto('/m/my-reports');
      await cp.locator(`[data-report-id="${report.id}"][data-status="accepted"]`).waitFor({ state: 'visible' });
    });

    // --- the reviewers decide, on a desktop ---
    const month = chinaDate().slice(0, 7);
    const decide = async (user, program, amountYuan, { queueShot = false } = {}) => {
      const ctx = await ctxFor(user, DESKTOP);
      const p = await ctx.newPage();
      await step(p, `${user} login`, () => uiLogin(p, user, { expectPath: /^\/c/ }));
      if (queueShot) {
        // the README's picture: the civil-affairs queue with dibao and temporary assistance
        await step(p, 'reviewer queue screenshot', async () => {
          await p.goto('/c/referrals');
          await settle(p);
          for (const x of ['dibao', 'temporary']) await p.locator(`a[href$="/c/referrals/${refs[x].id}"]`).waitFor();
          await shot(p, 'reviewer-queue', { path: join(SHOTS, 'reviewer-queue.png') });
        });
      }
      await step(p, `${user} opens ${program} from the queue`, () => openReferralFromQueue(p, refs[program].id));
      await step(p, `${user} approves ${program}`, () => referralAction(p, 'approve', { amount_yuan: amountYuan, start_month: month }));
      const r = await pollUntil(async () => {
        const x = assertStatus(await admin.get(`/api/referrals/${refs[program].id}`), 200);
        return x.status === 'approved' ? x : null;
      }, { timeoutMs: 10_000 });
      assert.ok(r, `${program} approved`);
      assert.equal(r.amount_fen, amountYuan * 100, `${program} amount in fen`);
      return { ctx, p };
    };
    await decide('rev_medical', 'medical', 80000);
    await decide('rev_education', 'education', 2500);
    const civ = await decide('rev_civil', 'temporary', 3000, { queueShot: true });

    const cp2 = civ.p;
    await step(cp2, 'dibao: open', () => openReferralFromQueue(cp2, refs.dibao.id));
    const dibaoStatus = async (want) => {
      const ok = await pollUntil(async () => assertStatus(await admin.get(`/api/referrals/${refs.dibao.id}`), 200).status === want, { timeoutMs: 10_000 });
      assert.ok(ok, `dibao referral reaches ${want}`);
    };
    await step(cp2, 'dibao: survey', () => referralAction(cp2, 'survey'));
    await dibaoStatus('surveyed');
    await step(cp2, 'dibao: opinion', () => referralAction(cp2, 'opinion', { opinion: '家庭人均收入低于当地低保标准，建议纳入' }));
    await dibaoStatus('opinion');
    await step(cp2, 'dibao: public notice', () => referralAction(cp2, 'publish_notice'));
    await dibaoStatus('public_notice');
    assertNoProblems(...contexts);
    for (const c of contexts.splice(0)) await c.close();

    // --- eight days later ---
    await srv.restart({ env: { CIVICARE_CLOCK_OFFSET: String(EIGHT_DAYS) } });
    const adm2 = await srv.as('admin');
    const civ2 = await ctxFor('rev_civil-8days', DESKTOP);
    const dp = await civ2.newPage();
    await step(dp, 'rev_civil login after 8 days', () => uiLogin(dp, 'rev_civil', { expectPath: /^\/c/ }));
    await step(dp, 'dibao: open after the notice', () => openReferralFromQueue(dp, refs.dibao.id));
    await step(dp, 'dibao: approve', () => referralAction(dp, 'approve', { amount_yuan: 1200, start_month: chinaDate(EIGHT_DAYS).slice(0, 7) }));
    const d = await pollUntil(async () => {
      const x = assertStatus(await adm2.get(`/api/referrals/${refs.dibao.id}`), 200);
      return x.status === 'approved' ? x : null;
    }, { timeoutMs: 10_000 });
    assert.ok(d, 'dibao approved after the notice');
    assert.equal(d.amount_fen, 120000);
    const enr = assertStatus(await adm2.get(`/api/enrollments?household_id=${hh.id}&per_page=50`), 200);
    assert.deepEqual(enr.items.map((x) => x.program).sort(), [...PROGRAMS].sort(), 'four enrollments');

    // --- the dashboard after ---
    adminCtx = await ctxFor('admin-after', DESKTOP);
    adminPage = await adminCtx.newPage();
    await step(adminPage, 'admin login (after)', () => uiLogin(adminPage, 'admin', { expectPath: /^\/c/ }));
    await step(adminPage, 'dashboard screenshot', async () => {
      await adminPage.goto('/c/dashboard');
      await settle(adminPage);
      await adminPage.locator('[data-test="kpi-discovered"]').waitFor({ state: 'visible' });
      await adminPage.locator('canvas').first().waitFor({ state: 'visible' });
      await adminPage.waitForTimeout(1200); // the charts' entry animation
      await shot(adminPage, 'dashboard', { path: join(SHOTS, 'dashboard.png') });
    });
    const afterFig = await step(adminPage, 'dashboard after', () => readDashboard(adminPage, { township: '周嘉镇' }));
    const seen = `before ${JSON.stringify(before)}, after ${JSON.stringify(afterFig)}`;
    assert.equal(afterFig.discovered - before.discovered, 1, `discovered in 周嘉镇 on the dashboard's table: ${seen}`);
    assert.equal(afterFig.enrolled - before.enrolled, 4, `brought into assistance in 周嘉镇 on the dashboard's table: ${seen}`);
    assert.equal(afterFig.kpiDiscovered - before.kpiDiscovered, 1, `the county's "discovered" figure: ${seen}`);
    assert.equal(afterFig.kpiEnrolled - before.kpiEnrolled, 4, `the county's "brought into assistance" figure: ${seen}`);
    assertNoProblems(...contexts);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
  }
});
