/*
 * server.c - the machinery every request goes through, on libmicrohttpd.
 *
 * One `struct request` per HTTP request, made in the URI callback (MHD's
 * first sight of a request) and freed in the completed callback, which also
 * writes the access-log line; a counter of requests in flight lets shutdown
 * wait for them.  MHD calls the access handler three ways:
 *
 *   1. headers read: request_begin() classifies the request (route, 404,
 *      405, health, static file) and checks what it can without the body
 *      (URL and header sizes, Content-Length, Content-Type).  A refusal is
 *      kept as the "early" answer; it is queued at once only when the body
 *      will not be read anyway (Expect: 100-continue, or a Content-Length
 *      beyond LIMIT_BODY_DISCARD), because queuing before the body makes
 *      MHD close the connection, and a client still sending would see a
 *      reset instead of the answer.
 *   2. body pieces: body_feed() keeps up to LIMIT_BODY_BYTES, then drops
 *      bytes (answer 413) up to LIMIT_BODY_DISCARD, then closes.
 *   3. body complete: request_finish() answers.  Only here is a store
 *      connection taken from the pool, so a slow upload never holds one.
 *
 * An API request then goes: session (Bearer header or cookie) -> CSRF ->
 * permission -> JSON body -> idempotency key -> handler -> JSON answer.
 * Errors from any step use the one shape of err.h.  Static files are opened
 * segment by segment below the web root with O_NOFOLLOW, so neither ".."
 * nor a symbolic link can reach outside it.
 *
 * Shutdown: SIGTERM/SIGINT only set app->stopping.  They are blocked in
 * every thread (MHD's inherit the mask) and unblocked only while the main
 * thread sleeps in pselect(), so the flag is never missed.  Then the daemon
 * stops accepting, the requests in flight get up to 30 s, and it stops.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#include "http.h"
#include "server_internal.h"
#include "../version.h"
#include "../core/clock.h"
#include "../core/limits.h"
#include "../core/log.h"
#include "../core/strbuf.h"
#include "../domain/account.h"
#include "../domain/idempotency.h"
#include "../core/banned.h"

#ifndef CIVICARE_VERSION
#define CIVICARE_VERSION "dev"
#endif

#define SESSION_COOKIE_NAME "civicare_session"
#define SERVER_CONN_MEMORY ((size_t)LIMIT_HEADER_BYTES * 4) /* headers + I/O buffers */
#define SERVER_TIMEOUT_S 30u
#define SERVER_DRAIN_MS 30000
#define SERVER_QUIET_MS 200      /* no request for this long: the rest are idle */
#define SERVER_PAGE_MAX 100000000  /* keeps (page - 1) * per_page far from overflow */
#define SERVER_CSP "default-src 'self'; img-src 'self' data: blob:; " \
	"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

struct server {
	struct app *app;
	atomic_int in_flight;
};

enum request_kind { KIND_API, KIND_HEALTH, KIND_STATIC };
enum body_mode { BODY_NONE, BODY_COLLECT, BODY_DISCARD };

struct request {
	struct server *srv;
	struct http_req req;
	struct http_resp resp;
	enum request_kind kind;
	int64_t start_ms;
	int started;             /* the access handler has seen the headers */
	int status;              /* the status queued, for the access log */
	enum body_mode body_mode;
	struct strbuf body;      /* the bytes kept (BODY_COLLECT) */
	uint64_t body_seen;      /* the bytes received, kept or dropped */
	int early_status;        /* an answer decided before the body: 0 = none */
	struct err early;
	/* An error found in the headers that is only told to a caller who is
	 * signed in and permitted (a photo's wrong type): 401/403 come first. */
	struct err late;
	int has_late;
	const char *allow;       /* the Allow header of a 405 */
	int url_too_long;
	int url_has_nul;         /* "%00" in the path */
	char raw_path[160];      /* for the log when MHD answers by itself */
};

/* The one piece of global state: where a signal handler finds the flag. */
static volatile sig_atomic_t *serve_stop_flag;

/* Content-Disposition for a download: an ASCII fallback name and the
 * UTF-8 name percent-encoded (RFC 6266 / 5987), so "低保-2026-10.xlsx"
 * arrives intact.  A name that does not fit is sent without the header. */
static void add_disposition(struct MHD_Response *r, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	char value[512], ascii[128], encoded[384];
	size_t a = 0, n = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		int plain = isalnum(*p) || strchr("-._", *p);
		/* the fallback keeps the ASCII part, without a leading separator */
		if (plain && a + 1 < sizeof(ascii) && (a > 0 || isalnum(*p)))
			ascii[a++] = (char)*p;
		if (n + 4 > sizeof(encoded))
			return;
		if (plain) {
			encoded[n++] = (char)*p;
		} else {
			encoded[n++] = '%';
			encoded[n++] = hex[*p >> 4];
			encoded[n++] = hex[*p & 15];
		}
	}
	ascii[a] = '\0';
	encoded[n] = '\0';
	if (snprintf(value, sizeof(value), "attachment; filename=\"%s\"; filename*=UTF-8''%s",
		     ascii, encoded) < (int)sizeof(value))
		MHD_add_response_header(r, "Content-Disposition", value);
}

/* === small parsers (server_internal.h) === */

int server_match(const char *pattern, const char *path,
		 struct server_slice params[HTTP_MAX_PARAMS], int *n_params)
{
	const char *p = pattern, *q = path;
	int n = 0;

	*n_params = 0;
	if (!p || !q || *p != '/' || *q != '/')
		return 0;
	while (*p == '/' && *q == '/') {
		size_t pl, ql;

		p++;
		q++;
		pl = strcspn(p, "/");
		ql = strcspn(q, "/");
		if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
			if (ql == 0 || n >= HTTP_MAX_PARAMS)
				return 0;
			params[n].ptr = q;
			params[n].len = ql;
			n++;
		} else if (pl != ql || memcmp(p, q, pl) != 0) {
			return 0;
		}
		p += pl;
		q += ql;
	}
	if (*p || *q)
		return 0;
	*n_params = n;
	return 1;
}

