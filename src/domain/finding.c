/*
 * finding.c - supervision findings: reading, the workflow (wf_finding),
 * the recovery ledger and the figures.  The cross-checks that write
 * findings are in crosscheck.c.
 *
 * The ledger (recoveries) is append-only: "due" is written by confirm
 * (the improperly paid amount), then instalments "recovered" and amounts
 * "written_off".  balance = due - recovered - written_off; a recovery may
 * not exceed it and a finding closes only at zero.  Every change is one
 * transaction with its event (the finding's history) and its audit entry.
 *
 * Region: a finding outside the actor's region answers 404.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "audit.h"
#include "workflow.h"
#include "payment.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../core/text.h"
#include "../core/strbuf.h"
#include "../core/banned.h"

static const char *const finding_states[] = {
	"open", "handed", "checked", "confirmed", "dismissed", "closed", NULL
};
/* 1 when id names one of the cross-checks (crosscheck.c keeps the table). */
static int check_known(const char *id)
{
	const char *c;
	for (size_t i = 0; (c = crosscheck_check_id(i)); i++)
		if (strcmp(c, id) == 0)
			return 1;
	return 0;
}

#define FINDING_COLUMNS \
	" f.id, f.check_id, f.subject_key, f.run_id, f.household_id, f.person_id," \
	" f.region_code, f.status, f.summary, f.suspected_fen, f.amount_fen," \
	" f.department, f.check_result, f.dismiss_reason, f.created_at, f.updated_at," \
	" f.evidence," \
	" COALESCE((SELECT sum(CASE r.kind WHEN 'due' THEN r.amount_fen ELSE -r.amount_fen END)" \
	"   FROM recoveries r WHERE r.finding_id = f.id), 0)"
#define FINDING_WHERE \
	" WHERE substr(f.region_code, 1, length($1)) = $1" \
	"   AND ($2 IS NULL OR f.status = $2)" \
	"   AND ($3 IS NULL OR f.check_id = $3)" \
	"   AND ($4 = 0 OR f.household_id = $4)"

static json_t *int_or_null(struct store_stmt *st, int col)
{
	return store_col_is_null(st, col) ? json_null()
					  : json_integer(store_col_int64(st, col));
}

static json_t *text_or_null(struct store_stmt *st, int col)
{
	return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* Evidence keeps the department's records whole in the database; what
 * leaves the server has ID and account numbers masked (a full ID number is
 * read, audited, on the person's page). */
static void mask_evidence(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			mask_evidence(x);
		return;
	}
	json_object_foreach(v, key, x) {
		const char *text = json_string_value(x);
		if (text && ends_with(key, "id_number")) {
			char masked[19];
			idcard_mask(text, masked);
			json_object_set_new(v, key, json_string(masked));
		} else if (text && strcmp(key, "account_no") == 0) {
			char masked[40];
			payment_mask_account(text, masked);
			json_object_set_new(v, key, json_string(masked));
		} else if (json_is_object(x) || json_is_array(x)) {
			mask_evidence(x);
		}
	}
}

static json_t *finding_json(struct store_stmt *st, int with_evidence)
{
	/* subject_key stays inside: it holds the staff member's ID number. */
	json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:I, s:o,"
			      " s:o, s:o, s:o, s:s, s:s, s:I}",
		"id", (json_int_t)store_col_int64(st, 0), "check_id", store_col_text(st, 1),
		"run_id", int_or_null(st, 3),
		"household_id", int_or_null(st, 4), "person_id", int_or_null(st, 5),
		"region_code", store_col_text(st, 6), "status", store_col_text(st, 7),
		"summary", store_col_text(st, 8),
		"suspected_fen", (json_int_t)store_col_int64(st, 9),
		"amount_fen", int_or_null(st, 10), "department", text_or_null(st, 11),
		"check_result", text_or_null(st, 12), "dismiss_reason", text_or_null(st, 13),
		"created_at", store_col_text(st, 14), "updated_at", store_col_text(st, 15),
		"balance_fen", (json_int_t)store_col_int64(st, 17));
	if (o && with_evidence) {
		json_t *ev = json_loads(store_col_text(st, 16), 0, NULL);
		if (ev)
			mask_evidence(ev);
		json_object_set_new(o, "evidence", ev ? ev : json_array());
	}
	return o;
}

