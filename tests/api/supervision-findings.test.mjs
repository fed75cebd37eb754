// supervision-findings.test.mjs - the supervision cross-checks over the demo
// county (issue 6, "Done when" 1 and 2):
//   a demo employee's sibling who draws dibao without a filing is a finding
//   showing both records (the register record and the enrollment); once
//   filed, the household leaves the unfiled list and stays on the must-visit
//   list, and the finding stays;
//   payments made after a recipient's death make a finding whose amount is
//   exactly the sum paid after the death, in fen, walked through hand-over,
//   check, confirm, recovery in instalments, write-off and close, and
//   counted in the figures;
//   a second run adds nothing; inspectors read findings and change only
//   findings; a finding outside an inspector's region is 404.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import {
  serverTest, run, sqlite, makeTempDir, addUser, freePort, spawnServe, waitHealthy, Server,
  assertStatus, assertError, hasChinese, chinaDate, WEB_ROOT, PASSWORD, maskId,
} from './harness.mjs';

let dir;
let db;
let dataDir;
let demo;
let planted;
let srv;
const it = serverTest(() => srv);

const q = async (sql) => (await sqlite(db, sql)).trim();
const json = async (sql) => { const o = await sqlite(db, `.mode json\n${sql}`); return o.trim() ? JSON.parse(o) : []; };

// Payment lines counted as paid: paid, or pending in an approved or paid run.
const LIVE = "(l.status = 'paid' OR (l.status = 'pending' AND r.status IN ('approved', 'paid')))";

let sibling;      // {household, staff: {id, id_number, name}, region}
let dead;         // {person, death_date, region, sum}
let extraUsers;

before(async () => {
  dir = await makeTempDir('supervision');
  db = join(dir, 'demo.db');
  dataDir = join(dir, 'data');
  demo = await run(['demo', '--db', db, '--data-dir', dataDir, '--persons', '3000', '--seed', '7', '--password', PASSWORD],
    { timeoutMs: 300_000 });
  assert.equal(demo.code, 0, `civicare demo exited ${demo.code}:\n${demo.out}`);
  planted = JSON.parse(await q("SELECT detail FROM audit_log WHERE action = 'demo.feeds';"));
  assert.ok(planted.sibling_household > 0, `the demo planted a staff sibling: ${JSON.stringify(planted)}`);
  assert.ok(planted.dead_recipient > 0, `the demo planted a dead recipient: ${JSON.stringify(planted)}`);

  const [st] = await json(`SELECT id, id_number, name FROM persons WHERE id = ${planted.sibling_staff};`);
  const [hh] = await json(`SELECT region_code FROM households WHERE id = ${planted.sibling_household};`);
  sibling = { household: planted.sibling_household, staff: st, region: hh.region_code };

  const [d] = await json(`SELECT p.region_code, f.event_date AS death_date FROM persons p
    JOIN feed_records f ON f.id_number = p.id_number AND f.feed = 'deaths' WHERE p.id = ${planted.dead_recipient};`);
  const sum = Number(await q(`SELECT COALESCE(sum(l.amount_fen), 0) FROM payment_lines l
    JOIN payment_runs r ON r.id = l.run_id JOIN enrollments en ON en.id = l.enrollment_id
    WHERE (l.person_id = ${planted.dead_recipient} OR en.person_id = ${planted.dead_recipient})
      AND l.month > substr('${d.death_date}', 1, 7) AND ${LIVE};`));
  dead = { person: planted.dead_recipient, death_date: d.death_date, region: d.region_code, sum };

  // The sibling's township commander files it; an inspector of another
  // township must not see the dead recipient's finding.
  const towns = (await json(`SELECT code FROM divisions WHERE kind IN ('town', 'township', 'street')
    AND code <> '${dead.region.slice(0, 9)}' ORDER BY code LIMIT 1;`));
  extraUsers = [
    { username: 'cmdsib', role: 'commander', region: sibling.region.slice(0, 9) },
    { username: 'inspectort', role: 'inspector', region: towns[0].code },
  ];
  for (const u of extraUsers) await addUser(db, u);
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const proc = spawnServe(['--db', db, '--listen', addr, '--web-root', WEB_ROOT, '--data-dir', dataDir]);
  assert.ok(await waitHealthy(addr, { child: proc.child }), `serve on the demo database:\n${proc.log}`);
  srv = new Server({ dir, db, addr, port, proc, users: extraUsers });
});

