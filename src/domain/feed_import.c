/*
 * feed_import.c - one department file into feed_batches / feed_records and
 * a canonical file, all or nothing; and the batches read back.
 *
 * The file is walked once, streaming: decode (UTF-8 or GB18030), read a
 * CSV record, check every value against the catalogue, write the record's
 * canonical row, hash it (sha256 = record_key), and insert it with one
 * prepared statement that is reset and rebound for every row, inside one
 * transaction.  "INSERT ... ON CONFLICT (feed, record_key) DO NOTHING" says
 * by the rows it changed whether the record is new or was imported by an
 * earlier batch, so no lookup is needed per row.  Duplicates inside the file
 * are caught before that by an open-addressing set of the first 16 bytes of
 * each row's hash (the line of the first occurrence kept for the reason).
 *
 * The same file twice: the batch's file_sha256 is looked up inside the
 * write transaction (BEGIN IMMEDIATE serialises importers), so two uploads
 * of one file at the same moment still give one batch.
 *
 * The canonical file is written next to its final name as ".<id>.csv.tmp",
 * flushed and fsync'd, and renamed to "<id>.csv" before the commit; if
 * anything after that fails the file is removed.  See feed.h for why a
 * crash in between is harmless.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "feed.h"
#include "audit.h"
#include "../core/clock.h"
#include "../core/csv.h"
#include "../core/limits.h"
#include "../core/xlsx.h"
#include "../core/banned.h"

/* === the set of rows seen in this file === */

struct seen_slot {
	unsigned char key[16];
	int64_t line;          /* 0 = empty */
};

struct seen_set {
	struct seen_slot *slots;
	size_t cap, n;         /* cap is a power of two */
};

static void seen_init(struct seen_set *s)
{
	s->cap = 1024;
	s->n = 0;
	s->slots = xcalloc(s->cap, sizeof(*s->slots));
}

static struct seen_slot *seen_find(struct seen_set *s, const unsigned char *k)
{
	uint64_t h;
	size_t i;

	memcpy(&h, k, sizeof(h));
	for (i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
		if (!s->slots[i].line || memcmp(s->slots[i].key, k, 16) == 0)
			return &s->slots[i];
}

static void seen_grow(struct seen_set *s)
{
	struct seen_set bigger = { xcalloc(s->cap * 2, sizeof(*s->slots)),
				   s->cap * 2, s->n };

	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].line)
			*seen_find(&bigger, s->slots[i].key) = s->slots[i];
	free(s->slots);
	*s = bigger;
}

/* The line of an earlier identical row, or 0 after recording this one. */
static int64_t seen_add(struct seen_set *s, const unsigned char *k, int64_t line)
{
	struct seen_slot *slot;

	if (2 * (s->n + 1) > s->cap)
		seen_grow(s);
	slot = seen_find(s, k);
	if (slot->line)
		return slot->line;
	memcpy(slot->key, k, 16);
	slot->line = line;
	s->n++;
	return 0;
}

/* === one import === */

struct import {
	struct store *s;
	const struct feed_def *f;
	struct feed_result *r;
	int src[LIMIT_CSV_FIELDS];   /* catalogue column -> file column, -1 */
	int n_header;
	struct csv_reader csv;
	struct seen_set seen;
	struct store_stmt *ins;
	struct strbuf row, json, val;
	size_t cap_rejected;
	FILE *out;                   /* the canonical file being written */
	char tmp_path[LIMIT_PATH_BYTES], final_path[LIMIT_PATH_BYTES];
	int renamed;
	char now[21];
	FILE *progress;
	int tty;
	int shown_pct;
};

void feed_result_release(struct feed_result *r)
{
	free(r->rejected);
	r->rejected = NULL;
	r->n_rejected = 0;
}

static void reject(struct import *im, int64_t line, const char *field,
		   const char *zh, const char *en)
{
	struct feed_rejection *x;

	if (im->r->n_rejected == im->cap_rejected) {
		im->cap_rejected = im->cap_rejected ? 2 * im->cap_rejected : 16;
		im->r->rejected = xrealloc(im->r->rejected,
					   im->cap_rejected * sizeof(*x));
	}
	x = &im->r->rejected[im->r->n_rejected++];
	memset(x, 0, sizeof(*x));
	x->line = line;
	snprintf(x->field, sizeof(x->field), "%s", field ? field : "");
	snprintf(x->reason_zh, sizeof(x->reason_zh), "%s", zh);
	snprintf(x->reason_en, sizeof(x->reason_en), "%s", en);
	im->r->rows_rejected++;
}

