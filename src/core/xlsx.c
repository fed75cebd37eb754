/*
 * xlsx.c - the first worksheet of an XLSX file as CSV text.
 *
 * An XLSX file is a ZIP of XML parts.  Three pieces, each minimal and
 * bounded, and none trusting the file:
 *
 *   ZIP      the end-of-central-directory record is found from the end,
 *            entries are looked up by name in the central directory, and
 *            an entry's data is located through its local header only to
 *            skip the name and extra field there; the sizes used are the
 *            central directory's, checked against the file before any
 *            read.  Deflate goes through zlib into a buffer of exactly the
 *            declared size (itself capped, and capped by a ratio to the
 *            compressed size), so a lying or explosive entry fails before
 *            memory is spent; the CRC-32 is checked after.
 *   XML      not a general parser: the parts Excel writes are regular, so
 *            a scanner steps from tag to tag (skipping comments, processing
 *            instructions and CDATA), names compared without their
 *            namespace prefix, and the text of <v> and <t> taken up to the
 *            next '<'.  Slices into the inflated buffer, no copies.
 *   styles   xl/styles.xml (optional, never fatal): which cell styles show
 *            a date, so that a date cell's serial number becomes
 *            YYYY-MM-DD (clock.h day numbers, 1900 or 1904 system).
 *   sheet    rows and cells in order, written with csv_append_field as the
 *            CSV reader expects; see xlsx.h for what each cell type becomes.
 *
 * Every failure is ERR_INVALID naming field "file", rule "xlsx".
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "xlsx.h"
#include "clock.h"
#include "strbuf.h"
#include "../core/banned.h"

static int bad(struct err *e, const char *zh, const char *en)
{
	return err_setf(e, ERR_INVALID, "file", "xlsx",
			"不是有效的 XLSX 文件：%s%.0s", "not a valid XLSX file: %.0s%s",
			zh, en);
}

/* === ZIP === */

struct zip {
	const unsigned char *p;
	size_t len;
	size_t cd, cd_end;       /* the central directory */
	unsigned n;              /* its entries */
};

struct zip_entry {
	unsigned method, flags;
	uint32_t crc;
	size_t csize, usize, local;
};

/* An entry's bytes: a slice of the file (stored) or an inflated copy. */
struct blob {
	const char *p;
	size_t len;
	unsigned char *owned;
};

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int zip_open(struct zip *z, const unsigned char *p, size_t len,
		    struct err *e)
{
	size_t i, lo, cd_size, cd_off;

	memset(z, 0, sizeof(*z));
	if (len < 22)
		return bad(e, "文件不完整", "the file is truncated");
	/* The record is 22 bytes plus a comment of at most 65535. */
	lo = len - 22 > 65535 ? len - 22 - 65535 : 0;
	for (i = len - 22;; i--) {
		if (memcmp(p + i, "PK\5\6", 4) == 0 && rd16(p + i + 20) <= len - 22 - i)
			break;
		if (i == lo)
			return bad(e, "找不到 ZIP 目录（文件可能不完整）",
				   "no ZIP central directory (is the file truncated?)");
	}
	if (rd16(p + i + 4) != 0 || rd16(p + i + 6) != 0)
		return bad(e, "不支持分卷 ZIP", "multi-part ZIP files are not supported");
	z->n = rd16(p + i + 10);
	cd_size = rd32(p + i + 12);
	cd_off = rd32(p + i + 16);
	if (z->n == 0xFFFF || cd_size == 0xFFFFFFFF || cd_off == 0xFFFFFFFF)
		return bad(e, "不支持 ZIP64", "ZIP64 is not supported");
	if (z->n > XLSX_ENTRIES || cd_off > i || cd_size > i - cd_off)
		return bad(e, "ZIP 目录位置错误", "the ZIP central directory is out of place");
	z->p = p;
	z->len = len;
	z->cd = cd_off;
	z->cd_end = cd_off + cd_size;
	return 0;
}

/* Part names compare without case (OPC) and with '\' as '/'. */
static int name_eq(const unsigned char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = a[i] == '\\' ? '/' : a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return 0;
	}
	return 1;
}

/* 1 and *out when the central directory lists name, 0 when not, <0 when
 * the directory is broken. */
static int zip_find(const struct zip *z, const char *name,
		    struct zip_entry *out, struct err *e)
{
	size_t pos = z->cd;

	for (unsigned k = 0; k < z->n; k++) {
		const unsigned char *h = z->p + pos;
		size_t nlen, rest;

		if (z->cd_end - pos < 46 || memcmp(h, "PK\1\2", 4) != 0)
			return bad(e, "ZIP 目录损坏", "the ZIP central directory is damaged");
		nlen = rd16(h + 28);
		rest = nlen + rd16(h + 30) + rd16(h + 32);
		if (z->cd_end - pos - 46 < rest)
			return bad(e, "ZIP 目录损坏", "the ZIP central directory is damaged");
		if (name_eq(h + 46, nlen, name)) {
			out->flags = rd16(h + 8);
			out->method = rd16(h + 10);
			out->crc = rd32(h + 16);
			out->csize = rd32(h + 20);
			out->usize = rd32(h + 24);
			out->local = rd32(h + 42);
			return 1;
		}
		pos += 46 + rest;
	}
	return 0;
}

/* The most an entry of csize compressed bytes may inflate to. */
static size_t inflate_cap(size_t csize)
{
	if (csize > (XLSX_ENTRY_BYTES - XLSX_RATIO_FLOOR) / XLSX_RATIO)
		return XLSX_ENTRY_BYTES;
	return csize * XLSX_RATIO + XLSX_RATIO_FLOOR;
}

