/*
 * csv.h - a bounded CSV reader over a buffer, and the encoding of a file.
 *
 * RFC 4180 with the usual department variations: fields separated by ',',
 * records ended by LF, CRLF or a lone CR; a field in double quotes may hold
 * commas, quotes (doubled) and line breaks; a UTF-8 byte order mark at the
 * start is skipped.  Each record reports the line where it starts (1-based,
 * counting every line break, also those inside quotes), so a rejected row
 * can be found in the file.  Caps from limits.h: LIMIT_CSV_FIELD_BYTES per
 * field, LIMIT_CSV_ROW_BYTES per record, LIMIT_CSV_FIELDS fields.
 *
 * The reader does not copy what it need not: a field that is not quoted,
 * or quoted without a doubled quote or a CR inside, points into the buffer;
 * the others are unescaped into a per-record scratch area (line breaks
 * inside quotes come out as LF).  Pointers are valid until the next
 * csv_next().
 */
#ifndef CIVICARE_CSV_H
#define CIVICARE_CSV_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "limits.h"
#include "strbuf.h"

struct csv_field {
	const char *p;               /* not NUL-terminated */
	size_t len;
	int quoted;
};

struct csv_reader {
	const char *buf;
	size_t len, pos;
	int64_t line;                /* line at pos */
	char *scratch;               /* LIMIT_CSV_ROW_BYTES */
	/* the current record */
	struct csv_field fields[LIMIT_CSV_FIELDS];
	int n_fields;
	int64_t record_line;         /* where the current record starts */
};

/* Start reading buf (not copied; must outlive the reader). */
void csv_init(struct csv_reader *r, const char *buf, size_t len);
void csv_release(struct csv_reader *r);

/*
 * The next record into r->fields / r->n_fields / r->record_line.
 * Returns 1 for a record, 0 at the end, ERR_INVALID (rule "csv", field
 * "line N" in the message) for an unterminated quote, text after a closing
 * quote, or a field / record / field count over the caps.  A blank line is
 * a record of one empty field (callers skip it).
 */
int csv_next(struct csv_reader *r, struct err *e);

/* Bytes of the buffer consumed so far (for progress). */
size_t csv_offset(const struct csv_reader *r);

/* 1 when the field holds nothing but blanks. */
int csv_field_blank(const struct csv_field *f);

/* Append `len` bytes as one CSV field: quoted ("" for a quote) only when it
 * holds a comma, quote, CR or LF. */
void csv_append_field(struct strbuf *sb, const char *p, size_t len);

/* === encoding === */

struct csv_text {
	const char *p;               /* UTF-8 text, BOM removed */
	size_t len;
	char *owned;                 /* non-NULL when converted (free with csv_text_release) */
	char encoding[16];           /* "UTF-8" or "GB18030" */
};

/*
 * Decide the encoding: valid UTF-8 (with or without BOM) is UTF-8 and is
 * not copied; otherwise the bytes are converted from GB18030 with iconv(3).
 * A byte sequence invalid in both is ERR_INVALID rule "encoding" naming
 * the line (1-based) of the first bad byte.
 */
int csv_decode(const void *bytes, size_t len, struct csv_text *out,
	       struct err *e);
void csv_text_release(struct csv_text *t);

/* Offset of the first byte that is not valid UTF-8, or len when all is. */
size_t csv_utf8_valid_prefix(const unsigned char *p, size_t len);

#endif
