/*
 * h_relatives.c - close-relative register, filings (备案), public notices
 * (公示).
 *
 * Thin: read the request, call domain/relatives.h, reply.  The config
 * folder (relationship sets, programs) is the server's config_dir.  The
 * public notice page is raw HTML built by the domain and copied into the
 * request arena, in Chinese unless ?lang=en (a notice is posted for the
 * township's residents, whatever their browser asks for); the server's
 * Content-Security-Policy (default-src 'self')
 * already forbids inline scripts on it.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "handlers.h"
#include "../core/idcard.h"
#include "../domain/program.h"
#include "../domain/relatives.h"
#include "../core/banned.h"

static int config_dir(struct http_req *req, const char **dir, struct err *e)
{
	const struct program_config *pc = NULL;
	int rc = program_config_from(&req->app->cfg, &pc, e);

	if (rc == 0)
		*dir = pc->dir;
	return rc;
}

/* A 0/1 query flag; *out keeps its value when absent. */
static int query_flag(struct http_req *req, const char *key, int *out, struct err *e)
{
	const char *v = http_query(req, key);

	if (!v || !*v)
		return 0;
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return err_setf(e, ERR_INVALID, key, "enum", "%s 应为 0 或 1",
				"%s must be 0 or 1", key);
	*out = v[0] == '1';
	return 0;
}

/* === notices === */

int h_notice_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = notice_list(req->store, &req->actor, page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_notice_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const char *dir = NULL;
	json_t *out = NULL;
	int64_t id = 0;
	int created = 0, rc;

	if ((rc = config_dir(req, &dir, e)) < 0 ||
	    (rc = notice_create(req->store, &req->actor, dir, req->body, &id, &created, e)) < 0 ||
	    (rc = notice_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	json_object_set_new(out, "created", json_boolean(created));
	return http_reply(resp, created ? 201 : 200, out);
}

int h_notice_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = notice_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_notice_public(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const char *dir = NULL, *lang = http_query(req, "lang");
	char *page = NULL, *copy;
	size_t len = 0;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = config_dir(req, &dir, e)) < 0 ||
	    (rc = notice_public_html(req->store, dir, id,
				     lang && strcmp(lang, "en") == 0,
				     &page, &len, e)) < 0)
		return rc;
	copy = arena_strndup(&req->arena, page, len);
	free(page);
	if (!copy)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	resp->status = 200;
	resp->raw = copy;
	resp->raw_len = len;
	resp->raw_type = "text/html; charset=utf-8";
	return 0;
}

/* === the register === */

int h_relative_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct relatives_query q = { .region = http_query(req, "region"), .filed = -1 };
	const char *staff = http_query(req, "staff"), *dir = NULL;
	struct idcard id;
	json_t *out = NULL;
	int rc;

	if (staff && *staff) {
		if ((rc = idcard_parse(staff, "staff", &id, e)) < 0)
			return rc;
		q.staff = arena_strndup(&req->arena, id.number, strlen(id.number));
	}
	if ((rc = query_flag(req, "enrolled", &q.enrolled, e)) < 0 ||
	    (rc = query_flag(req, "filed", &q.filed, e)) < 0 ||
	    (rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = config_dir(req, &dir, e)) < 0 ||
	    (rc = relatives_list(req->store, &req->actor, dir, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

/* === filings === */

int h_filing_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = filing_list(req->store, &req->actor, http_query(req, "visit"),
			      http_query(req, "region"), page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_filing_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id = 0;
	int created = 0, rc;

	if ((rc = filing_create(req->store, &req->actor, req->body, &id, &created, e)) < 0 ||
	    (rc = filing_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	json_object_set_new(out, "created", json_boolean(created));
	return http_reply(resp, created ? 201 : 200, out);
}

int h_filing_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = filing_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_filing_visit(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = filing_visit(req->store, &req->actor, id, req->body, e)) < 0 ||
	    (rc = filing_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
