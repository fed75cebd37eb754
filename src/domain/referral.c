/*
 * referral.c - routing a case to departments, deciding referrals,
 * enrollments, escalations.
 *
 * Design: every write follows the one pattern of the project: load the
 * record, workflow_check (state, role, owner, department, region), then one
 * transaction with the domain rows, workflow_apply (state + event + audit)
 * and the outbox message, so a decision and its notification commit
 * together.  Guards that need data live here, not in the tables: a dibao
 * approval waits for the end of the public notice, routing needs a visit.
 * Dates are China dates ("YYYY-MM-DD"), due dates count working days of
 * config/calendar.tsv.  SQL filters are static with "($n IS NULL OR …)" so
 * every query is written once and every value is bound.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "referral.h"
#include "audit.h"
#include "casework.h"
#include "outbox.h"
#include "registry.h"
#include "routing.h"
#include "visit.h"
#include "workflow.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "render.h"
#include "../core/banned.h"

#define MONEY_MAX ((int64_t)1000000000000)
#define NOTICE_DAYS 7          /* S2: 7-day public notice in the village */
#define VISIT_WORKING_DAYS 3   /* S2: the survey starts within 3 working days */
#define UNDECIDED "('pending','surveyed','opinion','public_notice')"

static void today_text(char out[11])
{
	clock_format_date(clock_today_china(), out);
}

static json_t *parsed(const char *text, json_t *fallback)
{
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		return fallback;
	json_decref(fallback);
	return j;
}

static const char *program_name(const struct program_config *c, const char *code)
{
	const struct program *p = c ? program_find(c, code) : NULL;
	return p ? p->name_zh : code;
}

/* === referral rows === */

struct ref_row {
	int64_t id, case_id, household_id, owner_user_id, person_id;
	char region[13], program[24], department[32], procedure[16], status[16];
	char due_date[11], notice_until[11];
};

static int load_ref(struct store *s, int64_t id, struct ref_row *r, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_query(s, &st, e,
		"SELECT r.id, r.case_id, COALESCE(r.household_id, 0), r.region_code,"
		" r.program, r.department, r.procedure, r.status, r.due_date,"
		" COALESCE(r.notice_until, ''), COALESCE(c.owner_user_id, 0),"
		" COALESCE(c.person_id, 0)"
		" FROM referrals r JOIN cases c ON c.id = r.case_id WHERE r.id = $1",
		"i", id)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		r->id = store_col_int64(st, 0);
		r->case_id = store_col_int64(st, 1);
		r->household_id = store_col_int64(st, 2);
		snprintf(r->region, sizeof(r->region), "%s", store_col_text(st, 3));
		snprintf(r->program, sizeof(r->program), "%s", store_col_text(st, 4));
		snprintf(r->department, sizeof(r->department), "%s", store_col_text(st, 5));
		snprintf(r->procedure, sizeof(r->procedure), "%s", store_col_text(st, 6));
		snprintf(r->status, sizeof(r->status), "%s", store_col_text(st, 7));
		snprintf(r->due_date, sizeof(r->due_date), "%s", store_col_text(st, 8));
		snprintf(r->notice_until, sizeof(r->notice_until), "%s", store_col_text(st, 9));
		r->owner_user_id = store_col_int64(st, 10);
		r->person_id = store_col_int64(st, 11);
		rc = 0;
	} else if (rc == STORE_DONE)
		rc = err_set(e, ERR_NOT_FOUND, NULL, "not_found", "转介不存在", "no such referral");
	store_finalize(st);
	return rc;
}

static void ref_wf_record(const struct ref_row *r, struct wf_record *w)
{
	memset(w, 0, sizeof(*w));
	w->id = r->id;
	w->state = r->status;
	w->owner_user_id = r->owner_user_id;
	w->department = r->department;
	w->procedure = r->procedure;
	w->region_code = r->region;
	w->household_id = r->household_id;
	w->case_id = r->case_id;
}

#define REF_COLUMNS \
	"r.id, r.case_id, r.household_id, r.region_code," \
	" COALESCE(t.name, '') || COALESCE(v.name, ''), r.program, r.department," \
	" r.procedure, r.status, r.rules, r.due_date, r.notice_until, r.amount_fen," \
	" r.start_month, r.next_review, r.reason, r.notice_text, r.decided_by," \
	" r.decided_at, r.created_at, r.updated_at," \
	" (r.status IN " UNDECIDED " AND r.due_date < $1)"
#define REF_FROM \
	" FROM referrals r LEFT JOIN divisions v ON v.code = r.region_code" \
	" LEFT JOIN divisions t ON t.code = v.parent_code"

static json_t *ref_json(struct store_stmt *st, const struct program_config *c)
{
	return json_pack("{s:I, s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o,"
			 " s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"case_id", (json_int_t)store_col_int64(st, 1),
		"household_id", render_int_or_null(st, 2),
		"region_code", store_col_text(st, 3),
		"region_name", store_col_text(st, 4),
		"program", store_col_text(st, 5),
		"program_name", program_name(c, store_col_text(st, 5)),
		"department", store_col_text(st, 6),
		"procedure", store_col_text(st, 7),
		"status", store_col_text(st, 8),
		"rules", parsed(store_col_text(st, 9), json_array()),
		"due_date", store_col_text(st, 10),
		"overdue", (int)store_col_int64(st, 21),
		"notice_until", render_text_or_null(st, 11),
		"amount_fen", render_int_or_null(st, 12),
		"start_month", render_text_or_null(st, 13),
		"next_review", render_text_or_null(st, 14),
		"reason", render_text_or_null(st, 15),
		"notice_text", render_text_or_null(st, 16),
		"decided_by", render_int_or_null(st, 17),
		"decided_at", render_text_or_null(st, 18),
		"created_at", store_col_text(st, 19),
		"updated_at", store_col_text(st, 20));
}

