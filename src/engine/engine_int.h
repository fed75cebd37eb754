/*
 * engine_int.h - what the engine's files share (not a public contract).
 *
 * index: an open-addressing hash table (linear probing, power-of-two
 *        capacity, load ≤ 1/2) from idcard_pack() keys to person numbers,
 *        with the accumulator in the slot (16 bytes: key and sum) so the
 *        medical sum of a row costs one cache line; both threads add into
 *        it atomically.
 * scan:  a canonical file memory-mapped and cut into two halves at a line
 *        boundary; each half parsed by its own thread with pointer scans;
 *        the second half is speculative (it may start inside a quoted
 *        field) and is kept only when the first half ends exactly where it
 *        began.
 */
#ifndef CIVICARE_ENGINE_INT_H
#define CIVICARE_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "../core/err.h"

/* === the index === */

struct ix_slot {
	uint64_t key;          /* idcard_pack(); 0 = empty */
	int64_t acc;           /* the sum of sum mode (added atomically) */
};

struct ix {
	struct ix_slot *slots; /* 16 bytes each: a table of 2^21 fits in 32 MiB */
	uint32_t *person;      /* the caller's person number, by slot */
	uint64_t mask;         /* capacity - 1 */
	size_t n;
	size_t bytes;          /* of the slots mapping */
};

int ix_init(struct ix *x, size_t expected, struct err *e);
void ix_free(struct ix *x);
/* 0, 1 when the key was already there (person unchanged), -1 when full. */
int ix_put(struct ix *x, uint64_t key, uint32_t person);
struct ix_slot *ix_get(const struct ix *x, uint64_t key);

static inline uint32_t ix_person(const struct ix *x, const struct ix_slot *s)
{
	return x->person[s - x->slots];
}

static inline uint64_t ix_hash(uint64_t k)
{
	k ^= k >> 31;
	k *= 0x9E3779B97F4A7C15ull;
	return k ^ (k >> 29);
}

/* === mapped files === */

struct mfile {
	const char *base;
	size_t len;
};

int mfile_open(const char *path, struct mfile *m, struct err *e);
void mfile_close(struct mfile *m);

/* === scanning === */

enum { SCAN_MAX_FIELDS = 16 };

/* A value column's type. */
enum scan_vtype { SV_NONE, SV_INT, SV_ENUM };

/* One matching row of a monitored person. */
struct scan_event {
	uint32_t person;
	uint32_t file;         /* index into the caller's file list */
	int32_t date;          /* YYYYMMDD, 0 = none or unreadable */
	int32_t value_ok;      /* value parsed */
	int64_t value;         /* SV_INT: the number; SV_ENUM: the value's index */
	uint64_t offset;       /* byte offset of the record in the file */
	int64_t line;          /* physical line of the record (header = 1) */
	int64_t row;           /* data-row ordinal (first data row = 1) */
};

struct scan_spec {
	int col_id, col_date, col_value;   /* -1 = absent */
	int nf;                            /* fields to split: max index + 1 */
	enum scan_vtype vtype;
	const char *const *enum_values;    /* SV_ENUM, NULL-terminated */
	int32_t date_lo;                   /* keep date > date_lo (0 = any) */
	int32_t date_hi;                   /* keep date <= date_hi (0 = any) */
	int sum_mode;                      /* 1: add value into slot acc[tid] */
};

/* Find the columns in the header line: col_id by id_col, col_date by
 * date_col (may be NULL), col_value by value_col (may be NULL).  *data gets
 * the first byte after the header.  A missing id column is ERR_INVALID. */
int scan_header(const struct mfile *m, const char *id_col,
		const char *date_col, const char *value_col,
		struct scan_spec *spec, const char **data, struct err *e);

struct scan_out {
	struct scan_event *ev;
	size_t n, cap;
	int64_t rows;          /* data rows read */
	int oom;
};

/* Scan the data part of one file (from `data` to the end) with 1 or 2
 * threads; append the events of indexed persons to out (events of the
 * second half after those of the first); file_no is stored in each event. */
