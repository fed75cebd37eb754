/*
 * test_store.c - the store layer against real SQLite files.
 *
 * Each test gets a fresh directory (under $CIVICARE_TEST_TMP, else a new
 * mkdtemp one) holding its database, and removes it afterwards.  Threads
 * never call cmocka assertions (they longjmp): they record what they saw
 * and the test asserts it after joining them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/store/store.h"
#include "../../src/store/migrations.h"
#include "../../src/core/banned.h"

/* dir is kept short enough that every file name under it fits a path. */
struct fixture {
	char dir[PATH_MAX / 2];
	char db[PATH_MAX];
	struct store *s;
	struct err e;
};

/* === fixture === */

static int make_test_dir(char *dir, size_t size)
{
	const char *base = getenv("CIVICARE_TEST_TMP");

	if (!base || !*base)
		base = "/tmp";
	snprintf(dir, size, "%s/store-XXXXXX", base);
	return mkdtemp(dir) ? 0 : -1;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || make_test_dir(f->dir, sizeof(f->dir)) != 0)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/civicare.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) != 0)
		return -1;
	*state = f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void path_in(struct fixture *f, const char *name, char *out,
		    size_t size)
{
	snprintf(out, size, "%s/%s", f->dir, name);
}

static int64_t count_rows(struct store *s, const char *table)
{
	char sql[128];
	struct err e;
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(store_int64(s, &n, &e, sql, ""), 0);
	return n;
}

static void query_text(struct store *s, const char *sql, char *out,
		       size_t size)
{
	struct store_stmt *st = NULL;
	struct err e;

	assert_int_equal(store_query(s, &st, &e, sql, ""), 0);
	assert_int_equal(store_step(st, &e), STORE_ROW);
	snprintf(out, size, "%s", store_col_text(st, 0));
	store_finalize(st);
}

