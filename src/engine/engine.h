/*
 * engine.h - the batch monitoring engine (动态监测).
 *
 * monitor_run() looks at the whole monitored population and every
 * department record a rule needs, and writes the alerts of one run in one
 * transaction:
 *
 *   1. the monitored population (persons with a current row in
 *      monitoring_categories, every member of their households, and the
 *      households' active enrollments) is loaded into an open-addressing
 *      hash index keyed by idcard_pack();
 *   2. every canonical file of each feed a rule needs (feed_batches.
 *      stored_path, under data_dir when relative) is memory-mapped
 *      (MAP_PRIVATE, madvise sequential), cut at a line boundary into two
 *      halves that two threads parse with pointer scans into per-thread
 *      accumulators, which are then merged;
 *   3. the rules of config/monitoring.json are applied; a rule does not
 *      raise the same household again while an earlier alert of that rule
 *      for it is younger than window_days; each alert writes an outbox
 *      message (kind "alert.new") to the village's assistants; effect
 *      "review_and_hold" also suspends the household's active enrollments
 *      through the workflow (payment held).
 *
 * Dates in a window: a record dated d counts for as_of when
 *     as_of - window_days < d <= as_of        (day numbers, see clock.h)
 * i.e. the window is the window_days days ending with as_of, inclusive.
 */
#ifndef CIVICARE_ENGINE_H
#define CIVICARE_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../core/err.h"
#include "../store/store.h"
#include "../domain/perm.h"

enum { ENGINE_MAX_RULES = 64 };

struct monitor_options {
	const char *config_dir;  /* holds monitoring.json (and feeds.json) */
	const char *data_dir;    /* base of relative feed_batches.stored_path */
	const char *as_of;       /* "YYYY-MM-DD"; NULL = today in China time */
	int threads;             /* 1 or 2; 0 = 2 */
	const char *started_by;  /* "cli", "schedule", "api:<username>" */
	FILE *progress;          /* progress lines, NULL = quiet */
};

struct monitor_rule_count {
	char id[48];
	char label_zh[96];
	char label_en[96];
	char severity[16];
	char effect[24];
	int64_t alerts;          /* raised in this run */
	int64_t suppressed;      /* would fire, but an alert inside the window exists */
};

struct monitor_result {
	int64_t run_id;          /* monitor_runs.id */
	int64_t persons;         /* persons in the index */
	int64_t households;
	int64_t records;         /* feed rows read */
	int64_t files;           /* canonical files mapped */
	int64_t alerts;          /* total raised */
	int64_t held;            /* enrollments suspended (review_and_hold) */
	int64_t milliseconds;
	char as_of[11];
	size_t n_rules;
	struct monitor_rule_count rules[ENGINE_MAX_RULES];
	/* The supervision cross-checks run with it (domain/finding.h). */
	int64_t crosscheck_run;  /* crosscheck_runs.id */
	int64_t findings;        /* subjects found (old and new) */
	int64_t new_findings;    /* findings written by this run */
	char by_check[1024];     /* JSON {"<check>":{"found":n,"new":n},...} */
};

/*
 * Run every rule now.  actor is who started it (user_id 0 = the system;
 * permission monitor.run is checked by the caller).  On failure nothing is
 * written (one transaction).  A missing canonical file is ERR_INTERNAL
 * naming the path.  One run at a time per process: another run going
 * answers ERR_CONFLICT rule "running".
 */
int monitor_run(struct store *s, const struct actor *actor,
		const struct monitor_options *opt, struct monitor_result *out,
		struct err *e);

/* The result as JSON text (for the API and monitor_runs.by_rule); owned
 * by the caller (free()).  NULL on allocation failure. */
char *monitor_result_json(const struct monitor_result *r);

/*
 * The medical-cost rule alone, for the bench: persons_csv is a canonical
 * CSV with a header naming an id_number column (other columns ignored),
 * settlements_csv a canonical medical_settlements file (header
 * id_number,settle_date,total_fen,self_paid_fen,diagnosis_class, any
 * order).  A person alerts when the sum of self_paid_fen of their
 * settlements with as_of - window_days < settle_date <= as_of is
 * >= threshold_fen.  Settlements of persons not in persons_csv are
 * ignored.  threads: 1 or 2.  The persons file must be under 4 GiB (a
 * person is named by the offset of its ID in the mapped file).
 * *out_ids gets the alerting ID numbers (18 chars + NUL each), sorted
 * ascending (strcmp order), *out_count their number; free(*out_ids).
 */
int engine_medical_bench(const char *persons_csv, const char *settlements_csv,
			 const char *as_of, int window_days,
			 int64_t threshold_fen, int threads,
			 char (**out_ids)[19], size_t *out_count,
			 struct err *e);

/*
 * The daily run of `serve`: a thread of its own, with its own database
 * connection, that runs monitor_run() each day when the China time reaches
 * the setting monitor_at ("HH:MM"; "" = never; a server started after that
 * time runs first the next day).  started_by "schedule", as the system
 * actor.  A bad monitor_at is ERR_INVALID naming the setting.  stop waits
 * for a run in progress to finish.
 */
struct app;
int monitor_schedule_start(struct app *app, struct err *e);
void monitor_schedule_stop(void);

#endif
