/*
 * test_demo_cases.c - the demo county has casework in every state of every
 * workflow, so every queue and figure of the demo shows something.
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
#include <sodium.h>

#include "../../src/domain/demo.h"
#include "../../src/domain/divisions.h"
#include "../../src/domain/workflow.h"
#include "../../src/core/banned.h"

static void count_state(struct store *s, const char *table, const char *state,
			const char *procedure)
{
	char sql[200];
	int64_t n = 0;
	struct err e;
	/* table comes from this file's list, never from input */
	if (procedure)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE status = $1"
			 " AND procedure = $2", table);
	else
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE status = $1", table);
	assert_int_equal(store_int64(s, &n, &e, sql, procedure ? "ss" : "s", state,
				     procedure), 0);
	if (n == 0)
		fail_msg("no %s in state %s%s%s", table, state, procedure ? " / " : "",
			 procedure ? procedure : "");
}

static void test_the_demo_has_casework_in_every_state(void **state)
{
	(void)state;
	char dir[256], db[300];
	const char *base = getenv("CIVICARE_TEST_TMP");
	struct store *s = NULL;
	struct demo_result r;
	struct err e;
	struct demo_options o = { .persons = 3000, .seed = 11, .password = "Demo-pass-123" };

	snprintf(dir, sizeof(dir), "%s/democases-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/d.db", dir);
	assert_int_equal(store_open(db, &s, &e), 0);
	assert_int_equal(store_migrate(s, NULL, &e), 0);
	assert_int_equal(divisions_seed(s, "config/divisions-500231.tsv", NULL, &e), 0);
	assert_int_equal(demo_generate(s, &o, &r, &e), 0);
	assert_true(r.cases.reports >= 60);
	for (size_t i = 0; wf_report.states[i]; i++)
		count_state(s, "reports", wf_report.states[i], NULL);
	for (size_t i = 0; wf_case.states[i]; i++)
		count_state(s, "cases", wf_case.states[i], NULL);
	for (size_t i = 0; wf_enrollment.states[i]; i++)
		count_state(s, "enrollments", wf_enrollment.states[i], NULL);
	const char *dibao[] = { "pending", "surveyed", "opinion", "public_notice",
				"returned", "approved", "rejected", NULL };
	const char *simple[] = { "pending", "returned", "approved", "rejected", NULL };
	for (size_t i = 0; dibao[i]; i++)
		count_state(s, "referrals", dibao[i], "dibao");
	for (size_t i = 0; simple[i]; i++)
		count_state(s, "referrals", simple[i], "simple");
	store_close(s);
	char path[400];
	const char *suffix[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", db, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_demo_has_casework_in_every_state),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
