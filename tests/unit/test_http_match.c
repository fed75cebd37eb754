/*
 * test_http_match.c - the pure parts of the HTTP server (http/server.c via
 * server_internal.h) and the idempotency store (domain/idempotency.c).
 *
 * Route patterns, static-file path safety (on a real directory with
 * symbolic links and a FIFO planted in it), the small header parsers, the
 * listen address, path-id parsing, and idempotency keys on a real SQLite
 * file.  Files go under $CIVICARE_TEST_TMP (else a mkdtemp in /tmp).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/http/server_internal.h"
#include "../../src/core/clock.h"
#include "../../src/domain/idempotency.h"
#include "../../src/store/store.h"
#include "../../src/core/banned.h"

static char test_dir[512];

static void make_test_dir(void)
{
	const char *base = getenv("CIVICARE_TEST_TMP");

	if (!base || !*base)
		base = "/tmp";
	snprintf(test_dir, sizeof(test_dir), "%s/http-XXXXXX", base);
	assert_non_null(mkdtemp(test_dir));
}

static void path_in(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", test_dir, rel);
}

static void write_file(const char *rel, const char *text)
{
	char p[1024];
	FILE *f;

	path_in(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int matches(const char *pattern, const char *path)
{
	struct server_slice params[HTTP_MAX_PARAMS];
	int n;

	return server_match(pattern, path, params, &n);
}

/* === route patterns === */

static void literal_pattern_matches_only_the_same_path(void **state)
{
	(void)state;
	assert_true(matches("/api/persons", "/api/persons"));
	assert_false(matches("/api/persons", "/api/person"));
	assert_false(matches("/api/persons", "/api/personsx"));
	assert_false(matches("/api/persons", "/api/persons/"));
	assert_false(matches("/api/persons", "/api"));
	assert_false(matches("/api/persons", "/api/persons/1"));
	assert_false(matches("/api/persons", "api/persons"));
	assert_true(matches("/", "/"));
}

static void parameter_takes_one_nonempty_segment_in_order(void **state)
{
	struct server_slice p[HTTP_MAX_PARAMS];
	int n = -1;

	(void)state;
	assert_true(server_match("/api/households/{id}/head", "/api/households/42/head", p, &n));
	assert_int_equal(n, 1);
	assert_int_equal(p[0].len, 2);
	assert_memory_equal(p[0].ptr, "42", 2);

	assert_true(server_match("/a/{x}/b/{y}", "/a/one/b/two", p, &n));
	assert_int_equal(n, 2);
	assert_memory_equal(p[0].ptr, "one", 3);
	assert_memory_equal(p[1].ptr, "two", 3);

	assert_false(server_match("/api/persons/{id}", "/api/persons/", p, &n));
	assert_int_equal(n, 0);
	assert_false(matches("/api/persons/{id}", "/api/persons//"));
	assert_false(matches("/api/persons/{id}", "/api/persons/1/2"));
	assert_false(matches("/api/persons/{id}", "/api/persons"));
}

static void pattern_with_too_many_parameters_never_matches(void **state)
{
	(void)state;
	assert_true(matches("/{a}/{b}/{c}/{d}", "/1/2/3/4"));
	assert_false(matches("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5"));
}

/* === static files === */

static void static_path_rejects_dots_backslashes_and_controls(void **state)
{
	(void)state;
	assert_true(server_static_path_ok("/"));
	assert_true(server_static_path_ok("/index.html"));
	assert_true(server_static_path_ok("/assets/app.4f3a.js"));
	assert_true(server_static_path_ok("/people/12"));
	assert_false(server_static_path_ok("/../etc/passwd"));
	assert_false(server_static_path_ok("/assets/../../secret"));
	assert_false(server_static_path_ok("/assets/.."));
	assert_false(server_static_path_ok("/./index.html"));
	assert_false(server_static_path_ok("/.env"));
	assert_false(server_static_path_ok("/a\\..\\b"));
	assert_false(server_static_path_ok("/a\nb"));
	assert_false(server_static_path_ok("index.html"));
	assert_false(server_static_path_ok(""));
}

