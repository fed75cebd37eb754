// discovery-notify.test.mjs - messages leave with the change that caused
// them: accepting a report puts case.assigned in the owner's inbox; the
// webhook receives every outbox message exactly once, signed, even when
// the server is killed while the receiver is down; a referral past its
// deadline shows on the escalation list of its township's commander (the
// clock is moved 40 days by a setting, not by sleeping) and nobody else's.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  startServer, serverTest, assertStatus, sqlite, freePort, pollUntil, sleep, WebhookReceiver,
  driveCase, reportBody, DISCOVERY_USERS, QILONG, XINMIN_VILLAGE,
} from './harness.mjs';

const SECRET = 'test-secret';
const FORTY_DAYS = 40 * 86400;
let srv;
let receiver;
let webhookEnv;
const FLAGS = ['--webhook-backoff-max', '1'];
const it = serverTest(() => srv, { timeout: 300_000 });

before(async () => {
  receiver = new WebhookReceiver(await freePort());   // down until the crash test starts it
  webhookEnv = {
    CIVICARE_WEBHOOK_URL: receiver.url,
    CIVICARE_WEBHOOK_SECRET: SECRET,
    CIVICARE_WEBHOOK_MAX_ATTEMPTS: '1000',
    CIVICARE_WORKER_INTERVAL_MS: '200',
  };
  srv = await startServer({ tag: 'notify', users: DISCOVERY_USERS, env: webhookEnv, extraArgs: FLAGS });
});

after(async () => {
  await receiver?.close();
  await srv?.stop();
});

async function inbox(username) {
  return assertStatus(await (await srv.as(username)).get('/api/inbox?per_page=200'), 200);
}

it('accepting a report puts case.assigned in the owner\'s inbox; a new report reaches the village assistants', async () => {
  const c = await srv.as('couriera');
  const rep = assertStatus(await c.post('/api/reports', reportBody()), 201);
  const got = await pollUntil(async () => (await inbox('assistanta')).items.find((m) => m.kind === 'report.new' && new RegExp(`/reports/${rep.id}\\b`).test(String(m.link))), { timeoutMs: 30_000 });
  assert.ok(got, 'report.new reached assistanta\'s inbox (link names the report)');
  assert.ok(!(await inbox('assistantx')).items.some((m) => m.kind === 'report.new' && String(m.link || '').includes(`/${rep.id}`)),
    'the assistant of another township is not told');

  const a = await srv.as('assistanta');
  const acc = assertStatus(await a.post(`/api/reports/${rep.id}/accept`, {}), 200);
  const msg = await pollUntil(async () => (await inbox('assistanta')).items.find((m) => m.kind === 'case.assigned'), { timeoutMs: 30_000 });
  assert.ok(msg, 'case.assigned reached the owner\'s inbox');
  assert.match(String(msg.link), new RegExp(`/cases/${acc.case.id}\\b`));
  assert.ok(typeof msg.title === 'string' && msg.title.length > 0);
  assert.match(msg.message_id, /^[0-9a-f]{32}$/);
  assert.equal(msg.read_at, null);
  const box = await inbox('assistanta');
  assert.ok(box.unread >= 1 && box.total >= box.unread, `unread ${box.unread} total ${box.total}`);
  assert.ok(!(await inbox('assistantb')).items.some((m) => m.kind === 'case.assigned'), 'only the owner gets case.assigned');

  // mark read
  assertStatus(await a.request('POST', `/api/inbox/${msg.id}/read`), 200);
  const after = await inbox('assistanta');
  assert.ok(after.items.find((m) => m.id === msg.id).read_at, 'read_at set');
  assert.equal(after.unread, box.unread - 1);
  // another user's message is not theirs to mark
  const b = await srv.as('assistantb');
  assert.equal((await b.request('POST', `/api/inbox/${msg.id}/read`)).status, 404);
});

function verify(h) {
  const ts = h.headers['x-civicare-timestamp'];
  const sig = String(h.headers['x-civicare-signature'] || '');
  if (!ts || !sig) return `missing headers: ${JSON.stringify(h.headers)}`;
  const want = createHmac('sha256', SECRET).update(`${ts}.${h.body}`).digest('hex');
  const got = sig.replace(/^sha256=/, '');
  if (got.length !== want.length || !timingSafeEqual(Buffer.from(got), Buffer.from(want))) return `bad signature ${sig} (want sha256=${want})`;
  return null;
}

function messageIdOf(h) {
  let body = null;
  try { body = JSON.parse(h.body); } catch { /* not JSON */ }
  return h.headers['x-civicare-message-id'] || body?.message_id || body?.id;
}

