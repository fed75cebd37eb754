// harness.mjs - a real civicare server on a fresh database, for the API tests.
//
// Each test file calls startServer() in before() and server.stop() in after():
// a temp dir, `civicare migrate`, the fixture users made with `civicare user
// add` (password on stdin), then `civicare serve` as a child on a free local
// port.  Its stdout/stderr go into a buffer that is printed when a test
// wrapped by serverTest() fails or when the server exits non-zero.
// Clients carry the session cookie and X-CSRF-Token (or a bearer token) by
// themselves.  No timing is assumed beyond generous timeouts: the same suite
// runs against an ASan build.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { test } from 'node:test';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.CIVICARE_BIN || join(REPO, 'build', 'civicare');
export const WEB_ROOT = join(REPO, 'web', 'dist');
export const PASSWORD = 'Fixture-pass-2026';
export const REQUEST_TIMEOUT_MS = 120_000;

// Fixture divisions (docs/API.md, "Commands").
export const COUNTY = '500231';
export const ZHOUJIA = '500231103';         // 周嘉镇
export const QILONG = '500231103201';       // 骑龙村
export const VILLAGE_B = '500231103202';
export const XINMIN = '500231101';          // 新民镇
export const XINMIN_VILLAGE = '500231101200';
export const TANHEICHANG = '500231002001';  // 炭黑厂社区

export const FIXTURE_USERS = [
  { username: 'admin', role: 'admin', region: COUNTY },
  { username: 'couriera', role: 'courier', region: QILONG },
  { username: 'courierb', role: 'courier', region: VILLAGE_B },
  { username: 'assistanta', role: 'assistant', region: QILONG },
  { username: 'commanderz', role: 'commander', region: ZHOUJIA },
  { username: 'commanderx', role: 'commander', region: XINMIN },
  { username: 'reviewer', role: 'reviewer', region: COUNTY, department: 'civil_affairs' },
  { username: 'inspector', role: 'inspector', region: COUNTY },
  { username: 'eldercare', role: 'eldercare', region: ZHOUJIA },
];

// === ID numbers (GB 11643) ===

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

export function checkChar(digits17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(digits17[i]) * WEIGHTS[i];
  return '10X98765432'[sum % 11];
}

let idCounter = 0;

// A valid, never-repeated (within this process) number under region 500231.
// sex 'M' or 'F' picks the sequence parity; wantCheck forces a check char.
// birth 'YYYYMMDD' fixes the birth date (the sequence still varies).
export function makeIdNumber({ sex, region = COUNTY, wantCheck, birth } = {}) {
  for (let tries = 0; tries < 100000; tries++) {
    const n = idCounter++;
    const day = new Date(Date.UTC(1940, 0, 1) + n * 86400000 * 3);
    const ymd = birth || day.toISOString().slice(0, 10).replaceAll('-', '');
    let seq = 100 + (n % 400) * 2;                 // even = female
    if (sex === 'M' || (sex === undefined && n % 2)) seq += 1;
    const d17 = `${region}${ymd}${String(seq).padStart(3, '0')}`;
    const c = checkChar(d17);
    if (wantCheck && c !== wantCheck) continue;
    return d17 + c;
  }
  throw new Error('makeIdNumber: no number found');
}

export function maskId(n) {
  return `${n.slice(0, 6)}********${n.slice(14)}`;
}

export function toFullWidth(s) {
  return [...s].map((ch) => {
    if (ch >= '0' && ch <= '9') return String.fromCharCode(0xff10 + ch.charCodeAt(0) - 48);
    if (ch === 'X') return '\uff38';
    if (ch === 'x') return '\uff58';
    return ch;
  }).join('');
}

let nameCounter = 0;
export function uniqueName(prefix = '测试') {
  nameCounter++;
  return `${prefix}${process.pid % 1000}号${nameCounter}`;
}

// test(name, fn) whose failure prints the server's output (getServer() may
// be undefined when before() failed) and which never hangs forever.
export function serverTest(getServer, { timeout = 240_000 } = {}) {
  return (name, fn) => test(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      getServer()?.printLog(`server output after failure of "${name}"`);
      throw e;
    }
  });
}