int server_static_path_ok(const char *path)
{
	const char *p;

	if (!path || path[0] != '/')
		return 0;
	for (p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || c == '\\')
			return 0;
		/* A segment starting with '.' covers ".", ".." and hidden files. */
		if (c == '.' && p[-1] == '/')
			return 0;
	}
	return 1;
}

/* Open one path segment below dir without following a symbolic link. */
static int open_segment(int dir, const char *seg, int last)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;

	/* O_NONBLOCK: a FIFO planted in the web root must not hang a worker. */
	flags |= last ? O_NONBLOCK : O_DIRECTORY;
	return openat(dir, seg, flags);
}

int server_static_open(const char *root, const char *rel, int *fd,
		       uint64_t *size)
{
	const char *p = rel;
	char seg[256];
	struct stat st;
	int dir, next, rc = 0;

	*fd = -1;
	*size = 0;
	if ((dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	for (;;) {
		size_t len;
		int last;

		while (*p == '/')
			p++;
		if (!*p) {
			rc = -EISDIR;   /* "dir/" names a directory, not a file */
			break;
		}
		len = strcspn(p, "/");
		if (len >= sizeof(seg)) {
			rc = -ENAMETOOLONG;
			break;
		}
		memcpy(seg, p, len);
		seg[len] = '\0';
		p += len;
		last = *p == '\0';
		if ((next = open_segment(dir, seg, last)) < 0) {
			rc = -errno;
			break;
		}
		if (!last) {
			close(dir);
			dir = next;
			continue;
		}
		if (fstat(next, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(next);
			rc = -EISDIR;
			break;
		}
		*fd = next;
		*size = (uint64_t)st.st_size;
		break;
	}
	close(dir);
	return rc;
}

const char *server_mime_type(const char *name)
{
	static const struct {
		const char *ext;
		const char *type;
	} types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "json", "application/json; charset=utf-8" },
		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "webp", "image/webp" },
		{ "ico", "image/x-icon" },
		{ "woff2", "font/woff2" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "map", "application/json; charset=utf-8" },
	};
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');

	if (dot) {
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	}
	return "application/octet-stream";
}

/* "0", "0.", "0.000": a quality of zero means "not acceptable". */
static int q_is_zero(const char *v, size_t n)
{
	if (n == 0 || v[0] != '0')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (v[i] != '.' && v[i] != '0')
			return 0;
	return 1;
}

/* One element of Accept-Encoding: "gzip", "gzip;q=0.5", " br". */
static int element_accepts_gzip(const char *p, size_t n)
{
	size_t tok;
	const char *q;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	tok = 0;
	while (tok < n && p[tok] != ';' && p[tok] != ' ' && p[tok] != '\t')
		tok++;
	if (tok != 4 || strncasecmp(p, "gzip", 4) != 0)
		return 0;
	for (q = p + tok; q < p + n; q++) {
		if ((q[0] == 'q' || q[0] == 'Q') && q + 1 < p + n && q[1] == '=') {
			const char *v = q + 2;
			size_t vl = 0;
			while (v + vl < p + n && v[vl] != ';' && v[vl] != ' ')
				vl++;
			return !q_is_zero(v, vl);
		}
	}
	return 1;
}

int server_accepts_gzip(const char *accept_encoding)
{
	const char *p = accept_encoding;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (element_accepts_gzip(p, n))
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int server_is_json_type(const char *content_type)
{
	const char *p = content_type;
	char c;

	if (!p)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "application/json", 16) != 0)
		return 0;
	c = p[16];
	return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

int server_cookie(const char *header, const char *name, char *out,
		  size_t out_size)
{
	size_t nlen = strlen(name);
	const char *p = header;

	while (p && *p) {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		n = strcspn(p, ";");
		if (n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1;
			size_t vl = n - nlen - 1;
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (vl + 1 > out_size)
				return 0;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 1;
		}
		p += n;
	}
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return -1;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_listen_v6(const char *listen, struct sockaddr_storage *addr,
			   socklen_t *addr_len)
{
	struct sockaddr_in6 sin6;
	const char *close_br = strchr(listen, ']');
	char host[64];
	size_t n;

	if (!close_br || close_br[1] != ':')
		return -1;
	n = (size_t)(close_br - listen - 1);
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, listen + 1, n);
	host[n] = '\0';
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1 ||
	    parse_port(close_br + 2, &sin6.sin6_port) < 0)
		return -1;
	sin6.sin6_port = htons(sin6.sin6_port);
	memcpy(addr, &sin6, sizeof(sin6));
	*addr_len = sizeof(sin6);
	return 0;
}

int server_parse_listen(const char *listen, struct sockaddr_storage *addr,
			socklen_t *addr_len)
{
	struct sockaddr_in sin;
	const char *colon;
	char host[64];
	size_t n;

	memset(addr, 0, sizeof(*addr));
	if (!listen)
		return -1;
	if (listen[0] == '[')
		return parse_listen_v6(listen, addr, addr_len);
	colon = strrchr(listen, ':');
	if (!colon || (n = (size_t)(colon - listen)) >= sizeof(host))
		return -1;
	memcpy(host, listen, n);
	host[n] = '\0';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (n == 0 || strcmp(host, "*") == 0)
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(host, "localhost") == 0)
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	if (parse_port(colon + 1, &sin.sin_port) < 0)
		return -1;
	sin.sin_port = htons(sin.sin_port);
	memcpy(addr, &sin, sizeof(sin));
	*addr_len = sizeof(sin);
	return 0;
}

/* === helpers for handlers (http.h) === */

struct query_find {
	const char *key;
	const char *value;
};

static enum MHD_Result query_take(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *value)
{
	struct query_find *q = cls;

	(void)kind;
	if (value && key && strcmp(key, q->key) == 0)
		q->value = value;
	return MHD_YES;
}

/* The last value wins ("?per_page=10&per_page=50" is 50), as a client that
 * appends a parameter to a URL expects; a key without "=" is absent. */