it('webhook: every outbox message arrives exactly once, signed, across a SIGKILL while the receiver was down', async () => {
  // work that writes messages: reports (report.new), accepts (case.assigned),
  // routes (referral.created)
  for (let i = 0; i < 3; i++) await driveCase(srv, { route: ['temporary', 'medical'] });
  for (let i = 0; i < 2; i++) await driveCase(srv, {});

  // the worker has tried and failed (the receiver is down)
  const tried = await pollUntil(async () => Number((await sqlite(srv.db, "SELECT COUNT(*) FROM outbox WHERE attempts > 0 AND webhook_state = 'pending';")).trim()) > 0, { timeoutMs: 30_000 });
  assert.ok(tried, 'the worker tried the webhook while the receiver was down');

  await srv.kill();
  const ids = (await sqlite(srv.db, 'SELECT message_id FROM outbox ORDER BY id;')).split('\n').map((x) => x.trim()).filter(Boolean);
  assert.ok(ids.length >= 13, `outbox holds the messages written (${ids.length})`);
  assert.equal(receiver.received.length, 0, 'nothing could arrive while the receiver was down');

  await receiver.listen();
  await srv.restart({ env: webhookEnv, extraArgs: FLAGS });
  const all = await pollUntil(() => {
    const seen = new Set(receiver.received.map(messageIdOf));
    return ids.every((id) => seen.has(id));
  }, { timeoutMs: 60_000 });
  const seenNow = new Set(receiver.received.map(messageIdOf));
  assert.ok(all, `every message arrived within 60 s; missing: ${ids.filter((id) => !seenNow.has(id)).join(', ')}`);
  await sleep(3000);   // any repeat would come now

  const count = new Map();
  for (const h of receiver.received) count.set(messageIdOf(h), (count.get(messageIdOf(h)) || 0) + 1);
  const twice = [...count].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no message arrived twice');
  const bad = receiver.received.map((h) => [messageIdOf(h), verify(h)]).filter(([, why]) => why);
  assert.deepEqual(bad, [], 'every signature verifies');
  for (const h of receiver.received) {
    assert.equal(h.method, 'POST');
    assert.equal(h.url, '/hook');
    assert.match(String(h.headers['content-type']), /^application\/json/);
    const body = JSON.parse(h.body);
    assert.equal(typeof body.kind, 'string', `body has a kind: ${h.body.slice(0, 200)}`);
    assert.equal(body.id, h.headers['x-civicare-message-id'], 'the body names the message id of the header');
    assert.ok(Math.abs(Number(h.headers['x-civicare-timestamp']) - h.at / 1000) < 120, 'the timestamp is now');
  }
  const kinds = new Set(receiver.received.map((h) => JSON.parse(h.body).kind));
  for (const k of ['report.new', 'case.assigned', 'referral.created']) assert.ok(kinds.has(k), `webhook carried ${k}: ${[...kinds]}`);
  // and each inbox holds each message once
  for (const u of ['assistanta', 'rev_civil', 'rev_medical']) {
    const box = await inbox(u);
    const mids = box.items.map((m) => m.message_id);
    assert.equal(new Set(mids).size, mids.length, `${u}'s inbox has no repeats`);
    assert.ok(mids.length > 0, `${u} got messages`);
  }
  const states = (await sqlite(srv.db, "SELECT webhook_state, COUNT(*) FROM outbox WHERE message_id IN (" + ids.map((x) => `'${x}'`).join(',') + ') GROUP BY 1;')).trim();
  assert.equal(states, `sent|${ids.length}`, 'the outbox marks them sent');
});

it('a message the receiver keeps refusing is parked after the configured attempts; an admin retry delivers it once', async () => {
  receiver.status = 500;
  await srv.restart({ env: { ...webhookEnv, CIVICARE_WEBHOOK_MAX_ATTEMPTS: '2' }, extraArgs: FLAGS });
  const n0 = receiver.received.length;
  const rep = assertStatus(await (await srv.as('couriera')).post('/api/reports', reportBody()), 201);
  const admin = await srv.as('admin');
  const parked = await pollUntil(async () => {
    const l = assertStatus(await admin.get('/api/outbox?state=parked&per_page=200'), 200);
    return l.items.find((m) => m.kind === 'report.new' && new RegExp(`/reports/${rep.id}\\b`).test(String(m.link)));
  }, { timeoutMs: 30_000 });
  assert.ok(parked, 'the report.new message is parked');
  assert.equal(parked.webhook_state, 'parked');
  assert.equal(parked.attempts, 2, 'parked after webhook_max_attempts = 2 tries');
  const tries = receiver.received.slice(n0).filter((h) => messageIdOf(h) === parked.message_id);
  assert.equal(tries.length, 2, 'the receiver saw exactly the two refused tries');
  // not parked: nothing to retry
  const sent = assertStatus(await admin.get('/api/outbox?state=sent&per_page=1'), 200).items[0];
  assert.ok(sent, 'a sent message exists');
  assert.equal((await admin.request('POST', `/api/outbox/${sent.id}/retry`)).status, 409);
  // an assistant may not retry
  assert.equal((await (await srv.as('assistanta')).request('POST', `/api/outbox/${parked.id}/retry`)).status, 403);

  receiver.status = 200;
  assertStatus(await admin.request('POST', `/api/outbox/${parked.id}/retry`), 200);
  const ok = await pollUntil(async () => {
    const l = assertStatus(await admin.get('/api/outbox?state=sent&per_page=200'), 200);
    return l.items.find((m) => m.id === parked.id);
  }, { timeoutMs: 30_000 });
  assert.ok(ok, 'the retried message is sent');
  const after = receiver.received.slice(n0).filter((h) => messageIdOf(h) === parked.message_id);
  assert.equal(after.length, 3, 'two refusals, then one delivery');
  assert.equal(verify(after[2]), null);
  const audit = assertStatus(await admin.get(`/api/audit?action=outbox.retry&per_page=20`), 200);
  assert.ok(audit.items.some((x) => String(x.entity_id) === String(parked.id)), 'the retry is audited');
});

