/*
 * test_engine.c - the monitoring engine against a real SQLite file and real
 * canonical feed files written by hand: each rule raises its alert from a
 * small file; the window's edges; no second alert of a rule for a household
 * inside its window (and a new one after it); a recipient's death suspends
 * the household's enrollment (payment held); and two threads read exactly
 * what one thread reads, also when the middle of a file falls inside a
 * quoted field that holds line breaks (and what looks like a row).
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
#include <jansson.h>
#include <sodium.h>

#include "../../src/core/clock.h"
#include "../../src/core/idcard.h"
#include "../../src/domain/alert.h"
#include "../../src/domain/divisions.h"
#include "../../src/domain/perm.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/engine_int.h"
#include "../../src/core/banned.h"

#define VILLAGE "500231103201"
#define AS_OF "2026-06-30"
#define NOW "2026-06-30T00:00:00Z"

struct fixture {
	char dir[256];
	char db[300];
	struct store *s;
	struct actor sys;
	struct err e;
	int batches;
	int seq;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");
	if (!f || sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/engine-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0 ||
	    divisions_seed(f->s, "config/divisions-500231.tsv", NULL, &f->e) < 0)
		return -1;
	perm_system_actor(&f->sys, "500231");
	clock_set_offset(0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[400];
	store_close(f->s);
	/* the folder holds only what this test wrote */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	clock_set_offset(0);
	return 0;
}

/* === the registry, by hand === */

struct member {
	int64_t id;
	char number[19];
};

static int64_t household(struct fixture *f)
{
	int64_t id = 0;
	assert_int_equal(store_int64(f->s, &id, &f->e,
		"INSERT INTO households (region_code, address, area_kind, created_at,"
		" updated_at) VALUES ($1, '骑龙村1组', 'rural', $2, $2) RETURNING id",
		"ss", VILLAGE, NOW), 0);
	return id;
}

static struct member person(struct fixture *f, int64_t hh, const char *name,
			    int head, int grade)
{
	struct member m = { 0 };
	assert_int_equal(idcard_make("500231", 1970 + f->seq % 40, 1 + f->seq % 12, 3,
				     f->seq, m.number), 0);
	f->seq++;
	assert_int_equal(store_int64(f->s, &m.id, &f->e,
		"INSERT INTO persons (id_number, name, sex, birth_date, household_id,"
		" relation, region_code, disability_grade, created_at, updated_at)"
		" VALUES ($1, $2, 'M', '1970-01-03', $3, $4, $5, NULLIF($6, 0), $7, $7)"
		" RETURNING id", "ssissis", m.number, name, hh, head ? "self" : "child",
		VILLAGE, (int64_t)grade, NOW), 0);
	if (head)
		assert_int_equal(store_execv(f->s, &f->e, "UPDATE households SET"
			" head_person_id = $1 WHERE id = $2", "ii", m.id, hh), 0);
	return m;
}

static void monitored(struct fixture *f, const struct member *m)
{
	assert_int_equal(monitoring_set(f->s, NULL, m->id, "dibao", "2025-01-01", "test",
					&f->e), 0);
}

static int64_t enroll(struct fixture *f, int64_t hh, const struct member *head)
{
	int64_t id = 0;
	assert_int_equal(store_int64(f->s, &id, &f->e,
		"INSERT INTO enrollments (household_id, person_id, region_code, program,"
		" amount_fen, start_month, status, created_at, updated_at) VALUES ($1, $2,"
		" $3, 'dibao', 60000, '2025-01', 'active', $4, $4) RETURNING id", "iiss",
		hh, head->id, VILLAGE, NOW), 0);
	return id;
}

/* A canonical file of `feed` with these rows (header first), registered as
 * a batch with one feed_records row per data row (line = its line + 10,
 * as if the department's file had ten lines more at the top). */
