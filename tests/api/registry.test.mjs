// registry.test.mjs - persons and households through the API: ID-number
// validation with field and rule, normalised storage, one person per number,
// masking in lists, search and paging, households with members and head,
// and edits that name the field they break.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, serverTest, checkChar, assertError, assertStatus, hasChinese, makeIdNumber, maskId,
  toFullWidth, uniqueName, QILONG, VILLAGE_B, ZHOUJIA, XINMIN_VILLAGE,
} from './harness.mjs';

let srv;
let admin;
const it = serverTest(() => srv);

before(async () => {
  srv = await startServer({ tag: 'registry' });
  admin = await srv.as('admin');
});

after(async () => { await srv?.stop(); });

const BAD_CHECK = '110105194912310021';
const GOOD = '11010519491231002X';

it('an ID number with a wrong check character is refused naming field and rule, in Chinese', async () => {
  const r = await admin.post('/api/persons', { name: '校验位错', id_number: BAD_CHECK, region_code: QILONG });
  const e = assertError(r, 400, { code: 'check_character', field: 'id_number' });
  assert.ok(hasChinese(e.message), `message should be Chinese: ${e.message}`);
});

it('?lang=en answers the same error in English', async () => {
  const r = await admin.post('/api/persons', { name: '校验位错', id_number: BAD_CHECK, region_code: QILONG }, { lang: 'en' });
  const e = assertError(r, 400, { code: 'check_character', field: 'id_number' });
  assert.ok(!hasChinese(e.message), `message should be English: ${e.message}`);
  assert.match(e.message, /[A-Za-z]{3,}/);
});

it('Accept-Language: en also answers in English', async () => {
  const r = await admin.post('/api/persons', { name: '校验位错', id_number: BAD_CHECK, region_code: QILONG },
    { headers: { 'Accept-Language': 'en-US,en;q=0.9' } });
  const e = assertError(r, 400, { code: 'check_character', field: 'id_number' });
  assert.ok(!hasChinese(e.message), `message should be English: ${e.message}`);
});

let goodPerson;

it('a valid number with check character X is accepted; birth date and sex come from it', async () => {
  const r = await admin.post('/api/persons', { name: '张秀英', id_number: GOOD, region_code: QILONG });
  const p = assertStatus(r, 201);
  assert.ok(Number.isInteger(p.id) && p.id > 0, `id: ${r.text}`);
  assert.equal(p.birth_date, '1949-12-31');
  assert.equal(p.sex, 'F');
  assert.equal(p.region_code, QILONG);
  goodPerson = p;
  const g = assertStatus(await admin.get(`/api/persons/${p.id}`), 200);
  assert.equal(g.birth_date, '1949-12-31');
  assert.equal(g.sex, 'F');
  assert.equal(g.name, '张秀英');
  assert.equal(g.id_number, maskId(GOOD), 'a single read without full_id is masked');
  assert.equal(g.id_number_masked, true);
  assert.equal(typeof g.age, 'number');
  assert.ok(g.age >= 76, `age of someone born 1949-12-31: ${g.age}`);
});

it('the same ID number again answers 409 with existing_id', async () => {
  assert.ok(goodPerson, 'needs the person created above');
  const r = await admin.post('/api/persons', { name: '另一个人', id_number: GOOD, region_code: VILLAGE_B });
  const e = assertError(r, 409);
  assert.equal(e.existing_id, goodPerson.id);
  // The same number written differently (lower-case x) is the same person.
  const r2 = await admin.post('/api/persons', { name: '另一个人', id_number: GOOD.toLowerCase(), region_code: QILONG });
  assert.equal(assertError(r2, 409).existing_id, goodPerson.id);
});

async function fullNumber(id) {
  const r = await admin.get(`/api/persons/${id}?full_id=1&reason=${encodeURIComponent('核对录入')}`);
  const p = assertStatus(r, 200);
  assert.equal(p.id_number_masked, false, `full read: ${r.text}`);
  return p.id_number;
}

