/*
 * demo_cases.c - casework for the demo county.
 *
 * Design: households are drawn from the registry the demo just wrote; each
 * gets one report whose fate is drawn from a fixed mix (waiting, dismissed,
 * merged, accepted and then open, visited, routed or closed), and the rows
 * each step would leave are written directly: report, case, visit,
 * referrals, enrollments and one event per step, dated along the year so the
 * figures have a history.  Writing rows rather than calling the workflow
 * functions keeps a 100,000-person demo fast and lets steps be back-dated;
 * the states and events follow the tables of workflow.c, and
 * tests/unit/test_divisions.c checks every state appears.
 *
 * Field staff: the demo has one assistant (骑龙村); each other township
 * gets an assistant account (asst101, asst102, ...) so its cases have an
 * owner.  They share one hash of a random password nobody is told: an admin
 * sets a password with `civicare user reset-password` to use one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "demo_cases.h"
#include "account.h"
#include "../core/clock.h"
#include "../core/banned.h"

#define MAX_TOWNSHIPS 32

struct program_info {
	const char *code, *department, *procedure;
	int deadline;               /* working days */
	int one_off;
	int64_t min_fen, max_fen;   /* amount range (dibao/tekun computed) */
};

/* Mirrors config/programs.json for the programs the demo uses. */
static const struct program_info programs[] = {
	{ "dibao", "civil_affairs", "dibao", 30, 0, 0, 0 },
	{ "tekun", "civil_affairs", "dibao", 30, 0, 0, 0 },
	{ "temporary", "civil_affairs", "simple", 10, 1, 100000, 500000 },
	{ "medical", "medical_security", "simple", 10, 1, 200000, 2000000 },
	{ "education", "education", "simple", 10, 1, 100000, 300000 },
	{ "disability", "disability_federation", "simple", 15, 0, 8000, 10000 },
	{ "housing", "housing", "simple", 15, 1, 1000000, 3000000 },
	{ "insurance", "civil_affairs", "simple", 15, 1, 500000, 5000000 },
};

struct household_info {
	int64_t id, head;
	char region[13], area[8], head_name[96];
	int members, school_children, disabled, ill, elderly_alone, no_work;
};

struct dc {
	struct store *s;
	struct demo_cases_result *r;
	uint64_t rng;
	int64_t today, year_start;
	int64_t courier, courier2, admin;
	char township[MAX_TOWNSHIPS][10];
	int64_t township_asst[MAX_TOWNSHIPS];
	int n_townships;
	int64_t max_household;
	int dibao_seq, simple_seq, story;  /* for the first, fixed fates */
};

/* === small helpers === */

