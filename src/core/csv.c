/*
 * csv.c - CSV records over a buffer, and UTF-8 / GB18030 detection.
 *
 * The reader walks the buffer once.  Most fields are returned as pointers
 * into it; only a quoted field holding a doubled quote or a CR is copied
 * (unescaped, CRLF and CR turned into LF) into a scratch area of
 * LIMIT_CSV_ROW_BYTES reset at every record, so a record's fields never
 * move while it is being used and memory stays bounded whatever the file.
 *
 * Line numbers count every line break (LF, CRLF or a lone CR), including
 * those inside quoted fields, so the number given for a record is the line
 * a text editor shows where it begins.
 *
 * Encoding: a department file is either UTF-8 (Excel "CSV UTF-8", often
 * with a BOM) or GB18030 (Excel's default on a Chinese Windows).  Valid
 * UTF-8 is taken as UTF-8 - Chinese text in GB18030 is practically never
 * valid UTF-8 - and anything else goes through iconv(3) from GB18030.  When
 * both fail, the line named is that of the first bad byte of whichever
 * reading got further (a UTF-8 file with one broken byte on line 900 is
 * reported at line 900, not where its UTF-8 first stops being GB18030).
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "strbuf.h"
#include "../core/banned.h"

void csv_init(struct csv_reader *r, const char *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	r->line = 1;
	r->scratch = xmalloc(LIMIT_CSV_ROW_BYTES);
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

void csv_release(struct csv_reader *r)
{
	free(r->scratch);
	r->scratch = NULL;
}

size_t csv_offset(const struct csv_reader *r)
{
	return r->pos;
}

static int csv_fail(struct csv_reader *r, struct err *e, const char *zh,
		    const char *en)
{
	return err_setf(e, ERR_INVALID, "file", "csv", "第 %lld 行：%s%.0s",
			"line %lld: %.0s%s", (long long)r->record_line, zh, en);
}

/* Copy a quoted field's body, undoubling quotes and turning CRLF / CR into
 * LF, at the end of the scratch area.  *used grows; -1 when it is full. */
static int unescape(struct csv_reader *r, const char *p, size_t n,
		    size_t *used, struct csv_field *f)
{
	char *out = r->scratch + *used;
	size_t k = 0;

	if (n > LIMIT_CSV_ROW_BYTES - *used)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '"')
			i++;                  /* the first of a doubled quote */
		else if (c == '\r') {
			c = '\n';
			if (i + 1 < n && p[i + 1] == '\n')
				i++;
		}
		out[k++] = c;
	}
	f->p = out;
	f->len = k;
	*used += k;
	return 0;
}

/* A quoted field starting at r->pos (on the opening quote). */
static int read_quoted(struct csv_reader *r, struct csv_field *f,
		       size_t *used, struct err *e)
{
	const char *b = r->buf;
	size_t start = ++r->pos, end;
	int copy = 0;

	for (;;) {
		const char *q;

		if (r->pos >= r->len)
			return csv_fail(r, e, "引号未闭合", "unterminated quote");
		/* Jump to the next quote, counting the line breaks passed. */
		q = memchr(b + r->pos, '"', r->len - r->pos);
		if (!q)
			q = b + r->len;
		for (const char *c = b + r->pos; c < q; c++) {
			if (*c == '\n')
				r->line++;
			else if (*c == '\r') {
				copy = 1;
				if (c + 1 >= q || c[1] != '\n')
					r->line++;
			}
		}
		r->pos = (size_t)(q - b);
		if (r->pos >= r->len)
			return csv_fail(r, e, "引号未闭合", "unterminated quote");
		if (r->pos + 1 < r->len && b[r->pos + 1] == '"') {
			copy = 1;
			r->pos += 2;
			continue;
		}
		end = r->pos++;
		break;
	}
	if (r->pos < r->len && b[r->pos] != ',' && b[r->pos] != '\n' &&
	    b[r->pos] != '\r')
		return csv_fail(r, e, "右引号后还有字符", "text after a closing quote");
	if (end - start > LIMIT_CSV_FIELD_BYTES)
		return csv_fail(r, e, "字段过长", "field too long");
	f->quoted = 1;
	if (!copy) {
		f->p = b + start;
		f->len = end - start;
		return 0;
	}
	if (unescape(r, b + start, end - start, used, f) < 0)
		return csv_fail(r, e, "记录过长", "record too long");
	return 0;
}

/* An unquoted field: up to a comma or a line end. */
static int read_plain(struct csv_reader *r, struct csv_field *f, struct err *e)
{
	const char *b = r->buf;
	size_t i = r->pos;

	while (i < r->len && b[i] != ',' && b[i] != '\n' && b[i] != '\r')
		i++;
	if (i - r->pos > LIMIT_CSV_FIELD_BYTES)
		return csv_fail(r, e, "字段过长", "field too long");
	f->p = b + r->pos;
	f->len = i - r->pos;
	f->quoted = 0;
	r->pos = i;
	return 0;
}

