/*
 * test_crosscheck.c - the pure helpers of the supervision cross-checks:
 * "a month after the month of death" (the death month itself is still
 * due; year boundaries; bad input is never "after"), subject keys (what
 * makes a second run find the same finding), money in 元 and townships;
 * then crosscheck_run on a small SQLite registry: payments after a death
 * (exact sum; failed lines and lines of runs not yet approved do not count;
 * a later payment refreshes the open finding instead of adding one), one
 * person enrolled twice, one account shared by unrelated households (and
 * not by related ones).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/core/clock.h"
#include "../../src/domain/divisions.h"
#include "../../src/domain/finding.h"
#include "../../src/core/banned.h"

static void test_the_death_month_itself_is_not_after(void **state)
{
	(void)state;
	assert_int_equal(crosscheck_month_after("2026-08", "2026-08-26"), 0);
	assert_int_equal(crosscheck_month_after("2026-08", "2026-08-01"), 0);
	assert_int_equal(crosscheck_month_after("2026-08", "2026-08-31"), 0);
}

static void test_the_months_after_the_death_month_are_after(void **state)
{
	(void)state;
	assert_int_equal(crosscheck_month_after("2026-09", "2026-08-31"), 1);
	assert_int_equal(crosscheck_month_after("2026-10", "2026-08-01"), 1);
	assert_int_equal(crosscheck_month_after("2026-07", "2026-08-15"), 0);
}

static void test_the_year_boundary_counts(void **state)
{
	(void)state;
	assert_int_equal(crosscheck_month_after("2027-01", "2026-12-31"), 1);
	assert_int_equal(crosscheck_month_after("2026-12", "2027-01-01"), 0);
	assert_int_equal(crosscheck_month_after("2027-01", "2027-01-02"), 0);
	/* "2026-10" is after "2026-09": not a string comparison of "10" < "9" */
	assert_int_equal(crosscheck_month_after("2026-10", "2026-09-30"), 1);
}

static void test_bad_input_is_never_after(void **state)
{
	(void)state;
	assert_int_equal(crosscheck_month_after("2026-13", "2026-08-01"), 0);
	assert_int_equal(crosscheck_month_after("2026-9", "2026-08-01"), 0);
	assert_int_equal(crosscheck_month_after("2026-09", "2026-02-30"), 0);
	assert_int_equal(crosscheck_month_after("2026-09", "2026/08/01"), 0);
	assert_int_equal(crosscheck_month_after(NULL, "2026-08-01"), 0);
	assert_int_equal(crosscheck_month_after("2026-09", NULL), 0);
	assert_int_equal(crosscheck_month_after("", ""), 0);
}

static void test_subject_keys_name_the_check_and_its_records(void **state)
{
	char k[64];
	(void)state;
	crosscheck_subject_key(k, sizeof(k), "relative_unfiled", "245", "500231198401157026");
	assert_string_equal(k, "relative_unfiled:245:500231198401157026");
	crosscheck_subject_key(k, sizeof(k), "paid_after_death", "1402", "46");
	assert_string_equal(k, "paid_after_death:1402:46");
	crosscheck_subject_key(k, sizeof(k), "shared_account", "6228480000001087112", NULL);
	assert_string_equal(k, "shared_account:6228480000001087112");
	crosscheck_subject_key(k, sizeof(k), "shared_account", "6228", "");
	assert_string_equal(k, "shared_account:6228");
	/* the same records give the same key; other records another */
	char k2[64];
	crosscheck_subject_key(k2, sizeof(k2), "paid_after_death", "1402", "46");
	assert_string_equal(k, "shared_account:6228");
	crosscheck_subject_key(k, sizeof(k), "paid_after_death", "1402", "46");
	assert_string_equal(k, k2);
	crosscheck_subject_key(k, sizeof(k), "paid_after_death", "1402", "47");
	assert_string_not_equal(k, k2);
	/* cut to the buffer, never past it */
	char tiny[8];
	crosscheck_subject_key(tiny, sizeof(tiny), "relative_unfiled", "1", "2");
	assert_int_equal(strlen(tiny), 7);
}

