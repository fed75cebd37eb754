/*
 * idempotency.c - the `idempotency` table (store/migrations.c).
 *
 * Rows are (user_id, key) -> request_hash, status, body, created_at.  A
 * lookup treats a row older than the TTL as absent; saving purges expired
 * rows first, so the table holds about one day of keyed writes.  The hash
 * is BLAKE2b-256 (libsodium crypto_generichash) over length-prefixed parts.
 *
 * Saving runs after the handler's own transaction has committed: two
 * identical requests racing may both run (the second insert then hits the
 * primary key, which is ignored); a retry after the first answer was
 * stored is what this protects, and that is the case phones produce.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "idempotency.h"
#include "../core/clock.h"
#include "../core/banned.h"

int idempotency_key_valid(const char *key)
{
	size_t n = 0;

	if (!key)
		return 0;
	for (; key[n]; n++) {
		unsigned char c = (unsigned char)key[n];
		if (c < 0x20 || c > 0x7e || n >= IDEMPOTENCY_KEY_MAX)
			return 0;
	}
	return n > 0;
}

/* The length first, so ("ab","c") and ("a","bc") hash differently. */
static void hash_part(crypto_generichash_state *st, const void *p, size_t n)
{
	unsigned char len[8];
	uint64_t v = n;

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(v >> (8 * i));
	crypto_generichash_update(st, len, sizeof(len));
	if (n > 0)
		crypto_generichash_update(st, p, n);
}

void idempotency_hash(const char *method, const char *path, const void *body,
		      size_t body_len, char out[IDEMPOTENCY_HASH_HEX])
{
	crypto_generichash_state st;
	unsigned char h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	hash_part(&st, method, strlen(method));
	hash_part(&st, path, strlen(path));
	hash_part(&st, body, body ? body_len : 0);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, IDEMPOTENCY_HASH_HEX, h, sizeof(h));
}

void idempotency_record_release(struct idempotency_record *rec)
{
	free(rec->body);
	memset(rec, 0, sizeof(*rec));
}

int idempotency_lookup(struct store *s, int64_t user_id, const char *key,
		       const char *request_hash, struct idempotency_record *rec,
		       struct err *e)
{
	struct store_stmt *st = NULL;
	int rc, same = 0;

	memset(rec, 0, sizeof(*rec));
	rc = store_query(s, &st, e,
		"SELECT request_hash, status, body FROM idempotency"
		" WHERE user_id = $1 AND key = $2 AND created_at >= $3",
		"isi", user_id, key,
		(int64_t)(clock_now() - IDEMPOTENCY_TTL_SECONDS));
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW) {
		same = strcmp(store_col_text(st, 0), request_hash) == 0;
		rec->status = (int)store_col_int64(st, 1);
		rec->body = strdup(store_col_text(st, 2));
		rec->found = 1;
		if (!rec->body)
			rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
				     "out of memory");
	}
	store_finalize(st);
	if (rc < 0) {
		idempotency_record_release(rec);
		return rc;
	}
	if (rec->found && !same) {
		idempotency_record_release(rec);
		return err_set(e, ERR_CONFLICT, "Idempotency-Key",
			       "idempotency_key_reused",
			       "该幂等键已用于另一个请求",
			       "this Idempotency-Key was already used for a different request");
	}
	return 0;
}

int idempotency_save(struct store *s, int64_t user_id, const char *key,
		     const char *request_hash, int status, const char *body,
		     struct err *e)
{
	int64_t now = clock_now();
	int rc;

	rc = store_execv(s, e, "DELETE FROM idempotency WHERE created_at < $1",
			 "i", (int64_t)(now - IDEMPOTENCY_TTL_SECONDS));
	if (rc < 0)
		return rc;
	rc = store_execv(s, e, "UPDATE idempotency SET status = $1, body = $2"
			 " WHERE user_id = $3 AND key = $4 AND status = 0",
			 "isis", (int64_t)status, body, user_id, key);
	if (rc < 0 || store_changes(s) == 1)
		return rc;
	rc = store_execv(s, e,
		"INSERT INTO idempotency (user_id, key, request_hash, status, body,"
		" created_at) VALUES ($1, $2, $3, $4, $5, $6)",
		"issisi", user_id, key, request_hash, (int64_t)status, body, now);
	if (rc == ERR_CONFLICT) {
		/* Stored meanwhile by a concurrent twin: its answer stands. */
		err_clear(e);
		return 0;
	}
	return rc;
}

#define IDEMPOTENCY_WAIT_STEPS 200     /* x 50 ms: how long a twin waits */
#define IDEMPOTENCY_ABANDONED_SECONDS 60

static int claim(struct store *s, int64_t user_id, const char *key,
		 const char *request_hash, struct err *e)
{
	int64_t now = clock_now();
	int rc = store_execv(s, e, "DELETE FROM idempotency WHERE user_id = $1"
			     " AND key = $2 AND (created_at < $3 OR"
			     " (status = 0 AND created_at < $4))", "isii", user_id, key,
			     (int64_t)(now - IDEMPOTENCY_TTL_SECONDS),
			     (int64_t)(now - IDEMPOTENCY_ABANDONED_SECONDS));
	if (rc < 0)
		return rc;
	return store_execv(s, e,
		"INSERT INTO idempotency (user_id, key, request_hash, status, body,"
		" created_at) VALUES ($1, $2, $3, 0, '', $4)",
		"issi", user_id, key, request_hash, now);
}

int idempotency_reserve(struct store *s, int64_t user_id, const char *key,
			const char *request_hash, struct idempotency_record *rec,
			struct err *e)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int rc;

	memset(rec, 0, sizeof(*rec));
	for (int i = 0; i < IDEMPOTENCY_WAIT_STEPS; i++) {
		rc = claim(s, user_id, key, request_hash, e);
		if (rc != ERR_CONFLICT)
			return rc;           /* 0: ours to run */
		err_clear(e);
		if ((rc = idempotency_lookup(s, user_id, key, request_hash, rec, e)) < 0)
			return rc;           /* another request under this key */
		if (rec->found && rec->status != 0)
			return 0;            /* the twin's answer: replay it */
		idempotency_record_release(rec);
		nanosleep(&pause, NULL);
	}
	return err_set(e, ERR_CONFLICT, "Idempotency-Key", "idempotency_in_progress",
		       "相同的请求正在处理中，请稍后重试",
		       "the same request is still being processed: retry shortly");
}

void idempotency_release(struct store *s, int64_t user_id, const char *key)
{
	struct err ignored;
	store_execv(s, &ignored, "DELETE FROM idempotency WHERE user_id = $1"
		    " AND key = $2 AND status = 0", "is", user_id, key);
}
