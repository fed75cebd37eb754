/*
 * notify.c - inbox and outbox reads for the API.
 *
 * Design: the inbox query always carries "user_id = the actor", so a
 * message of someone else is indistinguishable from one that does not
 * exist (404).  Marking read is not audited: it changes only the reader's
 * own view, not a record of the county's work.  The outbox is the admins'
 * window on the webhook: list by state, and put a parked message back in
 * the queue (audited, since it makes the system send something again).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "notify.h"
#include "audit.h"
#include "../core/clock.h"
#include "../core/jsonx.h"
#include "render.h"
#include "../core/banned.h"

const char *const outbox_states[] = { "pending", "sent", "parked", "none", NULL };

/* === inbox === */

#define INBOX_COLUMNS "id, message_id, kind, title, body, link, created_at, read_at"

static json_t *inbox_json(struct store_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
			      "id", (json_int_t)store_col_int64(st, 0),
			      "message_id", store_col_text(st, 1),
			      "kind", store_col_text(st, 2),
			      "title", store_col_text(st, 3),
			      "body", store_col_text(st, 4),
			      "created_at", store_col_text(st, 6));
	json_object_set_new(o, "link", render_text_or_null(st, 5));
	json_object_set_new(o, "read_at", render_text_or_null(st, 7));
	return o;
}

/* Step st to the end, one object a row; finalizes st. */
static int collect(struct store_stmt *st, json_t *(*row)(struct store_stmt *),
		   json_t **items, struct err *e)
{
	int rc;

	*items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(*items, row(st));
	store_finalize(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	return 0;
}

int inbox_list(struct store *s, const struct actor *a, int64_t page,
	       int64_t per_page, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t total, unread;
	json_t *items;
	int rc;

	if ((rc = perm_require(a, PERM_SIGNED_IN, e)) < 0 ||
	    (rc = store_int64(s, &total, e, "SELECT count(*) FROM inbox"
			      " WHERE user_id = $1", "i", a->user_id)) < 0 ||
	    (rc = store_int64(s, &unread, e, "SELECT count(*) FROM inbox"
			      " WHERE user_id = $1 AND read_at IS NULL", "i",
			      a->user_id)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " INBOX_COLUMNS " FROM inbox"
			      " WHERE user_id = $1"
			      " ORDER BY (read_at IS NULL) DESC, created_at DESC, id DESC"
			      " LIMIT $2 OFFSET $3", "iii", a->user_id, per_page,
			      (page - 1) * per_page)) < 0 ||
	    (rc = collect(st, inbox_json, &items, e)) < 0)
		return rc;
	*out = json_pack("{s:o, s:I, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total, "unread", (json_int_t)unread,
			 "page", (json_int_t)page, "per_page", (json_int_t)per_page);
	return 0;
}

static int not_found(struct err *e)
{
	return err_set(e, ERR_NOT_FOUND, NULL, "not_found", "没有这条消息",
		       "no such message");
}

int inbox_mark_read(struct store *s, const struct actor *a, int64_t id,
		    json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	char now[21];
	int rc;

	clock_format_utc(clock_now(), now);
	if ((rc = store_execv(s, e, "UPDATE inbox SET read_at = $1"
			      " WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
			      "sii", now, id, a->user_id)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " INBOX_COLUMNS " FROM inbox"
			      " WHERE id = $1 AND user_id = $2", "ii", id,
			      a->user_id)) < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW && out)
		*out = inbox_json(st);
	store_finalize(st);
	if (rc == STORE_DONE)
		return not_found(e);
	return rc < 0 ? rc : 0;
}

/* === outbox === */

#define OUTBOX_COLUMNS \
	"id, message_id, kind, region_code, title, body, link, created_at," \
	" inbox_done, webhook_state, attempts, next_attempt_at, last_error"
/* Inside the actor's region ($1); a message without a region is the
 * county's. */
#define OUTBOX_REGION \
	" (substr(region_code, 1, length($1)) = $1 OR region_code = '')"

