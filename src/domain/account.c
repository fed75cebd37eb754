/*
 * account.c - users, passwords, sessions, login throttling.
 *
 * Passwords: argon2id through libsodium's crypto_pwhash_str (the string
 * carries its own salt and limits, so limits can rise later without a
 * migration).  An unknown user name still costs one verification against a
 * dummy hash, so response time does not tell which names exist.
 *
 * Sessions: the client gets a random token once; the store keeps only its
 * BLAKE2b hash, so a copy of the database opens no session.  Cookie sessions
 * carry a CSRF token the client must echo on writes.
 *
 * Throttling: counters per account ("user:NAME") and per address
 * ("ip:ADDR") in login_throttle.  An address serves many people in a
 * township office, so its thresholds are higher.  Counters older than an
 * hour start again.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "account.h"
#include "audit.h"
#include "divisions.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/limits.h"
#include "../core/banned.h"

/* 部门: the departments a reviewer can belong to. */
static const char *const departments[] = {
	"civil_affairs", "medical_security", "education", "hrss", "housing",
	"emergency", "disability_federation", "rural_revitalization",
	"public_security", "natural_resources", "market_supervision", "tax",
	"provident_fund", "organization", NULL
};

struct throttle_rule {
	const char *prefix;
	int64_t slow_from;   /* failures before each attempt must wait */
	int64_t lock_at;     /* failures that lock the key */
};

static const struct throttle_rule throttle_user = { "user:", 3, 10 };
static const struct throttle_rule throttle_ip = { "ip:", 10, 30 };

#define THROTTLE_LOCK_SECONDS 900
#define THROTTLE_FORGET_SECONDS 3600
#define THROTTLE_MAX_WAIT 60

/* === passwords and tokens === */

int account_password_hash(const char *password, char *out, size_t out_size)
{
	if (sodium_init() < 0 || out_size < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, password, strlen(password),
				 crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

int account_password_verify(const char *hash, const char *password)
{
	if (sodium_init() < 0)
		return 0;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int account_token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b) || n == 0)
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
	if (account_password_hash("civicare-dummy-password", dummy_hash,
				  sizeof(dummy_hash)) < 0)
		dummy_hash[0] = '\0';
}

static void random_token(char out[ACCOUNT_TOKEN_CHARS])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, ACCOUNT_TOKEN_CHARS, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void token_hash(const char *token, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
			   strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* === creating and listing users === */

static int check_username(const char *u, struct err *e)
{
	size_t n = u ? strlen(u) : 0;
	if (n < 3 || n > LIMIT_USERNAME_BYTES - 1)
		return err_set(e, ERR_INVALID, "username", "length",
			       "用户名应为3至63个字符", "username must be 3 to 63 characters");
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return err_set(e, ERR_INVALID, "username", "format",
				       "用户名只能包含小写字母、数字和 _ . -",
				       "username may contain only a-z, 0-9, _ . -");
	}
	return 0;
}

static int check_password(const char *p, struct err *e)
{
	size_t n = p ? strlen(p) : 0;
	if (n < LIMIT_PASSWORD_MIN || n > LIMIT_PASSWORD_BYTES)
		return err_setf(e, ERR_INVALID, "password", "length",
				"密码长度应为 %d 至 %d 个字符",
				"password must be %d to %d characters",
				LIMIT_PASSWORD_MIN, LIMIT_PASSWORD_BYTES);
	return 0;
}

static int check_department(enum role role, const char *dep, struct err *e)
{
	if (!dep || !*dep) {
		if (role == ROLE_REVIEWER)
			return err_set(e, ERR_INVALID, "department", "required",
				       "部门审核员必须指定部门", "a reviewer needs a department");
		return 0;
	}
	for (size_t i = 0; departments[i]; i++)
		if (strcmp(dep, departments[i]) == 0)
			return 0;
	return err_set(e, ERR_INVALID, "department", "enum", "未知的部门",
		       "unknown department");
}

