/*
 * scan.c - the engine's fast path: the population index, memory-mapped
 * canonical files, and the two-thread row scan.
 *
 * Design.  A canonical feed file (UTF-8, LF, quoted only when a field holds
 * a comma, quote or line break) is mapped read-only and read in place: a
 * field is a pointer and a length into the mapping, an ID number is packed
 * with idcard_pack() from an 18-byte stack copy, dates become YYYYMMDD
 * integers, so a row costs no allocation.  Rows of persons outside the
 * index are dropped after one hash probe; rows outside the date window are
 * dropped before it.
 *
 * Two threads: the data part is cut at the first line break after its
 * middle.  That cut may fall inside a quoted field that holds a line break,
 * so the second half is speculative: the first thread parses its half
 * properly and stops at the first record that starts at or after the cut.
 * When that record starts exactly at the cut the second half was read from
 * a true record boundary and its results are kept (its line and row numbers
 * shifted by where the first half ended); otherwise they are thrown away
 * and the first thread reads on to the end.  Either way the result equals
 * a one-thread read.
 *
 * In sum mode (the medical rule of the bench) a row adds its value into its
 * slot's cell (an atomic add: both threads share the table); probes are
 * pipelined 16 rows deep with prefetches so the cache misses of a large
 * index overlap.  A second half read from a wrong start is taken back out
 * by reading it again with the sign turned.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine_int.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/banned.h"

/* === the index === */

/* The slots are an anonymous mapping advised to use huge pages: a lookup
 * touches a random slot of a table that may be tens of megabytes, and with
 * 4 KiB pages nearly every probe would also miss the TLB. */
int ix_init(struct ix *x, size_t expected, struct err *e)
{
	uint64_t cap = 16;

	while (cap < (uint64_t)expected * 2)
		cap <<= 1;
	x->bytes = cap * sizeof(*x->slots);
	void *p = mmap(NULL, x->bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		x->slots = NULL;
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
			       "out of memory");
	}
#ifdef MADV_HUGEPAGE
	if (x->bytes >= (2u << 20))
		madvise(p, x->bytes, MADV_HUGEPAGE);
#endif
	x->person = calloc(cap, sizeof(*x->person));
	if (!x->person) {
		munmap(p, x->bytes);
		x->slots = NULL;
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
			       "out of memory");
	}
	x->slots = p; /* zero-filled: every key 0, every slot empty */
	x->mask = cap - 1;
	x->n = 0;
	return 0;
}

void ix_free(struct ix *x)
{
	if (x->slots)
		munmap(x->slots, x->bytes);
	free(x->person);
	x->slots = NULL;
	x->person = NULL;
	x->n = 0;
}

int ix_put(struct ix *x, uint64_t key, uint32_t person)
{
	uint64_t i = ix_hash(key) & x->mask;

	if (x->n * 2 >= x->mask + 1)
		return -1;
	for (;; i = (i + 1) & x->mask) {
		struct ix_slot *s = &x->slots[i];
		if (s->key == key)
			return 1;
		if (s->key == 0) {
			s->key = key;
			x->person[i] = person;
			x->n++;
			return 0;
		}
	}
}

struct ix_slot *ix_get(const struct ix *x, uint64_t key)
{
	for (uint64_t i = ix_hash(key) & x->mask;; i = (i + 1) & x->mask) {
		struct ix_slot *s = &x->slots[i];
		if (s->key == key)
			return s;
		if (s->key == 0)
			return NULL;
	}
}

/* === mapped files === */

int mfile_open(const char *path, struct mfile *m, struct err *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	m->base = NULL;
	m->len = 0;
	if (fd < 0)
		return err_setf(e, ERR_INTERNAL, "stored_path", "file",
				"无法打开数据文件 %s：%s", "cannot open %s: %s",
				path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_setf(e, ERR_INTERNAL, "stored_path", "file",
				"不是普通文件：%s", "not a regular file: %s", path);
	}
	if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			close(fd);
			return err_setf(e, ERR_INTERNAL, "stored_path", "mmap",
					"无法映射 %s：%s", "cannot map %s: %s", path,
					strerror(errno));
		}
		madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
		m->base = p;
		m->len = (size_t)st.st_size;
	}
	close(fd); /* the mapping keeps the file */
	return 0;
}

void mfile_close(struct mfile *m)
{
	if (m->base)
		munmap((void *)m->base, m->len);
	m->base = NULL;
	m->len = 0;
}

/* === fields === */

struct fld {
	const char *p;
	size_t len;
};

