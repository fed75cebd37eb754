/*
 * store_sqlite.c - the SQLite driver behind struct store_ops.
 *
 * One struct store holds one sqlite3 connection, opened NOMUTEX: the pool
 * guarantees a connection is used by one thread at a time, so SQLite's own
 * per-connection mutex would only cost time.  Every connection runs in WAL
 * mode (readers never block the writer nor each other), with foreign keys
 * enforced and a 10 s busy timeout; writers take the write lock up front
 * (BEGIN IMMEDIATE) so two transactions never deadlock upgrading a read
 * lock.
 *
 * Parameters: the SQL is written with $1, $2 ... which SQLite treats as
 * named parameters, so a number is bound by looking its name up; a number
 * the statement does not use is ignored (the same argument list can serve
 * variants of a query).
 *
 * Errors: extended result codes pick the ERR_* code (see sqlite_error);
 * SQLite's message goes into both languages, since it names the column or
 * constraint at fault.
 *
 * Backup: the online backup API copies the whole database in one step, that
 * is inside one read transaction, so the copy is one consistent snapshot
 * even while other connections keep writing (WAL lets them).  The copy is
 * written beside the target, synced and checked before it takes the name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "../core/banned.h"

/* store.c reads the first member: it must stay the owning store. */
struct store_stmt {
	struct store *store;
	sqlite3_stmt *stmt;
};

enum {
	BUSY_TIMEOUT_MS = 10000,
	BACKUP_RETRY_MS = 50,
	BACKUP_RETRIES = BUSY_TIMEOUT_MS / BACKUP_RETRY_MS,
};

static sqlite3 *db_of(struct store *s)
{
	return s->driver;
}

/* === errors === */

static int sqlite_error(sqlite3 *db, int rc, struct err *e)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return err_setf(e, ERR_CONFLICT, NULL, "unique",
				"记录重复：%s", "duplicate record: %s", msg);
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return err_setf(e, ERR_INVALID, NULL, "constraint",
				"数据不符合约束：%s", "constraint failed: %s", msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_setf(e, ERR_UNAVAILABLE, NULL, "busy",
				"数据库繁忙，请稍后重试（%s）",
				"the database is busy; try again (%s)", msg);
	default:
		return err_setf(e, ERR_INTERNAL, NULL, "store",
				"数据库错误：%s", "database error: %s", msg);
	}
}

/* === connections === */

