// supervision-payments.test.mjs - monthly payment runs (issue 6, item 1):
//   generate a program's month (amounts by config/payments.json: dibao by
//   the gap rule), maker-checker approval, the same month twice adds
//   nothing (also under concurrent generates), the bank XLSX read back by
//   Debian's python3-openpyxl and the CSV, pay, the bank's return file (all
//   or nothing), and what a township commander and a courier may see.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, serverTest, assertStatus, assertError, sqlite, driveCase, gb18030,
  FIXTURE_USERS, COUNTY, QILONG, VILLAGE_B, ZHOUJIA, XINMIN, XINMIN_VILLAGE,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv, { timeout: 300_000 });
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const M1 = '2026-10';
const M2 = '2026-09';
const STANDARD = { urban: 63600, rural: 51500 };   // config/standards.json (2021 figures)
const MINIMUM = 1000;                               // config/payments.json dibao minimum_fen

const q = async (sql) => (await sqlite(srv.db, sql)).trim();
const rowsOf = async (sql) => { const o = await sqlite(srv.db, `.mode json\n${sql}`); return o.trim() ? JSON.parse(o) : []; };

// The households of the test: {id, persons:[...], area, income (monthly, or null), decided, account?}
const H = {};
let runM1;

async function household(region, members, { decided, verificationPerCapita = null, account = true, key }) {
  const h = await srv.createHousehold({ region });
  const persons = [];
  for (let i = 0; i < members; i++) {
    persons.push(await srv.createPerson({ household: h, relation: i === 0 ? 'self' : 'child' }));
  }
  const area = await q(`SELECT area_kind FROM households WHERE id = ${h.id};`);
  if (verificationPerCapita !== null) {
    await q(`INSERT INTO verifications (household_id, verdict, per_capita_income_fen, result, created_at)
             VALUES (${h.id}, 'eligible', ${verificationPerCapita}, '{}', '2026-06-01T00:00:00Z');`);
  }
  H[key] = { id: h.id, region, persons, area, decided, income: verificationPerCapita === null ? null : verificationPerCapita * members, account };
  return H[key];
}

async function enroll(h, program, { status = 'active', start = '2026-01', end = null, amount }) {
  const head = h.persons[0].id;
  return Number(await q(`INSERT INTO enrollments (household_id, person_id, region_code, program, amount_fen,
      start_month, end_month, status, created_at, updated_at)
    VALUES (${h.id}, ${head}, '${h.region}', '${program}', ${amount}, '${start}', ${end ? `'${end}'` : 'NULL'},
      '${status}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id;`));
}

// What the gap rule must give (computed here, independently of the server).
function expectedDibao(h) {
  const members = Math.max(h.persons.length, 1);
  if (h.income === null) return h.decided;
  return Math.max(STANDARD[h.area] * members - h.income, MINIMUM);
}

before(async () => {
  srv = await startServer({
    tag: 'payments',
    users: [...FIXTURE_USERS, { username: 'admin2', role: 'admin', region: COUNTY }],
  });
  const admin = await srv.as('admin');
  // H1: a visited household (declared income 900 yuan a month, from the visit).
  const story = await driveCase(srv, { visit: true });
  const h1 = { id: story.household.id, region: QILONG, persons: [], decided: 40000, income: 90000, account: true };
  for (let i = 0; i < 2; i++) h1.persons.push(await srv.createPerson({ household: h1.id, relation: i === 0 ? 'self' : 'spouse' }));
  h1.area = await q(`SELECT area_kind FROM households WHERE id = ${h1.id};`);
  H.h1 = h1;
  await household(QILONG, 2, { key: 'h2', decided: 50000 });                                   // no income: decided
  await household(VILLAGE_B, 1, { key: 'h3', decided: 20000, verificationPerCapita: 60000 });   // above the standard: floor
  await household(XINMIN_VILLAGE, 4, { key: 'h4', decided: 90000, verificationPerCapita: 10000 });
  await household(XINMIN_VILLAGE, 1, { key: 'h5', decided: 30000, account: false });           // no bank account
  await household(QILONG, 1, { key: 'suspended', decided: 30000 });
  await household(QILONG, 1, { key: 'later', decided: 30000 });
  for (const k of ['h1', 'h2', 'h3', 'h4', 'h5']) H[k].enrollment = await enroll(H[k], 'dibao', { amount: H[k].decided });
  await enroll(H.suspended, 'dibao', { amount: 30000, status: 'suspended' });
  await enroll(H.later, 'dibao', { amount: 30000, start: '2026-12' });
  await enroll(H.h1, 'temporary', { amount: 80000, start: M1, end: M1 });
  let n = 0;
  for (const k of ['h1', 'h2', 'h3', 'h4']) {
    const h = H[k];
    h.accountNo = `62284800${String(1000000000 + h.id * 17 + n++).padStart(11, '0')}`;
    const r = await admin.put(`/api/households/${h.id}/bank-account`,
      { bank: '重庆农村商业银行', account_no: h.accountNo, holder_person_id: h.persons[0].id });
    assertStatus(r, 200);
    assert.equal(r.json.account_no, h.accountNo);
  }
});