static int inflate_entry(const unsigned char *src, const struct zip_entry *ze,
			 struct blob *b, struct err *e)
{
	z_stream zs;
	int zrc;

	if (ze->usize > inflate_cap(ze->csize))
		return bad(e, "压缩内容解压后过大（可能是压缩炸弹）",
			   "an entry inflates too far (a zip bomb?)");
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -15) != Z_OK)
		return err_set(e, ERR_INTERNAL, "file", "xlsx", "解压失败",
			       "inflate could not start");
	/* One byte more than declared, to see an entry that lies. */
	b->owned = xmalloc(ze->usize + 1);
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)ze->csize;
	zs.next_out = b->owned;
	zs.avail_out = (uInt)(ze->usize + 1);
	zrc = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	if (zrc != Z_STREAM_END || zs.total_out != ze->usize) {
		free(b->owned);
		b->owned = NULL;
		return bad(e, "压缩数据损坏", "damaged compressed data");
	}
	b->p = (const char *)b->owned;
	b->len = ze->usize;
	return 0;
}

static int zip_read(const struct zip *z, const struct zip_entry *ze,
		    struct blob *b, struct err *e)
{
	const unsigned char *h;
	size_t data;
	int rc;

	memset(b, 0, sizeof(*b));
	if (ze->flags & 1)
		return err_set(e, ERR_INVALID, "file", "xlsx_encrypted",
			       "文件已加密：请在 Excel 中另存为不加密的 XLSX 或 CSV 文件",
			       "the file is encrypted: save it from Excel as a plain XLSX or CSV file");
	if (ze->method != 0 && ze->method != 8)
		return bad(e, "不支持的压缩方式", "an unsupported compression method");
	if (ze->usize > XLSX_ENTRY_BYTES)
		return bad(e, "其中一个部分解压后超过 64 MB，请拆分文件或另存为 CSV",
			   "a part is larger than 64 MB inflated: split the file or save it as CSV");
	if (ze->local > z->len || z->len - ze->local < 30 ||
	    memcmp(z->p + ze->local, "PK\3\4", 4) != 0)
		return bad(e, "ZIP 条目位置错误", "a ZIP entry is out of place");
	h = z->p + ze->local;
	data = ze->local + 30 + rd16(h + 26) + rd16(h + 28);
	if (data > z->len || ze->csize > z->len - data)
		return bad(e, "文件不完整", "the file is truncated");
	if (ze->method == 0) {
		if (ze->csize != ze->usize)
			return bad(e, "ZIP 条目大小不一致", "a ZIP entry's sizes disagree");
		b->p = (const char *)z->p + data;
		b->len = ze->usize;
	} else if ((rc = inflate_entry(z->p + data, ze, b, e)) < 0) {
		return rc;
	}
	if (crc32(0L, (const Bytef *)b->p, (uInt)b->len) != ze->crc) {
		free(b->owned);
		memset(b, 0, sizeof(*b));
		return bad(e, "数据校验失败（文件已损坏）", "a CRC mismatch (the file is damaged)");
	}
	return 0;
}

/* An entry by name: 1 read, 0 absent, <0 error. */
static int zip_get(const struct zip *z, const char *name, struct blob *b,
		   struct err *e)
{
	struct zip_entry ze;
	int rc = zip_find(z, name, &ze, e);

	memset(b, 0, sizeof(*b));
	if (rc <= 0)
		return rc;
	rc = zip_read(z, &ze, b, e);
	return rc < 0 ? rc : 1;
}

static void blob_release(struct blob *b)
{
	free(b->owned);
	memset(b, 0, sizeof(*b));
}

/* === XML scanning === */

struct xml {
	const char *p;
	size_t len, pos;
};

struct tag {
	const char *name;        /* local name: the prefix is cut */
	size_t name_len;
	const char *attrs;
	size_t attrs_len;
	int end;                 /* </x> */
	int empty;               /* <x/> */
};

static void xml_init(struct xml *x, const struct blob *b)
{
	x->p = b->p;
	x->len = b->len;
	x->pos = 0;
}

/* Skip past `close` from i; -1 when it never comes. */
static int xml_skip(struct xml *x, size_t i, const char *close)
{
	size_t n = strlen(close);

	while (i < x->len) {
		const char *q = memchr(x->p + i, close[0], x->len - i);

		if (!q)
			break;
		i = (size_t)(q - x->p);
		if (x->len - i >= n && memcmp(q, close, n) == 0) {
			x->pos = i + n;
			return 0;
		}
		i++;
	}
	return -1;
}

static int starts_at(const struct xml *x, size_t i, const char *s)
{
	size_t n = strlen(s);

	return x->len - i >= n && memcmp(x->p + i, s, n) == 0;
}

static int xml_truncated(struct err *e)
{
	return bad(e, "XML 内容不完整", "an XML part is truncated");
}

static void tag_parse(const char *p, size_t n, struct tag *t)
{
	size_t k = 0, name_at;

	memset(t, 0, sizeof(*t));
	if (n && p[n - 1] == '/') {
		t->empty = 1;
		n--;
	}
	if (k < n && p[k] == '/') {
		t->end = 1;
		k++;
	}
	name_at = k;
	while (k < n && p[k] != ' ' && p[k] != '\t' && p[k] != '\r' &&
	       p[k] != '\n' && p[k] != '/')
		k++;
	t->name = p + name_at;
	t->name_len = k - name_at;
	for (size_t c = name_at; c < k; c++)
		if (p[c] == ':') {
			t->name = p + c + 1;
			t->name_len = k - c - 1;
		}
	t->attrs = p + k;
	t->attrs_len = n - k;
}

