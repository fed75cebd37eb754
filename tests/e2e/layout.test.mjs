// layout.test.mjs - the phone pages fit 360×640 without sideways scrolling;
// the console works by keyboard: Tab reaches the rows of the reviewer's
// queue (with a visible focus) and Enter opens one.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startE2EServer, serverTest, launchBrowser, newContext, uiLogin, assertNoProblems, step, shot, settle,
  PHONE, DESKTOP, QILONG, driveCase, makeIdNumber,
} from './lib.mjs';

let srv;
let browser;
let fx;
const it = serverTest(() => srv, { timeout: 120_000 });

before(async () => {
  srv = await startE2EServer({ slot: 20, tag: 'e2e-layout' });
  browser = await launchBrowser();
  // a visited case (for the visit and routing pages), a routed one (for the
  // queues) and an open report (for the assistant's queue)
  const hh = await srv.createHousehold({ region: QILONG, address: '骑龙村二组7号', area_kind: 'rural' });
  const man = await srv.createPerson({ household: hh, relation: 'self', name: '布局测试甲', id_number: makeIdNumber({ sex: 'M', birth: '19700101' }) });
  const visited = await driveCase(srv, { visit: true, reportOver: { person_id: man.id, subject_name: man.name } });
  const routed = await driveCase(srv, { route: ['dibao', 'temporary'], visitOver: { facts: { household_size: 3, monthly_income_fen: 30000 } } });
  const courier = await srv.as('couriera');
  const open = await courier.post('/api/reports', { region_code: QILONG, subject_name: '布局测试乙', categories: ['illness'], description: '待受理', urgency: 'normal' });
  assert.equal(open.status, 201, open.text);
  fx = { visited, routed, hh };
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// scrollWidth beyond the viewport, and the widest element sticking out
async function overflow(page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const sw = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
    let worst = null;
    if (sw > vw) {
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > vw + 1 && (!worst || r.right > worst.right)) {
          worst = { right: Math.round(r.right), tag: el.tagName.toLowerCase(), cls: String(el.className).slice(0, 60), text: (el.textContent || '').trim().slice(0, 40) };
        }
      }
    }
    return { vw, sw, worst };
  });
}

it('phone pages have no horizontal scroll at 360×640', async () => {
  const pages = {
    couriera: ['/m', '/m/report', '/m/my-reports'],
    assistanta: ['/m', '/m/queue', `/m/cases/${fx.visited.case.id}`, `/m/cases/${fx.visited.case.id}/visit`,
      `/m/cases/${fx.visited.case.id}/route`, `/m/households/${fx.visited.household.id}/timeline`],
  };
  const bad = [];
  const ctxs = [];
  for (const [user, paths] of Object.entries(pages)) {
    const ctx = await newContext(browser, srv, { viewport: PHONE, name: user });
    ctxs.push(ctx);
    const page = await ctx.newPage();
    await step(page, `${user} login`, () => uiLogin(page, user, { expectPath: /^\/m/ }));
    for (const p of paths) {
      await page.goto(p);
      await settle(page);
      const o = await overflow(page);
      if (o.sw > o.vw) {
        const s = await shot(page, `overflow-${user}-${p.replace(/\W+/g, '_')}`, { fullPage: true });
        bad.push(`${p} as ${user}: scrollWidth ${o.sw} > ${o.vw}; widest ${JSON.stringify(o.worst)} (${s})`);
      }
    }
  }
  try {
    assert.deepEqual(bad, [], `horizontal scroll:\n${bad.join('\n')}`);
    assertNoProblems(...ctxs);
  } finally {
    for (const c of ctxs) await c.close();
  }
});

it('the console queue is usable by keyboard: Tab reaches a row, focus is visible, Enter opens it', async () => {
  const ctx = await newContext(browser, srv, { viewport: DESKTOP, name: 'rev_civil' });
  const page = await ctx.newPage();
  try {
    await step(page, 'reviewer login', () => uiLogin(page, 'rev_civil', { expectPath: /^\/c/ }));
    await page.goto('/c/referrals');
    await settle(page);
    const ids = fx.routed.referrals.filter((x) => x.department === 'civil_affairs').map((x) => x.id);
    const rowOf = (id) => `a[href$="/c/referrals/${id}"], [data-referral-id="${id}"], [data-id="${id}"]`;
    await step(page, 'the queue lists the referrals', () => page.locator(ids.map(rowOf).join(', ')).first().waitFor({ state: 'visible' }));

    // Tab from the top of the page until the focus is in a queue row
    await page.locator('body').click({ position: { x: 1, y: 1 } }).catch(() => {});
    await page.evaluate(() => { document.activeElement?.blur?.(); window.scrollTo(0, 0); });
    let found = null;
    const seen = [];
    for (let i = 0; i < 80 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => {
        const a = document.activeElement;
        if (!a || a === document.body) return null;
        const row = a.closest('tr, [role="row"], li, .queue-row, [data-referral-id]');
        const href = a.getAttribute('href') || a.closest('a')?.getAttribute('href') || '';
        const m = /\/c\/referrals\/(\d+)/.exec(href) || (row && /\/c\/referrals\/(\d+)/.exec(row.querySelector('a')?.getAttribute('href') || ''));
        const rid = a.getAttribute('data-referral-id') || row?.getAttribute('data-referral-id') || (m && m[1]);
        const inTable = !!(row && row.closest('table, [role="grid"], [role="table"], ol, ul'));
        if (!rid && !(inTable && row?.tagName === 'TR' && row.parentElement?.tagName === 'TBODY')) return null;
        const cs = getComputedStyle(a);
        return {
          rid, tag: a.tagName.toLowerCase(), text: (a.textContent || '').trim().slice(0, 40),
          focusVisible: a.matches(':focus-visible'),
          outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, shadow: cs.boxShadow,
        };
      });
      if (!found) seen.push(await page.evaluate(() => { const a = document.activeElement; return a ? `${a.tagName.toLowerCase()}${a.getAttribute('href') ? `[${a.getAttribute('href')}]` : ''}:${(a.textContent || '').trim().slice(0, 20)}` : 'none'; }));
    }
    const s = await shot(page, 'keyboard-queue-focus');
    assert.ok(found, `80 Tabs never reached a queue row (${s}); focus went through: ${seen.join(' | ')}`);
    assert.ok(found.outline.split(' ')[0] !== 'none' || (found.shadow && found.shadow !== 'none'),
      `the focused row element has no visible focus (outline ${found.outline}, box-shadow ${found.shadow}) (${s})`);
    await page.keyboard.press('Enter');
    await step(page, 'Enter opens the referral', () => page.waitForURL(/\/c\/referrals\/\d+$/, { timeout: 10_000 }));
    await settle(page);
    assertNoProblems(ctx);
  } finally {
    await ctx.close();
  }
});
