/*
 * outbox.c - the notification outbox: written inside the caller's
 * transaction, delivered later by one worker thread of `serve`.
 *
 * Design:
 * - outbox_add() only INSERTs a row, so it costs the caller's transaction
 *   one statement and commits or rolls back with it.
 * - A delivery pass first expands each message not yet delivered to inboxes
 *   into its recipients' user ids and inserts one inbox row each, with
 *   ON CONFLICT DO NOTHING on (user_id, message_id), then sets inbox_done:
 *   all in one transaction per message, so a pass that dies half way is
 *   simply redone and adds nothing twice.
 * - Recipients by role and region: the accounts of that role whose region
 *   contains the message's region (the township commander of a village's
 *   message) OR lies inside it (the village assistants of a township's
 *   message).  "role" may also be an array of roles; "department" and
 *   "region" narrow it when present; neither means county-wide.
 * - Then the webhook: due rows ('pending', next_attempt_at <= now) are
 *   POSTed one by one outside any transaction (a slow receiver must not hold
 *   the write lock).  2xx -> 'sent'; anything else -> attempts + 1 and a
 *   back-off of min(2^attempts, backoff_max) seconds; at max_attempts ->
 *   'parked' (an admin can retry it).  When the receiver cannot be reached
 *   at all the pass stops sending (the next messages would wait the same
 *   timeouts) and leaves them due for the next pass.  Without a webhook URL
 *   the pending rows are set to 'none'.
 * - The HTTP client is deliberately small: plain http:// only, one request
 *   per connection ("Connection: close"), 5 s timeouts on connect, send and
 *   receive, and only the status line of the answer is read.
 * - The worker holds one pooled connection for its life (the pool has one
 *   more connection than HTTP threads) and sleeps on a condition variable
 *   between passes, so stopping it wakes it at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sodium.h>
#include "outbox.h"
#include "referral.h"
#include "../app.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/strbuf.h"
#include "../core/banned.h"

#define WEBHOOK_TIMEOUT_MS 5000
#define PASS_BATCH 100          /* messages per step of a pass */
#define STATUS_LINE_MAX 1024    /* bytes of the answer read, at most */

/* === writing a message === */

static int valid_recipients(json_t *r)
{
	json_t *ids, *role;

	if (!json_is_object(r))
		return 0;
	ids = json_object_get(r, "user_ids");
	if (ids)
		return json_is_array(ids);
	role = json_object_get(r, "role");
	return json_is_string(role) || json_is_array(role);
}

int outbox_add(struct store *s, const char *kind, const char *region_code,
	       json_t *recipients, const char *title, const char *body,
	       const char *link, json_t *payload, char message_id[33],
	       struct err *e)
{
	unsigned char raw[16];
	char id[33], at[21];
	char *rtext = NULL, *ptext = NULL;
	int rc;

	if (!kind || !*kind || !title || !valid_recipients(recipients))
		return err_set(e, ERR_INTERNAL, NULL, "outbox",
			       "通知内容不完整", "outbox message is incomplete");
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	clock_format_utc(clock_now(), at);
	rtext = json_dumps(recipients, JSON_COMPACT | JSON_SORT_KEYS);
	ptext = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS |
				     JSON_ENCODE_ANY)
			: xstrdup("{}");
	if (!rtext || !ptext) {
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		goto cleanup;
	}
	rc = store_execv(s, e,
			 "INSERT INTO outbox (message_id, kind, region_code, recipients,"
			 " title, body, link, payload, created_at, inbox_done,"
			 " webhook_state, attempts, next_attempt_at)"
			 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 'pending', 0, 0)",
			 "sssssssss", id, kind, region_code ? region_code : "",
			 rtext, title, body ? body : "", link, ptext, at);
	if (rc == 0 && message_id)
		memcpy(message_id, id, sizeof(id));
cleanup:
	free(rtext);
	free(ptext);
	return rc;
}

/* === delivery, part 1: inboxes === */

