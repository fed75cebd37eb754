/*
 * h_feed.c - the feed catalogue, file imports and the batches.
 *
 * The upload is the file itself as the request body (ROUTE_CSV_BODY: the
 * server has already capped it at LIMIT_IMPORT_BYTES), its original name
 * in ?file_name=, so a browser can send a File object as it is and a
 * script can use curl --data-binary.  A new batch answers 201, the same
 * file sent again 200 with the earlier batch ("existing": true), rejected
 * rows or not: the import report lists them, and
 * GET /api/feeds/batches/{id}?format=csv downloads them.
 */
#include <string.h>

#include "http.h"
#include "handlers.h"
#include "../core/config.h"
#include "../core/strbuf.h"
#include "../domain/feed.h"
#include "../domain/program.h"
#include "../core/banned.h"

static int catalogue(struct http_req *req, const struct feed_catalogue **cat,
		     struct err *e)
{
	const struct program_config *pc;
	int rc;

	if ((rc = program_config_from(&req->app->cfg, &pc, e)) < 0)
		return rc;
	return feed_catalogue_load(pc->dir, cat, e);
}

int h_feed_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct feed_catalogue *cat;
	int rc;

	if ((rc = catalogue(req, &cat, e)) < 0)
		return rc;
	return http_reply(resp, 200, json_pack("{s:o}", "items",
					       feed_catalogue_json(cat)));
}

/* The name to record: the last path component of ?file_name=, at most
 * 200 bytes of printable text; "upload.csv" when none is given. */
static int file_name_of(struct http_req *req, const char **out, struct err *e)
{
	const char *n = http_query(req, "file_name"), *slash;

	if (!n || !*n) {
		*out = "upload.csv";
		return 0;
	}
	slash = strrchr(n, '/');
	if (slash)
		n = slash + 1;
	slash = strrchr(n, '\\');
	if (slash)
		n = slash + 1;
	if (!*n || strlen(n) > 200)
		return err_set(e, ERR_INVALID, "file_name", "length",
			       "文件名应为 1 到 200 字节", "file_name must be 1 to 200 bytes");
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p < 0x20)
			return err_set(e, ERR_INVALID, "file_name", "characters",
				       "文件名含有控制字符",
				       "file_name holds a control character");
	*out = n;
	return 0;
}

int h_feed_import(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *pc;
	struct feed_result r;
	const char *name = NULL;
	json_t *out;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = file_name_of(req, &name, e)) < 0 ||
	    (rc = program_config_from(&req->app->cfg, &pc, e)) < 0)
		return rc;
	if (!req->raw_body || req->raw_len == 0)
		return err_set(e, ERR_INVALID, "file", "empty", "文件为空",
			       "the file is empty");
	rc = feed_import(req->store, &req->actor, pc->dir,
			 config_get(&req->app->cfg, CFG_DATA_DIR), req->params[0],
			 name, req->raw_body, req->raw_len, NULL, &r, e);
	if (rc < 0)
		return rc;
	out = feed_result_json(&r);
	feed_result_release(&r);
	return http_reply(resp, r.existing ? 200 : 201, out);
}

int h_batch_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = feed_batch_list(req->store, http_query(req, "feed"), page,
				  per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

static int rejected_csv(struct http_req *req, struct http_resp *resp,
			int64_t id, struct err *e)
{
	struct strbuf sb = STRBUF_INIT;
	void *copy;
	int rc = feed_batch_rejected_csv(req->store, id, &sb, e);

	if (rc < 0)
		goto cleanup;
	copy = arena_alloc(&req->arena, sb.len + 1);
	if (!copy) {
		rc = err_set(e, ERR_TOO_LARGE, NULL, "too_large", "报告过大",
			     "the report is too large");
		goto cleanup;
	}
	memcpy(copy, sb.buf, sb.len);
	resp->status = 200;
	resp->raw = copy;
	resp->raw_len = sb.len;
	resp->raw_type = "text/csv; charset=utf-8";
cleanup:
	strbuf_release(&sb);
	return rc;
}

int h_batch_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const char *format = http_query(req, "format");
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0)
		return rc;
	if (format && strcmp(format, "csv") == 0)
		return rejected_csv(req, resp, id, e);
	if (format && strcmp(format, "json") != 0)
		return err_set(e, ERR_INVALID, "format", "enum",
			       "format 应为 json 或 csv", "format must be json or csv");
	if ((rc = feed_batch_get(req->store, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
