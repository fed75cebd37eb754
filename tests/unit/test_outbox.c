/*
 * test_outbox.c - notifications end to end against a real SQLite file and a
 * real HTTP receiver: a thread of this test listening on 127.0.0.1 on an
 * ephemeral port, which records what it is sent and answers with the
 * status the test chooses.  Delivery passes are driven by calling
 * outbox_deliver_once; back-off is skipped by moving the clock
 * (clock_set_offset), never by sleeping.  Also the figures table and the
 * household timeline, on rows written straight into the schema.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <poll.h>
#include <pthread.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/core/clock.h"
#include "../../src/domain/divisions.h"
#include "../../src/domain/figures.h"
#include "../../src/domain/notify.h"
#include "../../src/domain/outbox.h"
#include "../../src/domain/timeline.h"
#include "../../src/core/banned.h"

#define SECRET "test-secret-42"

/* === the receiver === */

struct receiver {
	int fd;
	int port;
	int status;                  /* what it answers */
	volatile int stop;
	pthread_t thread;
	pthread_mutex_t lock;
	int count;                   /* requests received */
	char request_line[256];      /* of the last one */
	char headers[4096];
	char body[16384];
};

static int read_request(int c, struct receiver *r)
{
	char buf[sizeof(r->headers) + sizeof(r->body)];
	size_t used = 0, need = 0;
	char *end = NULL;

	while (used < sizeof(buf) - 1) {
		ssize_t n = recv(c, buf + used, sizeof(buf) - 1 - used, 0);
		if (n <= 0)
			return -1;
		used += (size_t)n;
		buf[used] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");
			need = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (end && used >= need)
			break;
	}
	if (!end)
		return -1;
	pthread_mutex_lock(&r->lock);
	r->count++;
	snprintf(r->request_line, sizeof(r->request_line), "%.*s",
		 (int)strcspn(buf, "\r"), buf);
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)(end + 2 - buf), buf);
	snprintf(r->body, sizeof(r->body), "%s", end + 4);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void *receiver_main(void *arg)
{
	struct receiver *r = arg;
	char answer[128];

	while (!r->stop) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept(r->fd, NULL, NULL);
		if (c < 0)
			continue;
		if (read_request(c, r) == 0) {
			int n = snprintf(answer, sizeof(answer),
					 "HTTP/1.1 %d Test\r\nContent-Length: 0\r\n"
					 "Connection: close\r\n\r\n", r->status);
			if (send(c, answer, (size_t)n, MSG_NOSIGNAL) < 0)
				perror("receiver send");
		}
		close(c);
	}
	return NULL;
}

static int bound_socket(int port, int *got)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*got = ntohs(sa.sin_port);
	return fd;
}

/* A port nothing listens on (for now). */
static int free_port(void)
{
	int port = 0, fd = bound_socket(0, &port);
	assert_true(fd >= 0);
	close(fd);
	return port;
}

/* port 0 = any free port. */
static void receiver_start(struct receiver *r, int port, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	pthread_mutex_init(&r->lock, NULL);
	r->fd = bound_socket(port, &r->port);
	assert_true(r->fd >= 0);
	assert_int_equal(listen(r->fd, 16), 0);
	assert_int_equal(pthread_create(&r->thread, NULL, receiver_main, r), 0);
}

static void receiver_stop(struct receiver *r)
{
	r->stop = 1;
	pthread_join(r->thread, NULL);
	close(r->fd);
	pthread_mutex_destroy(&r->lock);
}

