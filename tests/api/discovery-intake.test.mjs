// discovery-intake.test.mjs - how reports come in: a repeated submission
// (Idempotency-Key header or client_key in the body) is stored once; a
// report about a person who already has open work answers with that work;
// photos are checked by content, limited to 6 and shown only to those who
// may see the report; resident self-reports are unverified and limited per
// address; every invalid field is named.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  startServer, serverTest, assertStatus, assertError, uniqueName, tinyPng, tinyJpeg, uploadPhoto,
  reportBody, reportOf, driveCase, checkChar, makeIdNumber, maskId, toFullWidth, DISCOVERY_USERS, QILONG, XINMIN_VILLAGE,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv);

before(async () => { srv = await startServer({ tag: 'intake', users: DISCOVERY_USERS }); });
after(async () => { await srv?.stop(); });

async function myReportsNamed(client, name) {
  const l = assertStatus(await client.get('/api/reports?mine=1&per_page=200'), 200);
  assert.ok(Array.isArray(l.items), 'list has items');
  for (const x of l.items) assert.equal(x.reporter?.username, client.user.username, 'mine=1 lists only my reports');
  return l.items.filter((x) => x.subject_name === name);
}

it('the same report sent twice with one Idempotency-Key is stored once', async () => {
  const c = await srv.as('couriera');
  const body = reportBody({ categories: ['elderly_alone'], description: '独居老人，无人照料' });
  const headers = { 'Idempotency-Key': `intake-${process.pid}-1` };
  const first = await c.post('/api/reports', body, { headers });
  assertStatus(first, 201);
  const second = await c.post('/api/reports', body, { headers });
  assert.ok(second.status === 201 || second.status === 200, `replay: ${second.status} ${second.text}`);
  assert.equal(reportOf(second.json).id, first.json.id, 'the replay answers with the same report');
  assert.equal(second.status, 201, 'the replay repeats the stored status');
  assert.equal(second.headers.get('idempotent-replay'), 'true');
  // the same key with another body is refused
  assertError(await c.post('/api/reports', { ...body, description: '改了内容' }, { headers }), 409, { code: 'idempotency_key_reused' });
  const mine = await myReportsNamed(c, body.subject_name);
  assert.deepEqual(mine.map((x) => x.id), [first.json.id], 'stored once');
});

it('the same client_key from the same reporter is stored once and answered 200 with the same report', async () => {
  const c = await srv.as('couriera');
  const body = reportBody({ client_key: `offline-${process.pid}-7f3a`, categories: ['accident'], description: '车祸受伤，无力支付医疗费' });
  const first = assertStatus(await c.post('/api/reports', body), 201);
  const again = await c.post('/api/reports', body);
  assertStatus(again, 200);
  assert.equal(again.json.id, first.id, `same report: ${again.text}`);
  assert.equal(again.json.duplicate, undefined, 'a resend is not a duplicate report');
  const mine = await myReportsNamed(c, body.subject_name);
  assert.deepEqual(mine.map((x) => x.id), [first.id], 'stored once');

  // another reporter's identical client_key is their own report
  const other = await srv.as('assistanta');
  const theirs = await other.post('/api/reports', { ...body, subject_name: uniqueName('另报') });
  assertStatus(theirs, 201);
  assert.notEqual(theirs.json.id, first.id);
});

it('a report about a person with an open case answers 200 with the case', async () => {
  const hh = await srv.createHousehold({ region: QILONG });
  const p = await srv.createPerson({ household: hh, relation: 'self' });
  const chain = await driveCase(srv, { reportOver: { person_id: p.id, subject_name: p.name } });
  assert.equal(chain.case.person_id, p.id);
  const c = await srv.as('couriera');
  const r = await c.post('/api/reports', reportBody({ person_id: p.id, subject_name: p.name }));
  assertStatus(r, 200);
  assert.deepEqual({ kind: r.json.duplicate?.kind, id: r.json.duplicate?.id }, { kind: 'case', id: chain.case.id });
  assert.equal(r.json.duplicate.status, 'open');
  assert.equal(r.json.report.status, 'merged');
  assert.equal(r.json.report.duplicate_of?.kind, 'case');
  assert.equal(r.json.report.duplicate_of?.id, chain.case.id);
  assert.notEqual(r.json.report.id, chain.report.id);
});

it('a report about a person with an open report answers with that report, by person id or by ID number', async () => {
  const p = await srv.createPerson({ region: QILONG });
  const c = await srv.as('couriera');
  const first = assertStatus(await c.post('/api/reports', reportBody({ person_id: p.id, subject_name: p.name })), 201);
  assert.equal(first.status, 'submitted');

  const byId = await (await srv.as('assistanta')).post('/api/reports', reportBody({ person_id: p.id, subject_name: p.name }));
  assertStatus(byId, 200);
  assert.equal(byId.json.duplicate?.kind, 'report');
  assert.equal(byId.json.duplicate?.id, first.id);
  assert.equal(byId.json.duplicate?.status, 'submitted');
  assert.equal(byId.json.report.status, 'merged');

  const byNumber = await c.post('/api/reports', reportBody({ subject_id_number: p.full_id_number, subject_name: p.name }));
  assertStatus(byNumber, 200);
  assert.equal(byNumber.json.duplicate?.kind, 'report');
  assert.equal(byNumber.json.duplicate?.id, first.id);
  assert.ok(!byNumber.text.includes(p.full_id_number), 'the answer never shows the full ID number');

  // without a person: same name, same village
  const name = uniqueName('无证');
  const a = assertStatus(await c.post('/api/reports', reportBody({ subject_name: name })), 201);
  const b = await c.post('/api/reports', reportBody({ subject_name: name, description: '再次上报' }));
  assertStatus(b, 200);
  assert.equal(b.json.duplicate?.kind, 'report');
  assert.equal(b.json.duplicate?.id, a.id);
});

