/*
 * figures.h - the work in numbers: discovered and enrolled, by township and
 * month, and the records behind any one number.
 *
 * "discovered" counts cases opened in a month; each program code counts the
 * enrollments of that program created in a month.  Month and township come
 * from created_at in China time (UTC+8) and the first 9 digits of the
 * record's region_code.  Only records inside the actor's region count.
 *
 * figures_get -> {year, region, months:["2026-01"…"2026-12"],
 *   metrics:["discovered", <program>…], townships:[{code, name,
 *   series:{metric:[12]}, totals:{metric:n}}], totals:{metric:[12]}}
 * figures_items -> {metric, township, month, items:[{kind:"case"|
 *   "enrollment", id, household_id, name, region_name, created_at}]}
 */
#ifndef CIVICARE_FIGURES_H
#define CIVICARE_FIGURES_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"
#include "program.h"

/* year 0 = this year (China); region NULL/"" = the actor's region, a
 * wider region is cut down to it, one outside it is 404.  programs (may be
 * NULL) gives the program metrics in its order; programs found in the data
 * but not in it are added after them. */
int figures_get(struct store *s, const struct actor *a,
		const struct program_config *programs, int64_t year,
		const char *region, json_t **out, struct err *e);

/* metric "discovered" or a program code (checked against programs when
 * given); township a 9-digit code or NULL for the whole region; month
 * "YYYY-MM" (required).  At most 1000 items, oldest first. */
int figures_items(struct store *s, const struct actor *a,
		  const struct program_config *programs, const char *metric,
		  const char *township, const char *month, json_t **out,
		  struct err *e);

#endif