/* A header cell as the department wrote it: blanks, a BOM, a trailing '*'
 * (the "required" mark of templates) trimmed, compared with the canonical
 * name (any case), the Chinese label and the aliases. */
static int header_matches(const struct feed_column *c, const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '*'))
		n--;
	if (n == strlen(c->name) && strncasecmp(c->name, p, n) == 0)
		return 1;
	if (n == strlen(c->label_zh) && memcmp(c->label_zh, p, n) == 0)
		return 1;
	for (size_t i = 0; i < c->n_aliases; i++)
		if (n == strlen(c->aliases[i]) && memcmp(c->aliases[i], p, n) == 0)
			return 1;
	return 0;
}

static int read_header(struct import *im, struct err *e)
{
	const struct feed_def *f = im->f;
	int rc;

	do {
		rc = csv_next(&im->csv, e);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return err_set(e, ERR_INVALID, "file", "empty", "文件为空",
				       "the file is empty");
	} while (im->csv.n_fields == 1 && csv_field_blank(&im->csv.fields[0]));
	im->n_header = im->csv.n_fields;
	for (size_t c = 0; c < f->n_columns; c++) {
		im->src[c] = -1;
		for (int i = 0; i < im->csv.n_fields; i++) {
			const struct csv_field *h = &im->csv.fields[i];

			if (!header_matches(&f->columns[c], h->p, h->len))
				continue;
			if (im->src[c] >= 0)
				return err_setf(e, ERR_INVALID, f->columns[c].name, "header",
						"表头中“%s”出现两次",
						"the header names %s twice",
						f->columns[c].label_zh);
			im->src[c] = i;
		}
		if (im->src[c] < 0 && f->columns[c].required)
			return err_setf(e, ERR_INVALID, f->columns[c].name, "header",
					"表头缺少必填列“%s”（%s）",
					"the header has no column %.0s%s",
					f->columns[c].label_zh, f->columns[c].name);
	}
	return 0;
}

/* JSON string escaping for feed_records.data (built by hand: it is done a
 * million times per large file). */
static void json_str(struct strbuf *sb, const char *p, size_t n)
{
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)c);
		} else if (c == '\n') {
			strbuf_add(sb, "\\n", 2);
		} else if (c < 0x20) {
			strbuf_addf(sb, "\\u%04x", c);
		} else {
			strbuf_addch(sb, (char)c);
		}
	}
	strbuf_addch(sb, '"');
}

/* Check one record and build its canonical row (im->row) and JSON
 * (im->json).  0, or 1 when it was rejected. */
static int check_row(struct import *im, size_t *key_off, size_t *date_off,
		     size_t *date_len)
{
	const struct feed_def *f = im->f;
	const struct csv_reader *r = &im->csv;
	struct err ve;

	strbuf_reset(&im->row);
	strbuf_reset(&im->json);
	strbuf_addch(&im->json, '{');
	*date_len = 0;
	for (int i = im->n_header; i < r->n_fields; i++)
		if (!csv_field_blank(&r->fields[i])) {
			char zh[96], en[96];
			snprintf(zh, sizeof(zh), "该行有 %d 个字段，表头只有 %d 列",
				 r->n_fields, im->n_header);
			snprintf(en, sizeof(en), "the row has %d fields, the header %d",
				 r->n_fields, im->n_header);
			reject(im, r->record_line, "", zh, en);
			return 1;
		}
	for (size_t c = 0; c < f->n_columns; c++) {
		const struct feed_column *col = &f->columns[c];
		int fi = im->src[c];
		const char *p = fi >= 0 && fi < r->n_fields ? r->fields[fi].p : "";
		size_t n = fi >= 0 && fi < r->n_fields ? r->fields[fi].len : 0;
		size_t at = im->row.len;

		strbuf_reset(&im->val);
		if (feed_parse_value(col, p, n, &im->val, &ve) < 0) {
			char zh[400], en[400];
			snprintf(zh, sizeof(zh), "%s：%s", col->label_zh, ve.message);
			snprintf(en, sizeof(en), "%s: %s", col->name, ve.message_en);
			reject(im, r->record_line, col->name, zh, en);
			return 1;
		}
		if (c)
			strbuf_addch(&im->row, ',');
		at = im->row.len;
		csv_append_field(&im->row, im->val.buf, im->val.len);
		if ((int)c == f->key_column)
			*key_off = at;
		if ((int)c == f->date_column && im->val.len) {
			*date_off = at;
			*date_len = im->val.len;
		}
		if (c)
			strbuf_addch(&im->json, ',');
		json_str(&im->json, col->name, strlen(col->name));
		strbuf_addch(&im->json, ':');
		if (!im->val.len)
			strbuf_add(&im->json, "null", 4);
		else if (col->type == FEED_FEN || col->type == FEED_INT ||
			 col->type == FEED_DECIMAL2)
			strbuf_add(&im->json, im->val.buf, im->val.len);
		else
			json_str(&im->json, im->val.buf, im->val.len);
	}
	strbuf_addch(&im->json, '}');
	return 0;
}

