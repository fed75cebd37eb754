/*
 * h_referral.c - handlers for home visits, routing, referrals,
 * enrollments, escalations and the program list: read the request, find
 * the config folder, call one domain function, render.
 */
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "handlers.h"
#include "../core/limits.h"
#include "../domain/program.h"
#include "../domain/referral.h"
#include "../domain/routing.h"
#include "../domain/visit.h"
#include "../core/banned.h"

static int programs_of(struct http_req *req, const struct program_config **c,
		       struct err *e)
{
	return program_config_from(&req->app->cfg, c, e);
}

static int query_flag(struct http_req *req, const char *key)
{
	const char *v = http_query(req, key);
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

int h_case_visit(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = visit_record(req->store, &req->actor, id, req->body, &out, e)) < 0)
		return rc;
	return http_reply(resp, 201, out);
}

int h_case_routing(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = programs_of(req, &c, e)) < 0 ||
	    (rc = routing_propose(req->store, &req->actor, c, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_case_route(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = programs_of(req, &c, e)) < 0 ||
	    (rc = referral_route(req->store, &req->actor, c, id, req->body, &out, e)) < 0)
		return rc;
	return http_reply(resp, 201, out);
}

int h_referral_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	struct referral_query q = {
		.department = http_query(req, "department"),
		.status = http_query(req, "status"),
		.program = http_query(req, "program"),
		.region = http_query(req, "region"),
		.overdue = query_flag(req, "overdue"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = http_query_id(req, "case_id", &q.case_id, e)) < 0 ||
	    (rc = programs_of(req, &c, e)) < 0 ||
	    (rc = referral_list(req->store, &req->actor, c, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_referral_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = programs_of(req, &c, e)) < 0 ||
	    (rc = referral_get(req->store, &req->actor, c, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_referral_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = programs_of(req, &c, e)) < 0 ||
	    (rc = referral_act(req->store, &req->actor, c, id, req->params[1],
			       req->body, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_enrollment_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	struct enrollment_query q = {
		.program = http_query(req, "program"),
		.status = http_query(req, "status"),
		.region = http_query(req, "region"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = http_query_id(req, "household_id", &q.household_id, e)) < 0 ||
	    (rc = programs_of(req, &c, e)) < 0 ||
	    (rc = enrollment_list(req->store, &req->actor, c, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_enrollment_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = programs_of(req, &c, e)) < 0 ||
	    (rc = enrollment_act(req->store, &req->actor, c, id, req->params[1],
				 req->body, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_escalations(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	json_t *out = NULL;
	int rc;

	if ((rc = programs_of(req, &c, e)) < 0 ||
	    (rc = escalation_list(req->store, &req->actor, c, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_programs(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const struct program_config *c;
	int rc;

	if ((rc = programs_of(req, &c, e)) < 0)
		return rc;
	return http_reply(resp, 200, json_pack("{s:o}", "items", program_list_json(c)));
}
