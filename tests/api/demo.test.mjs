// demo.test.mjs - `civicare demo` builds the synthetic county: it prints one
// login per role, the same seed gives the same people, and the demo courier
// sees only their own village.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import {
  serverTest, run, sqlite, freePort, spawnServe, waitHealthy, makeTempDir, Server,
  assertError, assertStatus, checkChar, WEB_ROOT, QILONG, XINMIN,
} from './harness.mjs';

const PASSWORD = 'Demo-pass-123';
const ROLES = ['courier', 'assistant', 'commander', 'reviewer', 'admin', 'inspector', 'eldercare'];

let dir;
let srv;
const it = serverTest(() => srv);
let runs;

before(async () => {
  dir = await makeTempDir('demo');
  const args = (f, seed = 5) => ['demo', '--db', join(dir, f), '--persons', '3000', '--seed', String(seed), '--password', PASSWORD];
  runs = await Promise.all([run(args('a.db')), run(args('b.db')), run(args('c.db', 6))]);
});

after(async () => {
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('demo exits 0 and prints a login for every role', async () => {
  const r = runs[0];
  assert.equal(r.code, 0, `civicare demo exited ${r.code}:\n${r.out}`);
  for (const u of ROLES) assert.match(r.stdout, new RegExp(`\\b${u}\\b`), `login ${u} printed:\n${r.stdout}`);
  assert.ok(r.stdout.includes(PASSWORD), 'the given password is printed with the logins');
  const n = Number((await sqlite(join(dir, 'a.db'), 'SELECT count(*) FROM persons;')).trim());
  assert.ok(n >= 2500 && n <= 3500, `about 3000 persons: ${n}`);
});

it('the same seed builds the same people; another seed builds others', async () => {
  for (const r of runs) assert.equal(r.code, 0, r.out);
  const q = 'SELECT id_number,name,birth_date FROM persons ORDER BY id;';
  const a = await sqlite(join(dir, 'a.db'), q);
  const b = await sqlite(join(dir, 'b.db'), q);
  const c = await sqlite(join(dir, 'c.db'), q);
  assert.ok(a.length > 1000);
  assert.ok(a === b, 'two runs with seed 5 differ');
  assert.notEqual(a, c, 'seed 6 gives other people');
  const hq = 'SELECT region_code,address,area_kind FROM households ORDER BY id;';
  assert.ok(await sqlite(join(dir, 'a.db'), hq) === await sqlite(join(dir, 'b.db'), hq), 'households differ between equal seeds');
});

it('demo persons are synthetic, valid and consistent with their numbers', async () => {
  const rows = (await sqlite(join(dir, 'a.db'), 'SELECT id_number,sex,birth_date,synthetic,region_code FROM persons;'))
    .split('\n').filter(Boolean).map((l) => l.split('|'));
  const bad = [];
  for (const [n, sex, birth, synthetic, region] of rows) {
    const ok = /^500231\d{11}[\dX]$/.test(n) && checkChar(n.slice(0, 17)) === n[17]
      && birth === `${n.slice(6, 10)}-${n.slice(10, 12)}-${n.slice(12, 14)}`
      && sex === (Number(n[16]) % 2 ? 'M' : 'F') && synthetic === '1' && /^500231\d{6}$/.test(region);
    if (!ok) bad.push(`${n} ${sex} ${birth} ${synthetic} ${region}`);
  }
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} invalid demo persons`);
  assert.equal(new Set(rows.map((r) => r[0])).size, rows.length, 'ID numbers unique');
});

it('demo refuses to run over a registry that already has persons', async () => {
  const r = await run(['demo', '--db', join(dir, 'a.db'), '--persons', '10', '--seed', '1', '--password', PASSWORD]);
  assert.notEqual(r.code, 0);
  const n = Number((await sqlite(join(dir, 'a.db'), 'SELECT count(*) FROM persons;')).trim());
  assert.ok(n >= 2500 && n <= 3500, 'nothing added');
});

it('the served demo lets the courier log in and read only the persons of 500231103201', async () => {
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const db = join(dir, 'a.db');
  const proc = spawnServe(['--db', db, '--listen', addr, '--threads', '4', '--web-root', WEB_ROOT]);
  assert.ok(await waitHealthy(addr, { child: proc.child }), `demo serve did not come up:\n${proc.log}`);
  srv = new Server({ dir, db, addr, port, proc, users: [] });
  const courier = await srv.login('courier', { password: PASSWORD });
  const me = assertStatus(await courier.get('/api/me'), 200);
  assert.equal(me.user.role, 'courier');
  assert.equal(me.user.region_code, QILONG);
  const s = assertStatus(await courier.get('/api/persons?per_page=200'), 200);
  assert.ok(s.total > 0, 'the demo village has people');
  for (const p of s.items) assert.ok(p.region_code.startsWith(QILONG), `courier sees ${p.id} in ${p.region_code}`);
  const inVillage = Number((await sqlite(db, `SELECT count(*) FROM persons WHERE region_code LIKE '${QILONG}%';`)).trim());
  assert.equal(s.total, inVillage, 'the courier sees every person of the village and no other');
  // a person elsewhere is hidden
  const elsewhere = Number((await sqlite(db, `SELECT id FROM persons WHERE region_code LIKE '${XINMIN}%' LIMIT 1;`)).trim());
  assert.ok(elsewhere > 0, 'the demo has people in 新民镇');
  assertError(await courier.get(`/api/persons/${elsewhere}`), 404);
  // every demo login works
  for (const u of ROLES.filter((x) => x !== 'courier')) {
    const c = await srv.login(u, { password: PASSWORD });
    assert.equal(assertStatus(await c.get('/api/me'), 200).user.role, u);
  }
});