static void feed(struct fixture *f, const char *name, const char *text)
{
	char dir[400], rel[200], path[700];
	int64_t batch = 0;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/feeds", f->dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/feeds/%s", f->dir, name);
	mkdir(dir, 0700);
	snprintf(rel, sizeof(rel), "feeds/%s/%d.csv", name, ++f->batches);
	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(store_int64(f->s, &batch, &f->e,
		"INSERT INTO feed_batches (feed, department, file_name, file_sha256,"
		" encoding, rows_total, rows_imported, rows_unchanged, rows_rejected,"
		" stored_path, rejected, created_at) VALUES ($1, 'test', 'x.csv', $2,"
		" 'UTF-8', 0, 0, 0, 0, $3, '[]', $4) RETURNING id", "ssss", name, rel, rel,
		NOW), 0);
	int row = 0;
	for (const char *p = strchr(text, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		char key[256];
		row++;
		snprintf(key, sizeof(key), "%s-%d", rel, row);
		assert_int_equal(store_execv(f->s, &f->e,
			"INSERT INTO feed_records (feed, id_number, record_key, batch_id, line,"
			" data, created_at) VALUES ($1, '-', $2, $3, $4, '{}', $5)", "ssiis",
			name, key, batch, (int64_t)row + 11, NOW), 0);
	}
}

static int run(struct fixture *f, struct monitor_result *r, int threads)
{
	struct monitor_options o = { .config_dir = "config", .data_dir = f->dir,
				     .as_of = AS_OF, .threads = threads,
				     .started_by = "test" };
	int rc = monitor_run(f->s, &f->sys, &o, r, &f->e);
	if (rc < 0)
		fail_msg("monitor_run: %s (%s)", f->e.message_en, f->e.field);
	return rc;
}

static int64_t alerts_of(const struct monitor_result *r, const char *rule)
{
	for (size_t i = 0; i < r->n_rules; i++)
		if (strcmp(r->rules[i].id, rule) == 0)
			return r->rules[i].alerts;
	fail_msg("no rule %s", rule);
	return -1;
}

static int64_t count(struct fixture *f, const char *sql, const char *types, ...)
{
	/* only the few fixed queries below: an int64 argument or none */
	int64_t n = -1;
	va_list ap;
	va_start(ap, types);
	int64_t arg = types[0] ? va_arg(ap, int64_t) : 0;
	va_end(ap);
	int rc = types[0] ? store_int64(f->s, &n, &f->e, sql, "i", arg)
			  : store_int64(f->s, &n, &f->e, sql, "");
	assert_int_equal(rc, 0);
	return n;
}

/* === each rule === */

struct county {
	int64_t a, b, d, enr_b, enr_d;
	struct member head, child, other, recipient, spouse, wheel, stranger;
};

static void county(struct fixture *f, struct county *c)
{
	c->a = household(f);
	c->head = person(f, c->a, "甲户主", 1, 0);
	c->child = person(f, c->a, "甲子女", 0, 3);
	c->other = person(f, c->a, "甲成员", 0, 0);
	monitored(f, &c->head);
	c->b = household(f);
	c->recipient = person(f, c->b, "乙户主", 1, 0);
	c->spouse = person(f, c->b, "乙配偶", 0, 0);
	c->enr_b = enroll(f, c->b, &c->recipient);
	c->d = household(f);
	c->wheel = person(f, c->d, "丙户主", 1, 2);
	c->enr_d = enroll(f, c->d, &c->wheel);
	/* in the registry, but neither monitored nor enrolled */
	c->stranger = person(f, household(f), "丁", 1, 0);
}

