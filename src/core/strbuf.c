/*
 * strbuf.c - growable strings and the allocation helpers that never fail.
 *
 * A fresh strbuf points at the shared static strbuf_empty so that buf is
 * always a valid C string without allocating; alloc == 0 marks that state and
 * the first growth replaces it with heap memory.  Growth is geometric (x1.5)
 * and every size computation is checked for size_t overflow before it is
 * used.  Out of memory is not a recoverable condition for civicare: the x*
 * helpers print a message and exit with status 70 (EX_SOFTWARE), so callers
 * never test for NULL.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "../core/banned.h"

char strbuf_empty[1];

static void die_oom(size_t n)
{
	fprintf(stderr, "civicare: out of memory (allocating %zu bytes)\n", n);
	exit(70);
}

static void die_overflow(void)
{
	fprintf(stderr, "civicare: size overflow in allocation\n");
	exit(70);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);   /* malloc(0) may return NULL */

	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		die_overflow();
	p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die_oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die_oom(n);
	return q;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			die_oom(SIZE_MAX);
		n *= 2;
	}
	if (size && n > SIZE_MAX / size)
		die_oom(SIZE_MAX);
	p = xrealloc(p, n * size);
	*cap = n;
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *s;

	strbuf_grow(sb, 0);   /* make sure buf is heap memory the caller can free */
	s = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return s;
}

/* Make room for `extra` more bytes plus the terminating NUL. */
void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need, want;
	int fresh = sb->alloc == 0;

	if (extra > SIZE_MAX - 1 - sb->len)
		die_overflow();
	need = sb->len + extra + 1;
	if (need <= sb->alloc)
		return;
	want = sb->alloc + sb->alloc / 2;
	if (want < sb->alloc || want < need)   /* wrapped, or not enough */
		want = need;
	if (want < 16)
		want = 16;
	sb->buf = xrealloc(fresh ? NULL : sb->buf, want);
	sb->alloc = want;
	if (fresh)
		sb->buf[0] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (!len)
		return;
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, char c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

/* Try to format into the space already there; if it did not fit, grow to
 * the exact size vsnprintf reported and format again. */
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!sb->alloc)
		strbuf_grow(sb, 64);
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {          /* encoding error: leave the buffer as it was */
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		va_start(ap, fmt);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			sb->buf[sb->len] = '\0';
			return;
		}
	}
	sb->len += (size_t)n;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void strbuf_add_html(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		case '\'': strbuf_addstr(sb, "&#39;"); break;
		default: strbuf_addch(sb, *s);
		}
	}
}
