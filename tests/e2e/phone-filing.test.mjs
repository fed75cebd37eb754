// phone-filing.test.mjs - 近亲属备案 on the phone (/m/filings):
//   the organization department's staff_relatives file (imported by the
//   admin) names a staff member's sister drawing dibao in 骑龙村 and another
//   staff member's father drawing dibao in 骑龙村, neither filed; the
//   township commander (周嘉镇) on a 360×640 phone opens /m, taps the filings
//   tile, sees the sister's card (relation, staff member and unit, program,
//   village), files it with a note in the bottom sheet, sees it leave the
//   list with a toast and appear under 待县级入户 (and in GET
//   /api/filings?visit=pending); in English the page (both tabs and the
//   sheet) shows no Chinese outside [data-raw] and only message-file text;
//   no horizontal scroll; no console errors.  A courier has no filings tile.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startE2EServer, serverTest, launchBrowser, newContext, uiLogin, assertNoProblems, step, shot, settle,
  textChecker, checkPageText, msg, sqlite, gb18030, importFeed, assertStatus, makeIdNumber, chinaDate,
  PHONE, QILONG,
} from './lib.mjs';

let srv;
let browser;
const it = serverTest(() => srv, { timeout: 180_000 });
const fx = {};

// An active enrollment as the referral workflow leaves it (as in
// tests/api/supervision-relatives.test.mjs).
async function enroll(household, person, region, program = 'dibao', amount = 68000) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await sqlite(srv.db, `INSERT INTO enrollments (household_id, person_id, region_code, program,
    amount_fen, start_month, status, created_at, updated_at) VALUES (${household}, ${person},
    '${region}', '${program}', ${amount}, '${chinaDate().slice(0, 7)}', 'active', '${now}', '${now}');`);
}

