// discovery-story.test.mjs - the story, end to end, through the API:
// a courier in 周嘉镇骑龙村 reports a man (amputated left arm, kidney
// failure, 280,000 yuan of medical debt, two children at school); the
// village assistant accepts, visits with two investigators and routes the
// household to dibao, medical, education and temporary assistance; each
// department's reviewer decides (dibao through survey, opinion and a 7-day
// public notice, with the clock moved forward 8 days by a restart); the
// household timeline tells the whole chain in order and the figures count
// each step in the right township and month, and nothing else.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, serverTest, assertStatus, assertError, makeIdNumber, maskId, chinaDate, chinaMonth,
  DISCOVERY_USERS, PROGRAM_DEPARTMENT, DEPARTMENT_REVIEWER, QILONG, ZHOUJIA,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv, { timeout: 300_000 });
const EIGHT_DAYS = 8 * 86400;
const PROGRAMS = ['dibao', 'medical', 'education', 'temporary'];

before(async () => { srv = await startServer({ tag: 'story', users: DISCOVERY_USERS }); });
after(async () => { await srv?.stop(); });

// figures for the years that may hold this story's records (now, and 8
// days on): {year: answer}
async function figures(years) {
  const admin = await srv.as('admin');
  const out = {};
  for (const y of years) out[y] = assertStatus(await admin.get(`/api/figures?year=${y}`), 200);
  return out;
}

// {"<year>|<township>|<metric>|<month index>": n} of every township cell,
// and "<year>|total|<metric>|<month index>" of the county totals.
function cells(figs) {
  const m = new Map();
  for (const [year, f] of Object.entries(figs)) {
    for (const metric of f.metrics || []) {
      (f.totals?.[metric] || new Array(12).fill(0)).forEach((n, i) => m.set(`${year}|total|${metric}|${i}`, n));
    }
    assert.ok(Array.isArray(f.months) && f.months.length === 12, `figures ${year} months: ${JSON.stringify(f.months)}`);
    assert.ok(Array.isArray(f.metrics) && f.metrics.includes('discovered'), `figures ${year} metrics: ${JSON.stringify(f.metrics)}`);
    for (const t of f.townships || []) {
      for (const metric of f.metrics) {
        const series = t.series?.[metric] || new Array(12).fill(0);
        assert.equal(series.length, 12, `series ${t.code} ${metric}`);
        series.forEach((n, i) => m.set(`${year}|${t.code}|${metric}|${i}`, n));
      }
    }
  }
  return m;
}