static void write_feeds(struct fixture *f, const struct county *c)
{
	char t[4096];

	snprintf(t, sizeof(t), "id_number,settle_date,total_fen,self_paid_fen,diagnosis_class\n"
		 "%s,2026-01-05,3000000,1500000,\"肺炎,重症\"\n"
		 "%s,2026-06-30,900000,600000,J18\n"
		 "%s,2025-06-30,9000000,9000000,C34\n"
		 "%s,2026-07-01,9000000,9000000,C34\n"
		 "%s,2026-03-01,9000000,9000000,C34\n",
		 c->head.number, c->head.number, c->other.number, c->other.number,
		 c->stranger.number);
	feed(f, "medical_settlements", t);
	snprintf(t, sizeof(t), "id_number,disability_type,grade,issued_date\n"
		 "%s,limb,2,2026-05-01\n%s,visual,1,2019-05-01\n", c->child.number,
		 c->wheel.number);
	feed(f, "disability_certificates", t);
	snprintf(t, sizeof(t), "id_number,registered_date\n%s,2026-06-01\n", c->other.number);
	feed(f, "unemployment", t);
	snprintf(t, sizeof(t), "id_number,death_date\n%s,2026-06-10\n%s,2026-06-15\n",
		 c->head.number, c->recipient.number);
	feed(f, "deaths", t);
	snprintf(t, sizeof(t), "id_number,event,event_date,loss_fen\n"
		 "%s,\"洪灾\n（7月）\",2026-06-01,500000\n", c->other.number);
	feed(f, "disaster_victims", t);
	snprintf(t, sizeof(t), "id_number,level,school,enrolled_date\n"
		 "%s,college,\"重庆大学\",2026-03-01\n%s,primary,X,2026-03-01\n",
		 c->child.number, c->other.number);
	feed(f, "students", t);
	snprintf(t, sizeof(t), "id_number,grade,assessed_date\n%s,D,2026-04-01\n",
		 c->other.number);
	feed(f, "dangerous_houses", t);
	snprintf(t, sizeof(t), "id_number,plate,vehicle_type,registered_date\n"
		 "%s,渝A12345,car,2020-01-01\n%s,渝A00001,motor_wheelchair,2021-01-01\n",
		 c->spouse.number, c->wheel.number);
	feed(f, "vehicles", t);
	snprintf(t, sizeof(t), "id_number,company,role,registered_date\n"
		 "%s,\"垫江某某商贸有限公司\",legal_person,2018-01-01\n", c->spouse.number);
	feed(f, "companies", t);
	snprintf(t, sizeof(t), "id_number,property_id,use,area_m2,registered_date\n"
		 "%s,P1,residential,8000,2010-01-01\n%s,P2,residential,9000,2024-01-01\n"
		 "%s,P3,residential,6000,2015-01-01\n",
		 c->spouse.number, c->spouse.number, c->wheel.number);
	feed(f, "real_estate", t);
}

static void each_rule_raises_its_alert(void **state)
{
	struct fixture *f = *state;
	struct monitor_result r;
	struct county c;

	county(f, &c);
	write_feeds(f, &c);
	run(f, &r, 2);
	/* the head's 15000 + 6000 yuan inside the 365 days reach 20000; the
	 * member's 90000 lie on the excluded edge and after as_of; the
	 * stranger is not monitored */
	assert_int_equal(alerts_of(&r, "medical_cost"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE rule_id ="
			       " 'medical_cost' AND person_id = $1", "i", c.head.id), 1);
	/* a new certificate in the window; the old grade-1 one of a person the
	 * registry has at grade 2 is worse, but that household is not monitored */
	assert_int_equal(alerts_of(&r, "disability"), 1);
	assert_int_equal(alerts_of(&r, "unemployment"), 1);
	/* the head's death: one alert, high (the main earner) */
	assert_int_equal(alerts_of(&r, "member_death"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE rule_id ="
			       " 'member_death' AND severity = 'high' AND household_id = $1",
			       "i", c.a), 1);
	assert_int_equal(alerts_of(&r, "disaster"), 1);
	/* college counts, primary school does not */
	assert_int_equal(alerts_of(&r, "school_stage"), 1);
	assert_int_equal(alerts_of(&r, "dangerous_house"), 1);
	/* the car of the enrolled household; the motor wheelchair is excepted */
	assert_int_equal(alerts_of(&r, "enrolled_vehicle"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE rule_id ="
			       " 'enrolled_vehicle' AND household_id = $1", "i", c.b), 1);
	assert_int_equal(alerts_of(&r, "enrolled_company"), 1);
	/* two residential properties; the other household has one */
	assert_int_equal(alerts_of(&r, "enrolled_real_estate"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE rule_id ="
			       " 'enrolled_real_estate' AND household_id = $1", "i", c.b), 1);
	assert_int_equal(alerts_of(&r, "recipient_death"), 1);
	assert_int_equal(r.alerts, 11);
	/* every alert is in the village's queue */
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'alert.new'",
			       ""), 11);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE region_code = '"
			       VILLAGE "' AND status = 'open'", ""), 11);
	assert_int_equal(count(f, "SELECT alerts FROM monitor_runs WHERE id = $1", "i",
			       r.run_id), 11);
}

