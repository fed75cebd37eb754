// protocol.test.mjs - the HTTP rules every endpoint shares: one error shape,
// body parsing and limits, 404/405, /healthz, static files that never leave
// the web root, and idempotency keys.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startServer, serverTest, assertError, assertStatus, rawRequest, uniqueName, QILONG,
  REQUEST_TIMEOUT_MS,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv);
let admin;

before(async () => {
  srv = await startServer({ tag: 'protocol' });
  admin = await srv.as('admin');
});

after(async () => { await srv?.stop(); });

async function healthy() {
  const r = await srv.anon().get('/healthz');
  assert.equal(r.status, 200, `/healthz after the previous request: ${r.status} ${r.text}`);
}

it('/healthz answers status ok with the version and a schema number', async () => {
  const r = await srv.anon().get('/healthz');
  const h = assertStatus(r, 200);
  assert.equal(h.status, 'ok');
  assert.equal(typeof h.version, 'string');
  assert.ok(h.version.length > 0);
  assert.equal(typeof h.schema, 'number');
  assert.ok(h.schema >= 1, `schema ${h.schema}`);
  assert.match(r.headers.get('content-type'), /^application\/json; ?charset=utf-8$/i);
});

it('API answers are JSON and not cached', async () => {
  for (const path of ['/api/me', '/api/persons', '/api/nope']) {
    const r = await admin.get(path);
    assert.match(r.headers.get('content-type') || '', /^application\/json; ?charset=utf-8$/i, `${path} content-type`);
    assert.match(r.headers.get('cache-control') || '', /no-store/, `${path} cache-control`);
    assert.ok(r.json !== null, `${path} body is JSON: ${r.text}`);
  }
});

it('malformed JSON answers 400 naming the field body', async () => {
  const bodies = ['{"region_code":', '{region_code: 1}', '{"a":1} trailing', '\u00ff\u00fe', '', '"just a string"', '[1,2]', 'null'];
  for (const raw of bodies) {
    const r = await admin.post('/api/households', undefined, { raw, contentType: 'application/json' });
    assertError(r, 400, { field: 'body' });
  }
  // invalid UTF-8 inside a string
  const bad = Buffer.concat([Buffer.from('{"region_code":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","address":"x"}')]);
  assertError(await admin.post('/api/households', undefined, { raw: bad, contentType: 'application/json' }), 400);
  await healthy();
});

it('deeply nested JSON is refused without harm', async () => {
  const raw = `${'['.repeat(200000)}${']'.repeat(200000)}`;
  const r = await admin.post('/api/households', undefined, { raw, contentType: 'application/json' });
  assertError(r, 400);
  await healthy();
});

it('a body that is not application/json answers 415', async () => {
  const json = JSON.stringify({ region_code: QILONG, address: '415 测试' });
  assertError(await admin.post('/api/households', undefined, { raw: json, contentType: 'text/plain' }), 415);
  assertError(await admin.post('/api/households', undefined, { raw: 'region_code=1', contentType: 'application/x-www-form-urlencoded' }), 415);
  assertError(await admin.post('/api/households', undefined, { raw: Buffer.from(json) }), 415); // no Content-Type at all
  // charset parameter is fine
  assertStatus(await admin.post('/api/households', undefined, { raw: json, contentType: 'application/json; charset=utf-8' }), 201);
  const s = assertStatus(await admin.get(`/api/households?address=${encodeURIComponent('415 测试')}`), 200);
  assert.equal(s.total, 1, 'only the accepted request wrote');
});

