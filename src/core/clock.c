/*
 * clock.c - wall time with a test offset, day numbers, and strict formats.
 *
 * Civil dates are converted with Howard Hinnant's era-based algorithms
 * (http://howardhinnant.github.io/date_algorithms.html): the proleptic
 * Gregorian calendar is split into 400-year eras of exactly 146097 days,
 * with the year starting on 1 March so that the leap day falls at the end.
 * That makes both directions branch-free and exact for negative days too.
 *
 * The offset that tests use to move time forward is a C11 atomic: the HTTP
 * threads read it while a test may set it.  Parsers are strict on purpose:
 * exactly the documented shape, real dates only, no leap second, no
 * trailing text, because they validate outside input.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "../core/banned.h"

#define SECONDS_PER_DAY 86400

/* Years we can print in four digits; dates outside are not valid. */
#define CLOCK_YEAR_MIN 1
#define CLOCK_YEAR_MAX 9999

static atomic_int_least64_t clock_offset;

int64_t clock_now(void)
{
	return (int64_t)time(NULL) + (int64_t)atomic_load(&clock_offset);
}

void clock_set_offset(int64_t seconds)
{
	atomic_store(&clock_offset, seconds);
}

int64_t clock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Floor division: the day of a negative time is the day before, not after. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int64_t clock_days_from_civil(int y, int m, int d)
{
	int64_t year = (int64_t)y - (m <= 2);
	int64_t era = (year >= 0 ? year : year - 399) / 400;
	int64_t yoe = year - era * 400;                          /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;     /* [0, 146096] */

	return era * 146097 + doe - 719468;
}

void clock_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                 /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);         /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                               /* [0, 11] */
	int month = (int)(mp < 10 ? mp + 3 : mp - 9);

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = month;
	*y = (int)(yoe + era * 400 + (month <= 2));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

int clock_valid_date(int y, int m, int d)
{
	if (y < CLOCK_YEAR_MIN || y > CLOCK_YEAR_MAX || m < 1 || m > 12)
		return 0;
	return d >= 1 && d <= days_in_month(y, m);
}

int64_t clock_today_china(void)
{
	return floor_div(clock_now() + CLOCK_CHINA_OFFSET, SECONDS_PER_DAY);
}

/* === formatting: fixed-width digits, no printf width surprises === */

static void put_digits(char *out, int value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

static void put_date(char *out, int y, int m, int d)
{
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
}

/* Dates outside 0001..9999 cannot be written in this format: clamp. */
static int64_t clamp_days(int64_t days)
{
	static const int64_t lo = -719162;   /* 0001-01-01 */
	static const int64_t hi = 2932896;   /* 9999-12-31 */

	return days < lo ? lo : days > hi ? hi : days;
}

void clock_date_zh(const char *ymd, char out[24])
{
	int64_t days;
	int y, m, d;

	if (!ymd || clock_parse_date(ymd, &days) < 0) {
		snprintf(out, 24, "%s", ymd ? ymd : "");
		return;
	}
	clock_civil_from_days(days, &y, &m, &d);
	snprintf(out, 24, "%d年%d月%d日", y, m, d);
}

void clock_format_date(int64_t days, char out[11])
{
	int y, m, d;

	clock_civil_from_days(clamp_days(days), &y, &m, &d);
	put_date(out, y, m, d);
	out[10] = '\0';
}

void clock_format_utc(int64_t t, char out[21])
{
	int64_t days = floor_div(t, SECONDS_PER_DAY);
	int64_t secs = t - days * SECONDS_PER_DAY;
	int y, m, d;

	if (days != clamp_days(days)) {
		days = clamp_days(days);
		secs = days < 0 ? 0 : SECONDS_PER_DAY - 1;
	}
	clock_civil_from_days(days, &y, &m, &d);
	put_date(out, y, m, d);
	out[10] = 'T';
	put_digits(out + 11, (int)(secs / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (int)(secs / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (int)(secs % 60), 2);
	out[19] = 'Z';
	out[20] = '\0';
}

/* === parsing: exact shapes only === */

/* n ASCII digits at s as a number, or -1. */
static int take_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD" at s (not necessarily terminated there). */
static int parse_date_part(const char *s, int64_t *days)
{
	int y, m, d;

	if (s[4] != '-' || s[7] != '-')
		return -1;
	y = take_digits(s, 4);
	m = take_digits(s + 5, 2);
	d = take_digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !clock_valid_date(y, m, d))
		return -1;
	*days = clock_days_from_civil(y, m, d);
	return 0;
}

int clock_parse_date(const char *s, int64_t *days)
{
	if (!s || strnlen(s, 11) != 10)
		return -1;
	return parse_date_part(s, days);
}

int clock_parse_utc(const char *s, int64_t *t)
{
	int64_t days;
	int hh, mm, ss;

	if (!s || strnlen(s, 21) != 20)
		return -1;
	if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	if (parse_date_part(s, &days) != 0)
		return -1;
	hh = take_digits(s + 11, 2);
	mm = take_digits(s + 14, 2);
	ss = take_digits(s + 17, 2);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
		return -1;
	*t = days * SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss;
	return 0;
}