int finding_list(struct store *s, const struct actor *a,
		 const struct finding_query *q, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	const char *region = perm_region_narrow(a, q->region);
	const char *status = q->status && *q->status ? q->status : NULL;
	const char *check = q->check_id && *q->check_id ? q->check_id : NULL;
	int64_t total = 0;
	json_t *items;
	int rc;

	if ((rc = perm_require(a, PERM_FINDING_READ, e)) < 0)
		return rc;
	if (status && !text_in_list(status, finding_states))
		return err_set(e, ERR_INVALID, "status", "enum",
			       "status 应为 open、handed、checked、confirmed、dismissed 或 closed",
			       "status must be open, handed, checked, confirmed, dismissed or closed");
	if (check && !check_known(check))
		return err_set(e, ERR_INVALID, "check", "enum",
			       "check 应为 relative_unfiled、paid_after_death、asset_while_paid、"
			       "duplicate_enrollment、shared_account 或 self_decision",
			       "check must be relative_unfiled, paid_after_death, asset_while_paid,"
			       " duplicate_enrollment, shared_account or self_decision");
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM findings f" FINDING_WHERE,
			      "sssi", region, status, check, q->household_id)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT" FINDING_COLUMNS " FROM findings f"
			      FINDING_WHERE " ORDER BY f.id DESC LIMIT $5 OFFSET $6",
			      "sssiii", region, status, check, q->household_id,
			      q->per_page, (q->page - 1) * q->per_page)) < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, finding_json(st, 1));
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total,
			 "page", (json_int_t)q->page, "per_page", (json_int_t)q->per_page);
	return 0;
}

/* The finding as JSON with evidence, inside the actor's region (404). */
static int load_visible(struct store *s, const struct actor *a, int64_t id,
			json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT" FINDING_COLUMNS " FROM findings f"
			     " WHERE f.id = $1", "i", id);
	if (rc < 0)
		return rc;
	*out = NULL;
	if ((rc = store_step(st, e)) == STORE_ROW)
		*out = finding_json(st, 1);
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!*out)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "监督发现不存在",
			       "no such finding");
	if ((rc = perm_require_region(a, json_string_value(json_object_get(*out, "region_code")),
				      e)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static void record_of(json_t *f, struct wf_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = json_integer_value(json_object_get(f, "id"));
	r->state = json_string_value(json_object_get(f, "status"));
	r->region_code = json_string_value(json_object_get(f, "region_code"));
	r->department = json_string_value(json_object_get(f, "department"));
	r->household_id = json_integer_value(json_object_get(f, "household_id"));
}

static int ledger(struct store *s, int64_t id, json_t **out, int64_t sums[3],
		  struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e,
		"SELECT r.id, r.kind, r.amount_fen, r.on_date, r.note, COALESCE(u.username, ''),"
		" COALESCE(u.display_name, ''), r.created_at FROM recoveries r"
		" LEFT JOIN users u ON u.id = r.recorded_by WHERE r.finding_id = $1"
		" ORDER BY r.id", "i", id);
	if (rc < 0)
		return rc;
	*out = json_array();
	sums[0] = sums[1] = sums[2] = 0;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		const char *kind = store_col_text(st, 1);
		int64_t fen = store_col_int64(st, 2);
		sums[strcmp(kind, "due") == 0 ? 0 : strcmp(kind, "recovered") == 0 ? 1 : 2] += fen;
		json_array_append_new(*out, json_pack("{s:I, s:s, s:I, s:s, s:o, s:s, s:s, s:s}",
			"id", (json_int_t)store_col_int64(st, 0), "kind", kind,
			"amount_fen", (json_int_t)fen, "on_date", store_col_text(st, 3),
			"note", text_or_null(st, 4), "by", store_col_text(st, 5),
			"by_name", store_col_text(st, 6), "created_at", store_col_text(st, 7)));
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc < 0 ? rc : 0;
}

static int history(struct store *s, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e,
		"SELECT id, action, from_state, to_state, username, at, reason, detail"
		" FROM events WHERE entity = 'finding' AND entity_id = $1 ORDER BY id",
		"i", id);
	if (rc < 0)
		return rc;
	*out = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW) {
		json_t *d = json_loads(store_col_text(st, 7), 0, NULL);
		json_array_append_new(*out, json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:o, s:o}",
			"id", (json_int_t)store_col_int64(st, 0), "action", store_col_text(st, 1),
			"from_state", text_or_null(st, 2), "to_state", store_col_text(st, 3),
			"username", store_col_text(st, 4), "at", store_col_text(st, 5),
			"reason", text_or_null(st, 6), "detail", d ? d : json_object()));
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc < 0 ? rc : 0;
}

