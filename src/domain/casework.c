/*
 * casework.c - listing, reading, handing over, reassigning and closing
 * cases.
 *
 * Design: every change is a row of wf_case (workflow.c) checked with
 * workflow_check, so who may do what from which state is decided in one
 * table; what the table cannot know (the new owner is an active assistant
 * of the right area, no referral is still waiting) is checked here from the
 * data.  The owner change and its event, audit entry and case.assigned
 * message commit together.  Reading a case gathers its report, visits and
 * referrals (rendered by report.c, visit.c and referral.c, so each shape
 * has one author), so the case page is one request.  casework_load() does no permission check on purpose: visit.c
 * and routing.c load the case and check it through wf_case themselves.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "casework.h"
#include "audit.h"
#include "outbox.h"
#include "program.h"
#include "referral.h"
#include "report.h"
#include "visit.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/limits.h"
#include "render.h"
#include "../core/banned.h"

/* Referral states that still wait for a decision (or for the village). */
#define REFERRAL_OPEN_STATES \
	"('pending', 'surveyed', 'opinion', 'public_notice', 'returned')"

static int case_not_found(struct err *e)
{
	return err_set(e, ERR_NOT_FOUND, NULL, "not_found",
		       "记录不存在或不在您的辖区内", "no such record in your region");
}

int casework_load(struct store *s, int64_t id, struct case_row *out,
		  struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT id, status, COALESCE(owner_user_id, 0),"
			     " region_code, COALESCE(household_id, 0), COALESCE(person_id, 0),"
			     " COALESCE(report_id, 0), subject_name FROM cases WHERE id = $1",
			     "i", id);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	if ((rc = store_step(st, e)) == STORE_ROW) {
		out->id = store_col_int64(st, 0);
		snprintf(out->state, sizeof(out->state), "%s", store_col_text(st, 1));
		out->owner_user_id = store_col_int64(st, 2);
		snprintf(out->region_code, sizeof(out->region_code), "%s", store_col_text(st, 3));
		out->household_id = store_col_int64(st, 4);
		out->person_id = store_col_int64(st, 5);
		out->report_id = store_col_int64(st, 6);
		snprintf(out->subject_name, sizeof(out->subject_name), "%s",
			 store_col_text(st, 7));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	return out->id ? 0 : case_not_found(e);
}

void casework_wf_record(const struct case_row *c, struct wf_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = c->id;
	r->state = c->state;
	r->owner_user_id = c->owner_user_id;
	r->region_code = c->region_code;
	r->household_id = c->household_id;
	r->case_id = c->id;
}

/* === rendering === */

#define CASE_COLUMNS \
	"c.id, c.status, c.region_code, COALESCE(t.name, '') || COALESCE(v.name, '')," \
	" c.household_id, c.person_id, c.subject_name, u.id, u.username," \
	" u.display_name, c.report_id, c.created_at, c.updated_at"
#define CASE_FROM \
	" FROM cases c LEFT JOIN divisions v ON v.code = c.region_code" \
	" LEFT JOIN divisions t ON t.code = v.parent_code" \
	" LEFT JOIN users u ON u.id = c.owner_user_id"

static json_t *case_json(struct store_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"status", store_col_text(st, 1),
		"region_code", store_col_text(st, 2),
		"region_name", store_col_text(st, 3),
		"subject_name", store_col_text(st, 6),
		"created_at", store_col_text(st, 11),
		"updated_at", store_col_text(st, 12));
	json_object_set_new(o, "household_id", render_int_or_null(st, 4));
	json_object_set_new(o, "person_id", render_int_or_null(st, 5));
	json_object_set_new(o, "owner", store_col_is_null(st, 7) ? json_null() :
		json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_col_int64(st, 7),
			  "username", store_col_text(st, 8),
			  "display_name", store_col_text(st, 9)));
	json_object_set_new(o, "report_id", render_int_or_null(st, 10));
	return o;
}

int case_render(struct store *s, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT " CASE_COLUMNS CASE_FROM
			     " WHERE c.id = $1", "i", id);
	if (rc < 0)
		return rc;
	*out = NULL;
	if ((rc = store_step(st, e)) == STORE_ROW)
		*out = case_json(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return *out ? 0 : case_not_found(e);
}

static int known_state(const char *v)
{
	for (size_t i = 0; wf_case.states[i]; i++)
		if (strcmp(v, wf_case.states[i]) == 0)
			return 1;
	return 0;
}

#define CASE_WHERE \
	" WHERE substr(c.region_code, 1, length($1)) = $1" \
	"   AND ($2 IS NULL OR c.status = $2)" \
	"   AND ($3 = 0 OR c.owner_user_id = $3)"

