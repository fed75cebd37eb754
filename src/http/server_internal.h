/*
 * server_internal.h - the pure parts of http/server.c, for its unit tests
 * (tests/unit/test_http_match.c).  Handlers use http.h, never this.
 */
#ifndef CIVICARE_SERVER_INTERNAL_H
#define CIVICARE_SERVER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "http.h"

/* A piece of a string: not NUL-terminated. */
struct server_slice {
	const char *ptr;
	size_t len;
};

/*
 * 1 when path matches pattern, else 0.  Both are '/'-separated; a literal
 * segment must be equal, a "{name}" segment matches one non-empty segment,
 * which goes into params[] in order (*n_params of them).  The number of
 * segments must be the same ("/api/persons/" does not match
 * "/api/persons").  A pattern with more than HTTP_MAX_PARAMS parameters
 * never matches.
 */
int server_match(const char *pattern, const char *path,
		 struct server_slice params[HTTP_MAX_PARAMS], int *n_params);

/* 1 when a decoded URL path may name a static file: it starts with '/', has
 * no backslash or control character, and no segment that is "." or ".." or
 * starts with '.' (hidden files are never served). */
int server_static_path_ok(const char *path);

/*
 * Open the regular file `rel` ("assets/app.js", no leading '/') below the
 * directory `root`, one segment at a time with openat(O_NOFOLLOW): a
 * symbolic link anywhere on the way is refused, so nothing outside root can
 * be reached.  On success 0, *fd (the caller closes it) and *size.  On
 * failure -errno (-ENOENT, -ELOOP, -ENOTDIR; -EISDIR when the path names
 * something that is not a regular file) and *fd = -1.
 */
int server_static_open(const char *root, const char *rel, int *fd,
		       uint64_t *size);

/* Content-Type for a file name by its extension (case-insensitive);
 * "application/octet-stream" when unknown. */
const char *server_mime_type(const char *name);

/* 1 when an Accept-Encoding header value accepts gzip (token "gzip", not
 * with q=0). */
int server_accepts_gzip(const char *accept_encoding);

/* 1 when a Content-Type value is application/json, in any case, with or
 * without parameters ("application/json; charset=utf-8"). */
int server_is_json_type(const char *content_type);

/* Find cookie `name` in a Cookie header ("a=1; b=2").  1 and the value in
 * out when present and it fits (out_size includes the NUL); 0 otherwise. */
int server_cookie(const char *header, const char *name, char *out,
		  size_t out_size);

/* Parse "host:port": a dotted IPv4 address, "localhost", "*" or "" (all
 * IPv4 addresses), or a bracketed IPv6 address ("[::1]:8080").  Port
 * 0..65535 (0 = any free port).  0 on success, -1 otherwise. */
int server_parse_listen(const char *listen, struct sockaddr_storage *addr,
			socklen_t *addr_len);

#endif
