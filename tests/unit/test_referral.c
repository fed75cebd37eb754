/*
 * test_referral.c - from the home visit to the enrollment, against a real
 * SQLite file and the real config files of ./config.
 *
 * The seed case of the brief: a rural household of four, the earner lost
 * an arm and has kidney failure (illness, disability), 280,000 yuan of
 * medical debt, two children at school, 600 yuan a month for the whole
 * household.  The rules must send it to dibao, medical, education and
 * temporary assistance, each with its reason.
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
#include "../../src/domain/program.h"
#include "../../src/domain/referral.h"
#include "../../src/domain/registry.h"
#include "../../src/domain/routing.h"
#include "../../src/domain/visit.h"
#include "../../src/store/store.h"
#include "../../src/core/banned.h"

#define VILLAGE "500231103201"

struct fixture {
	char dir[300], db[340];
	struct store *s;
	struct err e;
	const struct program_config *cfg;
	struct actor sys, assistant, civil, medical;
	int64_t household, case_id;
};

static int64_t add_user(struct fixture *f, const char *name, const char *role,
			const char *department, const char *region)
{
	int64_t id = 0;
	if (store_int64(f->s, &id, &f->e,
			"INSERT INTO users (username, display_name, role, department, region_code,"
			" password_hash, created_at, updated_at) VALUES ($1, $1, $2, $3, $4, 'x',"
			" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
			"ssss", name, role, department, region) < 0)
		fail_msg("add_user: %s", f->e.message_en);
	return id;
}

static struct actor actor_of(struct fixture *f, const char *name, enum role role,
			     const char *department, const char *region)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	a.user_id = add_user(f, name, perm_role_name(role), department, region);
	snprintf(a.username, sizeof(a.username), "%s", name);
	a.role = role;
	snprintf(a.region, sizeof(a.region), "%s", region);
	snprintf(a.department, sizeof(a.department), "%s", department ? department : "");
	return a;
}

/* A rural household of four and an open case owned by the assistant. */
static void seed_case(struct fixture *f)
{
	struct household_input h = { .region_code = VILLAGE, .address = "骑龙村3组12号",
				      .area_kind = "rural" };
	const char *names[] = { "冉某某", "张某某", "冉小某", "冉小二" };
	const char *rel[] = { "self", "spouse", "child", "child" };
	int years[] = { 1979, 1981, 2010, 2013 };
	int64_t person = 0, head = 0;
	char number[19];

	assert_int_equal(registry_household_create(f->s, &f->sys, &h, &f->household, &f->e), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(idcard_make("500231", years[i], 5, 3, 11 + i, number), 0);
		struct person_input in = { .name = names[i], .id_number = number,
					   .household_id = f->household, .relation = rel[i] };
		assert_int_equal(registry_person_create(f->s, &f->sys, &in, &person, &f->e), 0);
		if (i == 0)
			head = person;
	}
	assert_int_equal(store_int64(f->s, &f->case_id, &f->e,
		"INSERT INTO cases (region_code, subject_name, owner_user_id, status, person_id,"
		" created_at, updated_at) VALUES ($1, '冉某某', $2, 'open', $3,"
		" '2026-01-05T02:00:00Z', '2026-01-05T02:00:00Z') RETURNING id",
		"sii", VILLAGE, f->assistant.user_id, head), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");
	if (!f || sodium_init() < 0)
		return -1;
	clock_set_offset(0);
	snprintf(f->dir, sizeof(f->dir), "%s/referral-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0 ||
	    divisions_seed(f->s, "config/divisions-500231.tsv", NULL, &f->e) < 0 ||
	    program_config_load("config", &f->cfg, &f->e) < 0) {
		fprintf(stderr, "setup: %s\n", f->e.message_en);
		return -1;
	}
	perm_system_actor(&f->sys, "500231");
	f->assistant = actor_of(f, "assistant", ROLE_ASSISTANT, NULL, VILLAGE);
	f->civil = actor_of(f, "civil", ROLE_REVIEWER, "civil_affairs", "500231");
	f->medical = actor_of(f, "med", ROLE_REVIEWER, "medical_security", "500231");
	seed_case(f);
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
	clock_set_offset(0);
	return 0;
}

/* === helpers === */

static int64_t day(const char *s)
{
	int64_t d = 0;
	assert_int_equal(clock_parse_date(s, &d), 0);
	return d;
}

static json_t *seed_visit_body(const char *investigators)
{
	char today[11], text[1024];
	json_error_t je;
	clock_format_date(clock_today_china(), today);
	snprintf(text, sizeof(text),
		 "{\"visit_date\":\"%s\",\"investigators\":%s,"
		 "\"categories\":[\"illness\",\"disability\"],"
		 "\"findings\":{\"illness\":\"肾衰竭，每周透析三次\",\"disability\":\"右臂截肢\"},"
		 "\"facts\":{\"medical_debt_fen\":28000000,\"school_children\":2},"
		 "\"declared_income_fen\":60000,"
		 "\"rigid_expenses\":{\"medical_fen\":350000,\"education_fen\":80000},"
		 "\"authorization_signed\":true}", today, investigators);
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("body: %s", je.text);
	return j;
}

static void visit(struct fixture *f)
{
	json_t *body = seed_visit_body("[\"张三\",\"李四\"]"), *out = NULL;
	json_object_set_new(body, "household_id", json_integer(f->household));
	if (visit_record(f->s, &f->assistant, f->case_id, body, &out, &f->e) < 0)
		fail_msg("visit: %s (%s)", f->e.message_en, f->e.field);
	json_decref(body);
	json_decref(out);
}

/* Route the programs; returns the id of the first referral created. */
static int64_t route(struct fixture *f, const char *programs_json)
{
	char text[256];
	json_t *out = NULL, *body;
	snprintf(text, sizeof(text), "{\"programs\":%s}", programs_json);
	body = json_loads(text, 0, NULL);
	if (referral_route(f->s, &f->assistant, f->cfg, f->case_id, body, &out, &f->e) < 0)
		fail_msg("route: %s", f->e.message_en);
	int64_t id = json_integer_value(json_object_get(
		json_array_get(json_object_get(out, "referrals"), 0), "id"));
	json_decref(body);
	json_decref(out);
	return id;
}

static int act(struct fixture *f, const struct actor *a, int64_t id,
	       const char *action, const char *body_json, json_t **out)
{
	json_t *body = json_loads(body_json, 0, NULL), *o = NULL;
	err_clear(&f->e);
	int rc = referral_act(f->s, a, f->cfg, id, action, body, &o, &f->e);
	json_decref(body);
	if (out)
		*out = o;
	else
		json_decref(o);
	return rc;
}

static int64_t count(struct fixture *f, const char *sql, int64_t id)
{
	int64_t n = -1;
	if (store_int64(f->s, &n, &f->e, sql, "i", id) < 0)
		fail_msg("count: %s", f->e.message_en);
	return n;
}

/* === tests === */

static void spring_festival_is_not_counted(void **state)
{
	struct fixture *f = *state;
	char out[11];

	/* 2026-02-13 is a Friday; 2-14 (Sat) is a make-up working day, 2-15..2-23
	 * are the holiday, 2-28 (Sat) works again. */
	clock_format_date(calendar_add_working_days(f->cfg, day("2026-02-13"), 10), out);
	assert_string_equal(out, "2026-03-05");
	assert_true(calendar_is_working(f->cfg, day("2026-02-14")));
	assert_false(calendar_is_working(f->cfg, day("2026-02-16")));
	assert_false(calendar_is_working(f->cfg, day("2026-02-23")));
	assert_true(calendar_is_working(f->cfg, day("2026-02-28")));
	assert_false(calendar_is_working(f->cfg, day("2026-03-07")));   /* a plain Saturday */
	assert_true(calendar_is_working(f->cfg, day("2026-03-09")));    /* a plain Monday */
	/* National Day 2026: 10-1..10-7 off, 10-10 (Sat) works. */
	clock_format_date(calendar_add_working_days(f->cfg, day("2026-09-30"), 1), out);
	assert_string_equal(out, "2026-10-08");
	assert_int_equal(calendar_working_days_between(f->cfg, day("2026-02-13"), day("2026-03-05")), 10);
}

static void a_visit_needs_two_investigators(void **state)
{
	struct fixture *f = *state;
	json_t *body = seed_visit_body("[\"张三\",\"张三\"]"), *out = NULL;
	json_object_set_new(body, "household_id", json_integer(f->household));
	assert_int_equal(visit_record(f->s, &f->assistant, f->case_id, body, &out, &f->e),
			 ERR_INVALID);
	assert_string_equal(f->e.rule, "two_investigators");
	assert_string_equal(f->e.field, "investigators");
	json_decref(body);
	/* Nothing was written and the case is still open. */
	assert_int_equal(count(f, "SELECT count(*) FROM visits WHERE case_id = $1", f->case_id), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM cases WHERE id = $1 AND status = 'open'",
			       f->case_id), 1);
}

