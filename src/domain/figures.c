/*
 * figures.c - discovered and enrolled by township and month.
 *
 * Design: the store groups rows by township (the first 9 digits of the
 * region code) and by UTC hour ("YYYY-MM-DDTHH" of created_at), which is
 * plain portable SQL; C then shifts each hour to China time to find its
 * month.  That keeps the months right at the edges (2026-01-31T20:00Z is
 * February in China) without date functions that differ between SQLite
 * and PostgreSQL, and the rows C sees stay few (hours x townships, not
 * records).  The time range is bound as two UTC strings, which compare in
 * order because every created_at has the same fixed format.  Every
 * township of the region is listed, with zeros where nothing happened, so
 * the table reads the same each month.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "figures.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/banned.h"

#define MONTHS 12
#define ITEMS_MAX 1000

/* === the region and the time range === */

/* The part of `want` inside the actor's region: the actor's own region
 * when want is absent or wider; 404 when it lies outside. */
static int effective_region(const struct actor *a, const char *want,
			    const char *field, char out[13], struct err *e)
{
	int rc;

	if (!want || !*want || division_contains(want, a->region)) {
		snprintf(out, 13, "%s", a->region);
		return 0;
	}
	if ((rc = division_check(want, field, e)) < 0 ||
	    (rc = perm_require_region(a, want, e)) < 0)
		return rc;
	snprintf(out, 13, "%s", want);
	return 0;
}

/* UTC bounds of [year-month-01, +months) in China time. */
static void china_range(int year, int month, int months, char from[21],
			char to[21])
{
	int y2 = year + (month - 1 + months) / 12, m2 = (month - 1 + months) % 12 + 1;

	clock_format_utc(clock_days_from_civil(year, month, 1) * 86400 -
			 CLOCK_CHINA_OFFSET, from);
	clock_format_utc(clock_days_from_civil(y2, m2, 1) * 86400 -
			 CLOCK_CHINA_OFFSET, to);
}

/* "YYYY-MM-DDTHH" (UTC) -> year and month (1-12) in China; -1 if bad. */
static int china_month_of_hour(const char *hour, int *year, int *month)
{
	int y, m, d, h;

	if (sscanf(hour, "%4d-%2d-%2dT%2d", &y, &m, &d, &h) != 4 ||
	    !clock_valid_date(y, m, d) || h < 0 || h > 23)
		return -1;
	int64_t t = clock_days_from_civil(y, m, d) * 86400 + h * 3600 +
		    CLOCK_CHINA_OFFSET;
	clock_civil_from_days(t / 86400, year, month, &d);
	return 0;
}

/* === the table being filled === */

struct table {
	int year;
	json_t *metrics;    /* ["discovered", program…] */
	json_t *townships;  /* [{code, name, series:{}}] */
	json_t *by_code;    /* code -> the township object (borrowed) */
};

static json_t *zeros(void)
{
	json_t *a = json_array();
	for (int i = 0; i < MONTHS; i++)
		json_array_append_new(a, json_integer(0));
	return a;
}

static int has_metric(json_t *metrics, const char *m)
{
	size_t i;
	json_t *v;

	json_array_foreach(metrics, i, v)
		if (strcmp(json_string_value(v), m) == 0)
			return 1;
	return 0;
}

static json_t *township(struct table *t, const char *code, const char *name)
{
	json_t *tw = json_object_get(t->by_code, code);

	if (tw)
		return tw;
	tw = json_pack("{s:s, s:s, s:{}}", "code", code, "name", name, "series");
	json_array_append_new(t->townships, tw);
	json_object_set(t->by_code, code, tw);
	return tw;
}

static void bump(struct table *t, const char *code, const char *metric,
		 int month, int64_t n)
{
	json_t *series = json_object_get(township(t, code, code), "series");
	json_t *arr = json_object_get(series, metric);

	if (!has_metric(t->metrics, metric))
		json_array_append_new(t->metrics, json_string(metric));
	if (!arr) {
		arr = zeros();
		json_object_set_new(series, metric, arr);
	}
	json_array_set_new(arr, (size_t)month,
			   json_integer(json_integer_value(json_array_get(arr, (size_t)month)) + n));
}