/* Recoveries: inspectors, or reviewers of the department it was handed to
 * (the department recovers the money). */
static int may_record(const struct actor *a, json_t *f)
{
	const char *dep = json_string_value(json_object_get(f, "department"));
	if (!perm_role_has(a->role, PERM_FINDING_ACT))
		return 0;
	if (a->role == ROLE_INSPECTOR)
		return 1;
	return a->role == ROLE_REVIEWER && dep && strcmp(dep, a->department) == 0;
}

int finding_get(struct store *s, const struct actor *a, int64_t id,
		json_t **out, struct err *e)
{
	json_t *f = NULL, *led = NULL, *ev = NULL, *acts;
	struct wf_record r;
	int64_t sums[3];
	int rc;

	if ((rc = perm_require(a, PERM_FINDING_READ, e)) < 0 ||
	    (rc = load_visible(s, a, id, &f, e)) < 0)
		return rc;
	if ((rc = ledger(s, id, &led, sums, e)) < 0 || (rc = history(s, id, &ev, e)) < 0) {
		json_decref(f);
		json_decref(led);
		return rc;
	}
	int64_t balance = sums[0] - sums[1] - sums[2];
	json_object_set_new(f, "ledger", led);
	json_object_set_new(f, "due_fen", json_integer(sums[0]));
	json_object_set_new(f, "recovered_fen", json_integer(sums[1]));
	json_object_set_new(f, "written_off_fen", json_integer(sums[2]));
	json_object_set_new(f, "balance_fen", json_integer(balance));
	json_object_set_new(f, "events", ev);
	record_of(f, &r);
	acts = json_array();
	if (perm_role_has(a->role, PERM_FINDING_ACT)) {
		json_t *wa = workflow_actions(&wf_finding, &r, a), *x;
		size_t i;
		json_array_foreach(wa, i, x) {
			const char *act = json_string_value(json_object_get(x, "action"));
			if (strcmp(act, "close") == 0 && balance != 0)
				continue;
			json_array_append(acts, x);
		}
		json_decref(wa);
		if (strcmp(r.state, "confirmed") == 0 && balance > 0 && may_record(a, f))
			json_array_append_new(acts, json_pack("{s:s, s:s, s:b}", "action", "recovery",
							      "label", "登记追回或核销",
							      "needs_reason", 0));
	}
	json_object_set_new(f, "actions", acts);
	*out = f;
	return 0;
}

/* The amount paid now on the payment lines of the finding's evidence. */
static int recompute(struct store *s, json_t *f, int64_t *fen, struct err *e)
{
	json_t *ev = json_object_get(f, "evidence"), *x;
	size_t i;
	int rc = 0;

	*fen = 0;
	json_array_foreach(ev, i, x) {
		int64_t amount = 0;
		const char *kind = json_string_value(json_object_get(x, "kind"));
		if (!kind || strcmp(kind, "payment_line") != 0)
			continue;
		rc = store_int64(s, &amount, e,
			"SELECT COALESCE(sum(l.amount_fen), 0) FROM payment_lines l"
			" JOIN payment_runs r ON r.id = l.run_id WHERE l.id = $1 AND"
			" (l.status = 'paid' OR (l.status = 'pending' AND r.status IN"
			" ('approved', 'paid')))", "i",
			(int64_t)json_integer_value(json_object_get(x, "id")));
		if (rc < 0)
			return rc;
		*fen += amount;
	}
	return rc;
}

static int balance_of(struct store *s, int64_t id, int64_t *balance, struct err *e)
{
	return store_int64(s, balance, e,
		"SELECT COALESCE(sum(CASE kind WHEN 'due' THEN amount_fen ELSE -amount_fen END), 0)"
		" FROM recoveries WHERE finding_id = $1", "i", id);
}