static uint64_t next(struct dc *c)
{
	/* splitmix64: enough for choosing, deterministic for a seed */
	uint64_t z = (c->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int64_t below(struct dc *c, int64_t n)
{
	return n > 0 ? (int64_t)(next(c) % (uint64_t)n) : 0;
}

static int chance(struct dc *c, int percent)
{
	return below(c, 100) < percent;
}

/* A UTC time on China day `day` at a working hour. */
static void at(struct dc *c, int64_t day, char out[21])
{
	int64_t t = day * 86400 + (9 + below(c, 8)) * 3600 + below(c, 3600) -
		    CLOCK_CHINA_OFFSET;
	clock_format_utc(t, out);
}

/* Working days approximated for back-dated demo data: 5 in every 7. */
static int64_t add_working(int64_t day, int n)
{
	return day + n + 2 * (n / 5) + 1;
}

static int64_t user_id(struct store *s, const char *username, struct err *e)
{
	int64_t id = 0;
	if (store_int64(s, &id, e, "SELECT id FROM users WHERE username = $1", "s",
			username) < 0) {
		err_clear(e);
		return 0;
	}
	return id;
}

/* === field staff === */

static int add_township_assistant(struct dc *c, const char *township,
				  const char *name, const char *village,
				  const char *hash, struct err *e)
{
	char username[32], display[128], now[21];
	int64_t id = 0;

	snprintf(username, sizeof(username), "asst%s", township + 6);
	snprintf(display, sizeof(display), "%s救助协理员", name);
	clock_format_utc(clock_now(), now);
	int rc = store_int64(c->s, &id, e,
		"INSERT INTO users (username, display_name, role, region_code,"
		" password_hash, created_at, updated_at)"
		" VALUES ($1, $2, 'assistant', $3, $4, $5, $5) RETURNING id",
		"sssss", username, display, village, hash, now);
	if (rc < 0)
		return rc;
	c->r->accounts++;
	c->township_asst[c->n_townships - 1] = id;
	return 0;
}

/* One assistant per township: 周嘉镇 has the demo's own; the others get one
 * in their first village or community. */
static int field_staff(struct dc *c, struct err *e)
{
	char password[33], hash[crypto_pwhash_STRBYTES];
	struct store_stmt *st = NULL;
	int rc;

	randombytes_buf(password, 16);
	sodium_bin2hex(password, sizeof(password), (const unsigned char *)password, 16);
	if (account_password_hash(password, hash, sizeof(hash)) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "hash", "密码处理失败", "hashing failed");
	rc = store_query(c->s, &st, e,
		"SELECT t.code, t.name, (SELECT min(v.code) FROM divisions v"
		" WHERE v.parent_code = t.code) FROM divisions t"
		" WHERE t.parent_code = '500231' ORDER BY t.code", "");
	if (rc < 0)
		return rc;
	int64_t own = user_id(c->s, "assistant", e);
	while ((rc = store_step(st, e)) == STORE_ROW && c->n_townships < MAX_TOWNSHIPS) {
		const char *code = store_col_text(st, 0);
		snprintf(c->township[c->n_townships++], 10, "%s", code);
		if (strcmp(code, "500231103") == 0 && own) {
			c->township_asst[c->n_townships - 1] = own;
			continue;
		}
		char name[64], village[13];
		snprintf(name, sizeof(name), "%s", store_col_text(st, 1));
		snprintf(village, sizeof(village), "%s", store_col_text(st, 2));
		if ((rc = add_township_assistant(c, code, name, village, hash, e)) < 0)
			break;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int64_t owner_for(const struct dc *c, const char *region)
{
	for (int i = 0; i < c->n_townships; i++)
		if (strncmp(c->township[i], region, 9) == 0)
			return c->township_asst[i];
	return c->admin;
}

/* === households === */

static int load_household(struct dc *c, int64_t id, struct household_info *h,
			  struct err *e)
{
	struct store_stmt *st = NULL;
	char six[11], eighteen[11], seventy[11];
	int y, m, d, rc;

	clock_civil_from_days(c->today, &y, &m, &d);
	clock_format_date(clock_days_from_civil(y - 6, m, d > 28 ? 28 : d), six);
	clock_format_date(clock_days_from_civil(y - 18, m, d > 28 ? 28 : d), eighteen);
	clock_format_date(clock_days_from_civil(y - 70, m, d > 28 ? 28 : d), seventy);
	rc = store_query(c->s, &st, e,
		"SELECT h.region_code, h.area_kind, h.head_person_id, hp.name,"
		" count(p.id),"
		" sum(p.birth_date <= $2 AND p.birth_date > $3),"
		" sum(p.disability_type IS NOT NULL),"
		" sum(p.health <> 'healthy'),"
		" sum(p.birth_date <= $4),"
		" sum(p.work_capacity = 'full')"
		" FROM households h JOIN persons hp ON hp.id = h.head_person_id"
		" JOIN persons p ON p.household_id = h.id WHERE h.id = $1"
		" GROUP BY h.id", "isss", id, six, eighteen, seventy);
	if (rc < 0)
		return rc;
	memset(h, 0, sizeof(*h));
	if ((rc = store_step(st, e)) == STORE_ROW) {
		h->id = id;
		snprintf(h->region, sizeof(h->region), "%s", store_col_text(st, 0));
		snprintf(h->area, sizeof(h->area), "%s", store_col_text(st, 1));
		h->head = store_col_int64(st, 2);
		snprintf(h->head_name, sizeof(h->head_name), "%s", store_col_text(st, 3));
		h->members = (int)store_col_int64(st, 4);
		h->school_children = (int)store_col_int64(st, 5);
		h->disabled = (int)store_col_int64(st, 6);
		h->ill = (int)store_col_int64(st, 7);
		h->elderly_alone = h->members == 1 && store_col_int64(st, 8) == 1;
		h->no_work = store_col_int64(st, 9) == 0;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Categories from what the registry says, plus the odd misfortune. */
static json_t *categories_for(struct dc *c, const struct household_info *h)
{
	static const char *const misfortune[] = {
		"unemployment", "disaster", "accident", "housing", "other"
	};
	json_t *a = json_array();
	if (h->ill)
		json_array_append_new(a, json_string("illness"));
	if (h->disabled)
		json_array_append_new(a, json_string("disability"));
	if (h->school_children)
		json_array_append_new(a, json_string("schooling"));
	if (h->elderly_alone)
		json_array_append_new(a, json_string("elderly_alone"));
	if (json_array_size(a) == 0 || chance(c, 25))
		json_array_append_new(a, json_string(misfortune[below(c, 5)]));
	return a;
}

static int has(json_t *cats, const char *what)
{
	size_t i;
	json_t *v;
	json_array_foreach(cats, i, v)
		if (strcmp(json_string_value(v), what) == 0)
			return 1;
	return 0;
}

/* === rows === */

struct step {
	const char *entity;
	int64_t id, household, case_id;
	const char *region, *action, *from, *to, *reason, *when;
	int64_t user;
	const char *username;
};

static int event(struct dc *c, const struct step *s, struct err *e)
{
	c->r->events++;
	return store_execv(c->s, e,
		"INSERT INTO events (entity, entity_id, household_id, case_id,"
		" region_code, action, from_state, to_state, user_id, username, at,"
		" reason, detail) VALUES ($1, $2, NULLIF($3, 0), NULLIF($4, 0), $5,"
		" $6, $7, $8, NULLIF($9, 0), $10, $11, $12, '{\"demo\":true}')",
		"siiissssisss", s->entity, s->id, s->household, s->case_id, s->region,
		s->action, s->from, s->to, s->user, s->username, s->when, s->reason);
}

static const char *username_of(struct dc *c, int64_t id)
{
	if (id == c->courier)
		return "courier";
	if (id == c->courier2)
		return "courier2";
	if (id == c->admin || id == 0)
		return "admin";
	return "assistant";
}

static int insert_report(struct dc *c, const struct household_info *h,
			 json_t *cats, int64_t reporter, const char *status,
			 const char *when, int64_t *id, struct err *e)
{
	static const char *const urgency[] = { "normal", "normal", "urgent", "critical" };
	char *text = json_dumps(cats, JSON_COMPACT);
	char description[256];
	double lat = 30.33 + (double)(below(c, 4000) - 2000) / 10000.0;
	double lon = 107.33 + (double)(below(c, 4000) - 2000) / 10000.0;
	int64_t lat_e6 = (int64_t)(lat * 1e6), lon_e6 = (int64_t)(lon * 1e6);

	snprintf(description, sizeof(description), "%s家%d口人，%s（演示数据）",
		 h->head_name, h->members,
		 has(cats, "illness") ? "家中有人患病，医疗支出大" :
		 has(cats, "disability") ? "家中有残疾人，生活困难" :
		 has(cats, "elderly_alone") ? "老人独居，无人照料" : "近期遭遇困难");
	int rc = store_int64(c->s, id, e,
		"INSERT INTO reports (reporter_user_id, source, region_code, person_id,"
		" subject_name, categories, description, urgency, latitude, longitude,"
		" accuracy_m, contact_phone, status, created_at, updated_at)"
		" VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7, $8, $9 / 1000000.0,"
		" $10 / 1000000.0, $11, $12, $13, $14, $14) RETURNING id",
		"ississssiiisss", reporter, reporter ? "staff" : "resident",
		h->region, h->head, h->head_name, text, description,
		urgency[below(c, 4)], lat_e6, lon_e6, (int64_t)(5 + below(c, 45)),
		reporter ? NULL : "13800000000", status, when);
	free(text);
	c->r->reports++;
	return rc;
}

static int insert_case(struct dc *c, const struct household_info *h,
		       int64_t owner, int64_t report, const char *status,
		       const char *when, int64_t *id, struct err *e)
{
	int rc = store_int64(c->s, id, e,
		"INSERT INTO cases (region_code, household_id, person_id, subject_name,"
		" owner_user_id, status, report_id, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
		"siisisis", h->region, h->id, h->head, h->head_name, owner, status,
		report, when);
	if (rc == 0) {
		c->r->cases++;
		rc = store_execv(c->s, e, "UPDATE reports SET case_id = $1,"
				 " owner_user_id = $2 WHERE id = $3", "iii", *id, owner, report);
	}
	return rc;
}

/* Monthly income the visit finds: lower where illness or no work. */
static int64_t declared_income(struct dc *c, const struct household_info *h)
{
	int64_t per = strcmp(h->area, "urban") == 0 ? 90000 : 60000;
	if (h->ill || h->no_work)
		per /= 2;
	return (per / 2 + below(c, per)) * (h->members > 2 ? 2 : 1) / 100 * 100;
}

static int insert_visit(struct dc *c, const struct household_info *h,
			int64_t case_id, int64_t owner, json_t *cats,
			int64_t income, const char *day, const char *when,
			struct err *e)
{
	json_t *facts = json_pack("{s:i, s:I, s:i, s:b, s:b, s:i}",
		"household_size", h->members, "monthly_income_fen", (json_int_t)income,
		"school_children", h->school_children, "work_capacity_none", h->no_work,
		"no_supporter", h->no_work && h->members == 1, "disabled_members", h->disabled);
	if (h->ill)
		json_object_set_new(facts, "medical_expense_fen",
				    json_integer(500000 + below(c, 5000000)));
	json_t *findings = json_object();
	size_t i;
	json_t *v;
	json_array_foreach(cats, i, v)
		json_object_set_new(findings, json_string_value(v),
				    json_string("入户核实属实（演示数据）"));
	char *f = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
	char *k = json_dumps(findings, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(findings);
	int rc = store_execv(c->s, e,
		"INSERT INTO visits (case_id, household_id, region_code, visit_date,"
		" investigators, members_present, findings, facts, declared_income_fen,"
		" rigid_expenses, authorization_signed, recorded_by, created_at)"
		" VALUES ($1, $2, $3, $4, '[\"协理员\",\"村干部\"]', '[]', $5, $6, $7,"
		" '{}', 1, $8, $9)",
		"iissssiis", case_id, h->id, h->region, day, k, f, income, owner, when);
	free(f);
	free(k);
	json_decref(facts);
	c->r->visits++;
	return rc;
}

/* Programs a visit leads to: the routing rules' gist, for demo data. */
static int programs_for(const struct household_info *h, json_t *cats,
			int64_t income, const struct program_info **out)
{
	int n = 0;
	int64_t standard = strcmp(h->area, "urban") == 0 ? 63600 : 51500;
	if (h->no_work && h->members == 1)
		out[n++] = &programs[1];                /* tekun */
	else if (income / (h->members ? h->members : 1) < standard)
		out[n++] = &programs[0];                /* dibao */
	if (has(cats, "illness")) {
		out[n++] = &programs[3];                /* medical */
		out[n++] = &programs[2];                /* temporary */
	}
	if (has(cats, "schooling"))
		out[n++] = &programs[4];
	if (has(cats, "disability"))
		out[n++] = &programs[5];
	if (has(cats, "housing"))
		out[n++] = &programs[6];
	if (n == 0)
		out[n++] = &programs[2];
	return n;
}

static int64_t amount_for(struct dc *c, const struct program_info *p,
			  const struct household_info *h, int64_t income)
{
	int64_t standard = strcmp(h->area, "urban") == 0 ? 63600 : 51500;
	int64_t members = h->members ? h->members : 1;
	if (strcmp(p->code, "dibao") == 0) {
		int64_t gap = standard * members - income;
		return gap > 5000 * members ? gap / 100 * 100 : 5000 * members;
	}
	if (strcmp(p->code, "tekun") == 0)
		return standard * 13 / 10 / 100 * 100;
	return (p->min_fen + below(c, p->max_fen - p->min_fen)) / 100 * 100;
}

static int insert_enrollment(struct dc *c, const struct household_info *h,
			     const struct program_info *p, int64_t referral,
			     int64_t amount, int64_t day, const char *when,
			     struct err *e)
{
	static const char *const fate[] = { "active", "active", "active", "active",
					    "active", "active", "active", "active",
					    "suspended", "exited" };
	const char *status = fate[below(c, 10)];
	char month[24], review[11];
	int y, m, d;
	int64_t id = 0;

	clock_civil_from_days(day, &y, &m, &d);
	snprintf(month, sizeof(month), "%04d-%02d", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
	clock_format_date(day + (p->one_off ? 0 : 365), review);
	int rc = store_int64(c->s, &id, e,
		"INSERT INTO enrollments (household_id, person_id, region_code, program,"
		" referral_id, amount_fen, start_month, end_month, next_review, status,"
		" created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
		" CASE WHEN $8 = 1 THEN $7 END, $9, $10, $11, $11) RETURNING id",
		"iissiisisss", h->id, h->head, h->region, p->code, referral, amount,
		month, (int64_t)p->one_off, review, status, when);
	if (rc < 0)
		return rc;
	c->r->enrollments++;
	struct step s = { "enrollment", id, h->id, 0, h->region, "create", NULL,
			  "active", NULL, when, 0, "reviewer" };
	if ((rc = event(c, &s, e)) < 0 || strcmp(status, "active") == 0)
		return rc;
	char later[21];
	at(c, day + 30 + below(c, 60) < c->today ? day + 30 : day, later);
	s = (struct step){ "enrollment", id, h->id, 0, h->region,
			   strcmp(status, "suspended") == 0 ? "suspend" : "exit",
			   "active", status, "复核后调整（演示数据）", later, 0, "reviewer" };
	return event(c, &s, e);
}

/* The referral's fate: decided when the case is closed, anything when routed. */
static const char *referral_fate(struct dc *c, const struct program_info *p,
				 int closed)
{
	static const char *const simple_open[] = { "pending", "pending", "returned",
						   "approved", "approved", "rejected" };
	static const char *const dibao_open[] = { "pending", "surveyed", "opinion",
						  "public_notice", "returned", "approved",
						  "rejected" };
	if (closed)
		return chance(c, 85) ? "approved" : "rejected";
	/* The first ones go through every state in turn, so even a small demo
	 * shows each; then chance. */
	if (strcmp(p->procedure, "dibao") == 0)
		return dibao_open[c->dibao_seq < 7 ? c->dibao_seq++ : below(c, 7)];
	if (c->simple_seq < 6)
		return simple_open[c->simple_seq++];
	return simple_open[below(c, 6)];
}

/* The actions that lead from pending to `status`, in order. */
static const char *const *path_to(const char *status, const char *procedure)
{
	static const char *const none[] = { NULL };
	static const char *const simple_approve[] = { "approve", NULL };
	static const char *const simple_reject[] = { "reject", NULL };
	static const char *const ret[] = { "return", NULL };
	static const char *const d_surveyed[] = { "survey", NULL };
	static const char *const d_opinion[] = { "survey", "opinion", NULL };
	static const char *const d_notice[] = { "survey", "opinion", "publish_notice", NULL };
	static const char *const d_approve[] = { "survey", "opinion", "publish_notice", "approve", NULL };
	static const char *const d_reject[] = { "survey", "reject", NULL };
	int dibao = strcmp(procedure, "dibao") == 0;
	if (strcmp(status, "approved") == 0)
		return dibao ? d_approve : simple_approve;
	if (strcmp(status, "rejected") == 0)
		return dibao ? d_reject : simple_reject;
	if (strcmp(status, "returned") == 0)
		return ret;
	if (strcmp(status, "surveyed") == 0)
		return d_surveyed;
	if (strcmp(status, "opinion") == 0)
		return d_opinion;
	if (strcmp(status, "public_notice") == 0)
		return d_notice;
	return none;
}

static const char *state_after(const char *action)
{
	static const struct { const char *action, *state; } map[] = {
		{ "approve", "approved" }, { "reject", "rejected" }, { "return", "returned" },
		{ "survey", "surveyed" }, { "opinion", "opinion" },
		{ "publish_notice", "public_notice" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].action, action) == 0)
			return map[i].state;
	return "pending";
}

static int insert_referral(struct dc *c, const struct household_info *h,
			   int64_t case_id, const struct program_info *p,
			   int closed, int64_t day, int64_t income, struct err *e)
{
	const char *status = referral_fate(c, p, closed);
	const char *const *path = path_to(status, p->procedure);
	char when[21], due[11], notice[11] = "";
	int64_t id = 0, step_day = day;
	int rc;

	at(c, day, when);
	clock_format_date(add_working(day, p->deadline), due);
	rc = store_int64(c->s, &id, e,
		"INSERT INTO referrals (case_id, household_id, region_code, program,"
		" department, procedure, status, rules, due_date, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, 'pending',"
		" '[{\"id\":\"demo\",\"reason\":\"演示数据\"}]', $7, $8, $8) RETURNING id",
		"iissssss", case_id, h->id, h->region, p->code, p->department,
		p->procedure, due, when);
	if (rc < 0)
		return rc;
	c->r->referrals++;
	struct step s = { "referral", id, h->id, case_id, h->region, "create", NULL,
			  "pending", NULL, when, 0, "assistant" };
	if ((rc = event(c, &s, e)) < 0)
		return rc;
	const char *from = "pending";
	for (int i = 0; path[i]; i++) {
		step_day += 1 + below(c, 3);
		if (strcmp(from, "public_notice") == 0)
			step_day += 7; /* the notice runs 7 days first */
		if (step_day >= c->today)
			step_day = c->today - 1;
		if (strcmp(path[i], "publish_notice") == 0)
			clock_format_date(step_day + 7, notice);
		at(c, step_day, when);
		const char *to = state_after(path[i]);
		int needs_reason = strcmp(path[i], "reject") == 0 || strcmp(path[i], "return") == 0;
		s = (struct step){ "referral", id, h->id, case_id, h->region, path[i], from,
				   to, needs_reason ? "材料不全或不符合条件（演示数据）" : NULL,
				   when, 0, "reviewer" };
		if ((rc = event(c, &s, e)) < 0)
			return rc;
		from = to;
	}
	int64_t amount = amount_for(c, p, h, income);
	int approved = strcmp(status, "approved") == 0;
	rc = store_execv(c->s, e,
		"UPDATE referrals SET status = $1, notice_until = NULLIF($2, ''),"
		" amount_fen = CASE WHEN $3 = 1 THEN $4 END,"
		" decided_at = CASE WHEN $1 IN ('approved', 'rejected') THEN $5 END,"
		" reason = CASE WHEN $1 IN ('rejected', 'returned') THEN '材料不全或不符合条件（演示数据）' END,"
		" updated_at = $5 WHERE id = $6",
		"ssiisi", status, notice, (int64_t)approved, amount, when, id);
	if (rc < 0 || !approved)
		return rc;
	return insert_enrollment(c, h, p, id, amount, step_day, when, e);
}

/* === one household's story === */

enum fate { F_SUBMITTED, F_UNVERIFIED, F_DISMISSED, F_MERGED, F_OPEN, F_VISITED,
	    F_ROUTED, F_CLOSED };

static enum fate draw_fate(struct dc *c, int64_t age_days)
{
	int64_t x = below(c, 100);
	/* Recent reports are more often still waiting. */
	if (age_days < 20 && x < 40)
		return x < 28 ? F_SUBMITTED : F_UNVERIFIED;
	if (x < 5) return F_SUBMITTED;
	if (x < 8) return F_UNVERIFIED;
	if (x < 14) return F_DISMISSED;
	if (x < 17) return F_MERGED;
	if (x < 27) return F_OPEN;
	if (x < 37) return F_VISITED;
	if (x < 67) return F_ROUTED;
	return F_CLOSED;
}

static int64_t reporter_for(struct dc *c, const struct household_info *h,
			    enum fate f)
{
	if (f == F_UNVERIFIED)
		return 0; /* a resident's self-report */
	if (strcmp(h->region, "500231103201") == 0)
		return c->courier;
	if (strcmp(h->region, "500231103202") == 0)
		return c->courier2;
	return owner_for(c, h->region);
}

static const char *report_status(enum fate f)
{
	switch (f) {
	case F_SUBMITTED: return "submitted";
	case F_UNVERIFIED: return "unverified";
	case F_DISMISSED: return "dismissed";
	case F_MERGED: return "merged";
	default: return "accepted";
	}
}

static const char *case_status(enum fate f)
{
	return f == F_OPEN ? "open" : f == F_VISITED ? "visited" :
	       f == F_ROUTED ? "routed" : "closed";
}

static int casework(struct dc *c, const struct household_info *h, json_t *cats,
		    int64_t report, int64_t day, enum fate f, int64_t *last_case,
		    struct err *e)
{
	int64_t owner = owner_for(c, h->region), case_id = 0;
	char when[21], vday[11];
	int rc;

	at(c, day, when);
	if ((rc = insert_case(c, h, owner, report, case_status(f), when, &case_id, e)) < 0)
		return rc;
	*last_case = case_id;
	struct step s = { "report", report, h->id, case_id, h->region, "accept",
			  "submitted", "accepted", NULL, when, owner, username_of(c, owner) };
	if ((rc = event(c, &s, e)) < 0)
		return rc;
	s = (struct step){ "case", case_id, h->id, case_id, h->region, "create", NULL,
			   "open", NULL, when, owner, username_of(c, owner) };
	if ((rc = event(c, &s, e)) < 0 || f == F_OPEN)
		return rc;
	day = day + 1 + below(c, 3) < c->today ? day + 1 + below(c, 3) : day;
	at(c, day, when);
	clock_format_date(day, vday);
	int64_t income = declared_income(c, h);
	s = (struct step){ "case", case_id, h->id, case_id, h->region, "record_visit",
			   "open", "visited", NULL, when, owner, username_of(c, owner) };
	if ((rc = insert_visit(c, h, case_id, owner, cats, income, vday, when, e)) < 0 ||
	    (rc = event(c, &s, e)) < 0 || f == F_VISITED)
		return rc;
	s = (struct step){ "case", case_id, h->id, case_id, h->region, "route",
			   "visited", "routed", NULL, when, owner, username_of(c, owner) };
	if ((rc = event(c, &s, e)) < 0)
		return rc;
	const struct program_info *list[8];
	int n = programs_for(h, cats, income, list);
	for (int i = 0; i < n; i++)
		if ((rc = insert_referral(c, h, case_id, list[i], f == F_CLOSED, day, income, e)) < 0)
			return rc;
	if (f != F_CLOSED)
		return 0;
	at(c, day + 14 < c->today ? day + 14 : c->today, when);
	s = (struct step){ "case", case_id, h->id, case_id, h->region, "close",
			   "routed", "closed", "各项救助已办结（演示数据）", when, owner,
			   username_of(c, owner) };
	return event(c, &s, e);
}

struct open_case {
	int64_t id;
	const char *status;
	struct household_info h;
};

static int merged_report(struct dc *c, const struct open_case *oc, json_t *cats,
			 int64_t day, struct err *e)
{
	char when[21], dup[96];
	int64_t id;
	int rc;

	at(c, day, when);
	if ((rc = insert_report(c, &oc->h, cats, reporter_for(c, &oc->h, F_MERGED),
				"merged", when, &id, e)) < 0)
		return rc;
	snprintf(dup, sizeof(dup), "{\"kind\":\"case\",\"id\":%" PRId64
		 ",\"status\":\"%s\"}", oc->id, oc->status);
	struct step s = { "report", id, oc->h.id, oc->id, oc->h.region, "create", NULL,
			  "merged", NULL, when, 0, "courier" };
	if ((rc = store_execv(c->s, e, "UPDATE reports SET duplicate_of = $1,"
			      " case_id = $2 WHERE id = $3", "sii", dup, oc->id, id)) < 0)
		return rc;
	return event(c, &s, e);
}

static int one_story(struct dc *c, struct open_case *oc, struct err *e)
{
	struct household_info h;
	int64_t span = c->today - c->year_start, day, report, case_id = 0;
	char when[21];
	int rc;

	if ((rc = load_household(c, 1 + below(c, c->max_household), &h, e)) < 0)
		return rc;
	if (!h.id)
		return 0;
	day = c->year_start + below(c, span > 1 ? span - 1 : 1);
	/* The first stories take each fate once (an open case first, so a
	 * later report can merge into it); then chance decides. */
	static const enum fate first[] = { F_OPEN, F_SUBMITTED, F_UNVERIFIED, F_DISMISSED,
					   F_MERGED, F_VISITED, F_ROUTED, F_ROUTED,
					   F_ROUTED, F_CLOSED };
	enum fate f = c->story < (int)(sizeof(first) / sizeof(first[0]))
		      ? first[c->story] : draw_fate(c, c->today - day);
	c->story++;
	json_t *cats = categories_for(c, &h);
	if (f == F_MERGED && oc->id) {
		rc = merged_report(c, oc, cats, day > c->today - 2 ? day : c->today - 1, e);
		json_decref(cats);
		return rc;
	}
	if (f == F_MERGED)
		f = F_SUBMITTED;
	at(c, day, when);
	int64_t reporter = reporter_for(c, &h, f);
	if ((rc = insert_report(c, &h, cats, reporter, report_status(f), when, &report, e)) < 0)
		goto done;
	struct step s = { "report", report, h.id, 0, h.region, "create", NULL,
			  f == F_UNVERIFIED ? "unverified" : "submitted", NULL, when,
			  reporter, reporter ? username_of(c, reporter) : "resident" };
	if ((rc = event(c, &s, e)) < 0)
		goto done;
	if (f == F_DISMISSED) {
		at(c, day + 1 < c->today ? day + 1 : day, when);
		s = (struct step){ "report", report, h.id, 0, h.region, "dismiss",
				   "submitted", "dismissed", "核实后不属于困难群众（演示数据）",
				   when, owner_for(c, h.region), "assistant" };
		rc = store_execv(c->s, e, "UPDATE reports SET dismiss_reason = $1"
				 " WHERE id = $2", "si", s.reason, report);
		if (rc == 0)
			rc = event(c, &s, e);
	} else if (f >= F_OPEN) {
		rc = casework(c, &h, cats, report, day + (day + 1 < c->today), f, &case_id, e);
		if (rc == 0 && f != F_CLOSED) {
			oc->id = case_id;
			oc->status = case_status(f);
			oc->h = h;
		}
	}
done:
	json_decref(cats);
	return rc;
}

int demo_cases_generate(struct store *s, uint64_t seed, int64_t n_reports,
			struct demo_cases_result *r, struct err *e)
{
	struct dc c = { .s = s, .r = r, .rng = seed ^ 0x6361736573ULL };
	struct open_case oc = { 0 };
	int rc;

	memset(r, 0, sizeof(*r));
	c.today = clock_today_china();
	c.year_start = c.today - 330;
	c.courier = user_id(s, "courier", e);
	c.courier2 = user_id(s, "courier2", e);
	c.admin = user_id(s, "admin", e);
	if ((rc = store_int64(s, &c.max_household, e, "SELECT COALESCE(max(id), 0)"
			      " FROM households", "")) < 0 ||
	    (rc = field_staff(&c, e)) < 0)
		return rc;
	for (int64_t i = 0; i < n_reports && c.max_household > 0; i++)
		if ((rc = one_story(&c, &oc, e)) < 0)
			return rc;
	return 0;
}
