/*
 * audit.h - the append-only audit trail.
 *
 * Every write and every read of a full ID number appends one entry: who,
 * when, what (action), the record (entity, entity_id), its region and a JSON
 * detail of the change.  Each entry stores the hash of the entry before it
 * and its own hash:
 *     hash = BLAKE2b-256(prev_hash, id, at, user_id, username, action,
 *                        entity, entity_id, region_code, detail)
 * with each field length-prefixed, hex encoded; the first entry's prev_hash
 * is 64 zeros.  Appending must happen inside the caller's write transaction
 * (so the record and its audit entry commit together, and writers are
 * serialised so the chain has no forks); audit_append begins/commits a nested
 * transaction itself, so it is also safe alone.
 */
#ifndef CIVICARE_AUDIT_H
#define CIVICARE_AUDIT_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* actor NULL = system.  detail may be NULL ("{}").  Not stolen. */
int audit_append(struct store *s, const struct actor *actor,
		 const char *action, const char *entity, int64_t entity_id,
		 const char *region_code, json_t *detail, struct err *e);

struct audit_verify_result {
	int64_t checked;     /* entries walked */
	int64_t first_bad;   /* id of the first entry that does not fit, 0 if none */
	char reason[128];    /* "hash mismatch", "prev_hash does not match entry 41", ... */
};

/* 0 when the whole chain holds; ERR_CONFLICT (rule "audit_chain") with
 * r->first_bad set when it does not; other codes for store failures. */
int audit_verify(struct store *s, struct audit_verify_result *r, struct err *e);

struct audit_query {
	const char *username;    /* exact, or NULL */
	const char *action;      /* prefix, e.g. "person." */
	const char *entity;
	const char *entity_id;
	const char *from;        /* UTC times, inclusive */
	const char *to;
	const char *region;      /* limited further by the actor's region */
	int64_t page, per_page;  /* 1-based */
};

/* {"items":[...],"total":N,"page":p,"per_page":n}, newest first, only
 * entries whose region lies inside the actor's region. */
int audit_search(struct store *s, const struct actor *a,
		 const struct audit_query *q, json_t **out, struct err *e);

#endif
