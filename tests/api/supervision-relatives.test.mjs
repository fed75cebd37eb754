// supervision-relatives.test.mjs - the close-relative register, filings
// (备案) with the county's visit, and public notices (公示) (issue 6, items
// 2 and 3):
//   the organization department's staff_relatives file (GB18030, Chinese
//   headers) names a staff member's sibling (兄弟姐妹) living in a household
//   that draws dibao, and another's uncle (叔叔) in another dibao household
//   -> /api/relatives?enrolled=1&filed=0 lists exactly the sibling pair
//   (叔叔 is outside the national set); with a config folder whose set is
//   "wider" the uncle is listed too; filing the household (201, then 200
//   the same filing) moves the pair to filed=1; the filing is on the
//   county's must-visit list until the visit is recorded; a notice of the
//   township's dibao approvals masks names (黄*瑜), marks the filed
//   household 近亲属备案, is public without an account while shown and 404
//   once the clock is 8 days on.

import { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cpSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import {
  startServer, serverTest, sqlite, makeTempDir, makeIdNumber, assertStatus, assertError,
  gb18030, importFeed, chinaDate, REPO, QILONG, VILLAGE_B, ZHOUJIA,
} from './harness.mjs';

const EIGHT_DAYS = 8 * 86400;

let srv;
const it = serverTest(() => srv);
const fx = {};

// An active enrollment as the referral workflow leaves it (inserted with
// sqlite3: the dibao procedure itself is tested in discovery-*.test.mjs).
async function enroll(household, person, region, { program = 'dibao', amount = 68000, status = 'active' } = {}) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await sqlite(srv.db, `INSERT INTO enrollments (household_id, person_id, region_code, program,
    amount_fen, start_month, status, created_at, updated_at) VALUES (${household}, ${person},
    '${region}', '${program}', ${amount}, '${chinaDate().slice(0, 7)}', '${status}', '${now}', '${now}');`);
}

function staffFile(rows) {
  const head = '职工身份证号码,职工姓名,工作单位,亲属身份证号码,与职工关系';
  return gb18030(`${[head, ...rows.map((r) => r.join(','))].join('\r\n')}\r\n`);
}

before(async () => {
  srv = await startServer({ tag: 'relatives' });
  // household A (骑龙村): the sibling 黄小瑜 draws dibao
  fx.hhA = await srv.createHousehold({ region: QILONG });
  fx.sibling = await srv.createPerson({ household: fx.hhA, name: '黄小瑜' });
  fx.other = await srv.createPerson({ household: fx.hhA, name: '黄大山', relation: 'spouse' });
  await enroll(fx.hhA.id, fx.sibling.id, QILONG, { amount: 123456 });
  // household B (骑龙村): the uncle's nephew 欧阳小明 draws dibao
  fx.hhB = await srv.createHousehold({ region: QILONG });
  fx.nephew = await srv.createPerson({ household: fx.hhB, name: '欧阳小明' });
  await enroll(fx.hhB.id, fx.nephew.id, QILONG, { amount: 50000 });
  // household C (another village of 周嘉镇): no relative of staff
  fx.hhC = await srv.createHousehold({ region: VILLAGE_B });
  fx.plain = await srv.createPerson({ household: fx.hhC, name: '李四' });
  await enroll(fx.hhC.id, fx.plain.id, VILLAGE_B, { amount: 70000 });
  // household D: a spouse of staff whose enrollment has ended
  fx.hhD = await srv.createHousehold({ region: QILONG });
  fx.exited = await srv.createPerson({ household: fx.hhD, name: '赵五' });
  await enroll(fx.hhD.id, fx.exited.id, QILONG, { status: 'exited' });

  fx.staff = [makeIdNumber({}), makeIdNumber({}), makeIdNumber({}), makeIdNumber({})];
  fx.unknownRelative = makeIdNumber({});
  const admin = await srv.as('admin');
  const imp = await importFeed(admin, 'staff_relatives', staffFile([
    [fx.staff[0], '张干部', '县民政局', fx.sibling.full_id_number, '兄弟姐妹'],
    [fx.staff[1], '王干部', '周嘉镇人民政府', fx.nephew.full_id_number, '叔叔'],
    [fx.staff[2], '刘干部', '骑龙村村民委员会', fx.exited.full_id_number, '配偶'],
    [fx.staff[3], '陈干部', '县财政局', fx.unknownRelative, '子女'],
  ]));
  assert.equal(imp.status, 201, `import: ${imp.status} ${imp.text}`);
  assert.equal(imp.json.rows_imported, 4, imp.text);
  assert.equal(imp.json.encoding, 'GB18030', imp.text);
});

