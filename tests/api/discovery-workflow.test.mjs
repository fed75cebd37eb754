// discovery-workflow.test.mjs - the four workflow tables, walked through
// the API.  Records are driven into every state (report, case, referral of
// a simple-procedure and of the dibao-procedure program, enrollment); in
// each state every action of its workflow that the state does not allow
// must answer 409 {"error":{"code":"transition","allowed":[…]}} with exactly
// the actions the state allows, and leave the record as it was.  The
// expected table is written here as data, from docs/DISCOVERY.md and
// src/domain/workflow.c.  Then: who may act (owner, department) and which
// actions need a reason.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, serverTest, assertStatus, assertError, uniqueName, chinaDate, driveCase, reportBody,
  visitBody, referralFor, DISCOVERY_USERS, QILONG,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv, { timeout: 400_000 });
const EIGHT_DAYS = 8 * 86400;

// workflow -> {actions, states: {state: [allowed actions]}}
const TABLE = {
  report: {
    actions: ['accept', 'dismiss'],
    states: {
      submitted: ['accept', 'dismiss'],
      unverified: ['accept', 'dismiss'],
      accepted: [],
      dismissed: [],
      merged: [],
    },
  },
  case: {
    actions: ['record_visit', 'handover', 'reassign', 'route', 'close'],
    states: {
      open: ['record_visit', 'handover', 'reassign', 'close'],
      visited: ['record_visit', 'handover', 'reassign', 'route', 'close'],
      routed: ['handover', 'reassign', 'route', 'close'],
      closed: [],
    },
  },
  'referral (simple)': {
    actions: ['approve', 'reject', 'return', 'survey', 'opinion', 'publish_notice', 'resubmit'],
    states: {
      pending: ['approve', 'reject', 'return'],
      returned: ['resubmit'],
      approved: [],
      rejected: [],
    },
  },
  'referral (dibao)': {
    actions: ['approve', 'reject', 'return', 'survey', 'opinion', 'publish_notice', 'resubmit'],
    states: {
      pending: ['survey', 'return', 'reject'],
      surveyed: ['opinion', 'return', 'reject'],
      opinion: ['publish_notice', 'reject'],
      public_notice: ['approve', 'reject'],
      returned: ['resubmit'],
      approved: [],
      rejected: [],
    },
  },
  enrollment: {
    actions: ['suspend', 'resume', 'exit'],
    states: {
      active: ['suspend', 'exit'],
      suspended: ['resume', 'exit'],
      exited: [],
    },
  },
};

let ids = {};
const month = () => chinaDate().slice(0, 7);

before(async () => {
  srv = await startServer({ tag: 'workflow', users: DISCOVERY_USERS });
  const users = assertStatus(await (await srv.as('admin')).get('/api/users?per_page=200'), 200).items;
  ids = Object.fromEntries(users.map((u) => [u.username, u.id]));
});
after(async () => { await srv?.stop(); });

// How each action is asked for, valid apart from the state.
function attempt(workflow, action, rec) {
  const wf = workflow.startsWith('referral') ? 'referral' : workflow;
  const R = { reason: '测试理由：材料不全' };
  switch (wf) {
    case 'report':
      return { as: 'assistanta', path: `/api/reports/${rec.id}/${action}`, body: action === 'dismiss' ? R : {} };
    case 'case':
      if (action === 'record_visit') return { as: 'assistanta', path: `/api/cases/${rec.id}/visits`, body: visitBody({ household_id: rec.household_id }) };
      if (action === 'route') return { as: 'assistanta', path: `/api/cases/${rec.id}/route`, body: { programs: ['temporary'] } };
      if (action === 'handover') return { as: 'assistanta', path: `/api/cases/${rec.id}/handover`, body: { to_user_id: ids.assistantb } };
      if (action === 'reassign') return { as: 'commanderz', path: `/api/cases/${rec.id}/reassign`, body: { to_user_id: ids.assistantb } };
      return { as: 'assistanta', path: `/api/cases/${rec.id}/close`, body: R };
    case 'referral': {
      const bodies = {
        approve: { amount_fen: 50000, start_month: month() },
        reject: { reason: '不符合条件', notice_text: '经审核，家庭收入高于标准' },
        return: R, survey: {}, opinion: { opinion: '建议纳入' }, publish_notice: {}, resubmit: {},
      };
      return { as: action === 'resubmit' ? 'assistanta' : 'rev_civil', path: `/api/referrals/${rec.id}/${action}`, body: bodies[action] };
    }
    default:
      return { as: 'rev_civil', path: `/api/enrollments/${rec.id}/${action}`, body: action === 'resume' ? {} : R };
  }
}