static void evidence_names_the_source_records(void **state)
{
	struct fixture *f = *state;
	struct monitor_result r;
	struct county c;
	json_t *al = NULL;
	int64_t id;

	county(f, &c);
	write_feeds(f, &c);
	run(f, &r, 2);
	id = count(f, "SELECT id FROM alerts WHERE rule_id = 'medical_cost'", "");
	assert_int_equal(alert_get(f->s, &f->sys, id, &al, &f->e), 0);
	json_t *recs = json_object_get(json_object_get(al, "evidence"), "records");
	assert_int_equal(json_array_size(recs), 2);
	json_t *first = json_array_get(recs, 0);
	assert_string_equal(json_string_value(json_object_get(first, "feed")),
			    "medical_settlements");
	/* the first data row: canonical line 2, the department's line 12 */
	assert_int_equal(json_integer_value(json_object_get(first, "canonical_line")), 2);
	assert_int_equal(json_integer_value(json_object_get(first, "line")), 12);
	json_t *fields = json_object_get(first, "fields");
	assert_string_equal(json_string_value(json_object_get(fields, "diagnosis_class")),
			    "肺炎,重症");
	assert_string_equal(json_string_value(json_object_get(fields, "self_paid_fen")),
			    "1500000");
	/* the evidence keeps ID numbers masked */
	char masked[19];
	idcard_mask(c.head.number, masked);
	assert_string_equal(json_string_value(json_object_get(fields, "id_number")), masked);
	assert_non_null(strstr(json_string_value(json_object_get(al, "summary")), "甲户主"));
	/* the disaster row after a quoted field with a line break */
	json_decref(al);
	id = count(f, "SELECT id FROM alerts WHERE rule_id = 'disaster'", "");
	assert_int_equal(alert_get(f->s, &f->sys, id, &al, &f->e), 0);
	first = json_array_get(json_object_get(json_object_get(al, "evidence"), "records"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(first, "fields"),
							      "event")), "洪灾\n（7月）");
	json_decref(al);
}

static void recipient_death_holds_payment(void **state)
{
	struct fixture *f = *state;
	struct monitor_result r;
	struct county c;
	char status[32] = "";
	struct store_stmt *st = NULL;

	county(f, &c);
	write_feeds(f, &c);
	run(f, &r, 2);
	assert_int_equal(r.held, 1);
	assert_int_equal(store_query(f->s, &st, &f->e, "SELECT status FROM enrollments"
				     " WHERE id = $1", "i", c.enr_b), 0);
	assert_int_equal(store_step(st, &f->e), STORE_ROW);
	snprintf(status, sizeof(status), "%s", store_col_text(st, 0));
	store_finalize(st);
	assert_string_equal(status, "suspended");
	/* the other enrolled household keeps being paid */
	assert_int_equal(count(f, "SELECT count(*) FROM enrollments WHERE id = $1 AND"
			       " status = 'active'", "i", c.enr_d), 1);
	/* the suspension is a workflow event whose reason names the death record */
	assert_int_equal(count(f, "SELECT count(*) FROM events WHERE entity = 'enrollment'"
			       " AND entity_id = $1 AND action = 'suspend' AND reason LIKE"
			       " '%deaths%' AND reason LIKE '%2026-06-15%'", "i", c.enr_b), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE rule_id ="
			       " 'recipient_death' AND effect = 'review_and_hold'", ""), 1);
}

