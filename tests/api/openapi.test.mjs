// openapi.test.mjs - /api/openapi.json is an OpenAPI 3 document generated
// from the route table, and it agrees with docs/API.md: every documented
// endpoint is there with x-permission equal to the documented permission,
// and nothing is served that the documentation does not list.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, serverTest, assertStatus, docEndpoints, docRolePermissions } from './harness.mjs';

let srv;
const it = serverTest(() => srv);
let doc;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

before(async () => {
  srv = await startServer({ tag: 'openapi', users: [] });
  const r = await srv.anon().get('/api/openapi.json');
  doc = assertStatus(r, 200);
});

after(async () => { await srv?.stop(); });

function operations() {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [m, op] of Object.entries(item)) {
      if (METHODS.includes(m)) out.push({ method: m.toUpperCase(), path, op });
    }
  }
  return out;
}

it('the document is OpenAPI 3 with info and paths', async () => {
  assert.match(String(doc.openapi), /^3\.\d+\.\d+$/, `openapi: ${doc.openapi}`);
  assert.equal(typeof doc.info?.title, 'string');
  assert.equal(typeof doc.info?.version, 'string');
  const health = assertStatus(await srv.anon().get('/healthz'), 200);
  assert.equal(doc.info.version, health.version, 'info.version is the running version');
  assert.equal(typeof doc.paths, 'object');
  assert.ok(Object.keys(doc.paths).length > 0);
  for (const { method, path, op } of operations()) {
    assert.ok(path.startsWith('/'), `path ${path}`);
    assert.equal(typeof op.responses, 'object', `${method} ${path} has responses`);
    assert.ok(typeof op.summary === 'string' && op.summary.length > 0, `${method} ${path} has a summary`);
    // path templates declare their parameters
    for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
      const ps = (op.parameters || []).concat(doc.paths[path].parameters || []);
      assert.ok(ps.some((p) => p.name === name && p.in === 'path' && p.required === true),
        `${method} ${path} declares the path parameter ${name}`);
    }
  }
});

it('every endpoint in docs/API.md is in the document with the documented x-permission', async () => {
  const documented = docEndpoints();
  assert.ok(documented.length >= 15, `parsed ${documented.length} rows from docs/API.md`);
  const problems = [];
  for (const d of documented) {
    const op = doc.paths?.[d.path]?.[d.method.toLowerCase()];
    if (!op) { problems.push(`missing: ${d.method} ${d.path}`); continue; }
    if (op['x-permission'] !== d.permission) {
      problems.push(`${d.method} ${d.path}: x-permission ${JSON.stringify(op['x-permission'])}, docs say ${d.permission}`);
    }
  }
  assert.deepEqual(problems, [], `openapi.json disagrees with docs/API.md:\n  ${problems.join('\n  ')}`);
});

it('the document lists no route that docs/API.md does not', async () => {
  const documented = new Set(docEndpoints().map((d) => `${d.method} ${d.path}`));
  const extra = operations().map((o) => `${o.method} ${o.path}`).filter((k) => !documented.has(k));
  assert.deepEqual(extra, [], `routes served but not documented in docs/API.md:\n  ${extra.join('\n  ')}`);
});

it('every x-permission is a permission of the roles table, public or signed_in', async () => {
  const perms = new Set(Object.values(docRolePermissions()).flatMap((s) => [...s]));
  for (const { method, path, op } of operations()) {
    assert.ok(perms.has(op['x-permission']), `${method} ${path}: unknown x-permission ${op['x-permission']}`);
  }
});
