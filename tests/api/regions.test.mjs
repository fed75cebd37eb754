// regions.test.mjs - every account sees only records inside its region
// (a prefix of the division code); outside it a record answers as if it did
// not exist, and creating something outside answers 403 naming the field.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, serverTest, assertError, assertStatus, makeIdNumber, uniqueName,
  QILONG, VILLAGE_B, XINMIN_VILLAGE, ZHOUJIA,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv);
let inA;   // a person in 骑龙村 500231103201
let inB;   // a person in 500231103202 (same township)
let inX;   // a person in 新民镇 500231101200
let hhA;
let hhB;

before(async () => {
  srv = await startServer({ tag: 'regions' });
  hhA = await srv.createHousehold({ region: QILONG });
  hhB = await srv.createHousehold({ region: VILLAGE_B });
  inA = await srv.createPerson({ household: hhA, relation: 'self', name: uniqueName('骑龙') });
  inB = await srv.createPerson({ household: hhB, relation: 'self', name: uniqueName('二村') });
  inX = await srv.createPerson({ region: XINMIN_VILLAGE, name: uniqueName('新民') });
  for (let i = 0; i < 3; i++) {
    await srv.createPerson({ region: QILONG });
    await srv.createPerson({ region: VILLAGE_B });
    await srv.createPerson({ region: XINMIN_VILLAGE });
  }
});

after(async () => { await srv?.stop(); });

function assertHidden(r, what) {
  assert.ok(r.status === 403 || r.status === 404, `${what}: expected 403/404, got ${r.status} ${r.text}`);
  assertError(r, r.status);
  assert.ok(!r.text.includes('"name"'), `${what}: the refusal must not carry the record: ${r.text}`);
}

it('a courier reads a person of their own village', async () => {
  const c = await srv.as('couriera');
  const p = assertStatus(await c.get(`/api/persons/${inA.id}`), 200);
  assert.equal(p.id, inA.id);
  assert.equal(p.region_code, QILONG);
  assert.equal(p.id_number_masked, true);
  assertStatus(await c.get(`/api/households/${hhA.id}`), 200);
});

it('a courier cannot read a person or household of the next village (403/404)', async () => {
  const c = await srv.as('couriera');
  assertHidden(await c.get(`/api/persons/${inB.id}`), 'courierA reads a person of 500231103202');
  assertHidden(await c.get(`/api/persons/${inX.id}`), 'courierA reads a person of 新民镇');
  assertHidden(await c.get(`/api/households/${hhB.id}`), 'courierA reads a household of 500231103202');
  // and the other courier sees the mirror image
  const b = await srv.as('courierb');
  assertStatus(await b.get(`/api/persons/${inB.id}`), 200);
  assertHidden(await b.get(`/api/persons/${inA.id}`), 'courierB reads a person of 骑龙村');
});

it('outside the region answers exactly like an id that does not exist', async () => {
  const c = await srv.as('couriera');
  const outside = await c.get(`/api/persons/${inB.id}`);
  const missing = await c.get('/api/persons/987654321');
  assert.equal(outside.status, 404, `a record outside the region answers 404 (docs/API.md), got ${outside.status}`);
  assert.equal(outside.status, missing.status);
  assert.equal(outside.json?.error?.code, missing.json?.error?.code);
});

it('the township commander reads both villages of the township', async () => {
  const z = await srv.as('commanderz');
  assertStatus(await z.get(`/api/persons/${inA.id}`), 200);
  assertStatus(await z.get(`/api/persons/${inB.id}`), 200);
  assertStatus(await z.get(`/api/households/${hhB.id}`), 200);
  assertHidden(await z.get(`/api/persons/${inX.id}`), 'commanderZ reads a person of 新民镇');
});

it("another township's commander reads neither village", async () => {
  const x = await srv.as('commanderx');
  assertHidden(await x.get(`/api/persons/${inA.id}`), 'commanderX reads 骑龙村');
  assertHidden(await x.get(`/api/persons/${inB.id}`), 'commanderX reads 500231103202');
  assertHidden(await x.get(`/api/households/${hhA.id}`), 'commanderX reads a household of 骑龙村');
  assertStatus(await x.get(`/api/persons/${inX.id}`), 200);
});

it('a courier search never returns people outside the village, whatever the filter', async () => {
  const c = await srv.as('couriera');
  const queries = [
    '/api/persons?per_page=200',
    `/api/persons?region=${VILLAGE_B}&per_page=200`,
    `/api/persons?region=${ZHOUJIA}&per_page=200`,
    '/api/persons?region=500231&per_page=200',
    `/api/persons?name=${encodeURIComponent(inB.name)}`,
    `/api/persons?name=${encodeURIComponent('二村')}`,
    `/api/persons?id_number=${inB.full_id_number}`,
    `/api/persons?household_id=${hhB.id}`,
  ];
  let sawOwn = false;
  for (const q of queries) {
    const r = await c.get(q);
    if (r.status === 403 || r.status === 404) { assertError(r, r.status); continue; }
    const s = assertStatus(r, 200);
    for (const p of s.items) {
      assert.ok(p.region_code.startsWith(QILONG), `${q} returned ${p.id} in ${p.region_code}`);
      if (p.id === inA.id) sawOwn = true;
    }
    assert.equal(s.total, s.items.length, `${q}: total must count only what the courier may see`);
    if (q.includes(VILLAGE_B) || q.includes('二村') || q.includes(inB.full_id_number) || q.includes(`household_id=${hhB.id}`)) {
      assert.equal(s.total, 0, `${q}: a filter naming only people outside the courier's village must find no one, found ${s.total} (${s.items.map((p) => p.region_code)})`);
    }
  }
  assert.ok(sawOwn, 'the unfiltered search finds the courier\'s own villager');
  for (const q of ['/api/households?per_page=200', `/api/households?region=${VILLAGE_B}`, '/api/households?region=500231101']) {
    const h = assertStatus(await c.get(q), 200);
    for (const x of h.items) assert.ok(x.region_code.startsWith(QILONG), `${q} returned household ${x.id} in ${x.region_code}`);
    if (q.includes('region=')) assert.equal(h.total, 0, `${q}: a region outside answers no households`);
  }
  const hs = assertStatus(await c.get('/api/households?per_page=200'), 200);
  for (const h of hs.items) assert.ok(h.region_code.startsWith(QILONG), `household ${h.id} in ${h.region_code}`);
  const ownTotal = assertStatus(await c.get('/api/persons?per_page=1'), 200).total;
  assert.equal(ownTotal, 4, 'courierA sees exactly the 4 persons of 骑龙村');
});

