// auth.test.mjs - sign-in: an HttpOnly SameSite=Strict session cookie with a
// CSRF token for every write, bearer tokens for API clients, logout and
// password resets that end sessions, one answer for every bad credential,
// throttling of repeated failures, and nothing but the public routes without
// a session.
//
// Failed logins are also counted per address (all of these come from
// 127.0.0.1), so the throttling test runs last.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, serverTest, assertError, assertStatus, sessionCookie, Client,
  FIXTURE_USERS, PASSWORD, QILONG,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv);

before(async () => {
  srv = await startServer({
    tag: 'auth',
    users: [...FIXTURE_USERS,
      { username: 'victim', role: 'courier', region: QILONG },
      { username: 'leaver', role: 'assistant', region: QILONG },
      { username: 'throttled', role: 'courier', region: QILONG }],
  });
});

after(async () => { await srv?.stop(); });

it('login sets an HttpOnly SameSite=Strict session cookie and returns the CSRF token and user', async () => {
  const r = await srv.anon().post('/api/auth/login', { username: 'couriera', password: PASSWORD });
  const body = assertStatus(r, 200);
  const cookies = r.headers.getSetCookie();
  const c = cookies.find((x) => x.startsWith('civicare_session='));
  assert.ok(c, `Set-Cookie civicare_session: ${cookies}`);
  assert.match(c, /;\s*HttpOnly/i);
  assert.match(c, /;\s*SameSite=Strict/i);
  assert.match(c, /;\s*Path=\//i);
  assert.ok(!/civicare_session=;/.test(c), 'the cookie has a value');
  assert.equal(typeof body.csrf_token, 'string');
  assert.ok(body.csrf_token.length >= 16, 'a CSRF token of some strength');
  assert.ok(!c.includes(body.csrf_token), 'the CSRF token is not the session token');
  assert.equal(body.user.username, 'couriera');
  assert.equal(body.user.role, 'courier');
  assert.equal(body.user.region_code, QILONG);
  assert.ok(body.expires_at, 'expires_at given');
  assert.ok(!('token' in body) || body.token === null, 'a cookie login does not hand out the token in the body');
  assert.ok(!JSON.stringify(body).includes('password'), 'no password material in the answer');
  // the cookie works
  const cl = new Client(srv, { cookie: sessionCookie(r.headers), csrf: body.csrf_token });
  const me = assertStatus(await cl.get('/api/me'), 200);
  assert.equal(me.user.username, 'couriera');
  assert.equal(me.user.region_code, QILONG);
  assert.equal(typeof me.user.region_name, 'string');
  assert.ok(Array.isArray(me.permissions));
  assert.ok(me.permissions.includes('person.read'));
  assert.ok(!me.permissions.includes('person.write'), 'a courier cannot write persons');
});

it('a wrong password answers 401 credentials, and an unknown user the very same', async () => {
  const anon = srv.anon();
  const wrong = await anon.post('/api/auth/login', { username: 'assistanta', password: 'not-the-password' });
  const unknown = await anon.post('/api/auth/login', { username: 'nobody-here', password: 'not-the-password' });
  const e1 = assertError(wrong, 401, { code: 'credentials' });
  const e2 = assertError(unknown, 401, { code: 'credentials' });
  assert.deepEqual(e1, e2, 'the two refusals must not tell names apart');
  assert.equal(wrong.headers.getSetCookie().filter((c) => /civicare_session=[^;]+/.test(c)).length, 0, 'no session on failure');
});

it('a cookie write without X-CSRF-Token answers 403 csrf; with it the write works', async () => {
  const admin = await srv.login('admin');
  const body = { region_code: QILONG, address: 'CSRF 测试 1 号' };
  assertError(await admin.post('/api/households', body, { csrf: false }), 403, { code: 'csrf' });
  assertError(await admin.post('/api/households', body, { csrf: false, headers: { 'X-CSRF-Token': 'forged' } }), 403, { code: 'csrf' });
  const other = await srv.login('commanderz');
  assertError(await admin.post('/api/households', body, { csrf: false, headers: { 'X-CSRF-Token': other.csrf } }), 403,
    { code: 'csrf' });
  const s = assertStatus(await admin.get(`/api/households?address=${encodeURIComponent('CSRF 测试')}`), 200);
  assert.equal(s.total, 0, 'the refused writes wrote nothing');
  assertStatus(await admin.post('/api/households', body), 201);
  // PATCH is a write too
  const p = await srv.createPerson({ region: QILONG });
  assertError(await admin.patch(`/api/persons/${p.id}`, { phone: '13800000001' }, { csrf: false }), 403, { code: 'csrf' });
  assertStatus(await admin.patch(`/api/persons/${p.id}`, { phone: '13800000001' }), 200);
});

it('a bearer login returns a token that works without CSRF', async () => {
  const r = await srv.anon().post('/api/auth/login', { username: 'admin', password: PASSWORD, client: 'bearer' });
  const body = assertStatus(r, 200);
  assert.equal(typeof body.token, 'string');
  assert.ok(body.token.length >= 32);
  const b = new Client(srv, { bearer: body.token });
  assert.equal(assertStatus(await b.get('/api/me'), 200).user.username, 'admin');
  assertStatus(await b.post('/api/households', { region_code: QILONG, address: 'Bearer 测试 2 号' }), 201);
  // a made-up token is no session
  const fake = new Client(srv, { bearer: 'A'.repeat(43) });
  assertError(await fake.get('/api/me'), 401);
  assertError(await new Client(srv, { bearer: '' }).get('/api/me'), 401);
});

it('logout ends the session: the next call answers 401', async () => {
  const c = await srv.login('assistanta');
  assertStatus(await c.get('/api/me'), 200);
  const r = await c.post('/api/auth/logout', {});
  assert.ok(r.status === 200 || r.status === 204, `logout: ${r.status} ${r.text}`);
  const cleared = r.headers.getSetCookie().find((x) => x.startsWith('civicare_session='));
  assert.ok(cleared, 'logout clears the cookie');
  assert.match(cleared, /Max-Age=0|Expires=[^;]*19[7-9]\d/i);
  assertError(await c.get('/api/me'), 401);
  assertError(await c.get('/api/persons'), 401);

  const b = await srv.login('assistanta', { bearer: true });
  assertStatus(await b.get('/api/me'), 200);
  const rb = await b.post('/api/auth/logout', {});
  assert.ok(rb.status === 200 || rb.status === 204, `bearer logout: ${rb.status} ${rb.text}`);
  assertError(await b.get('/api/me'), 401);
});

it('logging out one session leaves the same user\'s other sessions alone', async () => {
  const one = await srv.login('leaver');
  const two = await srv.login('leaver', { bearer: true });
  assertStatus(await one.post('/api/auth/logout', {}), 200);
  assertStatus(await two.get('/api/me'), 200);
});

it('a password reset ends that user\'s sessions and the new password works', async () => {
  const v1 = await srv.login('victim');
  const v2 = await srv.login('victim', { bearer: true });
  const admin = await srv.as('admin');
  const users = assertStatus(await admin.get('/api/users?per_page=200'), 200);
  const victim = users.items.find((u) => u.username === 'victim');
  assert.ok(victim, 'victim in the user list');
  assertError(await admin.post(`/api/users/${victim.id}/reset-password`, { password: 'short' }), 400, { field: 'password' });
  const r = await admin.post(`/api/users/${victim.id}/reset-password`, { password: 'A-new-password-9' });
  assert.ok(r.status === 200 || r.status === 204, `reset: ${r.status} ${r.text}`);
  assertError(await v1.get('/api/me'), 401);
  assertError(await v2.get('/api/me'), 401);
  const v3 = await srv.login('victim', { password: 'A-new-password-9' });
  assertStatus(await v3.get('/api/me'), 200);
});

it('without a session every route but the public ones answers 401', async () => {
  const anon = srv.anon();
  const doc = assertStatus(await anon.get('/api/openapi.json'), 200);
  const bogusCookie = new Client(srv, { cookie: 'civicare_session=bm90LWEtc2Vzc2lvbi1hdC1hbGwtbm9wZS1ub3BlLW5vcGU', csrf: 'x' });
  const checked = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      if (op['x-permission'] === 'public') continue;
      const concrete = path.replace(/\{code\}/g, QILONG).replace(/\{[^}]+\}/g, '1');
      const body = method === 'get' ? undefined : {};
      for (const [who, c] of [['anonymous', anon], ['bogus cookie', bogusCookie]]) {
        const r = await c.request(method.toUpperCase(), concrete, { body });
        assert.equal(r.status, 401, `${who} ${method.toUpperCase()} ${concrete}: expected 401, got ${r.status} ${r.text}`);
        assertError(r, 401);
      }
      checked.push(`${method} ${path}`);
    }
  }
  assert.ok(checked.length >= 10, `walked the signed-in routes: ${checked}`);
  // the public ones do answer
  assertStatus(await anon.get('/healthz'), 200);
});

it('repeated wrong passwords for one account end in 429, and then even the right password is refused', async () => {
  const anon = srv.anon();
  const first = await anon.post('/api/auth/login', { username: 'throttled', password: 'wrong-1' });
  assertError(first, 401, { code: 'credentials' });
  let limited = null;
  let attempts = 1;
  for (; attempts < 15 && !limited; attempts++) {
    const r = await anon.post('/api/auth/login', { username: 'throttled', password: `wrong-${attempts + 1}` });
    if (r.status === 429) limited = r;
    else assertError(r, 401, { code: 'credentials' });
  }
  assert.ok(limited, `no 429 after ${attempts} wrong passwords`);
  assert.ok(attempts >= 3, `the first few failures are not throttled (429 after ${attempts})`);
  assertError(limited, 429);
  const ra = limited.headers.get('retry-after');
  assert.match(ra || '', /^\d+$/, `429 carries Retry-After seconds: ${ra}`);
  assert.ok(Number(ra) >= 1);
  const right = await anon.post('/api/auth/login', { username: 'throttled', password: PASSWORD });
  assertError(right, 429);
  assert.equal(right.headers.getSetCookie().filter((c) => /civicare_session=[^;]+/.test(c)).length, 0);
});