static int received(struct receiver *r)
{
	pthread_mutex_lock(&r->lock);
	int n = r->count;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* The value of header `name` in the last request ("" if absent). */
static void header(struct receiver *r, const char *name, char *out, size_t size)
{
	char key[80];
	const char *p;

	snprintf(key, sizeof(key), "\r\n%s:", name);
	p = strcasestr(r->headers, key);
	if (!p) {
		out[0] = '\0';
		return;
	}
	p += strlen(key);
	p += strspn(p, " ");
	snprintf(out, size, "%.*s", (int)strcspn(p, "\r"), p);
}

static void url_of(int port, char *out, size_t size)
{
	snprintf(out, size, "http://127.0.0.1:%d/hook", port);
}

/* === fixture === */

struct fixture {
	char dir[256];
	char db[300];
	struct store *s;
	struct err e;
	char village_a[13], village_b[13];  /* same township */
	char village_c[13];                 /* another township */
	int64_t assistant_a, assistant_b, commander, reviewer, admin;
};

static void first_village(struct store *s, const char *not_township,
			  const char *township, const char *not_code, char out[13])
{
	struct store_stmt *st = NULL;
	struct err e;

	assert_int_equal(store_query(s, &st, &e,
		"SELECT code FROM divisions WHERE length(code) = 12"
		" AND ($1 = '' OR substr(code, 1, 9) <> $1)"
		" AND ($2 = '' OR substr(code, 1, 9) = $2) AND code <> $3"
		" ORDER BY code LIMIT 1", "sss", not_township, township, not_code), 0);
	assert_int_equal(store_step(st, &e), STORE_ROW);
	snprintf(out, 13, "%s", store_col_text(st, 0));
	store_finalize(st);
}

static int64_t add_user(struct fixture *f, const char *name, const char *role,
			const char *department, const char *region)
{
	int64_t id = 0;
	assert_int_equal(store_int64(f->s, &id, &f->e,
		"INSERT INTO users (username, display_name, role, department,"
		" region_code, password_hash, created_at, updated_at)"
		" VALUES ($1, $1, $2, $3, $4, 'x', '2026-01-01T00:00:00Z',"
		" '2026-01-01T00:00:00Z') RETURNING id",
		"ssss", name, role, department, region), 0);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");
	char township[10];

	snprintf(f->dir, sizeof(f->dir), "%s/outbox-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0 ||
	    divisions_seed(f->s, "config/divisions-500231.tsv", NULL, &f->e) < 0)
		return -1;
	first_village(f->s, "", "", "", f->village_a);
	snprintf(township, sizeof(township), "%.9s", f->village_a);
	first_village(f->s, "", township, f->village_a, f->village_b);
	first_village(f->s, township, "", "", f->village_c);
	f->assistant_a = add_user(f, "asst_a", "assistant", NULL, f->village_a);
	f->assistant_b = add_user(f, "asst_b", "assistant", NULL, f->village_b);
	f->commander = add_user(f, "cmdr", "commander", NULL, township);
	f->reviewer = add_user(f, "rev", "reviewer", "civil_affairs", "500231");
	f->admin = add_user(f, "admin1", "admin", NULL, "500231");
	clock_set_offset(0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *suffix[] = { "", "-wal", "-shm" };
	char path[400];

	store_close(f->s);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", f->db, suffix[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	clock_set_offset(0);
	return 0;
}

static struct actor actor_of(int64_t id, enum role role, const char *region)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	a.user_id = id;
	snprintf(a.username, sizeof(a.username), "user%lld", (long long)id);
	a.role = role;
	snprintf(a.region, sizeof(a.region), "%s", region);
	return a;
}

/* Add one message in its own transaction, as a workflow write would. */
static void add(struct fixture *f, json_t *recipients, json_t *payload,
		char id[33])
{
	assert_int_equal(store_begin(f->s, &f->e), 0);
	assert_int_equal(outbox_add(f->s, "case.assigned", f->village_a, recipients,
				    "新案件", "您有一个新案件", "/cases/7", payload, id,
				    &f->e), 0);
	assert_int_equal(store_commit(f->s, &f->e), 0);
	json_decref(recipients);
	json_decref(payload);
	assert_int_equal(strlen(id), 32);
}

static int64_t count(struct fixture *f, const char *sql, const char *text)
{
	int64_t n = -1;
	assert_int_equal(store_int64(f->s, &n, &f->e, sql, "s", text), 0);
	return n;
}

static int64_t inbox_rows(struct fixture *f, int64_t user, const char *message_id)
{
	int64_t n = -1;
	assert_int_equal(store_int64(f->s, &n, &f->e, "SELECT count(*) FROM inbox"
				     " WHERE user_id = $1 AND message_id = $2", "is",
				     user, message_id), 0);
	return n;
}

static void outbox_row(struct fixture *f, const char *message_id, char state[16],
		       int64_t *attempts)
{
	struct store_stmt *st = NULL;
	assert_int_equal(store_query(f->s, &st, &f->e, "SELECT webhook_state, attempts"
				     " FROM outbox WHERE message_id = $1", "s",
				     message_id), 0);
	assert_int_equal(store_step(st, &f->e), STORE_ROW);
	snprintf(state, 16, "%s", store_col_text(st, 0));
	*attempts = store_col_int64(st, 1);
	store_finalize(st);
}

static int deliver(struct fixture *f, const char *url, int64_t max_attempts)
{
	int n = outbox_deliver_once(f->s, url, SECRET, max_attempts, 300, &f->e);
	if (n < 0)
		fail_msg("delivery failed: %s", f->e.message_en);
	return n;
}

/* === inboxes === */

static void test_a_message_reaches_each_recipients_inbox_once_even_when_delivered_twice(void **state)
{
	struct fixture *f = *state;
	char by_village[33], by_township[33], by_ids[33], by_dept[33];

	add(f, json_pack("{s:s, s:s}", "role", "assistant", "region", f->village_a), NULL, by_village);
	add(f, json_pack("{s:s, s:s}", "role", "commander", "region", f->village_b), NULL, by_township);
	add(f, json_pack("{s:[I]}", "user_ids", (json_int_t)f->assistant_b), NULL, by_ids);
	add(f, json_pack("{s:s, s:s}", "role", "reviewer", "department", "civil_affairs"),
	    NULL, by_dept);

	assert_int_equal(deliver(f, "", 8), 4);
	/* As if the process died after the inbox rows and before inbox_done. */
	assert_int_equal(store_execv(f->s, &f->e, "UPDATE outbox SET inbox_done = 0", ""), 0);
	assert_int_equal(deliver(f, "", 8), 4);

	assert_int_equal(inbox_rows(f, f->assistant_a, by_village), 1);
	assert_int_equal(inbox_rows(f, f->assistant_b, by_village), 0);
	assert_int_equal(inbox_rows(f, f->commander, by_village), 0);
	assert_int_equal(inbox_rows(f, f->commander, by_township), 1);
	assert_int_equal(inbox_rows(f, f->assistant_b, by_ids), 1);
	assert_int_equal(inbox_rows(f, f->reviewer, by_dept), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM inbox WHERE kind = $1",
			       "case.assigned"), 4);
	/* Without a webhook URL nothing waits to be sent. */
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE webhook_state = $1",
			       "none"), 4);
	assert_int_equal(deliver(f, "", 8), 0);
}