static json_t *proposal(json_t *routing, const char *program)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(routing, "proposals"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "program")), program) == 0)
			return p;
	return NULL;
}

static void seed_case_is_routed_to_four_programs(void **state)
{
	struct fixture *f = *state;
	json_t *r = NULL;

	assert_int_equal(routing_propose(f->s, &f->assistant, f->cfg, f->case_id, &r, &f->e),
			 ERR_CONFLICT);
	assert_string_equal(f->e.rule, "needs_visit");
	visit(f);
	assert_int_equal(count(f, "SELECT count(*) FROM cases WHERE id = $1 AND status = 'visited'"
			       " AND household_id IS NOT NULL", f->case_id), 1);
	assert_int_equal(routing_propose(f->s, &f->assistant, f->cfg, f->case_id, &r, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "household_size")), 4);
	assert_int_equal(json_integer_value(json_object_get(r, "per_capita_income_fen")), 15000);
	assert_int_equal(json_integer_value(json_object_get(r, "standard_fen")), 51500);
	const char *want[] = { "dibao", "medical", "education", "temporary" };
	for (int i = 0; i < 4; i++) {
		json_t *p = proposal(r, want[i]);
		if (!p)
			fail_msg("no proposal for %s", want[i]);
		assert_true(json_array_size(json_object_get(p, "rules")) >= 1);
	}
	json_t *dibao_rule = json_array_get(json_object_get(proposal(r, "dibao"), "rules"), 0);
	assert_string_equal(json_string_value(json_object_get(dibao_rule, "reason")),
			    "人均月收入 150.00 元低于农村低保标准 515.00 元");
	assert_string_equal(json_string_value(json_object_get(proposal(r, "medical"), "department")),
			    "medical_security");
	assert_null(proposal(r, "tekun"));   /* the household has someone able to support it */
	json_decref(r);
}