static int check_region(struct store *s, const struct actor *a,
			const char *region, struct err *e)
{
	int rc = division_check(region, "region_code", e);
	if (rc < 0)
		return rc;
	if ((rc = divisions_exists(s, region, e)) < 0)
		return rc;
	if (rc == 0)
		return err_setf(e, ERR_INVALID, "region_code", "unknown_division",
				"区划 %s 不存在", "division %s does not exist", region);
	return perm_require_target(a, region, "region_code", e);
}

static int check_account(struct store *s, const struct actor *a,
			 const struct account_input *in, enum role *role,
			 struct err *e)
{
	int rc;
	if ((rc = check_username(in->username, e)) < 0)
		return rc;
	if (!in->display_name || !*in->display_name ||
	    strlen(in->display_name) >= LIMIT_NAME_BYTES)
		return err_set(e, ERR_INVALID, "display_name", "length",
			       "显示名称必填，且不超过95字节",
			       "display_name is required, at most 95 bytes");
	if (perm_role_parse(in->role, role) < 0)
		return err_set(e, ERR_INVALID, "role", "enum",
			       "角色应为 courier, assistant, commander, reviewer, admin, inspector, eldercare 之一",
			       "role must be one of courier, assistant, commander, reviewer, admin, inspector, eldercare");
	if ((rc = check_department(*role, in->department, e)) < 0)
		return rc;
	if ((rc = check_password(in->password, e)) < 0)
		return rc;
	return check_region(s, a, in->region_code, e);
}

static int existing_user(struct store *s, const char *username, int64_t *id,
			 struct err *e)
{
	int rc = store_int64(s, id, e, "SELECT id FROM users WHERE username = $1",
			     "s", username);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		*id = 0;
		return 0;
	}
	return rc;
}

static int insert_user(struct store *s, const struct account_input *in,
		       const char *hash, int64_t *id, struct err *e)
{
	char now[21];
	clock_format_utc(clock_now(), now);
	return store_int64(s, id, e,
		"INSERT INTO users (username, display_name, role, department,"
		" region_code, password_hash, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
		"sssssss", in->username, in->display_name, in->role,
		in->department && *in->department ? in->department : NULL,
		in->region_code, hash, now);
}

int account_create(struct store *s, const struct actor *a,
		   const struct account_input *in, int64_t *id, struct err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	enum role role;
	int64_t existing;
	int rc;

	if ((rc = perm_require(a, PERM_USER_WRITE, e)) < 0 ||
	    (rc = check_account(s, a, in, &role, e)) < 0)
		return rc;
	if (account_password_hash(in->password, hash, sizeof(hash)) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "hash", "密码处理失败",
			       "could not hash the password");
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = existing_user(s, in->username, &existing, e)) < 0)
		goto fail;
	if (existing) {
		rc = err_set(e, ERR_CONFLICT, "username", "duplicate",
			     "用户名已存在", "username already exists");
		e->existing_id = existing;
		goto fail;
	}
	if ((rc = insert_user(s, in, hash, id, e)) < 0)
		goto fail;
	json_t *detail = json_pack("{s:s, s:s, s:s}", "username", in->username,
				   "role", in->role, "region_code", in->region_code);
	rc = audit_append(s, a, "user.create", "user", *id, in->region_code,
			  detail, e);
	json_decref(detail);
	if (rc < 0)
		goto fail;
	return store_commit(s, e);
fail:
	store_rollback(s);
	return rc;
}

