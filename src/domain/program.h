/*
 * program.h - the assistance programs, routing rules, dibao standards and
 * working-day calendar, read from the config folder (data, not code):
 *
 *   programs.json   {"programs":[{code, name_zh, name_en, department,
 *                    procedure, kind, deadline_working_days, one_off}]}
 *   routing.json    {"doc":…, "rules":[{id, program, when, reason_zh, reason_en}]}
 *   standards.json  {"dibao":[{year, label, urban_fen, rural_fen}]}
 *   calendar.tsv    date<TAB>holiday|workday<TAB>name
 *
 * A folder is read once per process and kept (a mutex-guarded list keyed by
 * the folder path; entries are never freed, so pointers stay valid for the
 * life of the process).  A file that does not parse or breaks a rule is
 * ERR_INVALID (rule "config") naming the file and the line or field.
 */
#ifndef CIVICARE_PROGRAM_H
#define CIVICARE_PROGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/config.h"
#include "../core/err.h"

struct program {
	char code[24];
	char name_zh[64];
	char name_en[96];
	char department[32];
	char procedure[16];          /* "simple" | "dibao" */
	char kind[16];               /* monthly, one_off, per_term, ... */
	int deadline_working_days;
	int one_off;                 /* 1: the enrollment ends in its start month */
};

struct routing_rule {
	char id[64];
	char program[24];
	json_t *when;                /* validated condition (owned by the config) */
	const char *reason_zh;       /* may contain {fact} placeholders */
	const char *reason_en;
};

struct dibao_standard {
	int year;
	int64_t urban_fen, rural_fen; /* per person per month */
	char label[160];
};

struct cal_day {
	int64_t day;                 /* day number (clock.h) */
	int working;                 /* 1 = make-up working day, 0 = holiday */
};

struct program_config {
	char dir[4096];
	struct program *programs;
	size_t n_programs;
	struct routing_rule *rules;
	size_t n_rules;
	struct dibao_standard *standards;  /* sorted by year */
	size_t n_standards;
	struct cal_day *days;              /* sorted by day */
	size_t n_days;
	json_t *doc;                       /* keeps the rules' JSON alive */
};

/* Load (or find already loaded) the config of folder `dir`. */
int program_config_load(const char *dir, const struct program_config **out,
			struct err *e);

/* The folder named by cfg's config_dir; a relative folder that does not
 * exist from the working directory is also looked for beside the binary
 * (build/civicare -> ../config), as the CLI does. */
int program_config_from(const struct config *cfg,
			const struct program_config **out, struct err *e);

/* The program with this code, or NULL. */
const struct program *program_find(const struct program_config *c,
				   const char *code);

/* The dibao standard for `year` (the latest year ≤ it) and area "urban" or
 * "rural".  ERR_INVALID rule "no_standard" when none applies. */
int program_dibao_standard(const struct program_config *c, int year,
			   const char *area_kind, int64_t *fen,
			   const char **label, struct err *e);

/* 1 when the day is a working day: listed make-up day, or Mon-Fri not a
 * listed holiday. */
int calendar_is_working(const struct program_config *c, int64_t day);

/* The n-th working day after `day` (n ≥ 0; n = 0 gives `day` itself). */
int64_t calendar_add_working_days(const struct program_config *c, int64_t day,
				  int n);

/* Working days strictly after `from` up to and including `to` (0 if to ≤ from). */
int calendar_working_days_between(const struct program_config *c,
				  int64_t from, int64_t to);

/* [{code, name_zh, name_en, department, procedure, kind,
 *   deadline_working_days, one_off}] (new ref). */
json_t *program_list_json(const struct program_config *c);

#endif