static void test_a_user_lists_and_marks_only_their_own_messages(void **state)
{
	struct fixture *f = *state;
	struct actor a = actor_of(f->assistant_a, ROLE_ASSISTANT, f->village_a);
	struct actor b = actor_of(f->assistant_b, ROLE_ASSISTANT, f->village_b);
	json_t *list = NULL, *msg = NULL;
	char id1[33], id2[33];

	add(f, json_pack("{s:[I]}", "user_ids", (json_int_t)f->assistant_a), NULL, id1);
	add(f, json_pack("{s:[I]}", "user_ids", (json_int_t)f->assistant_a), NULL, id2);
	deliver(f, "", 8);
	assert_int_equal(inbox_list(f->s, &a, 1, 20, &list, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 2);
	assert_int_equal(json_integer_value(json_object_get(list, "unread")), 2);
	int64_t first = json_integer_value(json_object_get(
		json_array_get(json_object_get(list, "items"), 0), "id"));
	json_decref(list);

	assert_int_equal(inbox_mark_read(f->s, &b, first, &msg, &f->e), ERR_NOT_FOUND);
	assert_int_equal(inbox_mark_read(f->s, &a, first, &msg, &f->e), 0);
	assert_true(json_is_string(json_object_get(msg, "read_at")));
	json_decref(msg);

	assert_int_equal(inbox_list(f->s, &a, 1, 20, &list, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "unread")), 1);
	json_t *items = json_object_get(list, "items");
	/* Unread first. */
	assert_true(json_is_null(json_object_get(json_array_get(items, 0), "read_at")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), first);
	json_decref(list);
	assert_int_equal(inbox_list(f->s, &b, 1, 20, &list, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 0);
	json_decref(list);
}

/* === the webhook === */

static void test_the_webhook_gets_the_message_as_json_with_a_valid_signature(void **state)
{
	struct fixture *f = *state;
	struct receiver r;
	char url[64], id[33], got_id[64], ts[32], sig[160], want[80], type[64];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state hs;
	json_t *body;

	receiver_start(&r, 0, 200);
	url_of(r.port, url, sizeof(url));
	add(f, json_pack("{s:[I]}", "user_ids", (json_int_t)f->assistant_a),
	    json_pack("{s:i}", "case_id", 7), id);
	assert_int_equal(deliver(f, url, 8), 2); /* inbox + webhook */
	assert_int_equal(received(&r), 1);

	assert_string_equal(r.request_line, "POST /hook HTTP/1.1");
	header(&r, "Content-Type", type, sizeof(type));
	assert_string_equal(type, "application/json");
	header(&r, "X-Civicare-Message-Id", got_id, sizeof(got_id));
	assert_string_equal(got_id, id);
	header(&r, "X-Civicare-Timestamp", ts, sizeof(ts));
	assert_true(llabs(strtoll(ts, NULL, 10) - clock_now()) < 60);
	header(&r, "X-Civicare-Signature", sig, sizeof(sig));

	/* Recompute: HMAC-SHA256(secret, "<timestamp>.<body>"). */
	crypto_auth_hmacsha256_init(&hs, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)r.body, strlen(r.body));
	crypto_auth_hmacsha256_final(&hs, mac);
	memcpy(want, "sha256=", 7);
	sodium_bin2hex(want + 7, sizeof(want) - 7, mac, sizeof(mac));
	assert_string_equal(sig, want);

	body = json_loads(r.body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "id")), id);
	assert_string_equal(json_string_value(json_object_get(body, "kind")), "case.assigned");
	assert_string_equal(json_string_value(json_object_get(body, "region_code")), f->village_a);
	assert_string_equal(json_string_value(json_object_get(body, "title")), "新案件");
	assert_string_equal(json_string_value(json_object_get(body, "link")), "/cases/7");
	assert_true(json_is_string(json_object_get(body, "created_at")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(body, "payload"),
							    "case_id")), 7);
	json_decref(body);

	/* Sent once: later passes leave it alone. */
	assert_int_equal(deliver(f, url, 8), 0);
	clock_set_offset(3600);
	assert_int_equal(deliver(f, url, 8), 0);
	assert_int_equal(received(&r), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE webhook_state = $1",
			       "sent"), 1);
	receiver_stop(&r);
}

