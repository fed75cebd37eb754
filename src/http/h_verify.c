/*
 * h_verify.c - household economic verification: GET
 * /api/households/{id}/verification answers the JSON result, or with
 * ?format=html the printable page (text/html, built in the request arena).
 */
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "handlers.h"
#include "../domain/program.h"
#include "../domain/verify.h"
#include "../core/banned.h"

int h_household_verification(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *pc = NULL;
	const char *format = http_query(req, "format");
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (format && strcmp(format, "json") != 0 && strcmp(format, "html") != 0)
		return err_set(e, ERR_INVALID, "format", "enum", "format 须为 json 或 html",
			       "format must be json or html");
	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = program_config_from(&req->app->cfg, &pc, e)) < 0 ||
	    (rc = verify_household(req->store, &req->actor, pc, id, &out, e)) < 0)
		return rc;
	if (format && strcmp(format, "html") == 0) {
		size_t len = 0;
		char *page = verify_html(out, &len);
		char *copy = page ? arena_strndup(&req->arena, page, len) : NULL;
		free(page);
		json_decref(out);
		if (!copy)
			return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		resp->status = 200;
		resp->raw = copy;
		resp->raw_len = len;
		resp->raw_type = "text/html; charset=utf-8";
		return 0;
	}
	return http_reply(resp, 200, out);
}