int csv_next(struct csv_reader *r, struct err *e)
{
	size_t used = 0, row_start = r->pos;
	int rc;

	r->n_fields = 0;
	r->record_line = r->line;
	if (r->pos >= r->len)
		return 0;
	for (;;) {
		struct csv_field *f;

		if (r->n_fields >= LIMIT_CSV_FIELDS)
			return csv_fail(r, e, "字段过多", "too many fields");
		f = &r->fields[r->n_fields++];
		rc = r->buf[r->pos] == '"' ? read_quoted(r, f, &used, e) : read_plain(r, f, e);
		if (rc < 0)
			return rc;
		if (r->pos - row_start > LIMIT_CSV_ROW_BYTES)
			return csv_fail(r, e, "记录过长", "record too long");
		if (r->pos >= r->len)
			return 1;
		if (r->buf[r->pos] == ',') {
			r->pos++;
			if (r->pos >= r->len) {          /* "a,b," at the very end */
				if (r->n_fields >= LIMIT_CSV_FIELDS)
					return csv_fail(r, e, "字段过多", "too many fields");
				f = &r->fields[r->n_fields++];
				f->p = r->buf + r->pos;
				f->len = 0;
				f->quoted = 0;
				return 1;
			}
			continue;
		}
		if (r->buf[r->pos] == '\r' && r->pos + 1 < r->len &&
		    r->buf[r->pos + 1] == '\n')
			r->pos++;
		r->pos++;
		r->line++;
		return 1;
	}
}

int csv_field_blank(const struct csv_field *f)
{
	for (size_t i = 0; i < f->len; i++)
		if (f->p[i] != ' ' && f->p[i] != '\t')
			return 0;
	return 1;
}

void csv_append_field(struct strbuf *sb, const char *p, size_t len)
{
	const char *q;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			break;
	if (i == len) {
		strbuf_add(sb, p, len);
		return;
	}
	strbuf_addch(sb, '"');
	while (len && (q = memchr(p, '"', len)) != NULL) {
		strbuf_add(sb, p, (size_t)(q - p) + 1);
		strbuf_addch(sb, '"');
		len -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	strbuf_add(sb, p, len);
	strbuf_addch(sb, '"');
}

/* === encoding === */

/* Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), eight ASCII bytes at a time where it can. */
size_t csv_utf8_valid_prefix(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t w;

		if (i + 8 <= len) {
			memcpy(&w, p + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = p[i];
		size_t n;
		unsigned lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else
			return i;
		if (i + n >= len)
			return i;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

static int64_t line_at(const unsigned char *p, size_t off)
{
	int64_t line = 1;

	for (size_t i = 0; i < off; i++)
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= off || p[i + 1] != '\n')))
			line++;
	return line;
}

static int bad_encoding(const unsigned char *p, size_t off, struct err *e)
{
	return err_setf(e, ERR_INVALID, "file", "encoding",
			"第 %lld 行：文件既不是 UTF-8 也不是 GB18030 编码",
			"line %lld: the file is neither UTF-8 nor GB18030",
			(long long)line_at(p, off));
}

static int from_gb18030(const unsigned char *p, size_t len, size_t utf8_bad,
			struct csv_text *out, struct err *e)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	size_t cap = len + len / 2 + 16, in_left = len, out_left = cap;
	char *in = (char *)p, *buf, *o;

	if (cd == (iconv_t)-1)
		return err_set(e, ERR_INTERNAL, "file", "encoding",
			       "系统不支持 GB18030 转换", "GB18030 conversion unavailable");
	buf = xmalloc(cap);
	o = buf;
	if (iconv(cd, &in, &in_left, &o, &out_left) == (size_t)-1) {
		size_t off = (size_t)((const unsigned char *)in - p);

		iconv_close(cd);
		free(buf);
		/* Bad in both: the reading that got further is most likely
		 * the file's encoding, so its first bad byte names the line. */
		return bad_encoding(p, off > utf8_bad ? off : utf8_bad, e);
	}
	iconv_close(cd);
	out->owned = buf;
	out->p = buf;
	out->len = (size_t)(o - buf);
	snprintf(out->encoding, sizeof(out->encoding), "GB18030");
	return 0;
}

int csv_decode(const void *bytes, size_t len, struct csv_text *out,
	       struct err *e)
{
	const unsigned char *p = bytes;
	size_t bad;
	int rc;

	memset(out, 0, sizeof(*out));
	bad = csv_utf8_valid_prefix(p, len);
	if (bad == len) {
		out->p = (const char *)p;
		out->len = len;
		snprintf(out->encoding, sizeof(out->encoding), "UTF-8");
	} else if ((rc = from_gb18030(p, len, bad, out, e)) < 0) {
		return rc;
	}
	/* A BOM (UTF-8's, or GB18030's after conversion) is not data. */
	if (out->len >= 3 && memcmp(out->p, "\xEF\xBB\xBF", 3) == 0) {
		out->p += 3;
		out->len -= 3;
	}
	return 0;
}

void csv_text_release(struct csv_text *t)
{
	free(t->owned);
	memset(t, 0, sizeof(*t));
}