static const char connection_setup[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA foreign_keys=ON;"
	"PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;";

static int sqlite_open(struct store *s, const char *uri, struct err *e)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(uri, &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = err_setf(e, ERR_INTERNAL, "db", "store",
			      "无法打开数据库 %s：%s", "cannot open database %s: %s",
			      uri, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto cleanup;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(db, connection_setup, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sqlite_error(db, rc, e);
		goto cleanup;
	}
	s->driver = db;
	return 0;
cleanup:
	sqlite3_close(db);
	return rc;
}

static void sqlite_close(struct store *s)
{
	/* _v2: statements a caller forgot to finalize do not keep it open. */
	sqlite3_close_v2(db_of(s));
	s->driver = NULL;
}

static int sqlite_exec(struct store *s, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(db_of(s), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_error(db_of(s), rc, e);
}

static int64_t sqlite_changes(struct store *s)
{
	return sqlite3_changes64(db_of(s));
}

/* === statements === */

/* Only whitespace and semicolons may follow the statement: text after it
 * would otherwise be dropped without a word. */
static int tail_is_empty(const char *tail)
{
	for (; tail && *tail; tail++)
		if (!strchr(" \t\r\n;", *tail))
			return 0;
	return 1;
}

static int sqlite_prepare(struct store *s, const char *sql,
			  struct store_stmt **out, struct err *e)
{
	struct store_stmt *st = NULL;
	sqlite3_stmt *stmt = NULL;
	const char *tail = NULL;
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v2(db_of(s), sql, -1, &stmt, &tail);
	if (rc != SQLITE_OK)
		return sqlite_error(db_of(s), rc, e);
	if (!stmt || !tail_is_empty(tail)) {
		rc = err_set(e, ERR_INTERNAL, NULL, "store",
			     "一次只能准备一条语句",
			     "exactly one SQL statement must be prepared");
		goto cleanup;
	}
	st = malloc(sizeof(*st));
	if (!st) {
		rc = err_set(e, ERR_INTERNAL, NULL, "store", "内存不足",
			     "out of memory");
		goto cleanup;
	}
	st->store = s;
	st->stmt = stmt;
	*out = st;
	return 0;
cleanup:
	sqlite3_finalize(stmt);
	return rc;
}

/* The SQLite index of $idx, 0 when the statement does not use it. */
static int param_index(struct store_stmt *st, int idx)
{
	char name[16];

	snprintf(name, sizeof(name), "$%d", idx);
	return sqlite3_bind_parameter_index(st->stmt, name);
}

static int bind_result(int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	return rc == SQLITE_TOOBIG ? ERR_TOO_LARGE : ERR_INTERNAL;
}

static int sqlite_bind_text(struct store_stmt *st, int idx, const char *v,
			    size_t len)
{
	int i = param_index(st, idx);

	if (i == 0)
		return 0;
	return bind_result(sqlite3_bind_text64(st->stmt, i, v, len,
					       SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int sqlite_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
	int i = param_index(st, idx);

	return i == 0 ? 0 : bind_result(sqlite3_bind_int64(st->stmt, i, v));
}

static int sqlite_bind_null(struct store_stmt *st, int idx)
{
	int i = param_index(st, idx);

	return i == 0 ? 0 : bind_result(sqlite3_bind_null(st->stmt, i));
}

static int sqlite_bind_blob(struct store_stmt *st, int idx, const void *v,
			    size_t len)
{
	int i = param_index(st, idx);

	if (i == 0)
		return 0;
	if (!v)
		return bind_result(sqlite3_bind_null(st->stmt, i));
	return bind_result(sqlite3_bind_blob64(st->stmt, i, v, len,
					       SQLITE_TRANSIENT));
}

static int sqlite_step(struct store_stmt *st, struct err *e)
{
	int rc = sqlite3_step(st->stmt);

	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return STORE_DONE;
	return sqlite_error(db_of(st->store), rc, e);
}

static int sqlite_reset(struct store_stmt *st)
{
	/* reset repeats the last step's error code, already reported then;
	 * clearing the bindings makes a forgotten parameter NULL, not the
	 * previous run's value. */
	sqlite3_reset(st->stmt);
	sqlite3_clear_bindings(st->stmt);
	return 0;
}

static int sqlite_column_count(struct store_stmt *st)
{
	return sqlite3_column_count(st->stmt);
}

static int sqlite_column_is_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(st->stmt, col) == SQLITE_NULL;
}

static int64_t sqlite_column_int64(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(st->stmt, col);
}

static const char *sqlite_column_text(struct store_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st->stmt, col);

	return v ? (const char *)v : "";
}

static const void *sqlite_column_blob(struct store_stmt *st, int col,
				      size_t *len)
{
	const void *v = sqlite3_column_blob(st->stmt, col);
	int n = sqlite3_column_bytes(st->stmt, col);

	*len = n > 0 ? (size_t)n : 0;
	return v;
}

static void sqlite_finalize(struct store_stmt *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->stmt);
	free(st);
}

/* === transactions === */

static int sqlite_begin(struct store *s, struct err *e)
{
	return sqlite_exec(s, "BEGIN IMMEDIATE", e);
}

static int sqlite_commit(struct store *s, struct err *e)
{
	return sqlite_exec(s, "COMMIT", e);
}

static int sqlite_rollback(struct store *s)
{
	/* Some errors (I/O, full disk) end the transaction by themselves;
	 * then there is nothing left to roll back. */
	if (sqlite3_get_autocommit(db_of(s)))
		return 0;
	return sqlite3_exec(db_of(s), "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK
		       ? 0 : ERR_INTERNAL;
}

/* === backup === */

static void remove_partial(const char *partial)
{
	char side[PATH_MAX + 16];
	static const char *const suffixes[] = { "-journal", "-wal", "-shm" };

	unlink(partial);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", partial, suffixes[i]);
		unlink(side);
	}
}

/* Copy src into the new file dst_path in one step (one snapshot). */
static int copy_database(sqlite3 *src, const char *dst_path, struct err *e)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	int rc, finish, tries = 0;

	rc = sqlite3_open_v2(dst_path, &dst,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		goto cleanup;
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		rc = sqlite3_extended_errcode(dst);
		goto cleanup;
	}
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(BACKUP_RETRY_MS);
	} while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		 ++tries < BACKUP_RETRIES);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	finish = sqlite3_backup_finish(b);
	if (rc == SQLITE_OK)
		rc = finish;
