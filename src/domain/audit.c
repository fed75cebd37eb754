/*
 * audit.c - the append-only, hash-chained audit trail.
 *
 * Design: each entry's hash covers its own fields and the previous entry's
 * hash, so changing, inserting or deleting any entry except the newest
 * breaks every later link; `civicare audit verify` walks the chain and names
 * the first entry that does not fit.  Fields are length-prefixed before
 * hashing, so no choice of field contents can make two different entries
 * hash alike.  Writers append inside a write transaction (BEGIN IMMEDIATE on
 * SQLite), which serialises them: the chain never forks.  The newest entry
 * can be removed without a trace by someone with the file; anchoring the
 * head outside the database is a later step.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "audit.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/limits.h"
#include "render.h"
#include "../core/banned.h"

#define HASH_BYTES 32
#define HASH_HEX (HASH_BYTES * 2 + 1)

static const char genesis[HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

struct entry {
	int64_t id;
	const char *at, *username, *action, *entity, *entity_id, *region, *detail;
	int64_t user_id; /* 0 = system (stored as NULL) */
	const char *prev_hash;
};

static void hash_field(crypto_generichash_state *st, const char *s)
{
	uint64_t n = strlen(s);
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	crypto_generichash_update(st, len, sizeof(len));
	crypto_generichash_update(st, (const unsigned char *)s, n);
}

static void entry_hash(const struct entry *en, char out[HASH_HEX])
{
	crypto_generichash_state st;
	unsigned char h[HASH_BYTES];
	char num[2][24];

	snprintf(num[0], sizeof(num[0]), "%" PRId64, en->id);
	snprintf(num[1], sizeof(num[1]), "%" PRId64, en->user_id);
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	hash_field(&st, en->prev_hash);
	hash_field(&st, num[0]);
	hash_field(&st, en->at);
	hash_field(&st, num[1]);
	hash_field(&st, en->username);
	hash_field(&st, en->action);
	hash_field(&st, en->entity);
	hash_field(&st, en->entity_id);
	hash_field(&st, en->region);
	hash_field(&st, en->detail);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, HASH_HEX, h, sizeof(h));
}