static void create_items(struct store *s)
{
	struct err e;

	assert_int_equal(store_exec(s,
		"CREATE TABLE items (id INTEGER PRIMARY KEY,"
		" name TEXT NOT NULL UNIQUE, payload BLOB)", &e), 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* === migrations === */

static void fresh_file_is_migrated_to_known_schema_in_wal_with_foreign_keys(
	void **state)
{
	struct fixture *f = *state;
	int applied = -1, version = -1;
	char mode[16];

	assert_int_equal(store_migrate(f->s, &applied, &f->e), 0);
	assert_int_equal(applied, (int)store_migrations_count);
	assert_int_equal(store_schema_version(f->s, &version, &f->e), 0);
	assert_int_equal(version, store_schema_known());
	assert_true(store_schema_known() >= 1);
	assert_int_equal(count_rows(f->s, "schema_migrations"),
			 (int64_t)store_migrations_count);

	query_text(f->s, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	query_text(f->s, "PRAGMA foreign_keys", mode, sizeof(mode));
	assert_string_equal(mode, "1");
}

static void empty_database_reports_schema_version_zero(void **state)
{
	struct fixture *f = *state;
	int version = -1;

	assert_int_equal(store_schema_version(f->s, &version, &f->e), 0);
	assert_int_equal(version, 0);
}

static void migrating_twice_applies_nothing_the_second_time(void **state)
{
	struct fixture *f = *state;
	int applied = -1;

	assert_int_equal(store_migrate(f->s, &applied, &f->e), 0);
	assert_int_equal(applied, (int)store_migrations_count);
	assert_int_equal(store_migrate(f->s, &applied, &f->e), 0);
	assert_int_equal(applied, 0);

	/* also from a new connection, as a restarted server would */
	store_close(f->s);
	assert_int_equal(store_open(f->db, &f->s, &f->e), 0);
	assert_int_equal(store_migrate(f->s, &applied, &f->e), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(count_rows(f->s, "schema_migrations"),
			 (int64_t)store_migrations_count);
}

static void newer_schema_is_refused_with_schema_newer(void **state)
{
	struct fixture *f = *state;
	int known = store_schema_known();
	int applied = -1;
	char expected[256];

	assert_int_equal(store_migrate(f->s, NULL, &f->e), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO schema_migrations (version, name, applied_at)"
		" VALUES ($1, 'from the future', '2099-01-01T00:00:00Z')",
		"i", (int64_t)known + 1), 0);

	assert_int_equal(store_migrate(f->s, &applied, &f->e), ERR_SCHEMA);
	assert_string_equal(f->e.rule, "schema_newer");
	assert_int_equal(applied, 0);
	snprintf(expected, sizeof(expected),
		 "database schema %d is newer than this program's %d",
		 known + 1, known);
	assert_string_equal(f->e.message_en, expected);
	snprintf(expected, sizeof(expected), "%d", known + 1);
	assert_non_null(strstr(f->e.message, expected));
}

/* === connections === */

static void postgresql_uri_is_refused_until_the_driver_is_built_in(
	void **state)
{
	struct store *pg = (struct store *)1;
	struct err e;

	(void)state;
	assert_int_equal(store_open("postgresql://civicare@localhost/civicare",
				    &pg, &e), ERR_INVALID);
	assert_string_equal(e.rule, "driver");
	assert_null(pg);
	assert_int_equal(store_open("postgres://localhost/x", &pg, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.message_en, "PostgreSQL"));
}

/* === parameters === */

static void parameters_bind_by_number_even_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *st = NULL;

	assert_int_equal(store_query(f->s, &st, &f->e, "SELECT $2 || $1",
				     "ss", "first", "second"), 0);
	assert_int_equal(store_step(st, &f->e), STORE_ROW);
	assert_string_equal(store_col_text(st, 0), "secondfirst");
	store_finalize(st);

	assert_int_equal(store_query(f->s, &st, &f->e,
				     "SELECT $1 || '-' || $1", "s", "x"), 0);
	assert_int_equal(store_step(st, &f->e), STORE_ROW);
	assert_string_equal(store_col_text(st, 0), "x-x");
	store_finalize(st);
}

static void every_parameter_type_binds(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *st = NULL;
	static const unsigned char blob[] = { 0, 1, 2, 0xff };

	assert_int_equal(store_query(f->s, &st, &f->e,
		"SELECT $1 + 1, $2 IS NULL, length($3), hex($3), $4 IS NULL,"
		" $5",
		"inbss", (int64_t)INT64_C(9000000000), blob, sizeof(blob),
		(const char *)NULL, "低保"), 0);
	assert_int_equal(store_step(st, &f->e), STORE_ROW);
	assert_int_equal(store_col_int64(st, 0), INT64_C(9000000001));
	assert_int_equal(store_col_int64(st, 1), 1);
	assert_int_equal(store_col_int64(st, 2), 4);
	assert_string_equal(store_col_text(st, 3), "000102FF");
	assert_int_equal(store_col_int64(st, 4), 1);
	assert_string_equal(store_col_text(st, 5), "低保");
	assert_int_equal(store_step(st, &f->e), STORE_DONE);
	store_finalize(st);
}

/* One statement run per row of a batch: each rebind replaces every value. */
static void a_statement_runs_again_with_new_parameters(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *st = NULL;

	assert_int_equal(store_query(f->s, &st, &f->e, "SELECT $1 * 2, $2", "is",
				     (int64_t)1, "甲"), 0);
	assert_int_equal(store_step(st, &f->e), STORE_ROW);
	assert_int_equal(store_col_int64(st, 0), 2);
	for (int64_t i = 10; i < 13; i++) {
		assert_int_equal(store_rebind(f->s, st, &f->e, "in", i), 0);
		assert_int_equal(store_step(st, &f->e), STORE_ROW);
		assert_int_equal(store_col_int64(st, 0), 2 * i);
		assert_true(store_col_is_null(st, 1));
		assert_int_equal(store_step(st, &f->e), STORE_DONE);
	}
	store_finalize(st);
}

static void null_column_reads_as_empty_text(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *st = NULL;

	assert_int_equal(store_query(f->s, &st, &f->e, "SELECT NULL", ""), 0);
	assert_int_equal(store_step(st, &f->e), STORE_ROW);
	assert_true(store_col_is_null(st, 0));
	assert_string_equal(store_col_text(st, 0), "");
	store_finalize(st);
}

/* === errors === */

static void duplicate_in_unique_column_is_conflict_unique(void **state)
{
	struct fixture *f = *state;

	create_items(f->s);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ($1)", "s", "a"), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ($1)", "s", "a"), ERR_CONFLICT);
	assert_string_equal(f->e.rule, "unique");
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (id, name) VALUES (1, 'b')", ""), ERR_CONFLICT);
	assert_string_equal(f->e.rule, "unique");
	assert_int_equal(count_rows(f->s, "items"), 1);
}