struct pending_msg {
	int64_t id;
	char message_id[33];
	char *kind, *title, *body, *link, *created_at, *region, *recipients;
	char *payload;
	int has_link;
	int64_t attempts;
};

static void msg_release(struct pending_msg *m)
{
	free(m->kind);
	free(m->title);
	free(m->body);
	free(m->link);
	free(m->created_at);
	free(m->region);
	free(m->recipients);
	free(m->payload);
	memset(m, 0, sizeof(*m));
}

static void msgs_release(struct pending_msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		msg_release(&m[i]);
	free(m);
}

#define MSG_COLUMNS \
	"id, message_id, kind, title, body, link, created_at, region_code," \
	" recipients, payload, attempts"

/* Run a query of MSG_COLUMNS and copy its rows out (the writes that follow
 * must not run while a read statement is open). */
static int load_msgs(struct store_stmt *st, struct pending_msg **out,
		     size_t *n, struct err *e)
{
	struct pending_msg *m = xcalloc(PASS_BATCH, sizeof(*m));
	size_t count = 0;
	int rc = 0;

	while (count < PASS_BATCH && (rc = store_step(st, e)) == STORE_ROW) {
		struct pending_msg *x = &m[count++];
		x->id = store_col_int64(st, 0);
		snprintf(x->message_id, sizeof(x->message_id), "%s", store_col_text(st, 1));
		x->kind = xstrdup(store_col_text(st, 2));
		x->title = xstrdup(store_col_text(st, 3));
		x->body = xstrdup(store_col_text(st, 4));
		x->has_link = !store_col_is_null(st, 5);
		x->link = xstrdup(store_col_text(st, 5));
		x->created_at = xstrdup(store_col_text(st, 6));
		x->region = xstrdup(store_col_text(st, 7));
		x->recipients = xstrdup(store_col_text(st, 8));
		x->payload = xstrdup(store_col_text(st, 9));
		x->attempts = store_col_int64(st, 10);
	}
	store_finalize(st);
	if (count < PASS_BATCH && rc < 0) {
		msgs_release(m, count);
		return rc;
	}
	*out = m;
	*n = count;
	return 0;
}

#define INBOX_INSERT \
	"INSERT INTO inbox (user_id, message_id, kind, title, body, link, created_at)" \
	" SELECT u.id, $1, $2, $3, $4, $5, $6 FROM users u"
#define INBOX_UPSERT " ON CONFLICT (user_id, message_id) DO NOTHING"

static int deliver_to_user(struct store *s, const struct pending_msg *m,
			   int64_t user_id, struct err *e)
{
	return store_execv(s, e, INBOX_INSERT " WHERE u.id = $7" INBOX_UPSERT,
			   "ssssssi", m->message_id, m->kind, m->title, m->body,
			   m->has_link ? m->link : NULL, m->created_at, user_id);
}

/* Accounts of `role` (active), of `department` when given, whose region
 * contains `region` or lies inside it when a region is given. */
static int deliver_to_role(struct store *s, const struct pending_msg *m,
			   const char *role, const char *department,
			   const char *region, struct err *e)
{
	return store_execv(s, e, INBOX_INSERT
		" WHERE u.active = 1 AND u.role = $7"
		"   AND ($8 IS NULL OR u.department = $8)"
		"   AND ($9 IS NULL"
		"        OR substr($9, 1, length(u.region_code)) = u.region_code"
		"        OR substr(u.region_code, 1, length($9)) = $9)"
		INBOX_UPSERT,
		"sssssssss", m->message_id, m->kind, m->title, m->body,
		m->has_link ? m->link : NULL, m->created_at, role, department,
		region);
}

static const char *nonempty(json_t *j)
{
	const char *v = json_string_value(j);
	return v && *v ? v : NULL;
}

