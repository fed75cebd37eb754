/*
 * jsonx.c - typed field getters over jansson objects.
 *
 * Every getter runs the same steps: look the key up (absent and null are the
 * same thing: "not given"), check the JSON type, then check the value
 * (length, range, membership).  A failure names the key as the field and
 * the rule, with a message in both languages built from the key, because
 * the generic layer does not know the field's human name.  jansson already
 * rejects invalid UTF-8 and "\u0000" when it parses, but objects can also be
 * built in code, so strings are checked again: the byte length must match
 * strlen (no hidden NUL that would silently shorten the value) and the bytes
 * must be well-formed UTF-8.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonx.h"
#include "strbuf.h"
#include "../core/banned.h"

/* The value of key, or NULL when it is absent or JSON null. */
static json_t *lookup(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_null(v) ? NULL : v;
}

static int fail_required(const char *key, struct err *e)
{
	return err_setf(e, ERR_INVALID, key, "required",
			"字段 %s 为必填项", "field %s is required", key);
}

/* The two messages take different words, so they are formatted apart
 * (err_setf feeds both formats the same arguments). */
static int fail_type(const char *key, const char *zh, const char *en,
		     struct err *e)
{
	char zh_msg[1024], en_msg[1024];   /* err_set cuts at a character */

	snprintf(zh_msg, sizeof(zh_msg), "字段 %s 应为%s", key, zh);
	snprintf(en_msg, sizeof(en_msg), "field %s must be %s", key, en);
	return err_set(e, ERR_INVALID, key, "type", zh_msg, en_msg);
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			len = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			len = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			len = 4;
		else
			return 0;
		if (c == 0xE0)
			lo = 0xA0;          /* overlong */
		else if (c == 0xED)
			hi = 0x9F;          /* surrogates */
		else if (c == 0xF0)
			lo = 0x90;          /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;          /* above U+10FFFF */
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

int jsonx_string(json_t *obj, const char *key, int required, size_t max,
		 const char **out, struct err *e)
{
	json_t *v = lookup(obj, key);
	const char *s;
	size_t n;

	if (!v)
		return required ? fail_required(key, e) : 0;
	if (!json_is_string(v))
		return fail_type(key, "字符串", "a string", e);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > max)
		return err_setf(e, ERR_INVALID, key, "length",
				"字段 %s 超过 %zu 字节",
				"field %s is longer than %zu bytes", key, max);
	if (strlen(s) != n || !utf8_valid((const unsigned char *)s, n))
		return err_setf(e, ERR_INVALID, key, "length",
				"字段 %s 不是有效的 UTF-8 文本",
				"field %s is not valid UTF-8 text", key);
	*out = s;
	return 0;
}

int jsonx_int(json_t *obj, const char *key, int required, int64_t min,
	      int64_t max, int64_t *out, struct err *e)
{
	json_t *v = lookup(obj, key);
	json_int_t n;

	if (!v)
		return required ? fail_required(key, e) : 0;
	if (!json_is_integer(v))
		return fail_type(key, "整数", "an integer", e);
	n = json_integer_value(v);
	if (n < min || n > max)
		return err_setf(e, ERR_INVALID, key, "range",
				"字段 %s 应在 %lld 到 %lld 之间",
				"field %s must be between %lld and %lld", key,
				(long long)min, (long long)max);
	*out = (int64_t)n;
	return 0;
}

int jsonx_bool(json_t *obj, const char *key, int required, int *out,
	       struct err *e)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return required ? fail_required(key, e) : 0;
	if (!json_is_boolean(v))
		return fail_type(key, "布尔值（true 或 false）", "true or false", e);
	*out = json_is_true(v);
	return 0;
}

static void join_allowed(struct strbuf *sb, const char *const *allowed)
{
	for (size_t i = 0; allowed[i]; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		strbuf_addstr(sb, allowed[i]);
	}
}

int jsonx_enum(json_t *obj, const char *key, int required,
	       const char *const *allowed, const char **out, struct err *e)
{
	struct strbuf list = STRBUF_INIT;
	json_t *v = lookup(obj, key);
	const char *s;
	int rc;

	if (!v)
		return required ? fail_required(key, e) : 0;
	if (!json_is_string(v))
		return fail_type(key, "字符串", "a string", e);
	s = json_string_value(v);
	for (size_t i = 0; allowed[i]; i++) {
		if (strlen(allowed[i]) == json_string_length(v) &&
		    strcmp(allowed[i], s) == 0) {
			*out = allowed[i];   /* static storage: outlives obj */
			return 0;
		}
	}
	join_allowed(&list, allowed);
	rc = err_setf(e, ERR_INVALID, key, "enum",
		      "字段 %s 应为以下之一：%s",
		      "field %s must be one of: %s", key, list.buf);
	strbuf_release(&list);
	return rc;
}

static int is_known(const char *key, const char *const *known)
{
	for (size_t i = 0; known[i]; i++)
		if (strcmp(key, known[i]) == 0)
			return 1;
	return 0;
}

int jsonx_only(json_t *obj, const char *const *known, struct err *e)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return err_set(e, ERR_INVALID, "", "type",
			       "请求内容应为 JSON 对象",
			       "the body must be a JSON object");
	json_object_foreach(obj, key, v) {
		(void)v;
		if (!is_known(key, known))
			return err_setf(e, ERR_INVALID, key, "unknown_field",
					"未知字段 %s", "unknown field %s", key);
	}
	return 0;
}

json_t *jsonx_str_or_null(const char *s)
{
	json_t *v;

	if (!s)
		return json_null();
	v = json_string(s);
	/* json_string refuses invalid UTF-8; null is the honest rendering of a
	 * value that cannot be shown, and keeps the caller's object whole. */
	return v ? v : json_null();
}
