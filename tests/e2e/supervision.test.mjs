// supervision.test.mjs - the livelihood-supervision console pages (issue 6)
// on the demo county (`civicare demo`, 3000 persons):
//   the inspector opens 监督发现, runs the cross-checks, opens the
//   paid-after-death finding and sees its evidence (the death record, the
//   payment lines and their sum) and the suspected amount;
//   the admin generates the payment run of the current month, and
//   approving it himself shows the maker-checker error; generating the same
//   month again adds nothing; the second admin ("checker") approves it;
//   an unfiled close relative is filed and then visited by the county;
//   the figures page draws its charts;
//   every new page shows only message-file text in Chinese and, after the
//   language switch, in English (no horizontal scroll at 1024 px), without
//   console errors.  Takes docs/screenshots/supervision-*.png (1280×800).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  serverTest, launchBrowser, newContext, uiLogin, assertNoProblems, step, shot, settle,
  textChecker, checkPageText, msg, SHOTS, DIST, PASSWORD, BIN, run, spawnServe, waitHealthy, makeTempDir,
  freePort, cleanEnv, Server, assertStatus, chinaDate,
} from './lib.mjs';

const SCREEN = { width: 1280, height: 800 };
const NARROW = { width: 1024, height: 800 };
let srv;
let browser;
const ctxs = [];
const it = serverTest(() => srv, { timeout: 240_000 });
const month = chinaDate().slice(0, 7);
const yuan = (fen) => {
  const s = (Math.abs(fen) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (fen < 0 ? '-¥' : '¥') + s;
};
const fx = {};

before(async () => {
  const dir = await makeTempDir('e2e-supervision');
  const db = join(dir, 'demo.db');
  const demo = await run(['demo', '--db', db, '--persons', '3000', '--seed', '7', '--password', PASSWORD], { timeoutMs: 300_000 });
  assert.equal(demo.code, 0, `civicare demo exited ${demo.code}:\n${demo.out}`);
  const base = Number(process.env.CIVICARE_E2E_PORT_BASE || 0);
  const port = base ? base + 40 : await freePort();
  const addr = `127.0.0.1:${port}`;
  const args = ['--db', db, '--listen', addr, '--threads', '4', '--web-root', DIST];
  const proc = spawnServe(args, { env: cleanEnv({ CIVICARE_MONITOR_AT: '' }) });
  if (!(await waitHealthy(addr, { child: proc.child }))) {
    await proc.stop(5000);
    throw new Error(`civicare serve (${BIN}) did not come up on ${addr}:\n${proc.log}`);
  }
  srv = new Server({ dir, db, addr, port, proc, users: [] });
  srv.baseArgs = args;
  browser = await launchBrowser();
});
after(async () => {
  for (const c of ctxs) await c.close().catch(() => {});
  await browser?.close();
  await srv?.stop();
});

async function signedIn(user, viewport = SCREEN) {
  const ctx = await newContext(browser, srv, { viewport, name: user });
  ctxs.push(ctx);
  const page = await ctx.newPage();
  await step(page, `${user} login`, () => uiLogin(page, user, { expectPath: /^\/c/ }));
  return { ctx, page };
}

it('the inspector runs the cross-checks and reads the paid-after-death finding with its evidence', async () => {
  const api = await srv.as('inspector');
  const { ctx, page } = await signedIn('inspector');
  await step(page, 'nav to 监督发现', async () => {
    await page.locator('nav a[href="/c/findings"]').click();
    await page.waitForURL(/\/c\/findings$/);
    await settle(page);
  });
  await step(page, 'run the cross-checks', async () => {
    await page.locator('[data-test="run-crosscheck"]').click();
    const res = page.locator('[data-test="crosscheck-result"]');
    await res.waitFor({ state: 'visible' });
    const text = await res.innerText();
    const runs = assertStatus(await api.get('/api/crosschecks'), 200);
    const last = runs.items[0];
    assert.ok(last.found > 0, `the demo county has findings: ${JSON.stringify(last)}`);
    assert.ok(text.includes(String(last.found)), `the result names the ${last.found} found: ${text}`);
    await settle(page);
  });
  const list = assertStatus(await api.get('/api/findings?check=paid_after_death'), 200);
  assert.ok(list.items.length >= 1, 'the demo county has a payment after a death');
  const f = assertStatus(await api.get(`/api/findings/${list.items[0].id}`), 200);
  const lines = f.evidence.filter((e) => e.kind === 'payment_line');
  assert.ok(lines.length >= 1, 'the finding carries its payment lines');
  assert.equal(f.suspected_fen, lines.reduce((s, l) => s + l.amount_fen, 0), 'suspected = the sum paid after the death');
  fx.finding = f;
  await step(page, 'the finding is listed and opens', async () => {
    await page.locator('[data-test="filter-check"]').selectOption('paid_after_death');
    await page.waitForURL(/check=paid_after_death/);
    await settle(page);
    const row = page.locator(`tr[data-finding-id="${f.id}"]`);
    await row.waitFor({ state: 'visible' });
    await shot(page, 'supervision-findings', { path: join(SHOTS, 'supervision-findings.png') });
    await row.locator(`a[href="/c/findings/${f.id}"]`).click();
    await page.waitForURL(new RegExp(`/c/findings/${f.id}$`));
    await settle(page);
  });
  await step(page, 'evidence and suspected amount', async () => {
    assert.equal((await page.locator('[data-test="suspected"]').innerText()).trim(), yuan(f.suspected_fen));
    const ev = page.locator('[data-test="evidence"]');
    const death = ev.locator('[data-kind="feed_record"]');
    await death.waitFor({ state: 'visible' });
    const deathText = await death.innerText();
    assert.ok(deathText.includes(msg('supervision.enum.feed.deaths')), `the death record is shown: ${deathText}`);
    const deathDate = f.evidence.find((e) => e.feed === 'deaths').fields.death_date;
    const [y, m, d] = deathDate.split('-').map(Number);
    assert.ok(deathText.includes(`${y}年${m}月${d}日`), `the date of death ${deathDate}: ${deathText}`);
    const rows = ev.locator('[data-test="evidence-payments"] tbody tr');
    assert.equal(await rows.count(), lines.length + 1, 'one row per payment line and the sum');
    assert.equal((await ev.locator('[data-test="evidence-sum"]').innerText()).trim(), yuan(f.suspected_fen));
    // the confirm form comes prefilled with the computed amount (after hand-over and check)
  });
  assertNoProblems(ctx);
});

it('payments: the generator cannot approve (maker-checker), the same month twice adds nothing, the checker approves', async () => {
  const admin = await srv.as('admin');
  const { ctx, page } = await signedIn('admin');
  ctx.expected.push({ url: /\/api\/payment-runs\/\d+\/approve$/, status: 403 });
  let runId;
  await step(page, 'generate the current month', async () => {
    await page.locator('nav a[href="/c/payments"]').click();
    await page.waitForURL(/\/c\/payments$/);
    await settle(page);
    await page.locator('[data-test="gen-program"]').selectOption('dibao');
    await page.locator('[data-test="gen-month"]').fill(month);
    await page.locator('[data-test="gen-submit"]').click();
    await page.waitForURL(/\/c\/payments\/\d+/);
    runId = Number(/\/c\/payments\/(\d+)/.exec(page.url())[1]);
    await page.locator('[data-test="generated"]').waitFor({ state: 'visible' });
    await settle(page);
  });
  const r0 = assertStatus(await admin.get(`/api/payment-runs/${runId}`), 200);
  assert.equal(r0.program, 'dibao');
  assert.equal(r0.month, month);
  assert.equal(r0.status, 'awaiting_approval');
  assert.ok(r0.lines > 0, 'the run has lines');
  assert.equal((await page.locator('[data-test="run-total"]').innerText()).trim(), yuan(r0.total_fen));
  await step(page, 'approving his own run shows the maker-checker error', async () => {
    await page.locator('[data-action="approve"]').click();
    await page.locator('[data-test="maker-checker"]').waitFor({ state: 'visible' });
    const box = await page.locator('[data-test="run-error"]').getAttribute('data-code');
    assert.equal(box, 'maker_checker');
    await settle(page);
    await shot(page, 'supervision-payments', { path: join(SHOTS, 'supervision-payments.png') });
  });
  assert.equal(assertStatus(await admin.get(`/api/payment-runs/${runId}`), 200).status, 'awaiting_approval', 'still awaiting approval');
  await step(page, 'the same month again adds nothing', async () => {
    await page.goto('/c/payments');
    await settle(page);
    await page.locator('[data-test="gen-program"]').selectOption('dibao');
    await page.locator('[data-test="gen-month"]').fill(month);
    await page.locator('[data-test="gen-submit"]').click();
    const note = page.locator('[data-test="gen-nothing"]');
    await note.waitFor({ state: 'visible' });
    assert.equal((await note.innerText()).trim(), msg('supervision.pay.nothing_new'));
  });
  const runs = assertStatus(await admin.get(`/api/payment-runs?program=dibao&month=${month}`), 200);
  assert.equal(runs.items.filter((x) => x.status !== 'rejected').length, 1, 'one run for the month');
  assertNoProblems(ctx);

  const c = await signedIn('checker');
  await step(c.page, 'the checker approves', async () => {
    await c.page.goto(`/c/payments/${runId}`);
    await settle(c.page);
    await c.page.locator('[data-action="approve"]').click();
    await c.page.locator('[data-test="run-done"]').waitFor({ state: 'visible' });
    await c.page.locator('[data-test="run-status"][data-status="approved"]').waitFor({ state: 'visible' });
    await c.page.locator('[data-test="bank-xlsx"]').waitFor({ state: 'visible' });
  });
  const r1 = assertStatus(await admin.get(`/api/payment-runs/${runId}`), 200);
  assert.equal(r1.status, 'approved');
  assert.equal(r1.approved_by?.username, 'checker');
  fx.runId = runId;
  assertNoProblems(c.ctx);
});

it('close relatives: an unfiled household is filed, leaves the unfiled list and is visited by the county', async () => {
  const admin = await srv.as('admin');
  const unfiled = assertStatus(await admin.get('/api/relatives?enrolled=1&filed=0'), 200);
  assert.ok(unfiled.items.length > 0, 'the demo county has an unfiled relative drawing assistance');
  const hh = unfiled.items[0].household_id;
  const { ctx, page } = await signedIn('admin');
  await step(page, 'file the household', async () => {
    await page.locator('nav a[href="/c/relatives"]').click();
    await page.waitForURL(/\/c\/relatives$/);
    await settle(page);
    await page.locator(`tr[data-household-id="${hh}"] [data-action="file"]`).first().click();
    await page.locator('dialog[open] [data-test="dialog-confirm"]').click();
    await page.locator('.cc-alert.is-ok[role="status"]').waitFor({ state: 'visible' });
    await settle(page);
  });
  const after1 = assertStatus(await admin.get('/api/relatives?enrolled=1&filed=0'), 200);
  assert.ok(!after1.items.some((x) => x.household_id === hh && x.register_id === unfiled.items[0].register_id), 'that pair is no longer unfiled');
  const pending = assertStatus(await admin.get('/api/filings?visit=pending'), 200);
  const filing = pending.items.find((x) => x.household_id === hh);
  assert.ok(filing, 'the filed household is on the must-visit list');
  fx.filingHousehold = hh;
  await step(page, 'record the county visit', async () => {
    await page.locator('[data-tab="visit"]').click();
    await page.waitForURL(/tab=visit/);
    await settle(page);
    await page.locator(`tr[data-filing-id="${filing.id}"] [data-action="visit"]`).click();
    await page.locator('#visit-findings').fill('入户核实，家庭情况属实');
    await page.locator('dialog[open] [data-test="dialog-confirm"]').click();
    await page.locator('.cc-alert.is-ok[role="status"]').waitFor({ state: 'visible' });
    await settle(page);
  });
  const pending2 = assertStatus(await admin.get('/api/filings?visit=pending'), 200);
  assert.ok(!pending2.items.some((x) => x.id === filing.id), 'the visited filing leaves the must-visit list');
  assertNoProblems(ctx);
});

it('the inspector hands over, checks and confirms the finding (amount prefilled), records an instalment; the figures page draws its charts', async () => {
  const insp = await srv.as('inspector');
  const f = fx.finding;
  const { ctx, page } = await signedIn('inspector');
  const act = async (action, fill) => {
    const form = page.locator('[data-test="finding-actions"]');
    await form.locator(`input[name="finding-action"][value="${action}"]`).check();
    if (fill) await fill(form);
    await form.locator('[data-test="finding-submit"]').click();
    await page.locator('[data-test="finding-done"]').waitFor({ state: 'visible' });
    await settle(page);
  };
  await step(page, 'work the finding', async () => {
    await page.goto(`/c/findings/${f.id}`);
    await settle(page);
    await act('hand_over', (form) => form.locator('#fa-department').selectOption('civil_affairs'));
    await act('check', (form) => form.locator('#fa-result').fill('实地核查属实，死亡后仍有发放'));
    await act('confirm', async (form) => {
      assert.equal(await form.locator('#fa-amount').inputValue(), (f.suspected_fen / 100).toFixed(2).replace(/\.00$/, ''), 'the amount comes prefilled');
    });
    await page.locator('[data-test="recovery-form"]').waitFor({ state: 'visible' });
    await page.locator('#rec-amount').fill('100');
    await page.locator('[data-test="recovery-form"] button[type="submit"]').click();
    await page.locator('[data-test="balance"]', { hasText: yuan(f.suspected_fen - 10000) }).waitFor({ state: 'visible' });
  });
  const g = assertStatus(await insp.get(`/api/findings/${f.id}`), 200);
  assert.equal(g.status, 'confirmed');
  assert.equal(g.amount_fen, f.suspected_fen, 'confirmed at the amount computed from the payments');
  assert.equal(g.balance_fen, f.suspected_fen - 10000);
  await step(page, 'figures', async () => {
    await page.locator('nav a[href="/c/supervision/figures"]').click();
    await page.waitForURL(/\/c\/supervision\/figures/);
    await settle(page);
    await page.locator('.cc-chart canvas').first().waitFor({ state: 'visible' });
    assert.ok(await page.locator('.cc-chart canvas').count() >= 2, 'two charts');
    assert.equal((await page.locator('[data-test="fig-found"]').innerText()).trim(), yuan(f.suspected_fen));
    assert.equal((await page.locator('[data-test="fig-recovered"]').innerText()).trim(), yuan(10000));
    await page.waitForTimeout(600); // the charts' entry animation
    await shot(page, 'supervision-figures', { path: join(SHOTS, 'supervision-figures.png') });
  });
  assertNoProblems(ctx);
});

it('every supervision page shows only message-file text, in Chinese and in English, without errors or horizontal scroll', async () => {
  const admin = await srv.as('admin');
  // a public notice to look at: the first township with approvals in the last 90 days
  const from = chinaDate(-90 * 86400);
  const to = chinaDate();
  const tw = assertStatus(await admin.get(`/api/payment-runs/${fx.runId}`), 200).townships.map((x) => x.region_code);
  let notice = null;
  for (const program of ['dibao', 'tekun', 'disability']) {
    for (const code of tw) {
      const r = await admin.post('/api/notices', { program, region: code, approved_from: from, approved_to: to });
      if (r.status === 201 || r.status === 200) { notice = r.json; break; }
    }
    if (notice) break;
  }
  const pagesOf = (user) => {
    const p = {
      admin: ['/c/payments', `/c/payments/${fx.runId}`, '/c/relatives', '/c/relatives?tab=all', '/c/relatives?tab=visit', '/c/notices', '/c/findings', '/c/supervision/figures'],
      inspector: ['/c/findings', `/c/findings/${fx.finding.id}`, '/c/supervision/figures', '/c/payments', '/c/relatives'],
    }[user];
    if (user === 'admin' && notice) p.push(`/c/notices/${notice.id}`);
    return p;
  };
  const bad = [];
  const used = [];
  for (const user of ['admin', 'inspector']) {
    const { ctx, page } = await signedIn(user, NARROW);
    used.push(ctx);
    for (const lang of ['zh-CN', 'en']) {
      const ok = await textChecker(lang);
      if (lang === 'en') {
        // the language switch in the top bar
        await page.goto('/c/findings');
        await settle(page);
        await page.locator('.cc-user button[lang="en"]').click();
        await page.waitForFunction(() => document.documentElement.lang === 'en');
      }
      for (const p of pagesOf(user)) {
        await page.goto(p);
        await settle(page);
        const f = await checkPageText(page, ok, lang);
        const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (over > 0) f.push(`${lang} ${p}: scrolls ${over}px sideways at 1024 px`);
        if (f.length) {
          const s = await shot(page, `supervision-i18n-${lang}-${user}-${p.replace(/\W+/g, '_')}`, { fullPage: true });
          bad.push(...f.map((x) => `${x} [as ${user}; ${s}]`));
        }
      }
    }
    // back to Chinese for the next user
    await page.evaluate(() => localStorage.setItem('civicare.lang', 'zh-CN'));
  }
  assert.ok(notice, 'a public notice could be made for the i18n pass');
  assert.deepEqual(bad, [], `text not in the message files or sideways scroll:\n${bad.join('\n')}`);
  assertNoProblems(...used);
});
