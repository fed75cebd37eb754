/*
 * test_verify.c - household economic verification against a real SQLite
 * file: department records are written straight into feed_batches and
 * feed_records (as an import leaves them), then the verdict and its
 * reasons are checked.  The demo village is rural: dibao 515 元 a month
 * (config/standards.json), edge line 1.5 × = 772.50 元.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/core/clock.h"
#include "../../src/core/idcard.h"
#include "../../src/domain/demo.h"
#include "../../src/domain/divisions.h"
#include "../../src/domain/perm.h"
#include "../../src/domain/program.h"
#include "../../src/domain/registry.h"
#include "../../src/domain/verify.h"
#include "../../src/core/banned.h"

#define VILLAGE "500231103201"
#define RURAL_DIBAO 51500

struct fixture {
	char dir[256];
	char db[300];
	struct store *s;
	struct actor sys, assistant;
	const struct program_config *pc;
	struct err e;
	int seq;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");
	int64_t uid = 0;
	if (!f || sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/verify-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0 ||
	    divisions_seed(f->s, "config/divisions-500231.tsv", NULL, &f->e) < 0 ||
	    program_config_load("config", &f->pc, &f->e) < 0)
		return -1;
	clock_set_offset(0);
	perm_system_actor(&f->sys, "500231");
	if (store_int64(f->s, &uid, &f->e,
			"INSERT INTO users (username, display_name, role, region_code,"
			" password_hash, created_at, updated_at) VALUES ('asst', '协理员',"
			" 'assistant', $1, 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
			" RETURNING id", "s", VILLAGE) < 0)
		return -1;
	f->assistant.user_id = uid;
	snprintf(f->assistant.username, sizeof(f->assistant.username), "asst");
	f->assistant.role = ROLE_ASSISTANT;
	snprintf(f->assistant.region, sizeof(f->assistant.region), VILLAGE);
	*state = f;
	return 0;
}

/* Remove a folder and everything under it (the demo's data_dir). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *ent;
	if (!d) {
		unlink(path);
		return;
	}
	while ((ent = readdir(d)) != NULL) {
		char sub[1024];
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, ent->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
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
	snprintf(path, sizeof(path), "%s/data", f->dir);
	remove_tree(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* === building a household and its records === */

struct household {
	int64_t id;
	char head[19], spouse[19];
};

static void add_member(struct fixture *f, int64_t household, const char *relation,
		       int year, char number[19])
{
	int64_t id = 0;
	assert_int_equal(idcard_make("500231", year, 5, 12, ++f->seq, number), 0);
	struct person_input in = { .name = strcmp(relation, "self") == 0 ? "冉大明" : "张小芳",
				   .id_number = number, .household_id = household,
				   .relation = relation };
	if (registry_person_create(f->s, &f->sys, &in, &id, &f->e) < 0)
		fail_msg("person: %s", f->e.message_en);
}

/* Two persons; the latest visit declares `declared` fen a month and
 * signed the authorization or not. */
static struct household make_household(struct fixture *f, int64_t declared, int authorized)
{
	struct household h = { 0 };
	int64_t case_id = 0;
	struct household_input in = { .region_code = VILLAGE, .address = "骑龙村3组12号" };
	assert_int_equal(registry_household_create(f->s, &f->sys, &in, &h.id, &f->e), 0);
	add_member(f, h.id, "self", 1970, h.head);
	add_member(f, h.id, "spouse", 1972, h.spouse);
	assert_int_equal(store_int64(f->s, &case_id, &f->e,
		"INSERT INTO cases (region_code, household_id, subject_name, status,"
		" created_at, updated_at) VALUES ($1, $2, '冉大明', 'visited',"
		" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
		"si", VILLAGE, h.id), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO visits (case_id, household_id, region_code, visit_date,"
		" investigators, members_present, findings, facts, declared_income_fen,"
		" rigid_expenses, authorization_signed, created_at) VALUES ($1, $2, $3,"
		" '2026-01-05', '[\"甲\",\"乙\"]', '[]', '{}', '{}', $4, '{}', $5,"
		" '2026-01-05T00:00:00Z')",
		"iisii", case_id, h.id, VILLAGE, declared, (int64_t)authorized), 0);
	return h;
}