/* The next element tag: 1, 0 at the end, <0 for a tag never closed. */
static int xml_tag(struct xml *x, struct tag *t, struct err *e)
{
	for (;;) {
		const char *lt = x->pos < x->len ?
			memchr(x->p + x->pos, '<', x->len - x->pos) : NULL;
		size_t i, j;
		char q = 0;

		if (!lt) {
			x->pos = x->len;
			return 0;
		}
		i = (size_t)(lt - x->p);
		if (starts_at(x, i, "<!--")) {
			if (xml_skip(x, i + 4, "-->") < 0)
				return xml_truncated(e);
			continue;
		}
		if (starts_at(x, i, "<![CDATA[")) {
			if (xml_skip(x, i + 9, "]]>") < 0)
				return xml_truncated(e);
			continue;
		}
		if (starts_at(x, i, "<?") || starts_at(x, i, "<!")) {
			if (xml_skip(x, i + 2, ">") < 0)
				return xml_truncated(e);
			continue;
		}
		for (j = i + 1; j < x->len; j++) {
			char c = x->p[j];

			if (q) {
				if (c == q)
					q = 0;
			} else if (c == '"' || c == '\'') {
				q = c;
			} else if (c == '>') {
				break;
			}
		}
		if (j >= x->len)
			return xml_truncated(e);
		tag_parse(x->p + i + 1, j - i - 1, t);
		x->pos = j + 1;
		return 1;
	}
}

static int tag_is(const struct tag *t, const char *name)
{
	return t->name_len == strlen(name) && memcmp(t->name, name, t->name_len) == 0;
}

/* The text from the current position to the next '<'. */
static void xml_text(const struct xml *x, const char **p, size_t *n)
{
	const char *lt = x->pos < x->len ?
		memchr(x->p + x->pos, '<', x->len - x->pos) : NULL;

	*p = x->p + x->pos;
	*n = lt ? (size_t)(lt - *p) : x->len - x->pos;
}

/*
 * The value of attribute `name` (its local name; `prefixed`: it must have
 * a prefix, as r:id, or must not, as r).  1 and the raw value, or 0.
 */
static int tag_attr(const struct tag *t, const char *name, int prefixed,
		    const char **v, size_t *vlen)
{
	const char *p = t->attrs, *end = t->attrs + t->attrs_len;
	size_t want = strlen(name);

	while (p < end) {
		const char *an, *local, *vq;
		size_t local_len;
		char quote;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		an = p;
		while (p < end && *p != '=' && *p != ' ' && *p != '\t' &&
		       *p != '\r' && *p != '\n')
			p++;
		local = an;
		for (const char *c = an; c < p; c++)
			if (*c == ':')
				local = c + 1;
		local_len = (size_t)(p - local);
		while (p < end && *p != '=')
			p++;
		if (p >= end)
			return 0;
		p++;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (p >= end || (*p != '"' && *p != '\''))
			return 0;
		quote = *p++;
		vq = memchr(p, quote, (size_t)(end - p));
		if (!vq)
			return 0;
		if (local_len == want && memcmp(local, name, want) == 0 &&
		    (local != an) == (prefixed != 0)) {
			*v = p;
			*vlen = (size_t)(vq - p);
			return 1;
		}
		p = vq + 1;
	}
	return 0;
}

/* === text === */

static void add_utf8(struct strbuf *sb, unsigned long cp)
{
	char u[4];

	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, u, 3);
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, u, 4);
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A character reference "#NN" or "#xHH" (between & and ;): 0 and *cp. */
static int char_ref(const char *p, size_t n, unsigned long *cp)
{
	int base = 10;
	size_t i = 1;

	*cp = 0;
	if (n > 1 && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= n || n - i > 8)
		return -1;
	for (; i < n; i++) {
		int d = base == 16 ? hexval(p[i]) : (p[i] >= '0' && p[i] <= '9' ? p[i] - '0' : -1);

		if (d < 0)
			return -1;
		*cp = *cp * (unsigned long)base + (unsigned long)d;
	}
	return 0;
}

/* An entity at p ('&'): its length, and the text it stands for added;
 * 0 when it is not one (the '&' is then taken as it is). */
static size_t add_entity(struct strbuf *sb, const char *p, size_t n)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' },
		{ "quot", '"' }, { "apos", '\'' },
	};
	const char *semi = memchr(p, ';', n < 16 ? n : 16);
	size_t len;
	unsigned long cp;

	if (!semi)
		return 0;
	len = (size_t)(semi - p - 1);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == len && memcmp(p + 1, named[i].name, len) == 0) {
			strbuf_addch(sb, named[i].c);
			return len + 2;
		}
	if (len && p[1] == '#' && char_ref(p + 1, len, &cp) == 0) {
		add_utf8(sb, cp);
		return len + 2;
	}
	return 0;
}

/* Excel's escape for characters XML cannot hold: _xHHHH_. */
static size_t add_ooxml_escape(struct strbuf *sb, const char *p, size_t n)
{
	unsigned long cp = 0;

	if (n < 7 || p[1] != 'x' || p[6] != '_')
		return 0;
	for (int i = 2; i < 6; i++) {
		int d = hexval(p[i]);

		if (d < 0)
			return 0;
		cp = cp * 16 + (unsigned long)d;
	}
	add_utf8(sb, cp);
	return 7;
}

