/*
 * h_finding.c - cross-checks, findings, recovery, figures.
 *
 * Thin: read the request, call domain/finding.h, reply.  POST
 * /api/crosschecks runs every check inside the request (started_by
 * "api:<username>"); as_of may be given in the query.  A hand-over names
 * one of the departments of config/programs.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "handlers.h"
#include "../domain/finding.h"
#include "../domain/program.h"
#include "../core/banned.h"

int h_crosscheck_start(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *pc = NULL;
	struct crosscheck_result r;
	char who[96];
	int rc;

	if ((rc = program_config_from(&req->app->cfg, &pc, e)) < 0)
		return rc;
	snprintf(who, sizeof(who), "api:%s", req->actor.username);
	if ((rc = crosscheck_run(req->store, &req->actor, pc->dir, http_query(req, "as_of"),
				 who, &r, e)) < 0)
		return rc;
	return http_reply(resp, 201, json_pack("{s:I, s:I, s:I, s:o}", "run_id",
		(json_int_t)r.run_id, "found", (json_int_t)r.found, "new_findings",
		(json_int_t)r.new_findings, "by_check", r.by_check ? r.by_check : json_object()));
}

int h_crosscheck_runs(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = crosscheck_run_list(req->store, page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_finding_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct finding_query q = {
		.check_id = http_query(req, "check"),
		.status = http_query(req, "status"),
		.region = http_query(req, "region"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_query_id(req, "household", &q.household_id, e)) < 0 ||
	    (rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = finding_list(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_finding_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = finding_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_finding_recovery(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = finding_recovery_add(req->store, &req->actor, id, req->body, e)) < 0 ||
	    (rc = finding_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 201, out);
}

/* hand_over: the department must be one of the programs' departments. */
static int check_department(struct http_req *req, struct err *e)
{
	const struct program_config *pc = NULL;
	json_t *d = req->body ? json_object_get(req->body, "department") : NULL;
	char list[512] = "";
	size_t used = 0;
	int rc;

	if (!json_is_string(d))
		return 0; /* finding_action names the missing or mistyped field */
	if ((rc = program_config_from(&req->app->cfg, &pc, e)) < 0)
		return rc;
	for (size_t i = 0; i < pc->n_programs; i++) {
		const char *dep = pc->programs[i].department;
		if (strcmp(dep, json_string_value(d)) == 0)
			return 0;
		if (!strstr(list, dep) && used + strlen(dep) + 3 < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 used ? ", " : "", dep);
	}
	return err_setf(e, ERR_INVALID, "department", "enum",
			"department 应为以下部门之一：%s", "department must be one of: %s",
			list);
}

int h_finding_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const char *action = req->params[1];
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0)
		return rc;
	/* Existence and region first: a finding out of sight is 404. */
	if ((rc = finding_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	json_decref(out);
	out = NULL;
	if (strcmp(action, "hand_over") == 0 && (rc = check_department(req, e)) < 0)
		return rc;
	if ((rc = finding_action(req->store, &req->actor, id, action, req->body, e)) < 0 ||
	    (rc = finding_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_supervision_figures(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int rc;

	if ((rc = finding_figures(req->store, &req->actor, http_query(req, "from"),
				  http_query(req, "to"), &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