const char *http_query(struct http_req *req, const char *key)
{
	struct query_find q = { key, NULL };

	if (!req->conn || !key)
		return NULL;
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_take, &q);
	return q.value;
}

const char *http_header(struct http_req *req, const char *name)
{
	if (!req->conn)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Decimal digits only (no sign, no spaces).  0, or -1 when not a number;
 * a number too large for int64_t gives INT64_MAX (callers check ranges). */
static int parse_digits(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int http_param_id(struct http_req *req, int index, int64_t *out, struct err *e)
{
	const char *s = NULL;
	int64_t v = 0;

	if (index >= 0 && index < req->n_params)
		s = req->params[index];
	if (parse_digits(s, &v) < 0 || v < 1 || v == INT64_MAX)
		return err_set(e, ERR_NOT_FOUND, NULL, "id", "没有这条记录",
			       "no such record");
	*out = v;
	return 0;
}

int http_query_id(struct http_req *req, const char *key, int64_t *out,
		  struct err *e)
{
	const char *v = http_query(req, key);
	char *end = NULL;
	long long n;

	*out = 0;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end || n < 1 || errno == ERANGE)
		return err_setf(e, ERR_INVALID, key, "integer", "%s 应为正整数",
				"%s must be a positive integer", key);
	*out = n;
	return 0;
}

int http_paging(struct http_req *req, int64_t *page, int64_t *per_page,
		struct err *e)
{
	const char *p = http_query(req, "page");
	const char *pp = http_query(req, "per_page");
	int64_t v;

	*page = 1;
	*per_page = LIMIT_PAGE_DEFAULT;
	if (p) {
		if (parse_digits(p, &v) < 0 || v < 1 || v > SERVER_PAGE_MAX)
			return err_setf(e, ERR_INVALID, "page", "range",
					"页码须为 1 到 %d 之间的整数",
					"page must be an integer from 1 to %d",
					SERVER_PAGE_MAX);
		*page = v;
	}
	if (pp) {
		if (parse_digits(pp, &v) < 0 || v < 1)
			return err_setf(e, ERR_INVALID, "per_page", "range",
					"每页条数须为 1 到 %d 之间的整数",
					"per_page must be an integer from 1 to %d",
					LIMIT_PAGE_SIZE);
		*per_page = v > LIMIT_PAGE_SIZE ? LIMIT_PAGE_SIZE : v;
	}
	return 0;
}

int http_reply(struct http_resp *resp, int status, json_t *j)
{
	resp->status = status;
	if (resp->json != j)
		json_decref(resp->json);  /* a second reply replaces the first */
	resp->json = j;
	return 0;
}

/* === answers === */

static int is_write(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	       strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

/* Queue r (consumed) with the headers every answer carries. */
static enum MHD_Result queue(struct request *rq, int status,
			     struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", SERVER_CSP);
	if (status == 405 && rq->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rq->allow);
	/* While draining, a kept-alive connection must not take new work. */
	if (rq->srv->app->stopping)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(rq->req.conn, (unsigned)status, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES)
		rq->status = status;
	return ret;
}

/* A JSON answer from text (malloc'd; taken, freed by MHD). */
static struct MHD_Response *json_response(char *text)
{
	struct MHD_Response *r;

	if (!text)
		return NULL;
	r = MHD_create_response_from_buffer(strlen(text), text,
					    MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return r;
}

/* Serialize j (consumed); NULL only when out of memory. */
static char *dump_json(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	if (!text) {
		log_error("http: an answer could not be encoded as JSON");
		text = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}");
	}
	return text;
}

static void set_string(json_t *obj, const char *key, const char *value)
{
	json_t *s = json_string(value);

	/* Not valid UTF-8: keep the answer, drop the broken text. */
	json_object_set_new(obj, key, s ? s : json_string("?"));
}

/* "accept,dismiss" -> ["accept","dismiss"] */
static json_t *allowed_json(const char *list)
{
	json_t *a = json_array();
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");
		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

static json_t *error_json(const struct err *e, int lang_en)
{
	json_t *inner = json_object();
	const char *msg = lang_en ? e->message_en : e->message;

	if (!msg[0])
		msg = lang_en ? e->message : e->message_en;
	set_string(inner, "code", err_code_string(e));
	if (e->field[0])
		set_string(inner, "field", e->field);
	set_string(inner, "message", msg[0] ? msg : err_slug(e->code));
	if (e->existing_id > 0)
		json_object_set_new(inner, "existing_id", json_integer(e->existing_id));
	if (e->code == ERR_CONFLICT && e->rule[0] && strcmp(e->rule, "transition") == 0)
		json_object_set_new(inner, "allowed", allowed_json(e->allowed));
	return json_pack("{s:o}", "error", inner);
}

static enum MHD_Result reply_error(struct request *rq, int status,
				   const struct err *e)
{
	struct MHD_Response *r;
	struct err shown;

	if (status >= 500 && status != 503) {
		/* The driver's text is for the log, not for the client. */
		log_error("%s %s: %s [%s]", rq->req.method, rq->req.path,
			  e->message_en, err_code_string(e));
		err_set(&shown, e->code, NULL, NULL, "服务器内部错误",
			"internal server error");
		e = &shown;
	}
	r = json_response(dump_json(error_json(e, rq->req.lang_en)));
	if (r && status == 429) {
		char secs[24];
		snprintf(secs, sizeof(secs), "%" PRId64,
			 e->retry_after > 0 ? e->retry_after : (int64_t)1);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	}
	return queue(rq, status, r);
}

static enum MHD_Result reply_json(struct request *rq, int status, json_t *j)
{
	return queue(rq, status, json_response(dump_json(j)));
}

/* === classifying a request (first call: headers only) === */

/* Record the answer the headers already decide; the first reason stands. */
static void early(struct request *rq, int status, int code, const char *rule,
		  const char *zh, const char *en)
{
	if (rq->early_status)
		return;
	err_set(&rq->early, code, NULL, rule, zh, en);
	rq->early_status = status ? status : err_http_status(code);
}

static int64_t body_limit(const struct request *rq);

static void early_too_large(struct request *rq)
{
	if (rq->early_status)
		return;
	err_setf(&rq->early, ERR_TOO_LARGE, "body", NULL,
		 "请求体超过 %d KiB 上限", "the request body is over the %d KiB limit",
		 (int)(body_limit(rq) / 1024));
	rq->early_status = err_http_status(ERR_TOO_LARGE);
}

static int method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(route_method, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

static void allow_add(struct strbuf *allow, const char *method)
{
	const char *p = allow->buf;
	size_t n = strlen(method);

	/* Already listed?  Entries are separated by ", ". */
	while ((p = strstr(p, method)) != NULL) {
		if ((p == allow->buf || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return;
		p += n;
	}
	if (allow->len)
		strbuf_addstr(allow, ", ");
	strbuf_addstr(allow, method);
	if (strcmp(method, "GET") == 0)
		allow_add(allow, "HEAD");
}

static void method_not_allowed(struct request *rq, const char *allow)
{
	rq->allow = arena_strdup(&rq->req.arena, allow);
	early(rq, 0, ERR_METHOD, NULL, "该地址不支持此请求方法（见 Allow 头）",
	      "this address does not accept that method (see the Allow header)");
}

static void take_route(struct request *rq, const struct route *rt,
		       const struct server_slice *params, int n)
{
	struct http_req *req = &rq->req;

	req->route = rt;
	req->n_params = n;
	for (int i = 0; i < n; i++)
		req->params[i] = arena_strndup(&req->arena, params[i].ptr,
					       params[i].len);
	rq->kind = KIND_API;
}

/* The route for method + path; with several, the one with the fewest
 * parameters ("/api/users/me" before "/api/users/{id}"). */
static int find_route(struct request *rq, struct strbuf *allow)
{
	struct server_slice params[HTTP_MAX_PARAMS], best_params[HTTP_MAX_PARAMS];
	const struct route *best = NULL;
	int n, best_n = 0, path_known = 0;

	for (size_t i = 0; i < http_routes_count; i++) {
		const struct route *rt = &http_routes[i];
		if (!server_match(rt->pattern, rq->req.path, params, &n))
			continue;
		path_known = 1;
		if (!method_matches(rt->method, rq->req.method)) {
			allow_add(allow, rt->method);
			continue;
		}
		if (!best || n < best_n) {
			best = rt;
			best_n = n;
			memcpy(best_params, params, sizeof(params));
		}
	}
	if (best)
		take_route(rq, best, best_params, best_n);
	return best ? 1 : path_known ? 0 : -1;
}

static int is_api_path(const char *path)
{
	return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0;
}

static void classify(struct request *rq)
{
	struct strbuf allow = STRBUF_INIT;
	const char *method = rq->req.method;
	int found = find_route(rq, &allow);

	if (found == 0) {
		method_not_allowed(rq, allow.buf);
	} else if (found < 0 && is_api_path(rq->req.path)) {
		early(rq, 0, ERR_NOT_FOUND, NULL, "没有这个接口",
		      "no such API endpoint");
	} else if (found < 0) {
		rq->kind = strcmp(rq->req.path, "/healthz") == 0 ? KIND_HEALTH
								: KIND_STATIC;
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			method_not_allowed(rq, "GET, HEAD");
	}
	strbuf_release(&allow);
}

static void client_ip(struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct sockaddr_storage ss;

	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	memset(&ss, 0, sizeof(ss));
	if (ci->client_addr->sa_family == AF_INET) {
		struct sockaddr_in sin;
		memcpy(&sin, ci->client_addr, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, out, (socklen_t)size);
	} else if (ci->client_addr->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, ci->client_addr, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, out, (socklen_t)size);
	}
}

static int wants_english(struct http_req *req)
{
	const char *lang = http_query(req, "lang");
	const char *accept = http_header(req, "Accept-Language");

	if (lang)
		return strncasecmp(lang, "en", 2) == 0;
	return accept && strncasecmp(accept, "en", 2) == 0;
}

/* 1 when a body follows the headers; *length = its size, -1 if chunked. */
static int body_announced(struct http_req *req, int64_t *length)
{
	const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = http_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);

	*length = 0;
	if (te && *te) {
		*length = -1;
		return 1;
	}
	if (cl && parse_digits(cl, length) < 0)
		*length = 0;   /* MHD refuses a malformed Content-Length itself */
	return *length > 0;
}

static void check_limits(struct request *rq, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);

	if (rq->url_too_long)
		early(rq, MHD_HTTP_URI_TOO_LONG, ERR_INVALID, "url_too_long",
		      "地址过长", "the URL is too long");
	if (ci && ci->header_size > LIMIT_HEADER_BYTES)
		early(rq, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, ERR_INVALID,
		      "headers_too_large", "请求头过大", "the request headers are too large");
	if (rq->url_has_nul)
		early(rq, 0, ERR_NOT_FOUND, NULL, "没有这个地址", "no such address");
}

static int image_route(const struct request *rq)
{
	return rq->req.route && (rq->req.route->flags & ROUTE_IMAGE_BODY);
}

static int csv_route(const struct request *rq)
{
	return rq->req.route && (rq->req.route->flags & ROUTE_CSV_BODY);
}

/* The most a body may hold on this route. */
static int64_t body_limit(const struct request *rq)
{
	return image_route(rq) ? LIMIT_PHOTO_BYTES
	       : csv_route(rq) ? LIMIT_IMPORT_BYTES : LIMIT_BODY_BYTES;
}

/* text/csv, XLSX (or a generic binary type: department files come as they
 * come); the import tells the two apart by their bytes. */
static int is_data_file_type(const char *ct)
{
	static const char xlsx[] =
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	size_t n = ct ? strcspn(ct, ";") : 0;
	while (n && ct[n - 1] == ' ')
		n--;
	return ct && ((n == 8 && strncasecmp(ct, "text/csv", 8) == 0) ||
		      (n == 24 && strncasecmp(ct, "application/octet-stream", 24) == 0) ||
		      (n == 24 && strncasecmp(ct, "application/vnd.ms-excel", 24) == 0) ||
		      (n == sizeof(xlsx) - 1 && strncasecmp(ct, xlsx, n) == 0));
}

static int is_image_type(const char *ct)
{
	size_t n = ct ? strcspn(ct, ";") : 0;
	while (n && ct[n - 1] == ' ')
		n--;
	return ct && ((n == 10 && strncasecmp(ct, "image/jpeg", 10) == 0) ||
		      (n == 9 && strncasecmp(ct, "image/png", 9) == 0));
}

static void check_body_headers(struct request *rq, int64_t length)
{
	const char *ct = http_header(&rq->req, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (length > body_limit(rq))
		early_too_large(rq);
	if (csv_route(rq)) {
		if (!is_data_file_type(ct)) {
			err_set(&rq->late, ERR_MEDIA_TYPE, "body", NULL,
				"数据文件须以 text/csv 或 XLSX 上传",
				"a data file must be sent as text/csv or XLSX");
			rq->has_late = 1;
		}
		return;
	}
	if (image_route(rq)) {
		if (!is_image_type(ct)) {
			err_set(&rq->late, ERR_MEDIA_TYPE, "body", NULL,
				"照片须为 JPEG 或 PNG（Content-Type: image/jpeg 或 image/png）",
				"a photo must be JPEG or PNG (Content-Type: image/jpeg or image/png)");
			rq->has_late = 1;
		}
		return;
	}
	if (!server_is_json_type(ct)) {
		early(rq, 0, ERR_MEDIA_TYPE, NULL,
		      "请求体须为 JSON（Content-Type: application/json）",
		      "the body must be JSON (Content-Type: application/json)");
		if (rq->early.code == ERR_MEDIA_TYPE)
			snprintf(rq->early.field, sizeof(rq->early.field), "body");
	}
}

static int expects_continue(struct http_req *req)
{
	const char *x = http_header(req, MHD_HTTP_HEADER_EXPECT);
	return x && strcasecmp(x, "100-continue") == 0;
}

static enum MHD_Result request_finish(struct request *rq);

static enum MHD_Result request_begin(struct request *rq,
				     struct MHD_Connection *c,
				     const char *url, const char *method)
{
	struct http_req *req = &rq->req;
	int64_t length;
	int has_body;

	req->app = rq->srv->app;
	req->conn = c;
	req->method = arena_strdup(&req->arena, method);
	req->path = arena_strdup(&req->arena, url);
	if (!req->method || !req->path)
		return MHD_NO;
	client_ip(c, req->actor.ip, sizeof(req->actor.ip));
	req->lang_en = wants_english(req);
	has_body = body_announced(req, &length);
	check_limits(rq, c);
	if (!rq->early_status)
		classify(rq);
	if (has_body && is_write(method))
		check_body_headers(rq, length);
	if (!has_body)
		return MHD_YES;   /* MHD calls again at once: answer then */
	if (rq->early_status &&
	    (length > LIMIT_BODY_DISCARD || expects_continue(req)))
		return request_finish(rq);   /* the body will never be read */
	rq->body_mode = rq->early_status || rq->has_late || !is_write(method)
			? BODY_DISCARD : BODY_COLLECT;
	if (rq->body_mode == BODY_COLLECT && length > 0)
		strbuf_grow(&rq->body, (size_t)length);
	return MHD_YES;
}

/* === the body === */

static enum MHD_Result body_feed(struct request *rq, const char *data,
				 size_t n)
{
	rq->body_seen += n;
	if (rq->body_mode == BODY_COLLECT) {
		if (rq->body_seen <= (size_t)body_limit(rq)) {
			strbuf_add(&rq->body, data, n);
			return MHD_YES;
		}
		strbuf_release(&rq->body);
		early_too_large(rq);
	}
	rq->body_mode = BODY_DISCARD;
	if (rq->body_seen > LIMIT_BODY_DISCARD) {
		/* MHD cannot answer in the middle of a body: close. */
		rq->status = rq->early_status ? rq->early_status : 413;
		return MHD_NO;
	}
	return MHD_YES;
}

/* Make the json_error_t text safe to embed: it may quote input bytes. */
static void ascii_only(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static int parse_body(struct request *rq, struct err *e)
{
	int required = rq->req.route->flags & (ROUTE_JSON_BODY | ROUTE_IMAGE_BODY |
					       ROUTE_CSV_BODY);
	json_error_t je;
	json_t *j;

	if (image_route(rq) || csv_route(rq)) {
		if (rq->body.len == 0)
			return err_set(e, ERR_INVALID, "body", "empty",
				       "请上传文件内容", "the file is empty");
		rq->req.raw_body = (const unsigned char *)rq->body.buf;
		rq->req.raw_len = rq->body.len;
		rq->req.content_type = http_header(&rq->req, MHD_HTTP_HEADER_CONTENT_TYPE);
		return 0;
	}

	if (rq->body.len == 0) {
		if (!required)
			return 0;
		return err_set(e, ERR_INVALID, "body", "json",
			       "请求体须为一个 JSON 对象，不能为空",
			       "the request needs a JSON object as its body");
	}
	j = json_loadb(rq->body.buf, rq->body.len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		ascii_only(je.text);
		return err_setf(e, ERR_INVALID, "body", "json",
				"请求体不是有效的 JSON（第 %d 行第 %d 列：%s）",
				"the body is not valid JSON (line %d, column %d: %s)",
				je.line, je.column, je.text);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(e, ERR_INVALID, "body", "json",
			       "请求体须为 JSON 对象 {…}",
			       "the body must be a JSON object {...}");
	}
	rq->req.body = j;
	return 0;
}

/* === API requests (last call: body complete) === */

/* The session token: "Authorization: Bearer x", else the cookie.  Returns
 * 1 when one was sent (out may then be "" if it cannot be valid). */
static int find_token(struct http_req *req, char *out, size_t size,
		      int *from_cookie)
{
	const char *auth = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cookie = http_header(req, MHD_HTTP_HEADER_COOKIE);

	*from_cookie = 0;
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		auth += 7;
		while (*auth == ' ')
			auth++;
		if (strlen(auth) >= size)
			auth = "";
		snprintf(out, size, "%s", auth);
		return 1;
	}
	if (cookie && server_cookie(cookie, SESSION_COOKIE_NAME, out, size)) {
		*from_cookie = 1;
		return 1;
	}
	return 0;
}

/* Sign the request in if it carries a live session.  An unknown or expired
 * token is simply "not signed in": a public route (login) still works. */
static int load_session(struct request *rq, int *from_cookie, char *csrf,
			struct err *e)
{
	struct http_req *req = &rq->req;
	char token[ACCOUNT_TOKEN_CHARS + 1];
	enum session_kind kind = SESSION_BEARER;
	struct actor a;
	struct err se;
	int rc;

	if (!find_token(req, token, sizeof(token), from_cookie))
		return 0;
	err_clear(&se);
	memset(&a, 0, sizeof(a));
	rc = account_session(req->store, token, &a, &kind, csrf, &se);
	if (rc == ERR_UNAUTHORIZED)
		return 0;
	if (rc < 0) {
		*e = se;
		return rc;
	}
	/* account_session fills the actor afresh: keep the address. */
	memcpy(a.ip, req->actor.ip, sizeof(a.ip));
	req->actor = a;
	req->signed_in = 1;
	return 0;
}

static int authorize(struct request *rq, struct err *e)
{
	struct http_req *req = &rq->req;
	const struct route *rt = req->route;
	char csrf[ACCOUNT_TOKEN_CHARS] = "";
	const char *sent;
	int from_cookie = 0, rc;

	if ((rc = load_session(rq, &from_cookie, csrf, e)) < 0)
		return rc;
	if (!req->signed_in) {
		if (rt->perm == PERM_PUBLIC)
			return 0;
		return err_set(e, ERR_UNAUTHORIZED, NULL, "session", "请先登录",
			       "sign in first");
	}
	/* Only a cookie is sent by the browser on its own, so only a cookie
	 * session must prove the page asking is ours. */
	if (from_cookie && is_write(req->method) && !(rt->flags & ROUTE_NO_CSRF)) {
		sent = http_header(req, "X-CSRF-Token");
		if (!sent || !account_token_equal(sent, csrf))
			return err_set(e, ERR_FORBIDDEN, NULL, "csrf",
				       "缺少或错误的 X-CSRF-Token 请求头",
				       "missing or wrong X-CSRF-Token header");
	}
	if (rt->perm == PERM_PUBLIC)
		return 0;
	return perm_require(&req->actor, rt->perm, e);
}

struct idem {
	int active;
	const char *key;
	char hash[IDEMPOTENCY_HASH_HEX];
	struct idempotency_record rec;
	int saved;        /* the answer is stored: the claim is settled */
};

static int idem_begin(struct request *rq, struct idem *im, struct err *e)
{
	struct http_req *req = &rq->req;
	const char *key;

	if (!is_write(req->method) || !req->signed_in ||
	    (req->route->flags & ROUTE_NO_IDEMPOTENCY))
		return 0;
	if (!(key = http_header(req, "Idempotency-Key")))
		return 0;
	if (!idempotency_key_valid(key))
		return err_setf(e, ERR_INVALID, "Idempotency-Key", "format",
				"Idempotency-Key 须为 1 到 %d 个可打印 ASCII 字符",
				"Idempotency-Key must be 1 to %d printable ASCII characters",
				IDEMPOTENCY_KEY_MAX);
	im->active = 1;
	im->key = key;
	idempotency_hash(req->method, req->path, rq->body.buf, rq->body.len,
			 im->hash);
	return idempotency_reserve(req->store, req->actor.user_id, key, im->hash,
				   &im->rec, e);
}

static enum MHD_Result reply_replay(struct request *rq, struct idem *im)
{
	struct MHD_Response *r = json_response(im->rec.body);

	im->rec.body = NULL;   /* taken by the response */
	if (r)
		MHD_add_response_header(r, "Idempotent-Replay", "true");
	return queue(rq, im->rec.status, r);
}

static void idem_save(struct request *rq, struct idem *im, int status,
		      const char *text)
{
	struct err e;

	err_clear(&e);
	if (idempotency_save(rq->req.store, rq->req.actor.user_id, im->key,
			     im->hash, status, text, &e) < 0)
		log_warn("idempotency key not saved: %s", e.message_en);
	else
		im->saved = 1;
}

static int call_handler(struct request *rq, struct err *e)
{
	const struct route *rt = rq->req.route;
	int rc;

	err_clear(e);
	if (!rt->handler)
		return err_set(e, ERR_INTERNAL, NULL, NULL, "接口未实现",
			       "route has no handler");
	rc = rt->handler(&rq->req, &rq->resp, e);
	if (rc >= 0)
		return 0;
	json_decref(rq->resp.json);
	rq->resp.json = NULL;
	if (e->code == 0)
		err_set(e, ERR_INTERNAL, NULL, NULL, "处理请求失败",
			"the handler failed without saying why");
	return e->code;
}

static enum MHD_Result reply_success(struct request *rq, struct idem *im)
{
	struct http_resp *resp = &rq->resp;
	int status = resp->status ? resp->status : 200;
	struct MHD_Response *r;
	char *text;

	if (status < 200 || status > 599) {
		log_error("%s %s: handler set status %d", rq->req.method,
			  rq->req.path, status);
		status = 500;
	}
	if (resp->raw && resp->raw_type) {
		r = MHD_create_response_from_buffer(resp->raw_len, (void *)resp->raw,
						    MHD_RESPMEM_MUST_COPY);
		if (r) {
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->raw_type);
			MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
						resp->raw_cache ? resp->raw_cache : "no-store");
			if (resp->raw_filename)
				add_disposition(r, resp->raw_filename);
		}
		return queue(rq, status, r);
	}
	text = dump_json(resp->json ? resp->json : json_object());
	resp->json = NULL;
	if (!text)
		return MHD_NO;
	if (im->active && status >= 200 && status < 300)
		idem_save(rq, im, status, text);
	r = json_response(text);
	for (int i = 0; r && i < 2; i++)
		if (resp->set_cookie[i])
			MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE,
						resp->set_cookie[i]);
	return queue(rq, status, r);
}

static enum MHD_Result serve_api(struct request *rq)
{
	struct http_req *req = &rq->req;
	struct idem im;
	struct err e;
	enum MHD_Result ret;
	int rc;

	memset(&im, 0, sizeof(im));
	err_clear(&e);
	req->store = store_pool_take(&req->app->pool);
	rc = authorize(rq, &e);
	if (rc == 0 && rq->has_late) {
		e = rq->late;
		rc = e.code;
	}
	if (rc == 0)
		rc = parse_body(rq, &e);
	if (rc == 0)
		rc = idem_begin(rq, &im, &e);
	if (rc == 0 && im.rec.found) {
		ret = reply_replay(rq, &im);
		goto cleanup;
	}
	if (rc == 0)
		rc = call_handler(rq, &e);
	if (rc < 0)
		ret = reply_error(rq, err_http_status(e.code), &e);
	else
		ret = reply_success(rq, &im);
cleanup:
	/* A claimed key whose request failed is given back: a retry runs. */
	if (im.active && !im.rec.found && !im.saved && im.key)
		idempotency_release(req->store, req->actor.user_id, im.key);
	idempotency_record_release(&im.rec);
	store_pool_give(&req->app->pool, req->store);
	req->store = NULL;
	return ret;
}

/* === /healthz and static files === */

static enum MHD_Result serve_health(struct request *rq)
{
	struct store *s = store_pool_take(&rq->srv->app->pool);
	int version = 0, rc;
	struct err e;

	err_clear(&e);
	rc = store_schema_version(s, &version, &e);
	store_pool_give(&rq->srv->app->pool, s);
	if (rc < 0)
		return reply_error(rq, err_http_status(e.code), &e);
	return reply_json(rq, 200, json_pack("{s:s, s:s, s:i}", "status", "ok",
					     "version", CIVICARE_VERSION,
					     "schema", version));
}

static enum MHD_Result static_not_found(struct request *rq)
{
	struct err e;

	err_set(&e, ERR_NOT_FOUND, NULL, NULL, "没有这个文件", "no such file");
	return reply_error(rq, 404, &e);
}

struct static_file {
	int fd;
	uint64_t size;
	const char *name;   /* root-relative, for type and cache rules */
	int gzip;
};

/* rel, or its precompressed twin rel.gz when the client takes gzip. */
static int static_open_best(struct request *rq, const char *rel,
			    struct static_file *f)
{
	const char *root = rq->srv->app->web_root;
	char gz[LIMIT_PATH_BYTES];
	int rc = server_static_open(root, rel, &f->fd, &f->size);

	f->name = rel;
	f->gzip = 0;
	if (rc < 0)
		return rc;
	if (server_accepts_gzip(http_header(&rq->req, MHD_HTTP_HEADER_ACCEPT_ENCODING)) &&
	    (size_t)snprintf(gz, sizeof(gz), "%s.gz", rel) < sizeof(gz)) {
		int gz_fd;
		uint64_t gz_size;
		if (server_static_open(root, gz, &gz_fd, &gz_size) == 0) {
			close(f->fd);
			f->fd = gz_fd;
			f->size = gz_size;
			f->gzip = 1;
		}
	}
	return 0;
}

/* "/people/12" is a page of the browser app, "/logo.png" a file. */
static int looks_like_file(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return strchr(slash ? slash + 1 : rel, '.') != NULL;
}

static enum MHD_Result serve_static(struct request *rq)
{
	const char *rel = rq->req.path;
	struct static_file f;
	struct MHD_Response *r;

	if (!rq->srv->app->web_root[0] || !server_static_path_ok(rel))
		return static_not_found(rq);
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = "index.html";
	if (static_open_best(rq, rel, &f) < 0 &&
	    (looks_like_file(rel) || static_open_best(rq, "index.html", &f) < 0))
		return static_not_found(rq);
	r = MHD_create_response_from_fd64(f.size, f.fd);
	if (!r) {
		close(f.fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, server_mime_type(f.name));
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (f.gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				strncmp(f.name, "assets/", 7) == 0
				? "public, max-age=31536000, immutable" : "no-cache");
	return queue(rq, 200, r);
}

static enum MHD_Result request_finish(struct request *rq)
{
	if (rq->early_status)
		return reply_error(rq, rq->early_status, &rq->early);
	switch (rq->kind) {
	case KIND_HEALTH:
		return serve_health(rq);
	case KIND_STATIC:
		return serve_static(rq);
	case KIND_API:
		break;
	}
	return serve_api(rq);
}

/* === MHD callbacks === */

/* "%00" in the raw path: decoded, it would cut the path short. */
static int has_encoded_nul(const char *uri, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0')
			return 1;
	return 0;
}

static struct request *request_new(struct server *srv, const char *uri)
{
	struct request *rq = calloc(1, sizeof(*rq));
	size_t n;

	if (!rq)
		return NULL;
	rq->srv = srv;
	rq->start_ms = clock_monotonic_ms();
	strbuf_init(&rq->body, 0);
	if (uri) {
		n = strcspn(uri, "?");
		rq->url_too_long = strlen(uri) > LIMIT_URL_BYTES;
		rq->url_has_nul = has_encoded_nul(uri, n);
		snprintf(rq->raw_path, sizeof(rq->raw_path), "%.*s",
			 (int)(n < sizeof(rq->raw_path) ? n : sizeof(rq->raw_path) - 1),
			 uri);
	}
	atomic_fetch_add(&srv->in_flight, 1);
	return rq;
}

static void request_free(struct request *rq)
{
	if (rq->req.store)
		store_pool_give(&rq->srv->app->pool, rq->req.store);
	json_decref(rq->req.body);
	json_decref(rq->resp.json);
	strbuf_release(&rq->body);
	arena_release(&rq->req.arena);
	free(rq);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)c;
	return request_new(cls, uri);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *data,
				 size_t *data_size, void **con_cls)
{
	struct request *rq = *con_cls;
	size_t n;

	(void)version;
	if (!rq) {
		if (!(rq = request_new(cls, NULL)))
			return MHD_NO;
		*con_cls = rq;
	}
	if (!rq->started) {
		rq->started = 1;
		return request_begin(rq, c, url, method);
	}
	if (*data_size > 0) {
		n = *data_size;
		*data_size = 0;
		return body_feed(rq, data, n);
	}
	return request_finish(rq);
}

static void access_log(struct request *rq, struct MHD_Connection *c,
		       enum MHD_RequestTerminationCode toe)
{
	const char *path = rq->req.path ? rq->req.path : rq->raw_path;
	char status[16] = "-";
	int code = rq->status;

	if (!code) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
		if (ci)
			code = (int)ci->http_status;
	}
	if (code)
		snprintf(status, sizeof(status), "%d", code);
	log_info("%s %.300s %s %" PRId64 "ms %s%s",
		 rq->req.method ? rq->req.method : "-", path[0] ? path : "-",
		 status, clock_monotonic_ms() - rq->start_ms,
		 rq->req.signed_in ? rq->req.actor.username : "-",
		 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;

	if (!rq)
		return;
	*con_cls = NULL;
	access_log(rq, c, toe);
	request_free(rq);
	atomic_fetch_sub(&srv->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_debug("libmicrohttpd: %s", line);
}

/* === running === */

static void on_stop_signal(int sig)
{
	(void)sig;
	if (serve_stop_flag)
		*serve_stop_flag = 1;
}

static struct MHD_Daemon *start_daemon(struct server *srv,
				       const struct sockaddr_storage *addr,
				       unsigned threads)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC;

	if (addr->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, srv,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, SERVER_CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, SERVER_TIMEOUT_S,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_END);
}

/* "127.0.0.1:8080" / "[::1]:8080" with the port really bound (for :0). */
static void bound_address(struct MHD_Daemon *d,
			  const struct sockaddr_storage *addr, char *out,
			  size_t size)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = di ? di->port : 0;

	if (addr->ss_family == AF_INET6) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, addr, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, port);
	} else {
		struct sockaddr_in sin;
		memcpy(&sin, addr, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, port);
	}
}