/* Run a referral query whose $1 is today; one JSON object per row. */
static int ref_collect(struct store_stmt *st, const struct program_config *c,
		       json_t *items, struct err *e)
{
	int rc;
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, ref_json(st, c));
	store_finalize(st);
	return rc;
}

static int render_ref(struct store *s, const struct program_config *c, int64_t id,
		      json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	char today[11];
	json_t *items = json_array();
	int rc;

	*out = NULL;
	today_text(today);
	if ((rc = store_query(s, &st, e, "SELECT " REF_COLUMNS REF_FROM " WHERE r.id = $2",
			      "si", today, id)) < 0 ||
	    (rc = ref_collect(st, c, items, e)) < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return *out ? 0 : err_set(e, ERR_NOT_FOUND, NULL, "not_found", "转介不存在",
				  "no such referral");
}

int referral_list_for_case(struct store *s, const struct program_config *c,
			   int64_t case_id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	char today[11];
	int rc;

	*out = json_array();
	today_text(today);
	if ((rc = store_query(s, &st, e, "SELECT " REF_COLUMNS REF_FROM
			      " WHERE r.case_id = $2 ORDER BY r.id", "si", today, case_id)) < 0 ||
	    (rc = ref_collect(st, c, *out, e)) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

/* === route: the case owner confirms programs === */

static int parse_programs(const struct program_config *c, json_t *body,
			  json_t **programs, struct err *e)
{
	static const char *const known[] = { "programs", NULL };
	json_t *list, *v;
	size_t i;
	int rc;

	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, NULL, "body", "请求体应为 JSON 对象",
			       "the body must be a JSON object");
	if ((rc = jsonx_only(body, known, e)) < 0)
		return rc;
	list = json_object_get(body, "programs");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return err_set(e, ERR_INVALID, "programs", "required",
			       "须选择至少一个救助项目", "programs must list at least one program");
	json_array_foreach(list, i, v)
		if (!json_is_string(v) || !program_find(c, json_string_value(v)))
			return err_setf(e, ERR_INVALID, "programs", "unknown_program",
					"未知的救助项目：%s", "unknown program %s",
					json_is_string(v) ? json_string_value(v) : "?");
	*programs = list;
	return 0;
}

/* The rules that fired for `program` in the proposal, or the manual one. */
static json_t *rules_for(json_t *proposal, const char *program)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(proposal, "proposals"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "program")), program) == 0)
			return json_incref(json_object_get(p, "rules"));
	return json_pack("[{s:s, s:s, s:s}]", "id", "manual", "reason", "协理员确认添加",
			 "reason_en", "added by the assistant");
}

static int notify_department(struct store *s, const struct program *p,
			     const char *region, int64_t ref_id, int64_t case_id,
			     const char *due, struct err *e)
{
	char title[160], body[256], link[48];
	json_t *to = json_pack("{s:s, s:s}", "role", "reviewer", "department", p->department);
	json_t *payload = json_pack("{s:I, s:I, s:s, s:s, s:s}", "referral_id", (json_int_t)ref_id,
				    "case_id", (json_int_t)case_id, "program", p->code,
				    "region_code", region, "due_date", due);
	snprintf(title, sizeof(title), "新转介：%s", p->name_zh);
	snprintf(body, sizeof(body), "转介 #%" PRId64 "（%s）待审核，应于 %s 前办结。",
		 ref_id, p->name_zh, due);
	snprintf(link, sizeof(link), "/referrals/%" PRId64, ref_id);
	int rc = outbox_add(s, "referral.created", region, to, title, body, link, payload, NULL, e);
	json_decref(to);
	json_decref(payload);
	return rc;
}

static int create_referral(struct store *s, const struct actor *a,
			   const struct program_config *c, const struct wf_record *cr,
			   const struct program *p, json_t *rules, int64_t *id,
			   struct err *e)
{
	char now[21], due[11];
	char *rtext = json_dumps(rules, JSON_COMPACT);
	int rc;

	clock_format_utc(clock_now(), now);
	clock_format_date(calendar_add_working_days(c, clock_today_china(),
						    p->deadline_working_days), due);
	rc = store_int64(s, id, e,
		"INSERT INTO referrals (case_id, household_id, region_code, program,"
		" department, procedure, status, rules, due_date, created_at, updated_at)"
		" VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, 'pending', $7, $8, $9, $9)"
		" RETURNING id",
		"iisssssss", cr->id, cr->household_id, cr->region_code, p->code,
		p->department, p->procedure, rtext ? rtext : "[]", due, now);
	free(rtext);
	if (rc < 0)
		return rc;
	struct wf_record rr = {
		.id = *id, .state = NULL, .department = p->department,
		.procedure = p->procedure, .region_code = cr->region_code,
		.household_id = cr->household_id, .case_id = cr->id,
	};
	json_t *d = json_pack("{s:s, s:s, s:s, s:O}", "program", p->code,
			      "department", p->department, "due_date", due, "rules", rules);
	if ((rc = workflow_event(s, "referral", &rr, a, "create", "pending", NULL, d, e)) == 0 &&
	    (rc = audit_append(s, a, "referral.create", "referral", *id, cr->region_code, d, e)) == 0)
		rc = notify_department(s, p, cr->region_code, *id, cr->id, due, e);
	json_decref(d);
	return rc;
}