it('a referral past its deadline is escalated to its township\'s commander only (clock moved 40 days)', async () => {
  const chain = await driveCase(srv, { route: ['temporary'] });
  const referral = chain.referrals[0];
  const openCase = await driveCase(srv, {});   // accepted, never visited
  const outside = await driveCase(srv, { reporter: 'courierx', owner: 'assistantx', region: XINMIN_VILLAGE, route: ['temporary'] });

  // not overdue today
  const z0 = assertStatus(await (await srv.as('commanderz')).get('/api/escalations'), 200);
  assert.ok(!z0.items.some((x) => x.kind === 'referral' && x.id === referral.id), 'not overdue yet');

  await srv.restart({ env: { ...webhookEnv, CIVICARE_CLOCK_OFFSET: String(FORTY_DAYS) }, extraArgs: FLAGS });
  const z = assertStatus(await (await srv.as('commanderz')).get('/api/escalations'), 200);
  const item = z.items.find((x) => x.kind === 'referral' && x.id === referral.id);
  assert.ok(item, `commanderz sees referral ${referral.id}: ${JSON.stringify(z.items)}`);
  assert.ok(item.days_overdue > 0, `days_overdue ${item.days_overdue}`);
  assert.equal(item.program, 'temporary');
  assert.equal(item.department, 'civil_affairs');
  assert.equal(item.region_code, QILONG);
  assert.equal(item.status, 'pending');
  assert.equal(item.due_date, referral.due_date);
  const c = z.items.find((x) => x.kind === 'case' && x.id === openCase.case.id);
  assert.ok(c, `the unvisited case ${openCase.case.id} is escalated too`);
  assert.ok(c.days_overdue > 0);
  assert.equal(c.status, 'open');
  for (const x of z.items) assert.ok(x.region_code.startsWith('500231103'), `commanderz sees only 周嘉镇: ${x.region_code}`);
  assert.ok(!z.items.some((x) => x.kind === 'referral' && x.id === outside.referrals[0].id), 'not 新民镇\'s referral');

  const x = assertStatus(await (await srv.as('commanderx')).get('/api/escalations'), 200);
  assert.ok(!x.items.some((i) => i.kind === 'referral' && i.id === referral.id), 'the commander of another township does not see it');
  assert.ok(x.items.some((i) => i.kind === 'referral' && i.id === outside.referrals[0].id), 'but sees their own');
  const admin = assertStatus(await (await srv.as('admin')).get('/api/escalations'), 200);
  assert.ok(admin.items.some((i) => i.kind === 'referral' && i.id === referral.id), 'the bureau sees it');

  // the queue says overdue too, and the worker writes referral.overdue once
  const q = assertStatus(await (await srv.as('rev_civil')).get('/api/referrals?overdue=1&per_page=200'), 200);
  assert.ok(q.items.some((r) => r.id === referral.id && r.overdue === true), 'the reviewer\'s queue marks it overdue');
  const msg = await pollUntil(async () => {
    const l = (await inbox('commanderz')).items.filter((m) => m.kind === 'referral.overdue' && String(m.link || '').includes(`/referrals/${referral.id}`));
    return l.length ? l : null;
  }, { timeoutMs: 30_000 });
  await sleep(1500);
  const overdue = (await inbox('commanderz')).items.filter((m) => m.kind === 'referral.overdue' && String(m.link || '').includes(`/referrals/${referral.id}`));
  assert.equal(overdue.length, 1, `one referral.overdue message for commanderz (got ${msg?.length}, then ${overdue.length})`);
  assert.ok(!(await inbox('commanderx')).items.some((m) => m.kind === 'referral.overdue' && String(m.link || '').includes(`/referrals/${referral.id}`)));
});
