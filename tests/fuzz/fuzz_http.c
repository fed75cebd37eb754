/*
 * fuzz_http.c - libFuzzer driver for what the server reads from a request
 * before any handler: the path against every route pattern, the static-file
 * path check, cookies, Accept-Encoding and Content-Type.
 * Property: never crash; a path the static check accepts has no ".." or
 * hidden segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/http/http.h"
#include "../../src/http/server_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_slice params[HTTP_MAX_PARAMS];
	char *s = malloc(size + 1), out[128];
	int n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < http_routes_count; i++)
		server_match(http_routes[i].pattern, s, params, &n);
	if (server_static_path_ok(s) && (strstr(s, "/..") || strstr(s, "/.")))
		abort();
	server_cookie(s, "civicare_session", out, sizeof(out));
	server_accepts_gzip(s);
	server_is_json_type(s);
	free(s);
	return 0;
}