static int already_referred(struct store *s, int64_t case_id, const char *program,
			    int *yes, struct err *e)
{
	int64_t n = 0;
	int rc = store_int64(s, &n, e, "SELECT count(*) FROM referrals WHERE case_id = $1"
			     " AND program = $2", "is", case_id, program);
	*yes = n > 0;
	return rc;
}

/* Inside the transaction: one referral per program not yet referred. */
static int create_all(struct store *s, const struct actor *a,
		      const struct program_config *c, const struct wf_record *cr,
		      json_t *programs, json_t *proposal, json_t *created,
		      json_t *skipped, struct err *e)
{
	size_t i;
	json_t *v;
	int rc = 0;

	json_array_foreach(programs, i, v) {
		const struct program *p = program_find(c, json_string_value(v));
		int64_t id = 0;
		int dup = 0;
		if ((rc = already_referred(s, cr->id, p->code, &dup, e)) < 0)
			return rc;
		if (dup) {
			json_array_append_new(skipped, json_string(p->code));
			continue;
		}
		json_t *rules = rules_for(proposal, p->code);
		rc = create_referral(s, a, c, cr, p, rules, &id, e);
		json_decref(rules);
		if (rc < 0)
			return rc;
		json_array_append_new(created, json_integer(id));
	}
	return 0;
}

static int render_created(struct store *s, const struct program_config *c,
			  int64_t case_id, json_t *ids, json_t *skipped,
			  json_t **out, struct err *e)
{
	json_t *cs = NULL, *refs = json_array(), *one;
	size_t i;
	json_t *v;
	int rc;

	if ((rc = case_render(s, case_id, &cs, e)) < 0)
		goto fail;
	json_array_foreach(ids, i, v) {
		if ((rc = render_ref(s, c, json_integer_value(v), &one, e)) < 0)
			goto fail;
		json_array_append_new(refs, one);
	}
	*out = json_pack("{s:o, s:o, s:O}", "case", cs, "referrals", refs, "skipped", skipped);
	return 0;
fail:
	json_decref(cs);
	json_decref(refs);
	return rc;
}

int referral_route(struct store *s, const struct actor *a,
		   const struct program_config *c, int64_t case_id,
		   json_t *body, json_t **out, struct err *e)
{
	const struct wf_transition *row = NULL;
	json_t *programs = NULL, *proposal = NULL, *detail = NULL;
	json_t *created = json_array(), *skipped = json_array();
	struct case_row cs;
	struct wf_record r;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_CASE_WORK, e)) < 0 ||
	    (rc = casework_load(s, case_id, &cs, e)) < 0)
		goto cleanup;
	casework_wf_record(&cs, &r);
	if ((rc = workflow_check(&wf_case, &r, a, "route", NULL, &row, e)) < 0 ||
	    (rc = parse_programs(c, body, &programs, e)) < 0 ||
	    (rc = routing_for_case(s, c, case_id, &proposal, e)) < 0 ||
	    (rc = store_begin(s, e)) < 0)
		goto cleanup;
	if ((rc = create_all(s, a, c, &r, programs, proposal, created, skipped, e)) == 0) {
		detail = json_pack("{s:O, s:O}", "referrals", created, "skipped", skipped);
		rc = workflow_apply(s, &wf_case, &r, a, row, NULL, detail, e);
	}
	if (rc < 0 || (rc = store_commit(s, e)) < 0) {
		store_rollback(s);
		goto cleanup;
	}
	rc = render_created(s, c, case_id, created, skipped, out, e);
cleanup:
	json_decref(proposal);
	json_decref(detail);
	json_decref(created);
	json_decref(skipped);
	return rc;
}

/* === listing and reading === */

#define REF_WHERE \
	" WHERE substr(r.region_code, 1, length($2)) = $2" \
	"   AND ($3 IS NULL OR r.department = $3)" \
	"   AND ($4 IS NULL OR r.status = $4)" \
	"   AND ($5 = 0 OR (r.status IN " UNDECIDED " AND r.due_date < $1))" \
	"   AND ($6 IS NULL OR r.program = $6)" \
	"   AND ($7 = 0 OR r.case_id = $7)"

static const char *nonempty(const char *v)
{
	return v && *v ? v : NULL;
}

int referral_list(struct store *s, const struct actor *a,
		  const struct program_config *c, const struct referral_query *q,
		  json_t **out, struct err *e)
{
	const char *region = perm_region_narrow(a, q->region);
	const char *dept = nonempty(q->department);
	const char *status = nonempty(q->status), *program = nonempty(q->program);
	struct store_stmt *st = NULL;
	json_t *items;
	char today[11];
	int64_t total = 0;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_REFERRAL_READ, e)) < 0)
		return rc;
	if (!dept && a->role == ROLE_REVIEWER && a->department[0])
		dept = a->department;
	if (dept && strcmp(dept, "all") == 0)
		dept = NULL;
	today_text(today);
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM referrals r" REF_WHERE,
			      "ssssisi", today, region, dept, status, (int64_t)q->overdue,
			      program, q->case_id)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " REF_COLUMNS REF_FROM REF_WHERE
			      " ORDER BY r.due_date, r.id LIMIT $8 OFFSET $9",
			      "ssssisiii", today, region, dept, status, (int64_t)q->overdue,
			      program, q->case_id, q->per_page, (q->page - 1) * q->per_page)) < 0)
		return rc;
	items = json_array();
	if ((rc = ref_collect(st, c, items, e)) < 0) {
		json_decref(items);
		return rc;
	}
	*out = render_page(items, total, q->page, q->per_page);
	return 0;
}