static json_t *outbox_json(struct store_stmt *st)
{
	int64_t next = store_col_int64(st, 11);
	char at[21];
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:I}",
			      "id", (json_int_t)store_col_int64(st, 0),
			      "message_id", store_col_text(st, 1),
			      "kind", store_col_text(st, 2),
			      "region_code", store_col_text(st, 3),
			      "title", store_col_text(st, 4),
			      "body", store_col_text(st, 5),
			      "created_at", store_col_text(st, 7),
			      "inbox_done", (int)store_col_int64(st, 8),
			      "webhook_state", store_col_text(st, 9),
			      "attempts", (json_int_t)store_col_int64(st, 10));
	json_object_set_new(o, "link", render_text_or_null(st, 6));
	if (next > 0) {
		clock_format_utc(next, at);
		json_object_set_new(o, "next_attempt_at", json_string(at));
	} else {
		json_object_set_new(o, "next_attempt_at", json_null());
	}
	json_object_set_new(o, "last_error", render_text_or_null(st, 12));
	return o;
}

static int check_state(const char *state, struct err *e)
{
	json_t *probe;
	const char *ignored = NULL;
	int rc;

	if (!state)
		return 0;
	probe = json_pack("{s:s}", "state", state);
	rc = jsonx_enum(probe, "state", 0, outbox_states, &ignored, e);
	json_decref(probe);
	return rc;
}

int outbox_list(struct store *s, const struct actor *a, const char *state,
		int64_t page, int64_t per_page, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *items;
	int64_t total;
	int rc;

	if (state && !*state)
		state = NULL;
	if ((rc = perm_require(a, PERM_OUTBOX_MANAGE, e)) < 0 ||
	    (rc = check_state(state, e)) < 0 ||
	    (rc = store_int64(s, &total, e, "SELECT count(*) FROM outbox WHERE"
			      OUTBOX_REGION " AND ($2 IS NULL OR webhook_state = $2)",
			      "ss", a->region, state)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE"
			      OUTBOX_REGION " AND ($2 IS NULL OR webhook_state = $2)"
			      " ORDER BY id DESC LIMIT $3 OFFSET $4", "ssii",
			      a->region, state, per_page, (page - 1) * per_page)) < 0 ||
	    (rc = collect(st, outbox_json, &items, e)) < 0)
		return rc;
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total, "page", (json_int_t)page,
			 "per_page", (json_int_t)per_page);
	return 0;
}

/* The message as JSON when it lies inside the actor's region. */
static int outbox_load(struct store *s, const struct actor *a, int64_t id,
		       json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if ((rc = store_query(s, &st, e, "SELECT " OUTBOX_COLUMNS " FROM outbox"
			      " WHERE" OUTBOX_REGION " AND id = $2", "si",
			      a->region, id)) < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		*out = outbox_json(st);
	store_finalize(st);
	if (rc == STORE_DONE)
		return not_found(e);
	return rc < 0 ? rc : 0;
}

int outbox_retry(struct store *s, const struct actor *a, int64_t id,
		 json_t **out, struct err *e)
{
	json_t *msg = NULL, *detail = NULL;
	char region[13];
	int rc;

	if ((rc = perm_require(a, PERM_OUTBOX_MANAGE, e)) < 0 ||
	    (rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = outbox_load(s, a, id, &msg, e)) < 0)
		goto fail;
	if (strcmp(json_string_value(json_object_get(msg, "webhook_state")), "parked") != 0) {
		rc = err_setf(e, ERR_CONFLICT, NULL, "not_parked",
			      "只有推送失败已搁置（parked）的消息可以重新推送，这条消息的状态是 %s",
			      "only a parked message can be retried; this one is %s",
			      json_string_value(json_object_get(msg, "webhook_state")));
		goto fail;
	}
	snprintf(region, sizeof(region), "%s",
		 json_string_value(json_object_get(msg, "region_code")));
	detail = json_pack("{s:O, s:O, s:O}", "message_id",
			   json_object_get(msg, "message_id"), "attempts",
			   json_object_get(msg, "attempts"), "last_error",
			   json_object_get(msg, "last_error"));
	if ((rc = store_execv(s, e, "UPDATE outbox SET webhook_state = 'pending',"
			      " attempts = 0, next_attempt_at = $1 WHERE id = $2"
			      " AND webhook_state = 'parked'", "ii", clock_now(), id)) < 0 ||
	    (rc = audit_append(s, a, "outbox.retry", "outbox", id, region, detail, e)) < 0)
		goto fail;
	json_decref(detail);
	json_decref(msg);
	msg = NULL;
	if ((rc = store_commit(s, e)) < 0)
		return rc;
	if (out)
		return outbox_load(s, a, id, out, e);
	return 0;
fail:
	json_decref(detail);
	json_decref(msg);
	store_rollback(s);
	return rc;
}
