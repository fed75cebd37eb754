/*
 * err.c - filling struct err, and mapping ERR_* codes to slugs and statuses.
 *
 * One table, indexed by -code, holds the slug and the HTTP status of every
 * ERR_* value so the two can never disagree.  Messages are copied into the
 * fixed buffers of struct err; when they do not fit they are cut before the
 * first byte of the character that would not fit, so a long Chinese message
 * never ends in half a character (the JSON encoder would reject it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "../core/banned.h"

struct err_kind {
	const char *slug;
	int status;
};

/* Indexed by -code; ERR_OK is index 0. */
static const struct err_kind err_kinds[] = {
	[0] = { "ok", 200 },
	[-ERR_INVALID] = { "invalid", 400 },
	[-ERR_UNAUTHORIZED] = { "unauthorized", 401 },
	[-ERR_FORBIDDEN] = { "forbidden", 403 },
	[-ERR_NOT_FOUND] = { "not_found", 404 },
	[-ERR_METHOD] = { "method_not_allowed", 405 },
	[-ERR_CONFLICT] = { "conflict", 409 },
	[-ERR_TOO_LARGE] = { "too_large", 413 },
	[-ERR_MEDIA_TYPE] = { "unsupported_media_type", 415 },
	[-ERR_RATE_LIMITED] = { "rate_limited", 429 },
	[-ERR_INTERNAL] = { "internal", 500 },
	[-ERR_UNAVAILABLE] = { "unavailable", 503 },
	[-ERR_SCHEMA] = { "schema_newer", 500 },
};

#define ERR_KIND_COUNT (sizeof(err_kinds) / sizeof(err_kinds[0]))

static const struct err_kind *err_kind_of(int code)
{
	if (code > 0 || (size_t)-(long)code >= ERR_KIND_COUNT)
		return &err_kinds[-ERR_INTERNAL];
	return &err_kinds[-code];
}

/*
 * Copy src into dst[cap], cutting at a UTF-8 character boundary: if the cut
 * falls on a continuation byte (10xxxxxx), move it back to the lead byte of
 * that character so the whole character is dropped.
 */
static void copy_utf8(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (!src)
		src = "";
	n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void err_clear(struct err *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int err_set(struct err *e, int code, const char *field, const char *rule,
	    const char *zh, const char *en)
{
	if (!e)
		return code;
	e->code = code;
	copy_utf8(e->field, sizeof(e->field), field);
	copy_utf8(e->rule, sizeof(e->rule), rule);
	copy_utf8(e->message, sizeof(e->message), zh);
	copy_utf8(e->message_en, sizeof(e->message_en), en);
	e->existing_id = 0;
	e->retry_after = 0;
	e->allowed[0] = '\0';
	return code;
}

int err_setf(struct err *e, int code, const char *field, const char *rule,
	     const char *zh_fmt, const char *en_fmt, ...)
{
	/* Larger than the destination so err_set does the (UTF-8 aware) cut. */
	char zh[1024], en[1024];
	va_list ap, aq;

	if (!e)
		return code;
	va_start(ap, en_fmt);
	va_copy(aq, ap);
	vsnprintf(zh, sizeof(zh), zh_fmt, ap);
	vsnprintf(en, sizeof(en), en_fmt, aq);
	va_end(aq);
	va_end(ap);
	return err_set(e, code, field, rule, zh, en);
}

const char *err_slug(int code)
{
	return err_kind_of(code)->slug;
}

int err_http_status(int code)
{
	return err_kind_of(code)->status;
}

const char *err_code_string(const struct err *e)
{
	if (!e)
		return err_slug(ERR_INTERNAL);
	if (e->rule[0])
		return e->rule;
	return err_slug(e->code);
}
