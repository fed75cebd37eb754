/*
 * h_admin.c - accounts and the audit trail.
 */
#include <string.h>
#include "http.h"
#include "handlers.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../domain/account.h"
#include "../domain/audit.h"
#include "../core/banned.h"

int h_user_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int64_t page, per_page;
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &page, &per_page, e)) < 0 ||
	    (rc = account_list(req->store, &req->actor, page, per_page, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_user_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	static const char *const known[] = {
		"username", "display_name", "role", "department", "region_code",
		"password", NULL
	};
	struct account_input in = { 0 };
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_string(req->body, "username", 1, LIMIT_USERNAME_BYTES, &in.username, e)) < 0 ||
	    (rc = jsonx_string(req->body, "display_name", 1, LIMIT_FIELD_BYTES, &in.display_name, e)) < 0 ||
	    (rc = jsonx_string(req->body, "role", 1, 32, &in.role, e)) < 0 ||
	    (rc = jsonx_string(req->body, "department", 0, 64, &in.department, e)) < 0 ||
	    (rc = jsonx_string(req->body, "region_code", 1, 64, &in.region_code, e)) < 0 ||
	    (rc = jsonx_string(req->body, "password", 1, LIMIT_PASSWORD_BYTES, &in.password, e)) < 0 ||
	    (rc = account_create(req->store, &req->actor, &in, &id, e)) < 0 ||
	    (rc = account_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 201, out);
}

int h_user_reset_password(struct http_req *req, struct http_resp *resp,
			  struct err *e)
{
	static const char *const known[] = { "password", NULL };
	const char *password = NULL;
	json_t *user = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_string(req->body, "password", 1, LIMIT_PASSWORD_BYTES, &password, e)) < 0 ||
	    (rc = account_get(req->store, &req->actor, id, &user, e)) < 0)
		return rc;
	rc = account_reset_password(req->store, &req->actor,
				    json_string_value(json_object_get(user, "username")),
				    password, e);
	if (rc < 0) {
		json_decref(user);
		return rc;
	}
	return http_reply(resp, 200, user);
}

int h_audit_search(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct audit_query q = {
		.username = http_query(req, "username"),
		.action = http_query(req, "action"),
		.entity = http_query(req, "entity"),
		.entity_id = http_query(req, "entity_id"),
		.from = http_query(req, "from"),
		.to = http_query(req, "to"),
		.region = http_query(req, "region"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = audit_search(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
