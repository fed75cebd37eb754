/*
 * h_auth.c - sign in, sign out, who am I.
 *
 * The session token goes to a browser only as an HttpOnly, SameSite=Strict
 * cookie; the CSRF token in the body is what the page echoes on writes.
 * API clients ask for a bearer token instead.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "http.h"
#include "handlers.h"
#include "../core/jsonx.h"
#include "../core/clock.h"
#include "../core/limits.h"
#include "../domain/account.h"
#include "../domain/divisions.h"
#include "../core/banned.h"

#define COOKIE_NAME "civicare_session"

static json_t *actor_json(struct store *s, const struct actor *a)
{
	char region_name[256] = "";
	struct err ignored;
	divisions_full_name(s, a->region, region_name, sizeof(region_name), &ignored);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
		"id", (json_int_t)a->user_id, "username", a->username,
		"display_name", a->display_name,
		"role", perm_role_name(a->role), "role_label", perm_role_label_zh(a->role),
		"region_code", a->region, "region_name", region_name);
	json_object_set_new(o, "department", a->department[0]
			    ? json_string(a->department) : json_null());
	return o;
}

int h_login(struct http_req *req, struct http_resp *resp, struct err *e)
{
	static const char *const known[] = { "username", "password", "client", NULL };
	static const char *const clients[] = { "cookie", "bearer", NULL };
	const char *username = NULL, *password = NULL, *client = NULL;
	struct session_tokens t;
	enum session_kind kind;
	int rc;

	if ((rc = jsonx_only(req->body, known, e)) < 0 ||
	    (rc = jsonx_string(req->body, "username", 1, LIMIT_USERNAME_BYTES, &username, e)) < 0 ||
	    (rc = jsonx_string(req->body, "password", 1, LIMIT_PASSWORD_BYTES, &password, e)) < 0 ||
	    (rc = jsonx_enum(req->body, "client", 0, clients, &client, e)) < 0)
		return rc;
	kind = client && strcmp(client, "bearer") == 0 ? SESSION_BEARER : SESSION_COOKIE;
	if ((rc = account_login(req->store, username, password, req->actor.ip, kind,
				req->app->session_hours, &t, e)) < 0)
		return rc;
	char expires[21];
	clock_format_utc(t.expires_at, expires);
	json_t *user = actor_json(req->store, &t.actor);
	json_t *out = json_pack("{s:o, s:s}", "user", user, "expires_at", expires);
	if (kind == SESSION_BEARER) {
		json_object_set_new(out, "token", json_string(t.token));
	} else {
		json_object_set_new(out, "csrf_token", json_string(t.csrf));
		resp->set_cookie[0] = arena_printf(&req->arena,
			COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%" PRId64,
			t.token, req->app->session_hours * 3600);
	}
	return http_reply(resp, 200, out);
}

/* The token this request came with: bearer first, then the cookie. */
static const char *request_token(struct http_req *req)
{
	const char *auth = http_header(req, "Authorization");
	const char *cookie = http_header(req, "Cookie");
	if (auth && strncmp(auth, "Bearer ", 7) == 0)
		return auth + 7;
	for (const char *p = cookie; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t n = strcspn(p, ";");
		if (strncmp(p, COOKIE_NAME "=", sizeof(COOKIE_NAME)) == 0)
			return arena_strndup(&req->arena, p + sizeof(COOKIE_NAME),
					     n - sizeof(COOKIE_NAME));
		p += n;
	}
	return NULL;
}

int h_logout(struct http_req *req, struct http_resp *resp, struct err *e)
{
	int rc = account_logout(req->store, request_token(req), e);
	if (rc < 0)
		return rc;
	resp->set_cookie[0] = COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
	return http_reply(resp, 200, json_pack("{s:b}", "ok", 1));
}

int h_me(struct http_req *req, struct http_resp *resp, struct err *e)
{
	json_t *perms = json_array();
	(void)e;
	for (int p = PERM_DIVISION_READ; p < PERM_COUNT; p++)
		if (perm_role_has(req->actor.role, (enum perm)p))
			json_array_append_new(perms, json_string(perm_name((enum perm)p)));
	json_t *user = actor_json(req->store, &req->actor);
	return http_reply(resp, 200, json_pack("{s:o, s:o}", "user", user,
					       "permissions", perms));
}
