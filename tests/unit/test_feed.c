/*
 * test_feed.c - the feed catalogue and the import of department files into
 * a real SQLite file and a data folder: the issue's GB18030 file with CRLF,
 * quoted commas and line breaks, one wrong check character and one
 * duplicate row (good rows imported, the two bad ones reported with their
 * lines, importing again changes nothing); rows seen in an earlier batch;
 * the canonical file; all or nothing; the values as departments write them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iconv.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/core/idcard.h"
#include "../../src/core/strbuf.h"
#include "../../src/domain/feed.h"
#include "../../src/domain/perm.h"
#include "../../src/core/banned.h"

struct fixture {
	char dir[256];
	char db[300];
	char data[300];
	struct store *s;
	struct actor sys;
	struct err e;
	char id[6][19];          /* valid ID numbers */
	char bad_check[19];      /* id[2] with a wrong check character */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");

	if (sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/feed-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0)
		return -1;
	perm_system_actor(&f->sys, "500231");
	for (int i = 0; i < 6; i++)
		if (idcard_make("500231", 1950 + i, 1 + i, 10 + i, 100 + i, f->id[i]) < 0)
			return -1;
	memcpy(f->bad_check, f->id[2], 19);
	f->bad_check[17] = f->id[2][17] == '0' ? '1' : '0';
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	free(f);
	return 0;
}