static void draw_progress(struct import *im, int done)
{
	size_t total = im->csv.len ? im->csv.len : 1;
	int pct = done ? 100 : (int)(csv_offset(&im->csv) * 100 / total);
	char bar[41];

	if (!im->progress || !im->tty || (pct == im->shown_pct && !done))
		return;
	im->shown_pct = pct;
	for (int i = 0; i < 40; i++)
		bar[i] = i < pct * 40 / 100 ? '#' : '.';
	bar[40] = '\0';
	fprintf(im->progress, "\r导入 %s [%s] %3d%% %" PRId64 " 行", im->f->name,
		bar, pct, im->r->rows_total);
	if (done)
		fputc('\n', im->progress);
	fflush(im->progress);
}

static int insert_record(struct import *im, size_t key_off, size_t date_off,
			 size_t date_len, const char key_hex[33], int *is_new,
			 struct err *e)
{
	const struct store_ops *ops = im->s->ops;
	struct store_stmt *st = im->ins;
	int rc;

	ops->reset(st);
	ops->bind_text(st, 1, im->f->name, strlen(im->f->name));
	ops->bind_text(st, 2, im->row.buf + key_off, 18);
	ops->bind_text(st, 3, key_hex, 32);
	ops->bind_int64(st, 4, im->r->batch_id);
	ops->bind_int64(st, 5, im->csv.record_line);
	if (date_len)
		ops->bind_text(st, 6, im->row.buf + date_off, date_len);
	else
		ops->bind_null(st, 6);
	ops->bind_text(st, 7, im->json.buf, im->json.len);
	ops->bind_text(st, 8, im->now, strlen(im->now));
	rc = ops->step(st, e);
	if (rc < 0)
		return rc;
	*is_new = ops->changes(im->s) > 0;
	return 0;
}

static int one_row(struct import *im, struct err *e)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char key_hex[33];
	size_t key_off = 0, date_off = 0, date_len = 0;
	int64_t first;
	int is_new, rc;

	im->r->rows_total++;
	if (check_row(im, &key_off, &date_off, &date_len))
		return 0;
	crypto_hash_sha256(hash, (const unsigned char *)im->row.buf, im->row.len);
	if ((first = seen_add(&im->seen, hash, im->csv.record_line)) != 0) {
		char zh[64], en[64];
		snprintf(zh, sizeof(zh), "与第 %" PRId64 " 行重复", first);
		snprintf(en, sizeof(en), "duplicate of line %" PRId64, first);
		reject(im, im->csv.record_line, "", zh, en);
		return 0;
	}
	sodium_bin2hex(key_hex, sizeof(key_hex), hash, 16);
	if ((rc = insert_record(im, key_off, date_off, date_len, key_hex,
				&is_new, e)) < 0)
		return rc;
	if (!is_new) {
		im->r->rows_unchanged++;
		return 0;
	}
	im->r->rows_imported++;
	strbuf_addch(&im->row, '\n');
	if (fwrite(im->row.buf, 1, im->row.len, im->out) != im->row.len)
		return err_setf(e, ERR_INTERNAL, "file", "write", "写入 %s 失败：%s",
				"cannot write %s: %s", im->tmp_path, strerror(errno));
	return 0;
}

static int mkdir_one(const char *path, struct err *e)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	return err_setf(e, ERR_INTERNAL, "data_dir", "mkdir", "无法创建目录 %s：%s",
			"cannot create %s: %s", path, strerror(errno));
}

