/*
 * h_payment.c - payment runs, rolls, bank files, bank accounts.
 *
 * Thin: read the request, call domain/payment.h, reply.  The roll is a
 * printable HTML page and the bank file XLSX or CSV (raw bodies copied into
 * the request arena).  A bank return file with rows that match nothing
 * answers 400 with the error and every problem row in error.rejected.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "handlers.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../domain/payment.h"
#include "../domain/program.h"
#include "../core/banned.h"

static int raw_reply(struct http_req *req, struct http_resp *resp, const void *data,
		     size_t len, const char *type, struct err *e)
{
	void *copy = arena_alloc(&req->arena, len ? len : 1);
	if (!copy)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	memcpy(copy, data, len);
	resp->status = 200;
	resp->raw = copy;
	resp->raw_len = len;
	resp->raw_type = type;
	return 0;
}

int h_payment_run_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct payment_query q = {
		.program = http_query(req, "program"),
		.month = http_query(req, "month"),
		.status = http_query(req, "status"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = payment_run_list(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_payment_run_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	static const char *const known[] = { "program", "month", NULL };
	const struct program_config *pc = NULL;
	const char *program = NULL, *month = NULL;
	json_t *out = NULL;
	int64_t run_id = 0;
	int rc;

	if ((rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_string(req->body, "program", JSONX_REQUIRED, 24, &program, e)) < 0 ||
	    (rc = jsonx_string(req->body, "month", JSONX_REQUIRED, 7, &month, e)) < 0 ||
	    (rc = program_config_from(&req->app->cfg, &pc, e)) < 0 ||
	    (rc = payment_generate(req->store, &req->actor, pc->dir, program, month, &run_id,
				   &out, e)) < 0)
		return rc;
	return http_reply(resp, run_id ? 201 : 200, out);
}

int h_payment_run_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = payment_run_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_payment_run_lines(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id, page, per_page;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = payment_lines_list(req->store, &req->actor, id, http_query(req, "township"),
				     http_query(req, "status"), page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_payment_run_roll(struct http_req *req, struct http_resp *resp, struct err *e)
{
	char *html = NULL;
	size_t len = 0;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = payment_roll_html(req->store, &req->actor, id, http_query(req, "township"),
				    &html, &len, e)) < 0)
		return rc;
	rc = raw_reply(req, resp, html, len, "text/html; charset=utf-8", e);
	free(html);
	return rc;
}

int h_payment_run_bank_file(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const char *format = http_query(req, "format");
	unsigned char *data = NULL;
	size_t len = 0;
	int64_t id;
	int rc;

	if (!format || !*format)
		format = "xlsx";
	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = payment_bank_file(req->store, &req->actor, id, format, &data, &len, e)) < 0)
		return rc;
	rc = raw_reply(req, resp, data, len, strcmp(format, "csv") == 0
		       ? "text/csv; charset=utf-8"
		       : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", e);
	free(data);
	if (rc == 0)
		resp->raw_filename = arena_printf(&req->arena, "代发文件-run%" PRId64 ".%s", id,
						  strcmp(format, "csv") == 0 ? "csv" : "xlsx");
	return rc;
}

int h_payment_run_bank_return(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0)
		return rc;
	rc = payment_bank_return(req->store, &req->actor, id, req->raw_body, req->raw_len,
				 &out, e);
	if (rc == ERR_INVALID && out && strcmp(e->rule, "rows") == 0) {
		json_t *err = json_pack("{s:s, s:s, s:s, s:O}", "code", "rows", "field", "file",
					"message", req->lang_en ? e->message_en : e->message,
					"rejected", json_object_get(out, "rejected"));
		json_decref(out);
		return http_reply(resp, 400, json_pack("{s:o}", "error", err));
	}
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	return http_reply(resp, 200, out);
}

int h_payment_run_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	static const char *const known[] = { "reason", "paid_date", NULL };
	const char *action = req->params[1], *reason = NULL, *paid_date = NULL;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_string(req->body, "reason", JSONX_OPTIONAL, LIMIT_REASON_BYTES,
			       &reason, e)) < 0 ||
	    (rc = jsonx_string(req->body, "paid_date", JSONX_OPTIONAL, 10, &paid_date, e)) < 0 ||
	    (rc = payment_run_action(req->store, &req->actor, id, action, reason, paid_date,
				     e)) < 0 ||
	    (rc = payment_run_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_household_payments(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = payment_household(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_household_bank_account(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = payment_set_account(req->store, &req->actor, id, req->body, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