/* XML text with entities (and, for cell text, _xHHHH_) decoded; the plain
 * runs between them are added whole. */
static void add_decoded(struct strbuf *sb, const char *p, size_t n, int ooxml)
{
	size_t start = 0, i = 0;

	while (i < n) {
		size_t used;

		if (p[i] != '&' && !(ooxml && p[i] == '_')) {
			i++;
			continue;
		}
		strbuf_add(sb, p + start, i - start);
		/* Both add only when they recognise an escape. */
		used = p[i] == '&' ? add_entity(sb, p + i, n - i)
				   : add_ooxml_escape(sb, p + i, n - i);
		if (!used) {
			strbuf_addch(sb, p[i]);
			used = 1;
		}
		i += used;
		start = i;
	}
	strbuf_add(sb, p + start, n - start);
}

/* === shared strings === */

struct sst {
	struct strbuf text;      /* every string, one after another */
	size_t *off;             /* n + 1 offsets into text */
	size_t n, cap;
};

static void sst_init(struct sst *s)
{
	strbuf_init(&s->text, 0);
	s->cap = 1024;
	s->off = xmalloc(s->cap * sizeof(*s->off));
	s->off[0] = 0;
	s->n = 0;
}

static void sst_release(struct sst *s)
{
	strbuf_release(&s->text);
	free(s->off);
	s->off = NULL;
	s->n = s->cap = 0;
}

/* The string that ends here is number n. */
static void sst_push(struct sst *s)
{
	if (s->n + 2 > s->cap) {
		s->cap *= 2;
		s->off = xrealloc(s->off, s->cap * sizeof(*s->off));
	}
	s->off[++s->n] = s->text.len;
}

static int too_long(struct err *e)
{
	return bad(e, "单元格文字过长（超过 32 KB）", "a cell's text is longer than 32 KB");
}

/*
 * The text of a <si> or <is> (after its start tag) up to its end tag,
 * added to sb: every <t>, also those of rich text runs <r>, except the
 * phonetic guides <rPh>.  The text added since `start` is capped.
 */
static int rich_text(struct xml *x, const char *end_name, struct strbuf *sb,
		     size_t start, struct err *e)
{
	struct tag t;
	int rc, phonetic = 0;

	while ((rc = xml_tag(x, &t, e)) == 1) {
		const char *p;
		size_t n;

		if (t.end && tag_is(&t, end_name))
			return 0;
		if (tag_is(&t, "rPh")) {
			phonetic = !t.end && !t.empty;
			continue;
		}
		if (phonetic || t.end || t.empty || !tag_is(&t, "t"))
			continue;
		xml_text(x, &p, &n);
		x->pos += n;
		add_decoded(sb, p, n, 1);
		if (sb->len - start > XLSX_STRING_BYTES)
			return too_long(e);
	}
	return rc < 0 ? rc : xml_truncated(e);
}

/* xl/sharedStrings.xml, which a workbook without text does not have. */
static int sst_load(const struct zip *z, struct sst *s, struct err *e)
{
	struct blob b;
	struct xml x;
	struct tag t;
	int rc;

	if ((rc = zip_get(z, "xl/sharedStrings.xml", &b, e)) <= 0)
		return rc;
	xml_init(&x, &b);
	while ((rc = xml_tag(&x, &t, e)) == 1) {
		if (t.end || !tag_is(&t, "si"))
			continue;
		if (s->n >= XLSX_STRINGS) {
			rc = bad(e, "共享字符串过多（超过 1000000 个）",
				 "more than 1,000,000 shared strings");
			break;
		}
		if (!t.empty && (rc = rich_text(&x, "si", &s->text, s->text.len, e)) < 0)
			break;
		sst_push(s);
	}
	blob_release(&b);
	return rc;
}

/* === the first worksheet === */