static void no_repeat_inside_the_window(void **state)
{
	struct fixture *f = *state;
	struct monitor_result r;
	struct county c;

	county(f, &c);
	write_feeds(f, &c);
	run(f, &r, 2);
	assert_int_equal(r.alerts, 11);
	run(f, &r, 1);
	assert_int_equal(r.alerts, 0);
	assert_int_equal(r.rules[0].suppressed, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts", ""), 11);
	/* a year and a day later the medical rule (365 days) may raise the
	 * household again; the 90-day unemployment rule too */
	clock_set_offset(366LL * 86400);
	run(f, &r, 2);
	assert_int_equal(alerts_of(&r, "medical_cost"), 1);
	assert_int_equal(alerts_of(&r, "unemployment"), 1);
}

static void window_edges(void **state)
{
	struct fixture *f = *state;
	struct monitor_result r;
	char t[1024];
	int64_t hh = household(f), hh2 = household(f);
	struct member p = person(f, hh, "边界甲", 1, 0);
	struct member q = person(f, hh2, "边界乙", 1, 0);

	monitored(f, &p);
	monitored(f, &q);
	/* p: 19999.99 yuan on as_of and 0.01 on the day the window excludes;
	 * q: the same with the cent on the window's first day */
	snprintf(t, sizeof(t), "id_number,settle_date,total_fen,self_paid_fen,diagnosis_class\n"
		 "%s,2026-06-30,0,1999999,A\n%s,2025-06-30,0,1,A\n"
		 "%s,2026-06-30,0,1999999,A\n%s,2025-07-01,0,1,A\n",
		 p.number, p.number, q.number, q.number);
	feed(f, "medical_settlements", t);
	run(f, &r, 2);
	assert_int_equal(alerts_of(&r, "medical_cost"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE person_id = $1", "i",
			       q.id), 1);
}

/* === acting on alerts; categories === */

static void alert_becomes_report_or_is_dismissed(void **state)
{
	struct fixture *f = *state;
	struct monitor_result r;
	struct county c;
	struct actor asst = { 0 };
	int64_t med, dis, report_id = 0;
	json_t *list = NULL;

	county(f, &c);
	write_feeds(f, &c);
	run(f, &r, 2);
	assert_int_equal(store_int64(f->s, &asst.user_id, &f->e,
		"INSERT INTO users (username, display_name, role, region_code,"
		" password_hash, created_at, updated_at) VALUES ('a1', 'a1', 'assistant',"
		" $1, 'x', $2, $2) RETURNING id", "ss", VILLAGE, NOW), 0);
	snprintf(asst.username, sizeof(asst.username), "a1");
	asst.role = ROLE_ASSISTANT;
	snprintf(asst.region, sizeof(asst.region), VILLAGE);
	struct alert_query q = { .status = "open", .page = 1, .per_page = 50 };
	assert_int_equal(alert_list(f->s, &asst, &q, &list, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 11);
	json_decref(list);
	med = count(f, "SELECT id FROM alerts WHERE rule_id = 'medical_cost'", "");
	dis = count(f, "SELECT id FROM alerts WHERE rule_id = 'disaster'", "");
	assert_int_equal(alert_report(f->s, &asst, med, &report_id, &f->e), 0);
	assert_true(report_id > 0);
	assert_int_equal(count(f, "SELECT count(*) FROM reports WHERE id = $1 AND source ="
			       " 'monitoring' AND categories LIKE '%illness%'", "i", report_id), 1);
	assert_int_equal(count(f, "SELECT report_id FROM alerts WHERE id = $1", "i", med),
			 report_id);
	/* done once: a second report or a dismissal is refused */
	assert_int_equal(alert_report(f->s, &asst, med, &report_id, &f->e), ERR_CONFLICT);
	assert_int_equal(alert_dismiss(f->s, &asst, med, "重复", &f->e), ERR_CONFLICT);
	assert_int_equal(alert_dismiss(f->s, &asst, dis, "  ", &f->e), ERR_INVALID);
	assert_int_equal(alert_dismiss(f->s, &asst, dis, "已核实，损失已由保险赔付", &f->e), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE id = $1 AND status ="
			       " 'dismissed'", "i", dis), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action IN"
			       " ('alert.report', 'alert.dismiss')", ""), 2);
	/* an assistant of another village sees nothing of it */
	snprintf(asst.region, sizeof(asst.region), "500231103202");
	assert_int_equal(alert_dismiss(f->s, &asst, dis, "x", &f->e), ERR_NOT_FOUND);
}

