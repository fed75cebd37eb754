/*
 * http.h - the JSON API on libmicrohttpd.
 *
 * The server (http/server.c) owns the sockets, the size limits, body
 * reading, JSON parsing, sessions, CSRF, permissions, idempotency keys,
 * the error shape, static files and the access log.  Handlers (http/h_*.c)
 * are thin: read the parsed request, call one domain function, put the
 * result in the response.  A handler never writes SQL.
 *
 * One route table (http/routes.c) lists every endpoint with the permission
 * it needs; the OpenAPI document (/api/openapi.json) and the permission
 * matrix come from it.
 *
 * Request memory: req->arena lives for the request; req->body is freed by
 * the server; a handler puts a json_t it owns into resp->json (the server
 * takes it and frees it).
 */
#ifndef CIVICARE_HTTP_H
#define CIVICARE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../app.h"
#include "../core/arena.h"
#include "../core/err.h"
#include "../domain/perm.h"
#include "../store/store.h"

#define HTTP_MAX_PARAMS 4

struct MHD_Connection;
struct route;

struct http_req {
	struct app *app;
	struct store *store;          /* a pooled connection for this request */
	struct arena arena;
	struct MHD_Connection *conn;
	const char *method;           /* "GET", ... */
	const char *path;             /* decoded path, no query */
	const struct route *route;
	const char *params[HTTP_MAX_PARAMS]; /* {name} parts of the pattern, in order */
	int n_params;
	json_t *body;                 /* the JSON object sent, NULL without a body */
	const unsigned char *raw_body; /* ROUTE_IMAGE_BODY/CSV_BODY: the bytes sent */
	size_t raw_len;
	const char *content_type;     /* as sent, for ROUTE_IMAGE_BODY */
	int signed_in;
	struct actor actor;           /* valid when signed_in */
	int lang_en;                  /* ?lang=en or Accept-Language starting "en" */
};

struct http_resp {
	int status;                   /* default 200 */
	json_t *json;                 /* the body; the server frees it */
	/* Set-Cookie values for login/logout, NULL = none. */
	const char *set_cookie[2];
	/* A non-JSON body (a photo): bytes in req->arena, and its type. */
	const void *raw;
	size_t raw_len;
	const char *raw_type;
	const char *raw_cache;        /* Cache-Control for it; NULL = no-store */
	const char *raw_filename;     /* a download: Content-Disposition attachment; NULL = inline */
};

typedef int (*http_handler)(struct http_req *req, struct http_resp *resp,
			    struct err *e);

enum route_flags {
	ROUTE_JSON_BODY = 1 << 0,  /* expects a JSON object body */
	ROUTE_NO_CSRF = 1 << 1,    /* login: no session yet */
	ROUTE_NO_IDEMPOTENCY = 1 << 2,
	ROUTE_IMAGE_BODY = 1 << 3, /* a JPEG or PNG body up to LIMIT_PHOTO_BYTES */
	ROUTE_CSV_BODY = 1 << 4,   /* a data file (text/csv) up to LIMIT_IMPORT_BYTES */
};

struct route {
	const char *method;
	const char *pattern;        /* "/api/persons/{id}" */
	enum perm perm;             /* what the caller must hold */
	http_handler handler;
	int flags;
	const char *tag;            /* OpenAPI tag: "registry", "auth", ... */
	const char *summary_zh;
	const char *summary_en;
	const char *params_doc;     /* query parameters, "name:desc,..." or NULL */
};

extern const struct route http_routes[];
extern const size_t http_routes_count;

/* Run the server until SIGTERM/SIGINT: listen on cfg "listen", a pool of
 * cfg "threads" workers; on the signal stop accepting, finish the requests
 * in flight, then return 0.  Returns negative with e filled if it cannot
 * start (port taken, ...). */
int http_serve(struct app *app, struct err *e);

/* The OpenAPI 3 document of the route table (new reference). */
json_t *http_openapi(void);

/* === helpers for handlers === */

/* A query-string value, or NULL. */
const char *http_query(struct http_req *req, const char *key);
/* A request header, or NULL. */
const char *http_header(struct http_req *req, const char *name);
/* A positive integer path parameter; ERR_NOT_FOUND (rule "id") otherwise. */
int http_param_id(struct http_req *req, int index, int64_t *out, struct err *e);
/* A positive integer query parameter; *out = 0 when absent; ERR_INVALID
 * naming the parameter when it is not a positive integer. */
int http_query_id(struct http_req *req, const char *key, int64_t *out,
		  struct err *e);
/* page/per_page from the query: defaults 1 and LIMIT_PAGE_DEFAULT, per_page
 * capped at LIMIT_PAGE_SIZE; ERR_INVALID naming the parameter. */
int http_paging(struct http_req *req, int64_t *page, int64_t *per_page,
		struct err *e);
/* resp->json = j, resp->status = status; returns 0. */
int http_reply(struct http_resp *resp, int status, json_t *j);

#endif