it('a lower-case x is accepted and stored upper-case', async () => {
  const n = makeIdNumber({ wantCheck: 'X' });
  const p = assertStatus(await admin.post('/api/persons', { name: uniqueName('小写'), id_number: n.toLowerCase(), region_code: QILONG }), 201);
  assert.equal(await fullNumber(p.id), n);
  const s = assertStatus(await admin.get(`/api/persons?id_number=${n}`), 200);
  assert.equal(s.total, 1, 'search by the normalised number finds it');
  assert.equal(s.items[0].id, p.id);
});

it('full-width digits and surrounding blanks are accepted and stored as ASCII', async () => {
  const n = makeIdNumber({ wantCheck: 'X' });
  const p = assertStatus(await admin.post('/api/persons', { name: uniqueName('全角'), id_number: ` ${toFullWidth(n.toLowerCase())} `, region_code: QILONG }), 201);
  assert.equal(await fullNumber(p.id), n);
  const n2 = makeIdNumber({});
  const p2 = assertStatus(await admin.post('/api/persons', { name: uniqueName('全角'), id_number: toFullWidth(n2), region_code: QILONG }), 201);
  assert.equal(await fullNumber(p2.id), n2);
  // and searching with the full-width form finds the same person
  const s = assertStatus(await admin.get(`/api/persons?id_number=${encodeURIComponent(toFullWidth(n2))}`), 200);
  assert.deepEqual(s.items.map((x) => x.id), [p2.id]);
});

it('other broken ID numbers name the field and the rule', async () => {
  const cases = [
    ['50023119491231002', 'length'],
    ['5002311949123100212', 'length'],
    ['50023119491231A02X', 'characters'],
    [`500231${'20991231'}001`, 'birth_date'],
    [`500231${'19490230'}001`, 'birth_date'],
  ];
  for (const [raw, rule] of cases) {
    // give the complete ones a correct check char so only the named rule fails
    const n = raw.length === 17 && rule === 'birth_date' ? raw + checkChar(raw) : raw;
    const r = await admin.post('/api/persons', { name: '坏号码', id_number: n, region_code: QILONG });
    assertError(r, 400, { code: rule, field: 'id_number' });
  }
  assertError(await admin.post('/api/persons', { name: '没号码', region_code: QILONG }), 400, { field: 'id_number' });
});

it('persons in a list come masked', async () => {
  const s = assertStatus(await admin.get(`/api/persons?id_number=${GOOD}`), 200);
  assert.equal(s.total, 1);
  assert.equal(s.items[0].id_number, '110105********002X');
  assert.equal(s.items[0].id_number_masked, true);
  const all = assertStatus(await admin.get('/api/persons?per_page=200'), 200);
  assert.ok(all.items.length >= 1);
  for (const p of all.items) {
    assert.match(p.id_number, /^\d{6}\*{8}[\dX]{4}$/, `masked in a list: ${JSON.stringify(p)}`);
    assert.equal(p.id_number_masked, true);
  }
  // asking for full_id on a list does not unmask it
  const f = assertStatus(await admin.get(`/api/persons?id_number=${GOOD}&full_id=1&reason=x`), 200);
  assert.equal(f.items[0].id_number, '110105********002X');
});