static json_t *household_or_null(struct store *s, const struct actor *a, int64_t id)
{
	json_t *h = NULL;
	struct err ignored;
	if (id <= 0 || registry_household_get(s, a, id, &h, &ignored) < 0)
		return json_null();
	return h;
}

int referral_get(struct store *s, const struct actor *a,
		 const struct program_config *c, int64_t id, json_t **out,
		 struct err *e)
{
	struct ref_row r;
	struct wf_record w;
	json_t *o = NULL, *cs = NULL, *visit = NULL;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_REFERRAL_READ, e)) < 0 ||
	    (rc = load_ref(s, id, &r, e)) < 0 ||
	    (rc = perm_require_region(a, r.region, e)) < 0 ||
	    (rc = render_ref(s, c, id, &o, e)) < 0)
		return rc;
	ref_wf_record(&r, &w);
	if ((rc = case_render(s, r.case_id, &cs, e)) < 0) {
		json_decref(o);
		return rc;
	}
	if (visit_latest(s, r.case_id, &visit, e) < 0)
		visit = json_null();
	err_clear(e);
	json_object_set_new(o, "actions", workflow_actions(&wf_referral, &w, a));
	json_object_set_new(o, "case", cs);
	json_object_set_new(o, "household", household_or_null(s, a, r.household_id));
	json_object_set_new(o, "visit", visit);
	*out = o;
	return 0;
}

/* === decisions === */

struct decision {
	int64_t amount_fen;
	const char *start_month, *next_review, *reason, *notice_text, *opinion;
};

static int check_month(const char *v, struct err *e)
{
	int64_t day;
	char probe[16];
	if (!v || strlen(v) != 7)
		goto bad;
	snprintf(probe, sizeof(probe), "%s-01", v);
	if (clock_parse_date(probe, &day) == 0)
		return 0;
bad:
	return err_set(e, ERR_INVALID, "start_month", "format",
		       "start_month 应为 YYYY-MM 格式的月份", "start_month must be a month YYYY-MM");
}

static int parse_decision(const char *action, json_t *body, struct decision *d,
			  struct err *e)
{
	static const char *const approve_keys[] = { "amount_fen", "start_month", "next_review", NULL };
	static const char *const reject_keys[] = { "reason", "notice_text", NULL };
	static const char *const reason_keys[] = { "reason", NULL };
	static const char *const opinion_keys[] = { "opinion", NULL };
	static const char *const no_keys[] = { NULL };
	int64_t day;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!body)
		body = json_object();
	else
		json_incref(body);
	if (!json_is_object(body))
		rc = err_set(e, ERR_INVALID, NULL, "body", "请求体应为 JSON 对象",
			     "the body must be a JSON object");
	else if (strcmp(action, "approve") == 0) {
		if ((rc = jsonx_only(body, approve_keys, e)) == 0 &&
		    (rc = jsonx_int(body, "amount_fen", JSONX_REQUIRED, 0, MONEY_MAX, &d->amount_fen, e)) == 0 &&
		    (rc = jsonx_string(body, "start_month", JSONX_REQUIRED, 16, &d->start_month, e)) == 0 &&
		    (rc = check_month(d->start_month, e)) == 0 &&
		    (rc = jsonx_string(body, "next_review", JSONX_OPTIONAL, 16, &d->next_review, e)) == 0 &&
		    d->next_review && clock_parse_date(d->next_review, &day) < 0)
			rc = err_set(e, ERR_INVALID, "next_review", "format",
				     "next_review 应为 YYYY-MM-DD 格式的日期",
				     "next_review must be a date YYYY-MM-DD");
	} else if (strcmp(action, "reject") == 0) {
		if ((rc = jsonx_only(body, reject_keys, e)) == 0 &&
		    (rc = jsonx_string(body, "reason", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &d->reason, e)) == 0)
			rc = jsonx_string(body, "notice_text", JSONX_OPTIONAL, LIMIT_DESCRIPTION_BYTES,
					  &d->notice_text, e);
	} else if (strcmp(action, "return") == 0) {
		if ((rc = jsonx_only(body, reason_keys, e)) == 0)
			rc = jsonx_string(body, "reason", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &d->reason, e);
	} else if (strcmp(action, "opinion") == 0) {
		if ((rc = jsonx_only(body, opinion_keys, e)) == 0)
			rc = jsonx_string(body, "opinion", JSONX_REQUIRED, LIMIT_DESCRIPTION_BYTES,
					  &d->opinion, e);
	} else
		rc = jsonx_only(body, no_keys, e);
	/* The strings point into body, which the caller's request still owns. */
	json_decref(body);
	return rc;
}

/* Guards that need data: the dibao notice period; the written refusal. */
static int decision_guards(const struct ref_row *r, const char *action,
			   const struct decision *d, struct err *e)
{
	char today[11];
	today_text(today);
	if (strcmp(action, "approve") == 0 && strcmp(r->procedure, "dibao") == 0 &&
	    (!r->notice_until[0] || strcmp(today, r->notice_until) < 0))
		return err_setf(e, ERR_CONFLICT, NULL, "notice_running",
				"公示期未满：%s 起方可审批", "the public notice runs until %s",
				r->notice_until[0] ? r->notice_until : "?");
	if (strcmp(action, "reject") == 0 && strcmp(r->procedure, "dibao") == 0 &&
	    (!d->notice_text || strspn(d->notice_text, " \t\r\n") == strlen(d->notice_text)))
		return err_set(e, ERR_INVALID, "notice_text", "required",
			       "不予批准须附书面告知理由", "a refusal needs the written notice to the household");
	return 0;
}

/* The enrollment row an approval creates (one-off programs end in their
 * start month). */
