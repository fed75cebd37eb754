/*
 * jsonx.h - reading request fields out of jansson objects with the rule
 * named on failure.
 *
 * Each getter looks up `key` in object `obj`.  When the key is absent or
 * JSON null: with JSONX_REQUIRED it fails (rule "required"), otherwise it
 * returns 0 and leaves *out as the caller initialised it.  A value of the
 * wrong type fails with rule "type"; a string longer than max bytes (or not
 * valid UTF-8) with rule "length".  Failures are ERR_INVALID with field = key
 * and a message naming the field in both languages.  Returned strings point
 * into obj (jansson owns them): copy what must outlive obj.
 */
#ifndef CIVICARE_JSONX_H
#define CIVICARE_JSONX_H

#include <jansson.h>
#include <stdint.h>
#include <stddef.h>
#include "err.h"

enum { JSONX_OPTIONAL = 0, JSONX_REQUIRED = 1 };

int jsonx_string(json_t *obj, const char *key, int required, size_t max,
		 const char **out, struct err *e);
int jsonx_int(json_t *obj, const char *key, int required, int64_t min,
	      int64_t max, int64_t *out, struct err *e);
int jsonx_bool(json_t *obj, const char *key, int required, int *out,
	       struct err *e);
/* A string that must be one of the NULL-terminated list `allowed`;
 * rule "enum", message lists the allowed values. */
int jsonx_enum(json_t *obj, const char *key, int required,
	       const char *const *allowed, const char **out, struct err *e);

/* Reject keys not in the NULL-terminated list (rule "unknown_field"). */
int jsonx_only(json_t *obj, const char *const *known, struct err *e);

/* json_string() for possibly-NULL C strings (NULL -> json null). */
json_t *jsonx_str_or_null(const char *s);

#endif