static void categories_keep_their_history(void **state)
{
	struct fixture *f = *state;
	int64_t hh = household(f);
	struct member p = person(f, hh, "类别", 1, 0);
	json_t *out = NULL;

	assert_int_equal(monitoring_set(f->s, &f->sys, p.id, "dibao_edge", "2025-01-01",
					"manual", &f->e), 0);
	assert_int_equal(monitoring_set(f->s, &f->sys, p.id, "dibao", "2025-06-01",
					"manual", &f->e), 0);
	/* the same category again changes nothing */
	assert_int_equal(monitoring_set(f->s, &f->sys, p.id, "dibao", "2025-07-01",
					"manual", &f->e), 0);
	assert_int_equal(monitoring_set(f->s, &f->sys, p.id, "rich", NULL, "manual", &f->e),
			 ERR_INVALID);
	assert_int_equal(monitoring_list(f->s, &f->sys, p.id, &out, &f->e), 0);
	json_t *h = json_object_get(out, "history");
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "current"),
							      "category")), "dibao");
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1),
							      "valid_to")), "2025-05-31");
	json_decref(out);
}

/* === two threads === */

/* The file: 60 rows, then a row whose quoted field is longer than all the
 * rest and holds line breaks and lines that look like rows of a monitored
 * person, then 60 rows: the middle falls inside that field. */
static char *tricky_file(const char *ids[3], int big)
{
	size_t cap = 1 << 20, w = 0;
	char *t = malloc(cap);
	w += (size_t)snprintf(t + w, cap - w, "id_number,settle_date,total_fen,"
			      "self_paid_fen,diagnosis_class\n");
	for (int i = 0; i < 60; i++)
		w += (size_t)snprintf(t + w, cap - w, "%s,2026-0%d-1%d,1,%d,\"a,\nb\"\n",
				      ids[i % 3], 1 + i % 6, i % 10, 1000 + i);
	if (big) {
		w += (size_t)snprintf(t + w, cap - w, "%s,2026-02-02,1,7,\"", ids[0]);
		for (int i = 0; i < 400; i++)
			w += (size_t)snprintf(t + w, cap - w, "%s,2026-03-03,1,999999,X\n", ids[1]);
		w += (size_t)snprintf(t + w, cap - w, "\"\"end\"\n");
	}
	for (int i = 0; i < 60; i++)
		w += (size_t)snprintf(t + w, cap - w, "%s,2026-05-0%d,1,%d,plain\n",
				      ids[i % 3], 1 + i % 9, 2000 + i);
	return t;
}

static void scan_with(const char *path, struct ix *x, int threads, struct scan_out *o)
{
	struct mfile m;
	struct scan_spec spec = { 0 };
	const char *data;
	struct err e;

	memset(o, 0, sizeof(*o));
	assert_int_equal(mfile_open(path, &m, &e), 0);
	assert_int_equal(scan_header(&m, "id_number", "settle_date", "self_paid_fen", &spec,
				     &data, &e), 0);
	spec.vtype = SV_INT;
	assert_int_equal(scan_file(&m, data, &spec, x, threads, 0, o, &e), 0);
	mfile_close(&m);
}