after(async () => { await srv?.stop(); });

const unfiled = '/api/relatives?enrolled=1&filed=0';

function assertNoFullIds(text) {
  for (const n of [...fx.staff, fx.sibling.full_id_number, fx.nephew.full_id_number, fx.unknownRelative]) {
    assert.ok(!text.includes(n), `a full ID number ${n} appears: ${text.slice(0, 300)}`);
  }
}

describe('the close-relative register', () => {
  it('lists exactly the sibling drawing dibao without a filing (叔叔 is outside the national set)', async () => {
    const r = await (await srv.as('admin')).get(unfiled);
    const j = assertStatus(r, 200);
    assert.equal(j.total, 1, r.text);
    const [x] = j.items;
    assert.equal(x.relative_person_id, fx.sibling.id);
    assert.equal(x.relative_name, '黄小瑜');
    assert.equal(x.household_id, fx.hhA.id);
    assert.equal(x.region_code, QILONG);
    assert.equal(x.staff_name, '张干部');
    assert.equal(x.staff_unit, '县民政局');
    assert.equal(x.relation_word, '兄弟姐妹');
    assert.equal(x.relation, 'siblings');
    assert.equal(x.relation_label_zh, '兄弟姐妹');
    assert.equal(x.in_set, true);
    assert.equal(x.enrolled, true);
    assert.deepEqual(x.programs, ['dibao']);
    assert.equal(x.filed, false);
    assert.equal(x.filing_id, null);
    assert.equal(x.staff_id_number, `${fx.staff[0].slice(0, 6)}********${fx.staff[0].slice(14)}`);
    assert.equal(j.relationship_set.set, 'national');
    assert.ok(j.relationship_set.relations.some((rel) => rel.code === 'siblings' && rel.words.includes('兄弟姐妹')));
    assertNoFullIds(r.text);
  });

  it('the whole register shows every row with in_set, enrolled and region (unknown relatives: county only)', async () => {
    const j = assertStatus(await (await srv.as('admin')).get('/api/relatives?per_page=50'), 200);
    assert.equal(j.total, 4);
    const by = Object.fromEntries(j.items.map((x) => [x.staff_name, x]));
    assert.equal(by['王干部'].in_set, false);
    assert.equal(by['王干部'].relation, null);
    assert.equal(by['王干部'].enrolled, true);
    assert.equal(by['刘干部'].in_set, true);
    assert.equal(by['刘干部'].enrolled, false);
    assert.equal(by['陈干部'].household_id, null);
    assert.equal(by['陈干部'].relative_person_id, null);
    const z = assertStatus(await (await srv.as('commanderz')).get('/api/relatives?per_page=50'), 200);
    assert.equal(z.total, 3, 'a township sees the rows of its households only');
    const x = assertStatus(await (await srv.as('commanderx')).get(unfiled), 200);
    assert.equal(x.total, 0, 'another township sees nothing');
    const s = assertStatus(await (await srv.as('admin')).get(`/api/relatives?staff=${fx.staff[1]}`), 200);
    assert.deepEqual(s.items.map((i) => i.staff_name), ['王干部']);
    assertError(await (await srv.as('admin')).get('/api/relatives?enrolled=yes'), 400, { field: 'enrolled' });
    assertError(await (await srv.as('admin')).get('/api/relatives?staff=110105194912310021'), 400, { field: 'staff' });
    assertError(await (await srv.as('couriera')).get(unfiled), 403);
  });

  it('with a config folder whose set is "wider" the uncle is a close relative too', async () => {
    const dir = await makeTempDir('relcfg');
    const cfg = join(dir, 'config');
    cpSync(join(REPO, 'config'), cfg, { recursive: true });
    const sup = JSON.parse(readFileSync(join(cfg, 'supervision.json'), 'utf8'));
    sup.relationship_set = 'wider';
    writeFileSync(join(cfg, 'supervision.json'), JSON.stringify(sup));
    await srv.restart({ env: { CIVICARE_CONFIG_DIR: cfg } });
    try {
      const j = assertStatus(await (await srv.as('admin')).get(unfiled), 200);
      assert.equal(j.relationship_set.set, 'wider');
      assert.deepEqual(j.items.map((x) => [x.relative_name, x.relation]).sort(),
        [['欧阳小明', 'uncles_aunts'], ['黄小瑜', 'siblings']]);
    } finally {
      await srv.restart();
      rmSync(dir, { recursive: true, force: true });
    }
    const j = assertStatus(await (await srv.as('admin')).get(unfiled), 200);
    assert.equal(j.total, 1, 'back on the national set');
  });
});