/* Digits only, at most max: 0 and *out, or -1. */
static int parse_count(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* An attribute that is "1" or "true". */
static int attr_true(const struct tag *t, const char *name)
{
	const char *v;
	size_t n;

	return tag_attr(t, name, 0, &v, &n) &&
	       ((n == 1 && v[0] == '1') || (n == 4 && memcmp(v, "true", 4) == 0));
}

/* A relationship target as a part name: relative to xl/, or absolute
 * from the package root. */
static void rel_target(struct strbuf *path, const char *v, size_t vn)
{
	strbuf_reset(path);
	if (vn && v[0] == '/') {
		v++;
		vn--;
	} else {
		strbuf_addstr(path, "xl/");
	}
	add_decoded(path, v, vn, 0);
}

/*
 * The part name of the workbook's first sheet: the r:id of the first
 * <sheet> in xl/workbook.xml, looked up in its relationships.  1 and
 * path, 0 when the parts do not say (the caller falls back), <0 error.
 * On the way: *date1904 from <workbookPr date1904="1"/>, and the styles
 * part's name in styles (left empty when the relationships do not say).
 */
static int first_sheet(const struct zip *z, struct strbuf *path,
		       struct strbuf *styles, int *date1904, struct err *e)
{
	struct blob wb = { 0 }, rels = { 0 };
	struct xml x;
	struct tag t;
	char rid[64] = "";
	const char *v;
	size_t vn;
	int rc, found = 0;

	*date1904 = 0;
	if ((rc = zip_get(z, "xl/workbook.xml", &wb, e)) <= 0)
		goto cleanup;
	xml_init(&x, &wb);
	while ((rc = xml_tag(&x, &t, e)) == 1) {
		if (!t.end && tag_is(&t, "workbookPr"))
			*date1904 = attr_true(&t, "date1904");
		if (!t.end && tag_is(&t, "sheet")) {
			if (tag_attr(&t, "id", 1, &v, &vn) && vn < sizeof(rid)) {
				memcpy(rid, v, vn);
				rid[vn] = '\0';
			}
			break;
		}
	}
	if (rc < 0 || !rid[0] ||
	    (rc = zip_get(z, "xl/_rels/workbook.xml.rels", &rels, e)) <= 0)
		goto cleanup;
	xml_init(&x, &rels);
	while ((rc = xml_tag(&x, &t, e)) == 1) {
		if (t.end || !tag_is(&t, "Relationship") || !tag_attr(&t, "Target", 0, &v, &vn))
			continue;
		{
			const char *id, *type;
			size_t idn, typen;

			if (!styles->len && tag_attr(&t, "Type", 0, &type, &typen) &&
			    typen >= 7 && memcmp(type + typen - 7, "/styles", 7) == 0)
				rel_target(styles, v, vn);
			if (!found && tag_attr(&t, "Id", 0, &id, &idn) &&
			    idn == strlen(rid) && memcmp(id, rid, idn) == 0) {
				rel_target(path, v, vn);
				found = 1;
			}
		}
		if (found && styles->len)
			break;
	}
	if (rc > 0)
		rc = 0;
cleanup:
	blob_release(&wb);
	blob_release(&rels);
	return rc < 0 ? rc : found;
}

/* === styles: which cells are dates === */

/*
 * Built-in number formats (ECMA-376 part 1, 18.8.30) that show a date:
 * 14-17 and 22 (m/d/yy h:mm) in every language; 27-31, 36, 50-54, 57, 58
 * in the zh-CN table (yyyy"年"m"月", m"月"d"日", yyyy"年"m"月"d"日" ...).
 * 18-21, 45-47 and zh-CN 32-35, 55, 56 are times of day or durations:
 * those stay numbers.
 */
static int builtin_date(uint64_t id)
{
	return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 31) ||
	       id == 36 || (id >= 50 && id <= 54) || id == 57 || id == 58;
}

/*
 * 1 when a format code shows a date: it has y, d, 年, 月 or 日 outside
 * "quoted literals", [bracketed sections] (colours, locales, [h]) and
 * characters escaped by \, _ (a space as wide as) or * (fill).  An m
 * alone is a month or a minute depending on its neighbours, so it does
 * not decide: "hh:mm" and "mm:ss" are times.
 */
static int date_format(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '"') {
			const char *q = memchr(p + i + 1, '"', n - i - 1);

			if (!q)
				return 0;
			i = (size_t)(q - p);
		} else if (c == '[') {
			const char *q = memchr(p + i + 1, ']', n - i - 1);

			if (!q)
				return 0;
			i = (size_t)(q - p);
		} else if (c == '\\' || c == '_' || c == '*') {
			i++;
		} else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D') {
			return 1;
		} else if (n - i >= 3 && (memcmp(p + i, "\xE5\xB9\xB4", 3) == 0 ||  /* 年 */
					  memcmp(p + i, "\xE6\x9C\x88", 3) == 0 ||  /* 月 */
					  memcmp(p + i, "\xE6\x97\xA5", 3) == 0)) { /* 日 */
			return 1;
		}
	}
	return 0;
}

struct numfmt {
	uint32_t id;
	int date;
};

static int numfmt_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct numfmt *)a)->id, y = ((const struct numfmt *)b)->id;

	return x < y ? -1 : x > y;
}

/* What the styles say: date[i] for cell style (xf) i. */
struct styles {
	unsigned char *date;
	size_t n;
};

/* The <numFmts> and <cellXfs> of a styles part; <0 when it is broken. */
static int styles_parse(const struct blob *b, struct styles *st, struct err *e)
{
	struct numfmt *fmts = NULL;
	uint32_t *xfs = NULL;
	size_t nfmts = 0, nxfs = 0;
	struct strbuf code = STRBUF_INIT;
	struct xml x;
	struct tag t;
	int rc, in_fmts = 0, in_xfs = 0;

	xml_init(&x, b);
	while ((rc = xml_tag(&x, &t, e)) == 1) {
		const char *v;
		size_t vn;
		uint64_t id = 0;

		if (tag_is(&t, "numFmts")) {
			in_fmts = !t.end && !t.empty;
		} else if (tag_is(&t, "cellXfs")) {
			in_xfs = !t.end && !t.empty;
		} else if (t.end) {
			continue;
		} else if (in_fmts && tag_is(&t, "numFmt")) {
			if (nfmts >= XLSX_STYLES_ITEMS) {
				rc = -1;
				break;
			}
			if (!tag_attr(&t, "numFmtId", 0, &v, &vn) ||
			    parse_count(v, vn, UINT32_MAX, &id) < 0)
				continue;
			strbuf_reset(&code);
			if (tag_attr(&t, "formatCode", 0, &v, &vn))
				add_decoded(&code, v, vn, 0);
			if (!fmts)
				fmts = xmalloc(XLSX_STYLES_ITEMS * sizeof(*fmts));
			fmts[nfmts].id = (uint32_t)id;
			fmts[nfmts++].date = date_format(code.buf, code.len);
		} else if (in_xfs && tag_is(&t, "xf")) {
			if (nxfs >= XLSX_STYLES_ITEMS) {
				rc = -1;
				break;
			}
			/* No (or a wrong) numFmtId: General. */
			if (tag_attr(&t, "numFmtId", 0, &v, &vn) &&
			    parse_count(v, vn, UINT32_MAX, &id) < 0)
				id = 0;
			if (!xfs)
				xfs = xmalloc(XLSX_STYLES_ITEMS * sizeof(*xfs));
			xfs[nxfs++] = (uint32_t)id;
		}
	}
	if (rc == 0 && nxfs) {
		if (nfmts)
			qsort(fmts, nfmts, sizeof(*fmts), numfmt_cmp);
		st->date = xmalloc(nxfs);
		st->n = nxfs;
		for (size_t i = 0; i < nxfs; i++) {
			struct numfmt key = { .id = xfs[i] }, *f = nfmts ?
				bsearch(&key, fmts, nfmts, sizeof(*fmts), numfmt_cmp) : NULL;

			/* A format the file defines wins over a built-in one. */
			st->date[i] = (unsigned char)(f ? f->date : builtin_date(xfs[i]));
		}
	}
	free(fmts);
	free(xfs);
	strbuf_release(&code);
	return rc < 0 ? -1 : 0;
}

