/*
 * alert.c - reading and acting on monitoring alerts; monitoring categories.
 *
 * Alerts are a tiny state machine (open -> reported | dismissed) kept here
 * rather than in workflow.c: both actions are one compare-and-set on the
 * status, an audit entry, and for "report" a report created through
 * report_create() in the same transaction, then marked source "monitoring"
 * (report_create makes staff reports; the alert is what found the person).
 * The report's client_key is "alert:<id>", so a retried request finds the
 * same report.
 *
 * Region: an alert outside the actor's region answers 404, like a report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "audit.h"
#include "report.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/idcard.h"
#include "../core/limits.h"
#include "../core/text.h"
#include "../core/banned.h"

const char *const monitoring_categories[] = {
	"dibao", "tekun", "return_poverty", "dibao_edge", "rigid_expenditure",
	"other", "left_assistance", "refused", NULL
};

static const char *const alert_states[] = { "open", "reported", "dismissed", NULL };

#define ALERT_COLUMNS \
	" a.id, a.rule_id, a.kind, a.severity, a.run_id, a.household_id," \
	" a.person_id, a.region_code, a.status, a.effect, a.summary, a.report_id," \
	" a.dismiss_reason, a.created_at, a.updated_at, a.evidence," \
	" COALESCE(p.name, ''), COALESCE(p.id_number, '')"
#define ALERT_FROM " FROM alerts a LEFT JOIN persons p ON p.id = a.person_id"
#define ALERT_WHERE \
	" WHERE substr(a.region_code, 1, length($1)) = $1" \
	"   AND ($2 IS NULL OR a.status = $2)" \
	"   AND ($3 IS NULL OR a.rule_id = $3)" \
	"   AND ($4 = 0 OR a.household_id = $4)"

static json_t *int_or_null(struct store_stmt *st, int col)
{
	return store_col_is_null(st, col) ? json_null()
					  : json_integer(store_col_int64(st, col));
}

static json_t *alert_json(struct store_stmt *st, int with_evidence)
{
	char masked[19];
	json_t *o;

	idcard_mask(store_col_text(st, 17), masked);
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:o,"
		      " s:o, s:s, s:s, s:s, s:s}",
		      "id", (json_int_t)store_col_int64(st, 0),
		      "rule_id", store_col_text(st, 1), "kind", store_col_text(st, 2),
		      "severity", store_col_text(st, 3), "run_id", int_or_null(st, 4),
		      "household_id", int_or_null(st, 5), "person_id", int_or_null(st, 6),
		      "region_code", store_col_text(st, 7), "status", store_col_text(st, 8),
		      "effect", store_col_text(st, 9), "summary", store_col_text(st, 10),
		      "report_id", int_or_null(st, 11),
		      "dismiss_reason", store_col_is_null(st, 12) ? json_null()
				: json_string(store_col_text(st, 12)),
		      "created_at", store_col_text(st, 13), "updated_at", store_col_text(st, 14),
		      "subject_name", store_col_text(st, 16), "subject_id_number", masked);
	if (o && with_evidence) {
		json_t *ev = json_loads(store_col_text(st, 15), 0, NULL);
		json_object_set_new(o, "evidence", ev ? ev : json_object());
	}
	return o;
}

int alert_list(struct store *s, const struct actor *a,
	       const struct alert_query *q, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	const char *region = perm_region_narrow(a, q->region);
	const char *status = q->status && *q->status ? q->status : NULL;
	const char *rule = q->rule_id && *q->rule_id ? q->rule_id : NULL;
	int64_t total = 0;
	json_t *items;
	int rc;

	if ((rc = perm_require(a, PERM_ALERT_READ, e)) < 0)
		return rc;
	if (status && !text_in_list(status, alert_states))
		return err_set(e, ERR_INVALID, "status", "enum",
			       "status 应为 open、reported 或 dismissed",
			       "status must be open, reported or dismissed");
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM alerts a" ALERT_WHERE,
			      "sssi", region, status, rule, q->household_id)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT" ALERT_COLUMNS ALERT_FROM ALERT_WHERE
			      " ORDER BY a.created_at DESC, a.id DESC LIMIT $5 OFFSET $6",
			      "sssiii", region, status, rule, q->household_id,
			      q->per_page, (q->page - 1) * q->per_page)) < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, alert_json(st, 0));
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total,
			 "page", (json_int_t)q->page, "per_page", (json_int_t)q->per_page);
	return 0;
}

/* The alert's row as JSON (no checks); ERR_NOT_FOUND when absent. */
static int load(struct store *s, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT" ALERT_COLUMNS ALERT_FROM
			     " WHERE a.id = $1", "i", id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		*out = alert_json(st, 1);
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "预警不存在",
			       "no such alert");
	return rc < 0 ? rc : 0;
}