static void test_money_is_shown_in_yuan_with_separators(void **state)
{
	char y[48];
	(void)state;
	crosscheck_yuan(49600, y, sizeof(y));
	assert_string_equal(y, "¥496.00");
	crosscheck_yuan(386000, y, sizeof(y));
	assert_string_equal(y, "¥3,860.00");
	crosscheck_yuan(123456789, y, sizeof(y));
	assert_string_equal(y, "¥1,234,567.89");
	crosscheck_yuan(5, y, sizeof(y));
	assert_string_equal(y, "¥0.05");
	crosscheck_yuan(0, y, sizeof(y));
	assert_string_equal(y, "¥0.00");
	crosscheck_yuan(-150, y, sizeof(y));
	assert_string_equal(y, "-¥1.50");
}

static void test_the_township_is_the_first_nine_digits(void **state)
{
	char t[10];
	(void)state;
	crosscheck_township("500231103201", t);
	assert_string_equal(t, "500231103");
	crosscheck_township("500231103", t);
	assert_string_equal(t, "500231103");
	crosscheck_township("500231", t);
	assert_string_equal(t, "");
	crosscheck_township(NULL, t);
	assert_string_equal(t, "");
}

/* === crosscheck_run on a database === */

#define VILLAGE "500231103201"
#define NOW "2026-01-01T00:00:00Z"

