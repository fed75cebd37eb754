/*
 * test_divisions.c - the division tree and the synthetic demo county.
 *
 * Each test gets a fresh SQLite file (migrated and seeded from
 * config/divisions-500231.tsv; the tests run from the project root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "../../src/core/clock.h"
#include "../../src/core/idcard.h"
#include "../../src/domain/demo.h"
#include "../../src/domain/divisions.h"
#include "../../src/store/store.h"
#include "../../src/core/banned.h"

#define TSV "config/divisions-500231.tsv"

static char tmpdir[256];

static struct store *open_db(const char *name)
{
	char path[512];
	struct store *s = NULL;
	struct err e;

	err_clear(&e);
	snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
	remove(path);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(store_migrate(s, NULL, &e), 0);
	return s;
}

static struct store *seeded_db(const char *name)
{
	struct store *s = open_db(name);
	struct err e;
	int added = -1;

	err_clear(&e);
	if (divisions_seed(s, TSV, &added, &e) < 0)
		fail_msg("seed: %s", e.message_en);
	assert_int_equal(added, 1 + 26 + 301);
	return s;
}

static int64_t count(struct store *s, const char *sql)
{
	struct err e;
	int64_t n = -1;

	err_clear(&e);
	if (store_int64(s, &n, &e, sql, "") < 0)
		fail_msg("%s: %s", sql, e.message_en);
	return n;
}

/* === the tree === */

static void test_tree_has_county_26_townships_and_301_villages(void **state)
{
	struct store *s = seeded_db("counts");
	(void)state;
	assert_int_equal(count(s, "SELECT count(*) FROM divisions WHERE kind = 'county'"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM divisions WHERE length(code) = 9"), 26);
	assert_int_equal(count(s, "SELECT count(*) FROM divisions WHERE kind = 'street'"), 2);
	assert_int_equal(count(s, "SELECT count(*) FROM divisions WHERE kind = 'town'"), 22);
	assert_int_equal(count(s, "SELECT count(*) FROM divisions WHERE kind = 'township'"), 2);
	assert_int_equal(count(s, "SELECT count(*) FROM divisions WHERE length(code) = 12"), 301);
	store_close(s);
}

static void test_seed_names_keep_their_codes(void **state)
{
	struct store *s = seeded_db("names");
	char full[256];
	struct err e;
	(void)state;

	err_clear(&e);
	assert_int_equal(divisions_full_name(s, "500231103201", full, sizeof(full), &e), 0);
	assert_string_equal(full, "垫江县周嘉镇骑龙村");
	assert_int_equal(divisions_full_name(s, "500231002001", full, sizeof(full), &e), 0);
	assert_string_equal(full, "垫江县桂阳街道炭黑厂社区");
	assert_int_equal(divisions_full_name(s, "500231", full, sizeof(full), &e), 0);
	assert_string_equal(full, "垫江县");
	assert_int_equal(divisions_full_name(s, "500231103399", full, sizeof(full), &e),
			 ERR_NOT_FOUND);
	store_close(s);
}

static void test_every_code_has_a_parent_and_the_kind_its_number_says(void **state)
{
	struct store *s = seeded_db("rules");
	(void)state;
	/* The parent is the code's first 9 digits and exists. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions v WHERE length(v.code) = 12 AND"
		" (v.parent_code IS NOT substr(v.code, 1, 9) OR NOT EXISTS"
		"  (SELECT 1 FROM divisions t WHERE t.code = v.parent_code))"), 0);
	/* 001-199 communities, 200-399 villages, nothing else. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions WHERE length(code) = 12 AND NOT ("
		" (CAST(substr(code, 10) AS INTEGER) BETWEEN 1 AND 199 AND kind = 'community') OR"
		" (CAST(substr(code, 10) AS INTEGER) BETWEEN 200 AND 399 AND kind = 'village'))"), 0);
	/* Townships hang off the county. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions WHERE length(code) = 9 AND parent_code = '500231'"), 26);
	store_close(s);
}

static void test_every_township_has_a_seat_and_numbered_villages(void **state)
{
	struct store *s = seeded_db("seats");
	(void)state;
	/* Community 001 under each of the 26. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions t WHERE length(t.code) = 9 AND EXISTS"
		" (SELECT 1 FROM divisions c WHERE c.code = t.code || '001' AND c.kind = 'community')"), 26);
	/* Towns and townships: at least 5 villages, numbered 200.. without gaps. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions t WHERE t.kind IN ('town', 'township') AND"
		" (SELECT count(*) FROM divisions v WHERE v.parent_code = t.code AND v.kind = 'village') >= 5 AND"
		" (SELECT max(CAST(substr(v.code, 10) AS INTEGER)) FROM divisions v"
		"   WHERE v.parent_code = t.code AND v.kind = 'village') ="
		" 199 + (SELECT count(*) FROM divisions v WHERE v.parent_code = t.code AND v.kind = 'village')"), 24);
	/* The streets are mostly communities. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions t WHERE t.kind = 'street' AND"
		" (SELECT count(*) FROM divisions c WHERE c.parent_code = t.code AND c.kind = 'community') >"
		" (SELECT count(*) FROM divisions v WHERE v.parent_code = t.code AND v.kind = 'village')"), 2);
	store_close(s);
}

static void test_generated_names_are_unique_within_a_township(void **state)
{
	struct store *s = seeded_db("unique");
	(void)state;
	assert_int_equal(count(s,
		"SELECT count(*) FROM (SELECT parent_code, name FROM divisions"
		" WHERE length(code) = 12 GROUP BY parent_code, name HAVING count(*) > 1)"), 0);
	/* Only a township's seat carries the township's name. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions v JOIN divisions t ON length(t.code) = 9"
		" WHERE length(v.code) = 12 AND substr(v.name, 1, 2) = substr(t.name, 1, 2)"
		" AND v.code != t.code || '001'"), 0);
	/* Two characters + 村 / 社区 (the pinned 炭黑厂社区 aside). */
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions WHERE kind = 'village' AND"
		" (length(name) != 3 OR substr(name, 3) != '村')"), 0);
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions WHERE kind = 'community' AND code != '500231002001' AND"
		" (length(name) != 4 OR substr(name, 3) != '社区')"), 0);
	store_close(s);
}