static int load_visible(struct store *s, const struct actor *a, int64_t id,
			json_t **out, struct err *e)
{
	int rc = load(s, id, out, e);

	if (rc < 0)
		return rc;
	rc = perm_require_region(a, json_string_value(json_object_get(*out, "region_code")), e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int alert_get(struct store *s, const struct actor *a, int64_t id,
	      json_t **out, struct err *e)
{
	int rc;

	if ((rc = perm_require(a, PERM_ALERT_READ, e)) < 0 ||
	    (rc = load_visible(s, a, id, out, e)) < 0)
		return rc;
	json_t *acts = json_array();
	if (strcmp(json_string_value(json_object_get(*out, "status")), "open") == 0 &&
	    perm_role_has(a->role, PERM_ALERT_ACT)) {
		json_array_append_new(acts, json_string("report"));
		json_array_append_new(acts, json_string("dismiss"));
	}
	json_object_set_new(*out, "actions", acts);
	return 0;
}

static int must_be_open(json_t *al, const char *action, struct err *e)
{
	const char *st = json_string_value(json_object_get(al, "status"));

	if (strcmp(st, "open") == 0)
		return 0;
	snprintf(e->allowed, sizeof(e->allowed), "%s", "");
	return err_setf(e, ERR_CONFLICT, NULL, "transition",
			"当前状态“%s”下不能执行“%s”；可执行：—",
			"“%s” does not allow “%s”; allowed: —", st, action);
}

/* Compare-and-set open -> to. */
static int set_status(struct store *s, int64_t id, const char *to,
		      int64_t report_id, const char *reason, struct err *e)
{
	char now[21];
	int rc;

	clock_format_utc(clock_now(), now);
	rc = store_execv(s, e, "UPDATE alerts SET status = $1, report_id = NULLIF($2, 0),"
			 " dismiss_reason = $3, updated_at = $4 WHERE id = $5 AND"
			 " status = 'open'", "sissi", to, report_id, reason, now, id);
	if (rc == 0 && store_changes(s) != 1)
		rc = err_set(e, ERR_CONFLICT, NULL, "transition", "预警已被处理",
			     "the alert was handled meanwhile");
	return rc;
}

static int category_of(const char *kind)
{
	return text_in_list(kind, report_categories);
}

int alert_report(struct store *s, const struct actor *a, int64_t id,
		 int64_t *report_id, struct err *e)
{
	json_t *al = NULL;
	struct report_input in;
	enum report_outcome how;
	char key[40];
	int rc;

	*report_id = 0;
	if ((rc = perm_require(a, PERM_ALERT_ACT, e)) < 0 ||
	    (rc = load_visible(s, a, id, &al, e)) < 0)
		return rc;
	if ((rc = must_be_open(al, "report", e)) < 0)
		goto cleanup;
	memset(&in, 0, sizeof(in));
	snprintf(key, sizeof(key), "alert:%" PRId64, id);
	const char *kind = json_string_value(json_object_get(al, "kind"));
	static const struct { const char *kind, *cat; } map[] = {
		{ "medical_cost", "illness" }, { "disability", "disability" },
		{ "unemployment", "unemployment" }, { "disaster", "disaster" },
		{ "school_stage", "schooling" }, { "dangerous_house", "housing" },
		{ "real_estate", "other" },
	};
	in.categories[0] = "other";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].kind, kind) == 0 && category_of(map[i].cat))
			in.categories[0] = map[i].cat;
	in.n_categories = 1;
	in.client_key = key;
	in.region_code = json_string_value(json_object_get(al, "region_code"));
	in.subject_name = json_string_value(json_object_get(al, "subject_name"));
	in.person_id = json_integer_value(json_object_get(al, "person_id"));
	in.subject_age = -1;
	in.description = json_string_value(json_object_get(al, "summary"));
	in.urgency = strcmp(json_string_value(json_object_get(al, "severity")), "high") == 0
		     ? "urgent" : "normal";
	if ((rc = store_begin(s, e)) < 0)
		goto cleanup;
	if ((rc = report_create(s, a, &in, report_id, &how, e)) < 0 ||
	    (rc = store_execv(s, e, "UPDATE reports SET source = 'monitoring' WHERE id = $1",
			      "i", *report_id)) < 0 ||
	    (rc = set_status(s, id, "reported", *report_id, NULL, e)) < 0)
		goto fail;
	json_t *d = json_pack("{s:I, s:s}", "report_id", (json_int_t)*report_id,
			      "rule_id", json_string_value(json_object_get(al, "rule_id")));
	rc = audit_append(s, a, "alert.report", "alert", id, in.region_code, d, e);
	json_decref(d);
	if (rc < 0)
		goto fail;
	rc = store_commit(s, e);
	goto cleanup;