/*
 * The styles part (its relationship, else xl/styles.xml).  Optional, and
 * never fatal: when it is missing, larger than XLSX_STYLES_BYTES, damaged
 * or has more than XLSX_STYLES_ITEMS formats or cell styles, no cell is
 * taken as a date and dates stay serial numbers.
 */
static void styles_load(const struct zip *z, const char *path, struct styles *st)
{
	struct zip_entry ze;
	struct blob b = { 0 };
	struct err scratch;
	int rc;

	memset(st, 0, sizeof(*st));
	err_clear(&scratch);
	rc = path && *path ? zip_find(z, path, &ze, &scratch) : 0;
	if (rc == 0)
		rc = zip_find(z, "xl/styles.xml", &ze, &scratch);
	if (rc <= 0 || ze.usize > XLSX_STYLES_BYTES || zip_read(z, &ze, &b, &scratch) < 0)
		return;
	if (styles_parse(&b, st, &scratch) < 0) {
		free(st->date);
		memset(st, 0, sizeof(*st));
	}
	blob_release(&b);
}

static void styles_release(struct styles *st)
{
	free(st->date);
	memset(st, 0, sizeof(*st));
}

enum cell_type { CELL_NUMBER, CELL_SHARED, CELL_INLINE, CELL_BOOL, CELL_DATE, CELL_TEXT };

static const struct {
	const char *name;
	enum cell_type type;
} cell_types[] = {
	{ "n", CELL_NUMBER }, { "s", CELL_SHARED }, { "inlineStr", CELL_INLINE },
	{ "b", CELL_BOOL }, { "d", CELL_DATE }, { "str", CELL_TEXT }, { "e", CELL_TEXT },
};

static enum cell_type cell_type(const struct tag *t)
{
	const char *v;
	size_t n;

	if (!tag_attr(t, "t", 0, &v, &n))
		return CELL_NUMBER;
	for (size_t i = 0; i < sizeof(cell_types) / sizeof(cell_types[0]); i++)
		if (strlen(cell_types[i].name) == n && memcmp(cell_types[i].name, v, n) == 0)
			return cell_types[i].type;
	return CELL_TEXT;
}

/* "B12" -> 2: the column letters (the row digits are not needed); 0 when
 * there are none or more than three. */
static unsigned col_number(const char *p, size_t n)
{
	unsigned c = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = p[i] >= 'a' && p[i] <= 'z' ? (char)(p[i] - 32) : p[i];

		if (ch < 'A' || ch > 'Z')
			break;
		if (i == 3)
			return 0;
		c = c * 26 + (unsigned)(ch - 'A' + 1);
	}
	return c;
}

/*
 * A number as Excel shows it in General format: an integer as written
 * (every digit kept); one with a point or an exponent with at most 15
 * significant digits, unless that needs an exponent (then as written).
 */
static void add_number(struct strbuf *sb, const char *p, size_t n)
{
	char in[40], out[40], *end;
	double d;

	if (n == 0 || n >= sizeof(in) ||
	    (!memchr(p, '.', n) && !memchr(p, 'e', n) && !memchr(p, 'E', n))) {
		add_decoded(sb, p, n, 0);
		return;
	}
	memcpy(in, p, n);
	in[n] = '\0';
	if (strspn(in, "0123456789+-.eE") < n) {
		add_decoded(sb, p, n, 0);
		return;
	}
	errno = 0;
	d = strtod(in, &end);
	if (end != in + n || errno || !isfinite(d) ||
	    snprintf(out, sizeof(out), "%.15G", d) >= (int)sizeof(out) ||
	    strchr(out, 'E')) {
		strbuf_add(sb, p, n);
		return;
	}
	strbuf_addstr(sb, strcmp(out, "-0") == 0 ? "0" : out);
}

struct sheet {
	struct xml x;
	const struct sst *sst;
	struct strbuf *csv;
	struct strbuf cell;      /* one cell's text */
	uint64_t row;            /* the last row begun, 0 = none */
	unsigned col;            /* the last cell seen in the row, 0 = none */
	unsigned written;        /* the column of the last field written, 0 = none */
	const struct styles *styles;
	int date1904;            /* <workbookPr date1904="1"/>: serial 0 is 1904-01-01 */
};

#define XLSX_MAX_SERIAL 2958465   /* 9999-12-31 in the 1900 date system */

/*
 * A serial day number as "YYYY-MM-DD" (the date of a date-time: the
 * fraction is the time of day, dropped).  The 1900 system counts
 * 1900-01-01 as 1 and has Lotus's 1900-02-29 as 60, so serials below 61
 * are one day later than they would be; the 1904 system counts
 * 1904-01-01 as 0.  -1 (nothing added) for what is not a date there:
 * not a plain decimal number, negative, above XLSX_MAX_SERIAL, 0 and 60
 * in the 1900 system.
 */
