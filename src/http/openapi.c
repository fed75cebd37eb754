/*
 * openapi.c - the OpenAPI 3.0.3 document, generated from the route table.
 *
 * Nothing here is written by hand per endpoint: each route gives one
 * operation (summary in Chinese, description in English, its tag, its
 * permission as "x-permission" and the roles holding it as "x-roles"), its
 * {path} parameters, its documented query parameters ("name:desc,..."), a
 * JSON request body when it takes one, and the error answers the server
 * itself can give for it (401/403 when not public, 400/413/415 for bodies,
 * 409 for a reused Idempotency-Key ...).  Every error has the one shape in
 * components.schemas.Error.
 */
#include <ctype.h>
#include <string.h>
#include <jansson.h>

#include "http.h"
#include "../version.h"
#include "../core/limits.h"
#include "../domain/idempotency.h"
#include "../core/banned.h"

#ifndef CIVICARE_VERSION
#define CIVICARE_VERSION "dev"
#endif

static int route_is_write(const struct route *rt)
{
	return strcmp(rt->method, "POST") == 0 || strcmp(rt->method, "PUT") == 0 ||
	       strcmp(rt->method, "PATCH") == 0 || strcmp(rt->method, "DELETE") == 0;
}

static json_t *error_schema(void)
{
	return json_pack(
		"{s:s, s:[s], s:{s:{s:s, s:[s,s], s:{"
		"s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s, s:s}}}}}",
		"type", "object", "required", "error", "properties", "error",
		"type", "object", "required", "code", "message", "properties",
		"code", "type", "string", "description",
		"machine-readable rule, e.g. check_character, session, csrf",
		"field", "type", "string", "description",
		"the input field at fault, when there is one",
		"message", "type", "string", "description",
		"Simplified Chinese, or English with ?lang=en or Accept-Language: en",
		"existing_id", "type", "integer", "format", "int64", "description",
		"for a duplicate (409): the record that exists");
}

static json_t *error_response(const char *description)
{
	return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description,
			 "content", "application/json", "schema", "$ref",
			 "#/components/schemas/Error");
}

static int is_id_name(const char *name, size_t n)
{
	return (n == 2 && memcmp(name, "id", 2) == 0) ||
	       (n > 3 && memcmp(name + n - 3, "_id", 3) == 0);
}

static json_t *parameter(const char *name, size_t name_len, const char *in,
			 const char *description, int required, int integer)
{
	json_t *p = json_pack("{s:s%, s:s, s:b}", "name", name, name_len, "in", in,
			      "required", required);

	if (!p)
		return NULL;
	if (description && *description)
		json_object_set_new(p, "description", json_string(description));
	json_object_set_new(p, "schema",
			    integer ? json_pack("{s:s, s:s}", "type", "integer",
						"format", "int64")
				    : json_pack("{s:s}", "type", "string"));
	return p;
}

/* {name} segments of the pattern, in order. */
static void add_path_params(json_t *params, const char *pattern)
{
	const char *p = pattern;

	while ((p = strchr(p, '{')) != NULL) {
		const char *end = strchr(p, '}');
		size_t n;

		if (!end)
			break;
		n = (size_t)(end - p - 1);
		json_array_append_new(params, parameter(p + 1, n, "path", NULL, 1,
							is_id_name(p + 1, n)));
		p = end + 1;
	}
}