it('search finds by ID number, by part of the name, by region, and pages', async () => {
  const tag = `翻页${process.pid % 997}`;
  const made = [];
  for (let i = 0; i < 25; i++) {
    const region = i < 20 ? VILLAGE_B : XINMIN_VILLAGE;
    made.push(await srv.createPerson({ name: `${tag}甲${String(i).padStart(2, '0')}乙`, region }));
  }
  // by exact number (full or masked forms are never searched)
  const one = assertStatus(await admin.get(`/api/persons?id_number=${made[3].full_id_number}`), 200);
  assert.deepEqual(one.items.map((p) => p.id), [made[3].id]);
  assert.equal(one.total, 1);
  // by part of the name, in the middle
  const byName = assertStatus(await admin.get(`/api/persons?name=${encodeURIComponent(`甲0`)}&per_page=200`), 200);
  const ids = new Set(byName.items.map((p) => p.id));
  for (let i = 0; i < 10; i++) assert.ok(ids.has(made[i].id), `name search 甲0 finds ${made[i].name}`);
  for (const p of byName.items) assert.ok(p.name.includes('甲0'), `name search returned ${p.name}`);
  // by region: the 5 in 新民镇's village, and the county prefix finds all
  const byRegion = assertStatus(await admin.get(`/api/persons?region=${XINMIN_VILLAGE}&name=${encodeURIComponent(tag)}`), 200);
  assert.equal(byRegion.total, 5);
  for (const p of byRegion.items) assert.equal(p.region_code, XINMIN_VILLAGE);
  const byTown = assertStatus(await admin.get(`/api/persons?region=${ZHOUJIA}&name=${encodeURIComponent(tag)}`), 200);
  assert.equal(byTown.total, 20, 'a township prefix finds its villages');
  // paging
  const q = `/api/persons?name=${encodeURIComponent(tag)}&per_page=10`;
  const p1 = assertStatus(await admin.get(`${q}&page=1`), 200);
  const p2 = assertStatus(await admin.get(`${q}&page=2`), 200);
  const p3 = assertStatus(await admin.get(`${q}&page=3`), 200);
  assert.equal(p1.total, 25);
  assert.equal(p1.page, 1);
  assert.equal(p2.page, 2);
  assert.equal(p1.per_page, 10);
  assert.equal(p1.items.length, 10);
  assert.equal(p2.items.length, 10);
  assert.equal(p3.items.length, 5);
  const seen = [...p1.items, ...p2.items, ...p3.items].map((p) => p.id);
  assert.equal(new Set(seen).size, 25, 'pages do not overlap');
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'ordered by id');
  assert.deepEqual(new Set(seen), new Set(made.map((p) => p.id)));
  // defaults and the cap
  const d = assertStatus(await admin.get(`/api/persons?name=${encodeURIComponent(tag)}`), 200);
  assert.equal(d.page, 1);
  assert.equal(d.per_page, 20);
  assert.equal(d.items.length, 20);
  const cap = assertStatus(await admin.get(`/api/persons?name=${encodeURIComponent(tag)}&per_page=500`), 200);
  assert.equal(cap.per_page, 200, 'per_page is capped at 200');
  assert.equal(cap.items.length, 25);
  const far = assertStatus(await admin.get(`${q}&page=9`), 200);
  assert.equal(far.items.length, 0);
  assert.equal(far.total, 25);
  // nonsense paging names the parameter
  assertError(await admin.get(`${q}&page=0`), 400, { field: 'page' });
  assertError(await admin.get(`/api/persons?name=${encodeURIComponent(tag)}&per_page=abc`), 400, { field: 'per_page' });
});