static char *to_gb18030(const char *utf8, size_t *len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t in_left = strlen(utf8), out_left = 4 * in_left + 4;
	char *out = malloc(out_left), *o = out, *in = (char *)utf8;

	assert_true(cd != (iconv_t)-1);
	assert_int_not_equal(iconv(cd, &in, &in_left, &o, &out_left), (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(o - out);
	return out;
}

static int64_t count(struct fixture *f, const char *sql)
{
	int64_t n = -1;

	if (store_int64(f->s, &n, &f->e, sql, "") < 0)
		fail_msg("%s: %s", sql, f->e.message_en);
	return n;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	assert_non_null(fp);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(fp);
	return strbuf_detach(&sb, NULL);
}

static int import(struct fixture *f, const char *feed, const char *name,
		  const char *bytes, size_t len, struct feed_result *r)
{
	err_clear(&f->e);
	return feed_import(f->s, &f->sys, "config", f->data, feed, name, bytes,
			   len, NULL, r, &f->e);
}

/* The file of the issue, as a medical-security office would send it: GB18030,
 * CRLF, Chinese headers in another order than the catalogue's, amounts in 元,
 * a diagnosis holding a comma and one holding a line break, a wrong check
 * character on line 5 and a repeat of line 2 on line 6. */
static char *issue_file(struct fixture *f, size_t *len)
{
	struct strbuf u = STRBUF_INIT;
	char *gb;

	strbuf_addstr(&u, "公民身份号码,结算日期,个人自付,医疗总费用,诊断类别\r\n");
	strbuf_addf(&u, "%s,2026/3/5,800,\"1,234.50\",\"恶性肿瘤,化疗\"\r\n", f->id[0]);
	strbuf_addf(&u, "%s,2026年3月6日,100.5,500,\"慢性病\r\n门诊\"\r\n", f->id[1]);
	strbuf_addf(&u, "%s,2026-03-07,50,100,\r\n", f->bad_check);
	strbuf_addf(&u, "%s,2026/3/5,800,\"1,234.50\",\"恶性肿瘤,化疗\"\r\n", f->id[0]);
	strbuf_addf(&u, "%s,20260308,30元,￥300,普通\r\n", f->id[3]);
	gb = to_gb18030(u.buf, len);
	strbuf_release(&u);
	return gb;
}

static void test_catalogue_has_every_feed(void **state)
{
	static const char *const names[] = {
		"household_register", "deaths", "vehicles", "medical_settlements",
		"students", "unemployment", "pensions", "real_estate",
		"dangerous_houses", "companies", "disaster_victims",
		"disability_certificates", "return_poverty_watch", "tax_income",
		"deposits", "staff_relatives", NULL
	};
	const struct feed_catalogue *c;
	const struct feed_def *m;
	struct err e;

	(void)state;
	assert_int_equal(feed_catalogue_load("config", &c, &e), 0);
	for (int i = 0; names[i]; i++) {
		const struct feed_def *d = feed_find(c, names[i]);
		if (!d)
			fail_msg("feed %s missing", names[i]);
		assert_int_equal(d->columns[d->key_column].type, FEED_ID_NUMBER);
		assert_string_equal(d->columns[d->key_column].name, "id_number");
	}
	m = feed_find(c, "medical_settlements");
	assert_string_equal(m->columns[m->date_column].name, "settle_date");
	assert_int_equal(m->columns[feed_column_index(m, "self_paid_fen")].type, FEED_FEN);
	assert_null(feed_find(c, "nonsense"));
}

static void test_issue_file_imported_twice(void **state)
{
	struct fixture *f = *state;
	struct feed_result r, again;
	char path[600], *canon, want[1024];
	size_t len;
	char *gb = issue_file(f, &len);

	assert_int_equal(import(f, "medical_settlements", "医保结算.csv", gb, len, &r), 0);
	assert_string_equal(r.encoding, "GB18030");
	assert_int_equal(r.existing, 0);
	assert_int_equal(r.rows_total, 5);
	assert_int_equal(r.rows_imported, 3);
	assert_int_equal(r.rows_unchanged, 0);
	assert_int_equal(r.rows_rejected, 2);
	assert_int_equal(r.n_rejected, 2);
	assert_int_equal(r.rejected[0].line, 5);
	assert_string_equal(r.rejected[0].field, "id_number");
	assert_non_null(strstr(r.rejected[0].reason_en, "check character"));
	assert_int_equal(r.rejected[1].line, 6);
	assert_string_equal(r.rejected[1].reason_en, "duplicate of line 2");
	assert_string_equal(r.rejected[1].reason_zh, "与第 2 行重复");
	assert_int_equal(count(f, "SELECT count(*) FROM feed_records"), 3);
	/* the records keep the line where they start in the department's file */
	assert_int_equal(count(f, "SELECT group_concat(line) = '2,3,7' FROM"
			       " (SELECT line FROM feed_records ORDER BY id)"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM feed_records WHERE"
			       " json_extract(data, '$.self_paid_fen') = 10050"
			       " AND event_date = '2026-03-06'"), 1);

	/* the canonical file: catalogue order, fen, LF, quoted only when needed */
	snprintf(path, sizeof(path), "%s/%s", f->data, r.stored_path);
	canon = slurp(path);
	snprintf(want, sizeof(want),
		 "id_number,settle_date,total_fen,self_paid_fen,diagnosis_class\n"
		 "%s,2026-03-05,123450,80000,\"恶性肿瘤,化疗\"\n"
		 "%s,2026-03-06,50000,10050,\"慢性病\n门诊\"\n"
		 "%s,2026-03-08,30000,3000,普通\n", f->id[0], f->id[1], f->id[3]);
	assert_string_equal(canon, want);
	free(canon);

	/* again: the same batch answered, nothing added anywhere */
	int64_t audits = count(f, "SELECT count(*) FROM audit_log");
	assert_int_equal(import(f, "medical_settlements", "copy.csv", gb, len, &again), 0);
	assert_int_equal(again.existing, 1);
	assert_int_equal(again.batch_id, r.batch_id);
	assert_int_equal(again.rows_imported, 3);
	assert_int_equal(again.n_rejected, 2);
	assert_int_equal(again.rejected[0].line, 5);
	assert_int_equal(count(f, "SELECT count(*) FROM feed_batches"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM feed_records"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), audits);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'feed.import'"), 1);
	feed_result_release(&r);
	feed_result_release(&again);
	free(gb);
}

static void test_rows_seen_in_an_earlier_batch_are_unchanged(void **state)
{
	struct fixture *f = *state;
	struct feed_result r1, r2;
	struct feed_file *files = NULL;
	size_t n = 0;
	char *canon;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	strbuf_addf(&a, "身份证号码,死亡日期\n%s,2026-01-02\n%s,2026-01-03\n",
		    f->id[0], f->id[1]);
	/* UTF-8 with BOM; the same two facts written another way, one new */
	strbuf_addf(&b, "\xEF\xBB\xBF公民身份号码,死亡日期\n%s,2026/1/2\n%s,20260103\n%s,2026-02-01\n",
		    f->id[0], f->id[1], f->id[4]);
	assert_int_equal(import(f, "deaths", "a.csv", a.buf, a.len, &r1), 0);
	assert_int_equal(r1.rows_imported, 2);
	assert_int_equal(import(f, "deaths", "b.csv", b.buf, b.len, &r2), 0);
	assert_string_equal(r2.encoding, "UTF-8");
	assert_int_equal(r2.existing, 0);
	assert_int_equal(r2.rows_unchanged, 2);
	assert_int_equal(r2.rows_imported, 1);
	assert_int_equal(r2.rows_rejected, 0);
	assert_int_equal(feed_files(f->s, f->data, "deaths", &files, &n, &f->e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(files[1].batch_id, r2.batch_id);
	canon = slurp(files[1].path);             /* only the new row */
	assert_non_null(strstr(canon, f->id[4]));
	assert_null(strstr(canon, f->id[0]));
	free(canon);
	free(files);
	feed_result_release(&r1);
	feed_result_release(&r2);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void test_missing_column_or_bad_bytes_refuse_the_file(void **state)
{
	struct fixture *f = *state;
	struct feed_result r;
	struct strbuf a = STRBUF_INIT;
	const char bad[] = "身份证号码,死亡日期\n\xFF\xFE,2026-01-01\n";

	strbuf_addf(&a, "身份证号码,姓名\n%s,张三\n", f->id[0]);
	assert_int_equal(import(f, "deaths", "a.csv", a.buf, a.len, &r), ERR_INVALID);
	assert_string_equal(f->e.rule, "header");
	assert_string_equal(f->e.field, "death_date");
	assert_int_equal(import(f, "deaths", "b.csv", bad, sizeof(bad) - 1, &r), ERR_INVALID);
	assert_string_equal(f->e.rule, "encoding");
	assert_non_null(strstr(f->e.message_en, "line 2"));
	assert_int_equal(import(f, "nonsense", "c.csv", a.buf, a.len, &r), ERR_NOT_FOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM feed_batches"), 0);
	strbuf_release(&a);
}

static void test_all_or_nothing_when_the_file_cannot_be_written(void **state)
{
	struct fixture *f = *state;
	struct feed_result r;
	struct strbuf a = STRBUF_INIT;
	FILE *fp;

	/* data_dir is a plain file: the canonical file cannot be written */
	fp = fopen(f->data, "w");
	assert_non_null(fp);
	fclose(fp);
	strbuf_addf(&a, "身份证号码,死亡日期\n%s,2026-01-02\n", f->id[0]);
	assert_true(import(f, "deaths", "a.csv", a.buf, a.len, &r) < 0);
	assert_int_equal(count(f, "SELECT count(*) FROM feed_batches"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM feed_records"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), 0);
	unlink(f->data);
	strbuf_release(&a);
}

static void test_batches_read_back_and_report_csv(void **state)
{
	struct fixture *f = *state;
	struct feed_result r;
	struct strbuf csv = STRBUF_INIT;
	json_t *list = NULL, *one = NULL;
	size_t len;
	char *gb = issue_file(f, &len);

	assert_int_equal(import(f, "medical_settlements", "m.csv", gb, len, &r), 0);
	assert_int_equal(feed_batch_list(f->s, "medical_settlements", 1, 20, &list, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 1);
	json_decref(list);
	assert_int_equal(feed_batch_list(f->s, "deaths", 1, 20, &list, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 0);
	json_decref(list);
	assert_int_equal(feed_batch_get(f->s, r.batch_id, &one, &f->e), 0);
	assert_string_equal(json_string_value(json_object_get(one, "file_name")), "m.csv");
	assert_int_equal(json_array_size(json_object_get(one, "rejected")), 2);
	json_decref(one);
	assert_int_equal(feed_batch_rejected_csv(f->s, r.batch_id, &csv, &f->e), 0);
	assert_non_null(strstr(csv.buf, "\r\n5,id_number,"));
	assert_non_null(strstr(csv.buf, "\r\n6,,与第 2 行重复,duplicate of line 2\r\n"));
	assert_int_equal(feed_batch_get(f->s, 999, &one, &f->e), ERR_NOT_FOUND);
	strbuf_release(&csv);
	feed_result_release(&r);
	free(gb);
}

static void check_value(const char *feed, const char *col, const char *in,
			 const char *want_or_rule, int ok)
{
	const struct feed_catalogue *c;
	const struct feed_def *d;
	struct strbuf out = STRBUF_INIT;
	struct err e;
	int rc;

	assert_int_equal(feed_catalogue_load("config", &c, &e), 0);
	d = feed_find(c, feed);
	err_clear(&e);
	rc = feed_parse_value(&d->columns[feed_column_index(d, col)], in,
			      strlen(in), &out, &e);
	if (ok && (rc != 0 || strcmp(out.buf, want_or_rule) != 0))
		fail_msg("%s %s \"%s\": got \"%s\" (%s), want \"%s\"", feed, col, in,
			 out.buf, e.message_en, want_or_rule);
	if (!ok && (rc != ERR_INVALID || strcmp(e.rule, want_or_rule) != 0))
		fail_msg("%s %s \"%s\": rc %d rule \"%s\", want rule %s", feed, col,
			 in, rc, e.rule, want_or_rule);
	strbuf_release(&out);
}

static void test_values_as_departments_write_them(void **state)
{
	struct fixture *f = *state;
	char lower[32], excel[32];

	snprintf(lower, sizeof(lower), " '%s\t", f->id[5]);   /* Excel's marks */
	check_value("deaths", "id_number", lower, f->id[5], 1);
	snprintf(excel, sizeof(excel), "%s", f->bad_check);
	check_value("deaths", "id_number", excel, "check_character", 0);
	check_value("deaths", "id_number", "", "required", 0);
	check_value("deaths", "death_date", "2024.2.29", "2024-02-29", 1);
	check_value("deaths", "death_date", "2024年12月1日", "2024-12-01", 1);
	check_value("deaths", "death_date", "2024-03-05 08:30:00", "2024-03-05", 1);
	check_value("deaths", "death_date", "2023-02-29", "date", 0);
	check_value("deaths", "death_date", "2024/13/01", "date", 0);
	check_value("medical_settlements", "self_paid_fen", "1,234.5", "123450", 1);
	check_value("medical_settlements", "self_paid_fen", "￥12", "1200", 1);
	check_value("medical_settlements", "self_paid_fen", "0.07", "7", 1);
	check_value("medical_settlements", "self_paid_fen", "12.345", "amount", 0);
	check_value("medical_settlements", "self_paid_fen", "-5", "negative", 0);
	check_value("medical_settlements", "self_paid_fen", "abc", "amount", 0);
	check_value("medical_settlements", "diagnosis_class", "", "", 1);
	check_value("real_estate", "area_m2", "89.5", "8950", 1);
	check_value("vehicles", "vehicle_type", "小型汽车", "car", 1);
	check_value("vehicles", "vehicle_type", "motor_wheelchair", "motor_wheelchair", 1);
	check_value("vehicles", "vehicle_type", "飞机", "enum", 0);
	check_value("dangerous_houses", "grade", "D级", "D", 1);
	check_value("disability_certificates", "grade", "5", "range", 0);
	check_value("disability_certificates", "grade", "二级", "2", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_has_every_feed),
		cmocka_unit_test_setup_teardown(test_issue_file_imported_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_seen_in_an_earlier_batch_are_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_column_or_bad_bytes_refuse_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing_when_the_file_cannot_be_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches_read_back_and_report_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_as_departments_write_them, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