int finding_action(struct store *s, const struct actor *a, int64_t id,
		   const char *action, json_t *body, struct err *e)
{
	static const char *const k_hand[] = { "department", "note", NULL };
	static const char *const k_check[] = { "result", NULL };
	static const char *const k_confirm[] = { "amount_fen", "note", NULL };
	static const char *const k_dismiss[] = { "reason", NULL };
	static const char *const k_close[] = { "note", NULL };
	const struct wf_transition *row = NULL;
	const char *department = NULL, *result = NULL, *reason = NULL, *note = NULL;
	int64_t amount = -1, balance = 0;
	json_t *f = NULL, *detail = NULL;
	struct wf_record r;
	char now[21], today[11];
	int rc;

	if ((rc = perm_require(a, PERM_FINDING_ACT, e)) < 0 ||
	    (rc = load_visible(s, a, id, &f, e)) < 0)
		return rc;
	record_of(f, &r);
	json_t *empty = json_object();
	if (!body)
		body = empty;
	if (strcmp(action, "hand_over") == 0) {
		if ((rc = jsonx_only(body, k_hand, e)) < 0 ||
		    (rc = jsonx_string(body, "department", JSONX_REQUIRED, 32, &department, e)) < 0 ||
		    (rc = jsonx_string(body, "note", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &note, e)) < 0)
			goto out;
		if (text_blank(department)) {
			rc = err_set(e, ERR_INVALID, "department", "required",
				     "请填写移交的主管部门", "department is required");
			goto out;
		}
	} else if (strcmp(action, "check") == 0) {
		if ((rc = jsonx_only(body, k_check, e)) < 0 ||
		    (rc = jsonx_string(body, "result", JSONX_REQUIRED, 4000, &result, e)) < 0)
			goto out;
		if (text_blank(result)) {
			rc = err_set(e, ERR_INVALID, "result", "required",
				     "请填写核查结果", "result is required");
			goto out;
		}
	} else if (strcmp(action, "confirm") == 0) {
		if ((rc = jsonx_only(body, k_confirm, e)) < 0 ||
		    (rc = jsonx_int(body, "amount_fen", JSONX_OPTIONAL, 0,
				    (int64_t)1 << 50, &amount, e)) < 0 ||
		    (rc = jsonx_string(body, "note", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &note, e)) < 0)
			goto out;
	} else if (strcmp(action, "dismiss") == 0) {
		if ((rc = jsonx_only(body, k_dismiss, e)) < 0 ||
		    (rc = jsonx_string(body, "reason", JSONX_OPTIONAL, LIMIT_REASON_BYTES,
				       &reason, e)) < 0)
			goto out;
	} else if (strcmp(action, "close") == 0) {
		if ((rc = jsonx_only(body, k_close, e)) < 0 ||
		    (rc = jsonx_string(body, "note", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &note, e)) < 0)
			goto out;
	}
	/* Unknown actions: workflow_check answers 409 with the allowed ones. */
	if ((rc = workflow_check(&wf_finding, &r, a, action, reason ? reason : note, &row, e)) < 0)
		goto out;
	if ((rc = store_begin(s, e)) < 0)
		goto out;
	clock_format_utc(clock_now(), now);
	clock_format_date(clock_today_china(), today);
	detail = json_object();
	if (strcmp(action, "hand_over") == 0) {
		json_object_set_new(detail, "department", json_string(department));
		rc = store_execv(s, e, "UPDATE findings SET department = $1 WHERE id = $2",
				 "si", department, id);
	} else if (strcmp(action, "check") == 0) {
		json_object_set_new(detail, "result", json_string(result));
		rc = store_execv(s, e, "UPDATE findings SET check_result = $1 WHERE id = $2",
				 "si", result, id);
	} else if (strcmp(action, "dismiss") == 0) {
		rc = store_execv(s, e, "UPDATE findings SET dismiss_reason = $1 WHERE id = $2",
				 "si", reason, id);
	} else if (strcmp(action, "confirm") == 0) {
		const char *check = json_string_value(json_object_get(f, "check_id"));
		int64_t computed = 0;
		if (strcmp(check, "paid_after_death") == 0 || strcmp(check, "asset_while_paid") == 0)
			rc = recompute(s, f, &computed, e);
		if (rc == 0 && amount < 0)
			amount = computed;
		json_object_set_new(detail, "amount_fen", json_integer(amount));
		json_object_set_new(detail, "computed_fen", json_integer(computed));
		if (rc == 0)
			rc = store_execv(s, e, "UPDATE findings SET amount_fen = $1 WHERE id = $2",
					 "ii", amount, id);
		if (rc == 0 && amount > 0)
			rc = store_execv(s, e, "INSERT INTO recoveries (finding_id, region_code, kind,"
					 " amount_fen, on_date, note, recorded_by, created_at) VALUES"
					 " ($1, $2, 'due', $3, $4, $5, NULLIF($6, 0), $7)", "isissis",
					 id, r.region_code, amount, today, note, a->user_id, now);
	} else if (strcmp(action, "close") == 0) {
		if ((rc = balance_of(s, id, &balance, e)) == 0 && balance != 0) {
			char yuan[48];
			crosscheck_yuan(balance, yuan, sizeof(yuan));
			rc = err_setf(e, ERR_CONFLICT, NULL, "balance",
				      "尚有%s未追回或核销，不能办结",
				      "%s is still outstanding: recover or write it off first", yuan);
		}
	}
	if (rc == 0 && note)
		json_object_set_new(detail, "note", json_string(note));
	if (rc == 0)
		rc = workflow_apply(s, &wf_finding, &r, a, row, reason ? reason : NULL, detail, e);
	if (rc < 0) {
		store_rollback(s);
		goto out;
	}
	rc = store_commit(s, e);
out:
	json_decref(empty);
	json_decref(detail);
	json_decref(f);
	return rc;
}