int account_reset_password(struct store *s, const struct actor *a,
			   const char *username, const char *password,
			   struct err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	struct store_stmt *st = NULL;
	char region[13] = "";
	int64_t id = 0;
	int rc;

	if ((rc = perm_require(a, PERM_USER_WRITE, e)) < 0 ||
	    (rc = check_password(password, e)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e,
			      "SELECT id, region_code FROM users WHERE username = $1",
			      "s", username)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		id = store_col_int64(st, 0);
		snprintf(region, sizeof(region), "%s", store_col_text(st, 1));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!id || (rc = perm_require_region(a, region, e)) < 0)
		return err_set(e, ERR_NOT_FOUND, "username", "not_found",
			       "用户不存在或不在您的辖区内", "no such user in your region");
	if (account_password_hash(password, hash, sizeof(hash)) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "hash", "密码处理失败",
			       "could not hash the password");
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	char now[21];
	clock_format_utc(clock_now(), now);
	if ((rc = store_execv(s, e, "UPDATE users SET password_hash = $1,"
			      " updated_at = $2 WHERE id = $3", "ssi", hash, now, id)) < 0 ||
	    (rc = store_execv(s, e, "DELETE FROM sessions WHERE user_id = $1",
			      "i", id)) < 0 ||
	    /* A new password also lifts a lock on the account. */
	    (rc = store_execv(s, e, "DELETE FROM login_throttle WHERE key = 'user:' || $1",
			      "s", username)) < 0 ||
	    (rc = audit_append(s, a, "user.reset_password", "user", id, region,
			       NULL, e)) < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

static json_t *user_json(struct store_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}",
		"id", (json_int_t)store_col_int64(st, 0),
		"username", store_col_text(st, 1),
		"display_name", store_col_text(st, 2),
		"role", store_col_text(st, 3),
		"region_code", store_col_text(st, 5),
		"active", (int)store_col_int64(st, 6));
	json_object_set_new(o, "department", store_col_is_null(st, 4) ? json_null()
			    : json_string(store_col_text(st, 4)));
	return o;
}

int account_list(struct store *s, const struct actor *a, int64_t page,
		 int64_t per_page, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *items;
	int64_t total;
	int rc;

	if ((rc = perm_require(a, PERM_USER_READ, e)) < 0)
		return rc;
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM users"
			      " WHERE substr(region_code, 1, length($1)) = $1",
			      "s", a->region)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e,
		"SELECT id, username, display_name, role, department, region_code,"
		" active FROM users WHERE substr(region_code, 1, length($1)) = $1"
		" ORDER BY id LIMIT $2 OFFSET $3", "sii", a->region, per_page,
		(page - 1) * per_page)) < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, user_json(st));
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total",
			 (json_int_t)total, "page", (json_int_t)page,
			 "per_page", (json_int_t)per_page);
	return 0;
}

/* === throttling === */

static void throttle_key(const struct throttle_rule *r, const char *who,
			 char *out, size_t n)
{
	snprintf(out, n, "%s%s", r->prefix, who ? who : "");
}