static void test_a_receiver_answering_500_makes_attempts_grow_and_finally_parks_the_message(void **state)
{
	struct fixture *f = *state;
	struct actor admin = actor_of(f->admin, ROLE_ADMIN, "500231");
	struct actor reviewer = actor_of(f->reviewer, ROLE_REVIEWER, "500231");
	struct receiver r;
	char url[64], id[33], st[16];
	int64_t attempts, outbox_id, audited;
	json_t *list = NULL, *msg = NULL;

	receiver_start(&r, 0, 500);
	url_of(r.port, url, sizeof(url));
	add(f, json_pack("{s:[I]}", "user_ids", (json_int_t)f->assistant_a), NULL, id);

	deliver(f, url, 3);
	outbox_row(f, id, st, &attempts);
	assert_string_equal(st, "pending");
	assert_int_equal(attempts, 1);
	/* Backing off: an immediate pass does not send again. */
	deliver(f, url, 3);
	assert_int_equal(received(&r), 1);

	clock_set_offset(400);
	deliver(f, url, 3);
	outbox_row(f, id, st, &attempts);
	assert_string_equal(st, "pending");
	assert_int_equal(attempts, 2);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE last_error = $1",
			       "HTTP 500"), 1);

	clock_set_offset(800);
	deliver(f, url, 3);
	outbox_row(f, id, st, &attempts);
	assert_string_equal(st, "parked");
	assert_int_equal(attempts, 3);
	clock_set_offset(5000);
	deliver(f, url, 3);
	assert_int_equal(received(&r), 3);

	/* The admin sees it parked and puts it back; a reviewer may not. */
	assert_int_equal(outbox_list(f->s, &admin, "parked", 1, 20, &list, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 1);
	outbox_id = json_integer_value(json_object_get(
		json_array_get(json_object_get(list, "items"), 0), "id"));
	json_decref(list);
	assert_int_equal(outbox_retry(f->s, &reviewer, outbox_id, &msg, &f->e), ERR_FORBIDDEN);
	assert_int_equal(outbox_retry(f->s, &admin, outbox_id, &msg, &f->e), 0);
	assert_string_equal(json_string_value(json_object_get(msg, "webhook_state")), "pending");
	json_decref(msg);
	assert_int_equal(outbox_retry(f->s, &admin, outbox_id, &msg, &f->e), ERR_CONFLICT);
	assert_string_equal(f->e.rule, "not_parked");
	audited = count(f, "SELECT count(*) FROM audit_log WHERE action = $1", "outbox.retry");
	assert_int_equal(audited, 1);

	r.status = 204;
	deliver(f, url, 3);
	outbox_row(f, id, st, &attempts);
	assert_string_equal(st, "sent");
	assert_int_equal(received(&r), 4);
	receiver_stop(&r);
}