static int expand_recipients(struct store *s, const struct pending_msg *m,
			     json_t *r, struct err *e)
{
	json_t *ids = json_object_get(r, "user_ids"), *role, *v;
	const char *dept = nonempty(json_object_get(r, "department"));
	const char *region = nonempty(json_object_get(r, "region"));
	size_t i;
	int rc = 0;

	if (json_is_array(ids)) {
		json_array_foreach(ids, i, v)
			if (json_is_integer(v) &&
			    (rc = deliver_to_user(s, m, json_integer_value(v), e)) < 0)
				return rc;
		return 0;
	}
	role = json_object_get(r, "role");
	if (json_is_string(role))
		return deliver_to_role(s, m, json_string_value(role), dept, region, e);
	json_array_foreach(role, i, v)
		if (json_is_string(v) &&
		    (rc = deliver_to_role(s, m, json_string_value(v), dept, region, e)) < 0)
			return rc;
	return 0;
}

/* One message into its inboxes, in one transaction. */
static int deliver_inbox(struct store *s, const struct pending_msg *m,
			 struct err *e)
{
	json_t *r = json_loads(m->recipients, 0, NULL);
	int rc;

	if ((rc = store_begin(s, e)) < 0)
		goto cleanup;
	if ((r && (rc = expand_recipients(s, m, r, e)) < 0) ||
	    (rc = store_execv(s, e, "UPDATE outbox SET inbox_done = 1 WHERE id = $1",
			      "i", m->id)) < 0) {
		store_rollback(s);
		goto cleanup;
	}
	rc = store_commit(s, e);
	if (!r)
		log_warn("outbox %s: recipients are not JSON; delivered to no one",
			 m->message_id);
cleanup:
	json_decref(r);
	return rc;
}

static int inbox_pass(struct store *s, int *handled, struct err *e)
{
	struct store_stmt *st = NULL;
	struct pending_msg *m = NULL;
	size_t n = 0;
	int rc;

	do {
		if ((rc = store_query(s, &st, e, "SELECT " MSG_COLUMNS " FROM outbox"
				      " WHERE inbox_done = 0 ORDER BY id LIMIT $1",
				      "i", (int64_t)PASS_BATCH)) < 0 ||
		    (rc = load_msgs(st, &m, &n, e)) < 0)
			return rc;
		for (size_t i = 0; i < n && rc == 0; i++)
			if ((rc = deliver_inbox(s, &m[i], e)) == 0)
				(*handled)++;
		msgs_release(m, n);
	} while (rc == 0 && n == PASS_BATCH);
	return rc;
}

/* === delivery, part 2: the webhook === */

struct url {
	char host[256];
	char port[8];
	char path[1024];
};

/* "http://host[:port][/path]"; host may be a [v6] literal. */
static int parse_url(const char *url, struct url *u, struct err *e)
{
	const char *p, *host_end, *port = NULL, *path;
	size_t hlen;

	if (strncasecmp(url, "https://", 8) == 0)
		return err_set(e, ERR_INVALID, "webhook_url", "webhook_https",
			       "webhook 地址暂不支持 https，请使用 http:// 地址（例如经本机代理转发）",
			       "https webhook URLs are not supported: give an http:// URL (e.g. a local forwarding proxy)");
	if (strncasecmp(url, "http://", 7) != 0)
		goto bad;
	p = url + 7;
	path = p + strcspn(p, "/?#");
	if (*p == '[') {
		host_end = strchr(p, ']');
		if (!host_end || host_end > path)
			goto bad;
		p++;
		if (host_end[1] == ':')
			port = host_end + 2;
		else if (host_end + 1 != path)
			goto bad;
	} else {
		host_end = memchr(p, ':', (size_t)(path - p));
		if (host_end)
			port = host_end + 1;
		else
			host_end = path;
	}
	hlen = (size_t)(host_end - p);
	if (hlen == 0 || hlen >= sizeof(u->host))
		goto bad;
	memcpy(u->host, p, hlen);
	u->host[hlen] = '\0';
	if (port) {
		size_t plen = (size_t)(path - port);
		if (plen == 0 || plen >= sizeof(u->port) ||
		    strspn(port, "0123456789") < plen)
			goto bad;
		memcpy(u->port, port, plen);
		u->port[plen] = '\0';
	} else {
		snprintf(u->port, sizeof(u->port), "80");
	}
	if (*path == '#')
		path = "";
	if (snprintf(u->path, sizeof(u->path), "%s%s", *path == '/' ? "" : "/",
		     path) >= (int)sizeof(u->path))
		goto bad;
	u->path[strcspn(u->path, "#")] = '\0';
	return 0;
bad:
	return err_setf(e, ERR_INVALID, "webhook_url", "webhook_url",
			"webhook 地址格式不对：%s（应为 http://主机:端口/路径）",
			"the webhook URL is not valid: %s (expected http://host:port/path)",
			url);
}

