/*
 * store.h - the one interface to the database.
 *
 * A `struct store` is one connection.  The driver behind it is a table of
 * functions (struct store_ops); callers never ask which driver they have.
 * SQL is written once with numbered parameters $1, $2, ... which both
 * SQLite and PostgreSQL accept; values are always bound, never spliced.
 * New rows report their id with "RETURNING id".
 *
 * Connections are not shared between threads at the same time: the server
 * takes one from a `struct store_pool` per request and gives it back.
 *
 * Errors: functions return 0 (or STORE_ROW/STORE_DONE for step) and a
 * negative ERR_* code on failure with the driver's message in the struct
 * err (rule "store"; ERR_CONFLICT with rule "unique" for a unique-constraint
 * violation, ERR_UNAVAILABLE with rule "busy" when the database stays locked
 * past the busy timeout).
 *
 * Schema: numbered migrations (store/migrations.c) are applied by
 * store_migrate(), each in its own transaction and recorded in
 * schema_migrations; a database whose newest recorded migration is above
 * what this binary knows is refused with ERR_SCHEMA.
 */
#ifndef CIVICARE_STORE_H
#define CIVICARE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include "../core/err.h"

enum { STORE_DONE = 0, STORE_ROW = 1 };

struct store;
struct store_stmt;

struct store_ops {
	const char *name; /* "sqlite", "postgresql" */
	int (*open)(struct store *s, const char *uri, struct err *e);
	void (*close)(struct store *s);
	/* Run one or more statements without parameters (schema, pragmas). */
	int (*exec)(struct store *s, const char *sql, struct err *e);
	int (*prepare)(struct store *s, const char *sql, struct store_stmt **out,
		       struct err *e);
	/* idx is the parameter number: 1 for $1. */
	int (*bind_text)(struct store_stmt *st, int idx, const char *v, size_t len);
	int (*bind_int64)(struct store_stmt *st, int idx, int64_t v);
	int (*bind_null)(struct store_stmt *st, int idx);
	int (*bind_blob)(struct store_stmt *st, int idx, const void *v, size_t len);
	/* STORE_ROW, STORE_DONE, or a negative ERR_*. */
	int (*step)(struct store_stmt *st, struct err *e);
	int (*reset)(struct store_stmt *st); /* rerun with new bindings */
	int (*column_count)(struct store_stmt *st);
	int (*column_is_null)(struct store_stmt *st, int col);
	int64_t (*column_int64)(struct store_stmt *st, int col);
	/* Valid until the next step/reset/finalize; never NULL ("" for NULL). */
	const char *(*column_text)(struct store_stmt *st, int col);
	const void *(*column_blob)(struct store_stmt *st, int col, size_t *len);
	int64_t (*changes)(struct store *s); /* rows changed by the last statement */
	void (*finalize)(struct store_stmt *st);
	/* Write transaction (SQLite: BEGIN IMMEDIATE), commit, rollback. */
	int (*begin)(struct store *s, struct err *e);
	int (*commit)(struct store *s, struct err *e);
	int (*rollback)(struct store *s);
	/* A consistent copy of the whole database to a new file at path. */
	int (*backup)(struct store *s, const char *path, struct err *e);
};

struct store {
	const struct store_ops *ops;
	void *driver;      /* the driver's connection */
	int in_tx;         /* nesting depth of store_begin */
	int tx_failed;
};

/* === connections === */

/* Open `uri` ("postgresql://..." picks PostgreSQL when built in; anything
 * else is a SQLite file path).  The store is allocated; free with
 * store_close().  Does not migrate. */
int store_open(const char *uri, struct store **out, struct err *e);
void store_close(struct store *s);

/* Apply pending migrations; ERR_SCHEMA if the database is newer.  Writes the
 * applied versions to schema_migrations.  *applied (may be NULL) gets the
 * count applied now. */
int store_migrate(struct store *s, int *applied, struct err *e);
/* The newest migration this binary knows, and the database's (0 if none). */
int store_schema_known(void);
int store_schema_version(struct store *s, int *version, struct err *e);

/* === transactions (nesting counts; only the outermost commits) === */
int store_begin(struct store *s, struct err *e);
int store_commit(struct store *s, struct err *e);
void store_rollback(struct store *s);

/* === statements === */

/*
 * store_query: prepare sql and bind the parameters given by the format
 * string `types`, one letter per parameter $1..$n:
 *   's' const char *   (NULL binds SQL NULL)
 *   'i' int64_t
 *   'n' SQL NULL (no argument)
 *   'b' const void *, size_t (blob)
 * Example: store_query(s, &st, e, "SELECT name FROM persons WHERE id = $1",
 *                      "i", (int64_t)id);
 * The caller steps and finalizes *out.
 */
int store_query(struct store *s, struct store_stmt **out, struct err *e,
		const char *sql, const char *types, ...);
/* Run a statement of store_query again: reset it and bind new parameters
 * (same letters as store_query), ready to step.  For a statement run once
 * per row of a batch, prepared once. */
int store_rebind(struct store *s, struct store_stmt *st, struct err *e,
		 const char *types, ...);
/* Prepare, bind, step until done, finalize: for INSERT/UPDATE/DELETE. */
int store_execv(struct store *s, struct err *e, const char *sql,
		const char *types, ...);
/* Run a query expected to return one integer (e.g. RETURNING id, count(*)).
 * ERR_NOT_FOUND (rule "no_row") when it returns no row. */
int store_int64(struct store *s, int64_t *out, struct err *e, const char *sql,
		const char *types, ...);

int store_step(struct store_stmt *st, struct err *e);
int64_t store_col_int64(struct store_stmt *st, int col);
const char *store_col_text(struct store_stmt *st, int col);
int store_col_is_null(struct store_stmt *st, int col);
void store_finalize(struct store_stmt *st); /* NULL is fine */
int64_t store_changes(struct store *s);
int store_exec(struct store *s, const char *sql, struct err *e);
int store_backup(struct store *s, const char *path, struct err *e);

/* === a pool of connections for threads === */

struct store_pool {
	pthread_mutex_t lock;
	pthread_cond_t available;
	struct store **idle;
	size_t n_idle, size;
	char *uri;
};

/* Open `size` connections to uri (migrations must have run already). */
int store_pool_open(struct store_pool *p, const char *uri, size_t size,
		    struct err *e);
/* Wait for a free connection.  Never returns NULL. */
struct store *store_pool_take(struct store_pool *p);
/* Give back; a connection left inside a transaction is rolled back. */
void store_pool_give(struct store_pool *p, struct store *s);
void store_pool_close(struct store_pool *p); /* all must be given back */

/* The drivers (store_sqlite.c, store_pg.c). */
extern const struct store_ops store_sqlite_ops;

#endif
