/*
 * arena.h - a memory pool freed in one place.
 *
 * One arena per HTTP request and per batch record: allocate freely, release
 * once.  Blocks are chained; an allocation larger than a block gets a block
 * of its own.  arena_alloc returns NULL only when the arena's cap
 * (LIMIT_ARENA_BYTES) would be exceeded; memory is zeroed.
 */
#ifndef CIVICARE_ARENA_H
#define CIVICARE_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t total;  /* bytes obtained from malloc so far */
	size_t cap;    /* 0 = LIMIT_ARENA_BYTES */
};

#define ARENA_INIT { NULL, 0, 0 }

void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_release(struct arena *a); /* frees every block; a is reusable */

#endif