static void test_a_message_added_while_the_receiver_is_down_arrives_once_after_it_comes_up(void **state)
{
	struct fixture *f = *state;
	int port = free_port();
	struct receiver r;
	char url[64], id[33], st[16];
	int64_t attempts;

	url_of(port, url, sizeof(url));
	add(f, json_pack("{s:[I]}", "user_ids", (json_int_t)f->assistant_a), NULL, id);
	deliver(f, url, 8);
	outbox_row(f, id, st, &attempts);
	assert_string_equal(st, "pending");
	assert_int_equal(attempts, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE last_error LIKE $1",
			       "connect %"), 1);
	/* The inbox does not wait for the webhook. */
	assert_int_equal(inbox_rows(f, f->assistant_a, id), 1);

	receiver_start(&r, port, 200);
	deliver(f, url, 8);              /* still backing off */
	assert_int_equal(received(&r), 0);
	clock_set_offset(10);
	deliver(f, url, 8);
	assert_int_equal(received(&r), 1);
	clock_set_offset(1000);
	deliver(f, url, 8);
	assert_int_equal(received(&r), 1);
	outbox_row(f, id, st, &attempts);
	assert_string_equal(st, "sent");
	receiver_stop(&r);
}

static void test_an_https_webhook_url_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(outbox_deliver_once(f->s, "https://example.org/hook", SECRET,
					     8, 300, &f->e), ERR_INVALID);
	assert_string_equal(f->e.rule, "webhook_https");
}

/* === figures === */