int scan_file(const struct mfile *m, const char *data,
	      const struct scan_spec *spec, struct ix *x, int threads,
	      uint32_t file_no, struct scan_out *out, struct err *e);

void scan_out_free(struct scan_out *o);

/* "YYYY-MM-DD" -> YYYYMMDD, 0 when malformed. */
int32_t scan_date(const char *p, size_t len);
/* A day number -> YYYYMMDD. */
int32_t scan_ymd_of_day(int64_t day);

/* Split one record starting at p into fields (all of them, up to
 * SCAN_MAX_FIELDS), unescaping quoted fields into buf (size bufsize);
 * fields[i] point into buf, NUL-terminated.  Returns the field count. */
int scan_record_fields(const char *p, const char *end, char *buf,
		       size_t bufsize, const char **fields, int max);

/* === rules (rules.c) === */

struct kind_def;

struct rule {
	char id[48];
	char label_zh[96];
	char label_en[96];
	char feed[40];
	char scope[12];            /* person | household */
	char severity[8];
	char effect[20];           /* visit | review | review_and_hold */
	char applies_to[12];       /* monitored | enrolled */
	int window_days;
	int any_date;              /* dates: "any" */
	int64_t threshold;
	const char *list[16];      /* levels / except (owned by the JSON doc) */
	size_t n_list;
	const struct kind_def *kind;
};

struct rule_set {
	struct rule rules[64];
	size_t n;
	void *doc;                 /* json_t, keeps the strings */
};

/* Read config_dir/monitoring.json; ERR_INVALID rule "config" naming the
 * rule and field. */
int rules_load(const char *config_dir, struct rule_set *rs, struct err *e);
void rules_free(struct rule_set *rs);

/* The scan columns of a rule's kind. */
const char *rule_date_col(const struct rule *r);
const char *rule_value_col(const struct rule *r);
enum scan_vtype rule_vtype(const struct rule *r);
const char *const *rule_enum_values(const struct rule *r);
/* 1 when the rule reads every record up to as_of, not only its window. */
int rule_reads_all(const struct rule *r);
/* The kind's name (alerts.kind). */
const char *rule_kind_name(const struct rule *r);
/* The report category an alert of this rule becomes (report_categories). */
const char *rule_report_category(const struct rule *r);

/* === the population (engine.c) === */

struct pop_person {
	int64_t id;
	uint32_t hh;               /* household number */
	int16_t grade;             /* registry disability grade, 0 = none */
	uint8_t monitored;         /* a current monitoring category */
	uint8_t head;
};

struct pop_household {
	int64_t id;                /* 0 = the person has no household */
	char region[13];
	uint8_t monitored;         /* a member has a current category */
	uint32_t first_enr, n_enr; /* active enrollments */
};

struct pop_enrollment {
	int64_t id;
	int64_t household_id;
	char region[13];
	char program[24];
};

struct pop {
	struct pop_person *p;
	size_t np, cap_p;
	struct pop_household *h;
	size_t nh, cap_h;
	struct pop_enrollment *en;
	size_t nen, cap_en;
	struct ix ix;
};

/* An alert decided by a rule, before it is written. */
struct candidate {
	uint32_t hh;
	uint32_t person;
	char severity[8];
	char summary[512];
	int64_t metric;            /* the sum, count or grade behind it */
	size_t ev[20];             /* its records (indices into the rule's events) */
	size_t n_ev;               /* how many of them are in ev */
	int64_t n_records;         /* records behind it (may exceed 20) */
};

/* Decide the alerts of one rule over its events (sorted by household,
 * person, date).  as_ymd and lo_ymd bound the window (lo < d <= as).
 * Appends to *out (realloc'd). */
int rules_evaluate(const struct rule *r, const struct pop *pop,
		   const struct scan_event *ev, size_t n, int32_t as_ymd,
		   int32_t lo_ymd, struct candidate **out, size_t *n_out,
		   size_t *cap_out, struct err *e);

#endif
