/*
 * test_xlsx.c - the first worksheet of an XLSX file as CSV text.
 *
 * Real workbooks are written here with libxlsxwriter (shared strings, and
 * inline strings in its constant-memory mode) into $CIVICARE_TEST_TMP
 * (else /tmp) and read back: Chinese text, commas, quotes and line breaks
 * in cells, numbers, empty cells in the middle, a shared-string-heavy
 * sheet, two sheets of which the first is read.  Parts the writers never
 * produce (rich text runs, phonetic guides, entities, _xHHHH_ escapes, a
 * first sheet that is not sheet1.xml) are packed by a small ZIP writer
 * below, as are the hostile files: truncated, wrong offsets, huge declared
 * sizes, a zip bomb, not a ZIP, encrypted - each ERR_INVALID on "file".
 * Dates: libxlsxwriter date formats (custom, built-in 14, Chinese, date-
 * time, time, a plain number format) and hand-made styles parts (found by
 * relationship or by xl/styles.xml, quoted and bracketed format codes,
 * the zh-CN built-ins, a 1904 workbook, broken and oversized styles).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <xlsxwriter.h>
#include <cmocka.h>

#include "../../src/core/csv.h"
#include "../../src/core/strbuf.h"
#include "../../src/core/xlsx.h"
#include "../../src/core/banned.h"

/* === helpers === */

static char test_dir[512];

