/*
 * strbuf.h - a growable, always NUL-terminated byte buffer.
 *
 * Invariants: buf is never NULL after strbuf_init (it points at a static ""
 * until something is added), buf[len] == '\0', len < alloc when alloc > 0.
 * Growth checks for size_t overflow; on out-of-memory the process exits with
 * a message (as git's xmalloc does): callers need not check.
 */
#ifndef CIVICARE_STRBUF_H
#define CIVICARE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { strbuf_empty, 0, 0 }
extern char strbuf_empty[];

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);          /* free and reset to empty */
char *strbuf_detach(struct strbuf *sb, size_t *len); /* caller frees; sb reset */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s escaped for HTML text and attribute values (& < > " '); NULL adds nothing. */
void strbuf_add_html(struct strbuf *sb, const char *s);
void strbuf_reset(struct strbuf *sb);            /* len = 0, keeps memory */

/* Allocation helpers that never return NULL (exit on OOM). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* p (an array of elements of `size` bytes, *cap of them) grown so it holds
 * at least `need`: capacity doubles from 16; *cap updated.  For arrays that
 * grow one row at a time. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);

#endif