/* Sleep until app->stopping; signals are let in only inside pselect. */
static void wait_for_stop(struct app *app, const sigset_t *old_mask)
{
	sigset_t wait_mask = *old_mask;
	struct timespec tick = { 0, 250 * 1000000L };

	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	/* The tick also notices a flag set by other code (tests). */
	while (!app->stopping)
		pselect(0, NULL, NULL, NULL, &tick, &wait_mask);
}

static unsigned open_connections(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di ? di->num_connections : 0;
}

/*
 * Stop accepting, then wait for the requests in flight.  A connection
 * accepted just before may not have sent its request line yet (so it is not
 * counted): wait until nothing is in flight and either no connection is
 * open or none has started a request for SERVER_QUIET_MS.
 */
static void drain(struct MHD_Daemon *d, struct server *srv)
{
	MHD_socket fd = MHD_quiesce_daemon(d);
	int64_t now = clock_monotonic_ms(), quiet_since = -1;
	int64_t deadline = now + SERVER_DRAIN_MS;
	struct timespec nap = { 0, 20 * 1000000L };
	int left;

	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	if ((left = atomic_load(&srv->in_flight)) > 0)
		log_info("stopping: waiting for %d request(s)", left);
	for (;;) {
		now = clock_monotonic_ms();
		left = atomic_load(&srv->in_flight);
		if (left > 0)
			quiet_since = -1;
		else if (open_connections(d) == 0)
			break;
		else if (quiet_since < 0)
			quiet_since = now;
		else if (now - quiet_since >= SERVER_QUIET_MS)
			break;
		if (now >= deadline)
			break;
		nanosleep(&nap, NULL);
	}
	if (left > 0)
		log_warn("stopping with %d request(s) unfinished after %d s", left,
			 SERVER_DRAIN_MS / 1000);
}

