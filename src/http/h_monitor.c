/*
 * h_monitor.c - monitoring runs, alerts and monitoring categories.
 *
 * Thin: read the request, call engine/engine.h or domain/alert.h, reply.
 * POST /api/monitor/runs runs the whole pass inside the request (the
 * county's population takes seconds); a run already going answers 409
 * (rule "running").  as_of may be given in the query (YYYY-MM-DD) for
 * back-dated checks; it defaults to today in China.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "handlers.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../domain/alert.h"
#include "../domain/program.h"
#include "../engine/engine.h"
#include "../core/banned.h"

int h_monitor_start(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct monitor_result *r = arena_alloc(&req->arena, sizeof(*r));
	char who[96];
	struct monitor_options o = { 0 };
	const struct program_config *pc = NULL;
	int rc;

	if ((rc = program_config_from(&req->app->cfg, &pc, e)) < 0)
		return rc;
	if (!r)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	snprintf(who, sizeof(who), "api:%s", req->actor.username);
	o.config_dir = pc->dir;
	o.data_dir = config_get(&req->app->cfg, CFG_DATA_DIR);
	o.as_of = http_query(req, "as_of");
	o.threads = 2;
	o.started_by = who;
	if ((rc = monitor_run(req->store, &req->actor, &o, r, e)) < 0)
		return rc;
	char *text = monitor_result_json(r);
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (!j)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	return http_reply(resp, 201, j);
}

int h_monitor_runs(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = monitor_run_list(req->store, page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_alert_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct alert_query q = {
		.status = http_query(req, "status"),
		.rule_id = http_query(req, "rule"),
		.region = http_query(req, "region"),
	};
	const char *hh = http_query(req, "household");
	json_t *out = NULL;
	int rc;

	if (hh) {
		char *end;
		long long v = strtoll(hh, &end, 10);
		if (!*hh || *end || v < 1)
			return err_set(e, ERR_INVALID, "household", "type",
				       "household 应为正整数", "household must be a positive integer");
		q.household_id = v;
	}
	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = alert_list(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_alert_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = alert_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_alert_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	static const char *const reason_only[] = { "reason", NULL };
	static const char *const nothing[] = { NULL };
	const char *action = req->params[1], *reason = NULL;
	json_t *out = NULL;
	int64_t id, report_id = 0;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0)
		return rc;
	if (strcmp(action, "report") == 0) {
		if ((rc = jsonx_only(req->body, nothing, e)) < 0 ||
		    (rc = alert_report(req->store, &req->actor, id, &report_id, e)) < 0)
			return rc;
	} else if (strcmp(action, "dismiss") == 0) {
		if ((rc = jsonx_only(req->body, reason_only, e)) < 0 ||
		    (rc = jsonx_string(req->body, "reason", JSONX_REQUIRED,
				       LIMIT_REASON_BYTES, &reason, e)) < 0 ||
		    (rc = alert_dismiss(req->store, &req->actor, id, reason, e)) < 0)
			return rc;
	} else {
		/* Unknown action: answered like a state that does not allow it,
		 * after the alert is known to exist for this actor. */
		if ((rc = alert_get(req->store, &req->actor, id, &out, e)) < 0)
			return rc;
		json_decref(out);
		rc = err_setf(e, ERR_CONFLICT, "action", "transition",
			      "不能执行“%s”；可执行：report, dismiss",
			      "“%s” is not an alert action; allowed: report, dismiss",
			      action);
		snprintf(e->allowed, sizeof(e->allowed), "%s", "report,dismiss");
		return rc;
	}
	if ((rc = alert_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	if (report_id)
		json_object_set_new(out, "report_id", json_integer(report_id));
	return http_reply(resp, 200, out);
}

int h_person_monitoring(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = monitoring_list(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_person_monitoring_set(struct http_req *req, struct http_resp *resp, struct err *e)
{
	static const char *const known[] = { "category", "valid_from", NULL };
	const char *category = NULL, *from = NULL;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_enum(req->body, "category", JSONX_REQUIRED, monitoring_categories,
			     &category, e)) < 0 ||
	    (rc = jsonx_string(req->body, "valid_from", JSONX_OPTIONAL, 10, &from, e)) < 0 ||
	    (rc = monitoring_set(req->store, &req->actor, id, category, from, "manual", e)) < 0 ||
	    (rc = monitoring_list(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
