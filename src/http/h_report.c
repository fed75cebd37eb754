/*
 * h_report.c - handlers for photos, reports and cases: read the request,
 * call report_* / photo_* / case_*, render.  A report action or case action
 * this file does not do is passed to the domain, which answers with the
 * workflow's 409 naming the actions allowed now.
 */
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "handlers.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../domain/casework.h"
#include "../domain/program.h"
#include "../domain/report.h"
#include "../core/banned.h"

/* === photos === */

int h_photo_upload(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct photo_info info;
	int rc = photo_store(req->store, &req->actor, req->raw_body, req->raw_len,
			     req->content_type, &info, e);
	if (rc < 0)
		return rc;
	return http_reply(resp, 201, json_pack("{s:s, s:s, s:I}", "sha256", info.sha256,
					       "mime", info.mime,
					       "bytes", (json_int_t)info.bytes));
}

int h_photo_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const void *bytes = NULL;
	size_t len = 0;
	char mime[16];
	int rc = photo_get(req->store, &req->actor, req->params[0], &req->arena,
			   &bytes, &len, mime, e);
	if (rc < 0)
		return rc;
	resp->status = 200;
	resp->raw = bytes;
	resp->raw_len = len;
	resp->raw_type = arena_strdup(&req->arena, mime);
	/* A photo never changes (it is named by its hash): the browser may keep it. */
	resp->raw_cache = "private, max-age=86400, immutable";
	return 0;
}

/* === reports === */

static int flag(struct http_req *req, const char *key)
{
	const char *v = http_query(req, key);
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

int h_report_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct report_input in;
	enum report_outcome how = REPORT_CREATED;
	json_t *out = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = report_input_from_json(req->body, 0, &in, e)) < 0 ||
	    (rc = report_create(req->store, &req->actor, &in, &id, &how, e)) < 0 ||
	    (rc = report_render(req->store, id, &out, e)) < 0)
		return rc;
	if (how == REPORT_MERGED) {
		json_t *dup = json_object_get(out, "duplicate_of");
		return http_reply(resp, 200, json_pack("{s:O, s:o}", "duplicate", dup,
						       "report", out));
	}
	return http_reply(resp, how == REPORT_CREATED ? 201 : 200, out);
}

int h_public_report_create(struct http_req *req, struct http_resp *resp,
			   struct err *e)
{
	struct report_input in;
	json_t *out = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = report_input_from_json(req->body, 1, &in, e)) < 0 ||
	    (rc = report_public_create(req->store, req->actor.ip, &in, &id, e)) < 0 ||
	    (rc = report_receipt(req->store, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 201, out);
}

int h_report_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct report_query q = {
		.status = http_query(req, "status"),
		.mine = flag(req, "mine"),
		.region = http_query(req, "region"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = report_list(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_report_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = report_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

static int report_accept_reply(struct http_req *req, struct http_resp *resp,
			       int64_t id, struct err *e)
{
	static const char *const none[] = { NULL };
	json_t *report = NULL, *c = NULL;
	int64_t case_id = 0;
	int rc;

	if ((rc = jsonx_only(req->body, none, e)) < 0 ||
	    (rc = report_accept(req->store, &req->actor, id, &case_id, e)) < 0 ||
	    (rc = report_render(req->store, id, &report, e)) < 0)
		return rc;
	if ((rc = case_render(req->store, case_id, &c, e)) < 0) {
		json_decref(report);
		return rc;
	}
	return http_reply(resp, 200, json_pack("{s:o, s:o}", "report", report, "case", c));
}

int h_report_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	static const char *const reason_only[] = { "reason", NULL };
	const char *action = req->params[1], *reason = NULL;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0)
		return rc;
	if (strcmp(action, "accept") == 0)
		return report_accept_reply(req, resp, id, e);
	if (strcmp(action, "dismiss") != 0)
		return report_refuse_action(req->store, &req->actor, id, action, e);
	if ((rc = jsonx_only(req->body, reason_only, e)) < 0 ||
	    (rc = jsonx_string(req->body, "reason", 0, LIMIT_FIELD_BYTES, &reason, e)) < 0 ||
	    (rc = report_dismiss(req->store, &req->actor, id, reason, e)) < 0 ||
	    (rc = report_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

/* === cases === */

int h_case_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct case_query q = {
		.status = http_query(req, "status"),
		.mine = flag(req, "mine"),
		.region = http_query(req, "region"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = case_list(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

/* The programs for naming referrals; NULL (codes shown) if the config
 * cannot be read: the case page should not fail for a label. */
static const struct program_config *programs_of(struct http_req *req)
{
	const struct program_config *pc = NULL;
	struct err ignored;
	if (!req->app || program_config_from(&req->app->cfg, &pc, &ignored) < 0)
		return NULL;
	return pc;
}

static int case_reply(struct http_req *req, struct http_resp *resp, int64_t id,
		      struct err *e)
{
	json_t *out = NULL;
	int rc = case_get(req->store, &req->actor, programs_of(req), id, &out, e);
	if (rc < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_case_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t id;
	int rc = http_param_id(req, 0, &id, e);
	if (rc < 0)
		return rc;
	return case_reply(req, resp, id, e);
}

static int owner_change(struct http_req *req, int64_t id, int reassign,
			struct err *e)
{
	static const char *const known[] = { "to_user_id", "reason", NULL };
	const char *reason = NULL;
	int64_t to = 0;
	int rc;

	if ((rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_int(req->body, "to_user_id", 1, 1, INT64_MAX, &to, e)) < 0 ||
	    (rc = jsonx_string(req->body, "reason", 0, LIMIT_FIELD_BYTES, &reason, e)) < 0)
		return rc;
	return reassign ? case_reassign(req->store, &req->actor, id, to, reason, e)
			: case_handover(req->store, &req->actor, id, to, reason, e);
}

static int close_case(struct http_req *req, int64_t id, struct err *e)
{
	static const char *const reason_only[] = { "reason", NULL };
	const char *reason = NULL;
	int rc;

	if ((rc = jsonx_only(req->body, reason_only, e)) < 0 ||
	    (rc = jsonx_string(req->body, "reason", 0, LIMIT_FIELD_BYTES, &reason, e)) < 0)
		return rc;
	return case_close(req->store, &req->actor, id, reason, e);
}

int h_case_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const char *action = req->params[1];
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0)
		return rc;
	if (strcmp(action, "handover") == 0 || strcmp(action, "reassign") == 0)
		rc = owner_change(req, id, strcmp(action, "reassign") == 0, e);
	else if (strcmp(action, "close") == 0)
		rc = close_case(req, id, e);
	else
		rc = case_refuse_action(req->store, &req->actor, id, action, e);
	if (rc < 0)
		return rc;
	return case_reply(req, resp, id, e);
}