int http_serve(struct app *app, struct err *e)
{
	const char *listen = config_get(&app->cfg, CFG_LISTEN);
	struct sigaction sa, old_term, old_int;
	struct sockaddr_storage addr;
	struct MHD_Daemon *d = NULL;
	sigset_t block, old_mask;
	struct server srv;
	socklen_t addr_len;
	int64_t threads;
	char shown[INET6_ADDRSTRLEN + 16];
	int rc = 0;

	memset(&srv, 0, sizeof(srv));
	srv.app = app;
	atomic_init(&srv.in_flight, 0);
	if (server_parse_listen(listen, &addr, &addr_len) < 0)
		return err_setf(e, ERR_INVALID, "listen", "address",
				"监听地址 %s 无效，应为 主机:端口 或 [IPv6]:端口",
				"bad listen address %s: use host:port or [ipv6]:port",
				listen ? listen : "");
	if ((rc = config_get_int(&app->cfg, CFG_THREADS, 1, 1024, &threads, e)) < 0)
		return rc;

	/* Block the stop signals before MHD starts its threads: they inherit
	 * the mask, so only this thread ever takes the signals. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old_mask);
	serve_stop_flag = &app->stopping;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);

	if (!(d = start_daemon(&srv, &addr, (unsigned)threads))) {
		rc = err_setf(e, ERR_UNAVAILABLE, "listen", "listen",
			      "无法在 %s 上监听（端口被占用或无权限？）",
			      "cannot listen on %s (port in use, or no permission?)",
			      listen);
		goto cleanup;
	}
	bound_address(d, &addr, shown, sizeof(shown));
	log_info("listening on %s (%d threads)", shown, (int)threads);
	wait_for_stop(app, &old_mask);
	drain(d, &srv);
	MHD_stop_daemon(d);
	log_info("stopped");
cleanup:
	/* Unblock first: a signal still pending meets our handler, not the
	 * default action. */
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	serve_stop_flag = NULL;
	return rc;
}