const readPath = (workflow, rec) => {
  if (workflow === 'report') return `/api/reports/${rec.id}`;
  if (workflow === 'case') return `/api/cases/${rec.id}`;
  if (workflow.startsWith('referral')) return `/api/referrals/${rec.id}`;
  return null;
};

async function statusOf(workflow, rec) {
  const p = readPath(workflow, rec);
  if (p) return assertStatus(await (await srv.as('admin')).get(p), 200).status;
  const l = assertStatus(await (await srv.as('admin')).get(`/api/enrollments?household_id=${rec.household_id}&per_page=200`), 200);
  return l.items.find((x) => x.id === rec.id)?.status;
}

// Try every action the state does not allow; returns mismatch lines.
async function walk(workflow, state, rec) {
  const spec = TABLE[workflow];
  const allowed = [...spec.states[state]].sort();
  const problems = [];
  assert.equal(await statusOf(workflow, rec), state, `${workflow} ${rec.id} is ${state} before the walk`);
  for (const action of spec.actions.filter((a) => !allowed.includes(a))) {
    const q = attempt(workflow, action, rec);
    const r = await (await srv.as(q.as)).post(q.path, q.body);
    const got = r.json?.error?.allowed;
    const ok = r.status === 409 && r.json?.error?.code === 'transition' && Array.isArray(got) &&
      JSON.stringify([...got].sort()) === JSON.stringify(allowed);
    if (!ok) problems.push(`${workflow} ${state} #${rec.id}: POST ${q.path} (${action}) as ${q.as} -> ${r.status} ${r.text.slice(0, 200)}; expected 409 transition allowed=${JSON.stringify(allowed)}`);
  }
  const after = await statusOf(workflow, rec);
  if (after !== state) problems.push(`${workflow} #${rec.id}: state moved from ${state} to ${after} by refused actions`);
  return problems;
}

async function post(as, path, body, status = 200) {
  return assertStatus(await (await srv.as(as)).post(path, body), status);
}

it('only the owner assistant works a case; only the department decides a referral', async () => {
  const chain = await driveCase(srv, { route: ['temporary', 'dibao'] });
  const other = await srv.as('assistantb');
  assertError(await other.post(`/api/cases/${chain.case.id}/close`, { reason: '不是我的案件' }), 403);
  assertError(await other.post(`/api/cases/${chain.case.id}/handover`, { to_user_id: ids.assistantb }), 403);
  assertError(await other.post(`/api/cases/${chain.case.id}/route`, { programs: ['medical'] }), 403);
  const fresh = await driveCase(srv, {});
  assertError(await other.post(`/api/cases/${fresh.case.id}/visits`, visitBody({ household_id: chain.household.id })), 403);
  // an assistant cannot reassign (commanders do)
  assertError(await (await srv.as('assistanta')).post(`/api/cases/${fresh.case.id}/reassign`, { to_user_id: ids.assistantb }), 403);
  // the commander may reassign; then the new owner works it and the old one may not
  const re = await post('commanderz', `/api/cases/${fresh.case.id}/reassign`, { to_user_id: ids.assistantb });
  const reCase = re.case || re;
  assert.equal(reCase.owner?.username, 'assistantb');
  assertError(await (await srv.as('assistanta')).post(`/api/cases/${fresh.case.id}/close`, { reason: '已移交' }), 403);

  const tmp = referralFor(chain.referrals, 'temporary');
  const dib = referralFor(chain.referrals, 'dibao');
  assertError(await (await srv.as('rev_education')).post(`/api/referrals/${tmp.id}/approve`, { amount_fen: 1000, start_month: month() }), 403);
  assertError(await (await srv.as('rev_medical')).post(`/api/referrals/${dib.id}/survey`, {}), 403);
  assertError(await (await srv.as('rev_medical')).post(`/api/referrals/${tmp.id}/reject`, { reason: 'x', notice_text: 'y' }), 403);
  // an assistant cannot decide
  assertError(await (await srv.as('assistanta')).post(`/api/referrals/${tmp.id}/approve`, { amount_fen: 1000, start_month: month() }), 403);
  // and nothing moved
  assert.equal(assertStatus(await (await srv.as('admin')).get(`/api/referrals/${tmp.id}`), 200).status, 'pending');
  assert.equal(assertStatus(await (await srv.as('admin')).get(`/api/referrals/${dib.id}`), 200).status, 'pending');
  // a case with undecided referrals cannot be closed
  assertError(await (await srv.as('assistanta')).post(`/api/cases/${chain.case.id}/close`, { reason: '结案' }), 409, { code: 'referrals_open' });
});