it('an assistant creating a person in another village gets 403 naming region_code', async () => {
  const a = await srv.as('assistanta');
  const r = await a.post('/api/persons', { name: uniqueName('越界'), id_number: makeIdNumber({}), region_code: VILLAGE_B });
  assertError(r, 403, { field: 'region_code' });
  const hh = await a.post('/api/households', { region_code: VILLAGE_B, address: '越界地址' });
  assertError(hh, 403, { field: 'region_code' });
  // into a household of another village: refused too, by region or as unknown household
  const r2 = await a.post('/api/persons', { name: uniqueName('越界'), id_number: makeIdNumber({}), household_id: hhB.id, relation: 'child' });
  // (400 naming household_id is fine too: the body names a household the assistant cannot see)
  assert.ok([403, 404].includes(r2.status) || (r2.status === 400 && r2.json?.error?.field === 'household_id'),
    `joining a household outside the region: ${r2.status} ${r2.text}`);
  assert.ok(!r2.text.includes(hhB.address), 'the refusal does not reveal the household');
  // and nothing was written
  const z = await srv.as('commanderz');
  const s = assertStatus(await z.get(`/api/persons?name=${encodeURIComponent('越界')}`), 200);
  assert.equal(s.total, 0, 'refused creates leave nothing behind');
  // inside the own village it works
  const ok = await a.post('/api/persons', { name: uniqueName('本村'), id_number: makeIdNumber({}), region_code: QILONG });
  assertStatus(ok, 201);
});

it('a person cannot be moved out of the region by an edit', async () => {
  const a = await srv.as('assistanta');
  const p = await srv.createPerson({ region: QILONG, as: 'assistanta' });
  const r = await a.patch(`/api/persons/${p.id}`, { region_code: VILLAGE_B });
  // (whether PATCH may change region_code at all is checked in registry.test.mjs)
  assert.ok([200, 400, 403].includes(r.status), `moving a person out of the region: ${r.status} ${r.text}`);
  const g = assertStatus(await a.get(`/api/persons/${p.id}`), 200);
  assert.equal(g.region_code, QILONG, 'the person is still in the assistant\'s village');
  const z = assertStatus(await (await srv.as('commanderz')).get(`/api/persons/${p.id}`), 200);
  assert.equal(z.region_code, QILONG);
  // and an edit of someone outside is refused as unknown
  const out = await a.patch(`/api/persons/${inB.id}`, { phone: '13800000000' });
  assertHidden(out, 'assistantA edits a person of 500231103202');
});

it('the user list holds only accounts inside the region', async () => {
  const z = await srv.as('commanderz');
  const s = assertStatus(await z.get('/api/users?per_page=200'), 200);
  const names = s.items.map((u) => u.username);
  for (const u of s.items) assert.ok(u.region_code.startsWith(ZHOUJIA), `${u.username} in ${u.region_code}`);
  for (const n of ['couriera', 'courierb', 'assistanta', 'commanderz', 'eldercare']) {
    assert.ok(names.includes(n), `${n} is inside 周嘉镇: ${names}`);
  }
  assert.ok(!names.includes('commanderx'));
  assert.ok(!names.includes('admin'));
  for (const u of s.items) {
    assert.ok(!('password_hash' in u) && !('password' in u), 'no password material in the list');
  }
});

it('the division tree is not region-limited', async () => {
  const c = await srv.as('couriera');
  const d = assertStatus(await c.get(`/api/divisions/${ZHOUJIA}`), 200);
  assert.equal(d.code, ZHOUJIA);
  assert.equal(d.name, '周嘉镇');
  assert.equal(d.full_name, '垫江县周嘉镇');
  assert.ok(d.children.some((k) => k.code === QILONG && k.name === '骑龙村'), 'children list 骑龙村');
  const x = assertStatus(await c.get('/api/divisions/500231101'), 200);
  assert.equal(x.name, '新民镇');
  assert.ok(x.children.some((k) => k.code === XINMIN_VILLAGE));
  const v = assertStatus(await c.get(`/api/divisions/${QILONG}`), 200);
  assert.equal(v.full_name, '垫江县周嘉镇骑龙村');
  assert.deepEqual(v.children, []);
  assertError(await c.get('/api/divisions/500231199'), 404);
  const bad = await c.get('/api/divisions/abc');
  assert.ok(bad.status === 400 || bad.status === 404, `a malformed code: ${bad.status}`);
  assertError(bad, bad.status);
});