/* Rows of (township, hour, metric, count) into the table. */
static int add_counts(struct table *t, struct store_stmt *st, struct err *e)
{
	int rc, y, m;

	while ((rc = store_step(st, e)) == STORE_ROW) {
		if (china_month_of_hour(store_col_text(st, 1), &y, &m) < 0 || y != t->year)
			continue;
		bump(t, store_col_text(st, 0), store_col_text(st, 2), m - 1,
		     store_col_int64(st, 3));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int load_townships(struct store *s, struct table *t, const char *region,
			  struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if ((rc = store_query(s, &st, e, "SELECT code, name FROM divisions"
			      " WHERE length(code) = 9 AND (substr(code, 1, length($1)) = $1"
			      "   OR code = substr($1, 1, 9)) ORDER BY code", "s", region)) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW)
		township(t, store_col_text(st, 0), store_col_text(st, 1));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

#define GROUPED(table, metric) \
	"SELECT substr(region_code, 1, 9), substr(created_at, 1, 13), " metric \
	", count(*) FROM " table \
	" WHERE substr(region_code, 1, length($1)) = $1" \
	"   AND created_at >= $2 AND created_at < $3" \
	" GROUP BY substr(region_code, 1, 9), substr(created_at, 1, 13)"

static int count_all(struct store *s, struct table *t, const char *region,
		     struct err *e)
{
	struct store_stmt *st = NULL;
	char from[21], to[21];
	int rc;

	china_range(t->year, 1, MONTHS, from, to);
	if ((rc = store_query(s, &st, e, GROUPED("cases", "'discovered'"),
			      "sss", region, from, to)) < 0 ||
	    (rc = add_counts(t, st, e)) < 0 ||
	    (rc = store_query(s, &st, e, GROUPED("enrollments", "program") ", program",
			      "sss", region, from, to)) < 0)
		return rc;
	return add_counts(t, st, e);
}

/* Zeros where nothing was counted; per-township and overall totals. */
static json_t *finish(struct table *t)
{
	json_t *totals = json_object(), *tw, *m;
	size_t i, j;

	json_array_foreach(t->metrics, j, m)
		json_object_set_new(totals, json_string_value(m), zeros());
	json_array_foreach(t->townships, i, tw) {
		json_t *series = json_object_get(tw, "series"), *sums = json_object();
		json_array_foreach(t->metrics, j, m) {
			const char *name = json_string_value(m);
			json_t *arr = json_object_get(series, name), *all;
			json_int_t sum = 0;

			if (!arr) {
				arr = zeros();
				json_object_set_new(series, name, arr);
			}
			all = json_object_get(totals, name);
			for (size_t k = 0; k < MONTHS; k++) {
				json_int_t v = json_integer_value(json_array_get(arr, k));
				sum += v;
				json_array_set_new(all, k, json_integer(
					json_integer_value(json_array_get(all, k)) + v));
			}
			json_object_set_new(sums, name, json_integer(sum));
		}
		json_object_set_new(tw, "totals", sums);
	}
	return totals;
}

static json_t *month_names(int year)
{
	json_t *a = json_array();
	char m[24];

	for (int i = 1; i <= MONTHS; i++) {
		snprintf(m, sizeof(m), "%04d-%02d", year % 10000, i);
		json_array_append_new(a, json_string(m));
	}
	return a;
}

int figures_get(struct store *s, const struct actor *a,
		const struct program_config *programs, int64_t year,
		const char *region, json_t **out, struct err *e)
{
	struct table t = { 0 };
	char where[13];
	int rc, mm, dd;

	if ((rc = perm_require(a, PERM_FIGURES_READ, e)) < 0 ||
	    (rc = effective_region(a, region, "region", where, e)) < 0)
		return rc;
	if (year == 0)
		clock_civil_from_days(clock_today_china(), &t.year, &mm, &dd);
	else if (year < 2000 || year > 2100)
		return err_set(e, ERR_INVALID, "year", "range",
			       "年份应在 2000 到 2100 之间", "year must be 2000-2100");
	else
		t.year = (int)year;
	t.metrics = json_pack("[s]", "discovered");
	t.townships = json_array();
	t.by_code = json_object();
	for (size_t i = 0; programs && i < programs->n_programs; i++)
		json_array_append_new(t.metrics, json_string(programs->programs[i].code));
	if ((rc = load_townships(s, &t, where, e)) < 0 ||
	    (rc = count_all(s, &t, where, e)) < 0) {
		json_decref(t.metrics);
		json_decref(t.townships);
		json_decref(t.by_code);
		return rc;
	}
	json_t *totals = finish(&t);
	json_decref(t.by_code);
	*out = json_pack("{s:i, s:s, s:o, s:o, s:o, s:o}", "year", t.year,
			 "region", where, "months", month_names(t.year),
			 "metrics", t.metrics, "townships", t.townships,
			 "totals", totals);
	return 0;
}

/* === the records behind one number === */

static int check_metric(const struct program_config *programs,
			const char *metric, struct err *e)
{
	if (!metric || !*metric)
		return err_set(e, ERR_INVALID, "metric", "required",
			       "请指定指标", "metric is required");
	if (strcmp(metric, "discovered") == 0)
		return 0;
	for (size_t i = 0; programs && i < programs->n_programs; i++)
		if (strcmp(programs->programs[i].code, metric) == 0)
			return 0;
	if (!programs && strlen(metric) < 24 &&
	    strspn(metric, "abcdefghijklmnopqrstuvwxyz_") == strlen(metric))
		return 0;
	return err_setf(e, ERR_INVALID, "metric", "enum",
			"未知指标 %s：应为 discovered 或救助项目代码",
			"unknown metric %s: discovered or a program code", metric);
}

static int parse_month(const char *month, int *y, int *m, struct err *e)
{
	char tail;

	if (!month || sscanf(month, "%4d-%2d%c", y, m, &tail) != 2 ||
	    strlen(month) != 7 || *m < 1 || *m > 12 || *y < 2000 || *y > 2100)
		return err_set(e, ERR_INVALID, "month", "format",
			       "月份格式应为 YYYY-MM", "month must be YYYY-MM");
	return 0;
}

#define REGION_NAME \
	"COALESCE(t.name, '') || COALESCE(v.name, '')"
#define REGION_JOIN(alias) \
	" LEFT JOIN divisions v ON v.code = " alias ".region_code" \
	" LEFT JOIN divisions t ON t.code = v.parent_code"

static const char case_items_sql[] =
	"SELECT 'case', c.id, c.household_id, c.subject_name, " REGION_NAME ","
	" c.created_at FROM cases c" REGION_JOIN("c")
	" WHERE substr(c.region_code, 1, length($1)) = $1"
	"   AND c.created_at >= $2 AND c.created_at < $3 AND $4 = 'discovered'"
	" ORDER BY c.created_at, c.id LIMIT $5";

static const char enrollment_items_sql[] =
	"SELECT 'enrollment', en.id, en.household_id,"
	" COALESCE(p.name, c.subject_name, hp.name, ''), " REGION_NAME ","
	" en.created_at FROM enrollments en" REGION_JOIN("en")
	" LEFT JOIN persons p ON p.id = en.person_id"
	" LEFT JOIN referrals r ON r.id = en.referral_id"
	" LEFT JOIN cases c ON c.id = r.case_id"
	" LEFT JOIN households h ON h.id = en.household_id"
	" LEFT JOIN persons hp ON hp.id = h.head_person_id"
	" WHERE substr(en.region_code, 1, length($1)) = $1"
	"   AND en.created_at >= $2 AND en.created_at < $3 AND en.program = $4"
	" ORDER BY en.created_at, en.id LIMIT $5";

static json_t *item_json(struct store_stmt *st)
{
	json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s}",
			      "kind", store_col_text(st, 0),
			      "id", (json_int_t)store_col_int64(st, 1),
			      "name", store_col_text(st, 3),
			      "region_name", store_col_text(st, 4),
			      "created_at", store_col_text(st, 5));
	json_object_set_new(o, "household_id", store_col_is_null(st, 2)
				   ? json_null()
				   : json_integer(store_col_int64(st, 2)));
	return o;
}

int figures_items(struct store *s, const struct actor *a,
		  const struct program_config *programs, const char *metric,
		  const char *township, const char *month, json_t **out,
		  struct err *e)
{
	struct store_stmt *st = NULL;
	char where[13], from[21], to[21];
	json_t *items;
	int rc, y, m;

	if (township && !*township)
		township = NULL;
	if ((rc = perm_require(a, PERM_FIGURES_READ, e)) < 0 ||
	    (rc = check_metric(programs, metric, e)) < 0 ||
	    (rc = parse_month(month, &y, &m, e)) < 0)
		return rc;
	if (township && division_level(township) != DIVISION_TOWNSHIP)
		return err_set(e, ERR_INVALID, "township", "division_code",
			       "乡镇代码应为 9 位", "township must be a 9-digit code");
	if ((rc = effective_region(a, township, "township", where, e)) < 0)
		return rc;
	china_range(y, m, 1, from, to);
	if ((rc = store_query(s, &st, e, strcmp(metric, "discovered") == 0
			      ? case_items_sql : enrollment_items_sql, "ssssi",
			      where, from, to, metric, (int64_t)ITEMS_MAX)) < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, item_json(st));
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:s, s:o, s:s, s:o}", "metric", metric, "township",
			 township ? json_string(township) : json_null(),
			 "month", month, "items", items);
	return 0;
}
