/*
 * feed.h - the department feeds: their catalogue and the import of a file.
 *
 * Catalogue: config/feeds.json (data, not code):
 *   {"feeds":[{name, department, label_zh, label_en,
 *              key_column: "id_number", date_column: "settle_date" | null,
 *              columns:[{name, label_zh, type, required, values?, max?,
 *                        min?, unit?: "yuan"|"fen", value_aliases?,
 *                        aliases:["身份证号码", ...]}]}]}
 * types: id_number | text | date | fen | int | decimal2 | enum.
 *   fen       money; the file gives 元 with up to two decimals ("12.5",
 *             "1,234.56", "￥12", "12元") unless unit is "fen"; stored as
 *             integer fen; a negative amount is rejected
 *   decimal2  a number with up to two decimals, stored as integer ×100
 *   int       an integer, within [min, max] when given
 *   date      YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYYMMDD, YYYY年M月D日
 *   text      at most `max` bytes (default 200)
 *   enum      one of `values` (codes, any ASCII case)
 * "value_aliases": {"C级": "C", "二级": "2", ...} maps a value as written to
 * its code before the type's check, for any type.  Values are trimmed of
 * blanks (also U+3000 and NBSP); an ID number may carry Excel's leading '.
 * A file's header cells are matched to columns by canonical name (any
 * case), label_zh or alias (blanks, a BOM and a trailing '*' trimmed);
 * unknown extra columns are ignored; a missing required column refuses the
 * whole file.  A row with more non-empty fields than the header is
 * rejected; missing trailing fields count as empty.
 *
 * The catalogue is read once per folder and kept for the process (like
 * program.h): pointers stay valid.
 *
 * Canonical file (what an import stores under data_dir/feeds/<feed>/ and the
 * monitoring engine memory-maps): UTF-8, LF, header of the canonical column
 * names in catalogue order, ID numbers normalised (18 upper-case ASCII),
 * dates YYYY-MM-DD, money integer fen, decimal2 integer ×100, enums by code,
 * empty optional fields empty; a field is quoted ("…", "" for a quote) only
 * when it holds a comma, quote or line break.  Only rows new to
 * feed_records are written, in file order, so no row appears in two files.
 * The n-th data row of a batch's canonical file is the batch's n-th record
 * in feed_records ordered by id (its `line` is the line in the department's
 * original file).
 *
 * feed_records.data is a JSON object of the canonical fields: fen, int and
 * decimal2 as JSON integers, the others as strings, empty optional fields
 * null.  record_key is the first 128 bits of the sha256 of the canonical
 * row (32 hex digits: short, for the unique index), so the same row
 * imported twice is one record.  feed_batches.rejected is a JSON array
 * [{line, field, reason_zh, reason_en}].  stored_path is relative to
 * data_dir ("feeds/medical_settlements/12.csv"), "" when the batch added no
 * row (no file is written then).
 *
 * Import is all or nothing: the batch, its records, the audit entry
 * ("feed.import") in one transaction.  The canonical file is written to a
 * temporary name, flushed, and renamed into place BEFORE the commit; if the
 * commit fails it is removed.  A crash between rename and commit leaves an
 * unreferenced file that nothing reads (readers list files through
 * feed_batches only), never a batch without its file.
 */
#ifndef CIVICARE_FEED_H
#define CIVICARE_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "../core/err.h"
#include "../core/strbuf.h"
#include "../store/store.h"
#include "perm.h"

enum feed_type {
	FEED_ID_NUMBER, FEED_TEXT, FEED_DATE, FEED_FEN, FEED_INT,
	FEED_DECIMAL2, FEED_ENUM
};

#define FEED_NAME_BYTES 40

struct feed_column {
	char name[FEED_NAME_BYTES];
	enum feed_type type;
	int required;
	int64_t max;                 /* text: bytes; int/fen/decimal2: value cap (0 = none) */
	int64_t min;                 /* int: lowest value */
	int has_min;
	int unit_fen;                /* fen column given in fen, not 元 */
	const char **values;         /* enum codes */
	size_t n_values;
	const char **value_aliases;  /* pairs: alias, code */
	size_t n_value_aliases;
	const char **aliases;        /* header aliases */
	size_t n_aliases;
	const char *label_zh;        /* for reasons: "身份证号码" */
};

struct feed_def {
	char name[FEED_NAME_BYTES];
	char department[32];
	char label_zh[64];
	char label_en[96];
	struct feed_column *columns;
	size_t n_columns;
	int key_column;              /* index of the person's ID number */
	int date_column;             /* index of the event date, -1 = none */
};

struct feed_catalogue {
	char dir[4096];
	struct feed_def *feeds;
	size_t n_feeds;
	json_t *doc;                 /* keeps the strings alive */
};

/* Load (or find already loaded) config_dir/feeds.json.  A file that does
 * not parse or breaks a rule is ERR_INVALID rule "config" naming the feed
 * and column. */
