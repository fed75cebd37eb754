/*
 * h_registry.c - handlers for persons and households: parse the request
 * into the domain's input struct, call registry_*, render.
 */
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "handlers.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../domain/registry.h"
#include "../core/banned.h"

static const char *const person_fields[] = {
	"name", "id_number", "phone", "household_id", "relation", "region_code",
	"disability_type", "disability_grade", "health", "work_capacity", NULL
};

static int person_input_from(json_t *body, struct person_input *in,
			     int creating, struct err *e)
{
	int rc;
	memset(in, 0, sizeof(*in));
	if ((rc = jsonx_only(body, person_fields, e)) < 0 ||
	    (rc = jsonx_string(body, "name", creating, LIMIT_FIELD_BYTES, &in->name, e)) < 0 ||
	    (rc = jsonx_string(body, "id_number", creating, 64, &in->id_number, e)) < 0 ||
	    (rc = jsonx_string(body, "phone", 0, LIMIT_FIELD_BYTES, &in->phone, e)) < 0 ||
	    (rc = jsonx_int(body, "household_id", 0, 1, INT64_MAX, &in->household_id, e)) < 0 ||
	    (rc = jsonx_string(body, "relation", 0, 64, &in->relation, e)) < 0 ||
	    (rc = jsonx_string(body, "region_code", 0, 64, &in->region_code, e)) < 0 ||
	    (rc = jsonx_string(body, "disability_type", 0, 64, &in->disability_type, e)) < 0 ||
	    (rc = jsonx_int(body, "disability_grade", 0, 0, 100, &in->disability_grade, e)) < 0 ||
	    (rc = jsonx_string(body, "health", 0, 64, &in->health, e)) < 0)
		return rc;
	return jsonx_string(body, "work_capacity", 0, 64, &in->work_capacity, e);
}

int h_person_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct person_input in;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = person_input_from(req->body, &in, 1, e)) < 0 ||
	    (rc = registry_person_create(req->store, &req->actor, &in, &id, e)) < 0 ||
	    (rc = registry_person_get(req->store, &req->actor, id, 0, NULL, &out, e)) < 0)
		return rc;
	return http_reply(resp, 201, out);
}

int h_person_update(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct person_input in;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = person_input_from(req->body, &in, 0, e)) < 0 ||
	    (rc = registry_person_update(req->store, &req->actor, id, &in, e)) < 0 ||
	    (rc = registry_person_get(req->store, &req->actor, id, 0, NULL, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_person_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	const char *full = http_query(req, "full_id");
	int want_full = full && (strcmp(full, "1") == 0 || strcmp(full, "true") == 0);
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = registry_person_get(req->store, &req->actor, id, want_full,
				      http_query(req, "reason"), &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_person_search(struct http_req *req, struct http_resp *resp, struct err *e)
{
	struct person_query q = {
		.id_number = http_query(req, "id_number"),
		.name = http_query(req, "name"),
		.region = http_query(req, "region"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = http_query_id(req, "household_id", &q.household_id, e)) < 0 ||
	    (rc = registry_person_search(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_household_create(struct http_req *req, struct http_resp *resp,
		       struct err *e)
{
	static const char *const known[] = { "region_code", "address", "area_kind", NULL };
	struct household_input in = { 0 };
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_string(req->body, "region_code", 1, 64, &in.region_code, e)) < 0 ||
	    (rc = jsonx_string(req->body, "address", 1, LIMIT_FIELD_BYTES, &in.address, e)) < 0 ||
	    (rc = jsonx_enum(req->body, "area_kind", 0, registry_area_kinds, &in.area_kind, e)) < 0 ||
	    (rc = registry_household_create(req->store, &req->actor, &in, &id, e)) < 0 ||
	    (rc = registry_household_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 201, out);
}

int h_household_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int64_t id;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = registry_household_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_household_set_head(struct http_req *req, struct http_resp *resp,
			 struct err *e)
{
	static const char *const known[] = { "person_id", NULL };
	json_t *out = NULL;
	int64_t id, person_id = 0;
	int rc;

	if ((rc = http_param_id(req, 0, &id, e)) < 0 ||
	    (rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_int(req->body, "person_id", 1, 1, INT64_MAX, &person_id, e)) < 0 ||
	    (rc = registry_household_set_head(req->store, &req->actor, id, person_id, e)) < 0 ||
	    (rc = registry_household_get(req->store, &req->actor, id, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}

int h_household_search(struct http_req *req, struct http_resp *resp,
		       struct err *e)
{
	struct household_query q = {
		.region = http_query(req, "region"),
		.address = http_query(req, "address"),
	};
	json_t *out = NULL;
	int rc;

	if ((rc = http_paging(req, &q.page, &q.per_page, e)) < 0 ||
	    (rc = registry_household_search(req->store, &req->actor, &q, &out, e)) < 0)
		return rc;
	return http_reply(resp, 200, out);
}