describe('filings and the county visit', () => {
  it('validation names the field; another region is 404', async () => {
    const a = await srv.as('assistanta');
    const bad = fx.staff[0].slice(0, 17) + (fx.staff[0][17] === '1' ? '2' : '1');
    const e = assertError(await a.post('/api/filings', { household_id: fx.hhA.id, staff_id_number: bad, relation: '兄弟姐妹' }),
      400, { field: 'staff_id_number' });
    assert.equal(e.code, 'check_character');
    assertError(await a.post('/api/filings', { household_id: fx.hhA.id, relation: '兄弟姐妹' }), 400, { field: 'staff_id_number' });
    assertError(await a.post('/api/filings', { household_id: fx.hhA.id, staff_id_number: makeIdNumber({}), relation: '父母' }),
      400, { field: 'staff_name' });
    assertError(await a.post('/api/filings', { household_id: fx.hhC.id, staff_id_number: fx.staff[0], relation: '兄弟姐妹' }),
      404);
    assertError(await a.post('/api/filings', { household_id: fx.hhA.id, staff_id_number: fx.staff[0], relation: '兄弟姐妹',
      relative_person_id: fx.nephew.id }), 400, { field: 'relative_person_id' });
    assertError(await a.post('/api/filings', { household_id: fx.hhA.id, staff_id_number: fx.staff[0], colour: 'red' }),
      400, { field: 'colour' });
    assertError(await (await srv.as('inspector')).post('/api/filings', { household_id: fx.hhA.id, staff_id_number: fx.staff[0] }), 403);
  });

  it('filing the household: 201, again 200 the same; the pair leaves the unfiled list', async () => {
    const a = await srv.as('assistanta');
    const body = { household_id: fx.hhA.id, staff_id_number: fx.staff[0], relation: '兄弟姐妹', note: '已告知' };
    const f = assertStatus(await a.post('/api/filings', body), 201);
    assert.equal(f.created, true);
    assert.equal(f.household_id, fx.hhA.id);
    assert.equal(f.staff_name, '张干部', 'the name comes from the register');
    assert.equal(f.staff_unit, '县民政局');
    assert.equal(f.relative_person_id, fx.sibling.id, 'the relative found in the household');
    assert.equal(f.visit_status, 'pending');
    assert.equal(f.visit_date, null);
    fx.filing = f;
    const again = assertStatus(await a.post('/api/filings', body), 200);
    assert.equal(again.id, f.id);
    assert.equal(again.created, false);

    const admin = await srv.as('admin');
    assert.equal(assertStatus(await admin.get(unfiled), 200).total, 0);
    const filed = assertStatus(await admin.get('/api/relatives?enrolled=1&filed=1'), 200);
    assert.equal(filed.total, 1);
    assert.equal(filed.items[0].filing_id, f.id);
    assert.equal(filed.items[0].filed, true);

    const audit = await sqlite(srv.db, `SELECT count(*) FROM audit_log WHERE action = 'filing.create' AND entity_id = ${f.id};`);
    assert.equal(audit.trim(), '1');
    const tl = assertStatus(await admin.get(`/api/households/${fx.hhA.id}/timeline`), 200);
    assert.ok(JSON.stringify(tl).includes('"filing"'), `the household timeline shows the filing: ${JSON.stringify(tl).slice(0, 400)}`);
  });

  it('the same pair sent again in a later file counts once (the newest record wins)', async () => {
    const admin = await srv.as('admin');
    const imp = await importFeed(admin, 'staff_relatives', Buffer.from(
      `职工身份证号码,职工姓名,工作单位,亲属身份证号码,与职工关系\n${fx.staff[0]},张干部,县民政局社会救助科,${fx.sibling.full_id_number},哥哥\n`, 'utf8'));
    assert.equal(imp.status, 201, imp.text);
    const j = assertStatus(await admin.get('/api/relatives?enrolled=1'), 200);
    assert.equal(j.total, 1, JSON.stringify(j.items));
    assert.equal(j.items[0].staff_unit, '县民政局社会救助科');
    assert.equal(j.items[0].relation_word, '哥哥');
    assert.equal(j.items[0].relation, 'siblings');
    assert.equal(j.items[0].filing_id, fx.filing.id);
  });

  it('the must-visit list holds the filing until the county records its visit', async () => {
    const rev = await srv.as('reviewer');
    let p = assertStatus(await rev.get('/api/filings?visit=pending'), 200);
    assert.deepEqual(p.items.map((x) => x.id), [fx.filing.id]);
    assertError(await (await srv.as('assistanta')).post(`/api/filings/${fx.filing.id}/visit`,
      { visit_date: chinaDate(), findings: '入户核实' }), 403);
    const tomorrow = chinaDate(86400);
    assertError(await rev.post(`/api/filings/${fx.filing.id}/visit`, { visit_date: tomorrow, findings: 'x' }), 400, { field: 'visit_date' });
    assertError(await rev.post(`/api/filings/${fx.filing.id}/visit`, { visit_date: '2020-01-01', findings: 'x' }), 400, { field: 'visit_date' });
    assertError(await rev.post(`/api/filings/${fx.filing.id}/visit`, { visit_date: chinaDate() }), 400, { field: 'findings' });
    const v = assertStatus(await rev.post(`/api/filings/${fx.filing.id}/visit`,
      { visit_date: chinaDate(), findings: '入户核实，家庭收入情况属实' }), 200);
    assert.equal(v.visit_status, 'visited');
    assert.equal(v.visit_date, chinaDate());
    assert.equal(v.visited_by, 'reviewer');
    p = assertStatus(await rev.get('/api/filings?visit=pending'), 200);
    assert.equal(p.total, 0);
    assert.equal(assertStatus(await rev.get('/api/filings?visit=visited'), 200).total, 1);
    assertError(await rev.post(`/api/filings/${fx.filing.id}/visit`, { visit_date: chinaDate(), findings: '再次' }), 409);
    assertError(await (await srv.as('commanderx')).get(`/api/filings/${fx.filing.id}`), 404);
    const audit = await sqlite(srv.db, `SELECT count(*) FROM audit_log WHERE action = 'filing.visit' AND entity_id = ${fx.filing.id};`);
    assert.equal(audit.trim(), '1');
  });
});