after(async () => { await srv?.stop(); });

it('a bank account must be 12-30 digits held by a member of the household', async () => {
  const admin = await srv.as('admin');
  let r = await admin.put(`/api/households/${H.h5.id}/bank-account`, { bank: '重庆农村商业银行', account_no: '6228abc12345678', holder_person_id: H.h5.persons[0].id });
  assertError(r, 400, { field: 'account_no' });
  r = await admin.put(`/api/households/${H.h5.id}/bank-account`, { bank: '重庆农村商业银行', account_no: '622848001234567890', holder_person_id: H.h1.persons[0].id });
  assertError(r, 400, { field: 'holder_person_id' });
  assert.equal(await q(`SELECT count(*) FROM bank_accounts WHERE household_id = ${H.h5.id};`), '0');
  const cmd = await srv.as('commanderx');
  r = await cmd.put(`/api/households/${H.h1.id}/bank-account`, { bank: 'x', account_no: '622848001234567890', holder_person_id: H.h1.persons[0].id });
  assert.ok([403, 404].includes(r.status), `commander of another township: ${r.status} ${r.text}`);
});

it('admin generates the month: one line per active enrollment, amounts by the gap rule; the generator cannot approve', async () => {
  const admin = await srv.as('admin');
  const admin2 = await srv.as('admin2');
  const r = await admin.post('/api/payment-runs', { program: 'dibao', month: M1 });
  assertStatus(r, 201);
  runM1 = r.json.run;
  const want = Object.fromEntries(['h1', 'h2', 'h3', 'h4', 'h5'].map((k) => [H[k].id, expectedDibao(H[k])]));
  const total = Object.values(want).reduce((a, b) => a + b, 0);
  assert.equal(r.json.added, 5);
  assert.equal(runM1.lines, 5);
  assert.equal(runM1.total_fen, total, `run total: ${JSON.stringify(runM1)} want ${JSON.stringify(want)}`);
  assert.equal(runM1.status, 'awaiting_approval');
  assert.equal(runM1.generated_by.username, 'admin');
  // every line's amount and basis
  const lines = assertStatus(await admin.get(`/api/payment-runs/${runM1.id}/lines?per_page=200`), 200);
  assert.equal(lines.total, 5);
  const got = Object.fromEntries(lines.items.map((l) => [l.household_id, l.amount_fen]));
  assert.deepEqual(got, want);
  const l1 = lines.items.find((l) => l.household_id === H.h1.id);
  assert.equal(l1.basis.method, 'gap');
  assert.equal(l1.basis.income_fen, 90000);
  assert.equal(l1.basis.income_source, 'visit');
  assert.equal(l1.members, 2);
  for (const l of lines.items) {
    const h = Object.values(H).find((x) => x.id === l.household_id);
    assert.equal(l.payee_name, h.persons[0].name, `payee of line ${l.id}`);
  }
  assert.equal(lines.items.find((l) => l.household_id === H.h3.id).basis.floored, true);
  assert.equal(lines.items.find((l) => l.household_id === H.h2.id).basis.fallback, 'no_income');
  const l5 = lines.items.find((l) => l.household_id === H.h5.id);
  assert.equal(l5.no_account, true);
  assert.equal(l5.account_no_masked, null);
  assert.match(l1.id_number_masked, /^\d{6}\*{8}[\dX]{4}$/);
  assert.deepEqual(runM1.missing_account.map((m) => m.household_id), [H.h5.id]);

  // maker-checker
  let a = await admin.post(`/api/payment-runs/${runM1.id}/approve`, {});
  assertError(a, 403, { code: 'maker_checker' });
  assert.match(a.json.error.message, /生成人不能审批/);
  assert.equal(await q(`SELECT status FROM payment_runs WHERE id = ${runM1.id};`), 'awaiting_approval');
  a = await admin.post(`/api/payment-runs/${runM1.id}/reject`, { reason: '自己退回' });
  assertError(a, 403, { code: 'maker_checker' });
  a = await admin2.post(`/api/payment-runs/${runM1.id}/approve`, {});
  assertStatus(a, 200);
  assert.equal(a.json.status, 'approved');
  assert.equal(a.json.approved_by.username, 'admin2');
  assert.equal(await q(`SELECT count(*) FROM events WHERE entity = 'payment_run' AND entity_id = ${runM1.id};`), '2');
});