int finding_recovery_add(struct store *s, const struct actor *a, int64_t id,
			 json_t *body, struct err *e)
{
	static const char *const known[] = { "kind", "amount_fen", "on_date", "note", NULL };
	static const char *const kinds[] = { "recovered", "written_off", NULL };
	const char *kind = NULL, *on_date = NULL, *note = NULL;
	int64_t amount = 0, day, balance = 0;
	json_t *f = NULL, *d = NULL;
	struct wf_record r;
	char now[21], yuan[48];
	int rc;

	if ((rc = perm_require(a, PERM_FINDING_ACT, e)) < 0 ||
	    (rc = load_visible(s, a, id, &f, e)) < 0)
		return rc;
	record_of(f, &r);
	if (!may_record(a, f)) {
		rc = err_set(e, ERR_FORBIDDEN, NULL, "department",
			     "登记追回由纪检监察员或承办部门办理",
			     "recoveries are recorded by inspectors or the department the finding was handed to");
		goto out;
	}
	if ((rc = jsonx_only(body, known, e)) < 0 ||
	    (rc = jsonx_enum(body, "kind", JSONX_REQUIRED, kinds, &kind, e)) < 0 ||
	    (rc = jsonx_int(body, "amount_fen", JSONX_REQUIRED, INT64_MIN, INT64_MAX,
			    &amount, e)) < 0 ||
	    (rc = jsonx_string(body, "on_date", JSONX_REQUIRED, 10, &on_date, e)) < 0 ||
	    (rc = jsonx_string(body, "note", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &note, e)) < 0)
		goto out;
	if (clock_parse_date(on_date, &day) < 0) {
		rc = err_set(e, ERR_INVALID, "on_date", "date", "on_date 应为 YYYY-MM-DD",
			     "on_date must be YYYY-MM-DD");
		goto out;
	}
	if (day > clock_today_china()) {
		rc = err_set(e, ERR_INVALID, "on_date", "future", "on_date 不能晚于今天",
			     "on_date cannot be in the future");
		goto out;
	}
	if (strcmp(r.state, "confirmed") != 0) {
		rc = err_setf(e, ERR_CONFLICT, NULL, "transition",
			      "当前状态“%s”下不能登记追回；须先认定",
			      "“%s” does not allow recoveries: confirm the finding first", r.state);
		goto out;
	}
	if ((rc = store_begin(s, e)) < 0)
		goto out;
	if ((rc = balance_of(s, id, &balance, e)) < 0)
		goto fail;
	if (amount <= 0 || amount > balance) {
		crosscheck_yuan(balance, yuan, sizeof(yuan));
		rc = err_setf(e, ERR_INVALID, "amount_fen", amount <= 0 ? "range" : "balance",
			      "amount_fen 须大于 0 且不超过未结余额%s",
			      "amount_fen must be above 0 and at most the balance %s", yuan);
		goto fail;
	}
	clock_format_utc(clock_now(), now);
	if ((rc = store_execv(s, e, "INSERT INTO recoveries (finding_id, region_code, kind,"
			      " amount_fen, on_date, note, recorded_by, created_at) VALUES"
			      " ($1, $2, $3, $4, $5, $6, NULLIF($7, 0), $8)", "ississis",
			      id, r.region_code, kind, amount, on_date, note, a->user_id, now)) < 0)
		goto fail;
	d = json_pack("{s:s, s:I, s:s, s:I}", "kind", kind, "amount_fen", (json_int_t)amount,
		      "on_date", on_date, "balance_fen", (json_int_t)(balance - amount));
	if (note)
		json_object_set_new(d, "note", json_string(note));
	if ((rc = workflow_event(s, "finding", &r, a, kind, r.state, NULL, d, e)) < 0 ||
	    (rc = audit_append(s, a, "finding.recovery", "finding", id, r.region_code, d, e)) < 0)
		goto fail;
	rc = store_commit(s, e);
	goto out;
fail:
	store_rollback(s);
out:
	json_decref(d);
	json_decref(f);
	return rc;
}