static int open_output(struct import *im, const char *data_dir, struct err *e)
{
	char dir[LIMIT_PATH_BYTES];
	int rc;

	snprintf(dir, sizeof(dir), "%s", data_dir);
	if ((rc = mkdir_one(dir, e)) < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s/feeds", data_dir);
	if ((rc = mkdir_one(dir, e)) < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s/feeds/%s", data_dir, im->f->name);
	if ((rc = mkdir_one(dir, e)) < 0)
		return rc;
	snprintf(im->r->stored_path, sizeof(im->r->stored_path),
		 "feeds/%s/%" PRId64 ".csv", im->f->name, im->r->batch_id);
	snprintf(im->final_path, sizeof(im->final_path), "%s/%s", data_dir,
		 im->r->stored_path);
	if (snprintf(im->tmp_path, sizeof(im->tmp_path), "%s/.%" PRId64 ".csv.tmp",
		     dir, im->r->batch_id) >= (int)sizeof(im->tmp_path))
		return err_set(e, ERR_INVALID, "data_dir", "length",
			       "data_dir 路径过长", "data_dir is too long");
	im->out = fopen(im->tmp_path, "w");
	if (!im->out)
		return err_setf(e, ERR_INTERNAL, "data_dir", "write",
				"无法写入 %s：%s", "cannot write %s: %s",
				im->tmp_path, strerror(errno));
	setvbuf(im->out, NULL, _IOFBF, 1 << 20);
	for (size_t c = 0; c < im->f->n_columns; c++)
		fprintf(im->out, "%s%s", c ? "," : "", im->f->columns[c].name);
	fputc('\n', im->out);
	return 0;
}

/* Flush and fsync the canonical file, then rename it into place, or
 * remove it when the batch added no row. */
static int close_output(struct import *im, struct err *e)
{
	int bad = fflush(im->out) != 0 || fsync(fileno(im->out)) != 0;

	bad |= fclose(im->out) != 0;
	im->out = NULL;
	if (bad)
		return err_setf(e, ERR_INTERNAL, "file", "write", "写入 %s 失败：%s",
				"cannot write %s: %s", im->tmp_path, strerror(errno));
	if (im->r->rows_imported == 0) {
		unlink(im->tmp_path);
		im->r->stored_path[0] = '\0';
		return 0;
	}
	if (rename(im->tmp_path, im->final_path) != 0)
		return err_setf(e, ERR_INTERNAL, "file", "write",
				"无法重命名 %s：%s", "cannot rename %s: %s",
				im->tmp_path, strerror(errno));
	im->renamed = 1;
	return 0;
}

static json_t *rejected_json(const struct feed_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n_rejected; i++) {
		const struct feed_rejection *x = &r->rejected[i];
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s}",
			"line", (json_int_t)x->line, "field", x->field,
			"reason_zh", x->reason_zh, "reason_en", x->reason_en));
	}
	return a;
}

static int finish_batch(struct import *im, const struct actor *actor,
			const char *file_name, struct err *e)
{
	struct feed_result *r = im->r;
	json_t *rej = rejected_json(r), *detail;
	char *rej_text = json_dumps(rej, JSON_COMPACT);
	int rc;

	rc = store_execv(im->s, e,
		"UPDATE feed_batches SET rows_total = $1, rows_imported = $2,"
		" rows_unchanged = $3, rows_rejected = $4, stored_path = $5,"
		" rejected = $6, encoding = $7 WHERE id = $8", "iiiisssi",
		r->rows_total, r->rows_imported, r->rows_unchanged,
		r->rows_rejected, r->stored_path, rej_text, r->encoding,
		r->batch_id);
	free(rej_text);
	json_decref(rej);
	if (rc < 0)
		return rc;
	detail = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
			   "feed", r->feed, "file_name", file_name,
			   "file_sha256", r->sha256, "encoding", r->encoding,
			   "rows_total", (json_int_t)r->rows_total,
			   "rows_imported", (json_int_t)r->rows_imported,
			   "rows_unchanged", (json_int_t)r->rows_unchanged,
			   "rows_rejected", (json_int_t)r->rows_rejected);
	rc = audit_append(im->s, actor, "feed.import", "feed_batch", r->batch_id,
			  actor ? actor->region : NULL, detail, e);
	json_decref(detail);
	return rc;
}

static int rows_loop(struct import *im, struct err *e)
{
	int rc;

	while ((rc = csv_next(&im->csv, e)) == 1) {
		if (im->csv.n_fields == 1 && csv_field_blank(&im->csv.fields[0]))
			continue;                   /* a blank line */
		if ((rc = one_row(im, e)) < 0)
			return rc;
		if ((im->r->rows_total & 4095) == 0)
			draw_progress(im, 0);
	}
	if (rc == 0)
		draw_progress(im, 1);
	return rc;
}

