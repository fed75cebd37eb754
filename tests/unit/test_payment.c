/*
 * test_payment.c - monthly payments: the amount rules (the dibao gap, its
 * floor, the fallback to the decided amount, fixed and tiered amounts),
 * account masks, yuan formatting, the checked totals, config loading, and
 * a run against a real SQLite file: generate (the same month twice adds
 * nothing), maker-checker, the bank CSV's totals and a real XLSX, the
 * return file (all or nothing) and the demo's whole cycle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/core/clock.h"
#include "../../src/core/idcard.h"
#include "../../src/domain/divisions.h"
#include "../../src/domain/payment.h"
#include "../../src/domain/program.h"
#include "../../src/domain/registry.h"
#include "../../src/store/store.h"
#include "../../src/core/text.h"
#include "../../src/core/banned.h"

#define VILLAGE "500231103201"
#define XVILLAGE "500231101200"

/* === the amount rules (no database) === */

static struct payment_rule gap_rule(int64_t minimum)
{
	struct payment_rule r;
	memset(&r, 0, sizeof(r));
	r.method = PAYMENT_GAP;
	r.minimum_fen = minimum;
	return r;
}

static void gap_is_standard_times_members_less_income(void **state)
{
	(void)state;
	struct payment_rule r = gap_rule(1000);
	struct payment_facts f = { .decided_fen = 40000, .members = 3, .have_standard = 1,
				   .standard_fen = 51500, .area_kind = "rural", .have_income = 1,
				   .income_fen = 60000, .income_source = "visit" };
	json_t *basis = NULL;

	assert_int_equal(payment_compute(&r, &f, &basis), 51500 * 3 - 60000);
	assert_string_equal(json_string_value(json_object_get(basis, "method")), "gap");
	assert_int_equal(json_integer_value(json_object_get(basis, "standard_fen")), 51500);
	assert_int_equal(json_integer_value(json_object_get(basis, "members")), 3);
	assert_int_equal(json_integer_value(json_object_get(basis, "income_fen")), 60000);
	assert_int_equal(json_integer_value(json_object_get(basis, "amount_fen")), 94500);
	assert_null(json_object_get(basis, "floored"));
	assert_null(json_object_get(basis, "fallback"));
	json_decref(basis);
}

static void gap_is_floored_at_the_minimum(void **state)
{
	(void)state;
	struct payment_rule r = gap_rule(1000);
	struct payment_facts f = { .decided_fen = 40000, .members = 2, .have_standard = 1,
				   .standard_fen = 63600, .have_income = 1, .income_fen = 127000 };
	json_t *basis = NULL;

	/* 127,200 - 127,000 = 200 fen: below the 1,000 floor */
	assert_int_equal(payment_compute(&r, &f, &basis), 1000);
	assert_true(json_is_true(json_object_get(basis, "floored")));
	assert_int_equal(json_integer_value(json_object_get(basis, "gap_fen")), 200);
	json_decref(basis);
	/* income above the standard: a negative gap, still the floor */
	f.income_fen = 500000;
	assert_int_equal(payment_compute(&r, &f, NULL), 1000);
	/* exactly at the floor is not floored */
	f.income_fen = 127200 - 1000;
	assert_int_equal(payment_compute(&r, &f, &basis), 1000);
	assert_null(json_object_get(basis, "floored"));
	json_decref(basis);
}

static void gap_without_income_pays_the_decided_amount(void **state)
{
	(void)state;
	struct payment_rule r = gap_rule(1000);
	struct payment_facts f = { .decided_fen = 43210, .members = 4, .have_standard = 1,
				   .standard_fen = 51500 };
	json_t *basis = NULL;

	assert_int_equal(payment_compute(&r, &f, &basis), 43210);
	assert_string_equal(json_string_value(json_object_get(basis, "fallback")), "no_income");
	json_decref(basis);
	f.have_standard = 0;
	f.have_income = 1;
	f.income_fen = 10000;
	assert_int_equal(payment_compute(&r, &f, &basis), 43210);
	assert_string_equal(json_string_value(json_object_get(basis, "fallback")), "no_standard");
	json_decref(basis);
	/* no members known counts as one person */
	f.have_standard = 1;
	f.members = 0;
	assert_int_equal(payment_compute(&r, &f, NULL), 51500 - 10000);
}