it('a household is created, lists its members, and a member can be made head', async () => {
  const addr = `${uniqueName('骑龙村')}组12号`;
  const hr = await admin.post('/api/households', { region_code: QILONG, address: addr });
  const h = assertStatus(hr, 201);
  assert.ok(Number.isInteger(h.id));
  const a = await srv.createPerson({ household: h, relation: 'self', sex: 'M' });
  const b = await srv.createPerson({ household: h, relation: 'spouse', sex: 'F' });
  const c = await srv.createPerson({ household: h, relation: 'child' });
  assert.equal(a.region_code, QILONG, 'a member takes the household region');
  assert.equal(a.household_id, h.id);
  const g = assertStatus(await admin.get(`/api/households/${h.id}`), 200);
  assert.equal(g.id, h.id);
  assert.equal(g.address, addr);
  assert.equal(g.region_code, QILONG);
  assert.equal(g.area_kind, 'rural', 'a village household defaults to rural');
  assert.equal(typeof g.region_name, 'string');
  assert.ok(g.region_name.length > 0);
  assert.deepEqual(new Set(g.members.map((m) => m.id)), new Set([a.id, b.id, c.id]));
  for (const m of g.members) assert.equal(m.id_number_masked, true, 'members are masked');
  // set head
  assertStatus(await admin.post(`/api/households/${h.id}/head`, { person_id: b.id }), 200);
  const g2 = assertStatus(await admin.get(`/api/households/${h.id}`), 200);
  assert.equal(g2.head_person_id, b.id);
  // a non-member cannot be head
  const outsider = await srv.createPerson({ region: QILONG });
  const bad = await admin.post(`/api/households/${h.id}/head`, { person_id: outsider.id });
  assert.ok([400, 409].includes(bad.status), `non-member as head: ${bad.status} ${bad.text}`);
  assertError(bad, bad.status);
  const g3 = assertStatus(await admin.get(`/api/households/${h.id}`), 200);
  assert.equal(g3.head_person_id, b.id, 'head unchanged after the refusal');
  // search by address part and by region
  const s = assertStatus(await admin.get(`/api/households?address=${encodeURIComponent(addr.slice(2, 8))}`), 200);
  assert.ok(s.items.some((x) => x.id === h.id), `address search: ${JSON.stringify(s)}`);
  const s2 = assertStatus(await admin.get(`/api/persons?household_id=${h.id}`), 200);
  assert.equal(s2.total, 3);
});

it('household input is checked: region must be a 12-digit existing code, address required', async () => {
  assertError(await admin.post('/api/households', { region_code: ZHOUJIA, address: '某地' }), 400, { field: 'region_code' });
  assertError(await admin.post('/api/households', { region_code: '500231103999', address: '某地' }), 400, { field: 'region_code' });
  assertError(await admin.post('/api/households', { region_code: QILONG }), 400, { field: 'address' });
  assertError(await admin.post('/api/households', { region_code: QILONG, address: '某地', area_kind: 'moon' }), 400, { field: 'area_kind' });
  assertError(await admin.get('/api/households/999999999'), 404);
  assertError(await admin.get('/api/persons/999999999'), 404);
  assertError(await admin.get('/api/persons/abc'), 404);
});

it('PATCH changes the phone and keeps the rest', async () => {
  const p = await srv.createPerson({ region: QILONG, phone: '13800138000' });
  const r = await admin.patch(`/api/persons/${p.id}`, { phone: '13900139000' });
  assert.ok(r.status === 200 || r.status === 204, `PATCH phone: ${r.status} ${r.text}`);
  const g = assertStatus(await admin.get(`/api/persons/${p.id}`), 200);
  assert.equal(g.phone, '13900139000');
  assert.equal(g.name, p.name);
  assert.equal(g.birth_date, p.birth_date);
  assertError(await admin.patch(`/api/persons/${p.id}`, { phone: 'call me' }), 400, { field: 'phone' });
});

it('PATCH cannot change the ID number (400 naming id_number, nothing changed)', async () => {
  const p = await srv.createPerson({ region: QILONG });
  const other = makeIdNumber({});
  const r = await admin.patch(`/api/persons/${p.id}`, { id_number: other, phone: '13700137000' });
  assertError(r, 400, { field: 'id_number' });
  assert.equal(await fullNumber(p.id), p.full_id_number);
  const g = assertStatus(await admin.get(`/api/persons/${p.id}`), 200);
  assert.notEqual(g.phone, '13700137000', 'a refused PATCH changes nothing');
});