int case_list(struct store *s, const struct actor *a,
	      const struct case_query *q, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	const char *region = perm_region_narrow(a, q->region);
	const char *status = q->status && *q->status ? q->status : NULL;
	int64_t mine = q->mine ? (a->user_id ? a->user_id : -1) : 0, total = 0;
	json_t *items;
	int rc;

	if ((rc = perm_require(a, PERM_CASE_READ, e)) < 0)
		return rc;
	if (status && !known_state(status))
		return err_set(e, ERR_INVALID, "status", "enum",
			       "status 应为 open、visited、routed 或 closed",
			       "status must be open, visited, routed or closed");
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM cases c" CASE_WHERE,
			      "ssi", region, status, mine)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " CASE_COLUMNS CASE_FROM CASE_WHERE
			      " ORDER BY c.created_at DESC, c.id DESC LIMIT $4 OFFSET $5",
			      "ssiii", region, status, mine, q->per_page,
			      (q->page - 1) * q->per_page)) < 0)
		return rc;
	if ((rc = render_rows(st, case_json, &items, e)) < 0)
		return rc;
	*out = render_page(items, total, q->page, q->per_page);
	return 0;
}

/* === reading one === */

static int load_visible(struct store *s, const struct actor *a, int64_t id,
			struct case_row *c, struct err *e)
{
	int rc = casework_load(s, id, c, e);
	if (rc < 0)
		return rc;
	return perm_require_region(a, c->region_code, e);
}

/* report, visits, referrals and actions added to the rendered case. */
static int case_details(struct store *s, const struct actor *a,
			const struct program_config *programs,
			const struct case_row *c, json_t *o, struct err *e)
{
	json_t *report = NULL, *visits = NULL, *referrals = NULL;
	struct wf_record r;
	int rc;

	if (c->report_id && (rc = report_render(s, c->report_id, &report, e)) < 0)
		return rc;
	json_object_set_new(o, "report", report ? report : json_null());
	if ((rc = visit_list_json(s, c->id, &visits, e)) < 0)
		return rc;
	json_object_set_new(o, "visits", visits);
	if ((rc = referral_list_for_case(s, programs, c->id, &referrals, e)) < 0)
		return rc;
	json_object_set_new(o, "referrals", referrals);
	casework_wf_record(c, &r);
	json_object_set_new(o, "actions", workflow_actions(&wf_case, &r, a));
	return 0;
}

int case_get(struct store *s, const struct actor *a,
	     const struct program_config *programs, int64_t id, json_t **out,
	     struct err *e)
{
	struct case_row c;
	json_t *o = NULL;
	int rc;

	if ((rc = perm_require(a, PERM_CASE_READ, e)) < 0 ||
	    (rc = load_visible(s, a, id, &c, e)) < 0 ||
	    (rc = case_render(s, id, &o, e)) < 0)
		return rc;
	if ((rc = case_details(s, a, programs, &c, o, e)) < 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* === owner changes === */

/* An active assistant whose region lies inside `within`; 400 naming
 * to_user_id otherwise.  display gets the name for the message. */
static int check_assignee(struct store *s, int64_t to, const char *within,
			  char display[96], struct err *e)
{
	struct store_stmt *st = NULL;
	char role[24] = "", region[13] = "";
	int64_t active = 0;
	int rc = store_query(s, &st, e, "SELECT role, region_code, active, display_name"
			     " FROM users WHERE id = $1", "i", to);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		snprintf(role, sizeof(role), "%s", store_col_text(st, 0));
		snprintf(region, sizeof(region), "%s", store_col_text(st, 1));
		active = store_col_int64(st, 2);
		snprintf(display, 96, "%s", store_col_text(st, 3));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!role[0] || !active || strcmp(role, "assistant") != 0)
		return err_set(e, ERR_INVALID, "to_user_id", "not_assistant",
			       "接收人须为在职的救助协理员",
			       "to_user_id must be an active assistant");
	if (!division_contains(within, region))
		return err_setf(e, ERR_INVALID, "to_user_id", "out_of_region",
				"接收人须在 %s 范围内", "to_user_id must work inside %s",
				within);
	return 0;
}

static int notify_assigned(struct store *s, const struct case_row *c,
			   int64_t to, const char *action_zh, struct err *e)
{
	char title[200], body[300], link[40];
	json_t *rcpt, *payload;
	int rc;

	snprintf(title, sizeof(title), "%s案件：%s", action_zh, c->subject_name);
	snprintf(body, sizeof(body), "案件 %" PRId64 "（%s）已%s给您承办。", c->id,
		 c->subject_name, action_zh);
	snprintf(link, sizeof(link), "/cases/%" PRId64, c->id);
	rcpt = json_pack("{s:[I]}", "user_ids", (json_int_t)to);
	payload = json_pack("{s:I, s:s, s:I}", "case_id", (json_int_t)c->id,
			    "region_code", c->region_code, "owner_user_id", (json_int_t)to);
	rc = outbox_add(s, "case.assigned", c->region_code, rcpt, title, body, link,
			payload, NULL, e);
	json_decref(rcpt);
	json_decref(payload);
	return rc;
}

/* handover and reassign: the same write, different checks. */
static int change_owner(struct store *s, const struct actor *a, int64_t id,
			int64_t to, const char *reason, const char *action,
			struct err *e)
{
	const struct wf_transition *t = NULL;
	struct case_row c;
	struct wf_record r;
	char within[13], display[96] = "", now[21];
	json_t *d;
	int rc;