/* A batch row read back into a result (the same file imported again). */
static int load_existing(struct store *s, int64_t id, struct feed_result *r,
			 struct err *e);

static int find_existing(struct store *s, const char *feed, const char *sha,
			 int64_t *id, struct err *e)
{
	int rc = store_int64(s, id, e, "SELECT id FROM feed_batches"
			     " WHERE feed = $1 AND file_sha256 = $2", "ss", feed, sha);

	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		*id = 0;
		return 0;
	}
	return rc;
}

static int run_import(struct import *im, const struct actor *actor,
		      const char *data_dir, const char *file_name,
		      const void *bytes, size_t len, struct err *e)
{
	struct feed_result *r = im->r;
	struct csv_text text;
	int64_t existing = 0;
	int rc;

	if ((rc = find_existing(im->s, r->feed, r->sha256, &existing, e)) < 0)
		return rc;
	if (existing)
		return load_existing(im->s, existing, r, e);
	/* An XLSX (a ZIP, or an encrypted Office file) becomes CSV text first. */
	rc = xlsx_sniff(bytes, len) ? xlsx_to_csv(bytes, len, &text, e)
				    : csv_decode(bytes, len, &text, e);
	if (rc < 0)
		return rc;
	snprintf(r->encoding, sizeof(r->encoding), "%s", text.encoding);
	csv_init(&im->csv, text.p, text.len);
	if ((rc = read_header(im, e)) < 0)
		goto cleanup;
	rc = store_int64(im->s, &r->batch_id, e,
		"INSERT INTO feed_batches (feed, department, file_name, file_sha256,"
		" encoding, rows_total, rows_imported, rows_unchanged, rows_rejected,"
		" stored_path, rejected, imported_by, created_at)"
		" VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0, '', '[]', NULLIF($6, 0), $7)"
		" RETURNING id", "sssssis", r->feed, r->department, file_name,
		r->sha256, r->encoding, actor ? actor->user_id : (int64_t)0, im->now);
	if (rc < 0)
		goto cleanup;
	if ((rc = open_output(im, data_dir, e)) < 0 ||
	    (rc = im->s->ops->prepare(im->s,
		"INSERT INTO feed_records (feed, id_number, record_key, batch_id,"
		" line, event_date, data, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
		" ON CONFLICT (feed, record_key) DO NOTHING", &im->ins, e)) < 0)
		goto cleanup;
	if ((rc = rows_loop(im, e)) < 0 || (rc = close_output(im, e)) < 0)
		goto cleanup;
	rc = finish_batch(im, actor, file_name, e);
cleanup:
	csv_release(&im->csv);
	csv_text_release(&text);
	return rc;
}

/*
 * SQLite: a page cache big enough for the two indexes of a million-row batch
 * while it is imported, so index pages are not spilled to the WAL and
 * written again each time a later row touches them (it halves the system
 * time of a 1,000,000-row file).  The connection's own size is put back
 * after, as pooled connections outlive the import.  Other drivers: nothing.
 */
#define IMPORT_CACHE_KIB 262144

static int64_t widen_cache(struct store *s)
{
	struct err ignored;
	int64_t before = 0;
	char sql[64];

	if (strcmp(s->ops->name, "sqlite") != 0 ||
	    store_int64(s, &before, &ignored, "PRAGMA cache_size", "") < 0)
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", IMPORT_CACHE_KIB);
	s->ops->exec(s, sql, &ignored);
	return before;
}

static void restore_cache(struct store *s, int64_t before)
{
	struct err ignored;
	char sql[64];

	if (!before)
		return;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size=%lld", (long long)before);
	s->ops->exec(s, sql, &ignored);
}

static void import_free(struct import *im)
{
	store_finalize(im->ins);
	im->ins = NULL;
	if (im->out) {
		fclose(im->out);
		im->out = NULL;
	}
	free(im->seen.slots);
	im->seen.slots = NULL;
	strbuf_release(&im->row);
	strbuf_release(&im->json);
	strbuf_release(&im->val);
}