static int add_serial_date(struct strbuf *sb, const char *p, size_t n, int date1904)
{
	char in[40], out[11], *end;
	double d;
	int64_t serial, days;
	int y, m, dd;

	if (n == 0 || n >= sizeof(in))
		return -1;
	memcpy(in, p, n);
	in[n] = '\0';
	if (strspn(in, "0123456789+-.eE") < n)
		return -1;
	errno = 0;
	d = strtod(in, &end);
	if (end != in + n || errno || !isfinite(d) || d < 0 || d >= XLSX_MAX_SERIAL + 1)
		return -1;
	serial = (int64_t)floor(d);
	if (date1904)
		days = clock_days_from_civil(1904, 1, 1) + serial;
	else if (serial == 0 || serial == 60)
		return -1;
	else if (serial < 60)
		days = clock_days_from_civil(1899, 12, 31) + serial;
	else
		days = clock_days_from_civil(1899, 12, 30) + serial;
	clock_civil_from_days(days, &y, &m, &dd);
	if (y > 9999)
		return -1;
	clock_format_date(days, out);
	strbuf_addstr(sb, out);
	return 0;
}

/* 1 when the <c> has a date style: s="N", cell style N shows a date. */
static int cell_is_date(const struct sheet *s, const struct tag *t)
{
	const char *v;
	size_t n;
	uint64_t xf;

	return s->styles && s->styles->n && tag_attr(t, "s", 0, &v, &n) &&
	       parse_count(v, n, UINT32_MAX, &xf) == 0 && xf < s->styles->n &&
	       s->styles->date[xf];
}

/* The text of a <v> as its cell type says. */
static int cell_value(struct sheet *s, enum cell_type type, int is_date,
		      const char *p, size_t n, struct err *e)
{
	uint64_t i;

	switch (type) {
	case CELL_SHARED:
		if (parse_count(p, n, UINT64_MAX, &i) < 0)
			return bad(e, "共享字符串编号错误", "a shared string index is wrong");
		if (i >= s->sst->n)
			return bad(e, "共享字符串编号超出范围",
				   "a shared string index is out of range");
		strbuf_add(&s->cell, s->sst->text.buf + s->sst->off[i],
			   s->sst->off[i + 1] - s->sst->off[i]);
		break;
	case CELL_BOOL:
		if (n == 1 && (p[0] == '0' || p[0] == '1'))
			strbuf_addstr(&s->cell, p[0] == '1' ? "TRUE" : "FALSE");
		else
			add_decoded(&s->cell, p, n, 0);
		break;
	case CELL_NUMBER:
		if (!is_date || add_serial_date(&s->cell, p, n, s->date1904) < 0)
			add_number(&s->cell, p, n);
		break;
	case CELL_DATE:
		/* ISO 8601; a date-time is shown as its date, as a number with
		 * a date style is. */
		add_decoded(&s->cell, p, n, 0);
		if (s->cell.len > 10 && s->cell.buf[4] == '-' && s->cell.buf[7] == '-' &&
		    s->cell.buf[10] == 'T')
			s->cell.buf[s->cell.len = 10] = '\0';
		break;
	default:
		add_decoded(&s->cell, p, n, 1);
		break;
	}
	return s->cell.len > XLSX_STRING_BYTES ? too_long(e) : 0;
}

/* The content of one <c> (after its start tag) into s->cell. */
static int read_cell(struct sheet *s, enum cell_type type, int is_date,
		     struct err *e)
{
	struct tag t;
	int rc;

	strbuf_reset(&s->cell);
	while ((rc = xml_tag(&s->x, &t, e)) == 1) {
		const char *p;
		size_t n;

		if (t.end && tag_is(&t, "c"))
			return 0;
		if (t.end || t.empty)
			continue;
		if (tag_is(&t, "is")) {
			if ((rc = rich_text(&s->x, "is", &s->cell, 0, e)) < 0)
				return rc;
		} else if (tag_is(&t, "v")) {
			xml_text(&s->x, &p, &n);
			s->x.pos += n;
			if ((rc = cell_value(s, type, is_date, p, n, e)) < 0)
				return rc;
		}
		/* <f>: the formula; its cached value is in <v>. */
	}
	return rc < 0 ? rc : xml_truncated(e);
}

static int one_cell(struct sheet *s, const struct tag *t, struct err *e)
{
	unsigned col = s->col + 1;
	const char *v;
	size_t vn;
	int rc;

	if (tag_attr(t, "r", 0, &v, &vn) && (col = col_number(v, vn)) == 0)
		return bad(e, "单元格位置错误", "a cell reference is wrong");
	if (col <= s->col)
		return bad(e, "单元格顺序错误", "cells are out of order");
	if (col > XLSX_COLUMNS)
		return bad(e, "列数过多（超过 256 列）", "more than 256 columns");
	s->col = col;
	if (t->empty)
		return 0;
	if ((rc = read_cell(s, cell_type(t), cell_is_date(s, t), e)) < 0)
		return rc;
	if (!s->cell.len)
		return 0;
	/* The commas up to this column: a gap is empty fields. */
	for (unsigned k = s->written ? s->written : 1; k < col; k++)
		strbuf_addch(s->csv, ',');
	csv_append_field(s->csv, s->cell.buf, s->cell.len);
	s->written = col;
	return 0;
}