static int64_t add_case(struct fixture *f, const char *region, const char *name,
			const char *created_at, int64_t household)
{
	int64_t id = 0;
	assert_int_equal(store_int64(f->s, &id, &f->e,
		"INSERT INTO cases (region_code, household_id, subject_name, status,"
		" created_at, updated_at) VALUES ($1, NULLIF($2, 0), $3, 'open', $4, $4)"
		" RETURNING id", "siss", region, household, name, created_at), 0);
	return id;
}

static int64_t add_enrollment(struct fixture *f, const char *region,
			      const char *program, const char *created_at,
			      int64_t household)
{
	int64_t id = 0;
	assert_int_equal(store_int64(f->s, &id, &f->e,
		"INSERT INTO enrollments (household_id, region_code, program, amount_fen,"
		" start_month, status, created_at, updated_at)"
		" VALUES (NULLIF($1, 0), $2, $3, 50000, '2026-03', 'active', $4, $4)"
		" RETURNING id", "isss", household, region, program, created_at), 0);
	return id;
}

static json_t *township_of(json_t *fig, const char *code)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(fig, "townships"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "code")), code) == 0)
			return t;
	fail_msg("township %s not listed", code);
	return NULL;
}

static json_int_t cell(json_t *township, const char *metric, int month)
{
	return json_integer_value(json_array_get(
		json_object_get(json_object_get(township, "series"), metric), (size_t)month - 1));
}

static void test_figures_count_one_case_and_one_enrollment_in_their_township_and_month(void **state)
{
	struct fixture *f = *state;
	struct actor admin = actor_of(f->admin, ROLE_ADMIN, "500231");
	char t_a[10], t_c[10];
	json_t *fig = NULL, *items = NULL;

	snprintf(t_a, sizeof(t_a), "%.9s", f->village_a);
	snprintf(t_c, sizeof(t_c), "%.9s", f->village_c);
	/* 20:00 UTC on 31 January is 1 February in China. */
	int64_t case_id = add_case(f, f->village_a, "王某", "2026-01-31T20:00:00Z", 0);
	add_enrollment(f, f->village_b, "dibao", "2026-03-10T02:00:00Z", 0);
	add_case(f, f->village_c, "李某", "2026-07-01T00:00:00Z", 0);
	add_case(f, f->village_a, "去年", "2025-12-31T15:59:59Z", 0); /* 2025 in China */

	assert_int_equal(figures_get(f->s, &admin, NULL, 2026, NULL, &fig, &f->e), 0);
	assert_int_equal(json_integer_value(json_object_get(fig, "year")), 2026);
	assert_string_equal(json_string_value(json_array_get(json_object_get(fig, "months"), 1)),
			    "2026-02");
	json_t *ta = township_of(fig, t_a), *tc = township_of(fig, t_c);
	assert_int_equal(cell(ta, "discovered", 1), 0);
	assert_int_equal(cell(ta, "discovered", 2), 1);
	assert_int_equal(cell(ta, "dibao", 3), 1);
	assert_int_equal(cell(tc, "discovered", 7), 1);
	assert_int_equal(cell(tc, "dibao", 3), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ta, "totals"),
							    "discovered")), 1);
	json_t *totals = json_object_get(fig, "totals");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(totals, "discovered"), 1)), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(totals, "dibao"), 2)), 1);
	json_decref(fig);

	/* The record behind the February number. */
	assert_int_equal(figures_items(f->s, &admin, NULL, "discovered", t_a, "2026-02",
				       &items, &f->e), 0);
	json_t *list = json_object_get(items, "items");
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), case_id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "王某");
	json_decref(items);

	/* A commander of the other township sees only theirs, and not ours. */
	struct actor other = actor_of(f->commander, ROLE_COMMANDER, t_c);
	assert_int_equal(figures_get(f->s, &other, NULL, 2026, NULL, &fig, &f->e), 0);
	assert_int_equal(json_array_size(json_object_get(fig, "townships")), 1);
	json_decref(fig);
	assert_int_equal(figures_items(f->s, &other, NULL, "discovered", t_a, "2026-02",
				       &items, &f->e), ERR_NOT_FOUND);
}