static void foreign_key_violation_is_invalid_constraint(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_exec(f->s,
		"CREATE TABLE parents (id INTEGER PRIMARY KEY);"
		"CREATE TABLE children (id INTEGER PRIMARY KEY,"
		" parent_id INTEGER NOT NULL REFERENCES parents(id));"
		"INSERT INTO parents (id) VALUES (1);", &f->e), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO children (parent_id) VALUES ($1)", "i",
		(int64_t)1), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO children (parent_id) VALUES ($1)", "i",
		(int64_t)2), ERR_INVALID);
	assert_string_equal(f->e.rule, "constraint");
	assert_non_null(strstr(f->e.message_en, "FOREIGN KEY"));
	assert_int_equal(count_rows(f->s, "children"), 1);
}

static void trigger_refusal_is_invalid_with_its_message(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_migrate(f->s, NULL, &f->e), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO audit_log (at, username, action, entity, entity_id,"
		" region_code, detail, prev_hash, hash) VALUES"
		" ('2024-01-01T00:00:00Z', 'u', 'create', 'person', '1',"
		" '500231', '{}', '', 'h')", ""), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"UPDATE audit_log SET detail = $1", "s", "{\"x\":1}"),
		ERR_INVALID);
	assert_string_equal(f->e.rule, "constraint");
	assert_non_null(strstr(f->e.message, "append-only"));
	assert_non_null(strstr(f->e.message_en, "append-only"));
}

static void store_int64_on_no_row_is_not_found(void **state)
{
	struct fixture *f = *state;
	int64_t v = 42;

	create_items(f->s);
	assert_int_equal(store_int64(f->s, &v, &f->e,
		"SELECT id FROM items WHERE name = $1", "s", "nobody"),
		ERR_NOT_FOUND);
	assert_string_equal(f->e.rule, "no_row");
	assert_int_equal(v, 42);
}

static void store_int64_returns_the_new_id(void **state)
{
	struct fixture *f = *state;
	int64_t id = 0;

	create_items(f->s);
	assert_int_equal(store_int64(f->s, &id, &f->e,
		"INSERT INTO items (id, name) VALUES (77, $1) RETURNING id",
		"s", "a"), 0);
	assert_int_equal(id, 77);
	assert_int_equal(count_rows(f->s, "items"), 1);
}

static void two_statements_in_one_query_are_refused(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *st = (struct store_stmt *)1;

	assert_true(store_query(f->s, &st, &f->e,
				"SELECT 1; SELECT 2", "") < 0);
	assert_null(st);
}

/* === transactions === */