static void static_open_serves_regular_files_below_root(void **state)
{
	char sub[1024];
	uint64_t size = 0;
	char buf[16] = "";
	int fd = -1;

	(void)state;
	path_in(sub, sizeof(sub), "assets");
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file("index.html", "<html>");
	write_file("assets/app.js", "app();");

	assert_int_equal(server_static_open(test_dir, "index.html", &fd, &size), 0);
	assert_true(fd >= 0);
	assert_int_equal(size, 6);
	close(fd);
	assert_int_equal(server_static_open(test_dir, "assets/app.js", &fd, &size), 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "app();");
	close(fd);
	assert_int_equal(server_static_open(test_dir, "assets//app.js", &fd, &size), 0);
	close(fd);

	assert_int_equal(server_static_open(test_dir, "missing.js", &fd, &size), -ENOENT);
	assert_int_equal(fd, -1);
	assert_int_equal(server_static_open(test_dir, "assets", &fd, &size), -EISDIR);
	assert_int_equal(server_static_open(test_dir, "assets/", &fd, &size), -EISDIR);
	assert_int_equal(server_static_open(test_dir, "index.html/x", &fd, &size), -ENOTDIR);
}

static void static_open_refuses_symlinks_and_fifos(void **state)
{
	char outside[1024], link[1024], dir_link[1024], fifo[1024], sub[1024];
	uint64_t size;
	int fd = -1;

	(void)state;
	/* A secret next to the web root, reachable only through links. */
	path_in(sub, sizeof(sub), "root");
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file("secret.txt", "secret");
	write_file("root/ok.txt", "ok");
	path_in(outside, sizeof(outside), "secret.txt");
	path_in(link, sizeof(link), "root/leak.txt");
	assert_int_equal(symlink(outside, link), 0);
	path_in(dir_link, sizeof(dir_link), "root/up");
	assert_int_equal(symlink(test_dir, dir_link), 0);
	path_in(fifo, sizeof(fifo), "root/pipe.txt");
	assert_int_equal(mkfifo(fifo, 0644), 0);

	assert_int_equal(server_static_open(sub, "ok.txt", &fd, &size), 0);
	close(fd);
	assert_int_equal(server_static_open(sub, "leak.txt", &fd, &size), -ELOOP);
	assert_int_equal(fd, -1);
	assert_true(server_static_open(sub, "up/secret.txt", &fd, &size) < 0);
	assert_int_equal(fd, -1);
	/* A FIFO opens without blocking and is refused as not a file. */
	assert_int_equal(server_static_open(sub, "pipe.txt", &fd, &size), -EISDIR);
	assert_int_equal(fd, -1);
}

static void mime_type_follows_the_extension(void **state)
{
	(void)state;
	assert_string_equal(server_mime_type("index.html"), "text/html; charset=utf-8");
	assert_string_equal(server_mime_type("assets/app.JS"), "text/javascript; charset=utf-8");
	assert_string_equal(server_mime_type("a/b.mjs"), "text/javascript; charset=utf-8");
	assert_string_equal(server_mime_type("x.css"), "text/css; charset=utf-8");
	assert_string_equal(server_mime_type("x.svg"), "image/svg+xml");
	assert_string_equal(server_mime_type("x.woff2"), "font/woff2");
	assert_string_equal(server_mime_type("x.js.map"), "application/json; charset=utf-8");
	assert_string_equal(server_mime_type("x.exe"), "application/octet-stream");
	assert_string_equal(server_mime_type("v1.2/README"), "application/octet-stream");
}

/* === header parsers === */