static int64_t batch(struct fixture *f, const char *feed, const char *file)
{
	int64_t id = 0;
	assert_int_equal(store_int64(f->s, &id, &f->e,
		"INSERT INTO feed_batches (feed, department, file_name, file_sha256,"
		" encoding, rows_total, rows_imported, rows_unchanged, rows_rejected,"
		" stored_path, rejected, created_at) VALUES ($1, 'dept', $2, $2, 'UTF-8',"
		" 1, 1, 0, 0, '', '[]', '2026-01-01T00:00:00Z') RETURNING id",
		"ss", feed, file), 0);
	return id;
}

/* One record of `feed` for id_number at `line`; data is the JSON object of
 * the canonical fields without id_number. */
static void record(struct fixture *f, int64_t batch_id, const char *feed,
		   const char *id_number, int64_t line, const char *data)
{
	char full[512], key[80];
	snprintf(full, sizeof(full), "{\"id_number\":\"%s\",%s", id_number, data + 1);
	snprintf(key, sizeof(key), "%s-%" PRId64 "-%" PRId64, feed, batch_id, line);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO feed_records (feed, id_number, record_key, batch_id, line,"
		" data, created_at) VALUES ($1, $2, $3, $4, $5, $6, '2026-01-01T00:00:00Z')",
		"sssiis", feed, id_number, key, batch_id, line, full), 0);
}

static json_t *verify(struct fixture *f, int64_t household)
{
	json_t *out = NULL;
	if (verify_household(f->s, &f->assistant, f->pc, household, &out, &f->e) < 0)
		fail_msg("verify: %s [%s]", f->e.message_en, f->e.rule);
	return out;
}

static const char *verdict(json_t *r)
{
	return json_string_value(json_object_get(r, "verdict"));
}

/* The reason with this id, or NULL. */
static json_t *reason(json_t *r, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(r, "reasons"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return v;
	return NULL;
}

static int64_t per_capita(json_t *r)
{
	return json_integer_value(json_object_get(json_object_get(r, "income"),
						  "per_capita_fen"));
}

/* === assets === */

static void test_a_household_with_a_car_is_excluded_and_shown_the_vehicle_record(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 30000, 1);
	int64_t b = batch(f, "vehicles", "车辆登记2026.csv");
	record(f, b, "vehicles", h.spouse, 7,
	       "{\"plate\":\"渝D12345\",\"vehicle_type\":\"car\",\"registered_date\":\"2024-03-02\"}");

	json_t *r = verify(f, h.id);
	assert_string_equal(verdict(r), "not_eligible");
	json_t *why = reason(r, "motor_vehicle");
	assert_non_null(why);
	assert_string_equal(json_string_value(json_object_get(why, "text_en")),
			    "excluded: motor vehicle");
	assert_string_equal(json_string_value(json_object_get(why, "text_zh")),
			    "不符合：拥有机动车");
	json_t *rec = json_array_get(json_object_get(why, "records"), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "feed")), "vehicles");
	assert_int_equal(json_integer_value(json_object_get(rec, "batch_id")), b);
	assert_int_equal(json_integer_value(json_object_get(rec, "line")), 7);
	json_t *fields = json_object_get(rec, "fields");
	assert_string_equal(json_string_value(json_object_get(fields, "plate")), "渝D12345");
	/* The owner's number is masked in the evidence. */
	assert_string_not_equal(json_string_value(json_object_get(fields, "id_number")), h.spouse);

	/* Stored and audited. */
	int64_t n = 0;
	char idtext[24];
	snprintf(idtext, sizeof(idtext), "%" PRId64, h.id);
	assert_int_equal(store_int64(f->s, &n, &f->e,
		"SELECT count(*) FROM verifications WHERE household_id = $1 AND"
		" verdict = 'not_eligible' AND id = $2", "ii", h.id,
		(int64_t)json_integer_value(json_object_get(r, "id"))), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_int64(f->s, &n, &f->e,
		"SELECT count(*) FROM audit_log WHERE action = 'verify.household'"
		" AND entity = 'household' AND entity_id = $1", "s", idtext), 0);
	assert_int_equal(n, 1);

	/* The printable page says the same and shows the record. */
	size_t len = 0;
	char *page = verify_html(r, &len);
	assert_non_null(page);
	assert_int_equal(strlen(page), len);
	assert_non_null(strstr(page, "不符合：拥有机动车"));
	assert_non_null(strstr(page, "渝D12345"));
	assert_non_null(strstr(page, "@page{size:A4"));
	free(page);
	json_decref(r);
}

