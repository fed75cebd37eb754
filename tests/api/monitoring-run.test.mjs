// monitoring-run.test.mjs - monitoring through the API on records the test
// makes itself (issue 5, "Monitored population", "civicare monitor"):
//   a person's monitoring category is history; a large out-of-pocket
//   medical cost of a monitored person raises one alert in the village
//   assistant's queue (with the source record and an inbox message); running
//   again raises nothing new; the assistant turns it into a report (the
//   proactive-discovery chain) or dismisses another with a reason; the death
//   of an enrolled recipient raises a review and holds the payment.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, serverTest, sqlite, makeIdNumber, assertStatus, assertError, importFeed, pollUntil,
  driveCase, referralFor, chinaDate, hasChinese, QILONG, XINMIN_VILLAGE,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv);
const rec = {};

const today = () => chinaDate();
const daysAgo = (n) => chinaDate(-n * 86400);
const ok = (r, statuses, what) => {
  assert.ok(statuses.includes(r.status), `${what}: ${r.method} ${r.path} -> ${r.status} ${r.text.slice(0, 600)}`);
  return r.json;
};

// A household in `region` with a head of known ID number (and a child).
async function household(region = QILONG) {
  const h = await srv.createHousehold({ region });
  const id = makeIdNumber({});
  const head = await srv.createPerson({ household: h, relation: 'self', id_number: id });
  const child = await srv.createPerson({ household: h, relation: 'child' });
  const admin = await srv.as('admin');
  assertStatus(await admin.post(`/api/households/${h.id}/head`, { person_id: head.id }), 200);
  return { id: h.id, region, head: head.id, child: child.id, idNumber: id };
}

async function setCategory(personId, category, validFrom) {
  const admin = await srv.as('admin');
  return ok(await admin.post(`/api/persons/${personId}/monitoring`, { category, valid_from: validFrom }), [200, 201], `set ${category}`);
}

async function runMonitor() {
  const admin = await srv.as('admin');
  return ok(await admin.post('/api/monitor/runs', {}), [200, 201], 'monitor run');
}

// {rule id: alerts raised} of a run answer.
function byRule(run) {
  const rules = run.rules || run.by_rule || [];
  return Object.fromEntries(rules.map((x) => [x.id, x]));
}

async function alertsOf(client, householdId, query = '') {
  const j = assertStatus(await client.get(`/api/alerts?per_page=200${query}`), 200);
  return j.items.filter((a) => a.household_id === householdId);
}

before(async () => {
  srv = await startServer({ tag: 'monitor' });
  rec.sick = await household();       // a monitored household with a large medical bill
  rec.flood = await household();      // a monitored household hit by a disaster
  rec.far = await household(XINMIN_VILLAGE);
  rec.widow = await household();      // an enrolled household whose head dies
});

after(async () => { await srv?.stop(); });

it('a monitoring category is history: a new one closes the current one the day before', async () => {
  const admin = await srv.as('admin');
  const p = rec.sick.head;
  let j = assertStatus(await admin.get(`/api/persons/${p}/monitoring`), 200);
  assert.equal(j.current, null, 'no category yet');
  assert.deepEqual(j.history, []);
  await setCategory(p, 'dibao_edge', '2026-01-01');
  await setCategory(p, 'rigid_expenditure', '2026-03-01');
  j = assertStatus(await admin.get(`/api/persons/${p}/monitoring`), 200);
  assert.equal(j.current.category, 'rigid_expenditure');
  assert.equal(j.current.valid_from, '2026-03-01');
  assert.equal(j.history.length, 2, JSON.stringify(j));
  const old = j.history.find((h) => h.category === 'dibao_edge');
  assert.equal(old.valid_to, '2026-02-28', 'closed the day before the new one starts');
  assert.equal(j.history.find((h) => h.category === 'rigid_expenditure').valid_to, null);
  assertError(await admin.post(`/api/persons/${p}/monitoring`, { category: 'rich', valid_from: '2026-04-01' }), 400);
  const commander = await srv.as('commanderx');
  assertError(await commander.get(`/api/persons/${p}/monitoring`), 404);
});