static void gzip_is_accepted_unless_q_is_zero(void **state)
{
	(void)state;
	assert_true(server_accepts_gzip("gzip"));
	assert_true(server_accepts_gzip("gzip, deflate, br"));
	assert_true(server_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
	assert_true(server_accepts_gzip("deflate,gzip"));
	assert_false(server_accepts_gzip("gzip;q=0"));
	assert_false(server_accepts_gzip("gzip; q=0.000, br"));
	assert_false(server_accepts_gzip("br, deflate"));
	assert_false(server_accepts_gzip("x-gzipped"));
	assert_false(server_accepts_gzip(""));
	assert_false(server_accepts_gzip(NULL));
}

static void json_content_type_allows_parameters_and_any_case(void **state)
{
	(void)state;
	assert_true(server_is_json_type("application/json"));
	assert_true(server_is_json_type("application/json; charset=utf-8"));
	assert_true(server_is_json_type("Application/JSON;charset=UTF-8"));
	assert_false(server_is_json_type("application/jsonp"));
	assert_false(server_is_json_type("text/plain"));
	assert_false(server_is_json_type("application/x-www-form-urlencoded"));
	assert_false(server_is_json_type(""));
	assert_false(server_is_json_type(NULL));
}

static void session_cookie_is_found_among_others(void **state)
{
	char v[64];

	(void)state;
	assert_true(server_cookie("civicare_session=abc", "civicare_session", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_true(server_cookie("theme=dark; civicare_session=tok-1; lang=en",
				  "civicare_session", v, sizeof(v)));
	assert_string_equal(v, "tok-1");
	assert_true(server_cookie("a=1;civicare_session=\"q\"", "civicare_session", v, sizeof(v)));
	assert_string_equal(v, "q");
	/* A longer name ending the same way is another cookie. */
	assert_false(server_cookie("old_civicare_session=x", "civicare_session", v, sizeof(v)));
	assert_false(server_cookie("civicare_sessionx=x", "civicare_session", v, sizeof(v)));
	assert_false(server_cookie("theme=dark", "civicare_session", v, sizeof(v)));
	/* Too long for the buffer: not found rather than cut. */
	assert_false(server_cookie("civicare_session=0123456789", "civicare_session", v, 5));
}

static void listen_address_takes_ipv4_and_bracketed_ipv6(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	socklen_t len = 0;
	char host[64];

	(void)state;
	assert_int_equal(server_parse_listen("127.0.0.1:18080", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(sin));
	memcpy(&sin, &ss, sizeof(sin));
	assert_int_equal(ntohs(sin.sin_port), 18080);
	assert_string_equal(inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host)), "127.0.0.1");

	assert_int_equal(server_parse_listen("[::1]:8080", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	memcpy(&sin6, &ss, sizeof(sin6));
	assert_int_equal(ntohs(sin6.sin6_port), 8080);
	assert_string_equal(inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host)), "::1");

	assert_int_equal(server_parse_listen("localhost:80", &ss, &len), 0);
	assert_int_equal(server_parse_listen(":8080", &ss, &len), 0);
	assert_int_equal(server_parse_listen("0.0.0.0:0", &ss, &len), 0);

	assert_int_equal(server_parse_listen("127.0.0.1", &ss, &len), -1);
	assert_int_equal(server_parse_listen("127.0.0.1:", &ss, &len), -1);
	assert_int_equal(server_parse_listen("127.0.0.1:65536", &ss, &len), -1);
	assert_int_equal(server_parse_listen("127.0.0.1:80x", &ss, &len), -1);
	assert_int_equal(server_parse_listen("::1:8080", &ss, &len), -1);
	assert_int_equal(server_parse_listen("[::1]8080", &ss, &len), -1);
	assert_int_equal(server_parse_listen("example.org:80", &ss, &len), -1);
	assert_int_equal(server_parse_listen(NULL, &ss, &len), -1);
}

/* === handler helpers === */

static void path_id_must_be_a_positive_integer(void **state)
{
	struct http_req req;
	struct err e;
	int64_t id = 0;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.n_params = 1;
	req.params[0] = "42";
	assert_int_equal(http_param_id(&req, 0, &id, &e), 0);
	assert_int_equal(id, 42);

	const char *bad[] = { "0", "-1", "+1", "1.5", "abc", "", " 1",
			      "99999999999999999999999", NULL };
	for (int i = 0; bad[i]; i++) {
		req.params[0] = bad[i];
		assert_int_equal(http_param_id(&req, 0, &id, &e), ERR_NOT_FOUND);
		assert_string_equal(e.rule, "id");
	}
	assert_int_equal(http_param_id(&req, 1, &id, &e), ERR_NOT_FOUND);
}

static void paging_defaults_without_a_query(void **state)
{
	struct http_req req;
	struct err e;
	int64_t page = 0, per_page = 0;

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_int_equal(http_paging(&req, &page, &per_page, &e), 0);
	assert_int_equal(page, 1);
	assert_int_equal(per_page, LIMIT_PAGE_DEFAULT);
}

/* === idempotency === */

static void idempotency_key_is_1_to_128_printable_ascii(void **state)
{
	char k[200];

	(void)state;
	assert_true(idempotency_key_valid("a"));
	assert_true(idempotency_key_valid("2f1c-4e8a 9b"));
	memset(k, 'x', 128);
	k[128] = '\0';
	assert_true(idempotency_key_valid(k));
	k[128] = 'x';
	k[129] = '\0';
	assert_false(idempotency_key_valid(k));
	assert_false(idempotency_key_valid(""));
	assert_false(idempotency_key_valid(NULL));
	assert_false(idempotency_key_valid("tab\there"));
	assert_false(idempotency_key_valid("中文"));
}

static void idempotency_hash_separates_its_parts(void **state)
{
	char a[IDEMPOTENCY_HASH_HEX], b[IDEMPOTENCY_HASH_HEX];

	(void)state;
	idempotency_hash("POST", "/api/persons", "{}", 2, a);
	idempotency_hash("POST", "/api/persons", "{}", 2, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	idempotency_hash("POST", "/api/persons", "{ }", 3, b);
	assert_string_not_equal(a, b);
	idempotency_hash("PATCH", "/api/persons", "{}", 2, b);
	assert_string_not_equal(a, b);
	/* Moving a byte from the path into the body changes the hash. */
	idempotency_hash("POST", "/api/persons/", "{}", 2, a);
	idempotency_hash("POST", "/api/persons", "/{}", 3, b);
	assert_string_not_equal(a, b);
}

static void idempotency_replays_same_request_and_refuses_another(void **state)
{
	char dbpath[1024], h1[IDEMPOTENCY_HASH_HEX], h2[IDEMPOTENCY_HASH_HEX];
	struct idempotency_record rec;
	struct store *s = NULL;
	struct err e;

	(void)state;
	err_clear(&e);
	path_in(dbpath, sizeof(dbpath), "idem.db");
	assert_int_equal(store_open(dbpath, &s, &e), 0);
	assert_int_equal(store_migrate(s, NULL, &e), 0);
	idempotency_hash("POST", "/api/households", "{\"a\":1}", 7, h1);
	idempotency_hash("POST", "/api/households", "{\"a\":2}", 7, h2);

	assert_int_equal(idempotency_lookup(s, 7, "k1", h1, &rec, &e), 0);
	assert_false(rec.found);
	assert_int_equal(idempotency_save(s, 7, "k1", h1, 201, "{\"id\":5}", &e), 0);

	assert_int_equal(idempotency_lookup(s, 7, "k1", h1, &rec, &e), 0);
	assert_true(rec.found);
	assert_int_equal(rec.status, 201);
	assert_string_equal(rec.body, "{\"id\":5}");
	idempotency_record_release(&rec);

	assert_int_equal(idempotency_lookup(s, 7, "k1", h2, &rec, &e), ERR_CONFLICT);
	assert_string_equal(e.rule, "idempotency_key_reused");
	assert_false(rec.found);
	assert_null(rec.body);

	/* Keys belong to one user. */
	assert_int_equal(idempotency_lookup(s, 8, "k1", h2, &rec, &e), 0);
	assert_false(rec.found);

	/* A twin saved meanwhile is not an error; the first answer stands. */
	assert_int_equal(idempotency_save(s, 7, "k1", h1, 200, "{\"id\":6}", &e), 0);
	assert_int_equal(idempotency_lookup(s, 7, "k1", h1, &rec, &e), 0);
	assert_string_equal(rec.body, "{\"id\":5}");
	idempotency_record_release(&rec);

	/* After the TTL the key is free again. */
	clock_set_offset(IDEMPOTENCY_TTL_SECONDS + 60);
	assert_int_equal(idempotency_lookup(s, 7, "k1", h2, &rec, &e), 0);
	assert_false(rec.found);
	assert_int_equal(idempotency_save(s, 7, "k1", h2, 201, "{\"id\":9}", &e), 0);
	assert_int_equal(idempotency_lookup(s, 7, "k1", h2, &rec, &e), 0);
	assert_string_equal(rec.body, "{\"id\":9}");
	idempotency_record_release(&rec);
	clock_set_offset(0);
	store_close(s);
}

static int setup(void **state)
{
	(void)state;
	make_test_dir();
	return 0;
}

static int teardown(void **state)
{
	char cmd[1100];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_pattern_matches_only_the_same_path),
		cmocka_unit_test(parameter_takes_one_nonempty_segment_in_order),
		cmocka_unit_test(pattern_with_too_many_parameters_never_matches),
		cmocka_unit_test(static_path_rejects_dots_backslashes_and_controls),
		cmocka_unit_test_setup_teardown(static_open_serves_regular_files_below_root, setup, teardown),
		cmocka_unit_test_setup_teardown(static_open_refuses_symlinks_and_fifos, setup, teardown),
		cmocka_unit_test(mime_type_follows_the_extension),
		cmocka_unit_test(gzip_is_accepted_unless_q_is_zero),
		cmocka_unit_test(json_content_type_allows_parameters_and_any_case),
		cmocka_unit_test(session_cookie_is_found_among_others),
		cmocka_unit_test(listen_address_takes_ipv4_and_bracketed_ipv6),
		cmocka_unit_test(path_id_must_be_a_positive_integer),
		cmocka_unit_test(paging_defaults_without_a_query),
		cmocka_unit_test(idempotency_key_is_1_to_128_printable_ascii),
		cmocka_unit_test(idempotency_hash_separates_its_parts),
		cmocka_unit_test_setup_teardown(idempotency_replays_same_request_and_refuses_another, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