it('the same month twice adds nothing; concurrent generates of a new month make exactly one run', async () => {
  const admin = await srv.as('admin');
  const admin2 = await srv.as('admin2');
  const before = await q('SELECT count(*) FROM payment_lines;');
  const r = await admin.post('/api/payment-runs', { program: 'dibao', month: M1 });
  assertStatus(r, 200);
  assert.equal(r.json.run, null);
  assert.equal(r.json.added, 0);
  assert.deepEqual(r.json.runs.map((x) => x.id), [runM1.id]);
  assert.equal(await q('SELECT count(*) FROM payment_lines;'), before);
  assert.equal(await q(`SELECT count(*) FROM payment_runs WHERE month = '${M1}';`), '1');

  const all = await Promise.all([0, 1, 2, 3, 4].map((i) => (i % 2 ? admin2 : admin).post('/api/payment-runs', { program: 'dibao', month: M2 })));
  for (const x of all) assert.ok([200, 201].includes(x.status), `concurrent generate: ${x.status} ${x.text}`);
  assert.equal(all.filter((x) => x.status === 201).length, 1, all.map((x) => x.status).join(','));
  assert.equal(await q(`SELECT count(*) FROM payment_runs WHERE month = '${M2}';`), '1');
  assert.equal(await q(`SELECT count(*) FROM payment_lines WHERE month = '${M2}';`), '5');
  assert.equal(await q(`SELECT count(DISTINCT enrollment_id) FROM payment_lines WHERE month = '${M2}';`), '5');

  // rejected by the other admin: the lines are void and the month can be generated again
  const run = all.find((x) => x.status === 201).json.run;
  const other = run.generated_by.username === 'admin' ? admin2 : admin;
  const gen = run.generated_by.username === 'admin' ? admin : admin2;
  let x = await other.post(`/api/payment-runs/${run.id}/reject`, {});
  assertError(x, 400, { field: 'reason' });
  x = await other.post(`/api/payment-runs/${run.id}/reject`, { reason: '金额需复核' });
  assertStatus(x, 200);
  assert.equal(x.json.status, 'rejected');
  assert.equal(await q(`SELECT group_concat(DISTINCT status) FROM payment_lines WHERE run_id = ${run.id};`), 'void');
  x = await gen.post('/api/payment-runs', { program: 'dibao', month: M2 });
  assertStatus(x, 201);
  assert.equal(x.json.added, 5);
  assert.equal(x.json.runs.length, 2);
  // a bank file before approval is refused
  assertError(await gen.get(`/api/payment-runs/${x.json.run.id}/bank-file`), 409);
});

