// lib.mjs - shared pieces of the browser tests (tests/e2e/*.test.mjs).
//
// Each test file starts its own `civicare serve` on a fresh database (the
// API harness, tests/api/harness.mjs, serving web/dist) and drives Debian's
// chromium through playwright-core (from web/node_modules; it never
// downloads a browser).  Pages are watched for console errors, page errors
// and failed requests; the visible text of a page can be checked against
// the message files (web/src/messages/**.json).
//
//   apt-get install -y chromium fonts-noto-cjk
//   (cd web && npm ci && npm run build)
//   CIVICARE_BIN=$PWD/build/civicare node --test --test-concurrency=1 tests/e2e/
//
// Settings: CIVICARE_CHROMIUM (default /usr/bin/chromium);
// CIVICARE_E2E_PORT_BASE (servers on BASE+0, +10, +20, +30 instead of free
// ports); CIVICARE_E2E_WEB (another copy of web/, built); CIVICARE_E2E_SHOTS
// (where the README's screenshots go, default docs/screenshots);
// CIVICARE_E2E_ARTIFACTS (failure screenshots, default build/e2e).

import { createRequire } from 'node:module';
import { readFileSync, readdirSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import {
  REPO, BIN, PASSWORD, run, addUser, spawnServe, waitHealthy, makeTempDir, freePort,
  cleanEnv, Server, sleep, DISCOVERY_USERS,
} from '../api/harness.mjs';

export * from '../api/harness.mjs';

// The web app's directory (src/messages, dist, node_modules/vant);
// CIVICARE_E2E_WEB points at another copy (a snapshot being built).
export const WEB = process.env.CIVICARE_E2E_WEB || join(REPO, 'web');
export const DIST = join(WEB, 'dist');
// playwright-core is a devDependency of web/ (it never downloads a browser)
const require = createRequire(join(WEB, 'package.json'));
// where the README's screenshots go (CIVICARE_E2E_SHOTS elsewhere, to
// leave the committed ones alone)
export const SHOTS = process.env.CIVICARE_E2E_SHOTS || join(REPO, 'docs', 'screenshots');
export const ARTIFACTS = process.env.CIVICARE_E2E_ARTIFACTS || join(REPO, 'build', 'e2e');
export const PHONE = { width: 360, height: 640 };
export const DESKTOP = { width: 1366, height: 800 };
export const CHROMIUM = process.env.CIVICARE_CHROMIUM || '/usr/bin/chromium';

// Users of the browser tests: the discovery fixture plus an admin that
// exists already there.
export const E2E_USERS = DISCOVERY_USERS;

export function playwright() {
  return require('playwright-core');
}

export async function launchBrowser() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)`);
  assert.ok(existsSync(join(DIST, 'index.html')), `${DIST}/index.html is missing (cd web && npm ci && npm run build)`);
  const { chromium } = playwright();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

// === the server ===

// Like the harness's startServer, but on a port of CIVICARE_E2E_PORT_BASE
// + slot when that is set (so parallel sessions keep to their ranges),
// otherwise on a free port.
export async function startE2EServer({ slot = 0, users = E2E_USERS, tag = 'e2e', env = {} } = {}) {
  assert.ok(existsSync(BIN), `CIVICARE_BIN ${BIN} does not exist (make build/civicare)`);
  const dir = await makeTempDir(tag);
  const db = join(dir, 't.db');
  const mig = await run(['migrate', '--db', db]);
  assert.equal(mig.code, 0, `civicare migrate exited ${mig.code}:\n${mig.out}`);
  for (const u of users) await addUser(db, u);
  const base = Number(process.env.CIVICARE_E2E_PORT_BASE || 0);
  const port = base ? base + slot : await freePort();
  const addr = `127.0.0.1:${port}`;
  const args = ['--db', db, '--listen', addr, '--threads', '4', '--web-root', DIST];
  const proc = spawnServe(args, { env: cleanEnv(env) });
  const up = await waitHealthy(addr, { child: proc.child });
  if (!up) {
    await proc.stop(5000);
    throw new Error(`civicare serve did not answer /healthz on ${addr} within 20 s; its output:\n${proc.log}`);
  }
  const srv = new Server({ dir, db, addr, port, proc, users });
  srv.baseArgs = args;
  return srv;
}

// === pages and their errors ===

// A browser context of the given size whose pages record every console
// error, page error and failed request into ctx.problems (strings).
// lang: 'zh-CN' | 'en' (stored where web/src/i18n.ts reads it).
export async function newContext(browser, srv, { viewport = PHONE, lang, mobile, name = 'ctx' } = {}) {
  const isPhone = mobile ?? viewport.width < 800;
  const ctx = await browser.newContext({
    baseURL: srv.base,
    viewport,
    deviceScaleFactor: 1,
    isMobile: isPhone,
    hasTouch: isPhone,
    locale: lang === 'en' ? 'en-US' : 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(20_000);
  ctx.problems = [];
  ctx.expected = [];      // [{url: RegExp, status?}] the test itself causes
  ctx.label = name;
  if (lang) await setLanguage(ctx, lang);
  ctx.on('page', (p) => watchPage(ctx, p));
  return ctx;
}

// The language the app keeps in localStorage (web/src/i18n.ts), set before
// the app starts on each new page of the context.
export const LANG_KEY = 'civicare.lang';
export async function setLanguage(ctx, lang) {
  await ctx.addInitScript(([k, l]) => {
    try { if (!sessionStorage.getItem('e2e.langSet')) { localStorage.setItem(k, l); sessionStorage.setItem('e2e.langSet', '1'); } } catch { /* opaque origin */ }
  }, [LANG_KEY, lang]);
}

function expectedFailure(ctx, url, status) {
  return ctx.expected.some((e) => e.url.test(url) && (e.status === undefined || e.status === status));
}

export function watchPage(ctx, page) {
  // requests in flight, for settle()
  page.inflight = new Set();
  page.lastNet = Date.now();
  page.on('request', (r) => { page.inflight.add(r); page.lastNet = Date.now(); });
  const done = (r) => { page.inflight.delete(r); page.lastNet = Date.now(); };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  const where = () => { try { return new URL(page.url()).pathname; } catch { return page.url(); } };
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const loc = m.location();
    const text = m.text();
    // Chromium logs every 4xx/5xx as "Failed to load resource"; the
    // response handler below judges those (the test may cause some).
    if (/^Failed to load resource: the server responded with a status of (\d+)/.test(text)) {
      const st = Number(RegExp.$1);
      if (expectedFailure(ctx, loc?.url || '', st)) return;
      if (ctx.offline && /net::ERR_INTERNET_DISCONNECTED/.test(text)) return;
    }
    if (ctx.offline && /ERR_INTERNET_DISCONNECTED|Failed to fetch|NetworkError/.test(text)) return;
    ctx.problems.push(`[${ctx.label}] console error on ${where()}: ${text}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (e) => ctx.problems.push(`[${ctx.label}] page error on ${where()}: ${e.stack || e.message}`));
  page.on('requestfailed', (r) => {
    const err = r.failure()?.errorText || '';
    if (ctx.offline && /ERR_INTERNET_DISCONNECTED/.test(err)) return;
    // a request cut short by leaving the page (the test's page.goto) or by
    // the app's own AbortController is not a failure
    if (/net::ERR_ABORTED/.test(err)) return;
    if (expectedFailure(ctx, r.url())) return;
    ctx.problems.push(`[${ctx.label}] request failed on ${where()}: ${r.method()} ${r.url()} ${err}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    if (expectedFailure(ctx, r.url(), r.status())) return;
    ctx.problems.push(`[${ctx.label}] ${r.request().method()} ${r.url()} -> ${r.status()} on ${where()}`);
  });
}

export function assertNoProblems(...ctxs) {
  const all = ctxs.flatMap((c) => c?.problems || []);
  assert.deepEqual(all, [], `browser problems:\n${all.join('\n')}`);
}

// Save a screenshot (to the artifacts dir unless a path is given); returns
// the path.
export async function shot(page, name, { path, fullPage = false } = {}) {
  const p = path || join(ARTIFACTS, `${name}.png`);
  mkdirSync(dirname(p), { recursive: true });
  await page.screenshot({ path: p, fullPage });
  return p;
}

// Wrap a step: on failure, screenshot the page and say where it was.
export async function step(page, name, fn) {
  try {
    return await fn();
  } catch (e) {
    let p = '(no screenshot)';
    try { p = await shot(page, `fail-${name.replace(/[^\w.-]+/g, '_')}`, { fullPage: true }); } catch { /* page gone */ }
    let url = '?';
    try { url = page.url(); } catch { /* gone */ }
    let probs = [];
    try { probs = page.context().problems || []; } catch { /* gone */ }
    e.message = `step "${name}" failed on ${url} (screenshot ${p}):\n${e.message}`
      + (probs.length ? `\nbrowser problems so far:\n${probs.join('\n')}` : '');
    throw e;
  }
}

// === logging in through the page ===

// Fill /login and submit; waits until the app has left /login.
export async function uiLogin(page, username, { password = PASSWORD, expectPath } = {}) {
  await page.goto('/login');
  const user = page.locator('input[autocomplete="username"], input[name="username"], input#username, input[type="text"]').first();
  await user.waitFor({ state: 'visible' });
  await user.fill(username);
  await page.locator('input[type="password"]').first().fill(password);
  const submit = page.locator('button[type="submit"], form button').first();
  if (await submit.count()) await submit.click(); else await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 });
  if (expectPath) await page.waitForURL((u) => expectPath.test(u.pathname));
}

// === messages ===

function walkJson(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...walkJson(p));
    else if (f.endsWith('.json')) out.push(p);
  }
  return out;
}

function flatten(obj, prefix = '', out = new Map()) {
  if (typeof obj === 'string') out.set(prefix, obj);
  else if (Array.isArray(obj)) obj.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  else if (obj && typeof obj === 'object') for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

// {lang: Map(key -> value)} of web/src/messages/<lang>/**.json; the key
// is "<file>.<path>" (file name without .json).
export function loadMessages() {
  const root = join(WEB, 'src', 'messages');
  const out = {};
  if (!existsSync(root)) return out;
  for (const lang of readdirSync(root)) {
    const d = join(root, lang);
    if (!statSync(d).isDirectory()) continue;
    const m = new Map();
    for (const f of walkJson(d)) {
      const area = f.slice(d.length + 1).replace(/\.json$/, '').replaceAll('/', '.');
      flatten(JSON.parse(readFileSync(f, 'utf8')), area, m);
    }
    out[lang] = m;
  }
  return out;
}

const norm = (s) => s.replace(/\s+/g, ' ').trim();
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// "{n} 条" -> /^.+? 条$/ ; plural "a | b" forms each alone too.
function valuePatterns(v) {
  const vals = [v, ...(v.includes(' | ') ? v.split(' | ') : [])].map(norm).filter(Boolean);
  const exact = [];
  const res = [];
  for (const x of vals) {
    if (/\{[\w.]+\}/.test(x)) {
      const parts = x.split(/\{[\w.]+\}/).map((p) => escapeRe(norm(p)));
      res.push(new RegExp(`^${parts.join('\\s*(.+?)\\s*')}$`, 's'));
    } else exact.push(x);
  }
  return { exact, res };
}

// Vant's built-in strings of a language ("确认", "Loading..."): text
// that comes from its locale, which the app switches with the language.
async function vantStrings(lang) {
  const file = join(WEB, 'node_modules', 'vant', 'es', 'locale', 'lang', lang === 'en' ? 'en-US.mjs' : 'zh-CN.mjs');
  if (!existsSync(file)) return { exact: [], res: [] };
  const mod = (await import(pathToFileURL(file).href)).default;
  const exact = [];
  const res = [];
  const walk = (o) => {
    if (typeof o === 'string') exact.push(norm(o));
    else if (typeof o === 'function') {
      const s = String(o(...new Array(o.length).fill('\u0001')));
      res.push(new RegExp(`^${s.split('\u0001').map((p) => escapeRe(norm(p))).join('(.+?)')}$`, 's'));
    } else if (o && typeof o === 'object') Object.values(o).forEach(walk);
  };
  walk(mod);
  return { exact, res };
}

// A checker for one language: ok(text) says whether a visible text node
// is a message value (params as wildcards), a Vant built-in string of
// that language, a date/money/count in the app's formats, or only digits,
// punctuation and symbols.
export async function textChecker(lang) {
  const all = loadMessages();
  const dir = lang === 'en' ? 'en' : 'zh-CN';
  const msgs = all[dir];
  assert.ok(msgs && msgs.size > 0, `no messages in web/src/messages/${dir}/`);
  const exact = new Set();
  const res = [];
  for (const v of msgs.values()) {
    const p = valuePatterns(v);
    p.exact.forEach((x) => exact.add(x));
    res.push(...p.res);
  }
  const vant = await vantStrings(lang);
  vant.exact.forEach((x) => exact.add(x));
  res.push(...vant.res);
  const formats = [
    /^\d{4}年\d{1,2}月(\d{1,2}日)?( \d{1,2}:\d{2}(:\d{2})?)?$/,   // 2026年11月28日 (zh dates)
    /^-?[\d,]+(\.\d+)?\s?元$/,                                   // 1,234.50 元
    /^\d{4}-\d{2}(-\d{2})?( \d{2}:\d{2}(:\d{2})?)?$/,
    /^±\d+ ?(米|m)$/,                                             // position accuracy
  ];
  const symbolsOnly = /^[\p{N}\p{P}\p{S}\s]+$/u;
  // a templated message matches when each filled-in part is itself fine
  // (a message, a number, a date...): "{kind}（编号 {id}）" takes "案件"
  // and "12", not a name from the API (that belongs in [data-raw])
  const templated = (t, depth) => res.some((r) => {
    const m = r.exec(t);
    return m && m.slice(1).every((g) => whole(norm(g), depth + 1));
  });
  const whole = (t, depth = 0) => exact.has(t) || symbolsOnly.test(t) || formats.some((r) => r.test(t))
    || (depth < 3 && templated(t, depth));
  return (text) => {
    const t = norm(text);
    if (!t || whole(t)) return true;
    // messages joined by a separator in one text node ("共 3 条 · 日期按北京时间")
    const parts = t.split(/\s+[·|•｜]\s+|\s*·\s*/).map(norm).filter(Boolean);
    if (parts.length && parts.every((p) => whole(p) || segmentsOk(p))) return true;
    return segmentsOk(t);
  };
  function segmentsOk(t) {
    // a message with a number or mark before or after it in one text node
    // ("待发送：3", "Overdue, not decided: 0", "Cases (5)")
    const core = norm(t.replace(/^[\p{N}\p{P}\p{S}\s]+|[\p{N}\p{P}\p{S}\s]+$/gu, ''));
    if (core && whole(core)) return true;
    const segs = t.split(/\s*[\p{N}\p{P}\p{S}]+(?:[\s\p{N}\p{P}\p{S}]*[\p{N}\p{P}\p{S}])?\s*/u).map(norm).filter(Boolean);
    return segs.length > 0 && segs.every((x) => whole(x));
  }
}

// The visible text nodes of the page outside [data-raw] (and visible
// placeholders): [{text, where}].
export async function visibleTexts(page) {
  return page.evaluate(() => {
    const out = [];
    const visible = (el) => {
      if (!el || !el.isConnected) return false;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) return false;
      const r = el.getClientRects();
      if (!r.length) return false;
      return [...r].some((x) => x.width > 0 && x.height > 0);
    };
    const path = (el) => {
      const bits = [];
      for (let e = el; e && e !== document.body && bits.length < 4; e = e.parentElement) {
        bits.unshift(e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') + (e.classList.length ? `.${[...e.classList].slice(0, 2).join('.')}` : ''));
      }
      return bits.join(' > ');
    };
    const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      const t = n.nodeValue.replace(/\s+/g, ' ').trim();
      if (!t) continue;
      const el = n.parentElement;
      if (!el || el.closest('[data-raw],script,style,noscript,template,svg title')) continue;
      if (!visible(el)) continue;
      // text marked as Chinese (<button lang="zh-CN">中文</button>, the
      // language switch) may be Chinese on an English page
      out.push({ text: t, where: path(el), zh: !!el.closest('[lang^="zh"]:not(html)') });
    }
    for (const el of document.querySelectorAll('input[placeholder],textarea[placeholder]')) {
      if (el.closest('[data-raw]') || !visible(el) || el.value) continue;
      const t = el.getAttribute('placeholder').replace(/\s+/g, ' ').trim();
      if (t) out.push({ text: t, where: `${path(el)}[placeholder]` });
    }
    return out;
  });
}

export const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;

// Problems of one page's text: [string]
export async function checkPageText(page, ok, lang) {
  const bad = [];
  const where = new URL(page.url()).pathname;
  for (const { text, where: w, zh } of await visibleTexts(page)) {
    if (!ok(text)) bad.push(`${lang} ${where}: "${text}" is not a message (${w})`);
    else if (lang === 'en' && CJK.test(text.replace(/\p{S}/gu, '')) && !zh) bad.push(`en ${where}: CJK text "${text}" outside [data-raw] (${w})`);
  }
  return bad;
}

// Wait until the page has settled: the document loaded, no request in
// flight for `quiet` ms, and no loading indicator.
export async function settle(page, { timeout = 10_000, quiet = 300 } = {}) {
  const deadline = Date.now() + timeout;
  try { await page.waitForLoadState('load', { timeout }); } catch { /* the caller's checks will say */ }
  if (page.inflight) {
    while (Date.now() < deadline) {
      if (page.inflight.size === 0 && Date.now() - page.lastNet >= quiet) break;
      await sleep(50);
    }
  } else {
    try { await page.waitForLoadState('networkidle', { timeout }); } catch { /* long poll etc. */ }
  }
  try {
    await page.waitForFunction(() => !document.querySelector('.van-loading:not([style*="display: none"]), [aria-busy="true"]'),
      null, { timeout: Math.max(500, Math.min(3000, deadline - Date.now())) });
  } catch { /* something keeps loading; the caller's checks will say */ }
}

// The message value of `key` ("courier.submit") in lang, or throws.
export function msg(key, lang = 'zh-CN') {
  const m = loadMessages()[lang];
  assert.ok(m, `no messages for ${lang}`);
  if (m.has(key)) return m.get(key);
  throw new Error(`message ${key} not in web/src/messages/${lang}/`);
}

export { sleep };

// Run fn over items, at most `n` at a time; results in order.
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