static void test_generated_divisions_are_fictitious_real_ones_not(void **state)
{
	struct store *s = seeded_db("fictitious");
	(void)state;
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions WHERE length(code) = 12 AND fictitious = 1"), 301);
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions WHERE length(code) < 12 AND fictitious = 0"), 27);
	store_close(s);
}

static void test_communities_and_streets_are_urban_villages_rural(void **state)
{
	struct store *s = seeded_db("urban");
	struct err e;
	(void)state;

	err_clear(&e);
	assert_int_equal(count(s,
		"SELECT count(*) FROM divisions v JOIN divisions t ON t.code = v.parent_code"
		" WHERE length(v.code) = 12 AND v.urban !="
		" (CASE WHEN v.kind = 'community' OR t.kind = 'street' THEN 1 ELSE 0 END)"), 0);
	assert_int_equal(divisions_is_urban(s, "500231103201", &e), 0);
	assert_int_equal(divisions_is_urban(s, "500231103001", &e), 1);
	assert_int_equal(divisions_is_urban(s, "500231002001", &e), 1);
	assert_int_equal(divisions_is_urban(s, "500231999999", &e), ERR_NOT_FOUND);
	store_close(s);
}

static void test_seeding_twice_adds_nothing(void **state)
{
	struct store *s = seeded_db("twice");
	struct err e;
	int added = -1;
	(void)state;

	err_clear(&e);
	assert_int_equal(divisions_seed(s, TSV, &added, &e), 0);
	assert_int_equal(added, 0);
	assert_int_equal(count(s, "SELECT count(*) FROM divisions"), 328);
	store_close(s);
}

