// cli.test.mjs - the civicare command line: help for every command, version,
// a consistent backup taken while the server writes, `audit verify` finding
// an edited audit entry, settings precedence (flag > env > config file), and
// a SIGTERM that lets requests in flight finish.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, serverTest, run, sqlite, freePort, spawnServe, waitHealthy, cleanEnv,
  makeTempDir, assertStatus, makeIdNumber, uniqueName, REPO, QILONG, REQUEST_TIMEOUT_MS,
} from './harness.mjs';

let srv;
const it = serverTest(() => srv);

before(async () => { srv = await startServer({ tag: 'cli' }); });
after(async () => { await srv?.stop(); });

const COMMANDS = ['serve', 'demo', 'user', 'audit', 'migrate', 'backup', 'version'];

it('civicare --help lists every command', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0, r.out);
  for (const c of COMMANDS) assert.match(r.out, new RegExp(`\\b${c}\\b`), `--help lists ${c}:\n${r.out}`);
});

it('each command has --help that exits 0 and names its flags', async () => {
  const expect = {
    serve: ['--db', '--listen', '--threads', '--web-root'],
    demo: ['--db', '--persons', '--seed', '--password'],
    user: ['add', 'list', 'reset-password'],
    'user add': ['--username', '--role', '--region', '--department', '--name', '--password', '--password-stdin'],
    'user list': ['--db'],
    'user reset-password': ['--username', '--password', '--password-stdin'],
    audit: ['verify'],
    'audit verify': ['--db'],
    migrate: ['--db'],
    backup: ['--db', '--out'],
    version: [],
  };
  for (const [cmd, words] of Object.entries(expect)) {
    const r = await run([...cmd.split(' '), '--help']);
    assert.equal(r.code, 0, `civicare ${cmd} --help exited ${r.code}:\n${r.out}`);
    assert.ok(r.out.trim().length > 0, `civicare ${cmd} --help prints something`);
    for (const w of words) {
      // a flag's inner hyphen may be printed as "_" (both spellings are accepted by the parser)
      const pat = w.startsWith('--') ? `--${w.slice(2).replace(/-/g, '[-_]')}` : w.replace(/-/g, '\\-');
      assert.ok(new RegExp(`(^|[^a-z-])${pat}(?![a-z_-])`, 'm').test(r.out), `civicare ${cmd} --help mentions ${w}:\n${r.out}`);
    }
  }
});

it('an unknown command or flag exits non-zero with a message', async () => {
  const r = await run(['no-such-command']);
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.trim().length > 0, 'says why on stderr');
  const f = await run(['migrate', '--no-such-flag']);
  assert.notEqual(f.code, 0);
  assert.match(f.out, /no-such-flag/);
});

it('civicare version prints the version and the schema', async () => {
  // the version is defined in src/version.h (or, in older trees, the Makefile)
  const sources = [[join(REPO, 'src', 'version.h'), /CIVICARE_VERSION\s+"([^"]+)"/], [join(REPO, 'Makefile'), /^VERSION\s*:?=\s*(\S+)/m]];
  const found = sources.filter(([f]) => existsSync(f)).map(([f, re]) => re.exec(readFileSync(f, 'utf8'))?.[1]).find(Boolean);
  assert.ok(found, 'the version is defined in src/version.h or the Makefile');
  const version = found;
  const r = await run(['version']);
  assert.equal(r.code, 0, r.out);
  assert.ok(r.stdout.includes(version), `version ${version} in:\n${r.stdout}`);
  const m = /schema\D{0,10}(\d+)/i.exec(r.stdout);
  assert.ok(m, `a schema number in:\n${r.stdout}`);
  const h = assertStatus(await srv.anon().get('/healthz'), 200);
  assert.equal(Number(m[1]), h.schema, 'the schema the binary knows is the one the server runs');
  assert.equal(h.version, version);
});

let createdBeforeBackup;
let allCreated;

