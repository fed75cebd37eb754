/*
 * err.h - the one error idiom.
 *
 * Functions that can fail return 0 on success and a negative ERR_* code on
 * failure, and fill a caller-owned struct err with the field at fault, a
 * machine-readable rule and a message in Chinese and English.  The HTTP
 * layer turns it into {"error":{"code","field","message"}} with the status
 * err_http_status() gives; the CLI prints the message.  A struct err is plain
 * data: nothing to free.
 */
#ifndef CIVICARE_ERR_H
#define CIVICARE_ERR_H

#include <stdint.h>

enum err_code {
	ERR_OK = 0,
	ERR_INVALID = -1,      /* 400: input breaks a rule */
	ERR_UNAUTHORIZED = -2, /* 401: no or bad credentials */
	ERR_FORBIDDEN = -3,    /* 403: authenticated, not allowed */
	ERR_NOT_FOUND = -4,    /* 404 */
	ERR_METHOD = -5,       /* 405 */
	ERR_CONFLICT = -6,     /* 409: duplicate or illegal state change */
	ERR_TOO_LARGE = -7,    /* 413 */
	ERR_MEDIA_TYPE = -8,   /* 415 */
	ERR_RATE_LIMITED = -9, /* 429 */
	ERR_INTERNAL = -10,    /* 500: a bug or the store failed */
	ERR_UNAVAILABLE = -11, /* 503: busy or shutting down */
	ERR_SCHEMA = -12,      /* database newer than this binary */
};

struct err {
	int code;            /* an ERR_* value, 0 when nothing failed */
	char field[64];      /* the input field at fault, "" when none */
	char rule[48];       /* machine code, e.g. "check_character"; "" = generic */
	char message[256];   /* Simplified Chinese */
	char message_en[256];
	int64_t existing_id; /* for ERR_CONFLICT on a duplicate: the record that exists */
	char allowed[256];   /* for an illegal state change: the actions allowed now, comma-separated */
	int64_t retry_after; /* for ERR_RATE_LIMITED: seconds to wait (Retry-After), 0 = unknown */
};

/* Reset to "no error". */
void err_clear(struct err *e);

/*
 * Record an error and return its code, so callers write
 *     return err_set(e, ERR_INVALID, "name", "required", "必须填写姓名", "name is required");
 * field and rule may be NULL.  Messages longer than the buffers are cut at a
 * UTF-8 character boundary.  e may be NULL (the code is still returned).
 */
int err_set(struct err *e, int code, const char *field, const char *rule,
	    const char *zh, const char *en);

/* The same with printf formats; both formats consume the same arguments. */
int err_setf(struct err *e, int code, const char *field, const char *rule,
	     const char *zh_fmt, const char *en_fmt, ...)
	__attribute__((format(printf, 5, 7)));

/* "invalid", "unauthorized", ... : the generic machine code of an ERR_* value. */
const char *err_slug(int code);

/* The HTTP status for an ERR_* value (500 for unknown codes). */
int err_http_status(int code);

/* The rule if set, else the generic slug. */
const char *err_code_string(const struct err *e);

#endif