static void fixed_tiers_and_decided(void **state)
{
	(void)state;
	struct payment_rule r;
	struct payment_facts f = { .decided_fen = 77700, .members = 3 };

	memset(&r, 0, sizeof(r));
	r.method = PAYMENT_DECIDED;
	assert_int_equal(payment_compute(&r, &f, NULL), 77700);
	r.method = PAYMENT_FIXED_PER_PERSON;
	r.per_person_fen = 65000;
	assert_int_equal(payment_compute(&r, &f, NULL), 195000);
	r.method = PAYMENT_TIERS;
	r.n_tiers = 2;
	r.tiers[0].max_members = 2;
	r.tiers[0].amount_fen = 30000;
	r.tiers[1].max_members = 4;
	r.tiers[1].amount_fen = 50000;
	assert_int_equal(payment_compute(&r, &f, NULL), 50000);
	f.members = 1;
	assert_int_equal(payment_compute(&r, &f, NULL), 30000);
	f.members = 9; /* above every tier: the last */
	assert_int_equal(payment_compute(&r, &f, NULL), 50000);
}

static void masks_and_money(void **state)
{
	(void)state;
	char out[40], y[32];
	int yy, mm;

	payment_mask_account("6228480012345678901", out);
	assert_string_equal(out, "6228***********8901");
	payment_mask_account("622848001234", out);
	assert_string_equal(out, "6228****1234");
	payment_mask_account("1234", out);
	assert_string_equal(out, "****");
	payment_mask_account(NULL, out);
	assert_string_equal(out, "****");
	idcard_mask("500231197905030115", out);
	assert_string_equal(out, "500231********0115");

	text_yuan(123450, 1, y);
	assert_string_equal(y, "1,234.50");
	text_yuan(5, 1, y);
	assert_string_equal(y, "0.05");
	text_yuan(123456789, 1, y);
	assert_string_equal(y, "1,234,567.89");
	text_yuan(-100, 1, y);
	assert_string_equal(y, "-1.00");
	text_yuan(100000, 1, y);
	assert_string_equal(y, "1,000.00");
	text_yuan(INT64_MIN, 1, y);
	assert_string_equal(y, "-92,233,720,368,547,758.08");
	text_yuan(123456789, 0, y);
	assert_string_equal(y, "1234567.89");

	assert_int_equal(payment_parse_month("2026-11", &yy, &mm), 0);
	assert_int_equal(yy, 2026);
	assert_int_equal(mm, 11);
	assert_int_equal(payment_parse_month("2026-13", &yy, &mm), -1);
	assert_int_equal(payment_parse_month("2026-1", &yy, &mm), -1);
	assert_int_equal(payment_parse_month("26-11-01", &yy, &mm), -1);
	assert_int_equal(payment_parse_month(NULL, &yy, &mm), -1);
}

static void totals_must_match(void **state)
{
	(void)state;
	struct err e;

	err_clear(&e);
	assert_int_equal(payment_check_totals(4, 123400, 4, 123400, &e), 0);
	assert_int_equal(payment_check_totals(4, 123400, 4, 123401, &e), ERR_INTERNAL);
	assert_string_equal(e.rule, "totals");
	assert_non_null(strstr(e.message, "123401"));
	assert_int_equal(payment_check_totals(3, 123400, 4, 123400, &e), ERR_INTERNAL);
}