/* 0 when an attempt may be made now; ERR_RATE_LIMITED otherwise. */
static int throttle_check(struct store *s, const struct throttle_rule *r,
			  const char *who, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t failures = 0, last = 0, locked = 0, now = clock_now();
	char key[160];
	int rc;

	throttle_key(r, who, key, sizeof(key));
	if ((rc = store_query(s, &st, e, "SELECT failures, last_failure,"
			      " locked_until FROM login_throttle WHERE key = $1",
			      "s", key)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		failures = store_col_int64(st, 0);
		last = store_col_int64(st, 1);
		locked = store_col_int64(st, 2);
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (locked > now) {
		rc = err_setf(e, ERR_RATE_LIMITED, NULL, "locked",
				"登录失败次数过多，已锁定，请 %" PRId64 " 秒后再试",
				"too many failed logins: locked, try again in %" PRId64 " s",
				locked - now);
		e->retry_after = locked - now;
		return rc;
	}
	if (now - last > THROTTLE_FORGET_SECONDS || failures < r->slow_from)
		return 0;
	int64_t shift = failures - r->slow_from;
	int64_t wait = shift >= 6 ? THROTTLE_MAX_WAIT : ((int64_t)1 << shift);
	if (now < last + wait) {
		rc = err_setf(e, ERR_RATE_LIMITED, NULL, "slow_down",
			      "登录失败次数过多，请 %" PRId64 " 秒后再试",
			      "too many failed logins: try again in %" PRId64 " s",
			      last + wait - now);
		e->retry_after = last + wait - now;
		return rc;
	}
	return 0;
}

static void throttle_fail(struct store *s, const struct throttle_rule *r,
			  const char *who)
{
	struct err ignored;
	int64_t now = clock_now();
	char key[160];

	throttle_key(r, who, key, sizeof(key));
	/* Old counters start again; reaching lock_at locks and restarts. */
	store_execv(s, &ignored,
		"INSERT INTO login_throttle (key, failures, last_failure, locked_until)"
		" VALUES ($1, 1, $2, 0) ON CONFLICT (key) DO UPDATE SET"
		" failures = CASE WHEN $2 - login_throttle.last_failure > $3 THEN 1"
		"            WHEN login_throttle.failures + 1 >= $4 THEN 0"
		"            ELSE login_throttle.failures + 1 END,"
		" locked_until = CASE WHEN $2 - login_throttle.last_failure <= $3"
		"            AND login_throttle.failures + 1 >= $4 THEN $2 + $5"
		"            ELSE login_throttle.locked_until END,"
		" last_failure = $2",
		"siiii", key, now, (int64_t)THROTTLE_FORGET_SECONDS, r->lock_at,
		(int64_t)THROTTLE_LOCK_SECONDS);
}

/* === sessions === */

struct user_row {
	int64_t id;
	int active;
	char hash[crypto_pwhash_STRBYTES];
	struct actor actor;
};

static int load_user(struct store *s, const char *username, struct user_row *u,
		     struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e,
		"SELECT id, password_hash, role, region_code, department, active,"
		" display_name FROM users WHERE username = $1", "s", username);
	if (rc < 0)
		return rc;
	memset(u, 0, sizeof(*u));
	if ((rc = store_step(st, e)) == STORE_ROW) {
		u->id = store_col_int64(st, 0);
		snprintf(u->hash, sizeof(u->hash), "%s", store_col_text(st, 1));
		if (perm_role_parse(store_col_text(st, 2), &u->actor.role) < 0)
			u->id = 0; /* a role this binary does not know: no login */
		snprintf(u->actor.region, sizeof(u->actor.region), "%s",
			 store_col_text(st, 3));
		snprintf(u->actor.department, sizeof(u->actor.department), "%s",
			 store_col_text(st, 4));
		u->active = (int)store_col_int64(st, 5);
		snprintf(u->actor.display_name, sizeof(u->actor.display_name), "%s",
			 store_col_text(st, 6));
		u->actor.user_id = u->id;
		snprintf(u->actor.username, sizeof(u->actor.username), "%s", username);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int open_session(struct store *s, const struct user_row *u,
			enum session_kind kind, int64_t hours, const char *ip,
			struct session_tokens *out, struct err *e)
{
	char th[65], now[21];
	int64_t t = clock_now();

	random_token(out->token);
	if (kind == SESSION_COOKIE)
		random_token(out->csrf);
	else
		out->csrf[0] = '\0';
	out->expires_at = t + hours * 3600;
	out->actor = u->actor;
	snprintf(out->actor.ip, sizeof(out->actor.ip), "%s", ip ? ip : "");
	token_hash(out->token, th);
	clock_format_utc(t, now);
	return store_execv(s, e,
		"INSERT INTO sessions (token_hash, user_id, kind, csrf_token,"
		" created_at, expires_at, ip) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		"sisssis", th, u->id, kind == SESSION_COOKIE ? "cookie" : "bearer",
		out->csrf, now, out->expires_at, ip ? ip : "");
}

static int login_failed(struct store *s, const char *username, const char *ip,
			struct err *e)
{
	struct actor anon;
	json_t *detail = json_pack("{s:s}", "ip", ip ? ip : "");

	throttle_fail(s, &throttle_user, username);
	throttle_fail(s, &throttle_ip, ip);
	perm_system_actor(&anon, "500231");
	snprintf(anon.username, sizeof(anon.username), "%s", username);
	audit_append(s, &anon, "auth.login_failed", "user", 0, "500231", detail, e);
	json_decref(detail);
	return err_set(e, ERR_UNAUTHORIZED, NULL, "credentials",
		       "用户名或密码错误", "wrong user name or password");
}

int account_login(struct store *s, const char *username, const char *password,
		  const char *ip, enum session_kind kind, int64_t hours,
		  struct session_tokens *out, struct err *e)
{
	struct user_row u;
	int rc, ok;

	if (!username || !*username || strlen(username) >= LIMIT_USERNAME_BYTES)
		return err_set(e, ERR_INVALID, "username", "required",
			       "请输入用户名", "username is required");
	if (!password || !*password || strlen(password) > LIMIT_PASSWORD_BYTES)
		return err_set(e, ERR_INVALID, "password", "required",
			       "请输入密码", "password is required");
	if ((rc = throttle_check(s, &throttle_user, username, e)) < 0 ||
	    (rc = throttle_check(s, &throttle_ip, ip, e)) < 0 ||
	    (rc = load_user(s, username, &u, e)) < 0)
		return rc;
	pthread_once(&dummy_once, dummy_init);
	ok = account_password_verify(u.id ? u.hash : dummy_hash, password);
	if (!ok || !u.id || !u.active)
		return login_failed(s, username, ip, e);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	char key[160];
	throttle_key(&throttle_user, username, key, sizeof(key));
	json_t *detail = json_pack("{s:s, s:s}", "ip", ip ? ip : "", "kind",
				   kind == SESSION_COOKIE ? "cookie" : "bearer");
	if ((rc = store_execv(s, e, "DELETE FROM login_throttle WHERE key = $1",
			      "s", key)) < 0 ||
	    (rc = open_session(s, &u, kind, hours, ip, out, e)) < 0 ||
	    (rc = audit_append(s, &u.actor, "auth.login", "user", u.id,
			       u.actor.region, detail, e)) < 0) {
		json_decref(detail);
		goto fail;
	}
	json_decref(detail);
	return store_commit(s, e);
fail:
	store_rollback(s);
	return rc;
}

int account_session(struct store *s, const char *token, struct actor *actor,
		    enum session_kind *kind, char *csrf, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t expires = 0;
	int rc, found = 0;
	char th[65];

	if (!token || strlen(token) != ACCOUNT_TOKEN_CHARS - 1)
		goto unknown;
	token_hash(token, th);
	rc = store_query(s, &st, e,
		"SELECT u.id, u.username, u.role, u.region_code, u.department,"
		" s.kind, s.csrf_token, s.expires_at, u.display_name FROM sessions s"
		" JOIN users u ON u.id = s.user_id"
		" WHERE s.token_hash = $1 AND u.active = 1", "s", th);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		memset(actor, 0, sizeof(*actor));
		actor->user_id = store_col_int64(st, 0);
		snprintf(actor->username, sizeof(actor->username), "%s", store_col_text(st, 1));
		found = perm_role_parse(store_col_text(st, 2), &actor->role) == 0;
		snprintf(actor->region, sizeof(actor->region), "%s", store_col_text(st, 3));
		snprintf(actor->department, sizeof(actor->department), "%s", store_col_text(st, 4));
		*kind = strcmp(store_col_text(st, 5), "cookie") == 0 ? SESSION_COOKIE
								      : SESSION_BEARER;
		if (csrf)
			snprintf(csrf, ACCOUNT_TOKEN_CHARS, "%s", store_col_text(st, 6));
		expires = store_col_int64(st, 7);
		snprintf(actor->display_name, sizeof(actor->display_name), "%s",
			 store_col_text(st, 8));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (found && expires > clock_now())
		return 0;
unknown:
	return err_set(e, ERR_UNAUTHORIZED, NULL, "session",
		       "未登录或登录已过期", "not signed in, or the session expired");
}

int account_logout(struct store *s, const char *token, struct err *e)
{
	char th[65];
	if (!token)
		return 0;
	token_hash(token, th);
	return store_execv(s, e, "DELETE FROM sessions WHERE token_hash = $1", "s", th);
}

int account_get(struct store *s, const struct actor *a, int64_t id,
		json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if ((rc = perm_require(a, PERM_USER_READ, e)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e,
		"SELECT id, username, display_name, role, department, region_code,"
		" active FROM users WHERE id = $1", "i", id)) < 0)
		return rc;
	*out = NULL;
	if ((rc = store_step(st, e)) == STORE_ROW)
		*out = user_json(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	const char *region = *out ? json_string_value(json_object_get(*out, "region_code")) : NULL;
	if ((rc = perm_require_region(a, region, e)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