it('photos: PNG and JPEG are stored by content hash; other bytes, and more than 6 photos, are refused', async () => {
  const c = await srv.as('couriera');
  const png = tinyPng(4242);
  const jpg = tinyJpeg(4242);
  const rp = await uploadPhoto(c, png, 'image/png');
  assert.ok(rp.status === 201 || rp.status === 200, `png upload: ${rp.status} ${rp.text}`);
  assert.equal(rp.json.sha256, createHash('sha256').update(png).digest('hex'));
  assert.equal(rp.json.mime, 'image/png');
  assert.equal(rp.json.bytes, png.length);
  const rj = await uploadPhoto(c, jpg, 'image/jpeg');
  assert.ok(rj.status === 201 || rj.status === 200, `jpeg upload: ${rj.status} ${rj.text}`);
  assert.equal(rj.json.sha256, createHash('sha256').update(jpg).digest('hex'));
  assert.equal(rj.json.mime, 'image/jpeg');
  assert.equal(rj.json.bytes, jpg.length);
  // the same bytes again: the same hash
  const again = await uploadPhoto(c, png, 'image/png');
  assert.ok(again.status === 201 || again.status === 200, `png again: ${again.status}`);
  assert.equal(again.json.sha256, rp.json.sha256);

  // text dressed as a PNG
  const fake = await uploadPhoto(c, Buffer.from('这不是图片，只是一段文字。not an image at all\n'), 'image/png');
  assert.ok(fake.status === 400 || fake.status === 415, `text as image/png: ${fake.status} ${fake.text}`);
  assertError(fake, fake.status, { field: 'body' });

  // a JPEG that says it is a PNG, and a photo over 5 MiB
  const liar = await uploadPhoto(c, tinyJpeg(77), 'image/png');
  assert.ok(liar.status === 400 || liar.status === 415, `jpeg as image/png: ${liar.status} ${liar.text}`);
  assertError(liar, liar.status, { field: 'body' });
  const big = Buffer.concat([png.subarray(0, 8), Buffer.alloc(5 * 1024 * 1024, 7)]);
  assertError(await uploadPhoto(c, big, 'image/png'), 413);
  // not an uploader of reports
  assertError(await uploadPhoto(await srv.as('rev_civil'), png, 'image/png'), 403);

  // a report with both photos; the uploader and the village see them
  const rep = assertStatus(await c.post('/api/reports', reportBody({ photos: [rp.json.sha256, rj.json.sha256] })), 201);
  assert.deepEqual(rep.photos, [rp.json.sha256, rj.json.sha256]);
  for (const who of ['couriera', 'assistanta', 'commanderz']) {
    const g = await (await srv.as(who)).get(`/api/photos/${rp.json.sha256}`);
    assert.equal(g.status, 200, `${who} fetches the photo: ${g.status} ${g.text.slice(0, 200)}`);
    assert.match(g.headers.get('content-type') || '', /^image\/png/);
  }
  const bytes = await fetch(`${srv.base}/api/photos/${rp.json.sha256}`, { headers: { Cookie: (await srv.as('assistanta')).cookie } });
  assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), png, 'the stored bytes come back unchanged');

  // a courier of another village, and of another township, may not
  for (const who of ['courierb', 'courierx']) {
    assertError(await (await srv.as(who)).get(`/api/photos/${rp.json.sha256}`), 404);
  }
  assertError(await c.get(`/api/photos/${'0'.repeat(64)}`), 404);

  // at most 6
  const seven = [];
  for (let i = 0; i < 7; i++) {
    const u = await uploadPhoto(c, tinyPng(9000 + i), 'image/png');
    assert.ok(u.status === 201 || u.status === 200, `upload ${i}: ${u.status}`);
    seven.push(u.json.sha256);
  }
  assertError(await c.post('/api/reports', reportBody({ photos: seven })), 400, { field: 'photos' });
  assertStatus(await c.post('/api/reports', reportBody({ photos: seven.slice(0, 6) })), 201);
  // a photo nobody uploaded
  assertError(await c.post('/api/reports', reportBody({ photos: ['f'.repeat(64)] })), 400, { field: 'photos' });
});