static void config_rules(void **state)
{
	(void)state;
	const struct payment_config *c = NULL;
	struct err e;
	char dir[300];
	const char *base = getenv("CIVICARE_TEST_TMP");

	err_clear(&e);
	assert_int_equal(payment_config_load("config", &c, &e), 0);
	assert_int_equal(payment_rule_for(c, "dibao")->method, PAYMENT_GAP);
	assert_int_equal(payment_rule_for(c, "dibao")->minimum_fen, 1000);
	assert_int_equal(payment_rule_for(c, "tekun")->method, PAYMENT_DECIDED);
	assert_int_equal(payment_rule_for(c, "temporary")->method, PAYMENT_DECIDED);

	snprintf(dir, sizeof(dir), "%s/paycfg-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(dir));
	char path[340];
	snprintf(path, sizeof(path), "%s/payments.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"source\":\"t\",\"programs\":{\"dibao\":{\"method\":\"gapp\"}}}", f);
	fclose(f);
	assert_int_equal(payment_config_load(dir, &c, &e), ERR_INVALID);
	assert_string_equal(e.rule, "config");
	assert_non_null(strstr(e.message_en, "programs.dibao.method"));
	unlink(path);
	rmdir(dir);
}

/* === against a database === */

struct fixture {
	char dir[300], db[340];
	struct store *s;
	struct err e;
	struct actor sys, admin, checker, commander;
	int64_t hh[3], enr[3];
};

static struct actor make_actor(struct fixture *f, const char *name, enum role role,
			       const char *region)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	if (store_int64(f->s, &a.user_id, &f->e,
			"INSERT INTO users (username, display_name, role, region_code,"
			" password_hash, created_at, updated_at) VALUES ($1, $1, $2, $3, 'x',"
			" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
			"sss", name, perm_role_name(role), region) < 0)
		fail_msg("user: %s", f->e.message_en);
	snprintf(a.username, sizeof(a.username), "%s", name);
	a.role = role;
	snprintf(a.region, sizeof(a.region), "%s", region);
	return a;
}

/* A household of `members` in region with a dibao enrollment and, when
 * account, a bank account; `per_capita` >= 0 adds a verification. */