static void test_a_motor_wheelchair_is_not_counted_as_a_vehicle(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 30000, 1);
	int64_t b = batch(f, "vehicles", "车辆.csv");
	record(f, b, "vehicles", h.head, 3,
	       "{\"plate\":\"渝D0001\",\"vehicle_type\":\"motor_wheelchair\",\"registered_date\":\"2023-06-01\"}");

	json_t *r = verify(f, h.id);
	assert_string_equal(verdict(r), "dibao");
	assert_null(reason(r, "motor_vehicle"));
	assert_non_null(reason(r, "motor_wheelchair"));
	json_decref(r);
}

static void test_deposits_above_size_times_dibao_times_twelve_exclude(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 30000, 1);
	int64_t limit = 2 * RURAL_DIBAO * 12;
	int64_t b = batch(f, "deposits", "存款.csv");
	char data[200];

	/* Exactly at the limit: allowed. */
	snprintf(data, sizeof(data), "{\"balance_fen\":%" PRId64 ",\"as_of_date\":\"2025-12-31\"}", limit);
	record(f, b, "deposits", h.head, 2, data);
	json_t *r = verify(f, h.id);
	assert_string_equal(verdict(r), "dibao");
	assert_null(reason(r, "deposits"));
	json_decref(r);

	/* A newer balance one yuan over it: the latest date counts. */
	snprintf(data, sizeof(data), "{\"balance_fen\":%" PRId64 ",\"as_of_date\":\"2026-01-31\"}",
		 limit + 100);
	record(f, b, "deposits", h.head, 3, data);
	r = verify(f, h.id);
	assert_string_equal(verdict(r), "not_eligible");
	json_t *why = reason(r, "deposits");
	assert_non_null(why);
	assert_int_equal(json_array_size(json_object_get(why, "records")), 1);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(why, "records"), 0), "line")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "assets"),
							    "deposit_limit_fen")), limit);
	json_decref(r);
}

static void test_two_residential_houses_above_the_area_rule_exclude(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 30000, 1);
	int64_t b = batch(f, "real_estate", "不动产.csv");

	/* One large house alone is within the rule. */
	record(f, b, "real_estate", h.head, 2,
	       "{\"property_id\":\"A1\",\"use\":\"residential\",\"area_m2\":8000,\"registered_date\":\"2010-01-01\"}");
	json_t *r = verify(f, h.id);
	assert_string_equal(verdict(r), "dibao");
	assert_null(reason(r, "houses"));
	json_decref(r);

	/* A second: 150 m² for 2 persons = 75 m² each, above 3 × 15 m². */
	record(f, b, "real_estate", h.spouse, 3,
	       "{\"property_id\":\"A2\",\"use\":\"residential\",\"area_m2\":7000,\"registered_date\":\"2018-01-01\"}");
	r = verify(f, h.id);
	assert_string_equal(verdict(r), "not_eligible");
	json_t *why = reason(r, "houses");
	assert_non_null(why);
	assert_int_equal(json_array_size(json_object_get(why, "records")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "assets"),
							    "per_capita_area_m2x100")), 7500);
	json_decref(r);
}

/* === income === */

static void test_per_capita_income_under_the_standard_is_dibao(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 20000, 1);
	int64_t b = batch(f, "tax_income", "个税.csv");
	/* An older, higher year does not count; the latest year does. */
	record(f, b, "tax_income", h.head, 2, "{\"year\":2023,\"income_fen\":9600000}");
	record(f, b, "tax_income", h.head, 3, "{\"year\":2025,\"income_fen\":600000}");

	json_t *r = verify(f, h.id);
	json_t *inc = json_object_get(r, "income");
	assert_int_equal(json_integer_value(json_object_get(inc, "feed_monthly_fen")), 50000);
	assert_string_equal(json_string_value(json_object_get(inc, "basis")), "feeds");
	assert_int_equal(per_capita(r), 25000);
	assert_string_equal(verdict(r), "dibao");
	assert_non_null(reason(r, "income_below_dibao"));
	json_decref(r);
}

