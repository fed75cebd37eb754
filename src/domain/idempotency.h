/*
 * idempotency.h - stored answers for retried writes.
 *
 * A client on a weak network may send the same write twice.  It marks the
 * write with a key (the Idempotency-Key header); the first answer (a 2xx
 * status and its JSON body) is stored under (user, key) with a hash of the
 * request, and the same user sending the same key again gets that answer
 * back instead of a second write.  The same key with a different request is
 * a client bug: ERR_CONFLICT, rule "idempotency_key_reused".
 *
 * Keys live IDEMPOTENCY_TTL_SECONDS; older ones are ignored and purged when
 * a new answer is saved.  The HTTP server (http/server.c) is the only
 * caller: it decides which requests take part.
 */
#ifndef CIVICARE_IDEMPOTENCY_H
#define CIVICARE_IDEMPOTENCY_H

#include <stddef.h>
#include <stdint.h>
#include "../core/err.h"
#include "../store/store.h"

#define IDEMPOTENCY_KEY_MAX 128          /* bytes, printable ASCII */
#define IDEMPOTENCY_HASH_HEX 65          /* BLAKE2b-256 as hex + NUL */
#define IDEMPOTENCY_TTL_SECONDS (24 * 3600)

/* A stored answer.  body is malloc'd (NULL when !found): release with
 * idempotency_record_release. */
struct idempotency_record {
	int found;
	int status;
	char *body;
};

/* 1 when key is 1..IDEMPOTENCY_KEY_MAX printable ASCII characters. */
int idempotency_key_valid(const char *key);

/* Hash of one request (method, path, body bytes), as lowercase hex into
 * out.  The parts are length-prefixed, so no two different requests can
 * produce the same input to the hash. */
void idempotency_hash(const char *method, const char *path, const void *body,
		      size_t body_len, char out[IDEMPOTENCY_HASH_HEX]);

/* Look (user_id, key) up.  Not stored (or expired): 0 and rec->found = 0.
 * Stored with the same request_hash: 0, rec->found = 1, status and body
 * filled.  Stored with another hash: ERR_CONFLICT, field "Idempotency-Key",
 * rule "idempotency_key_reused".  Store failures as store.h says.  rec is
 * always initialised (safe to release). */
int idempotency_lookup(struct store *s, int64_t user_id, const char *key,
		       const char *request_hash, struct idempotency_record *rec,
		       struct err *e);

/*
 * Claim (user_id, key) before running the request, so that twins sent at
 * the same moment cannot both run it: the first inserts a pending row
 * (status 0); a twin waits (bounded, ~10 s) for that answer and replays it
 * (rec->found).  A different request under the key: ERR_CONFLICT rule
 * "idempotency_key_reused"; still pending after the wait: ERR_CONFLICT rule
 * "idempotency_in_progress".  A pending row older than a minute is taken
 * as abandoned (its process died) and claimed anew.
 */
int idempotency_reserve(struct store *s, int64_t user_id, const char *key,
			const char *request_hash, struct idempotency_record *rec,
			struct err *e);

/* Give a claim back when the request did not succeed, so a retry runs. */
void idempotency_release(struct store *s, int64_t user_id, const char *key);

/* Store the answer of a claimed key (or insert it when not claimed).  A row
 * another request stored meanwhile wins: that is not an error (returns 0). */
int idempotency_save(struct store *s, int64_t user_id, const char *key,
		     const char *request_hash, int status, const char *body,
		     struct err *e);

void idempotency_record_release(struct idempotency_record *rec);

#endif