static int64_t seed_household(struct fixture *f, int k, const char *region, int members,
			      int64_t decided, int64_t per_capita, int account)
{
	struct household_input h = { .region_code = region, .address = "测试地址1号",
				      .area_kind = "rural" };
	int64_t hid = 0, person = 0, head = 0;
	char number[19];

	if (registry_household_create(f->s, &f->sys, &h, &hid, &f->e) < 0)
		fail_msg("household: %s", f->e.message_en);
	for (int i = 0; i < members; i++) {
		char name[32];
		snprintf(name, sizeof(name), "测试%d号%d", k, i);
		assert_int_equal(idcard_make("500231", 1970 + i, 3, 1 + k, 11 + i + 10 * k, number), 0);
		struct person_input in = { .name = name, .id_number = number,
					   .household_id = hid, .relation = i ? "child" : "self" };
		if (registry_person_create(f->s, &f->sys, &in, &person, &f->e) < 0)
			fail_msg("person: %s", f->e.message_en);
		if (!i)
			head = person;
	}
	if (per_capita >= 0)
		assert_int_equal(store_execv(f->s, &f->e,
			"INSERT INTO verifications (household_id, verdict, per_capita_income_fen,"
			" result, created_at) VALUES ($1, 'eligible', $2, '{}', '2026-05-01T00:00:00Z')",
			"ii", hid, per_capita), 0);
	assert_int_equal(store_int64(f->s, &f->enr[k], &f->e,
		"INSERT INTO enrollments (household_id, person_id, region_code, program, amount_fen,"
		" start_month, status, created_at, updated_at) VALUES ($1, $2, $3, 'dibao', $4,"
		" '2026-01', 'active', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
		"iisi", hid, head, region, decided), 0);
	if (account) {
		char no[32], text[160];
		json_t *out = NULL;
		snprintf(no, sizeof(no), "62284800%011d", 1234 + k);
		snprintf(text, sizeof(text), "{\"bank\":\"重庆农村商业银行\",\"account_no\":\"%s\","
			 "\"holder_person_id\":%lld}", no, (long long)head);
		json_t *body = json_loads(text, 0, NULL);
		if (payment_set_account(f->s, &f->admin, hid, body, &out, &f->e) < 0)
			fail_msg("account: %s", f->e.message_en);
		json_decref(body);
		json_decref(out);
	}
	return hid;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");
	if (!f || sodium_init() < 0)
		return -1;
	clock_set_offset(0);
	snprintf(f->dir, sizeof(f->dir), "%s/payment-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0 ||
	    divisions_seed(f->s, "config/divisions-500231.tsv", NULL, &f->e) < 0) {
		fprintf(stderr, "setup: %s\n", f->e.message_en);
		return -1;
	}
	perm_system_actor(&f->sys, "500231");
	f->admin = make_actor(f, "admin", ROLE_ADMIN, "500231");
	f->checker = make_actor(f, "checker", ROLE_ADMIN, "500231");
	f->commander = make_actor(f, "cmd", ROLE_COMMANDER, "500231103");
	/* 3 x 51,500 - 3 x 20,000 = 94,500; no income: 40,000 decided; floor 1,000 */
	f->hh[0] = seed_household(f, 0, VILLAGE, 3, 70000, 20000, 1);
	f->hh[1] = seed_household(f, 1, VILLAGE, 2, 40000, -1, 1);
	f->hh[2] = seed_household(f, 2, XVILLAGE, 1, 30000, 90000, 0);
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

static int64_t count(struct fixture *f, const char *sql)
{
	int64_t n = -1;
	if (store_int64(f->s, &n, &f->e, sql, "") < 0)
		fail_msg("%s: %s", sql, f->e.message_en);
	return n;
}

static void generate_approve_bank_file_and_return(void **state)
{
	struct fixture *f = *state;
	json_t *out = NULL;
	int64_t run = 0, run2 = 0;
	unsigned char *data = NULL;
	size_t len = 0;

	assert_int_equal(payment_generate(f->s, &f->admin, "config", "dibao", "2026-10", &run,
					  &out, &f->e), 0);
	assert_true(run > 0);
	json_t *r = json_object_get(out, "run");
	assert_int_equal(json_integer_value(json_object_get(out, "added")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "total_fen")), 94500 + 40000 + 1000);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "awaiting_approval");
	json_decref(out);

	/* the same month again: nothing added, nothing written */
	int64_t lines = count(f, "SELECT count(*) FROM payment_lines");
	assert_int_equal(payment_generate(f->s, &f->checker, "config", "dibao", "2026-10", &run2,
					  &out, &f->e), 0);
	assert_int_equal(run2, 0);
	assert_true(json_is_null(json_object_get(out, "run")));
	assert_int_equal(json_array_size(json_object_get(out, "runs")), 1);
	json_decref(out);
	assert_int_equal(count(f, "SELECT count(*) FROM payment_lines"), lines);
	assert_int_equal(count(f, "SELECT count(*) FROM payment_runs"), 1);

	/* maker-checker; no bank file before approval */
	assert_int_equal(payment_bank_file(f->s, &f->admin, run, "csv", &data, &len, &f->e),
			 ERR_CONFLICT);
	assert_int_equal(payment_run_action(f->s, &f->admin, run, "approve", NULL, NULL, &f->e),
			 ERR_FORBIDDEN);
	assert_string_equal(f->e.rule, "maker_checker");
	assert_int_equal(payment_run_action(f->s, &f->checker, run, "approve", NULL, NULL, &f->e), 0);

	/* the CSV: BOM, header, two lines with an account, totals 135,500 fen */
	assert_int_equal(payment_bank_file(f->s, &f->admin, run, "csv", &data, &len, &f->e), 0);
	assert_true(len > 3 && memcmp(data, "\xEF\xBB\xBF序号,", 3 + strlen("序号,")) == 0);
	char *text = strndup((const char *)data, len);
	assert_non_null(strstr(text, ",945.00,"));
	assert_non_null(strstr(text, ",400.00,"));
	assert_null(strstr(text, ",10.00,"));     /* no account: not in the file */
	assert_non_null(strstr(text, "\r\n合计,2,,,,1345.00,,,\r\n"));
	free(text);
	free(data);
	/* the XLSX is a zip */
	assert_int_equal(payment_bank_file(f->s, &f->admin, run, "xlsx", &data, &len, &f->e), 0);
	assert_true(len > 1000 && data[0] == 'P' && data[1] == 'K');
	free(data);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'payment.bank_file'"), 2);

	/* the commander's view: its township only */
	assert_int_equal(payment_run_get(f->s, &f->commander, run, &out, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "lines")), 2);
	assert_int_equal(json_integer_value(json_object_get(out, "total_fen")), 134500);
	json_decref(out);

	/* pay, then the return file: an unknown line changes nothing */
	assert_int_equal(payment_run_action(f->s, &f->admin, run, "pay", NULL, "2026-11-10", &f->e), 0);
	int64_t l0 = 0, l1 = 0;
	char csv[256];
	assert_int_equal(store_int64(f->s, &l0, &f->e, "SELECT id FROM payment_lines WHERE"
				     " enrollment_id = $1", "i", f->enr[0]), 0);
	assert_int_equal(store_int64(f->s, &l1, &f->e, "SELECT id FROM payment_lines WHERE"
				     " enrollment_id = $1", "i", f->enr[1]), 0);
	snprintf(csv, sizeof(csv), "明细编号,结果,原因\n%lld,成功,\n%lld,失败,账户冻结\n999,成功,\n",
		 (long long)l0, (long long)l1);
	assert_int_equal(payment_bank_return(f->s, &f->admin, run, (unsigned char *)csv,
					     strlen(csv), &out, &f->e), ERR_INVALID);
	assert_string_equal(f->e.rule, "rows");
	assert_int_equal(json_array_size(json_object_get(out, "rejected")), 1);
	json_decref(out);
	assert_int_equal(count(f, "SELECT count(*) FROM payment_lines WHERE status = 'pending'"), 3);
	snprintf(csv, sizeof(csv), "明细编号,结果,原因\n%lld,成功,\n%lld,失败,账户冻结\n",
		 (long long)l0, (long long)l1);
	assert_int_equal(payment_bank_return(f->s, &f->admin, run, (unsigned char *)csv,
					     strlen(csv), &out, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "paid_fen")), 94500);
	assert_int_equal(json_integer_value(json_object_get(out, "failed_fen")), 40000 + 1000);
	json_decref(out);
	assert_int_equal(count(f, "SELECT count(*) FROM payment_runs WHERE status = 'reconciled'"
			       " AND paid_fen = 94500 AND failed_fen = 41000"), 1);
}