static void test_a_basic_residents_pension_is_not_income(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 0, 1);
	int64_t b = batch(f, "pensions", "养老金.csv");
	record(f, b, "pensions", h.head, 2, "{\"monthly_fen\":18000,\"since_date\":\"2020-06-01\"}");

	json_t *r = verify(f, h.id);
	assert_int_equal(per_capita(r), 0);
	assert_non_null(reason(r, "residents_pension"));
	assert_string_equal(verdict(r), "dibao");
	json_decref(r);
}

static void test_income_from_one_to_one_and_a_half_times_the_standard_is_dibao_edge(void **state)
{
	struct fixture *f = *state;
	/* Exactly the standard per person: no longer below it. */
	struct household h = make_household(f, 2 * RURAL_DIBAO, 1);
	json_t *r = verify(f, h.id);
	assert_int_equal(per_capita(r), RURAL_DIBAO);
	assert_string_equal(verdict(r), "dibao_edge");
	json_decref(r);

	/* Just under 1.5 × still edge; at 1.5 × not. */
	struct household h2 = make_household(f, 2 * (RURAL_DIBAO * 3 / 2) - 2, 1);
	r = verify(f, h2.id);
	assert_string_equal(verdict(r), "dibao_edge");
	json_decref(r);
	struct household h3 = make_household(f, 2 * (RURAL_DIBAO * 3 / 2), 1);
	r = verify(f, h3.id);
	assert_string_equal(verdict(r), "not_eligible");
	assert_non_null(reason(r, "income_above_edge"));
	json_decref(r);
}

static void test_high_rigid_spending_under_the_disposable_income_is_rigid_expenditure(void **state)
{
	struct fixture *f = *state;
	/* 1,000 元 a person a month: above the edge line, under the rural
	 * disposable income of 20,000 元 a year (config/verification.json). */
	struct household h = make_household(f, 200000, 1);
	int64_t b = batch(f, "medical_settlements", "医保结算.csv");
	char data[200], day[11];
	clock_format_date(clock_today_china() - 30, day);
	/* 12,500 元 out of pocket against 24,000 元 of yearly income: > 50 %. */
	snprintf(data, sizeof(data), "{\"settle_date\":\"%s\",\"total_fen\":3000000,"
		 "\"self_paid_fen\":1250000,\"diagnosis_class\":\"重大疾病\"}", day);
	record(f, b, "medical_settlements", h.head, 4, data);
	json_t *r = verify(f, h.id);
	assert_string_equal(verdict(r), "rigid_expenditure");
	json_t *why = reason(r, "rigid_expenditure");
	assert_non_null(why);
	assert_int_equal(json_array_size(json_object_get(why, "records")), 1);
	json_decref(r);
}

static void test_a_deceased_member_is_not_counted(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 60000, 1);
	int64_t b = batch(f, "deaths", "死亡.csv");
	record(f, b, "deaths", h.spouse, 2, "{\"death_date\":\"2025-11-02\"}");
	json_t *r = verify(f, h.id);
	assert_int_equal(json_integer_value(json_object_get(r, "household_size")), 1);
	assert_int_equal(per_capita(r), 60000);
	assert_string_equal(verdict(r), "dibao_edge");
	json_decref(r);
}

/* === authorization === */