/* The newest entry's id and hash (0 and the genesis hash when empty). */
static int chain_head(struct store *s, int64_t *id, char hash[HASH_HEX],
		      struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e,
			     "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", "");
	if (rc < 0)
		return rc;
	*id = 0;
	memcpy(hash, genesis, HASH_HEX);
	rc = store_step(st, e);
	if (rc == STORE_ROW) {
		*id = store_col_int64(st, 0);
		snprintf(hash, HASH_HEX, "%s", store_col_text(st, 1));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int insert_entry(struct store *s, const struct entry *en,
			const char *hash, struct err *e)
{
	return store_execv(s, e,
		"INSERT INTO audit_log (id, at, user_id, username, action, entity,"
		" entity_id, region_code, detail, prev_hash, hash)"
		" VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $7, $8, $9, $10, $11)",
		"isissssssss", en->id, en->at, en->user_id, en->username, en->action, en->entity,
		en->entity_id, en->region, en->detail, en->prev_hash, hash);
}

int audit_append(struct store *s, const struct actor *actor,
		 const char *action, const char *entity, int64_t entity_id,
		 const char *region_code, json_t *detail, struct err *e)
{
	char at[21], prev[HASH_HEX], hash[HASH_HEX], eid[24];
	char *detail_text = NULL;
	struct entry en;
	int64_t last_id;
	int rc;

	if ((rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = chain_head(s, &last_id, prev, e)) < 0)
		goto cleanup;
	clock_format_utc(clock_now(), at);
	snprintf(eid, sizeof(eid), "%" PRId64, entity_id);
	detail_text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	en = (struct entry){
		.id = last_id + 1,
		.at = at,
		.user_id = actor ? actor->user_id : 0,
		.username = actor ? actor->username : "system",
		.action = action,
		.entity = entity ? entity : "",
		.entity_id = eid,
		.region = region_code ? region_code : "",
		.detail = detail_text ? detail_text : "{}",
		.prev_hash = prev,
	};
	entry_hash(&en, hash);
	rc = insert_entry(s, &en, hash, e);
cleanup:
	free(detail_text);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* === verify === */

static void verify_fail(struct audit_verify_result *r, int64_t id,
			const char *reason)
{
	if (r->first_bad == 0) {
		r->first_bad = id;
		snprintf(r->reason, sizeof(r->reason), "%s", reason);
	}
}

/* Check one row against the hash expected before it; updates expected. */
static void verify_row(struct store_stmt *st, char expected[HASH_HEX],
		       int64_t *last_id, struct audit_verify_result *r)
{
	char hash[HASH_HEX], why[128];
	struct entry en = {
		.id = store_col_int64(st, 0),
		.at = store_col_text(st, 1),
		.user_id = store_col_int64(st, 2),
		.username = store_col_text(st, 3),
		.action = store_col_text(st, 4),
		.entity = store_col_text(st, 5),
		.entity_id = store_col_text(st, 6),
		.region = store_col_text(st, 7),
		.detail = store_col_text(st, 8),
		.prev_hash = store_col_text(st, 9),
	};
	const char *stored = store_col_text(st, 10);

	if (en.id != *last_id + 1) {
		snprintf(why, sizeof(why), "entry %" PRId64 " follows %" PRId64
			 ": entries are missing", en.id, *last_id);
		verify_fail(r, en.id, why);
	} else if (strcmp(en.prev_hash, expected) != 0) {
		snprintf(why, sizeof(why), "prev_hash does not match entry %" PRId64,
			 *last_id);
		verify_fail(r, en.id, why);
	}
	entry_hash(&en, hash);
	if (strcmp(hash, stored) != 0)
		verify_fail(r, en.id, "content does not match its hash (edited)");
	/* Continue from the stored hash so one edit names one entry. */
	snprintf(expected, HASH_HEX, "%s", stored);
	*last_id = en.id;
	r->checked++;
}

int audit_verify(struct store *s, struct audit_verify_result *r, struct err *e)
{
	struct store_stmt *st = NULL;
	char expected[HASH_HEX];
	int64_t last_id = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	memcpy(expected, genesis, HASH_HEX);
	rc = store_query(s, &st, e,
		"SELECT id, at, COALESCE(user_id, 0), username, action, entity,"
		" entity_id, region_code, detail, prev_hash, hash"
		" FROM audit_log ORDER BY id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW)
		verify_row(st, expected, &last_id, r);
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (r->first_bad)
		return err_setf(e, ERR_CONFLICT, NULL, "audit_chain",
				"审计链在第 %" PRId64 " 条断开：%s",
				"audit chain broken at entry %" PRId64 ": %s",
				r->first_bad, r->reason);
	return 0;
}

/* === search === */

static json_t *row_json(struct store_stmt *st)
{
	json_t *detail = json_loads(store_col_text(st, 8), 0, NULL);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"at", store_col_text(st, 1),
		"username", store_col_text(st, 3),
		"action", store_col_text(st, 4),
		"entity", store_col_text(st, 5),
		"entity_id", store_col_text(st, 6),
		"region_code", store_col_text(st, 7));
	json_object_set_new(o, "user_id", store_col_is_null(st, 2) ? json_null()
			    : json_integer(store_col_int64(st, 2)));
	json_object_set_new(o, "detail", detail ? detail : json_object());
	json_object_set_new(o, "hash", json_string(store_col_text(st, 9)));
	return o;
}

/* The filter, written once for the count and the page. */
#define AUDIT_WHERE \
	" WHERE substr(region_code, 1, length($1)) = $1" \
	"   AND ($2 IS NULL OR username = $2)" \
	"   AND ($3 IS NULL OR substr(action, 1, length($3)) = $3)" \
	"   AND ($4 IS NULL OR entity = $4)" \
	"   AND ($5 IS NULL OR entity_id = $5)" \
	"   AND ($6 IS NULL OR at >= $6)" \
	"   AND ($7 IS NULL OR at <= $7)"

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

int audit_search(struct store *s, const struct actor *a,
		 const struct audit_query *q, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	const char *region = perm_region_narrow(a, q->region);
	json_t *items = NULL;
	int64_t total = 0;
	int rc;

	if ((rc = perm_require(a, PERM_AUDIT_READ, e)) < 0)
		return rc;
	rc = store_int64(s, &total, e, "SELECT count(*) FROM audit_log" AUDIT_WHERE,
			 "sssssss", region, or_null(q->username), or_null(q->action),
			 or_null(q->entity), or_null(q->entity_id), or_null(q->from),
			 or_null(q->to));
	if (rc < 0)
		return rc;
	rc = store_query(s, &st, e,
		"SELECT id, at, user_id, username, action, entity, entity_id,"
		" region_code, detail, hash FROM audit_log" AUDIT_WHERE
		" ORDER BY id DESC LIMIT $8 OFFSET $9",
		"sssssssii", region, or_null(q->username), or_null(q->action),
		or_null(q->entity), or_null(q->entity_id), or_null(q->from),
		or_null(q->to), q->per_page, (q->page - 1) * q->per_page);
	if (rc < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, row_json(st));
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total, "page", (json_int_t)q->page,
			 "per_page", (json_int_t)q->per_page);
	return 0;
}