static void test_exists_and_get_describe_a_division(void **state)
{
	struct store *s = seeded_db("get");
	json_t *d = NULL, *children;
	struct err e;
	(void)state;

	err_clear(&e);
	assert_int_equal(divisions_exists(s, "500231103201", &e), 1);
	assert_int_equal(divisions_exists(s, "500231103398", &e), 0);
	assert_int_equal(divisions_get(s, "500231103", &d, &e), 0);
	assert_string_equal(json_string_value(json_object_get(d, "name")), "周嘉镇");
	assert_string_equal(json_string_value(json_object_get(d, "full_name")), "垫江县周嘉镇");
	assert_string_equal(json_string_value(json_object_get(d, "level")), "township");
	assert_string_equal(json_string_value(json_object_get(d, "kind")), "town");
	assert_string_equal(json_string_value(json_object_get(d, "parent_code")), "500231");
	assert_true(json_is_false(json_object_get(d, "fictitious")));
	children = json_object_get(d, "children");
	assert_int_equal(json_array_size(children),
			 count(s, "SELECT count(*) FROM divisions WHERE parent_code = '500231103'"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(children, 0), "code")),
			    "500231103001");
	json_decref(d);

	assert_int_equal(divisions_get(s, "500231103201", &d, &e), 0);
	assert_string_equal(json_string_value(json_object_get(d, "level")), "village");
	assert_true(json_is_true(json_object_get(d, "fictitious")));
	assert_int_equal(json_array_size(json_object_get(d, "children")), 0);
	json_decref(d);

	assert_int_equal(divisions_get(s, "500231", &d, &e), 0);
	assert_string_equal(json_string_value(json_object_get(d, "level")), "county");
	assert_true(json_is_null(json_object_get(d, "parent_code")));
	assert_int_equal(json_array_size(json_object_get(d, "children")), 26);
	json_decref(d);

	assert_int_equal(divisions_get(s, "500231103398", &d, &e), ERR_NOT_FOUND);
	assert_null(d);
	store_close(s);
}

/* === the demo county === */

static struct store *demo_db(const char *name, uint64_t seed, int64_t persons,
			     struct demo_result *r)
{
	struct store *s = seeded_db(name);
	struct demo_options o = { .persons = persons, .seed = seed };
	struct err e;

	err_clear(&e);
	if (demo_generate(s, &o, r, &e) < 0)
		fail_msg("demo: %s", e.message_en);
	return s;
}

/* BLAKE2b of every person's (id_number, name, birth_date, household_id). */
static void persons_digest(struct store *s, unsigned char out[32])
{
	crypto_generichash_state h;
	struct store_stmt *st = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	crypto_generichash_init(&h, NULL, 0, 32);
	assert_int_equal(store_query(s, &st, &e,
		"SELECT id_number || '|' || name || '|' || birth_date || '|' || household_id"
		" FROM persons ORDER BY id", ""), 0);
	while ((rc = store_step(st, &e)) == STORE_ROW) {
		const char *row = store_col_text(st, 0);
		crypto_generichash_update(&h, (const unsigned char *)row, strlen(row) + 1);
	}
	assert_int_equal(rc, STORE_DONE);
	store_finalize(st);
	crypto_generichash_final(&h, out, 32);
}

static void test_demo_is_the_same_for_the_same_seed(void **state)
{
	struct demo_result r1, r2, r3;
	struct store *a = demo_db("seed7a", 7, 2000, &r1);
	struct store *b = demo_db("seed7b", 7, 2000, &r2);
	struct store *c = demo_db("seed8", 8, 2000, &r3);
	unsigned char da[32], db[32], dc[32];
	(void)state;

	persons_digest(a, da);
	persons_digest(b, db);
	persons_digest(c, dc);
	assert_memory_equal(da, db, 32);
	assert_memory_not_equal(da, dc, 32);
	assert_int_equal(r1.persons, r2.persons);
	assert_int_equal(r1.households, r2.households);
	store_close(a);
	store_close(b);
	store_close(c);
}