static void make_test_dir(void)
{
	const char *base = getenv("CIVICARE_TEST_TMP");

	if (!base || !*base)
		base = "/tmp";
	snprintf(test_dir, sizeof(test_dir), "%s/xlsx-XXXXXX", base);
	assert_non_null(mkdtemp(test_dir));
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A workbook's path in the test directory; the file is removed by the
 * caller through read_back(). */
static void book_path(const char *name, char *out, size_t size)
{
	if (!test_dir[0])
		make_test_dir();
	snprintf(out, size, "%s/%s", test_dir, name);
}

/* The file as CSV (malloc'd, NUL-terminated); the file is removed. */
static char *read_back(const char *path)
{
	struct csv_text t;
	struct err e;
	size_t len;
	unsigned char *bytes = read_all(path, &len);
	char *csv;

	assert_true(xlsx_sniff(bytes, len));
	if (xlsx_to_csv(bytes, len, &t, &e) < 0)
		fail_msg("xlsx_to_csv: %s / %s", e.message, e.message_en);
	assert_string_equal(t.encoding, "XLSX");
	csv = malloc(t.len + 1);
	assert_non_null(csv);
	memcpy(csv, t.p, t.len);
	csv[t.len] = '\0';
	csv_text_release(&t);
	free(bytes);
	unlink(path);
	return csv;
}

/* Bytes that must be refused: ERR_INVALID on field "file". */
static void assert_refused(const unsigned char *p, size_t len, const char *rule,
			   const char *en_part)
{
	struct csv_text t;
	struct err e;

	err_clear(&e);
	assert_int_equal(xlsx_to_csv(p, len, &t, &e), ERR_INVALID);
	assert_string_equal(e.field, "file");
	assert_string_equal(e.rule, rule);
	assert_null(t.owned);
	assert_true(strlen(e.message) > 0);
	if (en_part && !strstr(e.message_en, en_part))
		fail_msg("message \"%s\" does not say \"%s\"", e.message_en, en_part);
}

/* === a small ZIP writer for hand-made parts === */

struct part {
	const char *name;
	const char *text;        /* NUL-terminated, or data/len */
	const void *data;
	size_t len;
	int deflate;
};

static void put16(struct strbuf *sb, unsigned v)
{
	unsigned char b[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	strbuf_add(sb, b, 2);
}

static void put32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	strbuf_add(sb, b, 4);
}

/* Raw deflate of data (malloc'd). */
static unsigned char *deflate_raw(const void *data, size_t len, size_t *out_len)
{
	z_stream zs;
	size_t cap = len + len / 100 + 1024;
	unsigned char *out = malloc(cap);

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static unsigned char *zip_pack(const struct part *parts, size_t n, size_t *len)
{
	struct strbuf z = STRBUF_INIT, cd = STRBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		const void *data = parts[i].text ? parts[i].text : parts[i].data;
		size_t dlen = parts[i].text ? strlen(parts[i].text) : parts[i].len, clen = dlen;
		unsigned char *packed = NULL;
		uint32_t crc = (uint32_t)crc32(0L, data, (uInt)dlen), off = (uint32_t)z.len;
		unsigned nlen = (unsigned)strlen(parts[i].name), method = parts[i].deflate ? 8 : 0;

		if (parts[i].deflate)
			packed = deflate_raw(data, dlen, &clen);
		put32(&z, 0x04034b50);
		put16(&z, 20); put16(&z, 0); put16(&z, method); put16(&z, 0); put16(&z, 0);
		put32(&z, crc); put32(&z, (uint32_t)clen); put32(&z, (uint32_t)dlen);
		put16(&z, nlen); put16(&z, 0);
		strbuf_add(&z, parts[i].name, nlen);
		strbuf_add(&z, packed ? (const void *)packed : data, clen);
		put32(&cd, 0x02014b50);
		put16(&cd, 20); put16(&cd, 20); put16(&cd, 0); put16(&cd, method);
		put16(&cd, 0); put16(&cd, 0);
		put32(&cd, crc); put32(&cd, (uint32_t)clen); put32(&cd, (uint32_t)dlen);
		put16(&cd, nlen); put16(&cd, 0); put16(&cd, 0); put16(&cd, 0); put16(&cd, 0);
		put32(&cd, 0); put32(&cd, off);
		strbuf_add(&cd, parts[i].name, nlen);
		free(packed);
	}
	{
		uint32_t cd_off = (uint32_t)z.len;

		strbuf_add(&z, cd.buf, cd.len);
		put32(&z, 0x06054b50);
		put16(&z, 0); put16(&z, 0); put16(&z, (unsigned)n); put16(&z, (unsigned)n);
		put32(&z, (uint32_t)cd.len); put32(&z, cd_off); put16(&z, 0);
	}
	strbuf_release(&cd);
	return (unsigned char *)strbuf_detach(&z, len);
}

/* A workbook of one sheet part (sheet1.xml) and optional shared strings. */
static unsigned char *pack_sheet(const char *sheet, const char *sst, size_t *len)
{
	struct part parts[] = {
		{ .name = "xl/worksheets/sheet1.xml", .text = sheet, .deflate = 1 },
		{ .name = "xl/sharedStrings.xml", .text = sst, .deflate = 0 },
	};

	return zip_pack(parts, sst ? 2 : 1, len);
}

static char *csv_of(const unsigned char *p, size_t len)
{
	struct csv_text t;
	struct err e;
	char *csv;

	if (xlsx_to_csv(p, len, &t, &e) < 0)
		fail_msg("xlsx_to_csv: %s / %s", e.message, e.message_en);
	csv = malloc(t.len + 1);
	memcpy(csv, t.p, t.len);
	csv[t.len] = '\0';
	csv_text_release(&t);
	return csv;
}

#define SHEET(rows) "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" \
	"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" \
	"<dimension ref=\"A1\"/><cols><col min=\"1\" max=\"1\" width=\"9\"/></cols>" \
	"<sheetData>" rows "</sheetData><mergeCells count=\"0\"/></worksheet>"

/* === workbooks written by libxlsxwriter === */

static void write_people(lxw_worksheet *ws)
{
	lxw_datetime date = { .year = 2026, .month = 3, .day = 1 };

	worksheet_write_string(ws, 0, 0, "身份证号码", NULL);
	worksheet_write_string(ws, 0, 1, "姓名", NULL);
	worksheet_write_string(ws, 0, 2, "金额", NULL);
	worksheet_write_string(ws, 0, 3, "备注", NULL);
	worksheet_write_string(ws, 1, 0, "11010519491231002X", NULL);
	worksheet_write_string(ws, 1, 1, "张三", NULL);
	worksheet_write_number(ws, 1, 2, 12, NULL);
	worksheet_write_string(ws, 1, 3, "住院,手术", NULL);
	worksheet_write_string(ws, 2, 0, "110105194912310038", NULL);
	/* column B empty: a gap in the middle */
	worksheet_write_number(ws, 2, 2, 1234.56, NULL);
	worksheet_write_string(ws, 2, 3, "他说\"复诊\"\n第二行", NULL);
	worksheet_write_number(ws, 4, 0, 0.1 + 0.2, NULL);   /* row 4 is missing */
	worksheet_write_number(ws, 4, 1, 200.5, NULL);
	worksheet_write_boolean(ws, 4, 2, 1, NULL);
	worksheet_write_datetime(ws, 4, 3, &date, NULL);
}

static const char people_csv[] =
	"身份证号码,姓名,金额,备注\n"
	"11010519491231002X,张三,12,\"住院,手术\"\n"
	"110105194912310038,,1234.56,\"他说\"\"复诊\"\"\n第二行\"\n"
	"\n"
	"0.3,200.5,TRUE,46082\n";

static void test_xlsxwriter_workbook_reads_as_csv_with_quotes_gaps_and_numbers(void **state)
{
	char path[600];
	lxw_workbook *wb;
	char *csv;

	(void)state;
	book_path("people.xlsx", path, sizeof(path));
	wb = workbook_new(path);
	assert_non_null(wb);
	write_people(workbook_add_worksheet(wb, "名单"));
	worksheet_write_string(workbook_add_worksheet(wb, "第二页"), 0, 0, "不读这一页", NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	csv = read_back(path);
	assert_string_equal(csv, people_csv);
	free(csv);
}

static void test_inline_strings_read_as_shared_ones(void **state)
{
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = NULL };
	char path[600];
	lxw_workbook *wb;
	char *csv;

	(void)state;
	book_path("inline.xlsx", path, sizeof(path));
	opt.tmpdir = test_dir;
	wb = workbook_new_opt(path, &opt);
	assert_non_null(wb);
	write_people(workbook_add_worksheet(wb, NULL));
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	csv = read_back(path);
	assert_string_equal(csv, people_csv);
	free(csv);
}

static void test_shared_string_heavy_sheet_reads_every_row(void **state)
{
	enum { ROWS = 5000 };
	char path[600], cell[64];
	struct csv_reader r;
	struct err e;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	char *csv;
	int rows = 0;

	(void)state;
	book_path("heavy.xlsx", path, sizeof(path));
	wb = workbook_new(path);
	ws = workbook_add_worksheet(wb, NULL);
	for (int i = 0; i < ROWS; i++) {
		snprintf(cell, sizeof(cell), "乡镇%d", i % 37);
		worksheet_write_string(ws, (lxw_row_t)i, 0, cell, NULL);
		snprintf(cell, sizeof(cell), "唯一,%d", i);
		worksheet_write_string(ws, (lxw_row_t)i, 1, cell, NULL);
		worksheet_write_number(ws, (lxw_row_t)i, 2, i, NULL);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	csv = read_back(path);
	csv_init(&r, csv, strlen(csv));
	while (csv_next(&r, &e) == 1) {
		assert_int_equal(r.n_fields, 3);
		assert_int_equal(r.record_line, rows + 1);
		snprintf(cell, sizeof(cell), "唯一,%d", rows);
		assert_int_equal(r.fields[1].len, strlen(cell));
		assert_memory_equal(r.fields[1].p, cell, strlen(cell));
		snprintf(cell, sizeof(cell), "%d", rows);
		assert_int_equal(r.fields[2].len, strlen(cell));
		assert_memory_equal(r.fields[2].p, cell, strlen(cell));
		rows++;
	}
	assert_int_equal(rows, ROWS);
	csv_release(&r);
	free(csv);
}

/* === parts written by hand === */

static void test_rich_text_entities_escapes_and_cell_types(void **state)
{
	static const char sst[] =
		"<sst xmlns=\"x\" count=\"3\" uniqueCount=\"3\">"
		"<si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space=\"preserve\">文本 &amp; 更多</t></r>"
		"<rPh sb=\"0\" eb=\"1\"><t>フ</t></rPh></si>"
		"<si><t>&#20013;&#x6587;&lt;&gt;&quot;&apos;_x000D__x0041_&bogus;</t></si>"
		"<si/></sst>";
	static const char sheet[] = SHEET(
		"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
		"<c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" t=\"inlineStr\"><is><t>内联,</t></is></c></row>"
		"<row r=\"2\" spans=\"1:6\"><c r=\"A2\"><v>5.0E-2</v></c><c r=\"B2\"><v>12.0</v></c>"
		"<c r=\"C2\" t=\"str\"><f>A1&amp;\"x\"</f><v>公式</v></c><c r=\"D2\" t=\"e\"><v>#N/A</v></c>"
		"<c r=\"E2\" t=\"b\"><v>0</v></c><c r=\"F2\" t=\"d\"><v>2026-03-01T00:00:00</v></c></row>"
		"<!-- a comment <row> -->"
		"<row r=\"4\"><c r=\"C4\" s=\"1\"/><c r=\"D4\"><v>123456789012345678</v></c></row>"
		"<x:row r=\"5\" xmlns:x=\"x\"><x:c r=\"B5\"><x:v>-0.0</x:v></x:c></x:row>");
	size_t len;
	unsigned char *zip = pack_sheet(sheet, sst, &len);
	char *csv = csv_of(zip, len);

	(void)state;
	assert_string_equal(csv,
		"富文本 & 更多,\"中文<>\"\"'\rA&bogus;\",,\"内联,\"\n"
		"0.05,12,公式,#N/A,FALSE,2026-03-01\n"
		"\n"
		",,,123456789012345678\n"
		",0\n");
	free(csv);
	free(zip);
}

static void test_first_sheet_follows_the_workbook_not_the_file_name(void **state)
{
	struct part parts[] = {
		{ .name = "[Content_Types].xml", .text = "<Types/>" },
		{ .name = "xl/workbook.xml", .text =
		  "<workbook xmlns:r=\"r\"><sheets><sheet name=\"甲\" sheetId=\"2\" r:id=\"rId7\"/>"
		  "<sheet name=\"乙\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", .deflate = 1 },
		{ .name = "xl/_rels/workbook.xml.rels", .text =
		  "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
		  "<Relationship Id=\"rId7\" Target=\"/xl/worksheets/data.xml\"/></Relationships>" },
		{ .name = "xl/worksheets/sheet1.xml", .text = SHEET("<row r=\"1\"><c t=\"inlineStr\"><is><t>second</t></is></c></row>") },
		{ .name = "xl/worksheets/data.xml", .text = SHEET("<row r=\"1\"><c t=\"inlineStr\"><is><t>first</t></is></c><c><v>2</v></c></row>"), .deflate = 1 },
	};
	size_t len;
	unsigned char *zip = zip_pack(parts, sizeof(parts) / sizeof(parts[0]), &len);
	char *csv = csv_of(zip, len);

	(void)state;
	assert_string_equal(csv, "first,2\n");
	free(csv);
	free(zip);
}

/* === dates === */

static void test_date_cells_read_as_iso_dates(void **state)
{
	lxw_datetime day = { .year = 2026, .month = 3, .day = 1 };
	lxw_datetime stamp = { .year = 2026, .month = 3, .day = 1, .hour = 13, .min = 45 };
	lxw_datetime time = { .hour = 13, .min = 45 };
	char path[600];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *iso, *builtin, *zh, *datetime, *clock, *fixed;
	char *csv;

	(void)state;
	book_path("dates.xlsx", path, sizeof(path));
	wb = workbook_new(path);
	assert_non_null(wb);
	ws = workbook_add_worksheet(wb, NULL);
	iso = workbook_add_format(wb);
	format_set_num_format(iso, "yyyy-mm-dd");
	builtin = workbook_add_format(wb);
	format_set_num_format_index(builtin, 14);
	zh = workbook_add_format(wb);
	format_set_num_format(zh, "yyyy\"年\"m\"月\"d\"日\"");
	datetime = workbook_add_format(wb);
	format_set_num_format(datetime, "yyyy-mm-dd hh:mm");
	clock = workbook_add_format(wb);
	format_set_num_format(clock, "hh:mm");
	fixed = workbook_add_format(wb);
	format_set_num_format(fixed, "0.00");
	worksheet_write_string(ws, 0, 0, "日期", NULL);
	worksheet_write_datetime(ws, 1, 0, &day, iso);
	worksheet_write_datetime(ws, 1, 1, &day, builtin);
	worksheet_write_datetime(ws, 1, 2, &day, zh);
	worksheet_write_datetime(ws, 1, 3, &stamp, datetime);
	worksheet_write_datetime(ws, 1, 4, &time, clock);
	worksheet_write_number(ws, 1, 5, 46082, fixed);
	worksheet_write_datetime(ws, 1, 6, &day, NULL);        /* no style: the serial */
	/* The 1900 system's edges: Lotus's 1900-02-29 is serial 60. */
	worksheet_write_number(ws, 2, 0, 1, iso);
	worksheet_write_number(ws, 2, 1, 59, iso);
	worksheet_write_number(ws, 2, 2, 60, iso);
	worksheet_write_number(ws, 2, 3, 61, iso);
	worksheet_write_number(ws, 2, 4, 0, iso);
	worksheet_write_number(ws, 2, 5, -1, iso);
	worksheet_write_number(ws, 2, 6, 2958465.99, iso);
	worksheet_write_number(ws, 2, 7, 2958466, iso);
	worksheet_write_string(ws, 2, 8, "2026-03-01", iso);   /* text stays text */
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	csv = read_back(path);
	assert_string_equal(csv,
		"日期\n"
		"2026-03-01,2026-03-01,2026-03-01,2026-03-01,0.572916666666667,46082,46082\n"
		"1900-01-01,1900-02-28,60,1900-03-01,0,-1,9999-12-31,2958466,2026-03-01\n");
	free(csv);
}

/* A workbook part set by hand: workbook, relationships, styles, sheet. */
static char *csv_of_styled(const char *workbook, const char *rels, const char *styles_name,
			   const char *styles, const char *rows)
{
	struct part parts[] = {
		{ .name = "xl/worksheets/sheet1.xml", .text = rows, .deflate = 1 },
		{ .name = "xl/workbook.xml", .text = workbook },
		{ .name = "xl/_rels/workbook.xml.rels", .text = rels },
		/* Large styles are stored: deflated padding would be a zip bomb. */
		{ .name = styles_name, .text = styles,
		  .deflate = styles && strlen(styles) < 65536 },
	};
	size_t len, n = 0;
	struct part use[4];
	unsigned char *zip;
	char *csv;

	for (size_t i = 0; i < 4; i++)
		if (parts[i].text)
			use[n++] = parts[i];
	zip = zip_pack(use, n, &len);
	csv = csv_of(zip, len);
	free(zip);
	return csv;
}

#define WORKBOOK(pr) "<workbook xmlns:r=\"r\">" pr "<sheets><sheet name=\"a\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define RELS(styles) "<Relationships><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>" \
	"<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"" styles "\"/></Relationships>"

/* Styles 0-12: General, custom formats, zh-CN built-ins, times. */
static const char styles_xml[] =
	"<styleSheet><numFmts count=\"8\">"
	"<numFmt numFmtId=\"164\" formatCode=\"yyyy/m/d\"/>"
	"<numFmt numFmtId=\"165\" formatCode=\"[$-804]yyyy&quot;年&quot;m&quot;月&quot;\"/>"
	"<numFmt numFmtId=\"166\" formatCode=\"[h]:mm:ss\"/>"
	"<numFmt numFmtId=\"167\" formatCode=\"0.0&quot;days&quot;\"/>"
	"<numFmt numFmtId=\"168\" formatCode=\"[Red]0\\d_)\"/>"
	"<numFmt numFmtId=\"169\" formatCode=\"mm:ss\"/>"
	"<numFmt numFmtId=\"14\" formatCode=\"0.000\"/>"
	"<numFmt numFmtId=\"170\" formatCode=\"m&quot;月&quot;d&quot;日&quot;\"/>"
	"</numFmts>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
	"<cellXfs count=\"13\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/>"
	"<xf numFmtId=\"166\"/><xf numFmtId=\"167\"/><xf numFmtId=\"168\"/><xf numFmtId=\"169\"/>"
	"<xf numFmtId=\"14\"/><xf numFmtId=\"31\"/><xf numFmtId=\"32\"/><xf numFmtId=\"58\"/>"
	"<xf numFmtId=\"170\"/><xf/></cellXfs>"
	"<dxfs count=\"1\"><dxf><numFmt numFmtId=\"171\" formatCode=\"yyyy\"/></dxf></dxfs></styleSheet>";

static const char styled_rows[] = SHEET(
	"<row r=\"1\"><c r=\"A1\" s=\"0\"><v>46082</v></c><c r=\"B1\" s=\"1\"><v>46082.75</v></c>"
	"<c r=\"C1\" s=\"2\"><v>46082</v></c><c r=\"D1\" s=\"3\"><v>1.5</v></c><c r=\"E1\" s=\"4\"><v>3</v></c>"
	"<c r=\"F1\" s=\"5\"><v>4</v></c><c r=\"G1\" s=\"6\"><v>0.25</v></c><c r=\"H1\" s=\"7\"><v>46082</v></c>"
	"<c r=\"I1\" s=\"8\"><v>46082</v></c><c r=\"J1\" s=\"9\"><v>0.5</v></c><c r=\"K1\" s=\"10\"><v>46082</v></c>"
	"<c r=\"L1\" s=\"11\"><v>46082</v></c><c r=\"M1\" s=\"12\"><v>46082</v></c>"
	"<c r=\"N1\" s=\"13\"><v>46082</v></c><c r=\"O1\" s=\"1\" t=\"str\"><f>A1</f><v>x</v></c>"
	"<c r=\"P1\" s=\"1\"><f>A1+1</f><v>46083</v></c><c r=\"Q1\" s=\"99999999999\"><v>46082</v></c></row>");

static void test_date_formats_from_the_styles_part(void **state)
{
	char *csv;

	(void)state;
	/* Styles found through the relationships, under another name. */
	csv = csv_of_styled(WORKBOOK(""), RELS("/xl/own-styles.xml"), "xl/own-styles.xml",
			    styles_xml, styled_rows);
	assert_string_equal(csv,
		"46082,2026-03-01,2026-03-01,1.5,3,4,0.25,46082,2026-03-01,0.5,2026-03-01,"
		"2026-03-01,46082,46082,x,2026-03-02,46082\n");
	free(csv);
	/* The fixed path without relationships. */
	csv = csv_of_styled(WORKBOOK(""), NULL, "xl/styles.xml", styles_xml, styled_rows);
	assert_string_equal(csv,
		"46082,2026-03-01,2026-03-01,1.5,3,4,0.25,46082,2026-03-01,0.5,2026-03-01,"
		"2026-03-01,46082,46082,x,2026-03-02,46082\n");
	free(csv);
}

static void test_1904_workbook_counts_from_1904(void **state)
{
	static const char styles[] = "<styleSheet><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>";
	static const char rows[] = SHEET(
		"<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>44620</v></c>"
		"<c r=\"C1\" s=\"1\"><v>59.5</v></c><c r=\"D1\" s=\"1\"><v>60</v></c><c r=\"E1\" s=\"1\"><v>2957003</v></c>"
		"<c r=\"F1\" s=\"1\"><v>2957004</v></c></row>");
	char *csv;

	(void)state;
	csv = csv_of_styled(WORKBOOK("<workbookPr date1904=\"1\" defaultThemeVersion=\"1\"/>"),
			    RELS("styles.xml"), "xl/styles.xml", styles, rows);
	assert_string_equal(csv, "1904-01-01,2026-03-01,1904-02-29,1904-03-01,9999-12-31,2957004\n");
	free(csv);
	csv = csv_of_styled(WORKBOOK("<workbookPr date1904=\"false\"/>"),
			    RELS("styles.xml"), "xl/styles.xml", styles, rows);
	assert_string_equal(csv, "0,2022-02-28,1900-02-28,60,9995-12-30,9995-12-31\n");
	free(csv);
}

static void test_a_bad_styles_part_leaves_dates_as_numbers(void **state)
{
	static const char rows[] = SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>46082</v></c><c r=\"B1\"><v>7</v></c></row>");
	struct strbuf many = STRBUF_INIT;
	char *csv;

	(void)state;
	/* Truncated. */
	csv = csv_of_styled(WORKBOOK(""), NULL, "xl/styles.xml",
			    "<styleSheet><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"", rows);
	assert_string_equal(csv, "46082,7\n");
	free(csv);
	/* More cell styles than XLSX_STYLES_ITEMS. */
	strbuf_addstr(&many, "<styleSheet><cellXfs>");
	for (int i = 0; i <= XLSX_STYLES_ITEMS; i++)
		strbuf_addstr(&many, "<xf numFmtId=\"14\"/>");
	strbuf_addstr(&many, "</cellXfs></styleSheet>");
	csv = csv_of_styled(WORKBOOK(""), NULL, "xl/styles.xml", many.buf, rows);
	assert_string_equal(csv, "46082,7\n");
	free(csv);
	strbuf_release(&many);
	/* Larger than XLSX_STYLES_BYTES: padding in a comment. */
	strbuf_addstr(&many, "<styleSheet><cellXfs><xf/><xf numFmtId=\"14\"/></cellXfs><!--");
	while (many.len <= XLSX_STYLES_BYTES)
		strbuf_addstr(&many, "                                ");
	strbuf_addstr(&many, "--></styleSheet>");
	csv = csv_of_styled(WORKBOOK(""), NULL, "xl/styles.xml", many.buf, rows);
	assert_string_equal(csv, "46082,7\n");
	free(csv);
	strbuf_release(&many);
	/* Just under the limit it is read. */
	strbuf_addstr(&many, "<styleSheet><cellXfs><xf/><xf numFmtId=\"14\"/></cellXfs><!--");
	while (many.len < XLSX_STYLES_BYTES - 64)
		strbuf_addstr(&many, "                                ");
	strbuf_addstr(&many, "--></styleSheet>");
	csv = csv_of_styled(WORKBOOK(""), NULL, "xl/styles.xml", many.buf, rows);
	assert_string_equal(csv, "2026-03-01,7\n");
	free(csv);
	strbuf_release(&many);
}

/* === hostile files === */

static unsigned char *small_book(size_t *len)
{
	return pack_sheet(SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\"><v>1</v></c></row>"),
			  "<sst><si><t>abc</t></si></sst>", len);
}

/* Offset of the end-of-central-directory record (zip_pack writes no
 * comment) and of the first central directory entry. */
static size_t eocd_of(size_t len)
{
	return len - 22;
}

static size_t cd_of(const unsigned char *p, size_t len)
{
	const unsigned char *r = p + eocd_of(len) + 16;

	return (size_t)r[0] | (size_t)r[1] << 8 | (size_t)r[2] << 16 | (size_t)r[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void test_not_a_zip_and_truncated_files_are_invalid(void **state)
{
	static const unsigned char junk[] = "PK\3\4 this is no zip at all, just text";
	size_t len;
	unsigned char *zip = small_book(&len);

	(void)state;
	assert_refused(junk, sizeof(junk) - 1, "xlsx", "central directory");
	assert_refused(junk, 3, "xlsx", "truncated");
	assert_refused(zip, len / 2, "xlsx", NULL);
	assert_refused(zip, len - 1, "xlsx", NULL);
	free(zip);
}

static void test_wrong_offsets_and_huge_sizes_are_invalid(void **state)
{
	size_t len, cd;
	unsigned char *zip = small_book(&len);

	(void)state;
	cd = cd_of(zip, len);
	put_le32(zip + eocd_of(len) + 16, (uint32_t)len);          /* directory past the end */
	assert_refused(zip, len, "xlsx", "out of place");
	put_le32(zip + eocd_of(len) + 16, (uint32_t)cd);
	put_le32(zip + cd + 42, 0x7ffffff0);                             /* local header past the end */
	assert_refused(zip, len, "xlsx", "out of place");
	put_le32(zip + cd + 42, 0);
	put_le32(zip + cd + 24, 0xfffffff0);                             /* a 4 GB sheet */
	assert_refused(zip, len, "xlsx", "larger than 64 MB");
	put_le32(zip + cd + 24, 32 * 1024 * 1024);                       /* 32 MB from a few bytes */
	assert_refused(zip, len, "xlsx", "zip bomb");
	put_le32(zip + cd + 20, 0x7ffffff0);                             /* compressed past the end */
	assert_refused(zip, len, "xlsx", "truncated");
	free(zip);
	zip = small_book(&len);
	zip[cd + 16] ^= 1;                                               /* CRC */
	assert_refused(zip, len, "xlsx", "CRC");
	zip[cd + 16] ^= 1;
	zip[cd + 8] |= 1;                                                /* encrypted entry */
	assert_refused(zip, len, "xlsx_encrypted", "plain XLSX or CSV");
	free(zip);
}

static void test_zip_bomb_entry_is_refused_before_inflating(void **state)
{
	size_t n = 48 * 1024 * 1024, len;
	char *zeros = calloc(1, n + 1);
	struct part parts[1] = { { .name = "xl/worksheets/sheet1.xml", .deflate = 1 } };
	unsigned char *zip;

	(void)state;
	memcpy(zeros, "<sheetData>", 11);
	parts[0].data = zeros;
	parts[0].len = n;
	zip = zip_pack(parts, 1, &len);
	assert_true(len < n / 500);
	assert_refused(zip, len, "xlsx", "zip bomb");
	free(zip);
	free(zeros);
}

static void test_a_zip_without_a_worksheet_is_invalid(void **state)
{
	struct part parts[] = {
		{ .name = "[Content_Types].xml", .text = "<Types/>" },
		{ .name = "xl/workbook.xml", .text = "<workbook><sheets/></workbook>" },
	};
	size_t len;
	unsigned char *zip = zip_pack(parts, 2, &len);

	(void)state;
	assert_refused(zip, len, "xlsx", "no worksheet");
	free(zip);
}

static void test_encrypted_workbook_says_save_as_plain_xlsx_or_csv(void **state)
{
	static const unsigned char cfb[512] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };

	(void)state;
	assert_true(xlsx_sniff(cfb, sizeof(cfb)));
	assert_false(xlsx_sniff((const unsigned char *)"a,b\n", 4));
	assert_refused(cfb, sizeof(cfb), "xlsx_encrypted", "plain XLSX or CSV");
}

static void test_bad_sheets_are_invalid_naming_what_is_wrong(void **state)
{
	static const struct {
		const char *sheet, *sst, *en;
	} cases[] = {
		{ "<worksheet/>", NULL, "no sheetData" },
		{ SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>"), "<sst><si><t>a</t></si></sst>", "out of range" },
		{ SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>x</v></c></row>"), "<sst/>", "index is wrong" },
		{ SHEET("<row r=\"2\"/><row r=\"1\"/>"), NULL, "rows are out of order" },
		{ SHEET("<row r=\"1048577\"/>"), NULL, "1,048,576 rows" },
		{ SHEET("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>1</v></c></row>"), NULL, "out of order" },
		{ SHEET("<row r=\"1\"><c r=\"IW1\"><v>1</v></c></row>"), NULL, "256 columns" },
		{ SHEET("<row r=\"1\"><c r=\"1\"><v>1</v></c></row>"), NULL, "reference" },
		{ SHEET("<c r=\"A1\"><v>1</v></c>"), NULL, "outside a row" },
		{ "<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>", NULL, "truncated" },
		{ "<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v", NULL, "truncated" },
		{ SHEET("<row><c t=\"inlineStr\"><is><t>\xff\xfe</t></is></c></row>"), NULL, "UTF-8" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		unsigned char *zip = pack_sheet(cases[i].sheet, cases[i].sst, &len);

		assert_refused(zip, len, "xlsx", cases[i].en);
		free(zip);
	}
}

static void test_a_cell_over_32_kb_is_invalid(void **state)
{
	struct strbuf sheet = STRBUF_INIT;
	size_t len;
	unsigned char *zip;

	(void)state;
	strbuf_addstr(&sheet, "<sheetData><row><c t=\"inlineStr\"><is><t>");
	for (int i = 0; i < XLSX_STRING_BYTES / 8 + 1; i++)
		strbuf_addstr(&sheet, "12345678");
	strbuf_addstr(&sheet, "</t></is></c></row></sheetData>");
	zip = pack_sheet(sheet.buf, NULL, &len);
	assert_refused(zip, len, "xlsx", "32 KB");
	free(zip);
	strbuf_release(&sheet);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlsxwriter_workbook_reads_as_csv_with_quotes_gaps_and_numbers),
		cmocka_unit_test(test_inline_strings_read_as_shared_ones),
		cmocka_unit_test(test_shared_string_heavy_sheet_reads_every_row),
		cmocka_unit_test(test_rich_text_entities_escapes_and_cell_types),
		cmocka_unit_test(test_first_sheet_follows_the_workbook_not_the_file_name),
		cmocka_unit_test(test_date_cells_read_as_iso_dates),
		cmocka_unit_test(test_date_formats_from_the_styles_part),
		cmocka_unit_test(test_1904_workbook_counts_from_1904),
		cmocka_unit_test(test_a_bad_styles_part_leaves_dates_as_numbers),
		cmocka_unit_test(test_not_a_zip_and_truncated_files_are_invalid),
		cmocka_unit_test(test_wrong_offsets_and_huge_sizes_are_invalid),
		cmocka_unit_test(test_zip_bomb_entry_is_refused_before_inflating),
		cmocka_unit_test(test_a_zip_without_a_worksheet_is_invalid),
		cmocka_unit_test(test_encrypted_workbook_says_save_as_plain_xlsx_or_csv),
		cmocka_unit_test(test_bad_sheets_are_invalid_naming_what_is_wrong),
		cmocka_unit_test(test_a_cell_over_32_kb_is_invalid),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	if (test_dir[0])
		rmdir(test_dir);
	return failed;
}