cleanup:
	if (rc != SQLITE_OK)
		rc = sqlite_error(dst, rc, e);
	sqlite3_close(dst);
	return rc;
}

static int sync_file(const char *path, struct err *e)
{
	int fd = open(path, O_RDONLY);
	int rc = 0;

	if (fd < 0 || fsync(fd) != 0)
		rc = err_setf(e, ERR_INTERNAL, "path", "store",
			      "无法写入备份 %s：%s", "cannot sync backup %s: %s",
			      path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Make the rename itself durable.  Best effort: some file systems refuse
 * to sync a directory, and the backup is complete either way. */
static void sync_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The copy must pass PRAGMA integrity_check ("ok" as the only row). */
static int check_copy(const char *path, struct err *e)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	const char *result = "";
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt,
					NULL);
	if (rc != SQLITE_OK) {
		rc = sqlite_error(db, rc, e);
		goto cleanup;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		result = (const char *)sqlite3_column_text(stmt, 0);
	if (rc != SQLITE_ROW || strcmp(result, "ok") != 0) {
		rc = err_setf(e, ERR_INTERNAL, "path", "integrity",
			      "备份未通过完整性检查：%s",
			      "the backup failed its integrity check: %s",
			      rc == SQLITE_ROW ? result : sqlite3_errmsg(db));
		goto cleanup;
	}
	rc = 0;
cleanup:
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return rc;
}

static int sqlite_backup(struct store *s, const char *path, struct err *e)
{
	char partial[PATH_MAX + 16];
	struct stat sb;
	int rc;

	if (strlen(path) >= PATH_MAX)
		return err_set(e, ERR_INVALID, "path", "too_long",
			       "备份路径太长", "the backup path is too long");
	if (lstat(path, &sb) == 0)
		return err_setf(e, ERR_CONFLICT, "path", "exists",
				"备份文件 %s 已存在，不会覆盖",
				"the backup file %s exists; it is not overwritten",
				path);
	snprintf(partial, sizeof(partial), "%s.partial", path);
	remove_partial(partial); /* left by a backup that was interrupted */

	rc = copy_database(db_of(s), partial, e);
	if (rc == 0)
		rc = sync_file(partial, e);
	if (rc == 0)
		rc = check_copy(partial, e);
	if (rc == 0 && rename(partial, path) != 0)
		rc = err_setf(e, ERR_INTERNAL, "path", "store",
			      "无法保存备份 %s：%s", "cannot save backup %s: %s",
			      path, strerror(errno));
	if (rc < 0)
		remove_partial(partial);
	else
		sync_parent_dir(path);
	return rc;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.prepare = sqlite_prepare,
	.bind_text = sqlite_bind_text,
	.bind_int64 = sqlite_bind_int64,
	.bind_null = sqlite_bind_null,
	.bind_blob = sqlite_bind_blob,
	.step = sqlite_step,
	.reset = sqlite_reset,
	.column_count = sqlite_column_count,
	.column_is_null = sqlite_column_is_null,
	.column_int64 = sqlite_column_int64,
	.column_text = sqlite_column_text,
	.column_blob = sqlite_column_blob,
	.changes = sqlite_changes,
	.finalize = sqlite_finalize,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.backup = sqlite_backup,
};