int feed_catalogue_load(const char *config_dir,
			const struct feed_catalogue **out, struct err *e);

/* The feed named `name`, or NULL. */
const struct feed_def *feed_find(const struct feed_catalogue *c,
				 const char *name);

/* Index of the column named `name` (canonical), or -1. */
int feed_column_index(const struct feed_def *f, const char *name);

/* [{name, department, label_zh, label_en, key_column, date_column,
 *   columns:[{name, type, required, values?, max?, aliases}]}] (new ref). */
json_t *feed_catalogue_json(const struct feed_catalogue *c);

/* One rejected row. */
struct feed_rejection {
	int64_t line;                /* where the record starts in the file */
	char field[FEED_NAME_BYTES]; /* canonical column, "" for the row */
	char reason_zh[200];
	char reason_en[200];
};

struct feed_result {
	int64_t batch_id;
	int existing;                /* 1: this file (sha256) was imported before:
					batch_id and counts are that batch's, nothing changed */
	char feed[FEED_NAME_BYTES];
	char department[32];
	char encoding[16];           /* "UTF-8" | "GB18030" */
	char sha256[65];
	char stored_path[256];       /* relative to data_dir, "" = none */
	int64_t rows_total;          /* data rows in the file */
	int64_t rows_imported;       /* new records */
	int64_t rows_unchanged;      /* already in feed_records from an earlier batch */
	int64_t rows_rejected;
	struct feed_rejection *rejected;  /* all of them, in line order (owned) */
	size_t n_rejected;
	int64_t milliseconds;
};

void feed_result_release(struct feed_result *r);

/*
 * Import one department file.  actor NULL = system (demo).  config_dir holds
 * feeds.json; data_dir the canonical files.  bytes/len is the whole file
 * (UTF-8 with or without BOM, or GB18030: detected).  progress, when not
 * NULL, gets a bar (redrawn with '\r' when it is a terminal, a few lines
 * otherwise).  Returns 0 when the file was processed, even with rejected
 * rows.  Errors: ERR_NOT_FOUND rule "feed" (unknown feed); ERR_INVALID rule
 * "encoding" (a byte sequence invalid in UTF-8 and GB18030, naming the
 * line), "header" (a required column missing, naming it), "csv" (an
 * unterminated quote, a field or row over the caps, naming the line),
 * "empty"; ERR_TOO_LARGE over LIMIT_IMPORT_BYTES is the caller's check;
 * store errors.
 */
int feed_import(struct store *s, const struct actor *actor,
		const char *config_dir, const char *data_dir, const char *feed,
		const char *file_name, const void *bytes, size_t len,
		FILE *progress, struct feed_result *result, struct err *e);

/* The import summary as JSON: {batch_id, existing, feed, department,
 * encoding, file_sha256, stored_path, rows_total, rows_imported,
 * rows_unchanged, rows_rejected, milliseconds, rejected:[{line, field,
 * reason_zh, reason_en}]} (new ref). */
json_t *feed_result_json(const struct feed_result *r);

/* Batches, newest first: {"items":[{id, feed, department, file_name,
 * file_sha256, encoding, rows_total, rows_imported, rows_unchanged,
 * rows_rejected, stored_path, imported_by, created_at}], "total", "page",
 * "per_page"}.  feed NULL = all. */
int feed_batch_list(struct store *s, const char *feed, int64_t page,
		    int64_t per_page, json_t **out, struct err *e);

/* One batch as in the list plus "rejected":[...]; ERR_NOT_FOUND. */
int feed_batch_get(struct store *s, int64_t id, json_t **out, struct err *e);

/* The rejected rows of a batch as a CSV report (UTF-8 with BOM so Excel
 * reads it, CRLF): 行号,字段,原因,reason.  ERR_NOT_FOUND. */
int feed_batch_rejected_csv(struct store *s, int64_t id, struct strbuf *out,
			    struct err *e);

/* The canonical files of a feed, oldest batch first, for readers such as
 * the monitoring engine: absolute-or-data_dir-joined paths. */
struct feed_file {
	int64_t batch_id;
	char path[4096];             /* data_dir/stored_path */
};
/* *out is malloc'd (free it); batches with no file are skipped. */
int feed_files(struct store *s, const char *data_dir, const char *feed,
	       struct feed_file **out, size_t *n, struct err *e);

/* Parse one value of a column into canonical text (out, NUL-terminated)
 * as the importer does; 0, or ERR_INVALID with e->rule naming the check
 * ("required", "check_character", "date", "amount", "enum", "too_long",
 * "range", ...) and the message.  Exposed for the tests and for readers
 * that take values from elsewhere. */
int feed_parse_value(const struct feed_column *col, const char *in,
		     size_t len, struct strbuf *out, struct err *e);

#endif