static void nested_rollback_undoes_outer_transaction(void **state)
{
	struct fixture *f = *state;

	create_items(f->s);
	assert_int_equal(store_begin(f->s, &f->e), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ('outer')", ""), 0);
	assert_int_equal(store_begin(f->s, &f->e), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ('inner')", ""), 0);
	store_rollback(f->s);

	/* the outer level's later work is refused, not autocommitted */
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ('after')", ""), ERR_INTERNAL);
	assert_string_equal(f->e.rule, "rolled_back");
	assert_int_equal(store_commit(f->s, &f->e), ERR_INTERNAL);
	assert_string_equal(f->e.rule, "rolled_back");
	assert_int_equal(f->s->in_tx, 0);
	assert_int_equal(count_rows(f->s, "items"), 0);

	/* and the connection works normally afterwards */
	assert_int_equal(store_begin(f->s, &f->e), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ('next')", ""), 0);
	assert_int_equal(store_commit(f->s, &f->e), 0);
	assert_int_equal(count_rows(f->s, "items"), 1);
}

static void only_the_outermost_commit_makes_work_visible(void **state)
{
	struct fixture *f = *state;
	struct store *other = NULL;

	create_items(f->s);
	assert_int_equal(store_open(f->db, &other, &f->e), 0);
	assert_int_equal(store_begin(f->s, &f->e), 0);
	assert_int_equal(store_begin(f->s, &f->e), 0);
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ('a')", ""), 0);
	assert_int_equal(store_commit(f->s, &f->e), 0);
	assert_int_equal(count_rows(other, "items"), 0);
	assert_int_equal(store_commit(f->s, &f->e), 0);
	assert_int_equal(count_rows(other, "items"), 1);
	assert_int_equal(store_commit(f->s, &f->e), ERR_INTERNAL);
	assert_string_equal(f->e.rule, "no_tx");
	store_close(other);
}

/* === backup === */

enum { BACKUP_BASE_ROWS = 20000, WRITER_BATCH = 5, WRITER_HEAD_START = 100 };

struct writer {
	const char *db;
	atomic_int stop;
	atomic_llong committed; /* rows in transactions whose commit returned */
	atomic_int errors;
};

static int write_batch(struct store *s, struct err *e)
{
	int rc = store_begin(s, e);

	for (int i = 0; rc == 0 && i < WRITER_BATCH; i++)
		rc = store_execv(s, e, "INSERT INTO items (name, payload)"
				 " VALUES (hex(randomblob(16)), randomblob(200))",
				 "");
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct store *s = NULL;
	struct err e;

	if (store_open(w->db, &s, &e) != 0) {
		w->errors++;
		return NULL;
	}
	while (!atomic_load(&w->stop)) {
		if (write_batch(s, &e) != 0) {
			w->errors++;
			break;
		}
		atomic_fetch_add(&w->committed, WRITER_BATCH);
	}
	store_close(s);
	return NULL;
}

static void fill_items(struct store *s, int rows)
{
	struct err e;

	assert_int_equal(store_execv(s, &e,
		"INSERT INTO items (name, payload)"
		" WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL"
		"  SELECT x + 1 FROM n WHERE x < $1)"
		" SELECT 'base' || x, randomblob(300) FROM n",
		"i", (int64_t)rows), 0);
}

static void backup_during_writes_is_consistent_and_holds_earlier_rows(
	void **state)
{
	struct fixture *f = *state;
	struct writer w = { .db = f->db };
	struct store *copy = NULL;
	char path[PATH_MAX], check[64];
	pthread_t thread;
	int64_t before, in_copy, written;

	create_items(f->s);
	fill_items(f->s, BACKUP_BASE_ROWS);
	path_in(f, "copy.db", path, sizeof(path));

	assert_int_equal(pthread_create(&thread, NULL, writer_main, &w), 0);
	while (atomic_load(&w.committed) < WRITER_HEAD_START && !w.errors)
		sleep_ms(1);
	before = BACKUP_BASE_ROWS + atomic_load(&w.committed);
	assert_int_equal(store_backup(f->s, path, &f->e), 0);
	atomic_store(&w.stop, 1);
	pthread_join(thread, NULL);
	assert_int_equal(w.errors, 0);
	written = atomic_load(&w.committed);

	assert_int_equal(store_open(path, &copy, &f->e), 0);
	query_text(copy, "PRAGMA integrity_check", check, sizeof(check));
	assert_string_equal(check, "ok");
	in_copy = count_rows(copy, "items");
	assert_true(in_copy >= before);
	assert_true(in_copy <= BACKUP_BASE_ROWS + written);
	/* one snapshot: never part of a writer's transaction */
	assert_int_equal((in_copy - BACKUP_BASE_ROWS) % WRITER_BATCH, 0);
	store_close(copy);

	path_in(f, "copy.db.partial", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
}

static void backup_refuses_an_existing_path(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], partial[PATH_MAX + 16], content[16] = "";
	FILE *fp;

	create_items(f->s);
	path_in(f, "exists.db", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("keep me", fp);
	fclose(fp);

	assert_int_equal(store_backup(f->s, path, &f->e), ERR_CONFLICT);
	assert_string_equal(f->e.rule, "exists");

	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(content, sizeof(content), fp));
	fclose(fp);
	assert_string_equal(content, "keep me");
	snprintf(partial, sizeof(partial), "%s.partial", path);
	assert_int_equal(access(partial, F_OK), -1);
}

/* === the pool === */

enum { POOL_SIZE = 2, POOL_THREADS = 8, POOL_ROUNDS = 10, POOL_ROWS = 5 };

struct pool_run {
	struct store_pool *pool;
	pthread_mutex_t lock;
	struct store *held[POOL_THREADS];
	int n_held, max_held, shared, errors;
};

static void pool_note_take(struct pool_run *r, struct store *s)
{
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < r->n_held; i++)
		if (r->held[i] == s)
			r->shared++;
	r->held[r->n_held++] = s;
	if (r->n_held > r->max_held)
		r->max_held = r->n_held;
	pthread_mutex_unlock(&r->lock);
}

static void pool_note_give(struct pool_run *r, struct store *s)
{
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < r->n_held; i++) {
		if (r->held[i] == s) {
			r->held[i] = r->held[--r->n_held];
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static int pool_insert_rows(struct store *s)
{
	struct err e;
	int rc = store_begin(s, &e);

	for (int i = 0; rc == 0 && i < POOL_ROWS; i++)
		rc = store_execv(s, &e, "INSERT INTO items (name) VALUES"
				 " (hex(randomblob(16)))", "");
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, &e);
}

static void *pool_worker(void *arg)
{
	struct pool_run *r = arg;

	for (int round = 0; round < POOL_ROUNDS; round++) {
		struct store *s = store_pool_take(r->pool);
		int rc;

		pool_note_take(r, s);
		rc = pool_insert_rows(s);
		sleep_ms(1); /* hold it a moment so others must wait */
		pool_note_give(r, s);
		store_pool_give(r->pool, s);
		if (rc != 0) {
			pthread_mutex_lock(&r->lock);
			r->errors++;
			pthread_mutex_unlock(&r->lock);
		}
	}
	return NULL;
}

static void pool_serves_many_threads_with_distinct_connections(void **state)
{
	struct fixture *f = *state;
	struct store_pool pool;
	struct pool_run run = { .pool = &pool };
	pthread_t threads[POOL_THREADS];

	create_items(f->s);
	assert_int_equal(store_pool_open(&pool, f->db, POOL_SIZE, &f->e), 0);
	pthread_mutex_init(&run.lock, NULL);
	for (int i = 0; i < POOL_THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, pool_worker,
						&run), 0);
	for (int i = 0; i < POOL_THREADS; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&run.lock);

	assert_int_equal(run.errors, 0);
	assert_int_equal(run.shared, 0);
	assert_true(run.max_held >= 1 && run.max_held <= POOL_SIZE);
	assert_int_equal(pool.n_idle, POOL_SIZE);
	assert_int_equal(count_rows(f->s, "items"),
			 POOL_THREADS * POOL_ROUNDS * POOL_ROWS);
	store_pool_close(&pool);
}

struct waiter {
	struct store_pool *pool;
	atomic_int got;
	struct store *s;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->s = store_pool_take(w->pool);
	atomic_store(&w->got, 1);
	return NULL;
}

static void pool_take_blocks_when_empty_until_a_give(void **state)
{
	struct fixture *f = *state;
	struct store_pool pool;
	struct waiter w = { .pool = &pool };
	struct store *a, *b;
	pthread_t thread;

	assert_int_equal(store_pool_open(&pool, f->db, 2, &f->e), 0);
	a = store_pool_take(&pool);
	b = store_pool_take(&pool);
	assert_ptr_not_equal(a, b);

	assert_int_equal(pthread_create(&thread, NULL, waiter_main, &w), 0);
	sleep_ms(200);
	assert_int_equal(atomic_load(&w.got), 0);
	store_pool_give(&pool, b);
	pthread_join(thread, NULL);
	assert_int_equal(atomic_load(&w.got), 1);
	assert_ptr_equal(w.s, b);

	store_pool_give(&pool, a);
	store_pool_give(&pool, w.s);
	store_pool_close(&pool);
}

static void pool_give_rolls_back_an_open_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_pool pool;
	struct store *s;

	create_items(f->s);
	assert_int_equal(store_pool_open(&pool, f->db, 1, &f->e), 0);
	s = store_pool_take(&pool);
	assert_int_equal(store_begin(s, &f->e), 0);
	assert_int_equal(store_begin(s, &f->e), 0);
	assert_int_equal(store_execv(s, &f->e,
		"INSERT INTO items (name) VALUES ('abandoned')", ""), 0);
	store_pool_give(&pool, s);

	s = store_pool_take(&pool);
	assert_int_equal(s->in_tx, 0);
	assert_int_equal(count_rows(s, "items"), 0);
	/* and the write lock is free for others */
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO items (name) VALUES ('other')", ""), 0);
	store_pool_give(&pool, s);
	store_pool_close(&pool);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(fresh_file_is_migrated_to_known_schema_in_wal_with_foreign_keys),
		T(empty_database_reports_schema_version_zero),
		T(migrating_twice_applies_nothing_the_second_time),
		T(newer_schema_is_refused_with_schema_newer),
		cmocka_unit_test(postgresql_uri_is_refused_until_the_driver_is_built_in),
		T(parameters_bind_by_number_even_out_of_order),
		T(every_parameter_type_binds),
		T(a_statement_runs_again_with_new_parameters),
		T(null_column_reads_as_empty_text),
		T(duplicate_in_unique_column_is_conflict_unique),
		T(foreign_key_violation_is_invalid_constraint),
		T(trigger_refusal_is_invalid_with_its_message),
		T(store_int64_on_no_row_is_not_found),
		T(store_int64_returns_the_new_id),
		T(two_statements_in_one_query_are_refused),
		T(nested_rollback_undoes_outer_transaction),
		T(only_the_outermost_commit_makes_work_visible),
		T(backup_during_writes_is_consistent_and_holds_earlier_rows),
		T(backup_refuses_an_existing_path),
		T(pool_serves_many_threads_with_distinct_connections),
		T(pool_take_blocks_when_empty_until_a_give),
		T(pool_give_rolls_back_an_open_transaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