/*
 * Split the record at p into f[0..nf-1] (raw; a quoted field's content
 * without its quotes, doubled quotes left as they are: the columns the
 * engine reads never hold one).  Returns the start of the next record;
 * *extra gets the line breaks inside quoted fields.
 */
static const char *split(const char *p, const char *end, struct fld *f, int nf,
			 int *got, int64_t *extra)
{
	int i = 0;

	for (;;) {
		const char *s = p;
		size_t len;

		if (p < end && *p == '"') {
			s = ++p;
			while (p < end) {
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						p += 2;
						continue;
					}
					break;
				}
				*extra += *p == '\n';
				p++;
			}
			len = (size_t)(p - s);
			if (p < end)
				p++;
			while (p < end && *p != ',' && *p != '\n')
				p++;
		} else {
			while (p < end && *p != ',' && *p != '\n')
				p++;
			len = (size_t)(p - s);
			if (len && s[len - 1] == '\r')
				len--;
		}
		if (i < nf) {
			f[i].p = s;
			f[i].len = len;
		}
		i++;
		if (p >= end) {
			*got = i;
			return end;
		}
		if (*p == '\n') {
			*got = i;
			return p + 1;
		}
		p++;
	}
}

#ifdef __SSE2__
/* The fast path for the usual record: shorter than 64 bytes and without a
 * quote.  Three byte masks over 64 bytes (commas, line feeds, quotes) give
 * every field boundary at once.  NULL when the record does not fit: split()
 * reads it. */
static const char *split64(const char *p, const char *end, struct fld *f, int nf,
			   int *got)
{
	const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'),
		      quote = _mm_set1_epi8('"');
	uint64_t cm = 0, lm = 0, qm = 0;

	if (end - p < 64)
		return NULL;
	for (int i = 0; i < 4; i++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		cm |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, comma)) << (16 * i);
		lm |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, lf)) << (16 * i);
		qm |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote)) << (16 * i);
	}
	if (!lm)
		return NULL;
	int nl = __builtin_ctzll(lm);
	uint64_t before = (1ull << nl) - 1;
	if (qm & before)
		return NULL;
	cm &= before;
	int i = 0, start = 0;
	while (cm) {
		int c = __builtin_ctzll(cm);
		cm &= cm - 1;
		if (i < nf) {
			f[i].p = p + start;
			f[i].len = (size_t)(c - start);
		}
		i++;
		start = c + 1;
	}
	if (i < nf) {
		f[i].p = p + start;
		f[i].len = (size_t)(nl - start);
		if (f[i].len && p[nl - 1] == '\r')
			f[i].len--;
	}
	*got = i + 1;
	return p + nl + 1;
}
#endif

int32_t scan_date(const char *p, size_t len)
{
	static const int digit_at[8] = { 0, 1, 2, 3, 5, 6, 8, 9 };
	int32_t v = 0;

	if (len != 10 || p[4] != '-' || p[7] != '-')
		return 0;
	for (int i = 0; i < 8; i++) {
		unsigned d = (unsigned char)p[digit_at[i]] - '0';
		if (d > 9)
			return 0;
		v = v * 10 + (int32_t)d;
	}
	return v;
}

int32_t scan_ymd_of_day(int64_t day)
{
	int y, m, d;

	clock_civil_from_days(day, &y, &m, &d);
	return y * 10000 + m * 100 + d;
}