// [[row values]...] of the first sheet, read by openpyxl.
function readXlsx(bytes) {
  const file = join(srv.dir, `bank-${Date.now()}.xlsx`);
  writeFileSync(file, bytes);
  const py = 'import json,sys,openpyxl\n'
    + 'wb=openpyxl.load_workbook(sys.argv[1])\n'
    + 'ws=wb.worksheets[0]\n'
    + 'print(json.dumps([list(r) for r in ws.iter_rows(values_only=True)],ensure_ascii=False,default=str))\n';
  const r = spawnSync(PY, ['-c', py, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `openpyxl: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const HEADER = ['序号', '户主/收款人', '身份证号', '开户行', '账号', '金额(元)', '乡镇', '村(社区)', '明细编号'];
let xlsxRows;

it('the bank XLSX, read back by openpyxl, has every line with an account and totals equal to the run', async () => {
  const admin = await srv.as('admin');
  const r = await admin.get(`/api/payment-runs/${runM1.id}/bank-file?format=xlsx`);
  assertStatus(r, 200);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  assert.equal(r.bytes.subarray(0, 2).toString('latin1'), 'PK');
  const rows = readXlsx(r.bytes);
  assert.deepEqual(rows[0], HEADER);
  const body = rows.slice(1, -1);
  const totals = rows[rows.length - 1];
  const lines = assertStatus(await admin.get(`/api/payment-runs/${runM1.id}/lines?per_page=200`), 200).items;
  const withAccount = lines.filter((l) => !l.no_account);
  assert.equal(body.length, withAccount.length);
  assert.equal(body.length, 4);
  const byId = new Map(lines.map((l) => [l.id, l]));
  let sum = 0;
  body.forEach((row, i) => {
    assert.equal(row[0], i + 1);
    const line = byId.get(row[8]);
    assert.ok(line, `row ${JSON.stringify(row)} names no line`);
    assert.equal(Math.round(row[5] * 100), line.amount_fen, `amount of line ${line.id}`);
    assert.equal(row[1], line.payee_name);
    assert.equal(row[4], line.account_no);
    const h = Object.values(H).find((x) => x.id === line.household_id);
    assert.equal(row[2], h.persons[0].full_id_number, 'the bank file carries the full ID number');
    sum += line.amount_fen;
  });
  const run = assertStatus(await admin.get(`/api/payment-runs/${runM1.id}`), 200);
  const missing = lines.filter((l) => l.no_account).reduce((a, l) => a + l.amount_fen, 0);
  assert.equal(totals[0], '合计');
  assert.equal(totals[1], 4);
  assert.equal(Math.round(totals[5] * 100), sum);
  assert.equal(sum + missing, run.total_fen, 'file total + lines without account = run total');
  assert.ok(!body.some((row) => byId.get(row[8]).household_id === H.h5.id), 'no line without account in the file');
  xlsxRows = rows;
});

it('the bank CSV (UTF-8 with BOM) says the same as the XLSX', async () => {
  const admin = await srv.as('admin');
  const r = await admin.get(`/api/payment-runs/${runM1.id}/bank-file?format=csv`);
  assertStatus(r, 200);
  assert.match(r.headers.get('content-type'), /text\/csv/);
  assert.deepEqual([...r.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const rows = r.text.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));
  assert.deepEqual(rows[0], HEADER);
  const asCsv = xlsxRows.map((row) => row.map((v) => (v === null ? '' : typeof v === 'number' ? v : String(v))));
  assert.equal(rows.length, asCsv.length);
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i];
    const b = asCsv[i];
    assert.equal(a[0], String(b[0]));
    if (i < rows.length - 1) {
      assert.deepEqual(a.slice(1, 5), b.slice(1, 5).map(String));
      assert.deepEqual(a.slice(6, 8), b.slice(6, 8).map(String));
      assert.equal(Number(a[8]), b[8]);
    } else {
      assert.equal(Number(a[1]), b[1]);
    }
    assert.equal(Math.round(Number(a[5]) * 100), Math.round(b[5] * 100));
    assert.match(a[5], /^\d+\.\d{2}$/);
  }
  assert.equal(await q(`SELECT count(*) FROM audit_log WHERE action = 'payment.bank_file' AND entity_id = '${runM1.id}';`), '2');
});

it('pay, then the bank return: a row naming an unknown line changes nothing; a full file reconciles', async () => {
  const admin = await srv.as('admin');
  let r = await admin.post(`/api/payment-runs/${runM1.id}/pay`, { paid_date: '2026-11-10' });
  assertStatus(r, 200);
  assert.equal(r.json.status, 'paid');
  assert.equal(r.json.paid_date, '2026-11-10');
  const lines = assertStatus(await admin.get(`/api/payment-runs/${runM1.id}/lines?per_page=200`), 200).items;
  const sent = lines.filter((l) => !l.no_account);
  const failing = sent.find((l) => l.household_id === H.h4.id);
  const post = (text, bytes = Buffer.from(text, 'utf8')) => admin.request('POST', `/api/payment-runs/${runM1.id}/bank-return`,
    { raw: bytes, contentType: 'text/csv' });

  const bad = `明细编号,结果,原因\n${sent.map((l) => `${l.id},成功,`).join('\n')}\n999999,成功,\n`;
  r = await post(bad);
  const e = assertError(r, 400, { code: 'rows' });
  assert.equal(e.rejected.length, 1, JSON.stringify(e));
  assert.match(e.rejected[0].message, /999999/);
  assert.equal(await q(`SELECT group_concat(DISTINCT status) FROM payment_lines WHERE run_id = ${runM1.id};`), 'pending');
  assert.equal(await q(`SELECT status FROM payment_runs WHERE id = ${runM1.id};`), 'paid');
  // a file that leaves a line out is refused too
  r = await post(`明细编号,结果,原因\n${sent.slice(1).map((l) => `${l.id},成功,`).join('\n')}\n`);
  assert.match(assertError(r, 400, { code: 'rows' }).rejected[0].message, new RegExp(String(sent[0].id)));

  // by account number for one line, by line id for the others; one failed
  const byAccount = sent.find((l) => l !== failing);
  const rows = sent.map((l) => (l === byAccount ? `,${l.account_no},成功,` : `${l.id},,${l === failing ? '失败,账户冻结' : '成功,'}`));
  // as the bank sends it: GB18030
  const file = `明细编号,账号,结果,原因\n${rows.join('\n')}\n`;
  const gb = gb18030(file);
  assert.notDeepEqual(gb, Buffer.from(file, 'utf8'));
  r = await post(null, gb);
  assertStatus(r, 200);
  const paidFen = sent.filter((l) => l !== failing).reduce((a, l) => a + l.amount_fen, 0);
  const noAccount = lines.filter((l) => l.no_account).reduce((a, l) => a + l.amount_fen, 0);
  assert.equal(r.json.paid, 3);
  assert.equal(r.json.failed, 2);
  assert.equal(r.json.paid_fen, paidFen);
  assert.equal(r.json.failed_fen, failing.amount_fen + noAccount);
  const run = assertStatus(await admin.get(`/api/payment-runs/${runM1.id}`), 200);
  assert.equal(run.status, 'reconciled');
  assert.equal(run.paid_fen, paidFen);
  assert.equal(run.failed_fen, failing.amount_fen + noAccount);
  assert.equal(run.paid_fen + run.failed_fen, run.total_fen);
  assert.equal(await q(`SELECT fail_reason FROM payment_lines WHERE id = ${failing.id};`), '账户冻结');
  assert.equal(await q(`SELECT paid_date FROM payment_lines WHERE id = ${byAccount.id};`), '2026-11-10');
  // a household's payments, newest month first
  const hp = assertStatus(await admin.get(`/api/households/${H.h1.id}/payments`), 200);
  assert.deepEqual(hp.items.map((i) => i.month), [M1, M2, M2]);
  assert.equal(hp.items[0].status, 'paid');
  assert.equal(hp.paid_total_fen, hp.items[0].amount_fen);
  assert.equal(hp.bank_account.account_no, H.h1.accountNo);
});

it('a township commander sees only its township; a courier is refused', async () => {
  const cz = await srv.as('commanderz');
  const run = assertStatus(await cz.get(`/api/payment-runs/${runM1.id}`), 200);
  const zhoujia = ['h1', 'h2', 'h3'].map((k) => H[k]);
  assert.equal(run.lines, 3);
  assert.equal(run.total_fen, zhoujia.reduce((a, h) => a + expectedDibao(h), 0));
  assert.deepEqual(run.townships.map((t) => t.region_code), [ZHOUJIA]);
  assert.deepEqual(run.actions, []);
  const lines = assertStatus(await cz.get(`/api/payment-runs/${runM1.id}/lines`), 200);
  assert.deepEqual(lines.items.map((l) => l.household_id).sort(), zhoujia.map((h) => h.id).sort());
  assert.ok(lines.items.every((l) => l.account_no === undefined), 'no full account numbers for commanders');
  const other = assertStatus(await cz.get(`/api/payment-runs/${runM1.id}/lines?township=${XINMIN}`), 200);
  assert.equal(other.total, 0);
  const roll = await cz.get(`/api/payment-runs/${runM1.id}/roll`);
  assertStatus(roll, 200);
  assert.match(roll.headers.get('content-type'), /text\/html/);
  assert.match(roll.text, /花名册/);
  assert.match(roll.text, /@media print/);
  for (const h of zhoujia) assert.ok(roll.text.includes(h.persons[0].name), `roll names ${h.persons[0].name}`);
  assert.ok(!roll.text.includes(H.h4.persons[0].name), 'no other township in the roll');
  assert.ok(!roll.text.includes(H.h1.persons[0].full_id_number), 'ID numbers masked in the roll');
  assertError(await cz.get(`/api/payment-runs/${runM1.id}/bank-file`), 403);
  // the county's roll, one township asked for
  const admin = await srv.as('admin');
  const xroll = await admin.get(`/api/payment-runs/${runM1.id}/roll?township=${XINMIN}`);
  assertStatus(xroll, 200);
  assert.ok(xroll.text.includes(H.h4.persons[0].name) && xroll.text.includes(H.h5.persons[0].name));
  assert.ok(!xroll.text.includes(H.h1.persons[0].name));
  assert.match(xroll.text, /未登记账户/);
  const full = await admin.get(`/api/payment-runs/${runM1.id}/roll`);
  assert.equal((full.text.match(/<section>/g) || []).length, 2, 'one section per township');
  assertError(await cz.get(`/api/households/${H.h4.id}/payments`), 404);
  const list = assertStatus(await cz.get('/api/payment-runs?program=dibao'), 200);
  assert.equal(list.total, 3);
  const courier = await srv.as('couriera');
  assertError(await courier.get('/api/payment-runs'), 403);
  assertError(await courier.get(`/api/payment-runs/${runM1.id}`), 403);
  assertError(await courier.get(`/api/households/${H.h1.id}/payments`), 403);
});
