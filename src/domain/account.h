/*
 * account.h - users, passwords, sessions and login throttling.
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str, the
 * INTERACTIVE limits).  A login creates a session: a random 32-byte token
 * (base64url) given to the client once and stored only as its BLAKE2b hash,
 * with a CSRF token for cookie sessions.  Failed logins are counted per
 * account and per address: from the 4th failure each attempt must wait
 * 2^(n-3) seconds after the last (ERR_RATE_LIMITED, rule "slow_down"); at 10
 * failures the key is locked for 15 minutes (rule "locked").  A success
 * clears the account's counter.
 */
#ifndef CIVICARE_ACCOUNT_H
#define CIVICARE_ACCOUNT_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

#define ACCOUNT_TOKEN_CHARS 44  /* base64url of 32 bytes, no padding: 43 + NUL */

struct account_input {
	const char *username;      /* 3-64 of [a-z0-9_.-] */
	const char *display_name;
	const char *role;          /* perm_role_name() */
	const char *department;    /* required for reviewers */
	const char *region_code;   /* 6, 9 or 12 digits, must exist */
	const char *password;      /* >= LIMIT_PASSWORD_MIN bytes */
};

/* Create a user (audited as "user.create"); *id gets its id.  ERR_CONFLICT
 * (rule "unique", existing_id set) when the username exists; the actor may
 * only create users inside its own region. */
int account_create(struct store *s, const struct actor *a,
		   const struct account_input *in, int64_t *id, struct err *e);

/* Set a new password and end the user's sessions ("user.reset_password"). */
int account_reset_password(struct store *s, const struct actor *a,
			   const char *username, const char *password,
			   struct err *e);

/* {"items":[{id,username,display_name,role,department,region_code,active}],"total"} */
int account_list(struct store *s, const struct actor *a, int64_t page,
		 int64_t per_page, json_t **out, struct err *e);

/* One user as in account_list, inside the actor's region; ERR_NOT_FOUND. */
int account_get(struct store *s, const struct actor *a, int64_t id,
		json_t **out, struct err *e);

enum session_kind { SESSION_COOKIE, SESSION_BEARER };

struct session_tokens {
	char token[ACCOUNT_TOKEN_CHARS];
	char csrf[ACCOUNT_TOKEN_CHARS];
	int64_t expires_at;
	struct actor actor;
};

/* Check credentials (with throttling by username and by ip) and open a
 * session lasting `hours`.  Wrong user or password: ERR_UNAUTHORIZED, rule
 * "credentials" (the same for both, so names cannot be probed). */
int account_login(struct store *s, const char *username, const char *password,
		  const char *ip, enum session_kind kind, int64_t hours,
		  struct session_tokens *out, struct err *e);

/* Find the live session for a token; fills actor and, for cookie sessions,
 * csrf (ACCOUNT_TOKEN_CHARS bytes; "" for bearer).  ERR_UNAUTHORIZED (rule
 * "session") when unknown or expired. */
int account_session(struct store *s, const char *token, struct actor *actor,
		    enum session_kind *kind, char *csrf, struct err *e);

int account_logout(struct store *s, const char *token, struct err *e);

/* Hash and check passwords (libsodium).  out holds crypto_pwhash_STRBYTES. */
int account_password_hash(const char *password, char *out, size_t out_size);
int account_password_verify(const char *hash, const char *password); /* 1 ok */

/* Constant-time comparison of two NUL-terminated strings. */
int account_token_equal(const char *a, const char *b);

#endif
