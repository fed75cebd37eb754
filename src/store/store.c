/*
 * store.c - the driver-independent half of the store.
 *
 * Everything here goes through s->ops, so the same code serves SQLite and
 * (later) PostgreSQL.  The file has four parts:
 *
 *   connections   store_open picks the driver from the URI.
 *   statements    store_query binds parameters from a string of type
 *                 letters; store_execv / store_int64 are the one-line forms.
 *   transactions  nesting by counting: only the outermost begin/commit
 *                 reaches the driver.  A rollback at any depth rolls back the
 *                 whole transaction (neither driver has cheap nested
 *                 transactions we want to rely on), and the connection then
 *                 refuses statements until the outermost level has ended, so
 *                 that work the outer code does after the inner failure is
 *                 not silently autocommitted.
 *   migrations, backup and the pool of connections.
 *
 * Statements: store_step(st) gets no store argument, so every driver's
 * struct store_stmt must begin with a `struct store *` member (the store
 * that prepared it); stmt_store() reads it.  C allows reading the first
 * member through a pointer to the struct (C17 6.7.2.1p15).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "migrations.h"
#include "../core/clock.h"
#include "../core/banned.h"

/* === connections === */

static int uri_is_postgresql(const char *uri)
{
	return strncmp(uri, "postgresql://", 13) == 0 ||
	       strncmp(uri, "postgres://", 11) == 0;
}

int store_open(const char *uri, struct store **out, struct err *e)
{
	struct store *s = NULL;
	int rc;

	*out = NULL;
	if (!uri || !*uri)
		return err_set(e, ERR_INVALID, "db", "required",
			       "未指定数据库", "no database was given");
	if (uri_is_postgresql(uri))
		return err_set(e, ERR_INVALID, "db", "driver",
			       "本程序尚未内置 PostgreSQL 驱动",
			       "the PostgreSQL driver is not built in yet");
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, ERR_INTERNAL, NULL, "store", "内存不足",
			       "out of memory");
	s->ops = &store_sqlite_ops;
	rc = s->ops->open(s, uri, e);
	if (rc < 0) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	/* An open transaction is abandoned, never committed by closing. */
	if (s->in_tx > 0 && !s->tx_failed)
		s->ops->rollback(s);
	s->ops->close(s);
	free(s);
}

/* === statements === */

static struct store *stmt_store(struct store_stmt *st)
{
	return *(struct store **)(void *)st;
}

static int rolled_back_error(struct err *e)
{
	return err_set(e, ERR_INTERNAL, NULL, "rolled_back",
		       "事务已被回滚，所做的修改均未保存",
		       "the transaction was rolled back; nothing in it was saved");
}

/* Refuse work on a connection whose transaction an inner level rolled back. */
static int check_not_rolled_back(struct store *s, struct err *e)
{
	return s->tx_failed ? rolled_back_error(e) : 0;
}

static int bind_one(const struct store_ops *ops, struct store_stmt *st,
		    int idx, char type, va_list *ap)
{
	const char *text;
	const void *blob;
	size_t len;

	switch (type) {
	case 's':
		text = va_arg(*ap, const char *);
		return text ? ops->bind_text(st, idx, text, strlen(text))
			    : ops->bind_null(st, idx);
	case 'i':
		return ops->bind_int64(st, idx, va_arg(*ap, int64_t));
	case 'n':
		return ops->bind_null(st, idx);
	case 'b':
		blob = va_arg(*ap, const void *);
		len = va_arg(*ap, size_t);
		return ops->bind_blob(st, idx, blob, len);
	default:
		return ERR_INVALID;
	}
}

static int bind_all(struct store *s, struct store_stmt *st, const char *types,
		    va_list *ap, struct err *e)
{
	for (int i = 0; types && types[i]; i++) {
		if (bind_one(s->ops, st, i + 1, types[i], ap) < 0)
			return err_setf(e, ERR_INTERNAL, NULL, "store",
					"无法绑定参数 $%d（类型 '%c'）",
					"cannot bind parameter $%d (type '%c')",
					i + 1, types[i]);
	}
	return 0;
}

static int vquery(struct store *s, struct store_stmt **out, struct err *e,
		  const char *sql, const char *types, va_list *ap)
{
	struct store_stmt *st = NULL;
	int rc;

	*out = NULL;
	rc = check_not_rolled_back(s, e);
	if (rc < 0)
		return rc;
	rc = s->ops->prepare(s, sql, &st, e);
	if (rc < 0)
		return rc;
	rc = bind_all(s, st, types, ap, e);
	if (rc < 0) {
		s->ops->finalize(st);
		return rc;
	}
	*out = st;
	return 0;
}

int store_query(struct store *s, struct store_stmt **out, struct err *e,
		const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vquery(s, out, e, sql, types, &ap);
	va_end(ap);
	return rc;
}