it('a large out-of-pocket medical cost raises one alert in the village assistant\'s queue', async () => {
  await setCategory(rec.flood.head, 'return_poverty', daysAgo(30));
  await setCategory(rec.far.head, 'other', daysAgo(30));
  const admin = await srv.as('admin');
  const csv = '身份证号码,结算日期,医疗总费用,个人自付\r\n'
    + `${rec.sick.idNumber},${daysAgo(20)},40000.00,15000.00\r\n`
    + `${rec.sick.idNumber},${daysAgo(10)},20000.00,9000.00\r\n`
    + `${rec.far.idNumber},${daysAgo(10)},2000.00,900.00\r\n`;
  rec.medicalBatch = ok(await importFeed(admin, 'medical_settlements', csv), [201], 'import settlements');
  const run = await runMonitor();
  const rules = byRule(run);
  assert.equal(rules.medical_cost?.alerts, 1, `one medical-cost alert (24,000 元 over 12 months; 900 元 is below): ${JSON.stringify(run)}`);

  const asg = await srv.as('assistanta');
  const mine = await alertsOf(asg, rec.sick.id);
  assert.equal(mine.length, 1, `the assistant of 骑龙村 sees the alert: ${JSON.stringify(mine)}`);
  const a = mine[0];
  assert.equal(a.rule_id, 'medical_cost');
  assert.equal(a.status, 'open');
  assert.equal(a.region_code, QILONG);
  rec.medicalAlert = a.id;
  assert.equal((await alertsOf(asg, rec.far.id)).length, 0, 'no alert below the threshold');
  const other = await srv.as('commanderx');
  assert.equal((await alertsOf(other, rec.sick.id)).length, 0, 'not in another township\'s queue');
  assertError(await other.get(`/api/alerts/${a.id}`), 404);
});

it('an alert names its rule and the source records', async () => {
  assert.ok(rec.medicalAlert, 'the alert exists');
  const asg = await srv.as('assistanta');
  const a = assertStatus(await asg.get(`/api/alerts/${rec.medicalAlert}`), 200);
  assert.equal(a.rule_id, 'medical_cost');
  assert.ok(hasChinese(a.summary), `a Chinese summary: ${a.summary}`);
  const ev = JSON.stringify(a.evidence);
  const records = a.evidence?.records;
  assert.ok(Array.isArray(records) && records.length === 2, `both settlements as evidence: ${ev}`);
  for (const x of records) {
    assert.equal(x.feed, 'medical_settlements', ev);
    assert.equal(x.batch_id, rec.medicalBatch.batch_id, ev);
  }
  assert.deepEqual(records.map((x) => x.line).sort(), [2, 3], `the lines of the department file: ${ev}`);
  assert.deepEqual(records.map((x) => x.fields.self_paid_fen).map(String).sort(), ['1500000', '900000'], ev);
  // an assistant lacks person.id_full: the number is masked everywhere in the answer
  assert.ok(!JSON.stringify(a).includes(rec.sick.idNumber), `the full ID number is not shown to an assistant: ${JSON.stringify(a).slice(0, 400)}`);
  assert.ok(Array.isArray(a.actions) && a.actions.includes('report') && a.actions.includes('dismiss'), `actions: ${a.actions}`);
});

it('the alert is sent to the village assistant\'s inbox', async () => {
  assert.ok(rec.medicalAlert, 'the alert exists');
  const asg = await srv.as('assistanta');
  const msg = await pollUntil(async () => {
    const j = assertStatus(await asg.get('/api/inbox?per_page=200'), 200);
    return j.items.find((m) => m.kind === 'alert.new');
  }, { timeoutMs: 30_000 });
  assert.ok(msg, 'an alert.new message in the inbox');
});

it('running again raises nothing new', async () => {
  const n = async () => Number((await sqlite(srv.db, 'SELECT count(*) FROM alerts;')).trim());
  const before1 = await n();
  const run = await runMonitor();
  assert.equal(run.alerts, 0, `no alert raised: ${JSON.stringify(run)}`);
  assert.equal(byRule(run).medical_cost?.suppressed, 1, `the medical-cost alert is held back inside its window: ${JSON.stringify(run)}`);
  assert.equal(await n(), before1);
  const admin = await srv.as('admin');
  const runs = assertStatus(await admin.get('/api/monitor/runs'), 200);
  assert.ok(runs.items.length >= 2, `the runs are listed: ${JSON.stringify(runs).slice(0, 400)}`);
});

