/*
 * division.c - the shape of statistical division codes (统计用区划代码).
 *
 * A code is read as parts: province 2 digits, city 2, county 2, township 3,
 * village 3.  Its level is its length; a part that is all zeros means "no
 * such level" in the national tables (500231000 is the county written
 * long), so a code whose last part is zeros is not a code of that level and
 * is rejected.  Whether a code really exists is the store's business
 * (domain/divisions.c); this file never looks anything up.
 */
#include <string.h>

#include "division.h"
#include "../core/banned.h"

/* Lengths of the levels, shortest first; a parent is the previous entry. */
static const size_t division_lengths[] = { 2, 4, 6, 9, 12 };

#define DIVISION_LEVELS (sizeof(division_lengths) / sizeof(division_lengths[0]))

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int all_zeros(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

/* Index in division_lengths of a valid code of length n, or -1. */
static int level_index(const char *code, size_t n)
{
	for (size_t i = 0; i < DIVISION_LEVELS; i++) {
		size_t start = i ? division_lengths[i - 1] : 0;

		if (division_lengths[i] != n)
			continue;
		if (!all_digits(code, n) || all_zeros(code, 2) ||
		    all_zeros(code + start, n - start))
			return -1;
		return (int)i;
	}
	return -1;
}

enum division_level division_level(const char *code)
{
	size_t n;
	int i;

	if (!code)
		return DIVISION_INVALID;
	n = strnlen(code, 13);
	i = level_index(code, n);
	return i < 0 ? DIVISION_INVALID : (enum division_level)division_lengths[i];
}

int division_check(const char *code, const char *field, struct err *e)
{
	enum division_level level = division_level(code);

	if (level == DIVISION_COUNTY || level == DIVISION_TOWNSHIP ||
	    level == DIVISION_VILLAGE)
		return 0;
	return err_set(e, ERR_INVALID, field, "division_code",
		       "区划代码应为6、9或12位数字",
		       "division code must be 6, 9 or 12 digits");
}

/* The nearest shorter prefix that is itself a valid code: normally the next
 * level up, but a level whose part is all zeros in this code (1100 in a code
 * 110001...) stands for no division and is skipped rather than returned. */
int division_parent(const char *code, char out[13])
{
	enum division_level level = division_level(code);

	if (level == DIVISION_INVALID)
		return -1;
	for (int i = (int)DIVISION_LEVELS - 1; i >= 0; i--) {
		size_t n = division_lengths[i];

		if (n >= (size_t)level || level_index(code, n) < 0)
			continue;
		memcpy(out, code, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

int division_contains(const char *prefix, const char *code)
{
	size_t n;

	if (!prefix || !code || division_level(prefix) == DIVISION_INVALID ||
	    division_level(code) == DIVISION_INVALID)
		return 0;
	n = strlen(prefix);
	return strncmp(prefix, code, n) == 0;
}

int division_is_community(const char *code)
{
	int tail;

	if (division_level(code) != DIVISION_VILLAGE)
		return -1;
	tail = (code[9] - '0') * 100 + (code[10] - '0') * 10 + (code[11] - '0');
	if (tail >= 1 && tail <= 199)
		return 1;
	if (tail >= 200 && tail <= 399)
		return 0;
	return -1;
}