/* === figures === */

struct fig {
	char township[10], month[8];
	int64_t found, recovered, written_off, findings, confirmed;
};

struct figs {
	struct fig *r;
	size_t n, cap;
};

static struct fig *fig_at(struct figs *g, const char *region, const char *month)
{
	char t[10];
	crosscheck_township(region, t);
	if (!t[0])
		snprintf(t, sizeof(t), "%.9s", region);
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->r[i].township, t) == 0 && strcmp(g->r[i].month, month) == 0)
			return &g->r[i];
	g->r = xgrow(g->r, &g->cap, g->n + 1, sizeof(*g->r));
	struct fig *x = &g->r[g->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->township, sizeof(x->township), "%s", t);
	snprintf(x->month, sizeof(x->month), "%s", month);
	return x;
}

/* "YYYY-MM" in China of a UTC time. */
static void china_month(const char *utc, char out[8])
{
	int64_t t;
	char day[11];
	if (clock_parse_utc(utc, &t) < 0) {
		snprintf(out, 8, "%.7s", utc);
		return;
	}
	clock_format_date((t + CLOCK_CHINA_OFFSET) / 86400, day);
	snprintf(out, 8, "%.7s", day);
}

static int in_range(const char *month, const char *from, const char *to)
{
	return (!from || strcmp(month, from) >= 0) && (!to || strcmp(month, to) <= 0);
}

static int cmp_fig(const void *a, const void *b)
{
	const struct fig *x = a, *y = b;
	int k = strcmp(x->township, y->township);
	return k ? k : strcmp(x->month, y->month);
}

static int valid_month(const char *m)
{
	int y, mo;
	char tail;
	return m && strlen(m) == 7 && sscanf(m, "%4d-%2d%c", &y, &mo, &tail) == 2 &&
	       m[4] == '-' && mo >= 1 && mo <= 12;
}