static void route_once_per_program(void **state)
{
	struct fixture *f = *state;
	visit(f);
	route(f, "[\"dibao\",\"medical\",\"orphan\"]");
	assert_int_equal(count(f, "SELECT count(*) FROM referrals WHERE case_id = $1", f->case_id), 3);
	/* The assistant added orphan by hand: its rule says so. */
	assert_int_equal(count(f, "SELECT count(*) FROM referrals WHERE case_id = $1 AND program ="
			       " 'orphan' AND rules LIKE '%\"manual\"%'", f->case_id), 1);
	/* Asking again adds only what is new. */
	route(f, "[\"dibao\",\"education\"]");
	assert_int_equal(count(f, "SELECT count(*) FROM referrals WHERE case_id = $1", f->case_id), 4);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'referral.created'"
			       " AND $1 > 0", 1), 4);
}

static void dibao_waits_for_the_public_notice(void **state)
{
	struct fixture *f = *state;
	json_t *out = NULL;

	visit(f);
	int64_t id = route(f, "[\"dibao\"]");
	assert_int_equal(act(f, &f->civil, id, "approve", "{\"amount_fen\":145000,\"start_month\":\"2026-12\"}", NULL),
			 ERR_CONFLICT);
	assert_string_equal(f->e.rule, "transition");
	assert_int_equal(act(f, &f->civil, id, "survey", "{}", NULL), 0);
	assert_int_equal(act(f, &f->civil, id, "opinion", "{\"opinion\":\"符合低保条件\"}", NULL), 0);
	assert_int_equal(act(f, &f->civil, id, "publish_notice", "{}", NULL), 0);
	assert_int_equal(act(f, &f->civil, id, "approve", "{\"amount_fen\":145000,\"start_month\":\"2026-12\"}", NULL),
			 ERR_CONFLICT);
	assert_string_equal(f->e.rule, "notice_running");
	assert_int_equal(count(f, "SELECT count(*) FROM enrollments WHERE referral_id = $1", id), 0);

	clock_set_offset(7 * 86400);
	assert_int_equal(act(f, &f->civil, id, "approve", "{\"amount_fen\":145000,\"start_month\":\"2026-12\"}", &out), 0);
	json_t *enr = json_object_get(out, "enrollment");
	assert_non_null(enr);
	assert_string_equal(json_string_value(json_object_get(enr, "program")), "dibao");
	assert_int_equal(json_integer_value(json_object_get(enr, "amount_fen")), 145000);
	assert_true(json_is_null(json_object_get(enr, "end_month")));   /* monthly: open-ended */
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "referral"), "status")),
			    "approved");
	json_decref(out);
	assert_int_equal(count(f, "SELECT count(*) FROM enrollments WHERE referral_id = $1"
			       " AND status = 'active'", id), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'referral.decided'"
			       " AND recipients LIKE '%' || $1 || '%'", f->assistant.user_id), 1);
}