it('a courier report becomes dibao, medical, education and temporary assistance, told by the timeline and counted by the figures', async () => {
  const now = Date.now();
  const years = [...new Set([chinaDate(0, now).slice(0, 4), chinaDate(EIGHT_DAYS + 86400, now).slice(0, 4)])];
  const before = cells(await figures(years));

  // --- the household: a man, his wife, two school-age children ---
  const admin = await srv.as('admin');
  const hh = await srv.createHousehold({ region: QILONG, address: '骑龙村三组18号', area_kind: 'rural' });
  const man = await srv.createPerson({ household: hh, relation: 'self', name: '冉某军', id_number: makeIdNumber({ sex: 'M', birth: '19820314' }) });
  await srv.createPerson({ household: hh, relation: 'spouse', name: '向某芳', id_number: makeIdNumber({ sex: 'F', birth: '19850902' }) });
  await srv.createPerson({ household: hh, relation: 'child', name: '冉某', id_number: makeIdNumber({ sex: 'M', birth: '20120501' }) });
  await srv.createPerson({ household: hh, relation: 'child', name: '冉某某', id_number: makeIdNumber({ sex: 'F', birth: '20150210' }) });
  assertStatus(await admin.post(`/api/households/${hh.id}/head`, { person_id: man.id }), 200);

  // --- the courier reports ---
  const courier = await srv.as('couriera');
  const description = '左臂截肢，肾衰竭，医疗欠款28万元，两个孩子上学';
  let r = await courier.post('/api/reports', {
    person_id: man.id, subject_name: man.name, region_code: QILONG,
    categories: ['illness', 'disability'], description, urgency: 'urgent',
    latitude: 29.21, longitude: 107.73, accuracy_m: 15, client_key: 'story-1',
  });
  const report = assertStatus(r, 201);
  assert.equal(report.status, 'submitted');
  assert.equal(report.source, 'staff');
  assert.equal(report.region_code, QILONG);
  assert.equal(report.person_id, man.id);
  assert.equal(report.description, description);
  assert.deepEqual([...report.categories].sort(), ['disability', 'illness']);
  assert.equal(report.reporter?.username, 'couriera');
  assert.ok(report.subject_id_number === null || report.subject_id_number === maskId(man.full_id_number),
    `subject_id_number must be masked or null: ${report.subject_id_number}`);
  assert.ok(!r.text.includes(man.full_id_number), 'the full ID number never appears in the answer');

  // --- the assistant accepts: a case they own, on the man's household ---
  const assistant = await srv.as('assistanta');
  const seen = assertStatus(await assistant.get(`/api/reports/${report.id}`), 200);
  assert.deepEqual(seen.actions.map((a) => a.action).sort(), ['accept', 'dismiss']);
  const acc = assertStatus(await assistant.post(`/api/reports/${report.id}/accept`, {}), 200);
  assert.equal(acc.report.status, 'accepted');
  assert.equal(acc.case.status, 'open');
  assert.equal(acc.case.owner?.username, 'assistanta');
  assert.equal(acc.case.household_id, hh.id);
  assert.equal(acc.case.person_id, man.id);
  assert.equal(acc.report.case_id, acc.case.id);
  const caseId = acc.case.id;

  // routing before a visit is refused
  assertError(await assistant.get(`/api/cases/${caseId}/routing`), 409, { code: 'needs_visit' });

  // --- the home visit ---
  const visit = assertStatus(await assistant.post(`/api/cases/${caseId}/visits`, {
    visit_date: chinaDate(),
    investigators: ['张明', '李华'],
    members_present: [man.id],
    categories: ['illness', 'disability', 'schooling'],
    findings: { illness: '肾衰竭，每周透析', disability: '左臂截肢', schooling: '两个孩子上学' },
    facts: { household_size: 4, monthly_income_fen: 60000, medical_debt_fen: 28000000, school_children: 2 },
    declared_income_fen: 60000,
    rigid_expenses: { medical_fen: 800000, education_fen: 100000, rehabilitation_fen: 0, basic_living_fen: 0, other_fen: 0 },
    authorization_signed: true,
    photos: [],
  }), 201);
  assert.equal(visit.case_id, caseId);
  assert.equal(visit.household_id, hh.id);
  assert.deepEqual(visit.investigators, ['张明', '李华']);
  assert.equal(visit.authorization_signed, true);
  const visited = assertStatus(await assistant.get(`/api/cases/${caseId}`), 200);
  assert.equal(visited.status, 'visited');
  assert.equal(visited.visits.length, 1);

  // --- routing proposes the four programs, each with its reasons ---
  const routing = assertStatus(await assistant.get(`/api/cases/${caseId}/routing`), 200);
  assert.equal(routing.household_size, 4);
  assert.equal(routing.per_capita_income_fen, 15000);
  assert.ok(Number.isInteger(routing.standard_fen) && routing.standard_fen > 15000, `standard_fen ${routing.standard_fen}`);
  const proposed = new Map(routing.proposals.map((p) => [p.program, p]));
  for (const prog of PROGRAMS) {
    const p = proposed.get(prog);
    assert.ok(p, `routing proposes ${prog}: ${JSON.stringify(routing.proposals.map((x) => x.program))}`);
    assert.equal(p.department, PROGRAM_DEPARTMENT[prog], `${prog} goes to ${PROGRAM_DEPARTMENT[prog]}`);
    assert.ok(Array.isArray(p.rules) && p.rules.length >= 1, `${prog} has at least one rule`);
    for (const rule of p.rules) {
      assert.ok(typeof rule.id === 'string' && rule.id.length > 0, `${prog} rule id`);
      assert.ok(typeof rule.reason === 'string' && rule.reason.trim().length > 0, `${prog} rule ${rule.id} has a reason`);
    }
  }

  // --- route: one referral per program, in its department's queue ---
  const routed = assertStatus(await assistant.post(`/api/cases/${caseId}/route`, { programs: PROGRAMS }), 201);
  assert.equal(routed.case.status, 'routed');
  assert.deepEqual(routed.referrals.map((x) => x.program).sort(), [...PROGRAMS].sort());
  const ref = Object.fromEntries(routed.referrals.map((x) => [x.program, x]));
  for (const prog of PROGRAMS) {
    assert.equal(ref[prog].status, 'pending');
    assert.equal(ref[prog].department, PROGRAM_DEPARTMENT[prog]);
    assert.equal(ref[prog].household_id, hh.id);
    assert.equal(ref[prog].case_id, caseId);
    assert.match(ref[prog].due_date, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(ref[prog].rules.map((x) => x.id).sort(), proposed.get(prog).rules.map((x) => x.id).sort(),
      `${prog} referral carries the rules that fired`);
  }
  assert.equal(ref.dibao.procedure, 'dibao');
  assert.equal(ref.medical.procedure, 'simple');
  for (const prog of PROGRAMS) {
    const rev = await srv.as(DEPARTMENT_REVIEWER[PROGRAM_DEPARTMENT[prog]]);
    const q = assertStatus(await rev.get('/api/referrals?per_page=200'), 200);
    assert.ok(q.items.some((x) => x.id === ref[prog].id), `${prog} referral is in ${PROGRAM_DEPARTMENT[prog]}'s queue`);
  }

  // a department sees its own queue, not another's
  const eduQueue = assertStatus(await (await srv.as('rev_education')).get('/api/referrals?per_page=200'), 200);
  assert.ok(!eduQueue.items.some((x) => x.id === ref.medical.id || x.id === ref.dibao.id), 'education does not queue medical or dibao');

  // the reviewer's file: case, household (ID numbers masked), visit facts
  const file = await (await srv.as('rev_civil')).get(`/api/referrals/${ref.dibao.id}`);
  const dfile = assertStatus(file, 200);
  assert.equal(dfile.case?.id, caseId);
  assert.equal(dfile.household?.id, hh.id);
  assert.equal(dfile.household.members?.length, 4);
  assert.equal(dfile.visit?.facts?.medical_debt_fen, 28000000);
  assert.deepEqual(dfile.actions.map((a) => a.action).sort(), ['reject', 'return', 'survey']);
  for (const mbr of dfile.household.members) assert.match(String(mbr.id_number), /^\d{6}\*{8}\d{3}[\dX]$/, `member ${mbr.name} masked`);
  assert.ok(!file.text.includes(man.full_id_number), 'no full ID number in the reviewer\'s file');

  // --- the departments decide ---
  const month = chinaDate().slice(0, 7);
  const enrollments = {};
  const decide = async (prog, amount) => {
    const rev = await srv.as(DEPARTMENT_REVIEWER[PROGRAM_DEPARTMENT[prog]]);
    const a = assertStatus(await rev.post(`/api/referrals/${ref[prog].id}/approve`, { amount_fen: amount, start_month: month }), 200);
    assert.equal(a.referral.status, 'approved');
    assert.equal(a.referral.amount_fen, amount);
    assert.equal(a.enrollment.program, prog);
    assert.equal(a.enrollment.status, 'active');
    assert.equal(a.enrollment.household_id, hh.id);
    assert.equal(a.enrollment.amount_fen, amount);
    assert.equal(a.enrollment.referral_id, ref[prog].id);
    enrollments[prog] = a.enrollment;
  };
  await decide('medical', 8000000);
  await decide('education', 250000);
  await decide('temporary', 300000);
  assert.equal(enrollments.temporary.end_month, enrollments.temporary.start_month, 'one-off: ends the month it starts');

  const civil = await srv.as('rev_civil');
  assert.equal(assertStatus(await civil.post(`/api/referrals/${ref.dibao.id}/survey`, {}), 200).status, 'surveyed');
  assert.equal(assertStatus(await civil.post(`/api/referrals/${ref.dibao.id}/opinion`, { opinion: '家庭人均收入低于当地低保标准，建议纳入' }), 200).status, 'opinion');
  const noticed = assertStatus(await civil.post(`/api/referrals/${ref.dibao.id}/publish_notice`, {}), 200);
  assert.equal(noticed.status, 'public_notice');
  const today = chinaDate();
  const plus7 = new Date(Date.parse(`${today}T00:00:00Z`) + 7 * 86400000).toISOString().slice(0, 10);
  assert.equal(noticed.notice_until, plus7, 'the notice runs 7 calendar days');
  assertError(await civil.post(`/api/referrals/${ref.dibao.id}/approve`, { amount_fen: 120000, start_month: month }), 409, { code: 'notice_running' });

  // eight days later
  await srv.restart({ env: { CIVICARE_CLOCK_OFFSET: String(EIGHT_DAYS) } });
  const civil2 = await srv.as('rev_civil');
  const dibaoMonth = chinaDate(EIGHT_DAYS).slice(0, 7);
  const d = assertStatus(await civil2.post(`/api/referrals/${ref.dibao.id}/approve`, { amount_fen: 120000, start_month: dibaoMonth }), 200);
  assert.equal(d.referral.status, 'approved');
  assert.equal(d.enrollment.program, 'dibao');
  assert.equal(d.enrollment.status, 'active');
  enrollments.dibao = d.enrollment;

  const enr = assertStatus(await (await srv.as('admin')).get(`/api/enrollments?household_id=${hh.id}&per_page=200`), 200);
  assert.deepEqual(enr.items.map((x) => x.program).sort(), [...PROGRAMS].sort());

  // --- every write is audited ---
  const audit = async (entity, id) => assertStatus(await (await srv.as('admin')).get(`/api/audit?entity=${entity}&entity_id=${id}&per_page=200`), 200).items.map((x) => x.action);
  const ra = await audit('report', report.id);
  assert.ok(ra.some((x) => /create/.test(x)) && ra.includes('report.accept'), `report audit: ${ra}`);
  const ca = await audit('case', caseId);
  assert.ok(ca.includes('case.route'), `case audit: ${ca}`);
  const da = await audit('referral', ref.dibao.id);
  for (const x of ['referral.survey', 'referral.opinion', 'referral.publish_notice', 'referral.approve']) assert.ok(da.includes(x), `dibao audit has ${x}: ${da}`);
  const v = assertStatus(await (await srv.as('admin')).get('/api/audit?per_page=5'), 200);
  assert.ok(v.items.length > 0);

  // --- the timeline tells it in order ---
  const tl = assertStatus(await (await srv.as('assistanta')).get(`/api/households/${hh.id}/timeline`), 200);
  assert.equal(tl.household.id, hh.id);
  const items = tl.items;
  for (let i = 1; i < items.length; i++) {
    assert.ok(items[i - 1].at <= items[i].at, `timeline oldest first: ${items[i - 1].at} then ${items[i].at}`);
  }
  const want = [
    ['report', report.id, 'create'],
    ['report', report.id, 'accept'],
    ['case', caseId, 'record_visit'],
    ['case', caseId, 'route'],
    ['referral', ref.medical.id, 'approve'],
    ['referral', ref.education.id, 'approve'],
    ['referral', ref.temporary.id, 'approve'],
    ['referral', ref.dibao.id, 'survey'],
    ['referral', ref.dibao.id, 'opinion'],
    ['referral', ref.dibao.id, 'publish_notice'],
    ['referral', ref.dibao.id, 'approve'],
  ];
  const idx = (e, id, a) => items.findIndex((x) => x.entity === e && x.entity_id === id && x.action === a);
  let last = -1;
  for (const [e, id, a] of want) {
    const k = idx(e, id, a);
    assert.ok(k >= 0, `timeline has ${e} ${id} ${a}: ${JSON.stringify(items.map((x) => [x.entity, x.entity_id, x.action]))}`);
    assert.ok(k > last, `timeline: ${e} ${id} ${a} comes after the step before it`);
    last = k;
  }
  const routeAt = idx('case', caseId, 'route');
  for (const prog of PROGRAMS) {
    const k = items.findIndex((x) => x.entity === 'enrollment' && x.entity_id === enrollments[prog].id);
    assert.ok(k > routeAt, `timeline has the ${prog} enrollment after the routing`);
    assert.equal(items[k].action, 'create', `${prog} enrollment event is its creation`);
  }
  assert.equal(items.find((x) => x.entity === 'report' && x.action === 'create')?.username, 'couriera');
  assert.equal(items[idx('referral', ref.dibao.id, 'approve')].username, 'rev_civil');

  // --- the figures: +1 in 周嘉镇 for each, in the month of its record ---
  const caseRec = assertStatus(await (await srv.as('admin')).get(`/api/cases/${caseId}`), 200);
  const expect = new Map();
  const bump = (createdAt, metric) => {
    const m = chinaMonth(createdAt);
    const key = `${m.slice(0, 4)}|${ZHOUJIA}|${metric}|${Number(m.slice(5, 7)) - 1}`;
    expect.set(key, (expect.get(key) || 0) + 1);
    const total = `${m.slice(0, 4)}|total|${metric}|${Number(m.slice(5, 7)) - 1}`;
    expect.set(total, (expect.get(total) || 0) + 1);
  };
  bump(caseRec.created_at, 'discovered');
  for (const prog of PROGRAMS) bump(enrollments[prog].created_at, prog);
  const afterFig = await figures(years);
  const afterCells = cells(afterFig);
  const diffs = [];
  for (const key of new Set([...before.keys(), ...afterCells.keys()])) {
    const delta = (afterCells.get(key) || 0) - (before.get(key) || 0);
    if (delta !== (expect.get(key) || 0)) diffs.push(`${key}: changed by ${delta}, expected ${expect.get(key) || 0}`);
  }
  for (const key of expect.keys()) if (!afterCells.has(key)) diffs.push(`${key}: no such cell in the figures`);
  assert.deepEqual(diffs, [], 'figures changed exactly where the story happened');
  const z = afterFig[caseRec.created_at && chinaMonth(caseRec.created_at).slice(0, 4)].townships.find((t) => t.code === ZHOUJIA);
  assert.ok(z && /周嘉/.test(z.name), `township ${ZHOUJIA} is named 周嘉镇: ${z?.name}`);

  // figures are region-bound: 新民镇's commander does not see 周嘉镇's numbers
  const xf = assertStatus(await (await srv.as('commanderx')).get(`/api/figures?year=${chinaMonth(caseRec.created_at).slice(0, 4)}`), 200);
  const xz = (xf.townships || []).find((t) => t.code === ZHOUJIA);
  assert.ok(!xz || Object.values(xz.totals || {}).every((n) => n === 0), `commanderx sees no 周嘉镇 figures: ${JSON.stringify(xz)}`);
  assert.ok((xf.townships || []).every((t) => t.code.startsWith('500231101')), 'commanderx sees only 新民镇');
  const outside = await (await srv.as('commanderz')).get(`/api/figures?year=${chinaMonth(caseRec.created_at).slice(0, 4)}&region=500231101`);
  assert.ok([403, 404].includes(outside.status) || (outside.status === 200 && outside.json.townships.every((t) => Object.values(t.totals).every((n) => n === 0))),
    `figures of another township: ${outside.status} ${outside.text.slice(0, 200)}`);

  // the number is backed by the records
  const dm = chinaMonth(caseRec.created_at);
  const its = assertStatus(await (await srv.as('admin')).get(`/api/figures/items?metric=discovered&township=${ZHOUJIA}&month=${dm}`), 200);
  assert.ok(its.items.some((x) => x.kind === 'case' && x.id === caseId && x.household_id === hh.id),
    `figures/items lists case ${caseId}: ${JSON.stringify(its.items)}`);
});

it('a household above the standard is not proposed dibao; one with nothing special gets no proposal at all', async () => {
  const a = await srv.as('assistanta');
  const courier = await srv.as('couriera');
  const mk = async (facts, categories) => {
    const hh = await srv.createHousehold({ region: QILONG });
    const rep = assertStatus(await courier.post('/api/reports', { region_code: QILONG, subject_name: `富裕${hh.id}`, categories: ['other'], description: '邻居反映', urgency: 'normal' }), 201);
    const c = assertStatus(await a.post(`/api/reports/${rep.id}/accept`, {}), 200).case;
    assertStatus(await a.post(`/api/cases/${c.id}/visits`, {
      visit_date: chinaDate(), investigators: ['张明', '李华'], household_id: hh.id, members_present: [], categories,
      findings: {}, facts, declared_income_fen: facts.monthly_income_fen,
      rigid_expenses: { medical_fen: 0, education_fen: 0, rehabilitation_fen: 0, basic_living_fen: 0, other_fen: 0 },
      authorization_signed: true, photos: [],
    }), 201);
    return assertStatus(await a.get(`/api/cases/${c.id}/routing`), 200);
  };
  const rich = await mk({ household_size: 2, monthly_income_fen: 1200000, school_children: 1 }, ['schooling']);
  assert.equal(rich.per_capita_income_fen, 600000);
  assert.ok(!rich.proposals.some((p) => p.program === 'dibao'), `no dibao above the standard: ${JSON.stringify(rich.proposals)}`);
  const none = await mk({ household_size: 3, monthly_income_fen: 900000 }, ['other']);
  assert.deepEqual(none.proposals, [], `nothing fires: ${JSON.stringify(none.proposals)}`);
});