// === processes ===

// Environment without inherited CIVICARE_* settings (they would override
// what a test means to set), plus `extra`.
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CIVICARE_') || k === 'CIVICARE_BIN') env[k] = v;
  }
  return { ...env, ...extra };
}

// Run the CLI to completion: {code, signal, stdout, stderr, out}.
export function run(args, { input, env, timeoutMs = 180_000, cwd = REPO } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(BIN, args, { cwd, env: env || cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); rej(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr, out: stdout + stderr });
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.write(input);
    child.stdin.end();
  });
}

// Run the sqlite3 command-line tool on a file: stdout, throws on failure.
export function sqlite(dbPath, sql) {
  return new Promise((res, rej) => {
    const child = spawn('sqlite3', ['-batch', '-bail', dbPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', rej);
    child.on('close', (code) => {
      if (code === 0) res(out);
      else rej(new Error(`sqlite3 ${dbPath} exited ${code}: ${err}\nSQL: ${sql}`));
    });
    child.stdin.end(`.timeout 20000\n${sql}\n`);
  });
}

export async function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Poll GET http://addr/healthz until 200 or the deadline; true when up.
export async function waitHealthy(addr, { timeoutMs = 20_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) return false;
    try {
      const r = await fetch(`http://${addr}/healthz`, { signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      if (r.status === 200) return true;
    } catch { /* not up yet */ }
    await sleep(100);
  }
  return false;
}

export async function makeTempDir(tag = 'api') {
  return mkdtempSync(join(tmpdir(), `civicare-${tag}-`));
}

export async function addUser(db, u, password = PASSWORD) {
  const args = ['user', 'add', '--db', db, '--username', u.username, '--role', u.role,
    '--region', u.region, '--password-stdin'];
  if (u.department) args.push('--department', u.department);
  if (u.name) args.push('--name', u.name);
  const r = await run(args, { input: `${password}\n` });
  assert.equal(r.code, 0, `civicare ${args.join(' ')} exited ${r.code}:\n${r.out}`);
  return r;
}

// A server child with its output buffered; stop() sends SIGTERM and
// resolves with the exit code (or signal name).
export function spawnServe(args, { env, cwd = REPO } = {}) {
  const child = spawn(BIN, ['serve', ...args], { cwd, env: env || cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, log: '' };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => { proc.log += d; });
  child.stderr.on('data', (d) => { proc.log += d; });
  proc.exited = new Promise((res) => {
    child.on('close', (code, signal) => res(code === null ? signal : code));
    child.on('error', (e) => { proc.log += `spawn error: ${e.message}\n`; res('spawn-error'); });
  });
  proc.stop = async (timeoutMs = 60_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await proc.exited;
    clearTimeout(timer);
    return code;
  };
  return proc;
}

// === the server under test ===

export async function startServer({ users = FIXTURE_USERS, threads = 4, tag = 'api', extraArgs = [], env = {} } = {}) {
  assert.ok(existsSync(BIN), `CIVICARE_BIN ${BIN} does not exist (make build/civicare)`);
  const dir = await makeTempDir(tag);
  const db = join(dir, 't.db');
  const mig = await run(['migrate', '--db', db]);
  assert.equal(mig.code, 0, `civicare migrate exited ${mig.code}:\n${mig.out}`);
  for (const u of users) await addUser(db, u);

  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const args = ['--db', db, '--listen', addr, '--threads', String(threads), '--web-root', WEB_ROOT];
  // department files go under the temp dir, not the repository's data/
  const dataDir = join(dir, 'data');
  const proc = spawnServe([...args, ...extraArgs], { env: cleanEnv({ CIVICARE_DATA_DIR: dataDir, ...env }) });
  const up = await waitHealthy(addr, { child: proc.child });
  if (!up) {
    await proc.stop(5000);
    throw new Error(`civicare serve did not answer /healthz within 20 s; its output:\n${proc.log}`);
  }
  const srv = new Server({ dir, db, addr, port, proc, users });
  srv.baseArgs = args;
  srv.dataDir = dataDir;
  return srv;
}

export class Server {
  constructor({ dir, db, addr, port, proc, users }) {
    Object.assign(this, { dir, db, addr, port, proc, users });
    this.base = `http://${addr}`;
    this.clients = new Map();
    this.stopped = false;
  }

  get log() { return this.proc.log; }

  printLog(why = 'server output') {
    const all = (this.oldLogs ? `${this.oldLogs}----- (restarted) -----\n` : '') + this.proc.log;
    const tail = all.length > 20000 ? `…${all.slice(-20000)}` : all;
    process.stderr.write(`\n----- ${why} (${this.addr}) -----\n${tail}\n----- end -----\n`);
  }

  // SIGTERM; asserts a clean exit (0) and removes the temp dir.
  async stop({ keep = false } = {}) {
    if (this.stopped) return this.exitCode;
    this.stopped = true;
    const code = await this.proc.stop();
    this.exitCode = code;
    if (code !== 0) this.printLog(`server exited ${code}`);
    if (!keep && code === 0) rmSync(this.dir, { recursive: true, force: true });
    assert.equal(code, 0, `civicare serve should exit 0 on SIGTERM, got ${code}`);
    return code;
  }

  anon() { return new Client(this, {}); }

  // SIGKILL, no cleanup: the process dies wherever it is.
  async kill() {
    this.proc.child.kill('SIGKILL');
    await this.proc.exited;
    this.oldLogs = (this.oldLogs || '') + this.proc.log;
  }

  // Stop (SIGTERM, asserting exit 0; or {kill:true}: SIGKILL) and start
  // `civicare serve` again on the same database and address, with other
  // settings: {env:{CIVICARE_CLOCK_OFFSET:'691200'}, extraArgs:[...]}.
  // Cached clients are dropped (sessions may have expired on the new clock).
  async restart({ env = {}, extraArgs = [], kill = false } = {}) {
    const running = this.proc.child.exitCode === null && this.proc.child.signalCode === null;
    if (kill) {
      if (running) await this.kill();
    } else if (running) {
      const code = await this.proc.stop();
      this.oldLogs = (this.oldLogs || '') + this.proc.log;
      if (code !== 0) this.printLog(`server exited ${code} on restart`);
      assert.equal(code, 0, `civicare serve should exit 0 on SIGTERM, got ${code}`);
    }
    this.clients = new Map();
    const keep = this.dataDir ? { CIVICARE_DATA_DIR: this.dataDir } : {};
    this.proc = spawnServe([...this.baseArgs, ...extraArgs], { env: cleanEnv({ ...keep, ...env }) });
    const up = await waitHealthy(this.addr, { child: this.proc.child, timeoutMs: 30_000 });
    if (!up) {
      await this.proc.stop(5000);
      throw new Error(`civicare serve did not come back on ${this.addr}; its output:\n${this.proc.log}`);
    }
    return this;
  }

  // Add accounts with the CLI (works while serving: SQLite).
  async addUsers(users) {
    for (const u of users) await addUser(this.db, u);
    this.users = [...this.users, ...users];
  }

  // Log in; {bearer:true} asks for a token.  Throws unless 200.
  async login(username, { password = PASSWORD, bearer = false } = {}) {
    const anon = this.anon();
    const body = { username, password };
    if (bearer) body.client = 'bearer';
    const r = await anon.post('/api/auth/login', body);
    assert.equal(r.status, 200, `login ${username}: ${r.status} ${r.text}`);
    if (bearer) {
      assert.ok(r.json.token, `bearer login ${username} returned no token: ${r.text}`);
      return new Client(this, { bearer: r.json.token, user: r.json.user, login: r });
    }
    const cookie = sessionCookie(r.headers);
    assert.ok(cookie, `login ${username} set no civicare_session cookie`);
    return new Client(this, { cookie, csrf: r.json.csrf_token, user: r.json.user, login: r });
  }

  // One cached cookie client per fixture user.
  async as(username) {
    if (!this.clients.has(username)) this.clients.set(username, await this.login(username));
    return this.clients.get(username);
  }

  // === fixtures made as the admin ===

  async createHousehold({ region = QILONG, address, area_kind, as = 'admin' } = {}) {
    const c = await this.as(as);
    const body = { region_code: region, address: address || `${uniqueName('地址')}组${region}` };
    if (area_kind) body.area_kind = area_kind;
    const r = await c.post('/api/households', body);
    assert.equal(r.status, 201, `create household in ${region}: ${r.status} ${r.text}`);
    assert.ok(Number.isInteger(r.json.id), `household create answered no id: ${r.text}`);
    return r.json;
  }

  async createPerson({ region = QILONG, household, relation, name, id_number, sex, as = 'admin', ...rest } = {}) {
    const c = await this.as(as);
    const body = { name: name || uniqueName(), id_number: id_number || makeIdNumber({ sex }), ...rest };
    if (household) {
      body.household_id = typeof household === 'object' ? household.id : household;
      body.relation = relation || 'self';
    } else {
      body.region_code = region;
    }
    const r = await c.post('/api/persons', body);
    assert.equal(r.status, 201, `create person ${JSON.stringify(body)}: ${r.status} ${r.text}`);
    assert.ok(Number.isInteger(r.json.id), `person create answered no id: ${r.text}`);
    return { ...r.json, full_id_number: body.id_number };
  }
}

export function sessionCookie(headers) {
  for (const c of headers.getSetCookie()) {
    const m = /^civicare_session=([^;]*)/.exec(c);
    if (m && m[1]) return `civicare_session=${m[1]}`;
  }
  return null;
}

// An HTTP client that carries its credentials.  Every call resolves to
// {status, headers, text, json} (json null when the body is not JSON).
export class Client {
  constructor(server, { cookie, csrf, bearer, user, login } = {}) {
    Object.assign(this, { server, cookie, csrf, bearer, user, login });
  }

  async request(method, path, { body, raw, contentType, headers = {}, csrf = true, auth = true, lang } = {}) {
    const h = { ...headers };
    if (auth && this.cookie) h.Cookie = this.cookie;
    if (auth && this.bearer) h.Authorization = `Bearer ${this.bearer}`;
    if (csrf && this.csrf && method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (raw !== undefined) {
      payload = raw;
      if (contentType) h['Content-Type'] = contentType;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] = contentType || 'application/json';
    }
    let url = this.server.base + path;
    if (lang) url += (path.includes('?') ? '&' : '?') + `lang=${lang}`;
    const res = await fetch(url, {
      method, headers: h, body: payload, redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    // bytes as sent (text, like fetch's text(), drops a UTF-8 BOM)
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = new TextDecoder('utf-8').decode(bytes);
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, headers: res.headers, text, bytes, json, method, path };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, body, opts = {}) { return this.request('POST', path, { ...opts, body }); }
  patch(path, body, opts = {}) { return this.request('PATCH', path, { ...opts, body }); }
  put(path, body, opts = {}) { return this.request('PUT', path, { ...opts, body }); }
  delete(path, opts) { return this.request('DELETE', path, opts); }
}

// === assertions ===

// The one error shape: {"error":{"code","message",...}}; returns the error.
export function assertError(r, status, { code, field } = {}) {
  const where = `${r.method} ${r.path} -> ${r.status} ${r.text.slice(0, 500)}`;
  assert.equal(r.status, status, `expected ${status}: ${where}`);
  assert.ok(r.json && typeof r.json.error === 'object' && r.json.error !== null,
    `error body must be {"error":{...}}: ${where}`);
  const e = r.json.error;
  assert.equal(typeof e.code, 'string', `error.code must be a string: ${where}`);
  assert.ok(e.code.length > 0, `error.code empty: ${where}`);
  assert.equal(typeof e.message, 'string', `error.message must be a string: ${where}`);
  assert.ok(e.message.length > 0, `error.message empty: ${where}`);
  if (code !== undefined) assert.equal(e.code, code, `error.code: ${where}`);
  if (field !== undefined) assert.equal(e.field, field, `error.field: ${where}`);
  return e;
}

export function assertStatus(r, status) {
  assert.equal(r.status, status, `${r.method} ${r.path}: expected ${status}, got ${r.status} ${r.text.slice(0, 500)}`);
  return r.json;
}

export const hasChinese = (s) => /[\u4e00-\u9fff]/.test(s);

// === raw HTTP (paths fetch would normalise) ===

// Send a request line byte for byte; resolves {status, headers, body}.
export function rawRequest(addr, requestText, { timeoutMs = 30_000 } = {}) {
  const [host, port] = addr.split(':');
  return new Promise((res, rej) => {
    const sock = net.connect(Number(port), host);
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); rej(new Error('raw request timed out')); }, timeoutMs);
    sock.on('connect', () => sock.write(requestText));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => { clearTimeout(timer); rej(e); });
    sock.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(all);
      const split = all.indexOf('\r\n\r\n');
      res({
        status: m ? Number(m[1]) : 0,
        head: split >= 0 ? all.slice(0, split) : all,
        body: split >= 0 ? all.slice(split + 4) : '',
        all,
      });
    });
  });
}