fail:
	store_rollback(s);
cleanup:
	json_decref(al);
	return rc;
}

int alert_dismiss(struct store *s, const struct actor *a, int64_t id,
		  const char *reason, struct err *e)
{
	json_t *al = NULL;
	int rc;

	if ((rc = perm_require(a, PERM_ALERT_ACT, e)) < 0 ||
	    (rc = load_visible(s, a, id, &al, e)) < 0)
		return rc;
	if ((rc = must_be_open(al, "dismiss", e)) < 0)
		goto cleanup;
	if (!reason || !reason[strspn(reason, " \t\r\n")]) {
		rc = err_set(e, ERR_INVALID, "reason", "required", "请填写理由",
			     "a reason is required");
		goto cleanup;
	}
	if (strlen(reason) > LIMIT_REASON_BYTES) {
		rc = err_setf(e, ERR_INVALID, "reason", "length", "理由不能超过 %d 字节",
			      "the reason is longer than %d bytes", LIMIT_REASON_BYTES);
		goto cleanup;
	}
	if ((rc = store_begin(s, e)) < 0)
		goto cleanup;
	json_t *d = json_pack("{s:s, s:s}", "reason", reason, "rule_id",
			      json_string_value(json_object_get(al, "rule_id")));
	rc = set_status(s, id, "dismissed", 0, reason, e);
	if (rc == 0)
		rc = audit_append(s, a, "alert.dismiss", "alert", id,
				  json_string_value(json_object_get(al, "region_code")), d, e);
	json_decref(d);
	if (rc < 0)
		store_rollback(s);
	else
		rc = store_commit(s, e);
cleanup:
	json_decref(al);
	return rc;
}

/* === monitoring categories === */

static int person_region(struct store *s, int64_t person_id, char region[16],
			 struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT region_code FROM persons WHERE id = $1",
			     "i", person_id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		snprintf(region, 16, "%s", store_col_text(st, 0));
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "人员不存在",
			       "no such person");
	return rc < 0 ? rc : 0;
}

int monitoring_list(struct store *s, const struct actor *a, int64_t person_id,
		    json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	char region[16];
	json_t *hist, *cur = json_null();
	int rc;

	if ((rc = perm_require(a, PERM_PERSON_READ, e)) < 0 ||
	    (rc = person_region(s, person_id, region, e)) < 0 ||
	    (rc = perm_require_region(a, region, e)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e, "SELECT id, category, valid_from, valid_to,"
			      " source, created_at FROM monitoring_categories WHERE"
			      " person_id = $1 ORDER BY valid_from DESC, id DESC", "i",
			      person_id)) < 0)
		return rc;
	hist = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW) {
		int open = store_col_is_null(st, 3);
		json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}",
			"id", (json_int_t)store_col_int64(st, 0),
			"category", store_col_text(st, 1), "valid_from", store_col_text(st, 2),
			"valid_to", open ? json_null() : json_string(store_col_text(st, 3)),
			"source", store_col_text(st, 4), "created_at", store_col_text(st, 5));
		if (open && json_is_null(cur))
			cur = json_pack("{s:s, s:s, s:s}", "category", store_col_text(st, 1),
					"valid_from", store_col_text(st, 2),
					"source", store_col_text(st, 4));
		json_array_append_new(hist, o);
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(hist);
		json_decref(cur);
		return rc;
	}
	*out = json_pack("{s:I, s:o, s:o}", "person_id", (json_int_t)person_id,
			 "current", cur, "history", hist);
	return 0;
}