it('a resident self-report lands unverified; the 6th within an hour from one address answers 429', async () => {
  const anon = srv.anon();
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const r = await anon.post('/api/public/reports', {
      region_code: QILONG, subject_name: uniqueName('自报'), description: '本人患病无法劳动，家庭困难',
      categories: ['illness'], contact_phone: '13800138000',
    });
    assert.equal(r.status, 201, `public report ${i + 1}: ${r.status} ${r.text}`);
    ids.push(r.json.id ?? r.json.report?.id);
  }
  const sixth = await anon.post('/api/public/reports', {
    region_code: QILONG, subject_name: uniqueName('自报'), description: '第六次', categories: ['illness'], contact_phone: '13800138000',
  });
  assertError(sixth, 429);
  assert.ok(Number(sixth.headers.get('retry-after')) > 0, `Retry-After: ${sixth.headers.get('retry-after')}`);

  const a = await srv.as('assistanta');
  for (const id of ids) {
    assert.ok(Number.isInteger(id), `public report answered an id: ${id}`);
    const r = assertStatus(await a.get(`/api/reports/${id}`), 200);
    assert.equal(r.status, 'unverified');
    assert.equal(r.source, 'resident');
    assert.equal(r.reporter, null);
    assert.deepEqual(r.actions.map((x) => x.action).sort(), ['accept', 'dismiss']);
  }
  const list = assertStatus(await a.get('/api/reports?status=unverified&per_page=200'), 200);
  for (const id of ids) assert.ok(list.items.some((x) => x.id === id), `report ${id} in the unverified list`);
  assert.ok(list.items.every((x) => x.status === 'unverified'));
});

it('validation errors name their field', async () => {
  const c = await srv.as('couriera');
  assertError(await c.post('/api/reports', reportBody({ region_code: XINMIN_VILLAGE })), 403, { field: 'region_code' });
  assertError(await c.post('/api/reports', reportBody({ categories: [] })), 400, { field: 'categories' });
  assertError(await c.post('/api/reports', reportBody({ categories: ['bad_luck'] })), 400, { field: 'categories' });
  assertError(await c.post('/api/reports', reportBody({ urgency: 'soon' })), 400, { field: 'urgency' });
  assertError(await c.post('/api/reports', reportBody({ latitude: 91, longitude: 107.7 })), 400, { field: 'latitude' });
  assertError(await c.post('/api/reports', reportBody({ longitude: 181, latitude: 29.2 })), 400, { field: 'longitude' });
  assertError(await c.post('/api/reports', reportBody({ subject_name: '' })), 400, { field: 'subject_name' });
  assertError(await c.post('/api/reports', reportBody({ region_code: '5002311032' })), 400, { field: 'region_code' });
  const d17 = '50023119800101123';
  const wrong = checkChar(d17) === '0' ? '1' : '0';
  assertError(await c.post('/api/reports', reportBody({ subject_id_number: d17 + wrong })), 400, { field: 'subject_id_number' });
  // a person of another township
  const far = await srv.createPerson({ region: XINMIN_VILLAGE });
  const farR = await c.post('/api/reports', reportBody({ person_id: far.id, subject_name: far.name }));
  assert.ok([400, 403, 404].includes(farR.status), `person outside the region: ${farR.status} ${farR.text}`);
  if (farR.status !== 404) assertError(farR, farR.status, { field: 'person_id' });
  // nothing of these was stored
  const mine = assertStatus(await c.get('/api/reports?mine=1&per_page=200'), 200);
  assert.ok(!mine.items.some((x) => x.region_code === XINMIN_VILLAGE));
  // the public endpoint checks too
  const anonBad = await srv.anon().post('/api/public/reports', { region_code: QILONG, subject_name: '某', description: 'x', categories: [], contact_phone: '13800138000' });
  assert.ok(anonBad.status === 400 || anonBad.status === 429, `public bad categories: ${anonBad.status}`);
  if (anonBad.status === 400) assertError(anonBad, 400, { field: 'categories' });
});

it('an ID number of someone not in the registry is kept but never shown in full', async () => {
  const c = await srv.as('couriera');
  const idn = makeIdNumber({ sex: 'F' });
  const r = await c.post('/api/reports', reportBody({ subject_id_number: idn }));
  const rep = assertStatus(r, 201);
  assert.equal(rep.person_id, null);
  assert.equal(rep.subject_id_number, maskId(idn));
  assert.ok(!r.text.includes(idn));
  for (const who of ['couriera', 'assistanta', 'commanderz', 'admin']) {
    const one = await (await srv.as(who)).get(`/api/reports/${rep.id}`);
    assertStatus(one, 200);
    assert.ok(!one.text.includes(idn), `${who} GET shows no full number`);
    const list = await (await srv.as(who)).get('/api/reports?per_page=200');
    assert.ok(!list.text.includes(idn), `${who} list shows no full number`);
  }
  // a second report with the same number is the same subject
  const again = await (await srv.as('assistanta')).post('/api/reports', reportBody({ subject_id_number: toFullWidth(idn.toLowerCase()) }));
  assert.ok(again.status === 200 || again.status === 201, `${again.status} ${again.text}`);
  if (again.status === 200) assert.equal(again.json.duplicate?.id, rep.id);
});
