/*
 * h_notify.c - handlers for the household timeline, the figures, the
 * inbox and the outbox: read the query, call one domain function, render.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "handlers.h"
#include "../domain/figures.h"
#include "../domain/notify.h"
#include "../domain/program.h"
#include "../domain/timeline.h"
#include "../core/banned.h"

int h_household_timeline(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = timeline_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

/* ?year=YYYY, 0 when absent. */
static int query_year(struct http_req *req, int64_t *year, struct err *e)
{
	const char *v = http_query(req, "year");
	char *end = NULL;
	long long n;

	*year = 0;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end || errno || n < 2000 || n > 2100)
		return err_set(e, ERR_INVALID, "year", "range",
			       "年份应为 2000 到 2100 之间的整数",
			       "year must be an integer from 2000 to 2100");
	*year = n;
	return 0;
}

int h_figures(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *pc = NULL;
	json_t *out = NULL;
	int64_t year;
	int rc;

	if ((rc = query_year(req, &year, e)) < 0 ||
	    (rc = program_config_from(&req->app->cfg, &pc, e)) < 0 ||
	    (rc = figures_get(req->store, &req->actor, pc, year,
			      http_query(req, "region"), &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_figure_items(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *pc = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = program_config_from(&req->app->cfg, &pc, e)) < 0 ||
	    (rc = figures_items(req->store, &req->actor, pc,
				http_query(req, "metric"), http_query(req, "township"),
				http_query(req, "month"), &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_inbox_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = inbox_list(req->store, &req->actor, page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_inbox_read(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = inbox_mark_read(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_outbox_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = outbox_list(req->store, &req->actor, http_query(req, "state"),
			      page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_outbox_retry(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = outbox_retry(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