int feed_import(struct store *s, const struct actor *actor,
		const char *config_dir, const char *data_dir, const char *feed,
		const char *file_name, const void *bytes, size_t len,
		FILE *progress, struct feed_result *result, struct err *e)
{
	const struct feed_catalogue *cat;
	unsigned char hash[crypto_hash_sha256_BYTES];
	struct import im;
	int64_t t0 = clock_monotonic_ms(), cache_before;
	int rc;

	memset(result, 0, sizeof(*result));
	memset(&im, 0, sizeof(im));
	if ((rc = feed_catalogue_load(config_dir, &cat, e)) < 0)
		return rc;
	if (!(im.f = feed_find(cat, feed)))
		return err_setf(e, ERR_NOT_FOUND, "feed", "feed", "没有名为 %s 的数据",
				"no feed named %s", feed);
	im.s = s;
	im.r = result;
	im.progress = progress;
	im.tty = progress && isatty(fileno(progress));
	im.shown_pct = -1;
	clock_format_utc(clock_now(), im.now);
	strbuf_init(&im.row, 256);
	strbuf_init(&im.json, 512);
	strbuf_init(&im.val, 64);
	seen_init(&im.seen);
	snprintf(result->feed, sizeof(result->feed), "%s", im.f->name);
	snprintf(result->department, sizeof(result->department), "%s", im.f->department);
	crypto_hash_sha256(hash, bytes, len);
	sodium_bin2hex(result->sha256, sizeof(result->sha256), hash, sizeof(hash));
	cache_before = widen_cache(s);
	if ((rc = store_begin(s, e)) < 0) {
		restore_cache(s, cache_before);
		goto cleanup;
	}
	rc = run_import(&im, actor, data_dir, file_name ? file_name : "", bytes, len, e);
	import_free(&im);   /* the statement must be finalized before commit */
	if (rc == 0)
		rc = store_commit(s, e);    /* the same file again: nothing to commit */
	else
		store_rollback(s);
	if (rc < 0) {
		if (im.tmp_path[0])
			unlink(im.tmp_path);
		if (im.renamed)
			unlink(im.final_path);
		feed_result_release(result);
	}
	restore_cache(s, cache_before);
	result->milliseconds = clock_monotonic_ms() - t0;
cleanup:
	import_free(&im);
	return rc;
}

/* === reading batches back === */

#define BATCH_COLS "id, feed, department, file_name, file_sha256, encoding," \
	" rows_total, rows_imported, rows_unchanged, rows_rejected, stored_path," \
	" imported_by, created_at, rejected"

static json_t *batch_row_json(struct store_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I,"
			 " s:s, s:o, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"feed", store_col_text(st, 1), "department", store_col_text(st, 2),
		"file_name", store_col_text(st, 3),
		"file_sha256", store_col_text(st, 4), "encoding", store_col_text(st, 5),
		"rows_total", (json_int_t)store_col_int64(st, 6),
		"rows_imported", (json_int_t)store_col_int64(st, 7),
		"rows_unchanged", (json_int_t)store_col_int64(st, 8),
		"rows_rejected", (json_int_t)store_col_int64(st, 9),
		"stored_path", store_col_text(st, 10),
		"imported_by", store_col_is_null(st, 11) ? json_null()
			: json_integer(store_col_int64(st, 11)),
		"created_at", store_col_text(st, 12));
}

static const char *jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static json_t *parse_rejected(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	if (!json_is_array(j)) {
		json_decref(j);
		j = json_array();
	}
	return j;
}

int feed_batch_get(struct store *s, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT " BATCH_COLS
			     " FROM feed_batches WHERE id = $1", "i", id);

	if (rc == 0) {
		rc = store_step(st, e);
		if (rc == STORE_ROW) {
			*out = batch_row_json(st);
			json_object_set_new(*out, "rejected",
					    parse_rejected(store_col_text(st, 13)));
			rc = 0;
		} else if (rc == STORE_DONE) {
			rc = err_setf(e, ERR_NOT_FOUND, "id", "not_found",
				      "没有编号为 %lld 的批次", "no batch %lld",
				      (long long)id);
		}
	}
	store_finalize(st);
	return rc;
}

static int load_existing(struct store *s, int64_t id, struct feed_result *r,
			 struct err *e)
{
	json_t *b = NULL, *x;
	size_t i;
	int rc = feed_batch_get(s, id, &b, e);