/* "name:desc,name2:desc2" -> optional query parameters. */
static void add_query_params(json_t *params, const char *doc)
{
	const char *p = doc;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		size_t name_len = strcspn(p, ":,");
		char desc[256] = "";

		if (name_len < n) {
			size_t dl = n - name_len - 1;
			if (dl >= sizeof(desc))
				dl = sizeof(desc) - 1;
			memcpy(desc, p + name_len + 1, dl);
			desc[dl] = '\0';
		}
		if (name_len > 0) {
			int integer = is_id_name(p, name_len) ||
				(name_len == 4 && memcmp(p, "page", 4) == 0) ||
				(name_len == 8 && memcmp(p, "per_page", 8) == 0);
			json_array_append_new(params, parameter(p, name_len, "query",
								desc, 0, integer));
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

static void add_header_params(json_t *params, const struct route *rt)
{
	json_t *p;

	if (!route_is_write(rt))
		return;
	if (rt->perm != PERM_PUBLIC && !(rt->flags & ROUTE_NO_CSRF)) {
		p = parameter("X-CSRF-Token", strlen("X-CSRF-Token"), "header",
			      "cookie sessions only: the csrf_token given at sign-in",
			      0, 0);
		json_array_append_new(params, p);
	}
	if (rt->perm != PERM_PUBLIC && !(rt->flags & ROUTE_NO_IDEMPOTENCY)) {
		p = parameter("Idempotency-Key", strlen("Idempotency-Key"), "header",
			      "1-128 printable ASCII characters: the same key and "
			      "body again replays the first answer", 0, 0);
		json_object_set_new(json_object_get(p, "schema"), "maxLength",
				    json_integer(IDEMPOTENCY_KEY_MAX));
		json_array_append_new(params, p);
	}
}

static json_t *responses(const struct route *rt)
{
	json_t *r = json_object();
	int has_body = rt->flags & ROUTE_JSON_BODY;

	json_object_set_new(r, strcmp(rt->method, "POST") == 0 ? "2XX" : "200",
			    json_pack("{s:s, s:{s:{s:{s:s}}}}", "description",
				      strcmp(rt->method, "POST") == 0
				      ? "done (201 when a record was created)" : "OK",
				      "content", "application/json", "schema",
				      "type", "object"));
	if (has_body || rt->params_doc || route_is_write(rt))
		json_object_set_new(r, "400", error_response("bad input"));
	if (rt->perm != PERM_PUBLIC) {
		json_object_set_new(r, "401", error_response("not signed in"));
		json_object_set_new(r, "403", error_response(
			"the role lacks the permission, or a cookie session sent no X-CSRF-Token"));
	}
	if (strchr(rt->pattern, '{'))
		json_object_set_new(r, "404", error_response("no such record, or outside your region"));
	if (route_is_write(rt) && rt->perm != PERM_PUBLIC)
		json_object_set_new(r, "409", error_response(
			"duplicate or illegal state change; or Idempotency-Key reused with another body"));
	if (has_body || route_is_write(rt)) {
		json_object_set_new(r, "413", error_response("body over 1 MiB"));
		json_object_set_new(r, "415", error_response("body not application/json"));
	}
	json_object_set_new(r, "default", error_response("other errors (500, 503)"));
	return r;
}

static json_t *roles_holding(enum perm p)
{
	json_t *a = json_array();

	for (int r = 0; r < ROLE_COUNT; r++)
		if (perm_role_has((enum role)r, p))
			json_array_append_new(a, json_string(perm_role_name((enum role)r)));
	return a;
}

/* "GET /api/persons/{id}" -> "get_api_persons_id" */
static json_t *operation_id(const struct route *rt)
{
	char id[256];
	size_t n = 0;

	for (const char *p = rt->method; *p && n + 1 < sizeof(id); p++)
		id[n++] = (char)tolower((unsigned char)*p);
	for (const char *p = rt->pattern; *p && n + 1 < sizeof(id); p++) {
		if (isalnum((unsigned char)*p))
			id[n++] = (char)tolower((unsigned char)*p);
		else if (*p == '/' || *p == '-' || *p == '.' || *p == '_')
			id[n++] = '_';
	}
	id[n] = '\0';
	return json_string(id);
}

static json_t *operation(const struct route *rt)
{
	json_t *op = json_object();
	json_t *params = json_array();

	json_object_set_new(op, "operationId", operation_id(rt));
	json_object_set_new(op, "summary", json_string(rt->summary_zh ? rt->summary_zh : ""));
	json_object_set_new(op, "description", json_string(rt->summary_en ? rt->summary_en : ""));
	json_object_set_new(op, "tags", json_pack("[s]", rt->tag ? rt->tag : "default"));
	json_object_set_new(op, "x-permission", json_string(perm_name(rt->perm)));
	json_object_set_new(op, "x-roles", roles_holding(rt->perm));
	add_path_params(params, rt->pattern);
	add_query_params(params, rt->params_doc);
	add_header_params(params, rt);
	if (json_array_size(params) > 0)
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (rt->flags & ROUTE_JSON_BODY)
		json_object_set_new(op, "requestBody", json_pack(
			"{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content",
			"application/json", "schema", "type", "object"));
	json_object_set_new(op, "responses", responses(rt));
	json_object_set_new(op, "security", rt->perm == PERM_PUBLIC
			    ? json_array()
			    : json_pack("[{s:[]}, {s:[]}]", "cookie", "bearer"));
	return op;
}

static json_t *components(void)
{
	return json_pack(
		"{s:{s:o}, s:{s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s}}}",
		"schemas", "Error", error_schema(),
		"securitySchemes",
		"cookie", "type", "apiKey", "in", "cookie", "name", "civicare_session",
		"description", "set by POST /api/auth/login; writes also need X-CSRF-Token",
		"bearer", "type", "http", "scheme", "bearer",
		"description", "POST /api/auth/login with {\"client\":\"bearer\"}");
}

static void lower_method(const char *m, char *out, size_t size)
{
	size_t i = 0;

	for (; m[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)m[i]);
	out[i] = '\0';
}

json_t *http_openapi(void)
{
	json_t *doc, *paths = json_object();

	for (size_t i = 0; i < http_routes_count; i++) {
		const struct route *rt = &http_routes[i];
		json_t *item = json_object_get(paths, rt->pattern);
		char method[16];

		if (!item) {
			item = json_object();
			json_object_set_new(paths, rt->pattern, item);
		}
		lower_method(rt->method, method, sizeof(method));
		json_object_set_new(item, method, operation(rt));
	}
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:o}",
			"openapi", "3.0.3",
			"info", "title", "civicare", "version", CIVICARE_VERSION,
			"description",
			"社会救助平台接口 / civicare social-assistance API. Errors: "
			"{\"error\":{\"code\",\"field\",\"message\"}}; lists: "
			"?page=1&per_page=20 (at most 200).",
			"paths", paths, "components", components());
	return doc;
}
