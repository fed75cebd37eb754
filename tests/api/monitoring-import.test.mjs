// monitoring-import.test.mjs - department files into feeds (issue 5, "Import"),
// through the API and through `civicare import`:
//   a GB18030 file with CRLF line ends, quoted fields holding commas, quotes
//   and a line break, one row with a wrong check character and one duplicate
//   row -> the four good rows are imported, the two bad ones reported with
//   the line where their record starts (5 and 7: the record of line 3 spans
//   two lines); importing the same file again changes nothing; the same rows
//   in UTF-8 with a BOM count as unchanged; a file that is neither UTF-8 nor
//   GB18030 is refused whole.

import { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import {
  startServer, serverTest, run, sqlite, makeTempDir, makeIdNumber, assertStatus, assertError,
  gb18030, importFeed, hasChinese,
} from './harness.mjs';

// The settlement file as the medical security bureau sends it: Chinese
// headers (one column the catalogue does not know: 备注), amounts in 元,
// dates in two styles.  Returns {text, ids}; line numbers in comments.
function settlementFile() {
  const ids = [makeIdNumber({}), makeIdNumber({}), makeIdNumber({}), makeIdNumber({})];
  const good = makeIdNumber({});
  const wrong = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
  const lines = [
    '参保人身份证号码,结算日期,医疗总费用,个人自付,诊断类别,备注',             // 1 header
    `${ids[0]},2026-03-01,"1,234.56",800.00,"住院,手术",第一行`,               // 2
    `${ids[1]},2026/3/2,500,200.5,"慢性病\r\n门诊",跨两行`,                       // 3-4: a break inside quotes
    `${wrong},2026-03-03,100,50,门诊,校验位错误`,                                // 5: wrong check character
    `${ids[2]},2026-03-04,300.00,120.00,门诊,`,                                 // 6
    `${ids[0]},2026-03-01,"1,234.56",800.00,"住院,手术",第一行`,               // 7: duplicate of line 2
    `${ids[3]},2026-03-05,88.8,8.88,"他说""复诊""",引号`,                        // 8: quotes inside quotes
  ];
  return { text: `${lines.join('\r\n')}\r\n`, ids, wrong };
}

const GOOD_LINES = [2, 3, 6, 8];
const BAD_LINES = [5, 7];

function assertSummary(j, { imported, unchanged, encoding, existing }) {
  const where = JSON.stringify(j).slice(0, 800);
  assert.equal(j.feed, 'medical_settlements', where);
  assert.equal(j.department, 'medical_security', where);
  assert.equal(j.encoding, encoding, `encoding detected: ${where}`);
  assert.equal(j.existing, existing, `existing: ${where}`);
  assert.equal(j.rows_total, 6, `six data records (the header and the line break inside quotes are not rows): ${where}`);
  assert.equal(j.rows_imported, imported, `rows_imported: ${where}`);
  assert.equal(j.rows_unchanged, unchanged, `rows_unchanged: ${where}`);
  assert.equal(j.rows_rejected, 2, `rows_rejected: ${where}`);
  assert.match(j.file_sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(j.rejected.map((x) => x.line), BAD_LINES, `rejected lines: ${where}`);
  const [check, dup] = j.rejected;
  assert.equal(check.field, 'id_number', `line 5 is rejected for its ID number: ${JSON.stringify(check)}`);
  assert.match(check.reason_en, /check/i, `line 5 names the check character: ${JSON.stringify(check)}`);
  assert.ok(hasChinese(check.reason_zh), `a Chinese reason: ${JSON.stringify(check)}`);
  assert.match(dup.reason_en, /duplicate.*\b2\b/i, `line 7 is a duplicate of line 2: ${JSON.stringify(dup)}`);
  assert.ok(hasChinese(dup.reason_zh), `a Chinese reason: ${JSON.stringify(dup)}`);
}

// The stored records of a batch: [{line, id_number, data}] by id.
async function records(db, batchId) {
  const out = await sqlite(db, `.mode json\nSELECT line, id_number, data FROM feed_records WHERE batch_id = ${Number(batchId)} ORDER BY id;`);
  return (out.trim() ? JSON.parse(out) : []).map((r) => ({ ...r, data: JSON.parse(r.data) }));
}

async function counts(db) {
  const out = await sqlite(db, "SELECT (SELECT count(*) FROM feed_batches) || ' ' || (SELECT count(*) FROM feed_records);");
  const [batches, recs] = out.trim().split(' ').map(Number);
  return { batches, records: recs };
}

function assertRecords(recs, ids) {
  assert.deepEqual(recs.map((r) => r.line), GOOD_LINES, 'the good records keep the line where they start');
  assert.deepEqual(recs.map((r) => r.id_number), ids, 'ID numbers in file order');
  const [a, b, c, d] = recs.map((r) => r.data);
  assert.equal(a.total_fen, 123456, '"1,234.56" 元 -> 123456 fen');
  assert.equal(a.self_paid_fen, 80000);
  assert.equal(a.settle_date, '2026-03-01');
  assert.equal(a.diagnosis_class, '住院,手术', 'a comma inside quotes stays in the field');
  assert.equal(b.settle_date, '2026-03-02', '2026/3/2 is normalised');
  assert.equal(b.self_paid_fen, 20050);
  assert.match(b.diagnosis_class, /^慢性病\r?\n门诊$/, 'a line break inside quotes stays in the field');
  assert.equal(c.self_paid_fen, 12000);
  assert.equal(d.total_fen, 8880);
  assert.equal(d.self_paid_fen, 888);
  assert.equal(d.diagnosis_class, '他说"复诊"', 'doubled quotes are one quote');
  for (const r of recs) assert.equal(Object.hasOwn(r.data, '备注'), false, 'unknown columns are not stored');
}

describe('through the API', () => {
  let srv;
  const it = serverTest(() => srv);
  const file = settlementFile();
  const bytes = gb18030(file.text);
  let first;

  before(async () => { srv = await startServer({ tag: 'feeds' }); });
  after(async () => { await srv?.stop(); });

  it('the fixture really is GB18030 with CRLF line ends (not valid UTF-8)', async () => {
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'GB18030 bytes are not UTF-8');
    assert.equal(new TextDecoder('gb18030').decode(bytes), file.text, 'iconv round trip');
    assert.ok(bytes.includes(Buffer.from('\r\n')));
  });

  it('the catalogue lists every feed of DESIGN.md with its columns', async () => {
    const admin = await srv.as('admin');
    const j = assertStatus(await admin.get('/api/feeds'), 200);
    const feeds = Array.isArray(j) ? j : j.feeds || j.items;
    const names = feeds.map((f) => f.name);
    for (const n of ['household_register', 'deaths', 'vehicles', 'medical_settlements', 'students', 'unemployment',
      'pensions', 'real_estate', 'dangerous_houses', 'companies', 'disaster_victims', 'disability_certificates',
      'return_poverty_watch', 'tax_income', 'deposits', 'staff_relatives']) {
      assert.ok(names.includes(n), `feed ${n} in the catalogue: ${names}`);
    }
    const med = feeds.find((f) => f.name === 'medical_settlements');
    assert.deepEqual(med.columns.map((c) => c.name),
      ['id_number', 'settle_date', 'total_fen', 'self_paid_fen', 'diagnosis_class']);
  });

  it('imports the good rows and reports the two bad ones with their line numbers', async () => {
    const admin = await srv.as('admin');
    const r = await importFeed(admin, 'medical_settlements', bytes, '医保结算.csv');
    first = assertStatus(r, 201);
    assertSummary(first, { imported: 4, unchanged: 0, encoding: 'GB18030', existing: false });
    assertRecords(await records(srv.db, first.batch_id), file.ids);
  });

  it('the canonical file is UTF-8 with LF, canonical names and values, quoted only where needed', async () => {
    assert.ok(first, 'the import ran');
    const path = join(srv.dataDir, first.stored_path);
    assert.ok(existsSync(path), `canonical file ${path}`);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    assert.equal(lines[0], 'id_number,settle_date,total_fen,self_paid_fen,diagnosis_class');
    assert.equal(lines[1], `${file.ids[0]},2026-03-01,123456,80000,"住院,手术"`);
    assert.ok(text.includes(`${file.ids[2]},2026-03-04,30000,12000,门诊\n`), text);
    assert.ok(text.includes(`${file.ids[3]},2026-03-05,8880,888,"他说""复诊"""\n`), text);
    assert.ok(!text.includes(file.wrong), 'rejected rows are not written');
  });

  it('importing the same file again changes nothing and answers the earlier batch', async () => {
    assert.ok(first, 'the import ran');
    const before1 = await counts(srv.db);
    const admin = await srv.as('admin');
    const again = assertStatus(await importFeed(admin, 'medical_settlements', bytes, '医保结算-再次.csv'), 200);
    assert.equal(again.batch_id, first.batch_id, 'the earlier batch');
    assert.equal(again.existing, true);
    assert.equal(again.rows_imported, 4, 'the earlier batch\'s counts');
    assert.deepEqual(await counts(srv.db), before1, 'no batch and no record added');
  });

  it('the same rows in UTF-8 with a BOM and LF are a new file whose good rows are unchanged', async () => {
    const admin = await srv.as('admin');
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(file.text.replaceAll('\r\n', '\n'), 'utf8')]);
    const before1 = await counts(srv.db);
    const j = assertStatus(await importFeed(admin, 'medical_settlements', utf8, 'utf8.csv'), 201);
    assertSummary(j, { imported: 0, unchanged: 4, encoding: 'UTF-8', existing: false });
    const after1 = await counts(srv.db);
    assert.equal(after1.records, before1.records, 'no record added');
    assert.equal(j.stored_path, '', 'no canonical file for a batch without new rows');
  });

  it('the batch lists its counts and its rejected rows, also as a CSV report to download', async () => {
    assert.ok(first, 'the import ran');
    const admin = await srv.as('admin');
    const list = assertStatus(await admin.get('/api/feeds/batches?feed=medical_settlements'), 200);
    const item = list.items.find((b) => b.id === first.batch_id);
    assert.ok(item, `batch ${first.batch_id} listed`);
    assert.equal(item.file_name, '医保结算.csv');
    assert.equal(item.encoding, 'GB18030');
    assert.equal(item.rows_imported, 4);
    assert.equal(item.rows_rejected, 2);
    const one = assertStatus(await admin.get(`/api/feeds/batches/${first.batch_id}`), 200);
    assert.deepEqual(one.rejected.map((x) => x.line), BAD_LINES);
    const r = await admin.get(`/api/feeds/batches/${first.batch_id}?format=csv`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') || '', /text\/csv/);
    assert.deepEqual([...r.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM so that Excel reads UTF-8');
    const rows = r.text.split('\r\n').filter(Boolean);
    assert.equal(rows.length, 3, `header and two rows: ${r.text}`);
    assert.match(rows[1], /^5,id_number,/);
    assert.match(rows[2], /^7,/);
  });

  it('a file that is neither UTF-8 nor GB18030 is refused whole, naming the line', async () => {
    const admin = await srv.as('admin');
    const before1 = await counts(srv.db);
    const bad = Buffer.concat([
      Buffer.from(`身份证号码,失业登记日期\n${makeIdNumber({})},2026-01-05\n`, 'utf8'),
      Buffer.from([0xff, 0xfe, 0x2c, 0x0a]),
    ]);
    const e = assertError(await importFeed(admin, 'unemployment', bad, 'bad.csv'), 400);
    assert.match(`${e.message} ${e.message_en || ''} ${JSON.stringify(e)}`, /\b3\b/, `the error names line 3: ${JSON.stringify(e)}`);
    assert.deepEqual(await counts(srv.db), before1, 'nothing imported');
  });

  it('an unknown feed is 404 and a JSON body is 415', async () => {
    const admin = await srv.as('admin');
    assertError(await importFeed(admin, 'no_such_feed', 'a,b\n1,2\n'), 404);
    assertError(await admin.post('/api/feeds/unemployment/imports', { rows: [] }), 415);
  });
});

describe('through the CLI', () => {
  let dir;
  let db;
  const file = settlementFile();
  const path = () => join(dir, '医保结算.csv');
  const cli = (extra = []) => run(['import', 'medical_settlements', path(), '--db', db, '--data-dir', join(dir, 'data'), ...extra]);

  before(async () => {
    dir = await makeTempDir('import-cli');
    db = join(dir, 'cli.db');
    const m = await run(['migrate', '--db', db]);
    assert.equal(m.code, 0, m.out);
    writeFileSync(path(), gb18030(file.text));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  serverTest(() => undefined)('`civicare import` imports the good rows and prints every rejected row with its line', async () => {
    const r = await cli();
    assert.equal(r.code, 0, `exit 0 when the file was processed, also with rejected rows:\n${r.out}`);
    const lines = r.out.split('\n');
    const mentions = (n, re) => lines.some((l) => new RegExp(`(^|\\D)${n}(\\D|$)`).test(l) && re.test(l));
    assert.ok(mentions(5, /id_number|身份证|check|校验/i), `line 5 and its check character printed:\n${r.out}`);
    assert.ok(mentions(7, /duplicate|重复/i), `line 7 printed as a duplicate:\n${r.out}`);
    assert.match(r.out, /GB18030/i, `the detected encoding is printed:\n${r.out}`);
    const batch = (await sqlite(db, 'SELECT id FROM feed_batches;')).trim();
    assert.match(batch, /^\d+$/, 'one batch');
    assertRecords(await records(db, batch), file.ids);
  });

  serverTest(() => undefined)('importing it again through the CLI changes nothing', async () => {
    const before1 = await counts(db);
    assert.equal(before1.batches, 1, 'the first import ran');
    const r = await cli();
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(await counts(db), before1, 'no batch and no record added');
    const audit = (await sqlite(db, "SELECT count(*) FROM audit_log WHERE action = 'feed.import';")).trim();
    assert.ok(Number(audit) >= 1, 'the import is audited');
  });

  serverTest(() => undefined)('a missing file or an unknown feed exits 1 with a message', async () => {
    const r1 = await run(['import', 'medical_settlements', join(dir, 'nope.csv'), '--db', db, '--data-dir', join(dir, 'data')]);
    assert.equal(r1.code, 1, r1.out);
    assert.match(r1.stderr, /nope\.csv/);
    const r2 = await run(['import', 'no_such_feed', path(), '--db', db, '--data-dir', join(dir, 'data')]);
    assert.equal(r2.code, 1, r2.out);
    assert.match(r2.stderr, /no_such_feed/);
  });
});

// An XLSX workbook (written by openpyxl, as departments' Excel does) goes
// through the same checks as a CSV file: text cells, numbers, a gap where
// row 4 is missing, one row with a wrong check character rejected with its
// spreadsheet row as its line; the same workbook again changes nothing.
describe('an XLSX file', () => {
  let srv;
  const it = serverTest(() => srv);
  const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

  before(async () => { srv = await startServer({ tag: 'feeds-xlsx' }); });
  after(async () => { await srv?.stop(); });

  it('imports the good rows, rejects the bad one with its row number, and the same file again changes nothing', async () => {
    const { spawnSync } = await import('node:child_process');
    const ids = [makeIdNumber({}), makeIdNumber({}), makeIdNumber({})];
    const wrong = ids[2].slice(0, 17) + (ids[2][17] === '1' ? '2' : '1');
    const rows = [
      ['参保人身份证号码', '结算日期', '医疗总费用', '个人自付', '诊断类别'],   // row 1
      [ids[0], '2026-03-01', 1234.56, 800, '住院,手术'],                   // row 2
      [wrong, '2026-03-02', 100, 50, '门诊'],                              // row 3: wrong check character
      null,                                                                 // row 4: empty
      [ids[1], '2026-03-04', 300, 120.5, '他说"复诊"\n门诊'],               // row 5
    ];
    const file = join(srv.dir, 'settlements.xlsx');
    const py = 'import json,sys,openpyxl\n'
      + 'wb=openpyxl.Workbook(); ws=wb.active\n'
      + 'for i,r in enumerate(json.loads(sys.argv[2])):\n'
      + '  for j,v in enumerate(r or []): ws.cell(row=i+1,column=j+1,value=v)\n'
      + 'wb.save(sys.argv[1])\n';
    const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const g = spawnSync(PY, ['-c', py, file, JSON.stringify(rows)], { encoding: 'utf8' });
    assert.equal(g.status, 0, `openpyxl: ${g.stderr}`);
    const bytes = readFileSync(file);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 3, 4], 'a ZIP');

    const admin = await srv.as('admin');
    const post = () => admin.request('POST', '/api/feeds/medical_settlements/imports?file_name=settlements.xlsx',
      { raw: bytes, contentType: XLSX_TYPE });
    const j = assertStatus(await post(), 201);
    const where = JSON.stringify(j).slice(0, 800);
    assert.equal(j.encoding, 'XLSX', where);
    assert.equal(j.rows_total, 3, `three data rows (the empty row is skipped): ${where}`);
    assert.equal(j.rows_imported, 2, where);
    assert.equal(j.rows_rejected, 1, where);
    assert.deepEqual(j.rejected.map((x) => x.line), [3], `the rejected row's line is its spreadsheet row: ${where}`);
    assert.equal(j.rejected[0].field, 'id_number', where);
    assert.match(j.rejected[0].reason_en, /check/i, where);
    const recs = await records(srv.db, j.batch_id);
    assert.deepEqual(recs.map((r) => r.line), [2, 5]);
    assert.deepEqual(recs.map((r) => r.id_number), [ids[0], ids[1]]);
    assert.equal(recs[0].data.total_fen, 123456, 'the number 1234.56 -> 123456 fen');
    assert.equal(recs[0].data.self_paid_fen, 80000);
    assert.equal(recs[0].data.diagnosis_class, '住院,手术');
    assert.equal(recs[1].data.self_paid_fen, 12050);
    assert.equal(recs[1].data.diagnosis_class, '他说"复诊"\n门诊', 'quotes and a line break inside a cell');

    const before1 = await counts(srv.db);
    const again = assertStatus(await post(), 200);
    assert.equal(again.existing, true);
    assert.equal(again.batch_id, j.batch_id, 'the earlier batch');
    assert.deepEqual(await counts(srv.db), before1, 'no batch and no record added');
  });
});