before(async () => {
  srv = await startE2EServer({ slot: 50, tag: 'e2e-phone-filing' });
  browser = await launchBrowser();
  fx.hhA = await srv.createHousehold({ region: QILONG, address: '骑龙村四组12号', area_kind: 'rural' });
  fx.sister = await srv.createPerson({ household: fx.hhA, name: '备案测试甲', id_number: makeIdNumber({ sex: 'F', birth: '19750505' }) });
  await enroll(fx.hhA.id, fx.sister.id, QILONG);
  fx.hhB = await srv.createHousehold({ region: QILONG, address: '骑龙村五组3号', area_kind: 'rural' });
  fx.father = await srv.createPerson({ household: fx.hhB, name: '备案测试乙', id_number: makeIdNumber({ sex: 'M', birth: '19500101' }) });
  await enroll(fx.hhB.id, fx.father.id, QILONG);
  fx.staff = [makeIdNumber({}), makeIdNumber({})];
  const head = '职工身份证号码,职工姓名,工作单位,亲属身份证号码,与职工关系';
  const rows = [
    [fx.staff[0], '备案干部甲', '县民政局', fx.sister.full_id_number, '姐姐'],
    [fx.staff[1], '备案干部乙', '周嘉镇人民政府', fx.father.full_id_number, '父亲'],
  ];
  const admin = await srv.as('admin');
  const imp = await importFeed(admin, 'staff_relatives', gb18030(`${[head, ...rows.map((r) => r.join(','))].join('\r\n')}\r\n`));
  assert.equal(imp.status, 201, `import: ${imp.status} ${imp.text}`);
  assert.equal(imp.json.rows_imported, 2, imp.text);
  const z = assertStatus(await (await srv.as('commanderz')).get('/api/relatives?enrolled=1&filed=0'), 200);
  assert.equal(z.total, 2, `the commander's to-do: ${JSON.stringify(z.items)}`);
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

// The page's text (message files only; in English no CJK outside [data-raw])
// and width; problems into `bad`.
async function checkPage(page, ok, lang, label, bad) {
  const f = await checkPageText(page, ok, lang);
  const o = await overflow(page);
  if (o.sw > o.vw) f.push(`${label}: scrollWidth ${o.sw} > ${o.vw}; widest ${JSON.stringify(o.worst)}`);
  if (f.length) {
    const s = await shot(page, `phone-filing-${lang}-${label.replace(/\W+/g, '_')}`, { fullPage: true });
    bad.push(...f.map((x) => `${x} [${label}; ${s}]`));
  }
}

const card = (page, tab, hh) => page.locator(`[data-testid="filings-${tab}"] [data-household-id="${hh}"]`);

it('the commander files a relative of staff on the phone; it leaves the to-do for the county visit list; English has no Chinese left', async () => {
  const ctx = await newContext(browser, srv, { viewport: PHONE, lang: 'zh-CN', name: 'commanderz' });
  const page = await ctx.newPage();
  const bad = [];
  const zh = await textChecker('zh-CN');
  const en = await textChecker('en');
  try {
    await step(page, 'commander login', () => uiLogin(page, 'commanderz'));
    await step(page, 'the phone home shows the filings tile; tap it', async () => {
      await page.goto('/m');
      await settle(page);
      const tile = page.locator('a[href="/m/filings"]');
      await tile.waitFor({ state: 'visible' });
      assert.match(await tile.innerText(), new RegExp(msg('field.filings.tile')));
      await tile.tap();
      await page.waitForURL(/\/m\/filings$/);
      await settle(page);
    });

    const a = card(page, 'unfiled', fx.hhA.id);
    await step(page, 'the sister is on the to-do with relation, staff, unit, program and village', async () => {
      await a.waitFor({ state: 'visible' });
      const text = await a.innerText();
      for (const s of ['备案测试甲', '兄弟姐妹', '备案干部甲', '县民政局', msg('common.program.dibao'), '骑龙村']) {
        assert.ok(text.includes(s), `card lacks "${s}": ${text}`);
      }
      assert.ok(!text.includes(fx.sister.full_id_number), 'the full ID number is shown');
      await card(page, 'unfiled', fx.hhB.id).waitFor({ state: 'visible' });
      const btn = a.locator('[data-action="file"]');
      const box = await btn.boundingBox();
      assert.ok(box && box.height >= 44 && box.width >= 44, `the 备案 button is a small target: ${JSON.stringify(box)}`);
      await checkPage(page, zh, 'zh-CN', 'unfiled', bad);
    });

    await step(page, 'file it with a note: toast, and the card leaves the list', async () => {
      await a.locator('[data-action="file"]').tap();
      const dlg = page.locator('[data-testid="file-dialog"]');
      await dlg.waitFor({ state: 'visible' });
      await page.waitForTimeout(350); // the sheet's slide-in
      await checkPage(page, zh, 'zh-CN', 'file-dialog', bad);
      await dlg.locator('[data-testid="file-note"]').fill('已告知如实申报');
      await dlg.locator('[data-testid="file-confirm"]').tap();
      await page.locator('.van-toast', { hasText: msg('field.filings.filed_ok') }).waitFor({ state: 'visible' });
      await a.waitFor({ state: 'detached' });
      await dlg.waitFor({ state: 'hidden' });
      await card(page, 'unfiled', fx.hhB.id).waitFor({ state: 'visible' });
    });

    const pending = assertStatus(await (await srv.as('admin')).get('/api/filings?visit=pending'), 200);
    const filing = pending.items.find((f) => f.household_id === fx.hhA.id);
    assert.ok(filing, `no pending filing of household ${fx.hhA.id}: ${JSON.stringify(pending.items)}`);
    assert.equal(filing.note, '已告知如实申报');
    assert.equal(filing.staff_name, '备案干部甲');
    const left = assertStatus(await (await srv.as('commanderz')).get('/api/relatives?enrolled=1&filed=0'), 200);
    assert.deepEqual(left.items.map((x) => x.household_id), [fx.hhB.id]);

    await step(page, 'the filed household is under 待县级入户 (read-only)', async () => {
      await page.locator('[data-tab="visit"]').tap();
      await page.waitForURL(/\/m\/filings\?tab=visit$/);
      const v = card(page, 'visit', fx.hhA.id);
      await v.waitFor({ state: 'visible' });
      await settle(page);
      const text = await v.innerText();
      for (const s of ['备案测试甲', '备案干部甲', '县民政局', '骑龙村', '骑龙村四组12号', '兄弟姐妹', msg('field.filings.visit_pending')]) {
        assert.ok(text.includes(s), `filing card lacks "${s}": ${text}`);
      }
      assert.equal(await page.locator('[data-testid="filings-visit"] button').count(), 0, 'the visit list has actions on the phone');
      await checkPage(page, zh, 'zh-CN', 'visit', bad);
    });

    await step(page, 'switch to English: no Chinese outside the data', async () => {
      await page.locator('button[lang="en"]').first().tap();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      await page.reload(); // the lists again, with the server's words in English too
      await settle(page);
      const v = card(page, 'visit', fx.hhA.id);
      await v.waitFor({ state: 'visible' });
      assert.ok((await v.innerText()).includes('Siblings'), `the relation is not in English: ${await v.innerText()}`);
      await checkPage(page, en, 'en', 'visit', bad);
      await page.locator('[data-tab="unfiled"]').tap();
      const b = card(page, 'unfiled', fx.hhB.id);
      await b.waitFor({ state: 'visible' });
      await settle(page);
      const text = await b.innerText();
      for (const s of ['Parents', msg('common.program.dibao', 'en'), msg('field.filings.file', 'en')]) {
        assert.ok(text.includes(s), `English card lacks "${s}": ${text}`);
      }
      await checkPage(page, en, 'en', 'unfiled', bad);
      await b.locator('[data-action="file"]').tap();
      const dlg = page.locator('[data-testid="file-dialog"]');
      await dlg.waitFor({ state: 'visible' });
      await page.waitForTimeout(350);
      await checkPage(page, en, 'en', 'file-dialog', bad);
      await dlg.locator('button[type="button"]').tap(); // cancel: stays on the to-do
      await dlg.waitFor({ state: 'hidden' });
      assert.equal(await b.count(), 1);
      await page.goto('/m');
      await settle(page);
      await checkPage(page, en, 'en', 'home', bad);
    });
    await shot(page, 'phone-filing-en');
    assert.deepEqual(bad, [], `text or layout problems:\n${bad.join('\n')}`);
    assertNoProblems(ctx);
  } finally {
    await ctx.close();
  }
});

it('a courier has no filings tile on the phone home', async () => {
  const ctx = await newContext(browser, srv, { viewport: PHONE, name: 'couriera' });
  const page = await ctx.newPage();
  try {
    await step(page, 'courier login', () => uiLogin(page, 'couriera', { expectPath: /^\/m/ }));
    await page.goto('/m');
    await settle(page);
    await page.locator('a[href="/m/report"]').waitFor({ state: 'visible' });
    assert.equal(await page.locator('a[href="/m/filings"]').count(), 0);
    assertNoProblems(ctx);
  } finally {
    await ctx.close();
  }
});