it('bad enum values name their field', async () => {
  const base = () => ({ name: uniqueName('枚举'), id_number: makeIdNumber({}), region_code: QILONG });
  const cases = [
    [{ health: 'bad' }, 'health'],
    [{ work_capacity: 'lots' }, 'work_capacity'],
    [{ disability_type: 'tired', disability_grade: 2 }, 'disability_type'],
    [{ disability_type: 'visual', disability_grade: 7 }, 'disability_grade'],
    [{ region_code: '5002311' }, 'region_code'],
    [{ name: '' }, 'name'],
  ];
  for (const [extra, field] of cases) {
    assertError(await admin.post('/api/persons', { ...base(), ...extra }), 400, { field });
  }
  const h = await srv.createHousehold({ region: QILONG });
  assertError(await admin.post('/api/persons', { ...base(), household_id: h.id, relation: 'cousin' }), 400, { field: 'relation' });
  const p = await srv.createPerson({ region: QILONG });
  assertError(await admin.patch(`/api/persons/${p.id}`, { health: 'bad' }), 400, { field: 'health' });
  // valid values are taken
  const ok = assertStatus(await admin.post('/api/persons', { ...base(), health: 'chronic', work_capacity: 'partial', disability_type: 'visual', disability_grade: 2 }), 201);
  assert.equal(ok.health, 'chronic');
  assert.equal(ok.work_capacity, 'partial');
  assert.equal(ok.disability_type, 'visual');
  assert.equal(ok.disability_grade, 2);
});

it('the same ID number sent several times at once creates one person; the others get 409 naming it', async () => {
  const n = makeIdNumber({});
  const answers = await Promise.all(Array.from({ length: 6 }, (_, k) =>
    admin.post('/api/persons', { name: uniqueName(`并发${k}`), id_number: n, region_code: QILONG })));
  const created = answers.filter((r) => r.status === 201);
  assert.equal(created.length, 1, `exactly one 201: ${answers.map((r) => `${r.status} ${r.text.slice(0, 80)}`).join(' | ')}`);
  for (const r of answers.filter((x) => x.status !== 201)) {
    assert.equal(assertError(r, 409).existing_id, created[0].json.id);
  }
  const s = assertStatus(await admin.get(`/api/persons?id_number=${n}`), 200);
  assert.equal(s.total, 1);
});

it('every write lands in the audit trail with who did it', async () => {
  const h = await srv.createHousehold({ region: QILONG });
  const p = await srv.createPerson({ household: h, relation: 'self' });
  assertStatus(await admin.patch(`/api/persons/${p.id}`, { phone: '13600136000' }), 200);
  const ins = await srv.as('inspector');
  const pa = assertStatus(await ins.get(`/api/audit?entity=person&entity_id=${p.id}`), 200);
  const actions = pa.items.map((a) => a.action);
  assert.ok(actions.some((a) => a.startsWith('person.create')), `person create audited: ${actions}`);
  assert.ok(actions.some((a) => a.startsWith('person.update')), `person update audited: ${actions}`);
  for (const a of pa.items) {
    assert.equal(a.username, 'admin');
    assert.equal(a.region_code, QILONG);
    assert.match(a.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'UTC time');
  }
  const ha = assertStatus(await ins.get(`/api/audit?entity=household&entity_id=${h.id}`), 200);
  assert.ok(ha.items.some((a) => a.action.startsWith('household.create')), `household create audited: ${ha.items.map((a) => a.action)}`);
  // refused writes leave no entry
  const before = assertStatus(await ins.get('/api/audit?per_page=1'), 200).total;
  assertError(await admin.patch(`/api/persons/${p.id}`, { health: 'bad' }), 400);
  const after = assertStatus(await ins.get('/api/audit?per_page=1'), 200).total;
  assert.equal(after, before, 'a refused write is not audited as a change');
});

it('PATCH region_code of a person without a household moves them, or is refused naming the field; never ignored', async () => {
  const p = await srv.createPerson({ region: QILONG });
  const r = await admin.patch(`/api/persons/${p.id}`, { region_code: VILLAGE_B });
  const g = assertStatus(await admin.get(`/api/persons/${p.id}`), 200);
  if (r.status === 200) {
    assert.equal(g.region_code, VILLAGE_B, `PATCH answered 200 but region_code is still ${g.region_code}: the field was silently ignored`);
  } else {
    assertError(r, 400, { field: 'region_code' });
    assert.equal(g.region_code, QILONG);
  }
});