it('a backup taken while the server writes is consistent and holds everything written before it', async () => {
  const admin = await srv.login('admin', { bearer: true });
  const copy = join(srv.dir, 'copy.db');
  const completed = [];
  let backup = null;
  let backupDone = false;
  let i = 0;
  for (; i < 300; i++) {
    if (i === 100) {
      createdBeforeBackup = [...completed];
      backup = run(['backup', '--db', srv.db, '--out', copy]).then((r) => { backupDone = true; return r; });
    }
    if (backup && backupDone && i >= 150) break;
    const r = await admin.post('/api/persons', { name: uniqueName('备份'), id_number: makeIdNumber({}), region_code: QILONG });
    assert.equal(r.status, 201, `create ${i}: ${r.status} ${r.text}`);
    completed.push(r.json.id);
  }
  const b = await backup;
  allCreated = completed;
  assert.equal(b.code, 0, `civicare backup exited ${b.code}:\n${b.out}`);
  assert.ok(existsSync(copy), 'the copy exists');
  assert.equal((await sqlite(copy, 'PRAGMA integrity_check;')).trim(), 'ok');
  const ids = new Set((await sqlite(copy, 'SELECT id FROM persons;')).split('\n').filter(Boolean).map(Number));
  const missing = createdBeforeBackup.filter((id) => !ids.has(id));
  assert.deepEqual(missing, [], `persons created (201) before the backup started but missing from the copy: ${missing.length}`);
  assert.ok(ids.size <= completed.length, 'the copy holds nothing that was never created');
  // the copy is a working database: its audit chain holds and the CLI reads it
  const v = await run(['audit', 'verify', '--db', copy]);
  assert.equal(v.code, 0, `audit verify on the copy:\n${v.out}`);
  const ul = await run(['user', 'list', '--db', copy]);
  assert.equal(ul.code, 0, ul.out);
  assert.match(ul.out, /couriera/);
  console.log(`backup: ${createdBeforeBackup.length} created before it, ${ids.size} in the copy, ${completed.length} in all (${i} loops)`);
});

it('audit verify passes on an untouched chain and names the entry edited behind its back', async () => {
  const ok = await run(['audit', 'verify', '--db', srv.db]);
  assert.equal(ok.code, 0, `audit verify on the live database:\n${ok.out}`);
  const count = Number((await sqlite(srv.db, 'SELECT count(*) FROM audit_log;')).trim());
  assert.ok(count >= 20, `audit entries after the writes: ${count}`);
  const mid = Number((await sqlite(srv.db, `SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET ${Math.floor(count / 2)};`)).trim());
  // the trigger refuses the edit
  await assert.rejects(sqlite(srv.db, `UPDATE audit_log SET detail='{"tampered":1}' WHERE id=${mid};`), /append-only/);
  await sqlite(srv.db, `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail='{"tampered":1}' WHERE id=${mid};`);
  const bad = await run(['audit', 'verify', '--db', srv.db]);
  assert.equal(bad.code, 1, `audit verify after tampering should exit 1, got ${bad.code}:\n${bad.out}`);
  assert.match(bad.out, new RegExp(`\\b${mid}\\b`), `the output names entry ${mid}:\n${bad.out}`);
});

async function refuses(addr) {
  try {
    const r = await fetch(`http://${addr}/healthz`, { signal: AbortSignal.timeout(5000) });
    await r.arrayBuffer();
    return false;
  } catch { return true; }
}

// Start `serve` with args/env in its own temp dir; check it answers on
// `expectPort` (and not on `notPorts`); stop it and expect exit 0.
async function listensOn({ args = [], env = {}, expectPort, notPorts = [], dir }) {
  const p = spawnServe(args, { env: cleanEnv(env), cwd: REPO });
  try {
    const up = await waitHealthy(`127.0.0.1:${expectPort}`, { child: p.child });
    assert.ok(up, `serve ${args.join(' ')} ${JSON.stringify(env)} should answer on ${expectPort}:\n${p.log}`);
    for (const np of notPorts) assert.ok(await refuses(`127.0.0.1:${np}`), `nothing on ${np}`);
  } finally {
    const code = await p.stop();
    assert.equal(code, 0, `serve exited ${code}:\n${p.log}`);
  }
  return dir;
}