static void test_demo_counts_match_the_store(void **state)
{
	struct demo_result r;
	struct store *s = demo_db("counts_demo", 3, 2000, &r);
	(void)state;

	/* Whole households: at least the persons asked for, a few more at most. */
	assert_true(r.persons >= 2000 && r.persons < 2000 + 12);
	assert_int_equal(count(s, "SELECT count(*) FROM persons"), r.persons);
	assert_int_equal(count(s, "SELECT count(*) FROM households"), r.households);
	assert_int_equal(count(s, "SELECT count(*) FROM persons WHERE disability_type IS NOT NULL"),
			 r.disabled);
	assert_int_equal(count(s, "SELECT count(*) FROM persons WHERE health != 'healthy'"), r.ill);
	assert_int_equal(count(s, "SELECT count(*) FROM persons WHERE synthetic != 1"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM households WHERE synthetic != 1"), 0);
	assert_int_equal(count(s,
		"SELECT count(*) FROM audit_log WHERE action = 'demo.generate'"
		" AND entity = 'demo' AND region_code = '500231'"), 1);
	assert_true(r.seconds >= 0);
	store_close(s);
}

static void test_demo_id_numbers_are_valid_and_ages_plausible(void **state)
{
	struct demo_result r;
	struct store *s = demo_db("ids", 11, 2000, &r);
	struct store_stmt *st = NULL;
	int64_t today = clock_today_china(), seen = 0;
	struct err e;
	int rc;
	(void)state;

	err_clear(&e);
	assert_int_equal(store_query(s, &st, &e,
		"SELECT id_number, sex, birth_date FROM persons", ""), 0);
	while ((rc = store_step(st, &e)) == STORE_ROW) {
		struct idcard id;
		char birth[11];
		if (idcard_parse(store_col_text(st, 0), "id_number", &id, &e) < 0)
			fail_msg("%s: %s", store_col_text(st, 0), e.rule);
		assert_memory_equal(id.number, "500231", 6);
		assert_int_equal(id.sex, store_col_text(st, 1)[0]);
		snprintf(birth, sizeof(birth), "%04d-%02d-%02d", id.birth_year,
			 id.birth_month, id.birth_day);
		assert_string_equal(birth, store_col_text(st, 2));
		assert_in_range(idcard_age(&id, today), 0, 105);
		seen++;
	}
	assert_int_equal(rc, STORE_DONE);
	store_finalize(st);
	assert_int_equal(seen, r.persons);
	assert_int_equal(count(s, "SELECT count(DISTINCT id_number) FROM persons"), r.persons);
	store_close(s);
}

static void test_demo_households_have_one_head_and_fitting_members(void **state)
{
	struct demo_result r;
	struct store *s = demo_db("households", 5, 2000, &r);
	(void)state;

	/* Exactly one "self", and it is the head. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM households h WHERE"
		" (SELECT count(*) FROM persons p WHERE p.household_id = h.id AND p.relation = 'self') != 1"
		" OR h.head_person_id IS NOT (SELECT p.id FROM persons p"
		"   WHERE p.household_id = h.id AND p.relation = 'self')"), 0);
	assert_int_equal(count(s,
		"SELECT count(*) FROM persons WHERE relation NOT IN ('self', 'spouse', 'child',"
		" 'parent', 'grandchild', 'grandparent', 'sibling', 'child_in_law', 'other')"), 0);
	/* Persons live where their household is; urban/rural follows the division. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id"
		" WHERE p.region_code != h.region_code"), 0);
	assert_int_equal(count(s,
		"SELECT count(*) FROM households h JOIN divisions d ON d.code = h.region_code"
		" WHERE h.area_kind != (CASE WHEN d.urban THEN 'urban' ELSE 'rural' END)"), 0);
	assert_int_equal(count(s,
		"SELECT count(*) FROM households h JOIN divisions d ON d.code = h.region_code"
		" WHERE length(d.code) != 12"), 0);
	/* A child is 20-45 years younger than the head (±1 for birthdays),
	 * a parent 20-45 older; spouses within 10 years. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM persons p JOIN persons h ON h.id ="
		"  (SELECT head_person_id FROM households WHERE id = p.household_id)"
		" WHERE (p.relation = 'child' AND (julianday(p.birth_date) - julianday(h.birth_date)) / 365.25 NOT BETWEEN 19 AND 46)"
		"  OR (p.relation = 'parent' AND (julianday(h.birth_date) - julianday(p.birth_date)) / 365.25 NOT BETWEEN 19 AND 46)"
		"  OR (p.relation = 'spouse' AND abs(julianday(h.birth_date) - julianday(p.birth_date)) / 365.25 > 10)"), 0);
	/* Brothers and sisters are born at least a year apart. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM persons a JOIN persons b ON b.household_id = a.household_id"
		" AND b.id > a.id AND b.relation = a.relation"
		" WHERE a.relation IN ('child', 'grandchild')"
		" AND abs(julianday(a.birth_date) - julianday(b.birth_date)) < 365"), 0);
	/* Addresses name the place. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM households WHERE address NOT LIKE '垫江县%'"), 0);
	store_close(s);
}

static void test_demo_attributes_have_plausible_shares(void **state)
{
	struct demo_result r;
	struct store *s = demo_db("shares", 9, 5000, &r);
	(void)state;

	/* ~6% disabled, ~15% chronic, ~3% serious (wide bounds: 5,000 people). */
	assert_in_range(r.disabled * 1000 / r.persons, 30, 100);
	assert_in_range(count(s, "SELECT count(*) * 1000 FROM persons WHERE health = 'chronic'")
			/ r.persons, 80, 250);
	assert_in_range(count(s, "SELECT count(*) * 1000 FROM persons WHERE health = 'serious'")
			/ r.persons, 10, 70);
	assert_int_equal(count(s,
		"SELECT count(*) FROM persons WHERE (disability_type IS NULL) != (disability_grade IS NULL)"
		" OR disability_grade NOT BETWEEN 1 AND 4"
		" OR disability_type NOT IN ('visual', 'hearing', 'speech', 'physical', 'intellectual', 'mental', 'multiple')"), 0);
	/* Children do not work; adults mostly have a mobile 13x/15x/18x. */
	assert_int_equal(count(s,
		"SELECT count(*) FROM persons WHERE birth_date > date('now', '-15 years')"
		" AND (work_capacity != 'none' OR phone IS NOT NULL)"), 0);
	assert_int_equal(count(s,
		"SELECT count(*) FROM persons WHERE phone IS NOT NULL AND NOT"
		" (length(phone) = 11 AND phone GLOB '1[358][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]')"), 0);
	assert_true(count(s, "SELECT count(*) FROM persons WHERE phone IS NOT NULL") > r.persons / 2);
	assert_true(count(s, "SELECT count(*) FROM persons WHERE sex = 'M'") > r.persons * 4 / 10);
	assert_true(count(s, "SELECT count(*) FROM persons WHERE sex = 'F'") > r.persons * 4 / 10);
	store_close(s);
}

static void test_demo_creates_one_account_per_role(void **state)
{
	static const char *const expected[][3] = {
		{ "courier", "courier", "500231103201" },
		{ "assistant", "assistant", "500231103201" },
		{ "commander", "commander", "500231103" },
		{ "reviewer", "reviewer", "500231" },
		{ "admin", "admin", "500231" },
		{ "checker", "admin", "500231" },
		{ "inspector", "inspector", "500231" },
		{ "eldercare", "eldercare", "500231103" },
		{ "courier2", "courier", "500231103202" },
	};
	struct demo_result r;
	struct store *s = demo_db("accounts", 1, 300, &r);
	(void)state;

	assert_int_equal(r.n_logins, 9);
	assert_int_equal(count(s, "SELECT count(*) FROM users WHERE username NOT GLOB 'asst[0-9]*'"), 9);
	for (size_t i = 0; i < 9; i++) {
		struct store_stmt *st = NULL;
		struct err e;
		err_clear(&e);
		assert_string_equal(r.logins[i].username, expected[i][0]);
		assert_string_equal(r.logins[i].role, expected[i][1]);
		assert_string_equal(r.logins[i].region_code, expected[i][2]);
		assert_int_equal(strlen(r.logins[i].password), 12);
		assert_int_equal(store_query(s, &st, &e,
			"SELECT role, region_code, COALESCE(department, '') FROM users"
			" WHERE username = $1", "s", expected[i][0]), 0);
		assert_int_equal(store_step(st, &e), STORE_ROW);
		assert_string_equal(store_col_text(st, 0), expected[i][1]);
		assert_string_equal(store_col_text(st, 1), expected[i][2]);
		assert_string_equal(store_col_text(st, 2),
				    i == 3 ? "civil_affairs" : "");
		store_finalize(st);
	}
	assert_string_equal(r.logins[0].region_name, "垫江县周嘉镇骑龙村");
	assert_string_equal(r.logins[2].region_name, "垫江县周嘉镇");
	assert_string_equal(r.logins[4].region_name, "垫江县");
	assert_string_not_equal(r.logins[0].password, r.logins[1].password);
	store_close(s);
}

static void test_demo_uses_the_given_password(void **state)
{
	struct store *s = seeded_db("password");
	struct demo_options o = { .persons = 50, .seed = 2, .password = "demo-pass-2024" };
	struct demo_result r;
	struct err e;
	(void)state;

	err_clear(&e);
	assert_int_equal(demo_generate(s, &o, &r, &e), 0);
	for (int i = 0; i < r.n_logins; i++)
		assert_string_equal(r.logins[i].password, "demo-pass-2024");
	store_close(s);
}

static void test_second_demo_into_the_same_file_is_refused(void **state)
{
	struct demo_result r;
	struct store *s = demo_db("again", 4, 200, &r);
	struct demo_options o = { .persons = 200, .seed = 5 };
	int64_t persons = r.persons;
	struct err e;
	(void)state;

	err_clear(&e);
	assert_int_equal(demo_generate(s, &o, &r, &e), ERR_CONFLICT);
	assert_string_equal(e.rule, "not_empty");
	assert_int_equal(count(s, "SELECT count(*) FROM persons"), persons);
	assert_int_equal(count(s, "SELECT count(*) FROM users WHERE username NOT GLOB 'asst[0-9]*'"), 9);
	store_close(s);
}

static void test_demo_progress_prints_lines_ending_at_100(void **state)
{
	struct store *s = seeded_db("progress");
	char path[512], buf[4096];
	struct demo_options o = { .persons = 1000, .seed = 3 };
	struct demo_result r;
	struct err e;
	size_t n;
	(void)state;

	err_clear(&e);
	snprintf(path, sizeof(path), "%s/progress.txt", tmpdir);
	o.progress = fopen(path, "w+");
	assert_non_null(o.progress);
	assert_int_equal(demo_generate(s, &o, &r, &e), 0);
	rewind(o.progress);
	n = fread(buf, 1, sizeof(buf) - 1, o.progress);
	buf[n] = '\0';
	fclose(o.progress);
	/* Not a terminal: a line at 0% and at each further 10%, the last one
	 * complete. */
	for (size_t i = 0, lines = 0; i <= n; i++) {
		if (i == n)
			assert_int_equal(lines, 11);
		else
			lines += buf[i] == '\n';
	}
	assert_non_null(strstr(buf, "生成人员 [....................]   0%  0/1,000\n"));
	assert_non_null(strstr(buf, "生成人员 [####################] 100%  1,000/1,000\n"));
	assert_null(strchr(buf, '\r'));
	store_close(s);
}

static int setup_tmp(void **state)
{
	const char *env = getenv("CIVICARE_TEST_TMP");
	(void)state;
	if (env && *env) {
		snprintf(tmpdir, sizeof(tmpdir), "%s", env);
	} else {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/civicare-test-XXXXXX");
		if (!mkdtemp(tmpdir))
			return -1;
	}
	return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_has_county_26_townships_and_301_villages),
		cmocka_unit_test(test_seed_names_keep_their_codes),
		cmocka_unit_test(test_every_code_has_a_parent_and_the_kind_its_number_says),
		cmocka_unit_test(test_every_township_has_a_seat_and_numbered_villages),
		cmocka_unit_test(test_generated_names_are_unique_within_a_township),
		cmocka_unit_test(test_generated_divisions_are_fictitious_real_ones_not),
		cmocka_unit_test(test_communities_and_streets_are_urban_villages_rural),
		cmocka_unit_test(test_seeding_twice_adds_nothing),
		cmocka_unit_test(test_exists_and_get_describe_a_division),
		cmocka_unit_test(test_demo_is_the_same_for_the_same_seed),
		cmocka_unit_test(test_demo_counts_match_the_store),
		cmocka_unit_test(test_demo_id_numbers_are_valid_and_ages_plausible),
		cmocka_unit_test(test_demo_households_have_one_head_and_fitting_members),
		cmocka_unit_test(test_demo_attributes_have_plausible_shares),
		cmocka_unit_test(test_demo_creates_one_account_per_role),
		cmocka_unit_test(test_demo_uses_the_given_password),
		cmocka_unit_test(test_second_demo_into_the_same_file_is_refused),
		cmocka_unit_test(test_demo_progress_prints_lines_ending_at_100),
	};
	return cmocka_run_group_tests(tests, setup_tmp, NULL);
}
