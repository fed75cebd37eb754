// pages.mjs - what a person does on each page of the web app, in one place,
// so the tests read as the story and the selectors live here.  Selectors
// prefer the app's data-* hooks (data-category, data-urgency, data-testid,
// name="…" on inputs) and then the message texts (web/src/messages).

import assert from 'node:assert/strict';
import { msg, settle, sleep } from './lib.mjs';

const lang = 'zh-CN';
const T = (k) => msg(k, lang);

// === courier ===

export async function openReportForm(page) {
  if (!new URL(page.url()).pathname.startsWith('/m/report')) {
    const tile = page.locator('a[href="/m/report"]').first();
    if (await tile.count()) await tile.click();
    else await page.goto('/m/report');
  }
  await page.waitForURL(/\/m\/report$/);
  await page.locator('[data-category]').first().waitFor({ state: 'visible' });
}

// categories: codes; idNumber (then waits for the lookup to find
// expectName) or name; description; urgency code.
export async function fillReport(page, { categories = [], idNumber, expectName, name, description, urgency } = {}) {
  for (const c of categories) {
    const chip = page.locator(`[data-category="${c}"]`);
    await chip.click();
    assert.equal(await chip.getAttribute('aria-pressed'), 'true', `category chip ${c} pressed`);
  }
  if (idNumber) {
    const id = page.locator('input[name="id_number"]');
    await id.click();
    await id.pressSequentially(idNumber, { delay: 15 });
    const found = page.locator('[data-lookup="found"]');
    await found.waitFor({ state: 'visible', timeout: 10_000 });
    if (expectName) await found.getByText(expectName, { exact: true }).waitFor({ state: 'visible' });
  }
  if (name) await page.locator('input[name="subject_name"]').fill(name);
  if (description) await page.locator('textarea[name="description"]').fill(description);
  if (urgency) {
    const u = page.locator(`[data-urgency="${urgency}"]`);
    await u.click();
    assert.equal(await u.getAttribute('aria-checked'), 'true', `urgency ${urgency} chosen`);
  }
}

export async function submitReport(page) {
  await page.locator('[data-testid="report-submit"]').click();
}

// The "sent" toast (or, offline, the "kept on the phone" dialog) shows.
export async function waitReportSent(page) {
  await page.locator('.cc-toast-sent').first().waitFor({ state: 'visible', timeout: 10_000 });
}

// The number on the "N reports waiting" banner; 0 when there is none
// (read in one go: the banner goes away when the queue drains).
export async function waitingCount(page) {
  const text = await page.evaluate(() => {
    const b = document.querySelector('[data-testid="queue-banner"]');
    return b && b.getClientRects().length ? b.innerText : null;
  });
  if (text === null) return 0;
  const m = /(\d+)/.exec(text);
  assert.ok(m, `queue banner without a number: "${text}"`);
  return Number(m[1]);
}

// === assistant ===

// On /m/queue, the report's card is listed.
export async function openQueuedReport(page, report) {
  if (new URL(page.url()).pathname !== '/m/queue') {
    const tile = page.locator('a[href="/m/queue"]').first();
    if (await tile.count()) await tile.click();
    else await page.goto('/m/queue');
  }
  await page.waitForURL(/\/m\/queue/);
  await page.locator(`[data-report-id="${report.id}"]`).waitFor({ state: 'visible' });
}

// Accept it from its card: the app opens the new case.
export async function acceptReport(page, report) {
  await page.locator(`[data-report-id="${report.id}"] [data-action="accept"]`).click();
  await page.waitForURL(/\/m\/cases\/\d+$/);
  await settle(page);
}

// The home-visit form of case `caseId` (opened from the case page).
// v: {investigators, categories, findings:{cat: text}, household_size,
// monthly_income_yuan, medical_debt_yuan, school_children, medical_yuan,
// education_yuan}
export async function fillVisit(page, caseId, v) {
  if (!new URL(page.url()).pathname.endsWith(`/m/cases/${caseId}/visit`)) {
    const link = page.locator(`a[href="/m/cases/${caseId}/visit"]`).first();
    if (await link.count()) await link.click();
    else await page.goto(`/m/cases/${caseId}/visit`);
  }
  await page.waitForURL(new RegExp(`/m/cases/${caseId}/visit$`));
  await page.locator('[data-testid="visit-submit"]').waitFor({ state: 'visible' });
  await settle(page);
  for (let i = 0; i < v.investigators.length; i++) await page.locator(`input[name="investigator${i + 1}"]`).fill(v.investigators[i]);
  for (const c of v.categories) {
    const chip = page.locator(`[data-category="${c}"]`).first();
    if ((await chip.getAttribute('aria-pressed')) !== 'true') await chip.click();
    assert.equal(await chip.getAttribute('aria-pressed'), 'true', `visit category ${c} chosen`);
    if (v.findings?.[c] !== undefined) await page.locator(`textarea[name="findings_${c}"]`).fill(v.findings[c]);
  }
  const fields = {
    household_size: v.household_size, school_children: v.school_children,
    monthly_income: v.monthly_income_yuan, medical_debt: v.medical_debt_yuan,
    rigid_medical: v.medical_yuan, rigid_education: v.education_yuan,
  };
  for (const [k, val] of Object.entries(fields)) if (val !== undefined) await page.locator(`input[name="${k}"]`).fill(String(val));
  await page.locator('input[name="authorization_signed"]').check();
}