static void two_threads_read_what_one_reads(void **state)
{
	struct fixture *f = *state;
	char ids[3][19], path[400];
	const char *idp[3] = { ids[0], ids[1], ids[2] };
	struct ix x;
	struct err e;

	for (int i = 0; i < 3; i++)
		assert_int_equal(idcard_make("500231", 1980, 1, 1, 10 + i, ids[i]), 0);
	assert_int_equal(ix_init(&x, 3, &e), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ix_put(&x, idcard_pack(ids[i]), (uint32_t)i), 0);
	for (int big = 0; big < 2; big++) {
		char *t = tricky_file(idp, big);
		size_t len = strlen(t);
		snprintf(path, sizeof(path), "%s/tricky%d.csv", f->dir, big);
		FILE *fp = fopen(path, "w");
		fwrite(t, 1, len, fp);
		fclose(fp);
		if (big) {
			/* the middle of the data lies inside the big quoted field */
			const char *mid = t + len / 2;
			const char *field = strstr(t, "X\n");
			assert_true(field < mid && strstr(t, "\"\"end") > mid);
		}
		struct scan_out one, two;
		scan_with(path, &x, 1, &one);
		scan_with(path, &x, 2, &two);
		assert_int_equal(one.rows, 120 + big);
		assert_int_equal(two.rows, one.rows);
		assert_int_equal(two.n, one.n);
		assert_int_equal(one.n, 120 + big);
		for (size_t i = 0; i < one.n; i++) {
			assert_int_equal(one.ev[i].person, two.ev[i].person);
			assert_int_equal(one.ev[i].value, two.ev[i].value);
			assert_int_equal(one.ev[i].line, two.ev[i].line);
			assert_int_equal(one.ev[i].row, two.ev[i].row);
			assert_int_equal(one.ev[i].offset, two.ev[i].offset);
			/* the look-alike rows inside the quoted field are never rows */
			assert_true(one.ev[i].value != 999999);
		}
		/* the rows after the big field: 2 lines each before, 401 inside it */
		assert_int_equal(one.ev[one.n - 1].line, 1 + 120 + (big ? 401 : 0) + 60);
		scan_out_free(&one);
		scan_out_free(&two);
		free(t);
	}
	ix_free(&x);
}

static void bench_agrees_with_itself_and_the_rule(void **state)
{
	struct fixture *f = *state;
	char ids[3][19], persons[400], settle[400];
	const char *idp[3] = { ids[0], ids[1], ids[2] };
	char (*out1)[19] = NULL, (*out2)[19] = NULL;
	size_t n1 = 0, n2 = 0;
	struct err e;

	for (int i = 0; i < 3; i++)
		assert_int_equal(idcard_make("500231", 1980, 1, 1, 10 + i, ids[i]), 0);
	snprintf(persons, sizeof(persons), "%s/persons.csv", f->dir);
	snprintf(settle, sizeof(settle), "%s/settle.csv", f->dir);
	FILE *fp = fopen(persons, "w");
	/* ids[2] is not in the persons file */
	fprintf(fp, "id_number,name\n%s,\"甲,乙\"\n%s,丙\n", ids[1], ids[0]);
	fclose(fp);
	char *t = tricky_file(idp, 1);
	fp = fopen(settle, "w");
	fputs(t, fp);
	fclose(fp);
	free(t);
	/* threshold 1 fen: both persons of the file with rows in the window
	 * alert (ids[2] is not a person of the file); 100000 yuan: nobody */
	assert_int_equal(engine_medical_bench(persons, settle, "2026-06-30", 365, 1, 1,
					      &out1, &n1, &e), 0);
	assert_int_equal(n1, 2);
	assert_string_equal(out1[0], strcmp(ids[0], ids[1]) < 0 ? ids[0] : ids[1]);
	free(out1);
	assert_int_equal(engine_medical_bench(persons, settle, "2026-06-30", 365, 10000000,
					      2, &out2, &n2, &e), 0);
	assert_int_equal(n2, 0);
	free(out2);
	/* the sums: the same set from one and two threads at every threshold */
	for (int64_t th = 1; th < 80000; th += 997) {
		assert_int_equal(engine_medical_bench(persons, settle, "2026-06-30", 365, th,
						      1, &out1, &n1, &e), 0);
		assert_int_equal(engine_medical_bench(persons, settle, "2026-06-30", 365, th,
						      2, &out2, &n2, &e), 0);
		assert_int_equal(n1, n2);
		for (size_t i = 0; i < n1; i++)
			assert_string_equal(out1[i], out2[i]);
		free(out1);
		free(out2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(each_rule_raises_its_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(evidence_names_the_source_records, setup, teardown),
		cmocka_unit_test_setup_teardown(recipient_death_holds_payment, setup, teardown),
		cmocka_unit_test_setup_teardown(no_repeat_inside_the_window, setup, teardown),
		cmocka_unit_test_setup_teardown(window_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(alert_becomes_report_or_is_dismissed, setup, teardown),
		cmocka_unit_test_setup_teardown(categories_keep_their_history, setup, teardown),
		cmocka_unit_test_setup_teardown(two_threads_read_what_one_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(bench_agrees_with_itself_and_the_rule, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