/* Close the current row (if another category) and open the new one. */
static int write_category(struct store *s, int64_t person_id, const char *category,
			  const char *from, int64_t from_day, const char *source,
			  int *changed, struct err *e)
{
	struct store_stmt *st = NULL;
	char cur[32] = "", cur_from[11] = "", now[21], closing[11];
	int64_t cur_id = 0, cur_day = 0;
	int rc = store_query(s, &st, e, "SELECT id, category, valid_from FROM"
			     " monitoring_categories WHERE person_id = $1 AND valid_to"
			     " IS NULL ORDER BY id DESC LIMIT 1", "i", person_id);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		cur_id = store_col_int64(st, 0);
		snprintf(cur, sizeof(cur), "%s", store_col_text(st, 1));
		snprintf(cur_from, sizeof(cur_from), "%s", store_col_text(st, 2));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	*changed = 0;
	if (cur_id && strcmp(cur, category) == 0)
		return 0;
	clock_format_utc(clock_now(), now);
	if (cur_id) {
		if (clock_parse_date(cur_from, &cur_day) < 0)
			cur_day = from_day;
		if (from_day < cur_day)
			return err_set(e, ERR_INVALID, "valid_from", "before_current",
				       "开始日期早于当前类别的开始日期",
				       "valid_from is before the current category's start");
		clock_format_date(from_day > cur_day ? from_day - 1 : from_day, closing);
		if ((rc = store_execv(s, e, "UPDATE monitoring_categories SET valid_to = $1"
				      " WHERE id = $2", "si", closing, cur_id)) < 0)
			return rc;
	}
	*changed = 1;
	return store_execv(s, e, "INSERT INTO monitoring_categories (person_id, category,"
			   " valid_from, source, created_at) VALUES ($1, $2, $3, $4, $5)",
			   "issss", person_id, category, from, source, now);
}

int monitoring_set(struct store *s, const struct actor *a, int64_t person_id,
		   const char *category, const char *valid_from,
		   const char *source, struct err *e)
{
	char region[16], from[11];
	int64_t day;
	int changed = 0, rc;

	if (!text_in_list(category, monitoring_categories))
		return err_set(e, ERR_INVALID, "category", "enum", "监测类别无效："
			       "应为 dibao、tekun、return_poverty、dibao_edge、"
			       "rigid_expenditure、other、left_assistance 或 refused",
			       "category must be dibao, tekun, return_poverty, dibao_edge,"
			       " rigid_expenditure, other, left_assistance or refused");
	if (valid_from && *valid_from) {
		if (clock_parse_date(valid_from, &day) < 0)
			return err_set(e, ERR_INVALID, "valid_from", "date",
				       "valid_from 应为 YYYY-MM-DD",
				       "valid_from must be YYYY-MM-DD");
	} else {
		day = clock_today_china();
	}
	clock_format_date(day, from);
	if (a && (rc = perm_require(a, PERM_MONITORING_WRITE, e)) < 0)
		return rc;
	if ((rc = person_region(s, person_id, region, e)) < 0 ||
	    (a && (rc = perm_require_region(a, region, e)) < 0))
		return rc;
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	rc = write_category(s, person_id, category, from, day,
			    source && *source ? source : "manual", &changed, e);
	if (rc == 0 && changed && a) {
		json_t *d = json_pack("{s:s, s:s}", "category", category, "valid_from", from);
		rc = audit_append(s, a, "monitoring.set", "person", person_id, region, d, e);
		json_decref(d);
	}
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* === runs === */

int monitor_run_list(struct store *s, int64_t page, int64_t per_page,
		     json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t total = 0;
	json_t *items;
	int rc;

	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM monitor_runs", "")) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT id, started_at, finished_at, started_by,"
			      " persons, records, alerts, by_rule, milliseconds FROM"
			      " monitor_runs ORDER BY id DESC LIMIT $1 OFFSET $2", "ii",
			      per_page, (page - 1) * per_page)) < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW) {
		json_t *by = json_loads(store_col_text(st, 7), 0, NULL);
		json_array_append_new(items, json_pack("{s:I, s:s, s:o, s:s, s:I, s:I, s:I, s:o, s:o}",
			"id", (json_int_t)store_col_int64(st, 0),
			"started_at", store_col_text(st, 1),
			"finished_at", store_col_is_null(st, 2) ? json_null()
				: json_string(store_col_text(st, 2)),
			"started_by", store_col_text(st, 3),
			"persons", (json_int_t)store_col_int64(st, 4),
			"records", (json_int_t)store_col_int64(st, 5),
			"alerts", (json_int_t)store_col_int64(st, 6),
			"by_rule", by ? by : json_object(),
			"milliseconds", int_or_null(st, 8)));
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total,
			 "page", (json_int_t)page, "per_page", (json_int_t)per_page);
	return 0;
}