it('the assistant turns the alert into a report that lands in their queue', async () => {
  assert.ok(rec.medicalAlert, 'the alert exists');
  const asg = await srv.as('assistanta');
  const j = ok(await asg.post(`/api/alerts/${rec.medicalAlert}/report`, {}), [200, 201], 'alert -> report');
  const a = assertStatus(await asg.get(`/api/alerts/${rec.medicalAlert}`), 200);
  assert.equal(a.status, 'reported');
  const reportId = a.report_id ?? j.report_id ?? j.report?.id;
  assert.ok(Number.isInteger(reportId), `the alert names its report: ${JSON.stringify(a)}`);
  const report = assertStatus(await asg.get(`/api/reports/${reportId}`), 200);
  assert.equal(report.source, 'monitoring');
  assert.equal(report.region_code, QILONG);
  assert.equal(report.person_id, rec.sick.head);
  const queue = assertStatus(await asg.get('/api/reports?per_page=200'), 200);
  assert.ok(queue.items.some((r) => r.id === reportId), 'the report is in the assistant\'s queue');
  const again = await asg.post(`/api/alerts/${rec.medicalAlert}/report`, {});
  assertError(again, 409);
});

it('an alert is dismissed only with a reason', async () => {
  const admin = await srv.as('admin');
  const csv = '身份证号码,灾害事件,受灾日期,损失金额\n'
    + `${rec.flood.idNumber},"7·16 暴雨,山洪",${daysAgo(5)},8000\n`;
  ok(await importFeed(admin, 'disaster_victims', csv), [201], 'import disaster victims');
  const run = await runMonitor();
  assert.equal(byRule(run).disaster?.alerts, 1, `a disaster alert: ${JSON.stringify(run)}`);
  const asg = await srv.as('assistanta');
  const [a] = await alertsOf(asg, rec.flood.id, '&rule=disaster');
  assert.ok(a, 'the disaster alert is in the queue');
  assertError(await asg.post(`/api/alerts/${a.id}/dismiss`, {}), 400);
  ok(await asg.post(`/api/alerts/${a.id}/dismiss`, { reason: '已入户核实，损失已由保险赔付' }), [200], 'dismiss');
  const got = assertStatus(await asg.get(`/api/alerts/${a.id}`), 200);
  assert.equal(got.status, 'dismissed');
  assert.equal(got.dismiss_reason, '已入户核实，损失已由保险赔付');
  const open = await alertsOf(asg, rec.flood.id, '&status=open');
  assert.equal(open.length, 0);
});

it('the death of an enrolled recipient raises a review and holds the payment', async () => {
  const h = rec.widow;
  const out = await driveCase(srv, { household: { id: h.id }, visit: true, route: ['temporary'],
    reportOver: { person_id: h.head } });
  const temp = referralFor(out.referrals, 'temporary');
  const rev = await srv.as('reviewer');
  const approved = ok(await rev.post(`/api/referrals/${temp.id}/approve`, { amount_fen: 30000, start_month: today().slice(0, 7) }),
    [200], 'approve');
  const enrollmentId = approved.enrollment.id;
  const admin = await srv.as('admin');
  ok(await importFeed(admin, 'deaths', `公民身份号码,死亡日期\r\n${h.idNumber},${daysAgo(3)}\r\n`), [201], 'import deaths');
  const run = await runMonitor();
  assert.equal(byRule(run).recipient_death?.alerts, 1, `a recipient-death alert: ${JSON.stringify(run)}`);
  assert.ok(run.held >= 1, `payments held: ${JSON.stringify(run)}`);
  const [a] = await alertsOf(admin, h.id, '&rule=recipient_death');
  assert.ok(a, 'the alert is listed');
  assert.equal(a.effect, 'review_and_hold');
  const full = assertStatus(await admin.get(`/api/alerts/${a.id}`), 200);
  assert.equal(full.evidence?.records?.[0]?.feed, 'deaths', JSON.stringify(full.evidence));
  const enr = assertStatus(await admin.get(`/api/enrollments?household_id=${h.id}`), 200);
  const e = enr.items.find((x) => x.id === enrollmentId);
  assert.equal(e.status, 'suspended', `the enrollment is suspended (payment held): ${JSON.stringify(e)}`);
  const again = await runMonitor();
  assert.equal(again.alerts, 0, `nothing new on the next run: ${JSON.stringify(again)}`);
});