it('dismiss, close, reject, return, suspend and exit need a reason (400 field reason)', async () => {
  const courier = await srv.as('couriera');
  const rep = assertStatus(await courier.post('/api/reports', reportBody()), 201);
  const a = await srv.as('assistanta');
  assertError(await a.post(`/api/reports/${rep.id}/dismiss`, {}), 400, { field: 'reason' });
  assertError(await a.post(`/api/reports/${rep.id}/dismiss`, { reason: '   ' }), 400, { field: 'reason' });
  const open = await driveCase(srv, {});
  assertError(await a.post(`/api/cases/${open.case.id}/close`, {}), 400, { field: 'reason' });
  const chain = await driveCase(srv, { route: ['temporary', 'dibao'] });
  const tmp = referralFor(chain.referrals, 'temporary');
  const rev = await srv.as('rev_civil');
  assertError(await rev.post(`/api/referrals/${tmp.id}/reject`, { notice_text: '不符合条件' }), 400, { field: 'reason' });
  assertError(await rev.post(`/api/referrals/${tmp.id}/return`, {}), 400, { field: 'reason' });
  const dib = referralFor(chain.referrals, 'dibao');
  assertError(await rev.post(`/api/referrals/${dib.id}/reject`, { reason: '收入高于标准' }), 400, { field: 'notice_text' });
  assertError(await rev.post(`/api/referrals/${dib.id}/opinion`, {}), 400, { field: 'opinion' });
  const enr = (await post('rev_civil', `/api/referrals/${tmp.id}/approve`, { amount_fen: 20000, start_month: month() })).enrollment;
  assertError(await rev.post(`/api/enrollments/${enr.id}/suspend`, {}), 400, { field: 'reason' });
  assertError(await rev.post(`/api/enrollments/${enr.id}/exit`, { reason: '' }), 400, { field: 'reason' });
  // nothing moved
  assert.equal(assertStatus(await a.get(`/api/reports/${rep.id}`), 200).status, 'submitted');
  assert.equal(assertStatus(await a.get(`/api/cases/${open.case.id}`), 200).status, 'open');
  assert.equal((await statusOf('enrollment', enr)), 'active');
  // and the visit's own rules
  const fresh = await driveCase(srv, {});
  const v = await a.post(`/api/cases/${fresh.case.id}/visits`, visitBody({ household_id: chain.household.id, investigators: ['张三', '张三'] }));
  assertError(v, 400, { code: 'two_investigators' });
  const tomorrow = new Date(Date.now() + 8 * 3600e3 + 2 * 86400e3).toISOString().slice(0, 10);
  assertError(await a.post(`/api/cases/${fresh.case.id}/visits`, visitBody({ household_id: chain.household.id, visit_date: tomorrow })), 400, { field: 'visit_date' });
});

it('route: a program not proposed is added with the manual rule; one already referred is skipped', async () => {
  const chain = await driveCase(srv, { route: ['temporary'] });
  const a = await srv.as('assistanta');
  const r = assertStatus(await a.post(`/api/cases/${chain.case.id}/route`, { programs: ['temporary', 'housing'] }), 201);
  assert.deepEqual(r.referrals.map((x) => x.program), ['housing'], `only housing is new: ${JSON.stringify(r.referrals)}`);
  const housing = r.referrals[0];
  assert.equal(housing.department, 'housing');
  assert.deepEqual(housing.rules.map((x) => x.id), ['manual']);
  assert.equal(housing.rules[0].reason, '协理员确认添加');
  const c = assertStatus(await a.get(`/api/cases/${chain.case.id}`), 200);
  assert.deepEqual(c.referrals.map((x) => x.program).sort(), ['housing', 'temporary']);
  assertError(await a.post(`/api/cases/${chain.case.id}/route`, { programs: ['no_such_program'] }), 400, { field: 'programs' });
  // handover only to an assistant of the same township
  assertError(await a.post(`/api/cases/${chain.case.id}/handover`, { to_user_id: ids.assistantx }), 400);
  const h = assertStatus(await a.post(`/api/cases/${chain.case.id}/handover`, { to_user_id: ids.assistantb }), 200);
  assert.equal((h.case || h).owner?.username, 'assistantb');
});