describe('public notices (公示)', () => {
  const month = () => chinaDate().slice(0, 7);
  const body = () => ({ program: 'dibao', region: ZHOUJIA, approved_from: `${month()}-01`, approved_to: chinaDate() });

  it('a notice of the township\'s approvals: masked names, filed household marked, once per batch', async () => {
    const cz = await srv.as('commanderz');
    const r = await cz.post('/api/notices', body());
    const n = assertStatus(r, 201);
    const [y, m] = month().split('-').map(Number);
    assert.equal(n.title, `周嘉镇最低生活保障审批结果公示（${y}年${m}月）`);
    assert.equal(n.published_from, chinaDate());
    assert.equal(n.published_until, chinaDate(6 * 86400), '7 days shown, both ends included');
    assert.equal(n.shown, true);
    assert.equal(n.line_count, 3, 'A, B and C (D has left assistance)');
    assert.equal(n.total_fen, 123456 + 50000 + 70000);
    assert.equal(n.filed_count, 1);
    const by = Object.fromEntries(n.lines.map((l) => [l.household_id, l]));
    assert.deepEqual(
      [by[fx.hhA.id], by[fx.hhB.id], by[fx.hhC.id]].map((l) => [l.name_masked, l.household_size, l.amount_fen, l.filed, l.region_code]),
      [['黄*瑜', 2, 123456, true, QILONG], ['欧**明', 1, 50000, false, QILONG], ['李*', 1, 70000, false, VILLAGE_B]]);
    for (const name of ['黄小瑜', '欧阳小明', '李四', '黄大山']) assert.ok(!r.text.includes(name), `${name} in ${r.text}`);
    assertNoFullIds(r.text);
    fx.notice = n;

    const again = assertStatus(await cz.post('/api/notices', body()), 200);
    assert.equal(again.id, n.id);
    assert.equal(again.created, false);
    const list = assertStatus(await cz.get('/api/notices'), 200);
    assert.deepEqual(list.items.map((x) => x.id), [n.id]);
    assert.equal(assertStatus(await (await srv.as('commanderx')).get('/api/notices'), 200).total, 0);
    assertError(await (await srv.as('commanderx')).get(`/api/notices/${n.id}`), 404);
    const audit = await sqlite(srv.db, `SELECT count(*) FROM audit_log WHERE action = 'notice.create';`);
    assert.equal(audit.trim(), '1');
  });

  it('validation: region outside is 403, an empty batch 400 "empty", dates and spans named', async () => {
    const cz = await srv.as('commanderz');
    assertError(await (await srv.as('commanderx')).post('/api/notices', body()), 403, { field: 'region' });
    assertError(await cz.post('/api/notices', { ...body(), approved_from: '2020-01-01', approved_to: '2020-01-31' }),
      400, { code: 'empty' });
    assertError(await cz.post('/api/notices', { ...body(), approved_from: '2020-01-01', approved_to: '2020-06-30' }),
      400, { field: 'approved_to', code: 'span' });
    assertError(await cz.post('/api/notices', { ...body(), approved_to: '2020-01-01' }), 400, { field: 'approved_to' });
    assertError(await cz.post('/api/notices', { ...body(), approved_from: '2026-13-01' }), 400, { field: 'approved_from' });
    assertError(await cz.post('/api/notices', { ...body(), program: 'lottery' }), 400, { field: 'program' });
    assertError(await cz.post('/api/notices', { ...body(), region: '500231' }), 400, { field: 'region' });
    assertError(await (await srv.as('assistanta')).post('/api/notices', body()), 403);
  });

  it('the printable page is public while shown: masked names only, 近亲属备案 on the filed household', async () => {
    const anon = srv.anon();
    const r = await anon.get(`/api/public/notices/${fx.notice.id}`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
    assert.match(r.headers.get('content-security-policy') || '', /default-src 'self'/);
    const html = r.text;
    assert.ok(html.includes(fx.notice.title));
    for (const h of ['序号', '姓名', '家庭人口', '保障金额（元/月）', '村（社区）', '备注', '公示期', '监督电话']) {
      assert.ok(html.includes(h), `the page has ${h}`);
    }
    assert.ok(html.includes('1,234.56'), 'the amount in yuan');
    assert.ok(html.includes('@page'), 'print CSS');
    assert.ok(!/<script/i.test(html), 'no script');
    // the row of the filed household carries the mark, the others do not
    const rows = html.split('<tr>').filter((t) => t.includes('</td>'));
    const rowOf = (name) => rows.find((t) => t.includes(`<td>${name}</td>`));
    assert.ok(rowOf('黄*瑜')?.includes('近亲属备案'), 'the filed household is marked');
    assert.ok(rowOf('欧**明') && !rowOf('欧**明').includes('近亲属备案'));
    assert.ok(rowOf('李*') && !rowOf('李*').includes('近亲属备案'));
    assert.equal(html.split('近亲属备案').length - 1, 1);
    for (const name of ['黄小瑜', '欧阳小明', '李四', '黄大山']) assert.ok(!html.includes(name), `${name} in the page`);
    assertNoFullIds(html);
    const en = await anon.get(`/api/public/notices/${fx.notice.id}?lang=en`);
    assert.equal(en.status, 200);
    assert.ok(en.text.includes('Household size') && en.text.includes('Close relative of staff: filed'));
    assertError(await anon.get('/api/public/notices/999999'), 404);
  });

  it('eight days later the page is gone (404)', async () => {
    await srv.restart({ env: { CIVICARE_CLOCK_OFFSET: String(EIGHT_DAYS) } });
    assertError(await srv.anon().get(`/api/public/notices/${fx.notice.id}`), 404);
    const n = assertStatus(await (await srv.as('commanderz')).get(`/api/notices/${fx.notice.id}`), 200);
    assert.equal(n.shown, false);
  });
});
