/*
 * h_system.c - health, the OpenAPI document, the division tree.
 */
#include "http.h"
#include "handlers.h"
#include "../domain/divisions.h"
#include "../version.h"
#include "../core/banned.h"


int h_healthz(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int version = 0;
	int rc = store_schema_version(req->store, &version, e);
	if (rc < 0)
		return rc;
	return http_reply(resp, 200, json_pack("{s:s, s:s, s:i}", "status", "ok",
					       "version", CIVICARE_VERSION,
					       "schema", version));
}

int h_openapi(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)e;
	return http_reply(resp, 200, http_openapi());
}

int h_division_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *out = NULL;
	int rc = divisions_get(req->store, req->params[0], &out, e);
	if (rc < 0)
		return rc;
	return http_reply(resp, 200, out);
}