it('two people acting at once: one accept and one approval win, the other answers 409, nothing is doubled', async () => {
  for (let round = 0; round < 5; round++) {
    const rep = assertStatus(await (await srv.as('couriera')).post('/api/reports', reportBody()), 201);
    const [x, y] = await Promise.all([
      (await srv.as('assistanta')).post(`/api/reports/${rep.id}/accept`, {}),
      (await srv.as('assistantb')).post(`/api/reports/${rep.id}/accept`, {}),
    ]);
    assert.deepEqual([x.status, y.status].sort(), [200, 409], `accept race: ${x.status} ${x.text.slice(0, 120)} / ${y.status} ${y.text.slice(0, 120)}`);
    const cases = assertStatus(await (await srv.as('admin')).get(`/api/cases?region=${QILONG}&per_page=200`), 200);
    assert.equal(cases.items.filter((c) => c.report_id === rep.id).length, 1, 'one case for the report');
  }
  const chain = await driveCase(srv, { route: ['temporary'] });
  const ref = chain.referrals[0];
  const [a, b] = await Promise.all([
    (await srv.as('rev_civil')).post(`/api/referrals/${ref.id}/approve`, { amount_fen: 10000, start_month: month() }),
    (await srv.as('admin')).post(`/api/referrals/${ref.id}/approve`, { amount_fen: 20000, start_month: month() }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409], `approve race: ${a.status} / ${b.status}`);
  const enr = assertStatus(await (await srv.as('admin')).get(`/api/enrollments?household_id=${chain.household.id}&per_page=200`), 200);
  assert.equal(enr.items.filter((e) => e.referral_id === ref.id).length, 1, 'one enrollment for the referral');
});

// Last: it moves the clock 8 days forward (a restart) for the dibao approval.
it('every action a state does not allow answers 409 transition with the actions it allows', async () => {
  const problems = [];
  const check = async (wf, state, rec) => problems.push(...await walk(wf, state, rec));

  // --- reports ---
  const courier = await srv.as('couriera');
  const submitted = assertStatus(await courier.post('/api/reports', reportBody()), 201);
  await check('report', 'submitted', submitted);
  const pub = await srv.anon().post('/api/public/reports', {
    region_code: QILONG, subject_name: uniqueName('自报'), description: '生活困难', categories: ['other'], contact_phone: '13800138000',
  });
  assertStatus(pub, 201);
  await check('report', 'unverified', { id: pub.json.id ?? pub.json.report?.id });
  const accepted = await driveCase(srv, {});
  await check('report', 'accepted', accepted.report);
  const dis = assertStatus(await courier.post('/api/reports', reportBody()), 201);
  await post('assistanta', `/api/reports/${dis.id}/dismiss`, { reason: '核实后不属于困难群众' });
  await check('report', 'dismissed', dis);
  const merged = await courier.post('/api/reports', reportBody({ subject_name: submitted.subject_name }));
  assertStatus(merged, 200);
  assert.equal(merged.json.report?.status, 'merged', `same name, same village: merged ${merged.text}`);
  await check('report', 'merged', merged.json.report);

  // --- cases ---
  await check('case', 'open', accepted.case);
  const visited = await driveCase(srv, { visit: true });
  await check('case', 'visited', { ...visited.case, household_id: visited.household.id });
  const routed = await driveCase(srv, { route: ['temporary'] });
  await check('case', 'routed', { ...routed.case, household_id: routed.household.id });
  const closed = await driveCase(srv, {});
  await post('assistanta', `/api/cases/${closed.case.id}/close`, { reason: '已通过其他渠道解决' });
  const hh = await srv.createHousehold({ region: QILONG });
  await check('case', 'closed', { ...closed.case, household_id: hh.id });

  // --- referrals: six cases, each with a temporary (simple) and a dibao referral ---
  const chains = [];
  for (let i = 0; i < 6; i++) chains.push(await driveCase(srv, { route: ['temporary', 'dibao'] }));
  const tmp = chains.map((c) => referralFor(c.referrals, 'temporary'));
  const dib = chains.map((c) => referralFor(c.referrals, 'dibao'));
  assert.ok(tmp.every((r) => r.procedure === 'simple') && dib.every((r) => r.procedure === 'dibao'), 'procedures');
  const R = '测试：材料不全';

  await check('referral (simple)', 'pending', tmp[0]);
  await post('rev_civil', `/api/referrals/${tmp[1].id}/return`, { reason: R });
  await check('referral (simple)', 'returned', tmp[1]);
  const e0 = (await post('rev_civil', `/api/referrals/${tmp[2].id}/approve`, { amount_fen: 50000, start_month: month() })).enrollment;
  await check('referral (simple)', 'approved', tmp[2]);
  await post('rev_civil', `/api/referrals/${tmp[3].id}/reject`, { reason: '收入高于标准', notice_text: '经审核不符合条件' });
  await check('referral (simple)', 'rejected', tmp[3]);

  await check('referral (dibao)', 'pending', dib[0]);
  await post('rev_civil', `/api/referrals/${dib[1].id}/survey`, {});
  await check('referral (dibao)', 'surveyed', dib[1]);
  await post('rev_civil', `/api/referrals/${dib[2].id}/survey`, {});
  await post('rev_civil', `/api/referrals/${dib[2].id}/opinion`, { opinion: '建议纳入' });
  await check('referral (dibao)', 'opinion', dib[2]);
  await post('rev_civil', `/api/referrals/${dib[3].id}/survey`, {});
  await post('rev_civil', `/api/referrals/${dib[3].id}/opinion`, { opinion: '建议纳入' });
  await post('rev_civil', `/api/referrals/${dib[3].id}/publish_notice`, {});
  await check('referral (dibao)', 'public_notice', dib[3]);
  await post('rev_civil', `/api/referrals/${dib[4].id}/return`, { reason: R });
  await check('referral (dibao)', 'returned', dib[4]);
  await post('rev_civil', `/api/referrals/${dib[5].id}/survey`, {});
  await post('rev_civil', `/api/referrals/${dib[5].id}/reject`, { reason: '有劳动能力且收入高于标准', notice_text: '经调查不符合条件' });
  await check('referral (dibao)', 'rejected', dib[5]);

  // returned -> resubmit -> pending again
  const again = await post('assistanta', `/api/referrals/${tmp[1].id}/resubmit`, {});
  assert.equal(again.status, 'pending');

  // --- enrollments ---
  await check('enrollment', 'active', e0);
  const e1 = (await post('rev_civil', `/api/referrals/${tmp[4].id}/approve`, { amount_fen: 30000, start_month: month() })).enrollment;
  await post('rev_civil', `/api/enrollments/${e1.id}/suspend`, { reason: '外出务工，暂停核查' });
  await check('enrollment', 'suspended', e1);
  const e2 = (await post('rev_civil', `/api/referrals/${tmp[5].id}/approve`, { amount_fen: 30000, start_month: month() })).enrollment;
  await post('rev_civil', `/api/enrollments/${e2.id}/exit`, { reason: '家庭收入已超过标准' });
  await check('enrollment', 'exited', e2);
  // suspended -> resume -> active
  await post('rev_civil', `/api/enrollments/${e1.id}/resume`, {});
  assert.equal(await statusOf('enrollment', e1), 'active');

  // --- dibao approved: only after the 7-day notice ---
  assertError(await (await srv.as('rev_civil')).post(`/api/referrals/${dib[3].id}/approve`, { amount_fen: 60000, start_month: month() }), 409, { code: 'notice_running' });
  await srv.restart({ env: { CIVICARE_CLOCK_OFFSET: String(EIGHT_DAYS) } });
  const m8 = chinaDate(EIGHT_DAYS).slice(0, 7);
  const ok = await post('rev_civil', `/api/referrals/${dib[3].id}/approve`, { amount_fen: 60000, start_month: m8 });
  assert.equal(ok.referral.status, 'approved');
  assert.equal(ok.enrollment.program, 'dibao');
  await check('referral (dibao)', 'approved', dib[3]);

  assert.deepEqual(problems, [], `workflow table mismatches:\n${problems.join('\n')}`);
});