struct fixture {
	char dir[256], db[300];
	struct store *s;
	struct err e;
	int64_t run_seq;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");
	snprintf(f->dir, sizeof(f->dir), "%s/crosscheck-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0 ||
	    divisions_seed(f->s, "config/divisions-500231.tsv", NULL, &f->e) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[400];
	const char *suffix[] = { "", "-wal", "-shm" };
	store_close(f->s);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", f->db, suffix[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void exec_ok(struct fixture *f, const char *sql)
{
	if (store_exec(f->s, sql, &f->e) < 0)
		fail_msg("%s: %s", sql, f->e.message_en);
}

static int64_t count_of(struct fixture *f, const char *sql)
{
	int64_t n = -1;
	if (store_int64(f->s, &n, &f->e, sql, "") < 0)
		fail_msg("%s: %s", sql, f->e.message_en);
	return n;
}

static void run_checks(struct fixture *f, struct crosscheck_result *r)
{
	if (crosscheck_run(f->s, NULL, "config", "2026-11-20", "test", r, &f->e) < 0)
		fail_msg("crosscheck_run: %s", f->e.message_en);
}

static int64_t found_of(struct crosscheck_result *r, const char *check, const char *what)
{
	return json_integer_value(json_object_get(json_object_get(r->by_check, check), what));
}

/* Household 1 (one member, person 1, enrolled in dibao: enrollment 1);
 * household 2 (person 2, head) and 3 (person 3). */
static void registry(struct fixture *f)
{
	exec_ok(f,
		"INSERT INTO households (id, region_code, address, area_kind, head_person_id, created_at, updated_at) VALUES"
		" (1, '" VILLAGE "', '一组', 'rural', 1, '" NOW "', '" NOW "'),"
		" (2, '" VILLAGE "', '二组', 'rural', 2, '" NOW "', '" NOW "'),"
		" (3, '500231101200', '三组', 'rural', 3, '" NOW "', '" NOW "');"
		"INSERT INTO persons (id, id_number, name, sex, birth_date, household_id, relation, region_code, created_at, updated_at) VALUES"
		" (1, '500231194001010011', '甲', 'M', '1940-01-01', 1, 'self', '" VILLAGE "', '" NOW "', '" NOW "'),"
		" (2, '500231195001010012', '乙', 'F', '1950-01-01', 2, 'self', '" VILLAGE "', '" NOW "', '" NOW "'),"
		" (3, '500231196001010013', '丙', 'M', '1960-01-01', 3, 'self', '500231101200', '" NOW "', '" NOW "');"
		"INSERT INTO enrollments (id, household_id, person_id, region_code, program, amount_fen, start_month, status, created_at, updated_at) VALUES"
		" (1, 1, 1, '" VILLAGE "', 'dibao', 51500, '2026-01', 'active', '" NOW "', '" NOW "');"
		"INSERT INTO feed_batches (id, feed, department, file_name, file_sha256, encoding, rows_total, rows_imported,"
		" rows_unchanged, rows_rejected, stored_path, rejected, created_at) VALUES"
		" (1, 'deaths', 'public_security', 'd.csv', 'x', 'UTF-8', 1, 1, 0, 0, '', '[]', '" NOW "');"
		"INSERT INTO feed_records (id, feed, id_number, record_key, batch_id, line, event_date, data, created_at) VALUES"
		" (1, 'deaths', '500231194001010011', 'k1', 1, 2, '2026-06-20',"
		"  '{\"id_number\":\"500231194001010011\",\"death_date\":\"2026-06-20\"}', '" NOW "');"
		"INSERT INTO payment_runs (id, program, month, region_code, status, created_at, updated_at) VALUES"
		" (1, 'dibao', '2026-06', '500231', 'reconciled', '" NOW "', '" NOW "'),"
		" (2, 'dibao', '2026-07', '500231', 'reconciled', '" NOW "', '" NOW "'),"
		" (3, 'dibao', '2026-08', '500231', 'reconciled', '" NOW "', '" NOW "'),"
		" (4, 'dibao', '2026-09', '500231', 'approved', '" NOW "', '" NOW "'),"
		" (5, 'dibao', '2026-10', '500231', 'awaiting_approval', '" NOW "', '" NOW "');");
}

static void line(struct fixture *f, int64_t run, const char *month, int64_t fen,
		 const char *status)
{
	if (store_execv(f->s, &f->e,
		"INSERT INTO payment_lines (run_id, enrollment_id, program, month, household_id,"
		" person_id, region_code, payee_name, members, amount_fen, basis, status, paid_date,"
		" created_at, updated_at) VALUES ($1, 1, 'dibao', $2, 1, 1, '" VILLAGE "', '甲', 1,"
		" $3, '{}', $4, CASE WHEN $4 = 'paid' THEN $2 || '-10' END, '" NOW "', '" NOW "')",
		"isis", run, month, fen, status) < 0)
		fail_msg("line: %s", f->e.message_en);
}

static void test_payments_after_a_death_are_summed_exactly_and_refreshed(void **state)
{
	struct fixture *f = *state;
	struct crosscheck_result r;

	registry(f);
	line(f, 1, "2026-06", 51500, "paid");    /* the death month: due */
	line(f, 2, "2026-07", 51537, "paid");    /* after */
	line(f, 3, "2026-08", 51501, "failed");  /* the bank refused it */
	line(f, 4, "2026-09", 48000, "pending"); /* approved, with the bank */
	line(f, 5, "2026-10", 47000, "pending"); /* not approved yet */
	run_checks(f, &r);
	assert_int_equal(found_of(&r, "paid_after_death", "found"), 1);
	assert_int_equal(found_of(&r, "paid_after_death", "new"), 1);
	assert_int_equal(count_of(f, "SELECT suspected_fen FROM findings WHERE check_id = 'paid_after_death'"),
			 51537 + 48000);
	assert_int_equal(count_of(f, "SELECT count(*) FROM findings WHERE subject_key = 'paid_after_death:1:1'"), 1);
	assert_int_equal(count_of(f, "SELECT count(*) FROM events WHERE entity = 'finding' AND action = 'create'"), 1);
	json_decref(r.by_check);

	/* The October run is approved: paid after the death too; the open
	 * finding follows, no second one. */
	exec_ok(f, "UPDATE payment_runs SET status = 'approved' WHERE id = 5");
	run_checks(f, &r);
	assert_int_equal(r.new_findings, 0);
	assert_int_equal(found_of(&r, "paid_after_death", "found"), 1);
	assert_int_equal(count_of(f, "SELECT count(*) FROM findings WHERE check_id = 'paid_after_death'"), 1);
	assert_int_equal(count_of(f, "SELECT suspected_fen FROM findings WHERE check_id = 'paid_after_death'"),
			 51537 + 48000 + 47000);
	assert_int_equal(count_of(f, "SELECT count(*) FROM events WHERE entity = 'finding' AND action = 'update'"), 1);
	assert_int_equal(count_of(f, "SELECT count(*) FROM audit_log WHERE action = 'finding.update'"), 1);
	json_decref(r.by_check);

	/* Nothing changed: nothing written but the run. */
	run_checks(f, &r);
	assert_int_equal(r.new_findings, 0);
	assert_int_equal(count_of(f, "SELECT count(*) FROM events WHERE entity = 'finding'"), 2);
	assert_int_equal(count_of(f, "SELECT count(*) FROM crosscheck_runs WHERE finished_at IS NOT NULL"), 3);
	json_decref(r.by_check);
}

static void test_one_person_enrolled_twice_in_one_program_is_one_finding(void **state)
{
	struct fixture *f = *state;
	struct crosscheck_result r;

	registry(f);
	exec_ok(f, "INSERT INTO enrollments (id, household_id, person_id, region_code, program, amount_fen,"
		   " start_month, status, created_at, updated_at) VALUES"
		   " (2, 1, 1, '" VILLAGE "', 'dibao', 30000, '2026-03', 'suspended', '" NOW "', '" NOW "'),"
		   " (3, 1, 1, '" VILLAGE "', 'tekun', 30000, '2026-03', 'active', '" NOW "', '" NOW "'),"
		   " (4, 2, 2, '" VILLAGE "', 'dibao', 30000, '2026-03', 'active', '" NOW "', '" NOW "'),"
		   " (5, 2, 2, '" VILLAGE "', 'dibao', 30000, '2025-03', 'exited', '" NOW "', '" NOW "')");
	run_checks(f, &r);
	assert_int_equal(found_of(&r, "duplicate_enrollment", "found"), 1);
	assert_int_equal(count_of(f, "SELECT count(*) FROM findings WHERE check_id = 'duplicate_enrollment'"
				  " AND subject_key = 'duplicate_enrollment:1:dibao' AND person_id = 1"
				  " AND evidence LIKE '%\"id\":1,%' AND evidence LIKE '%\"id\":2,%'"), 1);
	json_decref(r.by_check);
	run_checks(f, &r);
	assert_int_equal(found_of(&r, "duplicate_enrollment", "new"), 0);
	json_decref(r.by_check);
}

static void test_one_account_for_unrelated_households_is_a_finding(void **state)
{
	struct fixture *f = *state;
	struct crosscheck_result r;

	registry(f);
	exec_ok(f, "INSERT INTO bank_accounts (household_id, region_code, bank, account_no, holder_name,"
		   " holder_person_id, created_at, updated_at) VALUES"
		   " (1, '" VILLAGE "', '农商行', '622848000000000001', '甲', 1, '" NOW "', '" NOW "'),"
		   " (3, '500231101200', '农商行', '622848000000000001', '丙', 3, '" NOW "', '" NOW "'),"
		   " (2, '" VILLAGE "', '农商行', '622848000000000009', '乙', 2, '" NOW "', '" NOW "')");
	run_checks(f, &r);
	assert_int_equal(found_of(&r, "shared_account", "found"), 1);
	/* two townships: the finding belongs to the county */
	assert_int_equal(count_of(f, "SELECT count(*) FROM findings WHERE subject_key ="
				  " 'shared_account:622848000000000001' AND region_code = '500231'"), 1);
	json_decref(r.by_check);
}

static void test_an_account_held_by_a_member_of_the_other_household_is_related(void **state)
{
	struct fixture *f = *state;
	struct crosscheck_result r;

	registry(f);
	/* household 2's money goes to 甲's account, held by 甲 (household 1). */
	exec_ok(f, "INSERT INTO bank_accounts (household_id, region_code, bank, account_no, holder_name,"
		   " holder_person_id, created_at, updated_at) VALUES"
		   " (1, '" VILLAGE "', '农商行', '622848000000000001', '甲', 1, '" NOW "', '" NOW "'),"
		   " (2, '" VILLAGE "', '农商行', '622848000000000001', '甲', 1, '" NOW "', '" NOW "')");
	run_checks(f, &r);
	assert_int_equal(found_of(&r, "shared_account", "found"), 0);
	assert_int_equal(count_of(f, "SELECT count(*) FROM findings"), 0);
	json_decref(r.by_check);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_death_month_itself_is_not_after),
		cmocka_unit_test(test_the_months_after_the_death_month_are_after),
		cmocka_unit_test(test_the_year_boundary_counts),
		cmocka_unit_test(test_bad_input_is_never_after),
		cmocka_unit_test(test_subject_keys_name_the_check_and_its_records),
		cmocka_unit_test(test_money_is_shown_in_yuan_with_separators),
		cmocka_unit_test(test_the_township_is_the_first_nine_digits),
		cmocka_unit_test_setup_teardown(test_payments_after_a_death_are_summed_exactly_and_refreshed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_person_enrolled_twice_in_one_program_is_one_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_account_for_unrelated_households_is_a_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_account_held_by_a_member_of_the_other_household_is_related, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