static int parse_int(const char *p, size_t len, int64_t *out)
{
	int64_t v = 0;
	int neg = 0;
	size_t i = 0;

	if (len && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len || len - i > 18)
		return -1;
	for (; i < len; i++) {
		unsigned d = (unsigned char)p[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? -v : v;
	return 0;
}

static int parse_enum(const char *p, size_t len, const char *const *values,
		      int64_t *out)
{
	for (int64_t i = 0; values && values[i]; i++)
		if (strlen(values[i]) == len && memcmp(values[i], p, len) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

/* === the header === */

static int header_index(struct fld *f, int n, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < n && i < SCAN_MAX_FIELDS; i++)
		if (f[i].len == strlen(name) && memcmp(f[i].p, name, f[i].len) == 0)
			return i;
	return -1;
}

int scan_header(const struct mfile *m, const char *id_col,
		const char *date_col, const char *value_col,
		struct scan_spec *spec, const char **data, struct err *e)
{
	struct fld f[SCAN_MAX_FIELDS];
	int n = 0;
	int64_t extra = 0;
	const char *p = m->base, *end = m->base + m->len;

	if (m->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	*data = split(p, end, f, SCAN_MAX_FIELDS, &n, &extra);
	spec->col_id = header_index(f, n, id_col);
	spec->col_date = header_index(f, n, date_col);
	spec->col_value = header_index(f, n, value_col);
	if (spec->col_id < 0 || (date_col && spec->col_date < 0) ||
	    (value_col && spec->col_value < 0))
		return err_setf(e, ERR_INVALID, "header", "column",
				"数据文件缺少列：%s", "the file lacks a column: %s",
				spec->col_id < 0 ? id_col :
				spec->col_date < 0 && date_col ? date_col : value_col);
	spec->nf = spec->col_id;
	if (spec->col_date > spec->nf)
		spec->nf = spec->col_date;
	if (spec->col_value > spec->nf)
		spec->nf = spec->col_value;
	spec->nf++;
	return 0;
}

/* === one half === */

struct pend {
	uint64_t key;
	int64_t value;
};

struct half {
	const char *start, *end, *stop_at;
	const struct scan_spec *spec;
	struct ix *x;
	int sign;              /* sum mode: 1, or -1 to take a half back out */
	uint32_t file_no;
	const char *base;
	struct scan_out out;
	int64_t lines;         /* physical lines consumed */
	const char *stopped;   /* where it stopped (stop_at reached), or NULL */
	struct pend q[16];
	unsigned qh, qn;
};

static void add_event(struct half *h, const struct scan_event *ev)
{
	struct scan_out *o = &h->out;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		struct scan_event *n = realloc(o->ev, cap * sizeof(*n));
		if (!n) {
			o->oom = 1;
			return;
		}
		o->ev = n;
		o->cap = cap;
	}
	o->ev[o->n++] = *ev;
}

static void pend_take(struct half *h)
{
	struct pend *p = &h->q[h->qh];
	struct ix_slot *s = ix_get(h->x, p->key);

	if (s)
		__atomic_fetch_add(&s->acc, p->value * h->sign, __ATOMIC_RELAXED);
	h->qh = (h->qh + 1) & 15;
	h->qn--;
}

static void pend_add(struct half *h, uint64_t key, int64_t value)
{
	__builtin_prefetch(&h->x->slots[ix_hash(key) & h->x->mask], 1, 3);
	h->q[(h->qh + h->qn) & 15] = (struct pend){ key, value };
	if (++h->qn == 16)
		pend_take(h);
}

/* One record: filter, probe, keep. */
static void take_row(struct half *h, const char *rec, const struct fld *f,
		     int got, int64_t line)
{
	const struct scan_spec *sp = h->spec;
	char id[19];
	int32_t date = 0;
	int64_t value = 0;
	int value_ok = 0;

	if (got <= sp->col_id || f[sp->col_id].len != 18)
		return;
	if (sp->col_date >= 0) {
		if (got > sp->col_date)
			date = scan_date(f[sp->col_date].p, f[sp->col_date].len);
		if ((sp->date_hi && date > sp->date_hi) ||
		    (sp->date_lo && date <= sp->date_lo))
			return;
	}
	if (sp->col_value >= 0 && got > sp->col_value)
		value_ok = (sp->vtype == SV_INT
			    ? parse_int(f[sp->col_value].p, f[sp->col_value].len, &value)
			    : parse_enum(f[sp->col_value].p, f[sp->col_value].len,
					 sp->enum_values, &value)) == 0;
	memcpy(id, f[sp->col_id].p, 18);
	id[18] = '\0';
	uint64_t key = idcard_pack(id);
	if (!key)
		return;
	if (sp->sum_mode) {
		if (value_ok)
			pend_add(h, key, value);
		return;
	}
	struct ix_slot *s = ix_get(h->x, key);
	if (!s)
		return;
	struct scan_event ev = { ix_person(h->x, s), h->file_no, date, value_ok, value,
				 (uint64_t)(rec - h->base), line, h->out.rows };
	add_event(h, &ev);
}

/* Give back the pages already read: the mapping is private and never
 * written, so they are dropped from this process only (the page cache keeps
 * them) and the peak memory stays at the index, not the file. */
static void release_behind(const char *p, const char **done)
{
	uintptr_t page = 4096, from = ((uintptr_t)*done + page - 1) & ~(page - 1);
	uintptr_t to = (uintptr_t)p & ~(page - 1);

	if (to > from + (8u << 20)) {
		madvise((void *)from, to - from, MADV_DONTNEED);
		*done = (const char *)to;
	}
}

static void *run_half(void *arg)
{
	struct half *h = arg;
	struct fld f[SCAN_MAX_FIELDS];
	const char *p = h->start, *done = h->start;

	while (p < h->end) {
		int got = 0;
		int64_t extra = 0;
		const char *rec = p;

		if (h->stop_at && p >= h->stop_at) {
			h->stopped = p;
			break;
		}
#ifdef __SSE2__
		const char *next = split64(p, h->end, f, h->spec->nf, &got);
		p = next ? next : split(p, h->end, f, h->spec->nf, &got, &extra);
#else
		p = split(p, h->end, f, h->spec->nf, &got, &extra);
#endif
		h->out.rows++;
		take_row(h, rec, f, got, h->lines + 1);
		h->lines += 1 + extra;
		if ((h->out.rows & 4095) == 0)
			release_behind(p, &done);
	}
	while (h->qn)
		pend_take(h);
	return NULL;
}

static int merge_out(struct scan_out *dst, struct scan_out *src, int64_t line0,
		     int64_t row0)
{
	if (src->n && dst->n + src->n > dst->cap) {
		struct scan_event *n = realloc(dst->ev, (dst->n + src->n) * sizeof(*n));
		if (!n)
			return -1;
		dst->ev = n;
		dst->cap = dst->n + src->n;
	}
	for (size_t i = 0; i < src->n; i++) {
		struct scan_event ev = src->ev[i];
		ev.line += line0;
		ev.row += row0;
		dst->ev[dst->n++] = ev;
	}
	dst->rows += src->rows;
	return 0;
}

int scan_file(const struct mfile *m, const char *data,
	      const struct scan_spec *spec, struct ix *x, int threads,
	      uint32_t file_no, struct scan_out *out, struct err *e)
{
	const char *end = m->base + m->len;
	const char *cut = NULL;
	struct half a = { 0 }, b = { 0 };
	pthread_t tb;
	int started = 0, rc = 0;

	a = (struct half){ .start = data, .end = end, .spec = spec, .x = x,
			   .sign = 1, .file_no = file_no, .base = m->base,
			   .lines = 1 };
	a.out = *out;
	a.out.rows = 0;
	if (threads > 1 && end - data > 1) {
		const char *mid = data + (end - data) / 2;
		const char *nl = memchr(mid, '\n', (size_t)(end - mid));
		if (nl && nl + 1 < end)
			cut = nl + 1;
	}
	if (cut) {
		a.stop_at = cut;
		b = (struct half){ .start = cut, .end = end, .spec = spec, .x = x,
				   .sign = 1, .file_no = file_no, .base = m->base };
		started = pthread_create(&tb, NULL, run_half, &b) == 0;
		if (!started)
			a.stop_at = NULL;
	}
	run_half(&a);
	if (started) {
		pthread_join(tb, NULL);
		int matched = a.stopped == cut;
		if (!matched && spec->sum_mode) {
			/* The second half began inside a quoted field: its sums are
			 * already in the shared cells.  Its read is deterministic, so
			 * reading it again with the sign turned takes exactly them
			 * back out. */
			free(b.out.ev);
			b = (struct half){ .start = cut, .end = end, .spec = spec, .x = x,
					   .sign = -1, .file_no = file_no, .base = m->base };
			run_half(&b);
		}
		if (matched) {
			if (merge_out(&a.out, &b.out, a.lines, a.out.rows) < 0)
				a.out.oom = 1;
		} else if (a.stopped) {
			/* The cut fell inside a quoted field: read on alone. */
			a.start = a.stopped;
			a.stop_at = NULL;
			a.stopped = NULL;
			run_half(&a);
		}
		free(b.out.ev);
	}
	a.out.rows += out->rows;
	*out = a.out;
	if (out->oom)
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
			     "out of memory");
	return rc;
}

void scan_out_free(struct scan_out *o)
{
	free(o->ev);
	memset(o, 0, sizeof(*o));
}

int scan_record_fields(const char *p, const char *end, char *buf,
		       size_t bufsize, const char **fields, int max)
{
	size_t w = 0;
	int n = 0;

	if (bufsize == 0)
		return 0;
	for (;;) {
		if (n < max)
			fields[n] = buf + w;
		if (p < end && *p == '"') {
			p++;
			while (p < end) {
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						if (w + 1 < bufsize)
							buf[w++] = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (w + 1 < bufsize)
					buf[w++] = *p;
				p++;
			}
			while (p < end && *p != ',' && *p != '\n')
				p++;
		} else {
			while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
				if (w + 1 < bufsize)
					buf[w++] = *p;
				p++;
			}
			while (p < end && *p != ',' && *p != '\n')
				p++;
		}
		if (w < bufsize)
			buf[w++] = '\0';
		else
			buf[bufsize - 1] = '\0';
		n++;
		if (p >= end || *p == '\n')
			return n < max ? n : max;
		p++;
	}
}
