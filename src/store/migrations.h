/*
 * migrations.h - the numbered schema changes, oldest first.
 *
 * A migration is never edited once released: add a new one.  SQL is kept
 * portable between SQLite and PostgreSQL where it can be (TEXT times in
 * UTC "YYYY-MM-DDTHH:MM:SSZ", INTEGER ids, RETURNING).
 */
#ifndef CIVICARE_MIGRATIONS_H
#define CIVICARE_MIGRATIONS_H

#include <stddef.h>

struct migration {
	int version;       /* 1, 2, 3, ... without gaps */
	const char *name;
	const char *sql;   /* one or more statements */
};

extern const struct migration store_migrations[];
extern const size_t store_migrations_count;

#endif