/* Connect with a deadline; -1 with why filled on failure. */
static int connect_to(const struct url *u, char *why, size_t why_size)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	struct timeval tv = { WEBHOOK_TIMEOUT_MS / 1000, 0 };
	int fd = -1, gai;

	if ((gai = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		snprintf(why, why_size, "resolve %.128s: %s", u->host, gai_strerror(gai));
		return -1;
	}
	snprintf(why, why_size, "connect %.128s:%s: no address", u->host, u->port);
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pfd;
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			if (errno != EINPROGRESS) {
				soerr = errno;
			} else {
				pfd.fd = fd;
				pfd.events = POLLOUT;
				if (poll(&pfd, 1, WEBHOOK_TIMEOUT_MS) <= 0)
					soerr = ETIMEDOUT;
				else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
					soerr = errno;
			}
		}
		if (soerr == 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			break;
		}
		snprintf(why, why_size, "connect %.128s:%s: %s", u->host, u->port,
			 strerror(soerr));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read up to the end of the status line; its code, or -1. */
static int read_status(int fd, char *why, size_t why_size)
{
	char buf[STATUS_LINE_MAX + 1];
	size_t used = 0;
	int status;

	while (used < STATUS_LINE_MAX && !memchr(buf, '\n', used)) {
		ssize_t r = recv(fd, buf + used, STATUS_LINE_MAX - used, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, why_size, "receive: %s",
				 errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	buf[used] = '\0';
	if (strncmp(buf, "HTTP/1.", 7) != 0 || used < 12 || buf[8] != ' ' ||
	    sscanf(buf + 9, "%3d", &status) != 1 || status < 100 || status > 599) {
		snprintf(why, why_size, "no HTTP status line in the answer");
		return -1;
	}
	return status;
}

/* POST body; *status gets the answer's code.  -1 (why filled) when no
 * answer came: the receiver is down or too slow. */
static int http_post(const struct url *u, const char *headers,
		     const char *body, size_t len, int *status, char *why,
		     size_t why_size)
{
	struct strbuf req;
	int fd, rc = -1;

	if ((fd = connect_to(u, why, why_size)) < 0)
		return -1;
	strbuf_init(&req, 512);
	/* An IPv6 literal goes back in brackets in the Host header. */
	int v6 = strchr(u->host, ':') != NULL;
	strbuf_addf(&req, "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
		    u->path, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, len,
		    headers);
	if (send_all(fd, req.buf, req.len) < 0 || send_all(fd, body, len) < 0) {
		snprintf(why, why_size, "send: %s",
			 errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
		goto cleanup;
	}
	if ((*status = read_status(fd, why, why_size)) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	strbuf_release(&req);
	close(fd);
	return rc;
}

/* The JSON the receiver gets. */
static char *webhook_body(const struct pending_msg *m)
{
	json_t *payload = json_loads(m->payload, JSON_DECODE_ANY, NULL);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			      "id", m->message_id, "kind", m->kind,
			      "created_at", m->created_at, "region_code", m->region,
			      "title", m->title, "body", m->body);
	char *text;

	json_object_set_new(o, "link", m->has_link ? json_string(m->link) : json_null());
	json_object_set_new(o, "payload", payload ? payload : json_object());
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

/* hex(HMAC-SHA256(secret, "<timestamp>.<body>")) */
static void sign(const char *secret, const char *ts, const char *body,
		 char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}

struct webhook_conf {
	struct url url;
	const char *secret;
	int64_t max_attempts, backoff_max;
};

/* Record the outcome of one attempt. */
static int record_attempt(struct store *s, const struct webhook_conf *c,
			  const struct pending_msg *m, int ok, const char *why,
			  struct err *e)
{
	int64_t attempts = m->attempts + 1, wait;

	if (ok)
		return store_execv(s, e, "UPDATE outbox SET webhook_state = 'sent',"
				   " attempts = $1, last_error = NULL WHERE id = $2",
				   "ii", attempts, m->id);
	wait = attempts >= 62 ? c->backoff_max : (int64_t)1 << attempts;
	if (wait > c->backoff_max)
		wait = c->backoff_max;
	return store_execv(s, e, "UPDATE outbox SET attempts = $1, last_error = $2,"
			   " next_attempt_at = $3,"
			   " webhook_state = CASE WHEN $1 >= $4 THEN 'parked' ELSE 'pending' END"
			   " WHERE id = $5",
			   "isiii", attempts, why, clock_now() + wait,
			   c->max_attempts, m->id);
}

/* One message to the receiver.  1 when it answered (whatever the code),
 * 0 when it could not be reached. */
static int send_one(struct store *s, const struct webhook_conf *c,
		    const struct pending_msg *m, struct err *e)
{
	char *body = webhook_body(m);
	char ts[24], sig[65], headers[512], why[256] = "";
	int status = 0, reached, rc;

	if (!body)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	snprintf(ts, sizeof(ts), "%" PRId64, clock_now());
	sign(c->secret, ts, body, sig);
	snprintf(headers, sizeof(headers),
		 "Content-Type: application/json\r\n"
		 "User-Agent: civicare-webhook\r\n"
		 "X-Civicare-Message-Id: %s\r\n"
		 "X-Civicare-Timestamp: %s\r\n"
		 "X-Civicare-Signature: sha256=%s\r\n", m->message_id, ts, sig);
	reached = http_post(&c->url, headers, body, strlen(body), &status, why,
			    sizeof(why)) == 0;
	free(body);
	if (reached && (status < 200 || status > 299))
		snprintf(why, sizeof(why), "HTTP %d", status);
	if (!reached || status < 200 || status > 299)
		log_warn("webhook %s (%s): attempt %" PRId64 " failed: %s",
			 m->message_id, m->kind, m->attempts + 1, why);
	rc = record_attempt(s, c, m, reached && status >= 200 && status <= 299, why, e);
	return rc < 0 ? rc : reached;
}

static int webhook_pass(struct store *s, const struct webhook_conf *c,
			int *handled, struct err *e)
{
	struct store_stmt *st = NULL;
	struct pending_msg *m = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_query(s, &st, e, "SELECT " MSG_COLUMNS " FROM outbox"
			      " WHERE webhook_state = 'pending' AND next_attempt_at <= $1"
			      " ORDER BY next_attempt_at, id LIMIT $2",
			      "ii", clock_now(), (int64_t)PASS_BATCH)) < 0 ||
	    (rc = load_msgs(st, &m, &n, e)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = send_one(s, c, &m[i], e)) < 0)
			break;
		(*handled)++;
		if (rc == 0)
			break;  /* unreachable: the rest waits for the next pass */
		rc = 0;
	}
	msgs_release(m, n);
	return rc < 0 ? rc : 0;
}

int outbox_deliver_once(struct store *s, const char *webhook_url,
			const char *webhook_secret, int64_t max_attempts,
			int64_t backoff_max_s, struct err *e)
{
	struct webhook_conf c = {
		.secret = webhook_secret ? webhook_secret : "",
		.max_attempts = max_attempts < 1 ? 1 : max_attempts,
		.backoff_max = backoff_max_s < 1 ? 1 : backoff_max_s,
	};
	int overdue = 0, handled = 0, rc;

	/* Overdue referrals first, so their messages go out in this pass. */
	if ((rc = referral_mark_overdue(s, &overdue, e)) < 0 ||
	    (rc = inbox_pass(s, &handled, e)) < 0)
		return rc;
	if (!webhook_url || !*webhook_url) {
		rc = store_execv(s, e, "UPDATE outbox SET webhook_state = 'none'"
				 " WHERE webhook_state = 'pending'", "");
		return rc < 0 ? rc : handled;
	}
	if ((rc = parse_url(webhook_url, &c.url, e)) < 0 ||
	    (rc = webhook_pass(s, &c, &handled, e)) < 0)
		return rc;
	return handled;
}

/* === the worker thread of serve === */

struct outbox_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct store_pool *pool;
	char *url;
	char *secret;
	int64_t max_attempts, backoff_max, interval_ms;
};