/* === timeline === */

static void add_event(struct fixture *f, const char *entity, int64_t entity_id,
		      int64_t household, int64_t case_id, const char *action,
		      const char *at)
{
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO events (entity, entity_id, household_id, case_id, region_code,"
		" action, to_state, username, at, detail) VALUES ($1, $2, NULLIF($3, 0),"
		" NULLIF($4, 0), $5, $6, 'x', 'tester', $7, '{}')", "siiisss",
		entity, entity_id, household, case_id, f->village_a, action, at), 0);
}

static void test_the_timeline_holds_the_households_events_oldest_first(void **state)
{
	struct fixture *f = *state;
	struct actor admin = actor_of(f->admin, ROLE_ADMIN, "500231");
	struct actor elsewhere = actor_of(f->commander, ROLE_COMMANDER, "500231999");
	int64_t h = 0, other = 0, person = 0, report = 0;
	json_t *tl = NULL;

	assert_int_equal(store_int64(f->s, &h, &f->e, "INSERT INTO households (region_code,"
		" address, area_kind, created_at, updated_at) VALUES ($1, '一组', 'rural',"
		" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id", "s",
		f->village_a), 0);
	assert_int_equal(store_int64(f->s, &other, &f->e, "INSERT INTO households (region_code,"
		" address, area_kind, created_at, updated_at) VALUES ($1, '二组', 'rural',"
		" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id", "s",
		f->village_a), 0);
	assert_int_equal(store_int64(f->s, &person, &f->e, "INSERT INTO persons (id_number,"
		" name, sex, birth_date, household_id, region_code, created_at, updated_at)"
		" VALUES ('500231195001010011', '张三', 'M', '1950-01-01', $1, $2,"
		" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id", "is",
		h, f->village_a), 0);
	int64_t case_id = add_case(f, f->village_a, "张三", "2026-02-01T00:00:00Z", h);
	assert_int_equal(store_int64(f->s, &report, &f->e, "INSERT INTO reports (source,"
		" region_code, person_id, subject_name, categories, description, urgency,"
		" status, created_at, updated_at) VALUES ('staff', $1, $2, '张三', '[]', 'x',"
		" 'normal', 'submitted', '2026-01-31T00:00:00Z', '2026-01-31T00:00:00Z')"
		" RETURNING id", "si", f->village_a, person), 0);

	add_event(f, "case", case_id, 0, 0, "accept", "2026-02-01T00:00:00Z");
	add_event(f, "report", report, 0, 0, "create", "2026-01-31T00:00:00Z");
	add_event(f, "referral", 9, h, case_id, "approve", "2026-03-01T00:00:00Z");
	add_event(f, "case", 99, other, 0, "accept", "2026-02-02T00:00:00Z");

	assert_int_equal(timeline_get(f->s, &admin, h, &tl, &f->e), 0);
	json_t *items = json_object_get(tl, "items");
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "entity")), "report");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "action")), "accept");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 2), "action")), "approve");
	assert_string_equal(json_string_value(json_object_get(json_object_get(tl, "household"),
							      "address")), "一组");
	json_decref(tl);
	assert_int_equal(timeline_get(f->s, &elsewhere, h, &tl, &f->e), ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_message_reaches_each_recipients_inbox_once_even_when_delivered_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_user_lists_and_marks_only_their_own_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_webhook_gets_the_message_as_json_with_a_valid_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_receiver_answering_500_makes_attempts_grow_and_finally_parks_the_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_message_added_while_the_receiver_is_down_arrives_once_after_it_comes_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_https_webhook_url_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_figures_count_one_case_and_one_enrollment_in_their_township_and_month, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_timeline_holds_the_households_events_oldest_first, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