	if (rc < 0)
		return rc;
	r->existing = 1;
	r->batch_id = id;
	snprintf(r->encoding, sizeof(r->encoding), "%s",
		 jstr(b, "encoding"));
	snprintf(r->stored_path, sizeof(r->stored_path), "%s",
		 jstr(b, "stored_path"));
	r->rows_total = json_integer_value(json_object_get(b, "rows_total"));
	r->rows_imported = json_integer_value(json_object_get(b, "rows_imported"));
	r->rows_unchanged = json_integer_value(json_object_get(b, "rows_unchanged"));
	r->rows_rejected = json_integer_value(json_object_get(b, "rows_rejected"));
	json_t *rej = json_object_get(b, "rejected");
	r->rejected = xcalloc(json_array_size(rej) + 1, sizeof(*r->rejected));
	json_array_foreach(rej, i, x) {
		struct feed_rejection *y = &r->rejected[r->n_rejected++];
		y->line = json_integer_value(json_object_get(x, "line"));
		snprintf(y->field, sizeof(y->field), "%s",
			 jstr(x, "field"));
		snprintf(y->reason_zh, sizeof(y->reason_zh), "%s",
			 jstr(x, "reason_zh"));
		snprintf(y->reason_en, sizeof(y->reason_en), "%s",
			 jstr(x, "reason_en"));
	}
	json_decref(b);
	return 0;
}

json_t *feed_result_json(const struct feed_result *r)
{
	return json_pack("{s:I, s:b, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I,"
			 " s:I, s:o}",
		"batch_id", (json_int_t)r->batch_id, "existing", r->existing,
		"feed", r->feed, "department", r->department,
		"encoding", r->encoding, "file_sha256", r->sha256,
		"stored_path", r->stored_path,
		"rows_total", (json_int_t)r->rows_total,
		"rows_imported", (json_int_t)r->rows_imported,
		"rows_unchanged", (json_int_t)r->rows_unchanged,
		"rows_rejected", (json_int_t)r->rows_rejected,
		"milliseconds", (json_int_t)r->milliseconds,
		"rejected", rejected_json(r));
}

int feed_batch_list(struct store *s, const char *feed, int64_t page,
		    int64_t per_page, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	const char *f = feed ? feed : "";
	int64_t total = 0;
	json_t *items;
	int rc;

	if (page < 1)
		page = 1;
	if (per_page < 1 || per_page > LIMIT_PAGE_SIZE)
		per_page = LIMIT_PAGE_DEFAULT;
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM feed_batches"
			      " WHERE ($1 = '' OR feed = $1)", "s", f)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e, "SELECT " BATCH_COLS " FROM feed_batches"
			      " WHERE ($1 = '' OR feed = $1) ORDER BY id DESC"
			      " LIMIT $2 OFFSET $3", "sii", f, per_page,
			      (page - 1) * per_page)) < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, batch_row_json(st));
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total, "page", (json_int_t)page,
			 "per_page", (json_int_t)per_page);
	return 0;
}

int feed_batch_rejected_csv(struct store *s, int64_t id, struct strbuf *out,
			    struct err *e)
{
	json_t *b = NULL, *x;
	size_t i;
	int rc = feed_batch_get(s, id, &b, e);

	if (rc < 0)
		return rc;
	strbuf_addstr(out, "\xEF\xBB\xBF" "行号,字段,原因,reason\r\n");
	json_array_foreach(json_object_get(b, "rejected"), i, x) {
		const char *v;

		strbuf_addf(out, "%lld,", (long long)json_integer_value(
				    json_object_get(x, "line")));
		v = jstr(x, "field");
		csv_append_field(out, v, strlen(v));
		strbuf_addch(out, ',');
		v = jstr(x, "reason_zh");
		csv_append_field(out, v, strlen(v));
		strbuf_addch(out, ',');
		v = jstr(x, "reason_en");
		csv_append_field(out, v, strlen(v));
		strbuf_add(out, "\r\n", 2);
	}
	json_decref(b);
	return 0;
}

int feed_files(struct store *s, const char *data_dir, const char *feed,
	       struct feed_file **out, size_t *n, struct err *e)
{
	struct store_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_query(s, &st, e, "SELECT id, stored_path FROM feed_batches"
			      " WHERE feed = $1 AND stored_path <> '' ORDER BY id",
			      "s", feed)) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[*n].batch_id = store_col_int64(st, 0);
		snprintf((*out)[*n].path, sizeof((*out)[*n].path), "%s/%s",
			 data_dir, store_col_text(st, 1));
		(*n)++;
	}
	store_finalize(st);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}