	if ((rc = perm_require(a, PERM_CASE_WORK, e)) < 0 ||
	    (rc = casework_load(s, id, &c, e)) < 0)
		return rc;
	casework_wf_record(&c, &r);
	if ((rc = workflow_check(&wf_case, &r, a, action, reason, &t, e)) < 0)
		return rc;
	if (reason && strlen(reason) > LIMIT_REASON_BYTES)
		return err_setf(e, ERR_INVALID, "reason", "length", "理由不能超过 %d 字节",
				"reason must be at most %d bytes", LIMIT_REASON_BYTES);
	/* Handover stays in the case's township; reassign anywhere the
	 * commander (or admin) answers for. */
	if (strcmp(action, "handover") == 0)
		snprintf(within, sizeof(within), "%.9s", c.region_code);
	else
		snprintf(within, sizeof(within), "%s", a->region);
	if ((rc = check_assignee(s, to, within, display, e)) < 0)
		return rc;
	if (to == c.owner_user_id)
		return err_set(e, ERR_INVALID, "to_user_id", "same_owner",
			       "该协理员已是承办人", "to_user_id already owns the case");
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	d = json_pack("{s:I, s:I, s:s}", "from_user_id", (json_int_t)c.owner_user_id,
		      "to_user_id", (json_int_t)to, "to_display_name", display);
	rc = store_execv(s, e, "UPDATE cases SET owner_user_id = $1, updated_at = $2"
			 " WHERE id = $3 AND status = $4 AND COALESCE(owner_user_id, 0) = $5",
			 "isisi", to, now, id, c.state, c.owner_user_id);
	if (rc == 0 && store_changes(s) != 1)
		rc = err_set(e, ERR_CONFLICT, NULL, "stale",
			     "记录已被他人修改，请刷新后重试",
			     "the record changed meanwhile: reload and retry");
	if (rc < 0 ||
	    (rc = workflow_apply(s, &wf_case, &r, a, t, reason, d, e)) < 0 ||
	    (rc = notify_assigned(s, &c, to, strcmp(action, "handover") == 0
				  ? "移交" : "改派", e)) < 0) {
		json_decref(d);
		store_rollback(s);
		return rc;
	}
	json_decref(d);
	return store_commit(s, e);
}

int case_handover(struct store *s, const struct actor *a, int64_t id,
		  int64_t to_user_id, const char *reason, struct err *e)
{
	return change_owner(s, a, id, to_user_id, reason, "handover", e);
}

int case_reassign(struct store *s, const struct actor *a, int64_t id,
		  int64_t to_user_id, const char *reason, struct err *e)
{
	return change_owner(s, a, id, to_user_id, reason, "reassign", e);
}

/* === closing === */

int case_close(struct store *s, const struct actor *a, int64_t id,
	       const char *reason, struct err *e)
{
	const struct wf_transition *t = NULL;
	struct case_row c;
	struct wf_record r;
	int64_t open = 0;
	int rc;

	if ((rc = perm_require(a, PERM_CASE_WORK, e)) < 0 ||
	    (rc = casework_load(s, id, &c, e)) < 0)
		return rc;
	casework_wf_record(&c, &r);
	if ((rc = workflow_check(&wf_case, &r, a, "close", reason, &t, e)) < 0)
		return rc;
	if (strlen(reason) > LIMIT_REASON_BYTES)
		return err_setf(e, ERR_INVALID, "reason", "length", "理由不能超过 %d 字节",
				"reason must be at most %d bytes", LIMIT_REASON_BYTES);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	/* Counted inside the transaction: a referral added meanwhile counts. */
	if ((rc = store_int64(s, &open, e, "SELECT count(*) FROM referrals WHERE"
			      " case_id = $1 AND status IN " REFERRAL_OPEN_STATES,
			      "i", id)) < 0)
		goto fail;
	if (open > 0) {
		rc = err_setf(e, ERR_CONFLICT, NULL, "referrals_open",
			      "尚有 %" PRId64 " 项转介未办结，不能结案",
			      "%" PRId64 " referral(s) of the case are not decided yet", open);
		goto fail;
	}
	if ((rc = workflow_apply(s, &wf_case, &r, a, t, reason, NULL, e)) < 0)
		goto fail;
	return store_commit(s, e);
fail:
	store_rollback(s);
	return rc;
}

int case_refuse_action(struct store *s, const struct actor *a, int64_t id,
		       const char *action, struct err *e)
{
	const struct wf_transition *t = NULL;
	struct case_row c;
	struct wf_record r;
	int rc;

	if ((rc = perm_require(a, PERM_CASE_WORK, e)) < 0 ||
	    (rc = load_visible(s, a, id, &c, e)) < 0)
		return rc;
	casework_wf_record(&c, &r);
	/* An action this module does not do (record_visit, route) has its own
	 * route; anything else is not in the table. */
	if ((rc = workflow_check(&wf_case, &r, a, action, "-", &t, e)) < 0)
		return rc;
	return err_setf(e, ERR_CONFLICT, NULL, "transition",
			"“%s”请使用其专用接口", "“%s” has its own endpoint",
			action ? action : "");
}
