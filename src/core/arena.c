/*
 * arena.c - bump allocation in chained blocks, released all at once.
 *
 * Ordinary allocations are carved from 64 KiB blocks; the newest block is
 * at the head of the chain and is the only one allocated from.  A request
 * larger than a quarter of a block gets a block of its own, linked *behind*
 * the head so the free space left in the head is not wasted.  Every pointer
 * is aligned to 16 bytes (enough for any scalar type on the platforms we
 * build for) by aligning the address itself, so the result does not depend
 * on malloc's alignment.  Blocks come from xcalloc, so memory is zeroed and
 * running out of system memory exits; the only NULL return is the arena's
 * own cap, which bounds what one request or batch record may use.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "limits.h"
#include "strbuf.h"
#include "../core/banned.h"

#define ARENA_BLOCK_BYTES (64 * 1024)
#define ARENA_ALIGN 16
#define ARENA_BIG (ARENA_BLOCK_BYTES / 4)

struct arena_block {
	struct arena_block *next;
	size_t size;        /* usable bytes in data[] */
	size_t used;        /* bytes of data[] handed out (including padding) */
	unsigned char data[];
};

static size_t arena_cap(const struct arena *a)
{
	return a->cap ? a->cap : (size_t)LIMIT_ARENA_BYTES;
}

/* Offset in b->data where an aligned allocation of n bytes would start,
 * or SIZE_MAX when it does not fit. */
static size_t block_fit(const struct arena_block *b, size_t n)
{
	uintptr_t base = (uintptr_t)b->data;
	uintptr_t at = (base + b->used + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
	size_t off = (size_t)(at - base);

	if (off > b->size || n > b->size - off)
		return SIZE_MAX;
	return off;
}

/* A new block with room for `n` bytes after alignment padding, or NULL if
 * it would take the arena over its cap. */
static struct arena_block *block_new(struct arena *a, size_t n)
{
	struct arena_block *b;
	size_t bytes;

	if (n > SIZE_MAX - sizeof(*b) - ARENA_ALIGN)
		return NULL;
	bytes = sizeof(*b) + n + ARENA_ALIGN;
	if (bytes > arena_cap(a) || a->total > arena_cap(a) - bytes)
		return NULL;
	b = xcalloc(1, bytes);
	b->size = n + ARENA_ALIGN;
	a->total += bytes;
	return b;
}

static void *block_take(struct arena_block *b, size_t off, size_t n)
{
	b->used = off + n;
	return b->data + off;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b;
	size_t off;

	if (n == 0)
		n = 1;   /* distinct pointers, never NULL for a legal request */
	if (a->head && (off = block_fit(a->head, n)) != SIZE_MAX)
		return block_take(a->head, off, n);
	if (n > ARENA_BIG) {
		b = block_new(a, n);
		if (!b)
			return NULL;
		if (a->head) {          /* keep allocating from the current head */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->head = b;
		}
		return block_take(b, block_fit(b, n), n);
	}
	b = block_new(a, ARENA_BLOCK_BYTES - ARENA_ALIGN);
	if (!b)
		return NULL;
	b->next = a->head;
	a->head = b;
	return block_take(b, block_fit(b, n), n);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	n = strnlen(s, n);
	if (n == SIZE_MAX)
		return NULL;
	p = arena_alloc(a, n + 1);
	if (p)
		memcpy(p, s, n);   /* the arena zeroed p[n] */
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}
