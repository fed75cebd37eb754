// monitoring-demo.test.mjs - the demo county's department data, monitored
// (issue 5, "Done when"):
//   `civicare demo` imports a file for every feed; `civicare monitor` over it
//   raises alerts of every configured rule; the death of an enrolled dibao
//   recipient raises a review and suspends the enrollment (payment held);
//   running it again raises nothing new; the verification of the demo
//   household with a car says "excluded: motor vehicle" and shows the
//   vehicle record, as JSON and as the printable page.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import {
  serverTest, run, sqlite, makeTempDir, addUser, freePort, spawnServe, waitHealthy, Server,
  assertStatus, hasChinese, REPO, WEB_ROOT, PASSWORD,
} from './harness.mjs';

const RULES = JSON.parse(readFileSync(join(REPO, 'config', 'monitoring.json'), 'utf8')).rules;
const FEEDS = JSON.parse(readFileSync(join(REPO, 'config', 'feeds.json'), 'utf8')).feeds;

let dir;
let db;
let dataDir;
let demo;
let mon1;
let mon2;
let alertsAfter1;
let srv;
const it = serverTest(() => srv);

const q = async (sql) => (await sqlite(db, sql)).trim();
const json = async (sql) => { const o = await sqlite(db, `.mode json\n${sql}`); return o.trim() ? JSON.parse(o) : []; };
const monitor = () => run(['monitor', '--db', db, '--data-dir', dataDir], { timeoutMs: 300_000 });

before(async () => {
  dir = await makeTempDir('mondemo');
  db = join(dir, 'demo.db');
  dataDir = join(dir, 'data');
  demo = await run(['demo', '--db', db, '--data-dir', dataDir, '--persons', '3000', '--seed', '3', '--password', PASSWORD],
    { timeoutMs: 300_000 });
  assert.equal(demo.code, 0, `civicare demo exited ${demo.code}:\n${demo.out}`);
  mon1 = await monitor();
  alertsAfter1 = Number(await q('SELECT count(*) FROM alerts;'));
  mon2 = await monitor();
});