int finding_figures(struct store *s, const struct actor *a, const char *from,
		    const char *to, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	struct figs g = { 0 };
	const char *region = perm_region_narrow(a, NULL);
	json_t *rows, *months, *towns, *totals;
	int64_t t_found = 0, t_rec = 0, t_wo = 0, t_n = 0, t_conf = 0;
	char m[8];
	int rc;

	if ((rc = perm_require(a, PERM_FINDING_READ, e)) < 0)
		return rc;
	from = from && *from ? from : NULL;
	to = to && *to ? to : NULL;
	if (from && !valid_month(from))
		return err_set(e, ERR_INVALID, "from", "month", "from 应为 YYYY-MM",
			       "from must be YYYY-MM");
	if (to && !valid_month(to))
		return err_set(e, ERR_INVALID, "to", "month", "to 应为 YYYY-MM",
			       "to must be YYYY-MM");
	/* Findings raised, by month found. */
	rc = store_query(s, &st, e, "SELECT region_code, created_at FROM findings"
			 " WHERE substr(region_code, 1, length($1)) = $1", "s", region);
	while (rc == 0 && (rc = store_step(st, e)) == STORE_ROW) {
		china_month(store_col_text(st, 1), m);
		struct fig *x = in_range(m, from, to) ? fig_at(&g, store_col_text(st, 0), m) : NULL;
		if (x)
			x->findings++;
		rc = 0;
	}
	store_finalize(st);
	st = NULL;
	/* Confirmed amounts, by the month of the confirmation. */
	if (rc >= 0)
		rc = store_query(s, &st, e, "SELECT f.region_code, ev.at, COALESCE(f.amount_fen, 0)"
				 " FROM events ev JOIN findings f ON f.id = ev.entity_id"
				 " WHERE ev.entity = 'finding' AND ev.action = 'confirm'"
				 "   AND substr(f.region_code, 1, length($1)) = $1", "s", region);
	while (rc == 0 && (rc = store_step(st, e)) == STORE_ROW) {
		china_month(store_col_text(st, 1), m);
		struct fig *x = in_range(m, from, to) ? fig_at(&g, store_col_text(st, 0), m) : NULL;
		if (x) {
			x->found += store_col_int64(st, 2);
			x->confirmed++;
		}
		rc = 0;
	}
	store_finalize(st);
	st = NULL;
	/* Recovered and written off, by the ledger's date. */
	if (rc >= 0)
		rc = store_query(s, &st, e, "SELECT region_code, substr(on_date, 1, 7), kind,"
				 " sum(amount_fen) FROM recoveries WHERE kind <> 'due'"
				 "   AND substr(region_code, 1, length($1)) = $1"
				 " GROUP BY region_code, substr(on_date, 1, 7), kind", "s", region);
	while (rc == 0 && (rc = store_step(st, e)) == STORE_ROW) {
		snprintf(m, sizeof(m), "%s", store_col_text(st, 1));
		struct fig *x = in_range(m, from, to) ? fig_at(&g, store_col_text(st, 0), m) : NULL;
		if (x) {
			if (strcmp(store_col_text(st, 2), "recovered") == 0)
				x->recovered += store_col_int64(st, 3);
			else
				x->written_off += store_col_int64(st, 3);
		}
		rc = 0;
	}
	store_finalize(st);
	if (rc < 0) {
		free(g.r);
		return rc;
	}
	if (g.n > 1)
		qsort(g.r, g.n, sizeof(*g.r), cmp_fig);
	rows = json_array();
	months = json_array();
	towns = json_array();
	for (size_t i = 0; i < g.n; i++) {
		struct fig *x = &g.r[i];
		json_array_append_new(rows, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
			"township", x->township, "month", x->month,
			"found_fen", (json_int_t)x->found, "recovered_fen", (json_int_t)x->recovered,
			"written_off_fen", (json_int_t)x->written_off,
			"findings", (json_int_t)x->findings, "confirmed", (json_int_t)x->confirmed));
		t_found += x->found;
		t_rec += x->recovered;
		t_wo += x->written_off;
		t_n += x->findings;
		t_conf += x->confirmed;
		int seen = 0;
		size_t k;
		json_t *v;
		json_array_foreach(months, k, v)
			seen |= strcmp(json_string_value(v), x->month) == 0;
		if (!seen)
			json_array_append_new(months, json_string(x->month));
		if (i == 0 || strcmp(g.r[i - 1].township, x->township) != 0) {
			char name[128] = "";
			struct store_stmt *q = NULL;
			if (store_query(s, &q, e, "SELECT name FROM divisions WHERE code = $1", "s",
					x->township) == 0 && store_step(q, e) == STORE_ROW)
				snprintf(name, sizeof(name), "%s", store_col_text(q, 0));
			store_finalize(q);
			json_array_append_new(towns, json_pack("{s:s, s:s}", "code", x->township,
							       "name", name));
		}
	}
	free(g.r);
	/* months in order */
	size_t nm = json_array_size(months);
	for (size_t i = 1; i < nm; i++)
		for (size_t j = i; j > 0 && strcmp(json_string_value(json_array_get(months, j - 1)),
						   json_string_value(json_array_get(months, j))) > 0; j--) {
			json_t *p = json_incref(json_array_get(months, j - 1));
			json_array_set(months, j - 1, json_array_get(months, j));
			json_array_set_new(months, j, p);
		}
	totals = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "found_fen", (json_int_t)t_found,
			   "recovered_fen", (json_int_t)t_rec, "written_off_fen", (json_int_t)t_wo,
			   "outstanding_fen", (json_int_t)(t_found - t_rec - t_wo),
			   "findings", (json_int_t)t_n, "confirmed", (json_int_t)t_conf);
	*out = json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o}", "months", months,
			 "townships", towns, "rows", rows, "totals", totals, "region", region,
			 "from", jsonx_str_or_null(from), "to", jsonx_str_or_null(to));
	return 0;
}
