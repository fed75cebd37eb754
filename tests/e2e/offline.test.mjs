// offline.test.mjs - offline first: a courier's report made with no signal
// is kept on the phone (IndexedDB, with its idempotency key), the page says
// one is waiting, and when the signal returns it reaches the server exactly
// once (checked through the API as the admin).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startE2EServer, serverTest, launchBrowser, newContext, uiLogin, assertNoProblems, step, shot, settle,
  PHONE, sleep, pollUntil, assertStatus,
} from './lib.mjs';
import { openReportForm, fillReport, submitReport, waitingCount } from './pages.mjs';

let srv;
let browser;
const it = serverTest(() => srv, { timeout: 120_000 });

before(async () => {
  srv = await startE2EServer({ slot: 10, tag: 'e2e-offline' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function reportsWith(description) {
  const admin = await srv.as('admin');
  const r = assertStatus(await admin.get('/api/reports?per_page=200'), 200);
  return r.items.filter((x) => x.description === description);
}

it('a report made offline is kept, counted as waiting, and sent exactly once when the signal returns', async () => {
  const ctx = await newContext(browser, srv, { viewport: PHONE, name: 'courier-offline' });
  const page = await ctx.newPage();
  try {
    await step(page, 'courier login', () => uiLogin(page, 'couriera', { expectPath: /^\/m/ }));
    await step(page, 'open the report form', () => openReportForm(page));
    await settle(page);

    const description = `离线上报测试 ${Date.now()}：老人独居，屋顶漏雨`;
    await ctx.setOffline(true);
    ctx.offline = true;
    await step(page, 'fill and submit offline', async () => {
      await fillReport(page, { categories: ['elderly_alone', 'housing'], name: '离线测试老人', description });
      await submitReport(page);
    });
    await step(page, 'the page shows 1 waiting', async () => {
      const n = await pollUntil(() => waitingCount(page).then((x) => (x === 1 ? x : null)), { timeoutMs: 10_000, intervalMs: 250 });
      assert.equal(n, 1, `expected the page to show 1 report waiting, got ${await waitingCount(page)}`);
    });
    await shot(page, 'offline-waiting');
    assert.deepEqual(await reportsWith(description), [], 'nothing reached the server while offline');

    await ctx.setOffline(false);
    await step(page, 'the queue drains when back online', async () => {
      const drained = await pollUntil(() => waitingCount(page).then((x) => x === 0), { timeoutMs: 30_000, intervalMs: 300 });
      assert.ok(drained, `the waiting count did not drop to 0 within 30 s (now ${await waitingCount(page)})`);
    });
    ctx.offline = false;
    const got = await pollUntil(() => reportsWith(description).then((x) => (x.length ? x : null)), { timeoutMs: 15_000 });
    assert.ok(got, 'the report never reached the server');
    // give a duplicate send every chance to show up
    await sleep(2500);
    await page.reload();
    await settle(page);
    await sleep(1500);
    const final = await reportsWith(description);
    assert.equal(final.length, 1, `exactly one report with the description: ${JSON.stringify(final.map((x) => x.id))}`);
    assert.equal(final[0].reporter?.username, 'couriera');
    assert.deepEqual([...final[0].categories].sort(), ['elderly_alone', 'housing']);
    assert.equal(await waitingCount(page), 0, 'nothing waits after a reload');
    assertNoProblems(ctx);
  } finally {
    await ctx.close();
  }
});