static int insert_enrollment(struct store *s, const struct program_config *c,
			     const struct ref_row *r, const struct decision *d,
			     int64_t *id, struct err *e)
{
	const struct program *p = program_find(c, r->program);
	int one_off = p && p->one_off;
	char now[21];

	clock_format_utc(clock_now(), now);
	return store_int64(s, id, e,
		"INSERT INTO enrollments (household_id, person_id, region_code, program,"
		" referral_id, amount_fen, start_month, end_month, next_review, status,"
		" created_at, updated_at) VALUES (NULLIF($1, 0), NULLIF($2, 0), $3, $4, $5,"
		" $6, $7, $8, $9, 'active', $10, $10) RETURNING id",
		"iissiissss", r->household_id, r->person_id, r->region, r->program, r->id,
		d->amount_fen, d->start_month, one_off ? d->start_month : NULL,
		d->next_review, now);
}

/* Its event and audit entry, after the referral's approval event. */
static int enrollment_created(struct store *s, const struct actor *a,
			      const struct ref_row *r, const struct decision *d,
			      int64_t id, struct err *e)
{
	int rc;
	struct wf_record w = {
		.id = id, .state = NULL, .department = r->department,
		.region_code = r->region, .household_id = r->household_id,
		.case_id = r->case_id,
	};
	json_t *det = json_pack("{s:I, s:s, s:I, s:s}", "referral_id", (json_int_t)r->id,
				"program", r->program, "amount_fen", (json_int_t)d->amount_fen,
				"start_month", d->start_month);
	if ((rc = workflow_event(s, "enrollment", &w, a, "create", "active", NULL, det, e)) == 0)
		rc = audit_append(s, a, "enrollment.create", "enrollment", id, r->region, det, e);
	json_decref(det);
	return rc;
}

/* The referral columns each action changes (before the state moves). */
static int write_decision(struct store *s, const struct actor *a,
			  const struct program_config *c, const struct ref_row *r,
			  const char *action, const struct decision *d,
			  int64_t *enrollment_id, struct err *e)
{
	char now[21], date[11];
	int rc;

	clock_format_utc(clock_now(), now);
	if (strcmp(action, "approve") == 0) {
		if ((rc = insert_enrollment(s, c, r, d, enrollment_id, e)) < 0)
			return rc;
		return store_execv(s, e, "UPDATE referrals SET amount_fen = $1, start_month = $2,"
				   " next_review = $3, decided_by = NULLIF($4, 0), decided_at = $5"
				   " WHERE id = $6", "issisi", d->amount_fen, d->start_month,
				   d->next_review, a->user_id, now, r->id);
	}
	if (strcmp(action, "reject") == 0)
		return store_execv(s, e, "UPDATE referrals SET reason = $1, notice_text = $2,"
				   " decided_by = NULLIF($3, 0), decided_at = $4 WHERE id = $5",
				   "ssisi", d->reason, d->notice_text ? d->notice_text : d->reason,
				   a->user_id, now, r->id);
	if (strcmp(action, "return") == 0)
		return store_execv(s, e, "UPDATE referrals SET reason = $1 WHERE id = $2",
				   "si", d->reason, r->id);
	if (strcmp(action, "publish_notice") == 0) {
		clock_format_date(clock_today_china() + NOTICE_DAYS, date);
		return store_execv(s, e, "UPDATE referrals SET notice_until = $1 WHERE id = $2",
				   "si", date, r->id);
	}
	if (strcmp(action, "resubmit") == 0) {
		const struct program *p = program_find(c, r->program);
		clock_format_date(calendar_add_working_days(c, clock_today_china(),
			p ? p->deadline_working_days : 15), date);
		return store_execv(s, e, "UPDATE referrals SET due_date = $1, escalated_at = NULL, reason = NULL"
				   " WHERE id = $2", "si", date, r->id);
	}
	return 0;
}

/* referral.decided / referral.returned to the case owner. */
static int notify_owner(struct store *s, const struct program_config *c,
			const struct ref_row *r, const char *action,
			const struct decision *d, struct err *e)
{
	const char *kind = strcmp(action, "return") == 0 ? "referral.returned" : "referral.decided";
	const char *verb = strcmp(action, "approve") == 0 ? "已批准"
			 : strcmp(action, "reject") == 0 ? "不予批准" : "已退回补充";
	char title[160], body[LIMIT_REASON_BYTES + 200], link[48];
	int rc;

	if ((strcmp(action, "approve") != 0 && strcmp(action, "reject") != 0 &&
	     strcmp(action, "return") != 0) || r->owner_user_id <= 0)
		return 0;
	json_t *to = json_pack("{s:[I]}", "user_ids", (json_int_t)r->owner_user_id);
	json_t *payload = json_pack("{s:I, s:I, s:s, s:s}", "referral_id", (json_int_t)r->id,
				    "case_id", (json_int_t)r->case_id, "program", r->program,
				    "action", action);
	snprintf(title, sizeof(title), "%s%s", program_name(c, r->program), verb);
	snprintf(body, sizeof(body), "案件 #%" PRId64 " 的转介 #%" PRId64 "（%s）%s%s%s",
		 r->case_id, r->id, program_name(c, r->program), verb,
		 d->reason ? "：" : "。", d->reason ? d->reason : "");
	snprintf(link, sizeof(link), "/referrals/%" PRId64, r->id);
	rc = outbox_add(s, kind, r->region, to, title, body, link, payload, NULL, e);
	json_decref(to);
	json_decref(payload);
	return rc;
}