static void demo_runs_the_whole_cycle(void **state)
{
	struct fixture *f = *state;
	struct demo_payments_result r;

	assert_int_equal(store_begin(f->s, &f->e), 0);
	if (demo_payments_generate(f->s, "config", 2, &r, &f->e) < 0)
		fail_msg("demo: %s", f->e.message_en);
	assert_int_equal(store_commit(f->s, &f->e), 0);
	/* 2 months x dibao (tekun has no enrollment here) */
	assert_int_equal(r.runs, 2);
	assert_int_equal(r.lines, 6);
	assert_int_equal(count(f, "SELECT count(*) FROM payment_runs WHERE status = 'reconciled'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM payment_lines WHERE status <> 'paid'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM bank_accounts"), 3);
	assert_true(r.shared_account_households[0] > 0 && r.shared_account_households[1] > 0);
	assert_int_equal(count(f, "SELECT count(*) FROM (SELECT account_no FROM bank_accounts"
			       " GROUP BY account_no HAVING count(*) > 1)"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM payment_runs r JOIN users g ON"
			       " g.id = r.generated_by JOIN users c ON c.id = r.approved_by"
			       " WHERE g.username = 'admin' AND c.username = 'checker'"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gap_is_standard_times_members_less_income),
		cmocka_unit_test(gap_is_floored_at_the_minimum),
		cmocka_unit_test(gap_without_income_pays_the_decided_amount),
		cmocka_unit_test(fixed_tiers_and_decided),
		cmocka_unit_test(masks_and_money),
		cmocka_unit_test(totals_must_match),
		cmocka_unit_test(config_rules),
		cmocka_unit_test_setup_teardown(generate_approve_bank_file_and_return, setup, teardown),
		cmocka_unit_test_setup_teardown(demo_runs_the_whole_cycle, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