// === docs/API.md tables ===

export function readApiDoc() {
  return readFileSync(join(REPO, 'docs', 'API.md'), 'utf8');
}

// Rows of the first markdown table after the heading `heading`:
// an array of arrays of trimmed cell texts, header row first.
export function markdownTable(md, heading) {
  const lines = md.split('\n');
  let i = lines.findIndex((l) => l.replace(/^#+\s*/, '').trim() === heading && l.startsWith('#'));
  assert.ok(i >= 0, `docs/API.md has no heading "${heading}"`);
  while (i < lines.length && !lines[i].trim().startsWith('|')) i++;
  const rows = [];
  for (; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const cells = splitRow(lines[i]);
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    rows.push(cells);
  }
  return rows;
}

// Split a table row on the pipes that are not inside `code`.
function splitRow(line) {
  const s = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells = [];
  let cur = '';
  let inCode = false;
  for (const ch of s) {
    if (ch === '`') inCode = !inCode;
    if (ch === '|' && !inCode) { cells.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

// [{method, path, permission}] from the "Endpoints" table.
export function docEndpoints() {
  const rows = markdownTable(readApiDoc(), 'Endpoints');
  const [head, ...body] = rows;
  const col = (n) => head.indexOf(n);
  return body.map((r) => ({
    method: r[col('method')].toUpperCase(),
    path: r[col('path')].replaceAll('`', ''),
    permission: r[col('permission')].replaceAll('`', ''),
  }));
}

// {role: Set(permission)} from the "Roles and permissions" table.
export function docRolePermissions() {
  const rows = markdownTable(readApiDoc(), 'Roles and permissions');
  const [head, ...body] = rows;
  const roles = head.slice(1);
  const out = Object.fromEntries(roles.map((r) => [r, new Set(['public', 'signed_in'])]));
  for (const r of body) {
    roles.forEach((role, k) => { if (r[k + 1].trim() !== '') out[role].add(r[0]); });
  }
  return out;
}

// === test images, made byte by byte ===

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// A valid 2x2 RGB PNG; `seed` picks the colour, so different seeds give
// different bytes (and sha256).
export function tinyPng(seed = 0) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const px = [seed & 0xff, (seed >> 8) & 0xff, (seed * 37 + 11) & 0xff];
  const row = Buffer.from([0, ...px, ...px]);
  const raw = Buffer.concat([row, row]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// A valid baseline JPEG, 1x1 grey: one 8x8 block whose DC difference is 0
// and whose AC part is end-of-block, with one-symbol Huffman tables.
// `seed` goes into a COM segment so bytes differ between seeds.
export function tinyJpeg(seed = 0) {
  const seg = (marker, body) => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length + 2);
    return Buffer.concat([Buffer.from([0xff, marker]), len, Buffer.from(body)]);
  };
  const dqt = [0x00, ...new Array(64).fill(1)];
  const sof = [8, 0, 1, 0, 1, 1, 1, 0x11, 0];
  const huff = (cls) => [cls, 1, ...new Array(15).fill(0), 0x00];
  const sos = [1, 1, 0x00, 0, 63, 0];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    seg(0xfe, [...Buffer.from(`civicare test ${seed}`, 'latin1')]),
    seg(0xdb, dqt),
    seg(0xc0, sof),
    seg(0xc4, huff(0x00)),
    seg(0xc4, huff(0x10)),
    seg(0xda, sos),
    Buffer.from([0x3f]),
    Buffer.from([0xff, 0xd9]),
  ]);
}

// Upload image bytes as `as`; returns the answer.
export function uploadPhoto(client, bytes, contentType = 'image/png') {
  return client.request('POST', '/api/photos', { raw: bytes, contentType });
}

// === dates in China time ===

export function chinaDate(offsetSeconds = 0, ms = Date.now()) {
  return new Date(ms + (offsetSeconds + 8 * 3600) * 1000).toISOString().slice(0, 10);
}

export function chinaMonth(utcIso) {
  return new Date(Date.parse(utcIso) + 8 * 3600 * 1000).toISOString().slice(0, 7);
}

// === a local webhook receiver ===

// Records every POST: {headers, body (string), at}.  Created down; call
// listen() to start accepting, close() to stop.  `status` is what it
// answers (default 200).
export class WebhookReceiver {
  constructor(port) {
    this.port = port;
    this.received = [];
    this.status = 200;
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (d) => chunks.push(d));
      req.on('end', () => {
        this.received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        res.writeHead(this.status, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
  }

  get url() { return `http://127.0.0.1:${this.port}/hook`; }

  listen() {
    return new Promise((res, rej) => {
      this.server.once('error', rej);
      this.server.listen(this.port, '127.0.0.1', () => res());
    });
  }

  close() {
    return new Promise((res) => {
      if (!this.server.listening) { res(); return; }
      this.server.closeAllConnections?.();
      this.server.close(() => res());
    });
  }
}

// Poll fn() until it returns a truthy value or timeoutMs passes; returns
// the last value.
export async function pollUntil(fn, { timeoutMs = 60_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let v;
  for (;;) {
    v = await fn();
    if (v || Date.now() >= deadline) return v;
    await sleep(intervalMs);
  }
}

// === proactive discovery fixtures (docs/DISCOVERY.md) ===

// Accounts the discovery tests share: reviewers per department, two
// assistants and a courier in 骑龙村, a courier of the other village, one
// of 新民镇, commanders of two townships.
export const DISCOVERY_USERS = [
  { username: 'admin', role: 'admin', region: COUNTY },
  { username: 'couriera', role: 'courier', region: QILONG },
  { username: 'courierb', role: 'courier', region: VILLAGE_B },
  { username: 'courierx', role: 'courier', region: XINMIN_VILLAGE },
  { username: 'assistanta', role: 'assistant', region: QILONG },
  { username: 'assistantb', role: 'assistant', region: QILONG },
  { username: 'assistantx', role: 'assistant', region: XINMIN_VILLAGE },
  { username: 'commanderz', role: 'commander', region: ZHOUJIA },
  { username: 'commanderx', role: 'commander', region: XINMIN },
  { username: 'rev_civil', role: 'reviewer', region: COUNTY, department: 'civil_affairs' },
  { username: 'rev_medical', role: 'reviewer', region: COUNTY, department: 'medical_security' },
  { username: 'rev_education', role: 'reviewer', region: COUNTY, department: 'education' },
  { username: 'inspector', role: 'inspector', region: COUNTY },
];

// Program -> department (docs/BRIEF-discovery.md, "Departments").
export const PROGRAM_DEPARTMENT = {
  dibao: 'civil_affairs', tekun: 'civil_affairs', temporary: 'civil_affairs',
  orphan: 'civil_affairs', insurance: 'civil_affairs', city_fund: 'civil_affairs',
  seasonal: 'civil_affairs', medical: 'medical_security', education: 'education',
  housing: 'housing', employment: 'hrss', disaster: 'emergency',
  disability: 'disability_federation',
};
export const DEPARTMENT_REVIEWER = {
  civil_affairs: 'rev_civil', medical_security: 'rev_medical', education: 'rev_education',
};

export function reportBody(over = {}) {
  return {
    region_code: QILONG,
    subject_name: uniqueName('上报'),
    categories: ['illness'],
    description: '家中有重病人，生活困难',
    urgency: 'normal',
    ...over,
  };
}

export function visitBody(over = {}) {
  return {
    visit_date: chinaDate(),
    investigators: ['张三', '李四'],
    members_present: [],
    categories: ['illness'],
    findings: { illness: '长期患病，需要治疗' },
    facts: { household_size: 3, monthly_income_fen: 90000, medical_debt_fen: 5000000 },
    declared_income_fen: 90000,
    rigid_expenses: { medical_fen: 300000, education_fen: 0, rehabilitation_fen: 0, basic_living_fen: 0, other_fen: 0 },
    authorization_signed: true,
    photos: [],
    ...over,
  };
}

// The report or {duplicate, report} answer -> the report.
export const reportOf = (j) => (j && j.report && j.duplicate ? j.report : j);

// Through the API, as the given clients: report -> accepted case ->
// (visited, with a household of its own unless given) -> (routed).
// Returns {report, case, household, visit?, referrals?}.
export async function driveCase(srv, { reporter = 'couriera', owner = 'assistanta', region = QILONG, visit = false,
  route = null, household = null, reportOver = {}, visitOver = {} } = {}) {
  const rep = await srv.as(reporter);
  const asg = await srv.as(owner);
  const out = {};
  let r = await rep.post('/api/reports', reportBody({ region_code: region, ...reportOver }));
  assert.equal(r.status, 201, `report: ${r.status} ${r.text}`);
  out.report = r.json;
  r = await asg.post(`/api/reports/${out.report.id}/accept`, {});
  assert.equal(r.status, 200, `accept report ${out.report.id}: ${r.status} ${r.text}`);
  out.case = r.json.case;
  out.report = r.json.report;
  if (!visit && !route) return out;
  out.household = household || (out.case.household_id ? { id: out.case.household_id } : await srv.createHousehold({ region }));
  const vb = visitBody(visitOver);
  if (!out.case.household_id) vb.household_id = out.household.id;
  r = await asg.post(`/api/cases/${out.case.id}/visits`, vb);
  assert.equal(r.status, 201, `visit case ${out.case.id}: ${r.status} ${r.text}`);
  out.visit = r.json;
  if (!route) return out;
  r = await asg.post(`/api/cases/${out.case.id}/route`, { programs: route });
  assert.equal(r.status, 201, `route case ${out.case.id} to ${route}: ${r.status} ${r.text}`);
  out.case = r.json.case;
  out.referrals = r.json.referrals;
  return out;
}

export const referralFor = (referrals, program) => {
  const x = referrals.find((f) => f.program === program);
  assert.ok(x, `no ${program} referral in ${JSON.stringify(referrals)}`);
  return x;
};

// === department files (monitoring) ===

// Text -> GB18030 bytes through the iconv command-line tool (libc-bin):
// node has no GB18030 encoder.
export function gb18030(text) {
  const r = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(text, 'utf8') });
  assert.equal(r.status, 0, `iconv -t GB18030 failed: ${r.stderr}`);
  return r.stdout;
}

// POST a department file to /api/feeds/{feed}/imports as text/csv.
export function importFeed(client, feed, bytes, fileName = `${feed}.csv`) {
  return client.request('POST', `/api/feeds/${feed}/imports?file_name=${encodeURIComponent(fileName)}`,
    { raw: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'), contentType: 'text/csv' });
}