static int render_decided(struct store *s, const struct program_config *c,
			  int64_t id, int64_t enrollment_id, json_t **out,
			  struct err *e);

int referral_act(struct store *s, const struct actor *a,
		 const struct program_config *c, int64_t id, const char *action,
		 json_t *body, json_t **out, struct err *e)
{
	const struct wf_transition *row = NULL;
	struct decision d;
	struct ref_row r;
	struct wf_record w;
	int64_t enrollment_id = 0;
	json_t *detail = NULL;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_REFERRAL_ACT, e)) < 0 ||
	    (rc = load_ref(s, id, &r, e)) < 0)
		return rc;
	ref_wf_record(&r, &w);
	/* Outside the region the referral does not exist, whatever the body. */
	if ((rc = perm_require_region(a, r.region, e)) < 0 ||
	    (rc = parse_decision(action, body, &d, e)) < 0 ||
	    (rc = workflow_check(&wf_referral, &w, a, action, d.reason, &row, e)) < 0 ||
	    (rc = decision_guards(&r, action, &d, e)) < 0 ||
	    (rc = store_begin(s, e)) < 0)
		return rc;
	if (d.opinion)
		detail = json_pack("{s:s}", "opinion", d.opinion);
	if ((rc = write_decision(s, a, c, &r, action, &d, &enrollment_id, e)) < 0 ||
	    (rc = workflow_apply(s, &wf_referral, &w, a, row, d.reason ? d.reason : d.opinion,
				 detail, e)) < 0 ||
	    (enrollment_id && (rc = enrollment_created(s, a, &r, &d, enrollment_id, e)) < 0) ||
	    (rc = notify_owner(s, c, &r, action, &d, e)) < 0 ||
	    (rc = store_commit(s, e)) < 0) {
		store_rollback(s);
		json_decref(detail);
		return rc;
	}
	json_decref(detail);
	return render_decided(s, c, id, enrollment_id, out, e);
}

/* === enrollments === */

#define ENR_COLUMNS \
	"n.id, n.household_id, n.person_id, n.region_code," \
	" COALESCE(t.name, '') || COALESCE(v.name, ''), n.program, n.referral_id," \
	" n.amount_fen, n.start_month, n.end_month, n.next_review, n.status," \
	" n.created_at, n.updated_at"
#define ENR_FROM \
	" FROM enrollments n LEFT JOIN divisions v ON v.code = n.region_code" \
	" LEFT JOIN divisions t ON t.code = v.parent_code"
#define ENR_WHERE \
	" WHERE substr(n.region_code, 1, length($1)) = $1" \
	"   AND ($2 = 0 OR n.household_id = $2)" \
	"   AND ($3 IS NULL OR n.program = $3)" \
	"   AND ($4 IS NULL OR n.status = $4)"

static json_t *enr_json(struct store_stmt *st, const struct program_config *c)
{
	return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:o, s:o,"
			 " s:s, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"household_id", render_int_or_null(st, 1),
		"person_id", render_int_or_null(st, 2),
		"region_code", store_col_text(st, 3),
		"region_name", store_col_text(st, 4),
		"program", store_col_text(st, 5),
		"program_name", program_name(c, store_col_text(st, 5)),
		"referral_id", render_int_or_null(st, 6),
		"amount_fen", (json_int_t)store_col_int64(st, 7),
		"start_month", store_col_text(st, 8),
		"end_month", render_text_or_null(st, 9),
		"next_review", render_text_or_null(st, 10),
		"status", store_col_text(st, 11),
		"created_at", store_col_text(st, 12),
		"updated_at", store_col_text(st, 13));
}

static int enr_collect(struct store_stmt *st, const struct program_config *c,
		       json_t *items, struct err *e)
{
	int rc;
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, enr_json(st, c));
	store_finalize(st);
	return rc;
}

static int render_enrollment(struct store *s, const struct program_config *c,
			     int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *items = json_array();
	int rc;

	*out = NULL;
	if ((rc = store_query(s, &st, e, "SELECT " ENR_COLUMNS ENR_FROM " WHERE n.id = $1",
			      "i", id)) < 0 ||
	    (rc = enr_collect(st, c, items, e)) < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return *out ? 0 : err_set(e, ERR_NOT_FOUND, NULL, "not_found", "救助记录不存在",
				  "no such enrollment");
}

static int render_decided(struct store *s, const struct program_config *c,
			  int64_t id, int64_t enrollment_id, json_t **out,
			  struct err *e)
{
	json_t *ref = NULL, *enr = NULL;
	int rc;

	if ((rc = render_ref(s, c, id, &ref, e)) < 0)
		return rc;
	if (!enrollment_id) {
		*out = ref;
		return 0;
	}
	if ((rc = render_enrollment(s, c, enrollment_id, &enr, e)) < 0) {
		json_decref(ref);
		return rc;
	}
	*out = json_pack("{s:o, s:o}", "referral", ref, "enrollment", enr);
	return 0;
}

int enrollment_list(struct store *s, const struct actor *a,
		    const struct program_config *c,
		    const struct enrollment_query *q, json_t **out,
		    struct err *e)
{
	const char *region = perm_region_narrow(a, q->region);
	const char *program = nonempty(q->program), *status = nonempty(q->status);
	struct store_stmt *st = NULL;
	json_t *items;
	int64_t total = 0;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_ENROLLMENT_READ, e)) < 0 ||
	    (rc = store_int64(s, &total, e, "SELECT count(*) FROM enrollments n" ENR_WHERE,
			      "siss", region, q->household_id, program, status)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " ENR_COLUMNS ENR_FROM ENR_WHERE
			      " ORDER BY n.id DESC LIMIT $5 OFFSET $6", "sissii", region,
			      q->household_id, program, status, q->per_page,
			      (q->page - 1) * q->per_page)) < 0)
		return rc;
	items = json_array();
	if ((rc = enr_collect(st, c, items, e)) < 0) {
		json_decref(items);
		return rc;
	}
	*out = render_page(items, total, q->page, q->per_page);
	return 0;
}