static int too_many_rows(struct err *e)
{
	return bad(e, "行数过多（超过 1048576 行）", "more than 1,048,576 rows");
}

/* A <row>: the rows it skips become empty lines. */
static int start_row(struct sheet *s, const struct tag *t, struct err *e)
{
	uint64_t r = s->row + 1;
	const char *v;
	size_t vn;

	if (tag_attr(t, "r", 0, &v, &vn) &&
	    (parse_count(v, vn, UINT64_MAX, &r) < 0 || r == 0))
		return bad(e, "行号错误", "a row number is wrong");
	if (r > XLSX_ROWS)
		return too_many_rows(e);
	if (r <= s->row)
		return bad(e, "行的顺序错误", "rows are out of order");
	for (uint64_t k = s->row + 1; k < r; k++)
		strbuf_addch(s->csv, '\n');
	s->row = r;
	s->col = s->written = 0;
	return 0;
}

/* The rows of <sheetData>; what comes before and after it is skipped. */
static int sheet_walk(struct sheet *s, struct err *e)
{
	struct tag t;
	int rc, in_data = 0, in_row = 0, seen = 0;

	while ((rc = xml_tag(&s->x, &t, e)) == 1) {
		if (tag_is(&t, "sheetData")) {
			seen = 1;
			if (t.end || t.empty)
				break;
			in_data = 1;
		} else if (!in_data) {
			continue;
		} else if (tag_is(&t, "row") && !t.end) {
			if (in_row)
				return bad(e, "行未结束", "a row is not closed");
			if ((rc = start_row(s, &t, e)) < 0)
				return rc;
			in_row = !t.empty;
			if (t.empty)
				strbuf_addch(s->csv, '\n');
		} else if (tag_is(&t, "row")) {
			if (!in_row)
				return bad(e, "行结构错误", "a row ends that did not begin");
			strbuf_addch(s->csv, '\n');
			in_row = 0;
		} else if (tag_is(&t, "c") && !t.end) {
			if (!in_row)
				return bad(e, "单元格不在行内", "a cell outside a row");
			if ((rc = one_cell(s, &t, e)) < 0)
				return rc;
		}
		if (s->csv->len > XLSX_OUTPUT_BYTES)
			return bad(e, "转换后的内容过多", "too much content once converted");
	}
	if (rc < 0)
		return rc;
	if (in_row)
		return xml_truncated(e);
	return seen ? 0 : bad(e, "工作表没有数据区", "the worksheet has no sheetData");
}

/* === the entry point === */

int xlsx_sniff(const unsigned char *data, size_t len)
{
	return len >= 4 && (memcmp(data, "PK\3\4", 4) == 0 ||
			    memcmp(data, "\xD0\xCF\x11\xE0", 4) == 0);
}

static int sheet_part(const struct zip *z, struct blob *b, struct strbuf *styles,
		      int *date1904, struct err *e)
{
	static const char fallback[] = "xl/worksheets/sheet1.xml";
	struct strbuf path = STRBUF_INIT;
	int rc = first_sheet(z, &path, styles, date1904, e);

	if (rc > 0)
		rc = zip_get(z, path.buf, b, e);
	if (rc == 0)
		rc = zip_get(z, fallback, b, e);
	if (rc == 0)
		rc = bad(e, "找不到工作表", "no worksheet");
	strbuf_release(&path);
	return rc < 0 ? rc : 0;
}

int xlsx_to_csv(const unsigned char *data, size_t len, struct csv_text *out,
		struct err *e)
{
	struct zip z;
	struct sst sst;
	struct blob part = { 0 };
	struct strbuf csv = STRBUF_INIT;
	struct strbuf styles_path = STRBUF_INIT;
	struct styles styles = { 0 };
	struct sheet s;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	strbuf_init(&s.cell, 0);
	sst_init(&sst);
	if (len >= 4 && memcmp(data, "\xD0\xCF\x11\xE0", 4) == 0) {
		rc = err_set(e, ERR_INVALID, "file", "xlsx_encrypted",
			     "文件已加密或是旧版 .xls 格式：请在 Excel 中另存为不加密的 XLSX 或 CSV 文件",
			     "the file is encrypted or an old .xls: save it from Excel as a plain XLSX or CSV file");
		goto cleanup;
	}
	if (len > LIMIT_IMPORT_BYTES) {
		rc = bad(e, "文件过大", "the file is too large");
		goto cleanup;
	}
	if ((rc = zip_open(&z, data, len, e)) < 0 ||
	    (rc = sst_load(&z, &sst, e)) < 0 ||
	    (rc = sheet_part(&z, &part, &styles_path, &s.date1904, e)) < 0)
		goto cleanup;
	styles_load(&z, styles_path.buf, &styles);
	s.styles = &styles;
	xml_init(&s.x, &part);
	s.sst = &sst;
	s.csv = &csv;
	if ((rc = sheet_walk(&s, e)) < 0)
		goto cleanup;
	if (csv_utf8_valid_prefix((const unsigned char *)csv.buf, csv.len) != csv.len) {
		rc = bad(e, "文字不是 UTF-8 编码", "text that is not UTF-8");
		goto cleanup;
	}
	out->owned = strbuf_detach(&csv, &out->len);
	out->p = out->owned;
	snprintf(out->encoding, sizeof(out->encoding), "XLSX");
	rc = 0;
cleanup:
	strbuf_release(&csv);
	strbuf_release(&s.cell);
	strbuf_release(&styles_path);
	styles_release(&styles);
	blob_release(&part);
	sst_release(&sst);
	return rc;
}