// Send the visit: the app goes on to the routing page.
export async function submitVisit(page) {
  await page.locator('[data-testid="visit-submit"]').click();
  await page.waitForURL(/\/m\/cases\/\d+\/route$/);
}

// On /m/cases/:id/route the proposed programs come checked: check that
// `programs` are among them, keep exactly those checked, and confirm.
// Returns the programs that were proposed.
export async function confirmRouting(page, caseId, programs) {
  if (!new URL(page.url()).pathname.endsWith(`/m/cases/${caseId}/route`)) await page.goto(`/m/cases/${caseId}/route`);
  await page.locator('[data-testid="route-confirm"]').waitFor({ state: 'visible' });
  await settle(page);
  const proposed = await page.locator('.cc-prop[data-program]').evaluateAll((els) => els.map((e) => e.getAttribute('data-program')));
  for (const p of programs) assert.ok(proposed.includes(p), `the routing page proposes ${p}: ${proposed}`);
  for (const p of proposed) {
    const box = page.locator(`input#p-${p}`);
    if (programs.includes(p)) await box.check(); else await box.uncheck();
  }
  await page.locator('[data-testid="route-confirm"]').click();
  await page.waitForURL(new RegExp(`/m/cases/${caseId}$`));
  return proposed;
}

// === console ===

export async function openReferralFromQueue(page, id) {
  if (!/\/c\/referrals$/.test(new URL(page.url()).pathname)) await page.goto('/c/referrals');
  await settle(page);
  const link = page.locator(`a[href$="/c/referrals/${id}"]`).first();
  await link.waitFor({ state: 'visible' });
  await link.click();
  await page.waitForURL(new RegExp(`/c/referrals/${id}$`));
  await settle(page);
}

// Choose an action on the referral page's decision form, fill it and
// send it; waits for the "done" notice.  approve {amount_yuan,
// start_month}, opinion {opinion}, survey, publish_notice, reject {reason,
// notice_text}, return {reason}.
export async function referralAction(page, action, f = {}) {
  const form = page.locator('[data-test="decision"]');
  const radio = form.locator(`input[name="action"][value="${action}"]`);
  await radio.waitFor({ state: 'visible' });
  await radio.check();
  if (f.amount_yuan !== undefined) await form.locator('#decide-amount_fen').fill(String(f.amount_yuan));
  if (f.start_month !== undefined) await form.locator('#decide-start_month').fill(f.start_month);
  if (f.opinion !== undefined) await form.locator('#decide-opinion').fill(f.opinion);
  if (f.reason !== undefined) await form.locator('#decide-reason').fill(f.reason);
  if (f.notice_text !== undefined) await form.locator('#decide-notice_text').fill(f.notice_text);
  await form.locator('[data-test="decide-submit"]').click();
  await page.locator('.cc-alert.is-ok[role="status"]').waitFor({ state: 'visible', timeout: 10_000 });
}

// === dashboard ===

// The figures on /c/dashboard: the county KPIs (discovered, brought into
// assistance) and the row of one township (by name) in the table under
// "show as table".
export async function readDashboard(page, { township }) {
  if (new URL(page.url()).pathname !== '/c/dashboard') await page.goto('/c/dashboard');
  await settle(page);
  const kd = page.locator('[data-test="kpi-discovered"]');
  await kd.waitFor({ state: 'visible' });
  const num = (s) => Number(String(s).replace(/[,\s]/g, ''));
  const out = {
    kpiDiscovered: num(await kd.innerText()),
    kpiEnrolled: num(await page.locator('[data-test="kpi-enrolled"]').innerText()),
  };
  const details = page.locator('details', { has: page.locator('th', { hasText: T('dashboard.township') }) }).first();
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  const row = details.locator('tbody tr', { has: page.getByText(township, { exact: true }) }).first();
  await row.waitFor({ state: 'visible' });
  const cells = await row.locator('td').allInnerTexts();
  out.discovered = num(cells[1]);
  out.enrolled = num(cells[2]);
  out.cells = cells;
  return out;
}