struct enr_row {
	int64_t id, household_id;
	char region[13], program[24], status[16];
};

static int load_enr(struct store *s, int64_t id, struct enr_row *r, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_query(s, &st, e, "SELECT id, COALESCE(household_id, 0), region_code,"
			      " program, status FROM enrollments WHERE id = $1", "i", id)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		r->id = store_col_int64(st, 0);
		r->household_id = store_col_int64(st, 1);
		snprintf(r->region, sizeof(r->region), "%s", store_col_text(st, 2));
		snprintf(r->program, sizeof(r->program), "%s", store_col_text(st, 3));
		snprintf(r->status, sizeof(r->status), "%s", store_col_text(st, 4));
		rc = 0;
	} else if (rc == STORE_DONE)
		rc = err_set(e, ERR_NOT_FOUND, NULL, "not_found", "救助记录不存在",
			     "no such enrollment");
	store_finalize(st);
	return rc;
}

int enrollment_act(struct store *s, const struct actor *a,
		   const struct program_config *c, int64_t id,
		   const char *action, json_t *body, json_t **out,
		   struct err *e)
{
	static const char *const known[] = { "reason", NULL };
	const struct wf_transition *row = NULL;
	const struct program *p;
	const char *reason = NULL;
	struct enr_row n;
	char month[11], now[21];
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_ENROLLMENT_MANAGE, e)) < 0 ||
	    (rc = load_enr(s, id, &n, e)) < 0)
		return rc;
	p = program_find(c, n.program);
	struct wf_record w = {
		.id = n.id, .state = n.status, .department = p ? p->department : "",
		.region_code = n.region, .household_id = n.household_id,
	};
	if ((rc = perm_require_region(a, n.region, e)) < 0)
		return rc;
	if (body && (!json_is_object(body) ||
		     (rc = jsonx_only(body, known, e)) < 0 ||
		     (rc = jsonx_string(body, "reason", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &reason, e)) < 0))
		return rc < 0 ? rc : err_set(e, ERR_INVALID, NULL, "body", "请求体应为 JSON 对象",
					     "the body must be a JSON object");
	if ((rc = workflow_check(&wf_enrollment, &w, a, action, reason, &row, e)) < 0 ||
	    (rc = store_begin(s, e)) < 0)
		return rc;
	clock_format_date(clock_today_china(), month);
	month[7] = '\0';
	clock_format_utc(clock_now(), now);
	/* Leaving ends the enrollment this month (not before it started)
	 * unless it ended already. */
	if (strcmp(action, "exit") == 0)
		rc = store_execv(s, e, "UPDATE enrollments SET end_month ="
				 " CASE WHEN start_month > $1 THEN start_month ELSE $1 END"
				 " WHERE id = $2 AND (end_month IS NULL OR end_month > $1)",
				 "si", month, n.id);
	if (rc < 0 || (rc = workflow_apply(s, &wf_enrollment, &w, a, row, reason, NULL, e)) < 0 ||
	    (rc = store_commit(s, e)) < 0) {
		store_rollback(s);
		return rc;
	}
	return render_enrollment(s, c, id, out, e);
}

/* === escalations === */

static int64_t china_day_of(const char *utc)
{
	int64_t t = 0;
	if (clock_parse_utc(utc, &t) < 0)
		return clock_today_china();
	int64_t x = t + CLOCK_CHINA_OFFSET;
	return x >= 0 ? x / 86400 : -((-x + 86399) / 86400);
}

static int overdue_referrals(struct store *s, const struct actor *a, json_t *items,
			     struct err *e)
{
	struct store_stmt *st = NULL;
	char today[11];
	int64_t now = clock_today_china(), due;
	int rc;

	today_text(today);
	if ((rc = store_query(s, &st, e,
		"SELECT r.id, r.program, r.department, r.region_code,"
		" COALESCE(t.name, '') || COALESCE(v.name, ''), r.due_date, r.status" REF_FROM
		" WHERE substr(r.region_code, 1, length($1)) = $1"
		"   AND r.status IN " UNDECIDED " AND r.due_date < $2 ORDER BY r.due_date, r.id",
		"ss", a->region, today)) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		if (clock_parse_date(store_col_text(st, 5), &due) < 0)
			due = now;
		json_array_append_new(items, json_pack(
			"{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "kind", "referral",
			"id", (json_int_t)store_col_int64(st, 0), "program", store_col_text(st, 1),
			"department", store_col_text(st, 2), "region_code", store_col_text(st, 3),
			"region_name", store_col_text(st, 4), "due_date", store_col_text(st, 5),
			"days_overdue", (json_int_t)(now - due), "status", store_col_text(st, 6)));
	}
	store_finalize(st);
	return rc;
}