static void another_department_may_not_decide(void **state)
{
	struct fixture *f = *state;
	visit(f);
	int64_t dibao = route(f, "[\"dibao\"]");
	int64_t medical = route(f, "[\"medical\"]");

	assert_int_equal(act(f, &f->medical, dibao, "survey", "{}", NULL), ERR_FORBIDDEN);
	assert_string_equal(f->e.rule, "department");
	assert_int_equal(act(f, &f->civil, medical, "approve", "{\"amount_fen\":1,\"start_month\":\"2026-12\"}", NULL),
			 ERR_FORBIDDEN);
	assert_int_equal(count(f, "SELECT count(*) FROM referrals WHERE id = $1 AND status = 'pending'",
			       medical), 1);
	/* Its own department decides; a rejection keeps the reason and notice. */
	assert_int_equal(act(f, &f->medical, medical, "reject",
			     "{\"reason\":\"已由医保报销\",\"notice_text\":\"经审核，已全额报销。\"}", NULL), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM referrals WHERE id = $1 AND status = 'rejected'"
			       " AND reason = '已由医保报销' AND notice_text = '经审核，已全额报销。'", medical), 1);
}

static void overdue_is_reported_once(void **state)
{
	struct fixture *f = *state;
	int n = -1;

	visit(f);
	int64_t id = route(f, "[\"temporary\"]");
	assert_int_equal(referral_mark_overdue(f->s, &n, &f->e), 0);
	assert_int_equal(n, 0);                       /* not due yet */

	clock_set_offset(40 * 86400);                 /* past 10 working days, whatever the holidays */
	assert_int_equal(referral_mark_overdue(f->s, &n, &f->e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(referral_mark_overdue(f->s, &n, &f->e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'referral.overdue'"
			       " AND payload LIKE '%\"referral_id\":' || $1 || '%'", id), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM referrals WHERE id = $1"
			       " AND escalated_at IS NOT NULL", id), 1);

	/* The commander of the township sees it on the escalation list. */
	struct actor cmd;
	json_t *list = NULL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.role = ROLE_COMMANDER;
	snprintf(cmd.region, sizeof(cmd.region), "500231103");
	assert_int_equal(escalation_list(f->s, &cmd, f->cfg, &list, &f->e), 0);
	json_t *first = json_array_get(json_object_get(list, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "kind")), "referral");
	assert_int_equal(json_integer_value(json_object_get(first, "id")), id);
	assert_true(json_integer_value(json_object_get(first, "days_overdue")) > 0);
	json_decref(list);
}

static void config_errors_name_the_file(void **state)
{
	struct fixture *f = *state;
	const struct program_config *c = NULL;
	char dir[400], path[440];
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/badcfg", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/programs.json", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"programs\":[{\"code\":\"dibao\",\"name_zh\":\"低保\",\"name_en\":\"x\","
	      "\"department\":\"civil_affairs\",\"procedure\":\"weird\",\"kind\":\"monthly\","
	      "\"deadline_working_days\":30}]}", fp);
	fclose(fp);
	assert_int_equal(program_config_load(dir, &c, &f->e), ERR_INVALID);
	assert_non_null(strstr(f->e.message_en, "programs.json"));
	assert_non_null(strstr(f->e.message_en, "programs[0].procedure"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(spring_festival_is_not_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(a_visit_needs_two_investigators, setup, teardown),
		cmocka_unit_test_setup_teardown(seed_case_is_routed_to_four_programs, setup, teardown),
		cmocka_unit_test_setup_teardown(route_once_per_program, setup, teardown),
		cmocka_unit_test_setup_teardown(dibao_waits_for_the_public_notice, setup, teardown),
		cmocka_unit_test_setup_teardown(another_department_may_not_decide, setup, teardown),
		cmocka_unit_test_setup_teardown(overdue_is_reported_once, setup, teardown),
		cmocka_unit_test_setup_teardown(config_errors_name_the_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