it('settings: a flag beats the environment, the environment beats the config file', async () => {
  const dir = await makeTempDir('settings');
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'civicare.conf');
  writeFileSync(conf, `# test config\nlisten = 127.0.0.1:${p3}\n`);
  const db = (n) => ['--db', join(dir, `s${n}.db`)];
  // flag and env: the flag wins
  await listensOn({ args: [...db(1), '--listen', `127.0.0.1:${p2}`], env: { CIVICARE_LISTEN: `127.0.0.1:${p1}` }, expectPort: p2, notPorts: [p1] });
  // env only
  await listensOn({ args: db(2), env: { CIVICARE_LISTEN: `127.0.0.1:${p1}` }, expectPort: p1, notPorts: [p2] });
  // config file only
  await listensOn({ args: [...db(3), '--config', conf], expectPort: p3, notPorts: [p1, p2] });
  // config file and env: the env wins
  await listensOn({ args: [...db(4), '--config', conf], env: { CIVICARE_LISTEN: `127.0.0.1:${p1}` }, expectPort: p1, notPorts: [p3] });
  // config file and flag: the flag wins
  await listensOn({ args: [...db(5), '--config', conf, '--listen', `127.0.0.1:${p2}`], expectPort: p2, notPorts: [p3] });
  // the database from the environment
  const envDb = join(dir, 'from-env.db');
  await listensOn({ args: ['--listen', `127.0.0.1:${p1}`], env: { CIVICARE_DB: envDb }, expectPort: p1 });
  assert.ok(existsSync(envDb), 'CIVICARE_DB named the database serve created');
  rmSync(dir, { recursive: true, force: true });
});

it('a config file naming an unknown setting is refused naming the line', async () => {
  const dir = await makeTempDir('badconf');
  const conf = join(dir, 'bad.conf');
  writeFileSync(conf, '# ok\nlisten = 127.0.0.1:1\nno_such_setting = 3\n');
  const r = await run(['migrate', '--db', join(dir, 'x.db'), '--config', conf]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /no_such_setting|line 3|:3/);
  rmSync(dir, { recursive: true, force: true });
});

it('SIGTERM lets requests in flight finish: every answer is complete, then exit 0', async () => {
  const admin = await srv.login('admin', { bearer: true });
  const total = assertStatus(await admin.get('/api/persons?per_page=1'), 200).total;
  assert.ok(total >= 100, `enough persons for a large list: ${total}`);
  const one = async (k) => {
    let res;
    try {
      res = await fetch(`${srv.base}/api/persons?per_page=200&page=${1 + (k % 2)}`, {
        headers: { Authorization: `Bearer ${admin.bearer}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      return { outcome: 'refused', detail: e.cause?.code || e.message };
    }
    let text;
    try { text = await res.text(); } catch (e) {
      return { outcome: 'truncated', detail: `status ${res.status}, body read failed: ${e.cause?.code || e.message}` };
    }
    let j;
    try { j = JSON.parse(text); } catch {
      return { outcome: 'truncated', detail: `status ${res.status}, ${text.length} bytes of broken JSON` };
    }
    if (res.status === 503 && j.error) return { outcome: 'refused', detail: '503 while stopping' };
    if (res.status !== 200) return { outcome: 'bad', detail: `${res.status} ${text.slice(0, 200)}` };
    const want = k % 2 === 0 ? Math.min(200, total) : Math.min(200, Math.max(0, total - 200));
    if (j.items.length !== want) return { outcome: 'truncated', detail: `${j.items.length} items, expected ${want}` };
    return { outcome: 'complete' };
  };
  const inflight = [];
  for (let k = 0; k < 16; k++) inflight.push(one(k));
  const firstDone = await Promise.race(inflight);
  const code = srv.proc.child.kill('SIGTERM');
  assert.ok(code, 'SIGTERM sent');
  const results = await Promise.all(inflight);
  const exit = await srv.proc.exited;
  const summary = results.map((r) => r.outcome).join(' ');
  console.log(`SIGTERM: first=${firstDone.outcome}; ${summary}`);
  const broken = results.filter((r) => r.outcome === 'truncated' || r.outcome === 'bad');
  assert.deepEqual(broken, [], 'no answer may be cut off or fail');
  assert.ok(results.some((r) => r.outcome === 'complete'), 'at least the first request completed');
  assert.equal(exit, 0, `serve exits 0 on SIGTERM:\n${srv.log.slice(-3000)}`);
  assert.ok(await refuses(srv.addr), 'nothing listens any more');
  await srv.stop();
});
