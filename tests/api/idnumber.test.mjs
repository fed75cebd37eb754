// idnumber.test.mjs - a full ID number is shown only to a role holding
// person.id_full, only on a single person, only with a reason, and every
// such read lands in the audit trail with who read whose number.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, serverTest, assertError, assertStatus, maskId, QILONG,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv);
let person;

before(async () => {
  srv = await startServer({ tag: 'idnumber' });
  person = await srv.createPerson({ region: QILONG });
});

after(async () => { await srv?.stop(); });

const REASON = '核对低保申请材料';

it('a courier asking for the full number is refused (403)', async () => {
  const c = await srv.as('couriera');
  const r = await c.get(`/api/persons/${person.id}?full_id=1&reason=x`);
  assertError(r, 403);
  assert.ok(!r.text.includes(person.full_id_number), 'the refusal does not carry the number');
  // without full_id the courier still reads the masked person
  const m = assertStatus(await c.get(`/api/persons/${person.id}`), 200);
  assert.equal(m.id_number, maskId(person.full_id_number));
  assert.equal(m.id_number_masked, true);
});

it('a reviewer without a reason gets 400 naming the field reason', async () => {
  const rv = await srv.as('reviewer');
  const r = await rv.get(`/api/persons/${person.id}?full_id=1`);
  assertError(r, 400, { field: 'reason' });
  assert.ok(!r.text.includes(person.full_id_number));
  assertError(await rv.get(`/api/persons/${person.id}?full_id=1&reason=`), 400, { field: 'reason' });
  assertError(await rv.get(`/api/persons/${person.id}?full_id=1&reason=${'%20'.repeat(5)}`), 400, { field: 'reason' });
  assertError(await rv.get(`/api/persons/${person.id}?full_id=1&reason=${encodeURIComponent('长'.repeat(200))}`), 400, { field: 'reason' });
});

it('a reviewer with a reason gets the full number, marked unmasked', async () => {
  const rv = await srv.as('reviewer');
  const r = await rv.get(`/api/persons/${person.id}?full_id=1&reason=${encodeURIComponent(REASON)}`);
  const p = assertStatus(r, 200);
  assert.equal(p.id_number, person.full_id_number);
  assert.equal(p.id_number_masked, false);
  // the cache must not keep it
  assert.match(r.headers.get('cache-control') || '', /no-store/);
});

it('the full read is in the audit trail with the reader and the person', async () => {
  const ins = await srv.as('inspector');
  const r = await ins.get('/api/audit?action=person.id_number.read&per_page=200');
  const s = assertStatus(r, 200);
  const mine = s.items.filter((a) => a.username === 'reviewer' && String(a.entity_id) === String(person.id)
    && JSON.stringify(a).includes(REASON));
  assert.equal(mine.length, 1, `exactly one audited full read by reviewer of person ${person.id} with the reason: ${r.text}`);
  assert.equal(mine[0].action, 'person.id_number.read');
  assert.equal(mine[0].entity, 'person');
  for (const a of s.items) assert.ok(a.action.startsWith('person.id_number.read'), `action filter: ${a.action}`);
  // the refused and reasonless attempts were not recorded as reads
  assert.ok(!s.items.some((a) => a.username === 'couriera'), 'the refused courier read is not a read');
  // the number itself is not written into the trail
  assert.ok(!JSON.stringify(s.items).includes(person.full_id_number), 'the audit trail does not repeat the full number');
  // filters by user and entity find the same entry
  const byUser = assertStatus(await ins.get(`/api/audit?username=reviewer&entity=person&entity_id=${person.id}`), 200);
  assert.ok(byUser.items.some((a) => a.action === 'person.id_number.read'));
});

it('the audit trail is newest first', async () => {
  const rv = await srv.as('reviewer');
  assertStatus(await rv.get(`/api/persons/${person.id}?full_id=1&reason=second`), 200);
  const ins = await srv.as('inspector');
  const s = assertStatus(await ins.get('/api/audit?action=person.id_number.read'), 200);
  assert.ok(s.items.length >= 2);
  assert.ok(JSON.stringify(s.items[0]).includes('second'), `newest first: ${JSON.stringify(s.items[0])}`);
  const ids = s.items.map((a) => a.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
});