it('a 10 MB body answers 413 with the error shape, and the server stays up', async () => {
  const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
  big.write('{"region_code":"500231103201","address":"');
  big.write('"}', big.length - 2);
  let r;
  try {
    const res = await fetch(`${srv.base}/api/households`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
      body: big,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    r = { status: res.status, text, json: JSON.parse(text), headers: res.headers, method: 'POST', path: '/api/households (10 MB)' };
  } catch (e) {
    assert.fail(`the 413 answer to a 10 MB body must be readable, fetch failed: ${e.cause?.code || ''} ${e.message}`);
  }
  assertError(r, 413);
  await healthy();
  const s = assertStatus(await admin.get('/api/households?per_page=200'), 200);
  assert.ok(!s.items.some((h) => h.address && h.address.length > 1000), 'nothing was written');
});

it('a chunked body over 1 MiB answers 413 too', async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const stream = new ReadableStream({
    pull(ctrl) {
      if (sent === 0) ctrl.enqueue(Buffer.from('{"address":"'));
      if (sent >= 2 * 1024 * 1024) { ctrl.enqueue(Buffer.from('"}')); ctrl.close(); return; }
      ctrl.enqueue(chunk);
      sent += chunk.length;
    },
  });
  let status;
  try {
    const res = await fetch(`${srv.base}/api/households`, {
      method: 'POST', duplex: 'half', body: stream,
      headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = res.status;
    const j = JSON.parse(await res.text());
    assert.equal(typeof j.error?.code, 'string');
  } catch (e) {
    assert.fail(`the 413 answer to a chunked 2 MiB body must be readable: ${e.cause?.code || ''} ${e.message}`);
  }
  assert.equal(status, 413);
  await healthy();
});

it('an unknown /api path answers 404 with the error shape, signed in or not', async () => {
  assertError(await admin.get('/api/does-not-exist'), 404);
  assertError(await admin.get('/api/persons/1/nothing'), 404);
  assertError(await admin.post('/api/nothing/here', {}), 404);
  const anon = await srv.anon().get('/api/does-not-exist');
  assert.ok(anon.status === 404 || anon.status === 401, `anonymous unknown path: ${anon.status}`);
  assertError(anon, anon.status);
});

it('a wrong method on a known path answers 405 with Allow', async () => {
  const cases = [
    ['DELETE', '/api/persons', ['GET', 'POST']],
    ['PUT', '/api/persons/1', ['GET', 'PATCH']],
    ['GET', '/api/auth/login', ['POST']],
    ['POST', '/api/me', ['GET']],
    ['PATCH', '/api/households', ['GET', 'POST']],
  ];
  for (const [method, path, allowed] of cases) {
    const r = await admin.request(method, path, { body: method === 'GET' ? undefined : {} });
    assertError(r, 405);
    const allow = (r.headers.get('allow') || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    for (const m of allowed) assert.ok(allow.includes(m), `${method} ${path}: Allow "${allow}" should list ${m}`);
    assert.ok(!allow.includes(method), `${method} ${path}: Allow "${allow}" must not list ${method}`);
  }
  const h = await srv.anon().request('POST', '/healthz', { body: {} });
  assert.equal(h.status, 405, `POST /healthz: ${h.status}`);
  assert.match(h.headers.get('allow') || '', /GET/);
});

it('GET / serves the HTML page', async () => {
  const r = await fetch(`${srv.base}/`);
  const text = await r.text();
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/html/i);
  assert.match(text, /<html/i);
  assert.match(text, /civicare/);
  const i = await fetch(`${srv.base}/index.html`);
  assert.equal(i.status, 200);
  assert.equal(await i.text(), text);
});

const PASSWD_MARK = /root:[^:\n]*:0:0:/;

it('no path, however encoded, serves a file outside the web root', async () => {
  assert.match(readFileSync('/etc/passwd', 'utf8'), PASSWD_MARK, 'this machine has a root line in /etc/passwd to look for');
  const up = '../'.repeat(12);
  const paths = [
    '/../../etc/passwd',
    `/${up}etc/passwd`,
    '/%2e%2e/%2e%2e/etc/passwd',
    `/${'%2e%2e/'.repeat(12)}etc/passwd`,
    `/${'%2E%2E%2F'.repeat(12)}etc%2Fpasswd`,
    `/${'..%2f'.repeat(12)}etc%2fpasswd`,
    `/${'%2e%2e%5c'.repeat(12)}etc%5cpasswd`,
    `/${'..\\'.repeat(12)}etc\\passwd`,
    `/${'%252e%252e/'.repeat(12)}etc/passwd`,
    `/${'....//'.repeat(12)}etc/passwd`,
    `/${'.%2e/'.repeat(12)}etc/passwd`,
    `/${'%c0%ae%c0%ae/'.repeat(12)}etc/passwd`,
    `/assets/${up}etc/passwd`,
    `/api/${up}etc/passwd`,
    '//etc/passwd',
    '/etc/passwd',
    `/index.html/${up}etc/passwd`,
    `/${up}etc/passwd%00.html`,
    `/${up}etc/passwd?x=1`,
  ];
  for (const p of paths) {
    const r = await rawRequest(srv.addr, `GET ${p} HTTP/1.1\r\nHost: ${srv.addr}\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status >= 200 && r.status < 600, `GET ${p}: no HTTP answer: ${JSON.stringify(r.all.slice(0, 200))}`);
    assert.ok(!PASSWD_MARK.test(r.body), `GET ${p} served /etc/passwd (status ${r.status})`);
  }
  // an absolute-form request target too
  const r = await rawRequest(srv.addr, `GET http://${srv.addr}/../../../../etc/passwd HTTP/1.1\r\nHost: ${srv.addr}\r\nConnection: close\r\n\r\n`);
  assert.ok(!PASSWD_MARK.test(r.body), 'absolute-form target served /etc/passwd');
  await healthy();
});

it('the same Idempotency-Key and body twice creates one household and replays the answer', async () => {
  const key = `hh-${process.pid}-${Date.now()}`;
  const address = `${uniqueName('幂等')}号`;
  const body = { region_code: QILONG, address };
  const first = await admin.post('/api/households', body, { headers: { 'Idempotency-Key': key } });
  const h1 = assertStatus(first, 201);
  assert.notEqual((first.headers.get('idempotent-replay') || '').toLowerCase(), 'true', 'the first answer is no replay');
  const second = await admin.post('/api/households', body, { headers: { 'Idempotency-Key': key } });
  assert.equal(second.status, 201, `replay keeps the status: ${second.status} ${second.text}`);
  assert.equal(second.headers.get('idempotent-replay'), 'true');
  assert.equal(second.json.id, h1.id);
  assert.deepEqual(second.json, h1, 'the same body');
  const s = assertStatus(await admin.get(`/api/households?address=${encodeURIComponent(address)}`), 200);
  assert.equal(s.total, 1, 'only one household exists');
  // the key belongs to the user: another user with the same key is a new request
  const z = await srv.as('commanderz');
  const other = await z.post('/api/households', body, { headers: { 'Idempotency-Key': key } });
  assert.equal(other.status, 201);
  assert.notEqual(other.json.id, h1.id);
  assert.notEqual(other.headers.get('idempotent-replay'), 'true');
});

it('the same Idempotency-Key with a different body answers 409 idempotency_key_reused', async () => {
  const key = `hh2-${process.pid}-${Date.now()}`;
  const a1 = `${uniqueName('幂等')}号`;
  assertStatus(await admin.post('/api/households', { region_code: QILONG, address: a1 }, { headers: { 'Idempotency-Key': key } }), 201);
  const a2 = `${uniqueName('幂等')}号`;
  const r = await admin.post('/api/households', { region_code: QILONG, address: a2 }, { headers: { 'Idempotency-Key': key } });
  assertError(r, 409, { code: 'idempotency_key_reused' });
  const s = assertStatus(await admin.get(`/api/households?address=${encodeURIComponent(a2)}`), 200);
  assert.equal(s.total, 0, 'the second body was not written');
  // a failed request replays its failure as well (same key, same bad body)
  const k3 = `bad-${process.pid}-${Date.now()}`;
  const b1 = await admin.post('/api/households', { region_code: 'nope', address: 'x' }, { headers: { 'Idempotency-Key': k3 } });
  const b2 = await admin.post('/api/households', { region_code: 'nope', address: 'x' }, { headers: { 'Idempotency-Key': k3 } });
  assertError(b1, 400);
  assertError(b2, 400);
  // a key over 128 characters is refused
  const long = await admin.post('/api/households', { region_code: QILONG, address: 'x' }, { headers: { 'Idempotency-Key': 'k'.repeat(129) } });
  assertError(long, 400);
});

it('every error answer in this file had the one shape', async () => {
  // a last sweep over a mix of failures, signed in and not
  const anon = srv.anon();
  const rs = [
    await anon.get('/api/me'),
    await anon.post('/api/auth/login', { username: 'admin' }),
    await admin.get('/api/persons/0'),
    await admin.get('/api/persons?page=-1'),
    await admin.get('/api/divisions/999999'),
    await admin.post('/api/persons', {}),
  ];
  for (const r of rs) {
    assert.ok(r.status >= 400, `${r.method} ${r.path} should fail: ${r.status}`);
    assertError(r, r.status);
    assert.deepEqual(Object.keys(r.json), ['error'], `${r.method} ${r.path}: only "error" at the top: ${r.text}`);
  }
});

it('the same Idempotency-Key sent several times at once still creates one household', async () => {
  const key = `race-${process.pid}-${Date.now()}`;
  const address = `${uniqueName('并发幂等')}号`;
  const body = { region_code: QILONG, address };
  const answers = await Promise.all(Array.from({ length: 6 }, () =>
    admin.post('/api/households', body, { headers: { 'Idempotency-Key': key } })));
  const ok = answers.filter((r) => r.status === 201);
  assert.ok(ok.length >= 1, `at least one 201: ${answers.map((r) => r.status)}`);
  assert.equal(new Set(ok.map((r) => r.json.id)).size, 1, `every 201 names the same household: ${ok.map((r) => r.text)}`);
  for (const r of answers.filter((x) => x.status !== 201)) {
    assertError(r, 409); // a concurrent duplicate may be told to retry, never served a second household
  }
  const s = assertStatus(await admin.get(`/api/households?address=${encodeURIComponent(address)}`), 200);
  assert.equal(s.total, 1, 'only one household exists');
});