static int unvisited_cases(struct store *s, const struct actor *a,
			   const struct program_config *c, json_t *items, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t today = clock_today_china();
	char due_text[11];
	int rc;

	if ((rc = store_query(s, &st, e,
		"SELECT k.id, k.region_code, COALESCE(t.name, '') || COALESCE(v.name, ''),"
		" k.created_at FROM cases k LEFT JOIN divisions v ON v.code = k.region_code"
		" LEFT JOIN divisions t ON t.code = v.parent_code"
		" WHERE substr(k.region_code, 1, length($1)) = $1 AND k.status = 'open'"
		" ORDER BY k.created_at, k.id", "s", a->region)) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		int64_t due = calendar_add_working_days(c, china_day_of(store_col_text(st, 3)),
							VISIT_WORKING_DAYS);
		if (today <= due)
			continue;
		clock_format_date(due, due_text);
		json_array_append_new(items, json_pack(
			"{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "kind", "case",
			"id", (json_int_t)store_col_int64(st, 0), "region_code", store_col_text(st, 1),
			"region_name", store_col_text(st, 2), "opened_at", store_col_text(st, 3),
			"due_date", due_text, "days_overdue", (json_int_t)(today - due),
			"status", "open"));
	}
	store_finalize(st);
	return rc;
}

static int by_days_overdue(const void *x, const void *y)
{
	json_int_t a = json_integer_value(json_object_get(*(json_t *const *)x, "days_overdue"));
	json_int_t b = json_integer_value(json_object_get(*(json_t *const *)y, "days_overdue"));
	return (a < b) - (a > b);
}

/* Most overdue first (a stable order for equal days: referrals, then cases). */
static json_t *sorted(json_t *items)
{
	size_t n = json_array_size(items);
	json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array();
	for (size_t i = 0; v && i < n; i++)
		v[i] = json_array_get(items, i);
	if (v)
		qsort(v, n, sizeof(*v), by_days_overdue);
	for (size_t i = 0; v && i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(items);
	return out;
}

int escalation_list(struct store *s, const struct actor *a,
		    const struct program_config *c, json_t **out,
		    struct err *e)
{
	json_t *items = json_array();
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_ESCALATION_READ, e)) < 0 ||
	    (rc = overdue_referrals(s, a, items, e)) < 0 ||
	    (rc = unvisited_cases(s, a, c, items, e)) < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o}", "items", sorted(items));
	return 0;
}

/* === the worker's overdue pass === */

static int overdue_message(struct store *s, int64_t id, int64_t case_id,
			   const char *region, const char *program,
			   const char *department, const char *due, struct err *e)
{
	char township[10], title[128], body[256], link[48];
	json_t *to, *payload;
	int rc;

	snprintf(township, sizeof(township), "%.9s", region);
	to = json_pack("{s:[s,s], s:s}", "role", "commander", "admin", "region", township);
	payload = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "referral_id", (json_int_t)id,
			    "case_id", (json_int_t)case_id, "program", program,
			    "department", department, "region_code", region, "due_date", due);
	snprintf(title, sizeof(title), "转介超期：#%" PRId64, id);
	snprintf(body, sizeof(body), "转介 #%" PRId64 "（%s，%s）应于 %s 前办结，现已超期。",
		 id, program, department, due);
	snprintf(link, sizeof(link), "/referrals/%" PRId64, id);
	rc = outbox_add(s, "referral.overdue", region, to, title, body, link, payload, NULL, e);
	json_decref(to);
	json_decref(payload);
	return rc;
}

/* Mark one referral (if nobody did meanwhile) and write its message. */
static int escalate_one(struct store *s, int64_t id, int64_t case_id,
			const char *region, const char *program,
			const char *department, const char *due, int *marked,
			struct err *e)
{
	char now[21];
	int rc;

	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	rc = store_execv(s, e, "UPDATE referrals SET escalated_at = $1 WHERE id = $2"
			 " AND escalated_at IS NULL", "si", now, id);
	if (rc == 0 && store_changes(s) == 1) {
		json_t *d = json_pack("{s:s, s:s}", "due_date", due, "program", program);
		if ((rc = overdue_message(s, id, case_id, region, program, department, due, e)) == 0)
			rc = audit_append(s, NULL, "referral.overdue", "referral", id, region, d, e);
		json_decref(d);
		*marked += rc == 0;
	}
	if (rc < 0 || (rc = store_commit(s, e)) < 0) {
		store_rollback(s);
		return rc;
	}
	return 0;
}

struct due_ref {
	int64_t id, case_id;
	char region[13], program[24], department[32], due[11];
};

int referral_mark_overdue(struct store *s, int *count, struct err *e)
{
	struct store_stmt *st = NULL;
	struct due_ref *list = NULL;
	size_t n = 0, cap = 0;
	char today[11];
	int marked = 0, rc;

	today_text(today);
	/* Read first, then write each in its own short transaction: the
	 * statement is finished before any write starts. */
	if ((rc = store_query(s, &st, e, "SELECT id, case_id, region_code, program, department,"
			      " due_date FROM referrals WHERE status IN " UNDECIDED
			      " AND due_date < $1 AND escalated_at IS NULL ORDER BY id LIMIT 1000",
			      "s", today)) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct due_ref *p = realloc(list, nc * sizeof(*p));
			if (!p) {
				rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
				break;
			}
			list = p;
			cap = nc;
		}
		struct due_ref *d = &list[n++];
		d->id = store_col_int64(st, 0);
		d->case_id = store_col_int64(st, 1);
		snprintf(d->region, sizeof(d->region), "%s", store_col_text(st, 2));
		snprintf(d->program, sizeof(d->program), "%s", store_col_text(st, 3));
		snprintf(d->department, sizeof(d->department), "%s", store_col_text(st, 4));
		snprintf(d->due, sizeof(d->due), "%s", store_col_text(st, 5));
	}
	store_finalize(st);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = escalate_one(s, list[i].id, list[i].case_id, list[i].region, list[i].program,
				  list[i].department, list[i].due, &marked, e);
	free(list);
	if (count)
		*count = marked;
	return rc < 0 ? rc : 0;
}