int store_rebind(struct store *s, struct store_stmt *st, struct err *e,
		 const char *types, ...)
{
	va_list ap;
	int rc;

	s->ops->reset(st);
	va_start(ap, types);
	rc = bind_all(s, st, types, &ap, e);
	va_end(ap);
	return rc;
}

/* Step to the end so every row of e.g. "UPDATE ... RETURNING" is done. */
static int step_to_done(struct store_stmt *st, struct err *e)
{
	int rc;

	while ((rc = store_step(st, e)) == STORE_ROW)
		;
	return rc;
}

int store_execv(struct store *s, struct err *e, const char *sql,
		const char *types, ...)
{
	struct store_stmt *st = NULL;
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vquery(s, &st, e, sql, types, &ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	rc = step_to_done(st, e);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int store_int64(struct store *s, int64_t *out, struct err *e, const char *sql,
		const char *types, ...)
{
	struct store_stmt *st = NULL;
	int64_t value;
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vquery(s, &st, e, sql, types, &ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, NULL, "no_row", "查询没有结果",
			     "the query returned no row");
		goto cleanup;
	}
	if (rc < 0)
		goto cleanup;
	value = store_col_int64(st, 0);
	rc = step_to_done(st, e);
	if (rc == STORE_DONE)
		*out = value; /* unchanged on failure */
cleanup:
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int store_step(struct store_stmt *st, struct err *e)
{
	return stmt_store(st)->ops->step(st, e);
}

int64_t store_col_int64(struct store_stmt *st, int col)
{
	return stmt_store(st)->ops->column_int64(st, col);
}

const char *store_col_text(struct store_stmt *st, int col)
{
	return stmt_store(st)->ops->column_text(st, col);
}

int store_col_is_null(struct store_stmt *st, int col)
{
	return stmt_store(st)->ops->column_is_null(st, col);
}

void store_finalize(struct store_stmt *st)
{
	if (st)
		stmt_store(st)->ops->finalize(st);
}

int64_t store_changes(struct store *s)
{
	return s->ops->changes(s);
}

int store_exec(struct store *s, const char *sql, struct err *e)
{
	int rc = check_not_rolled_back(s, e);

	return rc < 0 ? rc : s->ops->exec(s, sql, e);
}

/* === transactions === */

int store_begin(struct store *s, struct err *e)
{
	int rc;

	if (s->in_tx > 0) {
		rc = check_not_rolled_back(s, e);
		if (rc < 0)
			return rc;
		s->in_tx++;
		return 0;
	}
	rc = s->ops->begin(s, e);
	if (rc < 0)
		return rc;
	s->in_tx = 1;
	s->tx_failed = 0;
	return 0;
}

/* Leave one level; the marker of a rollback lives until the outermost. */
static void leave_level(struct store *s)
{
	s->in_tx--;
	if (s->in_tx == 0)
		s->tx_failed = 0;
}

/*
 * Commit one level.  Inner levels only count down.  If any level was rolled
 * back, every commit up to and including the outermost fails with
 * ERR_INTERNAL rule "rolled_back": the caller must not believe its work was
 * saved.  A failed outermost COMMIT is rolled back so the connection is
 * clean again.
 */
int store_commit(struct store *s, struct err *e)
{
	int rc;

	if (s->in_tx <= 0)
		return err_set(e, ERR_INTERNAL, NULL, "no_tx",
			       "没有进行中的事务", "no transaction is open");
	if (s->tx_failed) {
		leave_level(s);
		return rolled_back_error(e);
	}
	if (s->in_tx > 1) {
		s->in_tx--;
		return 0;
	}
	rc = s->ops->commit(s, e);
	if (rc < 0)
		s->ops->rollback(s);
	s->in_tx = 0;
	s->tx_failed = 0;
	return rc;
}

/*
 * Roll back at any depth: the whole transaction is undone at once, and the
 * outer levels' commits will fail (see store_commit).
 */
void store_rollback(struct store *s)
{
	if (s->in_tx <= 0)
		return;
	if (!s->tx_failed) {
		s->ops->rollback(s);
		s->tx_failed = 1;
	}
	leave_level(s);
}

/* === migrations === */

/*
 * The table is created when missing by both store_migrate and
 * store_schema_version: a plain CREATE ... IF NOT EXISTS works on both
 * drivers, where asking whether it exists would need each one's catalogue.
 */
static const char create_schema_migrations[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	"  version INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  applied_at TEXT NOT NULL"
	")";

int store_schema_known(void)
{
	int known = 0;

	for (size_t i = 0; i < store_migrations_count; i++)
		if (store_migrations[i].version > known)
			known = store_migrations[i].version;
	return known;
}

static int read_version(struct store *s, int *version, struct err *e)
{
	int64_t v = 0;
	int rc = store_int64(s, &v, e,
			     "SELECT coalesce(max(version), 0) FROM schema_migrations",
			     "");

	if (rc < 0)
		return rc;
	*version = (int)v;
	return 0;
}

int store_schema_version(struct store *s, int *version, struct err *e)
{
	int rc = store_exec(s, create_schema_migrations, e);

	return rc < 0 ? rc : read_version(s, version, e);
}

/*
 * Apply one migration in its own transaction.  The version is read again
 * inside the (write-locked) transaction so that two processes migrating at
 * once do not both apply it: *done is 1 only if this call applied it.
 */
static int apply_one(struct store *s, const struct migration *m, int *done,
		     struct err *e)
{
	char now[21];
	int current = 0;
	int rc;

	*done = 0;
	rc = store_begin(s, e);
	if (rc < 0)
		return rc;
	rc = read_version(s, &current, e);
	if (rc < 0 || current >= m->version)
		goto cleanup;
	rc = store_exec(s, m->sql, e);
	if (rc < 0)
		goto cleanup;
	clock_format_utc(clock_now(), now);
	rc = store_execv(s, e,
			 "INSERT INTO schema_migrations (version, name, applied_at)"
			 " VALUES ($1, $2, $3)",
			 "iss", (int64_t)m->version, m->name, now);
	if (rc < 0)
		goto cleanup;
	rc = store_commit(s, e);
	*done = rc == 0;
	return rc;
cleanup:
	store_rollback(s);
	return rc;
}

int store_migrate(struct store *s, int *applied, struct err *e)
{
	int known = store_schema_known();
	int version = 0, count = 0, done;
	int rc;

	if (applied)
		*applied = 0;
	rc = store_schema_version(s, &version, e);
	if (rc < 0)
		return rc;
	if (version > known)
		return err_setf(e, ERR_SCHEMA, NULL, "schema_newer",
				"数据库架构版本 %d 高于本程序支持的 %d",
				"database schema %d is newer than this program's %d",
				version, known);
	for (size_t i = 0; i < store_migrations_count; i++) {
		if (store_migrations[i].version <= version)
			continue;
		rc = apply_one(s, &store_migrations[i], &done, e);
		if (rc < 0)
			return rc;
		count += done;
	}
	if (applied)
		*applied = count;
	return 0;
}

/* === backup === */

int store_backup(struct store *s, const char *path, struct err *e)
{
	if (!path || !*path)
		return err_set(e, ERR_INVALID, "path", "required",
			       "未指定备份文件", "no backup file was given");
	return s->ops->backup(s, path, e);
}

/* === the pool === */

static void pool_close_idle(struct store_pool *p)
{
	for (size_t i = 0; i < p->n_idle; i++)
		store_close(p->idle[i]);
	p->n_idle = 0;
}

static int pool_fill(struct store_pool *p, struct err *e)
{
	int rc;

	for (size_t i = 0; i < p->size; i++) {
		rc = store_open(p->uri, &p->idle[i], e);
		if (rc < 0)
			return rc;
		p->n_idle++;
	}
	return 0;
}

int store_pool_open(struct store_pool *p, const char *uri, size_t size,
		    struct err *e)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (size == 0)
		return err_set(e, ERR_INVALID, "size", "range",
			       "连接池大小必须大于 0",
			       "the pool needs at least one connection");
	p->idle = calloc(size, sizeof(*p->idle));
	p->uri = uri ? strdup(uri) : NULL;
	if (!p->idle || !p->uri) {
		rc = err_set(e, ERR_INTERNAL, NULL, "store", "内存不足",
			     "out of memory");
		goto cleanup;
	}
	p->size = size;
	rc = pool_fill(p, e);
	if (rc < 0)
		goto cleanup;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->available, NULL);
	return 0;
cleanup:
	pool_close_idle(p);
	free(p->idle);
	free(p->uri);
	memset(p, 0, sizeof(*p));
	return rc;
}

struct store *store_pool_take(struct store_pool *p)
{
	struct store *s;

	pthread_mutex_lock(&p->lock);
	while (p->n_idle == 0)
		pthread_cond_wait(&p->available, &p->lock);
	s = p->idle[--p->n_idle];
	pthread_mutex_unlock(&p->lock);
	return s;
}

void store_pool_give(struct store_pool *p, struct store *s)
{
	/* A request that failed half way must not leave its writes pending
	 * (nor its write lock held) for the next request to commit. */
	if (s->in_tx > 0 && !s->tx_failed)
		s->ops->rollback(s);
	s->in_tx = 0;
	s->tx_failed = 0;

	pthread_mutex_lock(&p->lock);
	if (p->n_idle < p->size) {
		p->idle[p->n_idle++] = s;
		pthread_cond_signal(&p->available);
		s = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	/* More given back than taken: a caller's bug; do not leak it. */
	store_close(s);
}

void store_pool_close(struct store_pool *p)
{
	if (!p->idle)
		return;
	pool_close_idle(p);
	pthread_cond_destroy(&p->available);
	pthread_mutex_destroy(&p->lock);
	free(p->idle);
	free(p->uri);
	memset(p, 0, sizeof(*p));
}