after(async () => {
  await srv?.stop({ keep: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// A server on the demo database, with one more account.
async function serve(users = []) {
  if (srv) return srv;
  for (const u of users) await addUser(db, u);
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const proc = spawnServe(['--db', db, '--listen', addr, '--web-root', WEB_ROOT, '--data-dir', dataDir]);
  assert.ok(await waitHealthy(addr, { child: proc.child }), `serve on the demo database:\n${proc.log}`);
  srv = new Server({ dir, db, addr, port, proc, users });
  return srv;
}

it('the demo imports a department file for every feed, some in GB18030', async () => {
  const rows = await json('SELECT feed, count(*) AS n, sum(encoding = \'GB18030\') AS gb FROM feed_batches GROUP BY feed;');
  const have = new Map(rows.map((r) => [r.feed, r]));
  const missing = FEEDS.map((f) => f.name).filter((n) => !have.has(n));
  assert.deepEqual(missing, [], `feeds without a demo batch: ${missing}\n${demo.stdout}`);
  assert.ok(rows.some((r) => r.gb > 0), 'at least one department file came in GB18030');
  const cats = await json('SELECT category, count(*) AS n FROM monitoring_categories WHERE valid_to IS NULL GROUP BY category;');
  const got = new Set(cats.map((c) => c.category));
  for (const c of ['dibao', 'tekun', 'return_poverty', 'dibao_edge', 'rigid_expenditure']) {
    assert.ok(got.has(c), `demo persons in category ${c}: ${JSON.stringify(cats)}`);
  }
});

it('`civicare monitor` raises alerts of every configured rule', async () => {
  assert.equal(mon1.code, 0, `civicare monitor exited ${mon1.code}:\n${mon1.out}`);
  const rows = await json('SELECT rule_id, count(*) AS n FROM alerts GROUP BY rule_id;');
  const n = Object.fromEntries(rows.map((r) => [r.rule_id, r.n]));
  const silent = RULES.map((r) => r.id).filter((id) => !n[id]);
  assert.deepEqual(silent, [], `rules that raised nothing: ${silent}; counts ${JSON.stringify(n)}\n${mon1.out}`);
  for (const r of RULES) {
    assert.ok(mon1.stdout.includes(r.id) || mon1.stdout.includes(r.label_zh), `the summary names rule ${r.id}:\n${mon1.stdout}`);
  }
  const total = Number(await q('SELECT count(*) FROM alerts;'));
  assert.equal(total, alertsAfter1);
  assert.ok(mon1.stdout.includes(String(total)), `the summary gives the total ${total}:\n${mon1.stdout}`);
  const bad = await q("SELECT count(*) FROM alerts WHERE evidence NOT LIKE '%batch_id%' OR region_code NOT LIKE '500231%' OR summary = '';");
  assert.equal(bad, '0', 'every alert carries its source records, its village and a summary');
  const outbox = Number(await q("SELECT count(*) FROM outbox WHERE kind = 'alert.new';"));
  assert.equal(outbox, total, 'one alert.new message per alert');
});

it('the death of an enrolled dibao recipient raises a review and holds the payment', async () => {
  const rows = await json(`SELECT a.id, a.household_id, a.effect, a.evidence, e.id AS enrollment, e.status
    FROM alerts a JOIN enrollments e ON e.household_id = a.household_id AND e.program = 'dibao'
    WHERE a.rule_id = 'recipient_death';`);
  assert.ok(rows.length >= 1, 'a recipient-death alert on a dibao household');
  for (const r of rows) {
    assert.equal(r.effect, 'review_and_hold');
    assert.match(r.evidence, /deaths/, `the death record is the evidence: ${r.evidence}`);
    assert.equal(r.status, 'suspended', `dibao enrollment ${r.enrollment} of household ${r.household_id} suspended`);
  }
  const audit = await q(`SELECT count(*) FROM audit_log WHERE entity = 'enrollment' AND entity_id = '${rows[0].enrollment}' AND detail LIKE '%suspend%';`);
  assert.ok(Number(audit) >= 1, 'the suspension went through the workflow (audited)');
});

it('running it again raises nothing new', async () => {
  assert.equal(mon2.code, 0, `second civicare monitor exited ${mon2.code}:\n${mon2.out}`);
  assert.equal(Number(await q('SELECT count(*) FROM alerts;')), alertsAfter1, 'no alert added');
  const runs = await json('SELECT id, alerts FROM monitor_runs ORDER BY id;');
  assert.equal(runs.length, 2);
  assert.equal(runs[1].alerts, 0);
  assert.equal(Number(await q("SELECT count(*) FROM outbox WHERE kind = 'alert.new';")), alertsAfter1, 'no message added');
});

it('an alert becomes a report in the village assistant\'s queue', async () => {
  const [a] = await json("SELECT id, region_code, person_id FROM alerts WHERE status = 'open' AND rule_id = 'medical_cost' ORDER BY id LIMIT 1;");
  assert.ok(a, 'an open medical-cost alert');
  const user = { username: 'mon_assistant', role: 'assistant', region: a.region_code };
  const s = await serve([user]);
  const asg = await s.as('mon_assistant');
  const list = assertStatus(await asg.get('/api/alerts?status=open&per_page=200'), 200);
  assert.ok(list.items.some((x) => x.id === a.id), `the alert is in the queue of ${a.region_code}`);
  const r = await asg.post(`/api/alerts/${a.id}/report`, {});
  assert.ok([200, 201].includes(r.status), `report: ${r.status} ${r.text}`);
  const got = assertStatus(await asg.get(`/api/alerts/${a.id}`), 200);
  assert.equal(got.status, 'reported');
  const reports = assertStatus(await asg.get('/api/reports?per_page=200'), 200);
  const rep = reports.items.find((x) => x.id === got.report_id);
  assert.ok(rep, `report ${got.report_id} in the assistant's queue`);
  assert.equal(rep.source, 'monitoring');
});

it('the demo household with a car is excluded for its motor vehicle, with the vehicle record', async () => {
  const cars = await json(`SELECT p.household_id AS household, f.batch_id, f.line, json_extract(f.data, '$.plate') AS plate
    FROM feed_records f JOIN persons p ON p.id_number = f.id_number
    WHERE f.feed = 'vehicles' AND json_extract(f.data, '$.vehicle_type') <> 'motor_wheelchair'
      AND p.household_id IN (SELECT household_id FROM visits WHERE authorization_signed = 1)
    ORDER BY p.household_id;`);
  assert.ok(cars.length >= 1, 'a demo household with a car and an authorized visit');
  const car = cars[0];
  const s = await serve();
  const admin = await s.login('admin');
  const v = assertStatus(await admin.get(`/api/households/${car.household}/verification`), 200);
  assert.equal(v.verdict, 'not_eligible', JSON.stringify(v).slice(0, 600));
  const reason = v.reasons.find((x) => /excluded: motor vehicle/i.test(x.text_en));
  assert.ok(reason, `a reason "excluded: motor vehicle": ${JSON.stringify(v.reasons)}`);
  assert.ok(reason.text_zh.includes('不符合：拥有机动车'), reason.text_zh);
  assert.equal(reason.kind, 'exclusion');
  const shown = reason.records.find((r) => r.feed === 'vehicles' && r.batch_id === car.batch_id && r.line === car.line);
  assert.ok(shown, `the vehicle record (batch ${car.batch_id}, line ${car.line}) is shown: ${JSON.stringify(reason.records)}`);
  assert.equal(shown.fields.plate, car.plate);

  const page = await admin.get(`/api/households/${car.household}/verification?format=html`);
  assert.equal(page.status, 200, page.text.slice(0, 300));
  assert.match(page.headers.get('content-type') || '', /text\/html/);
  assert.ok(page.text.includes('不符合：拥有机动车'), 'the page says why');
  assert.ok(page.text.includes(car.plate), 'the page shows the vehicle record');
  assert.ok(hasChinese(page.text) && /<html/i.test(page.text));
});