after(async () => {
  await srv?.stop({ keep: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('the demo prints its payments and findings by check', async () => {
  assert.match(demo.stdout, /payments: \d+ runs, \d+ lines, ¥[\d,]+\.\d\d; supervision cross-checks: \d+ findings \(relative_unfiled \d+/,
    demo.stdout);
  const runs = await json("SELECT started_by, new_findings FROM crosscheck_runs ORDER BY id;");
  assert.equal(runs.length, 1);
  assert.equal(runs[0].started_by, 'demo');
  assert.ok(runs[0].new_findings >= 3, `the demo run wrote findings: ${JSON.stringify(runs)}`);
  const insp = await srv.login('inspector');
  const all = assertStatus(await insp.get('/api/findings?per_page=100'), 200).items;
  const by = (c) => all.filter((f) => f.check_id === c);
  for (const c of ['relative_unfiled', 'paid_after_death', 'asset_while_paid', 'shared_account', 'self_decision']) {
    assert.ok(by(c).length >= 1, `the demo has a ${c} finding: ${JSON.stringify(all.map((f) => f.subject_key))}`);
  }
  for (const f of all) {
    assert.ok(hasChinese(f.summary) && f.evidence.length >= 1 && f.region_code.startsWith('500231'), JSON.stringify(f));
    const lines = f.evidence.filter((ev) => ev.kind === 'payment_line');
    assert.equal(f.suspected_fen, lines.reduce((n, l) => n + l.amount_fen, 0), `suspected = the lines: ${f.subject_key}`);
  }
  // an asset registered before the months paid: every line is of a month on or after it
  for (const f of by('asset_while_paid')) {
    const rec = f.evidence.filter((ev) => ev.kind === 'feed_record').at(-1);
    assert.ok(f.suspected_fen > 0);
    for (const l of f.evidence.filter((ev) => ev.kind === 'payment_line')) {
      assert.ok(l.month >= rec.fields.registered_date.slice(0, 7), `${l.month} vs ${rec.fields.registered_date}`);
    }
  }
  // the reviewer decided the referral of a relative's household
  const [rv] = await json("SELECT id, id_number FROM users WHERE username = 'reviewer';");
  const self = by('self_decision').find((f) => f.household_id === planted.self_decision_household);
  assert.ok(self, `the planted self-decision: ${JSON.stringify(by('self_decision'))}`);
  assert.equal(self.evidence.find((ev) => ev.kind === 'feed_record').fields.staff_id_number, maskId(rv.id_number), 'evidence shows ID numbers masked');
  assert.ok(self.evidence.some((ev) => ev.kind === 'event' && ev.entity === 'referral' && ev.user_id === rv.id));
  // the demo's two unrelated households paid into one account
  const shared = by('shared_account')[0];
  const hh = shared.evidence.filter((ev) => ev.kind === 'bank_account').map((ev) => ev.household_id);
  assert.ok(hh.length >= 2 && new Set(shared.evidence.map((ev) => ev.account_no)).size === 1, JSON.stringify(shared));
});

it('a staff member\'s sibling drawing dibao unfiled is a finding with both records; filing moves it to the must-visit list', async () => {
  const insp = await srv.login('inspector');
  const list = assertStatus(await insp.get(`/api/findings?check=relative_unfiled&household=${sibling.household}`), 200);
  const f = list.items.find((x) => x.evidence.some((ev) => ev.kind === 'feed_record' && ev.feed === 'staff_relatives'
    && ev.fields.staff_id_number === maskId(sibling.staff.id_number)));
  assert.ok(f, `a relative_unfiled finding naming staff ${sibling.staff.id_number}: ${JSON.stringify(list)}`);
  assert.doesNotMatch(JSON.stringify(list), /\b\d{17}[\dXx]\b/, 'no full ID number leaves the server in evidence');
  assert.equal(f.status, 'open');
  assert.equal(f.household_id, sibling.household);
  assert.equal(f.region_code, sibling.region);
  assert.ok(hasChinese(f.summary) && f.summary.includes(sibling.staff.name) && f.summary.includes('兄弟姐妹'),
    `summary names the staff member and the relation: ${f.summary}`);
  assert.ok(f.summary.includes('未备案'), f.summary);
  const reg = f.evidence.find((ev) => ev.kind === 'feed_record');
  assert.equal(reg.fields.relation, '兄弟姐妹');
  assert.ok(Number.isInteger(reg.batch_id) && Number.isInteger(reg.line) && Number.isInteger(reg.id));
  const [dibao] = await json(`SELECT id, amount_fen, start_month, status FROM enrollments
    WHERE household_id = ${sibling.household} AND program = 'dibao' AND status = 'active';`);
  const enr = f.evidence.find((ev) => ev.kind === 'enrollment' && ev.program === 'dibao');
  assert.deepEqual(enr && { id: enr.id, amount_fen: enr.amount_fen, start_month: enr.start_month, status: enr.status },
    dibao, `the dibao enrollment is in the evidence: ${JSON.stringify(f.evidence)}`);

  const cmd = await srv.login('cmdsib');
  const unfiled = `/api/relatives?enrolled=1&filed=0&staff=${sibling.staff.id_number}`;
  let rel = assertStatus(await cmd.get(unfiled), 200);
  assert.ok(rel.items.some((x) => x.household_id === sibling.household), `on the unfiled list: ${JSON.stringify(rel)}`);

  const filed = await cmd.post('/api/filings', { household_id: sibling.household, staff_id_number: sibling.staff.id_number });
  assert.ok(filed.status === 201, `filing: ${filed.status} ${filed.text}`);

  rel = assertStatus(await cmd.get(unfiled), 200);
  assert.ok(!rel.items.some((x) => x.household_id === sibling.household), `left the unfiled list: ${JSON.stringify(rel)}`);
  const pending = assertStatus(await cmd.get('/api/filings?visit=pending'), 200);
  assert.ok(pending.items.some((x) => x.household_id === sibling.household), `on the must-visit list: ${JSON.stringify(pending)}`);

  const again = assertStatus(await insp.get(`/api/findings/${f.id}`), 200);
  assert.equal(again.status, 'open', 'the finding stays after the filing');
  assert.equal(again.check_id, 'relative_unfiled');
});

it('payments after a recipient\'s death are a finding of exactly their sum, recovered and closed', async () => {
  assert.ok(dead.sum > 0, `the demo paid the dead recipient after the death (${dead.death_date})`);
  const insp = await srv.login('inspector');
  const list = assertStatus(await insp.get('/api/findings?check=paid_after_death&per_page=100'), 200);
  const mine = list.items.filter((x) => x.person_id === dead.person);
  assert.equal(mine.length, 1, `one finding for person ${dead.person}: ${JSON.stringify(list)}`);
  const id = mine[0].id;
  let f = assertStatus(await insp.get(`/api/findings/${id}`), 200);
  assert.equal(f.suspected_fen, dead.sum, 'suspected = the exact sum paid for months after the death month');
  const death = f.evidence.find((ev) => ev.kind === 'feed_record' && ev.feed === 'deaths');
  assert.equal(death.fields.death_date, dead.death_date);
  const lines = f.evidence.filter((ev) => ev.kind === 'payment_line');
  assert.ok(lines.length >= 1);
  assert.equal(lines.reduce((s, l) => s + l.amount_fen, 0), dead.sum);
  for (const l of lines) assert.ok(l.month > dead.death_date.slice(0, 7), `line month ${l.month} after ${dead.death_date}`);
  assert.deepEqual(f.actions.map((a) => a.action).sort(), ['dismiss', 'hand_over']);

  assertError(await insp.post(`/api/findings/${id}/hand_over`, {}), 400, { field: 'department' });
  assertError(await insp.post(`/api/findings/${id}/hand_over`, { department: 'nowhere' }), 400, { field: 'department' });
  f = assertStatus(await insp.post(`/api/findings/${id}/hand_over`, { department: 'civil_affairs' }), 200);
  assert.equal(f.status, 'handed');
  assert.equal(f.department, 'civil_affairs');
  assertError(await insp.post(`/api/findings/${id}/close`, {}), 409);
  f = assertStatus(await insp.post(`/api/findings/${id}/check`, { result: '入户核实：户主已于死亡后停止领取，款项由家属代领' }), 200);
  assert.equal(f.status, 'checked');
  f = assertStatus(await insp.post(`/api/findings/${id}/confirm`, { amount_fen: dead.sum }), 200);
  assert.equal(f.status, 'confirmed');
  assert.equal(f.amount_fen, dead.sum);
  assert.equal(f.balance_fen, dead.sum);
  assert.deepEqual(f.ledger.map((l) => [l.kind, l.amount_fen]), [['due', dead.sum]]);

  const closeEarly = assertError(await insp.post(`/api/findings/${id}/close`, {}), 409, { code: 'balance' });
  assert.ok(hasChinese(closeEarly.message));

  const today = chinaDate();
  const part = Math.floor(dead.sum / 3);
  assertError(await insp.post(`/api/findings/${id}/recoveries`, { kind: 'recovered', amount_fen: dead.sum + 1, on_date: today }),
    400, { field: 'amount_fen' });
  assertError(await insp.post(`/api/findings/${id}/recoveries`, { kind: 'recovered', amount_fen: 0, on_date: today }),
    400, { field: 'amount_fen' });
  assertError(await insp.post(`/api/findings/${id}/recoveries`, { kind: 'recovered', amount_fen: 1, on_date: chinaDate(86400 * 3) }),
    400, { field: 'on_date' });
  f = assertStatus(await insp.post(`/api/findings/${id}/recoveries`, { kind: 'recovered', amount_fen: part, on_date: today, note: '第一期' }), 201);
  assert.equal(f.balance_fen, dead.sum - part);
  f = assertStatus(await insp.post(`/api/findings/${id}/recoveries`, { kind: 'recovered', amount_fen: part, on_date: today, note: '第二期' }), 201);
  assert.equal(f.balance_fen, dead.sum - 2 * part);
  assertError(await insp.post(`/api/findings/${id}/close`, {}), 409, { code: 'balance' });
  const rest = dead.sum - 2 * part;
  f = assertStatus(await insp.post(`/api/findings/${id}/recoveries`, { kind: 'written_off', amount_fen: rest, on_date: today, note: '无力偿还，核销' }), 201);
  assert.equal(f.balance_fen, 0);
  f = assertStatus(await insp.post(`/api/findings/${id}/close`, {}), 200);
  assert.equal(f.status, 'closed');
  assert.deepEqual(f.ledger.map((l) => [l.kind, l.amount_fen]),
    [['due', dead.sum], ['recovered', part], ['recovered', part], ['written_off', rest]]);
  assert.deepEqual(f.events.map((ev) => ev.action), ['create', 'hand_over', 'check', 'confirm', 'recovered', 'recovered', 'written_off', 'close']);
  const audited = Number(await q(`SELECT count(*) FROM audit_log WHERE entity = 'finding' AND entity_id = '${id}';`));
  assert.ok(audited >= 8, `every step audited (${audited})`);

  const fig = assertStatus(await insp.get(`/api/supervision/figures?from=${today.slice(0, 7)}&to=${today.slice(0, 7)}`), 200);
  const row = fig.rows.find((r) => r.township === dead.region.slice(0, 9) && r.month === today.slice(0, 7));
  assert.ok(row, `figures row for ${dead.region.slice(0, 9)} ${today.slice(0, 7)}: ${JSON.stringify(fig)}`);
  assert.equal(row.found_fen, dead.sum);
  assert.equal(row.recovered_fen, 2 * part);
  assert.equal(row.written_off_fen, rest);
  assert.ok(fig.townships.some((t) => t.code === row.township && hasChinese(t.name)));
  assert.equal(fig.totals.found_fen, dead.sum);
  assert.equal(fig.totals.outstanding_fen, 0);
});

it('a second cross-check run adds no finding; the monitor runs them too', async () => {
  const before_ = Number(await q('SELECT count(*) FROM findings;'));
  const [first] = await json('SELECT found, by_check FROM crosscheck_runs WHERE id = 1;');
  const insp = await srv.login('inspector');
  const r = assertStatus(await insp.post('/api/crosschecks', {}), 201);
  assert.equal(r.new_findings, 0, JSON.stringify(r));
  // the same subjects, less the sibling filed meanwhile
  assert.equal(r.found, first.found - 1, `found ${JSON.stringify(r)} vs the demo's ${JSON.stringify(first)}`);
  const demoBy = JSON.parse(first.by_check);
  assert.equal(r.by_check.relative_unfiled.found, demoBy.relative_unfiled.found - 1);
  assert.equal(r.by_check.paid_after_death.found, demoBy.paid_after_death.found);
  assert.equal(Number(await q('SELECT count(*) FROM findings;')), before_);
  const runs = assertStatus(await insp.get('/api/crosschecks'), 200);
  assert.equal(runs.items[0].id, r.run_id);
  assert.equal(runs.items[0].started_by, 'api:inspector');
  assert.equal(runs.items[0].new_findings, 0);
  assert.ok(runs.items[0].finished_at, 'the run finished');
  assert.equal(runs.items[0].found, r.found);

  const admin = await srv.login('admin');
  const mon = assertStatus(await admin.post('/api/monitor/runs', {}), 201);
  assert.ok(mon.crosscheck && mon.crosscheck.run_id > r.run_id, `the monitor ran the cross-checks: ${JSON.stringify(mon.crosscheck)}`);
  assert.equal(mon.crosscheck.new_findings, 0);
  assert.equal(mon.crosscheck.found, r.found);
  const [mrun] = await json(`SELECT started_by, finished_at, found FROM crosscheck_runs WHERE id = ${mon.crosscheck.run_id};`);
  assert.equal(mrun.started_by, 'monitor');
  assert.ok(mrun.finished_at);
  assert.equal(Number(await q('SELECT count(*) FROM findings;')), before_);
  // the filed sibling's finding now shows the filing in its evidence
  const [f] = (assertStatus(await insp.get(`/api/findings?check=relative_unfiled&household=${sibling.household}`), 200)).items
    .filter((x) => x.evidence.some((ev) => ev.fields?.staff_id_number === maskId(sibling.staff.id_number)));
  assert.ok(f.evidence.some((ev) => ev.kind === 'filing'), `filed later: ${JSON.stringify(f.evidence)}`);
});

it('inspectors read findings and change only findings; assistants see none; outside the region is 404', async () => {
  const asst = await srv.login('assistant');
  assertError(await asst.get('/api/findings'), 403);
  const insp = await srv.login('inspector');
  assertStatus(await insp.get('/api/payment-runs'), 200);
  assertError(await insp.post('/api/payment-runs', { program: 'dibao', month: '2026-01' }), 403);
  const [closed] = await json("SELECT id FROM findings WHERE check_id = 'paid_after_death' AND status = 'closed';");
  const other = await srv.login('inspectort');
  assertError(await other.get(`/api/findings/${closed.id}`), 404);
  assertError(await other.post(`/api/findings/${closed.id}/hand_over`, { department: 'civil_affairs' }), 404);
  const mine = assertStatus(await other.get('/api/findings?per_page=100'), 200);
  for (const x of mine.items) assert.ok(x.region_code.startsWith(extraUsers[1].region), `in region: ${x.region_code}`);
});