static void test_without_the_signed_authorization_there_is_no_verification(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 30000, 0);
	json_t *out = NULL;
	assert_int_equal(verify_household(f->s, &f->assistant, f->pc, h.id, &out, &f->e),
			 ERR_CONFLICT);
	assert_string_equal(f->e.rule, "no_authorization");
	assert_int_equal(err_http_status(f->e.code), 409);
	assert_null(out);

	/* A household never visited has no authorization either. */
	int64_t bare = 0;
	struct household_input in = { .region_code = VILLAGE, .address = "骑龙村1组1号" };
	assert_int_equal(registry_household_create(f->s, &f->sys, &in, &bare, &f->e), 0);
	assert_int_equal(verify_household(f->s, &f->assistant, f->pc, bare, &out, &f->e),
			 ERR_CONFLICT);
	assert_string_equal(f->e.rule, "no_authorization");
	int64_t n = -1;
	assert_int_equal(store_int64(f->s, &n, &f->e, "SELECT count(*) FROM verifications", ""), 0);
	assert_int_equal(n, 0);
}

static void test_a_household_outside_the_region_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct household h = make_household(f, 30000, 1);
	struct actor other = f->assistant;
	json_t *out = NULL;
	snprintf(other.region, sizeof(other.region), "500231101200");
	assert_int_equal(verify_household(f->s, &other, f->pc, h.id, &out, &f->e),
			 ERR_NOT_FOUND);
	other = f->assistant;
	other.role = ROLE_COURIER; /* couriers do not hold verify.read */
	assert_int_equal(verify_household(f->s, &other, f->pc, h.id, &out, &f->e),
			 ERR_FORBIDDEN);
}

/* === the demo county === */

static void test_the_demo_car_household_is_excluded_for_its_car(void **state)
{
	struct fixture *f = *state;
	char data_dir[300], vehicles_dir[340];
	struct demo_options o = { .persons = 2000, .seed = 11, .password = "demo12345",
				  .config_dir = "config", .data_dir = data_dir };
	struct demo_result r;
	struct actor reviewer = f->assistant;
	struct stat sb;
	json_t *out = NULL;

	snprintf(data_dir, sizeof(data_dir), "%s/data", f->dir);
	if (demo_generate(f->s, &o, &r, &f->e) < 0)
		fail_msg("demo: %s [%s]", f->e.message_en, f->e.rule);
	assert_int_equal(r.feeds.files, 16);
	assert_true(r.feeds.rows > 0);
	assert_int_equal(r.feeds.rejected, 0);
	assert_true(r.feeds.car_household > 0);
	assert_true(r.feeds.dead_recipient > 0);
	snprintf(vehicles_dir, sizeof(vehicles_dir), "%s/feeds/vehicles", data_dir);
	assert_int_equal(stat(vehicles_dir, &sb), 0);

	/* Monitoring categories from enrollments and drawn ones. */
	const char *cats[] = { "dibao", "return_poverty", "dibao_edge", "rigid_expenditure", "other" };
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		int64_t n = 0;
		assert_int_equal(store_int64(f->s, &n, &f->e,
			"SELECT count(*) FROM monitoring_categories WHERE category = $1"
			" AND valid_to IS NULL", "s", cats[i]), 0);
		if (n == 0)
			fail_msg("no current category %s", cats[i]);
	}

	reviewer.role = ROLE_REVIEWER;
	snprintf(reviewer.region, sizeof(reviewer.region), "500231");
	assert_int_equal(verify_household(f->s, &reviewer, f->pc, r.feeds.car_household,
					  &out, &f->e), 0);
	assert_string_equal(verdict(out), "not_eligible");
	json_t *why = reason(out, "motor_vehicle");
	assert_non_null(why);
	json_t *rec = json_array_get(json_object_get(why, "records"), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "feed")), "vehicles");
	assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "fields"),
							      "vehicle_type")), "car");
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_household_with_a_car_is_excluded_and_shown_the_vehicle_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_motor_wheelchair_is_not_counted_as_a_vehicle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deposits_above_size_times_dibao_times_twelve_exclude, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_residential_houses_above_the_area_rule_exclude, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_capita_income_under_the_standard_is_dibao, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_basic_residents_pension_is_not_income, setup, teardown),
		cmocka_unit_test_setup_teardown(test_income_from_one_to_one_and_a_half_times_the_standard_is_dibao_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_high_rigid_spending_under_the_disposable_income_is_rigid_expenditure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_deceased_member_is_not_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_the_signed_authorization_there_is_no_verification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_household_outside_the_region_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_demo_car_household_is_excluded_for_its_car, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
