/*
 * bench.c - the medical-cost rule alone over two CSV files, for `make bench`.
 *
 * The persons file fills the index (the person number of a slot is the
 * byte offset of the ID field in the mapped persons file, so the answer
 * needs no copy of the numbers); the settlements file is scanned in sum
 * mode (scan.c): each row in the window adds self_paid_fen into its
 * person's cell, two threads, 16 probes in flight each.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "engine_int.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/banned.h"

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 18);
}

static int flush(struct ix *x, const uint64_t *k, const uint32_t *o, int *n)
{
	for (int i = 0; i < *n; i++)
		if (ix_put(x, k[i], o[i]) < 0)
			return -1;
	*n = 0;
	return 0;
}

/* Every ID number of the persons file into the index. */
static int load_persons(const struct mfile *m, struct ix *x, struct err *e)
{
	struct scan_spec spec = { 0 };
	const char *data, *end = m->base + m->len;
	int rc;

	if ((rc = scan_header(m, "id_number", NULL, NULL, &spec, &data, e)) < 0)
		return rc;
	/* Size the index by the line count (a quoted line break only makes it
	 * larger), not by the bytes: half the memory for wide files. */
	size_t lines = 1;
	for (const char *q = data; q < end && (q = memchr(q, '\n', (size_t)(end - q))); q++)
		lines++;
	if ((rc = ix_init(x, lines, e)) < 0)
		return rc;
	uint64_t qk[16];
	uint32_t qo[16];
	int qn = 0;
	for (const char *p = data; p < end;) {
		const char *f = p, *q;
		char id[19];
		int col = 0;
		/* canonical persons files hold no quotes in the ID column; other
		 * columns are skipped to the line end, quotes respected */
		while (col < spec.col_id) {
			while (p < end && *p != ',' && *p != '\n')
				p++;
			if (p >= end || *p == '\n')
				break;
			f = ++p;
			col++;
		}
		for (q = f; q < end && *q != ',' && *q != '\n' && *q != '\r'; q++)
			;
		if (col == spec.col_id && q - f == 18) {
			memcpy(id, f, 18);
			id[18] = '\0';
			uint64_t key = idcard_pack(id);
			if (key) {
				/* inserts go 16 rows behind their prefetch */
				__builtin_prefetch(&x->slots[ix_hash(key) & x->mask], 1, 3);
				qk[qn] = key;
				qo[qn++] = (uint32_t)(f - m->base);
				if (qn == 16 && flush(x, qk, qo, &qn) < 0)
					return err_set(e, ERR_INTERNAL, NULL, "index",
						       "索引已满", "index full");
			}
		}
		int inq = 0;
		for (p = q; p < end && (inq || *p != '\n'); p++)
			if (*p == '"')
				inq = !inq;
		if (p < end)
			p++;
	}
	if (flush(x, qk, qo, &qn) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "index", "索引已满", "index full");
	return 0;
}

int engine_medical_bench(const char *persons_csv, const char *settlements_csv,
			 const char *as_of, int window_days,
			 int64_t threshold_fen, int threads,
			 char (**out_ids)[19], size_t *out_count,
			 struct err *e)
{
	struct mfile pm = { 0 }, sm = { 0 };
	struct ix x = { 0 };
	struct scan_spec spec = { 0 };
	struct scan_out so = { 0 };
	const char *data;
	int64_t day;
	char (*ids)[19] = NULL;
	size_t n = 0;
	int rc;

	*out_ids = NULL;
	*out_count = 0;
	if (!as_of || clock_parse_date(as_of, &day) < 0 || window_days < 1)
		return err_set(e, ERR_INVALID, "as_of", "date", "as_of 应为 YYYY-MM-DD",
			       "as_of must be YYYY-MM-DD and window_days >= 1");
	if ((rc = mfile_open(persons_csv, &pm, e)) < 0 ||
	    (rc = mfile_open(settlements_csv, &sm, e)) < 0)
		goto cleanup;
	if ((rc = load_persons(&pm, &x, e)) < 0)
		goto cleanup;
	if (sm.len) {
		if ((rc = scan_header(&sm, "id_number", "settle_date", "self_paid_fen",
				      &spec, &data, e)) < 0)
			goto cleanup;
		spec.vtype = SV_INT;
		spec.sum_mode = 1;
		spec.date_hi = scan_ymd_of_day(day);
		spec.date_lo = scan_ymd_of_day(day - window_days);
		if ((rc = scan_file(&sm, data, &spec, &x, threads == 1 ? 1 : 2, 0, &so, e)) < 0)
			goto cleanup;
	}
	for (uint64_t i = 0; i <= x.mask; i++)
		n += x.slots[i].key && x.slots[i].acc >= threshold_fen;
	ids = malloc((n ? n : 1) * sizeof(*ids));
	if (!ids) {
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		goto cleanup;
	}
	n = 0;
	for (uint64_t i = 0; i <= x.mask; i++)
		if (x.slots[i].key && x.slots[i].acc >= threshold_fen) {
			memcpy(ids[n], pm.base + x.person[i], 18);
			ids[n++][18] = '\0';
		}
	qsort(ids, n, sizeof(*ids), id_cmp);
	*out_ids = ids;
	*out_count = n;
cleanup:
	scan_out_free(&so);
	ix_free(&x);
	mfile_close(&pm);
	mfile_close(&sm);
	return rc;
}
