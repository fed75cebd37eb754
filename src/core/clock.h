/*
 * clock.h - time as civicare uses it.
 *
 * Time is stored as UTC seconds since the epoch and written as
 * "YYYY-MM-DDTHH:MM:SSZ"; it is shown in Asia/Shanghai (UTC+8, no daylight
 * saving since 1991) as "YYYY-MM-DD HH:MM".  clock_now() adds a test offset
 * (setting clock_offset / CIVICARE_CLOCK_OFFSET, seconds) so tests can move
 * time forward without sleeping.  Dates are handled as day numbers (days
 * since 1970-01-01) in the proleptic Gregorian calendar.
 */
#ifndef CIVICARE_CLOCK_H
#define CIVICARE_CLOCK_H

#include <stdint.h>
#include <stddef.h>

#define CLOCK_CHINA_OFFSET (8 * 3600)

int64_t clock_now(void);                  /* UTC seconds, offset applied */
void clock_set_offset(int64_t seconds);
int64_t clock_monotonic_ms(void);         /* for measuring durations */

/* Day number <-> civil date.  days_from_civil does not validate. */
int64_t clock_days_from_civil(int y, int m, int d);
void clock_civil_from_days(int64_t days, int *y, int *m, int *d);
int clock_valid_date(int y, int m, int d);   /* 1 if a real calendar date */
int64_t clock_today_china(void);             /* today's day number in China */

/* "YYYY-MM-DDTHH:MM:SSZ"; out must hold 21 bytes. */
void clock_format_utc(int64_t t, char out[21]);
/* "YYYY-MM-DD" of a day number; out 11 bytes. */
void clock_format_date(int64_t days, char out[11]);
/* "2026-08-26" as people write it in Chinese, "2026年8月26日"; text that is
 * not a date is copied as it is.  out 24 bytes. */
void clock_date_zh(const char *ymd, char out[24]);
/* Parse "YYYY-MM-DD" (exactly); 0 and *days on success, -1 otherwise. */
int clock_parse_date(const char *s, int64_t *days);
/* Parse "YYYY-MM-DDTHH:MM:SSZ"; 0 on success, -1 otherwise. */
int clock_parse_utc(const char *s, int64_t *t);

#endif