static void deadline_after(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *worker_main(void *arg)
{
	struct outbox_worker *w = arg;
	struct store *s = store_pool_take(w->pool);
	struct timespec until;
	struct err e;
	int stop;

	do {
		err_clear(&e);
		if (outbox_deliver_once(s, w->url, w->secret, w->max_attempts,
					w->backoff_max, &e) < 0)
			log_warn("outbox delivery pass failed: %s", e.message_en);
		pthread_mutex_lock(&w->lock);
		deadline_after(&until, w->interval_ms);
		while (!w->stop &&
		       pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
		stop = w->stop;
		pthread_mutex_unlock(&w->lock);
	} while (!stop);
	store_pool_give(w->pool, s);
	return NULL;
}

static void worker_free(struct outbox_worker *w)
{
	if (!w)
		return;
	free(w->url);
	if (w->secret) {
		sodium_memzero(w->secret, strlen(w->secret));
		free(w->secret);
	}
	free(w);
}

/* Read and check the settings: a URL needs a secret and must be http://. */
static int worker_settings(const struct config *cfg, struct outbox_worker *w,
			   struct err *e)
{
	const char *url = config_get(cfg, CFG_WEBHOOK_URL);
	const char *secret = getenv("CIVICARE_WEBHOOK_SECRET");
	struct url parsed;
	int rc;

	if ((rc = config_get_int(cfg, CFG_WEBHOOK_MAX_ATTEMPTS, 1, 1000000,
				 &w->max_attempts, e)) < 0 ||
	    (rc = config_get_int(cfg, CFG_WEBHOOK_BACKOFF_MAX, 1, 7 * 86400,
				 &w->backoff_max, e)) < 0 ||
	    (rc = config_get_int(cfg, CFG_WORKER_INTERVAL_MS, 10, 3600 * 1000,
				 &w->interval_ms, e)) < 0)
		return rc;
	w->url = xstrdup(url);
	w->secret = xstrdup(secret ? secret : "");
	if (!*url)
		return 0;
	if ((rc = parse_url(url, &parsed, e)) < 0)
		return rc;
	if (!*w->secret)
		return err_set(e, ERR_INVALID, "webhook_url", "webhook_secret",
			       "配置了 webhook 地址，但未设置环境变量 CIVICARE_WEBHOOK_SECRET（签名密钥）",
			       "a webhook URL is set but the environment variable "
			       "CIVICARE_WEBHOOK_SECRET (the signing secret) is not");
	return 0;
}

int outbox_worker_start(struct app *app, struct err *e)
{
	struct outbox_worker *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;
	sigset_t block, old;
	int rc, created;

	if ((rc = worker_settings(&app->cfg, w, e)) < 0) {
		worker_free(w);
		return rc;
	}
	w->pool = &app->pool;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	/* The thread inherits a mask without SIGTERM/SIGINT: the stop signals
	 * must reach the thread that waits for them (http_serve). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	created = pthread_create(&w->thread, NULL, worker_main, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!created) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		worker_free(w);
		return err_set(e, ERR_INTERNAL, NULL, "thread",
			       "无法启动消息推送线程", "cannot start the delivery thread");
	}
	if (*w->url)
		log_info("webhook: messages are POSTed to %s", w->url);
	app->outbox = w;
	return 0;
}

void outbox_worker_stop(struct app *app)
{
	struct outbox_worker *w = app->outbox;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	worker_free(w);
	app->outbox = NULL;
}
