/*
 * test_core.c - the domain-free primitives: ID numbers, division codes,
 * time, buffers, arenas, errors, JSON getters, settings and the log.
 *
 * Each test is named after the rule it checks and asserts what a caller can
 * observe.  Tests that need files work in a directory made under
 * $CIVICARE_TEST_TMP (else /tmp) and remove what they wrote.  Threads never
 * call cmocka assertions (they longjmp): they write, and the test checks the
 * result after joining them.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "../../src/core/arena.h"
#include "../../src/core/clock.h"
#include "../../src/core/config.h"
#include "../../src/core/division.h"
#include "../../src/core/err.h"
#include "../../src/core/idcard.h"
#include "../../src/core/jsonx.h"
#include "../../src/core/limits.h"
#include "../../src/core/log.h"
#include "../../src/core/strbuf.h"
#include "../../src/core/banned.h"

/* === helpers === */

static char test_dir[512];

static void make_test_dir(void)
{
	const char *base = getenv("CIVICARE_TEST_TMP");

	if (!base || !*base)
		base = "/tmp";
	snprintf(test_dir, sizeof(test_dir), "%s/core-XXXXXX", base);
	assert_non_null(mkdtemp(test_dir));
}

/* Write `text` to test_dir/name; the path goes to out. */
static void write_file(const char *name, const char *text, char *out, size_t size)
{
	FILE *f;

	snprintf(out, size, "%s/%s", test_dir, name);
	f = fopen(out, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Read a whole small file into buf; returns its length. */
static size_t read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* 1 when s is well-formed UTF-8 (the checks the tests need: no cut sequence). */
static int utf8_whole(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 :
			  (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;

		if (!len)
			return 0;
		for (int i = 1; i < len; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += len;
	}
	return 1;
}

/* The ASCII number with every character written full width (０-９, Ｘ). */
static void to_fullwidth(const char *ascii, char *out, size_t size)
{
	struct strbuf sb = STRBUF_INIT;

	for (const char *c = ascii; *c; c++) {
		if (*c == 'X')
			strbuf_addstr(&sb, "\xEF\xBC\xB8");
		else
			strbuf_addf(&sb, "\xEF\xBC%c", (char)(0x90 + (*c - '0')));
	}
	snprintf(out, size, "%s", sb.buf);
	strbuf_release(&sb);
}

/* === idcard === */

static void idcard_published_female_example_is_valid(void **state)
{
	struct idcard id;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(idcard_parse("11010519491231002X", "id_number", &id, &e), 0);
	assert_string_equal(id.number, "11010519491231002X");
	assert_string_equal(id.region, "110105");
	assert_int_equal(id.birth_year, 1949);
	assert_int_equal(id.birth_month, 12);
	assert_int_equal(id.birth_day, 31);
	assert_int_equal(id.sex, 'F');
	assert_int_equal(e.code, 0);
}

static void idcard_published_male_example_is_valid(void **state)
{
	struct idcard id;
	struct err e;

	(void)state;
	assert_int_equal(idcard_parse("440524188001010014", "id_number", &id, &e), 0);
	assert_int_equal(id.birth_year, 1880);
	assert_int_equal(id.birth_month, 1);
	assert_int_equal(id.birth_day, 1);
	assert_int_equal(id.sex, 'M');
	assert_int_equal(idcard_check_char("44052418800101001"), '4');
}

static void idcard_wrong_check_character_is_rejected(void **state)
{
	struct idcard id;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(idcard_parse("110105194912310021", "id_number", &id, &e),
			 ERR_INVALID);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.rule, "check_character");
	assert_string_equal(e.field, "id_number");
	assert_string_equal(e.message, "身份证号码校验位错误：应为 X");
	assert_string_equal(e.message_en, "check character is wrong: expected X");
	assert_int_equal(err_http_status(e.code), 400);
}

static void idcard_lower_case_x_is_stored_upper_case(void **state)
{
	struct idcard id;
	struct err e;

	(void)state;
	assert_int_equal(idcard_parse("11010519491231002x", "id", &id, &e), 0);
	assert_string_equal(id.number, "11010519491231002X");
}

static void idcard_full_width_input_is_stored_as_ascii(void **state)
{
	char wide[128], input[160];
	struct idcard id;
	struct err e;

	(void)state;
	to_fullwidth("11010519491231002X", wide, sizeof(wide));
	assert_int_equal(idcard_parse(wide, "id", &id, &e), 0);
	assert_string_equal(id.number, "11010519491231002X");

	/* full-width lower-case ｘ, surrounded by U+3000 and ASCII blanks */
	to_fullwidth("11010519491231002", wide, sizeof(wide));
	snprintf(input, sizeof(input), " \xE3\x80\x80\t%s\xEF\xBD\x98\xE3\x80\x80 \n", wide);
	assert_int_equal(idcard_parse(input, "id", &id, &e), 0);
	assert_string_equal(id.number, "11010519491231002X");

	to_fullwidth("440524188001010014", wide, sizeof(wide));
	assert_int_equal(idcard_parse(wide, "id", &id, &e), 0);
	assert_string_equal(id.number, "440524188001010014");
}

static void idcard_17_or_19_characters_break_the_length_rule(void **state)
{
	char wide[128];
	struct idcard id;
	struct err e;

	(void)state;
	assert_int_equal(idcard_parse("11010519491231002", "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "length");
	assert_string_equal(e.field, "id");
	assert_string_equal(e.message, "身份证号码应为18位");

	assert_int_equal(idcard_parse("11010519491231002X1", "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "length");

	assert_int_equal(idcard_parse("", "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "length");

	/* characters are counted, not bytes: 17 full-width digits are 51 bytes */
	to_fullwidth("11010519491231002", wide, sizeof(wide));
	assert_int_equal(idcard_parse(wide, "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "length");
}

static void idcard_letters_break_the_characters_rule(void **state)
{
	static const char *const bad[] = {
		"1101051949123100AX",   /* a letter among the digits */
		"11010519491231X02X",   /* X only allowed last */
		"11010519491231002Y",
		"11010519491231-02X",
		"1101051949123100\xE6\xB1\x89X",   /* 汉 counts as one character */
	};
	struct idcard id;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(idcard_parse(bad[i], "id", &id, &e), ERR_INVALID);
		assert_string_equal(e.rule, "characters");
	}
}

static void idcard_region_starting_with_zero_is_rejected(void **state)
{
	char number[19];
	struct idcard id;
	struct err e;

	(void)state;
	memcpy(number, "01010519491231002", 17);
	number[17] = idcard_check_char(number);
	number[18] = '\0';
	assert_int_equal(idcard_parse(number, "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "region");
}

/* A number with a correct check character around 17 given digits. */
static void with_check(const char *digits17, char out[19])
{
	memcpy(out, digits17, 17);
	out[17] = idcard_check_char(digits17);
	out[18] = '\0';
}

static void idcard_february_31_breaks_the_birth_date_rule(void **state)
{
	char number[19];
	struct idcard id;
	struct err e;

	(void)state;
	with_check("11010519490231002", number);
	assert_int_equal(idcard_parse(number, "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "birth_date");
	assert_string_equal(e.field, "id");

	with_check("11010519491301002", number);   /* month 13 */
	assert_int_equal(idcard_parse(number, "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "birth_date");

	with_check("11010519000229002", number);   /* 1900 was not a leap year */
	assert_int_equal(idcard_parse(number, "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "birth_date");

	with_check("11010520000229002", number);   /* 2000 was */
	assert_int_equal(idcard_parse(number, "id", &id, &e), 0);
}

static void idcard_birth_before_1870_breaks_the_birth_date_rule(void **state)
{
	char number[19];
	struct idcard id;
	struct err e;

	(void)state;
	with_check("11010518691231002", number);
	assert_int_equal(idcard_parse(number, "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "birth_date");
	with_check("11010518700101002", number);
	assert_int_equal(idcard_parse(number, "id", &id, &e), 0);
}

static void idcard_future_birth_date_breaks_the_birth_date_rule(void **state)
{
	int64_t today = clock_today_china();
	char number[19];
	struct idcard id;
	struct err e;
	int y, m, d;

	(void)state;
	clock_civil_from_days(today + 1, &y, &m, &d);
	assert_int_equal(idcard_make("500231", y, m, d, 11, number), 0);
	assert_int_equal(idcard_parse(number, "id", &id, &e), ERR_INVALID);
	assert_string_equal(e.rule, "birth_date");

	clock_civil_from_days(today, &y, &m, &d);   /* born today is fine */
	assert_int_equal(idcard_make("500231", y, m, d, 11, number), 0);
	assert_int_equal(idcard_parse(number, "id", &id, &e), 0);
}

static void idcard_make_round_trips_through_parse(void **state)
{
	static const char *const regions[] = { "500231", "110105", "440524", "990000" };
	int64_t first = clock_days_from_civil(1870, 1, 1), last = clock_today_china();
	int count = 0;

	(void)state;
	for (int64_t day = first; day <= last; day += 13) {
		int y, m, d, seq = (int)(day % 1000 + 1000) % 1000;
		const char *region = regions[count % 4];
		char number[19];
		struct idcard id;
		struct err e;

		clock_civil_from_days(day, &y, &m, &d);
		assert_int_equal(idcard_make(region, y, m, d, seq, number), 0);
		assert_int_equal(idcard_parse(number, "id", &id, &e), 0);
		assert_string_equal(id.number, number);
		assert_memory_equal(id.region, region, 6);
		assert_int_equal(id.birth_year, y);
		assert_int_equal(id.birth_month, m);
		assert_int_equal(id.birth_day, d);
		assert_int_equal(id.sex, seq % 2 ? 'M' : 'F');
		count++;
	}
	assert_true(count > 4000);
}

static void idcard_make_rejects_parts_out_of_range(void **state)
{
	char number[19];

	(void)state;
	assert_int_equal(idcard_make("500231", 1990, 2, 30, 1, number), -1);
	assert_int_equal(idcard_make("500231", 1990, 1, 1, 1000, number), -1);
	assert_int_equal(idcard_make("500231", 1990, 1, 1, -1, number), -1);
	assert_int_equal(idcard_make("50023a", 1990, 1, 1, 1, number), -1);
	assert_int_equal(idcard_make("050231", 1990, 1, 1, 1, number), -1);
	assert_int_equal(idcard_make("500231", 1869, 1, 1, 1, number), -1);
	assert_int_equal(idcard_make("110105", 1949, 12, 31, 2, number), 0);
	assert_string_equal(number, "11010519491231002X");
}

static void idcard_mask_keeps_first_6_and_last_4(void **state)
{
	char out[19];

	(void)state;
	idcard_mask("11010519491231002X", out);
	assert_string_equal(out, "110105********002X");
	idcard_mask("1101051949", out);
	assert_string_equal(out, "******");
	idcard_mask("11010519491231002X9", out);
	assert_string_equal(out, "******");
	idcard_mask(NULL, out);
	assert_string_equal(out, "******");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void idcard_pack_is_distinct_for_distinct_numbers(void **state)
{
	enum { N = 10000 };
	uint64_t *packed = calloc(N, sizeof(*packed));
	static const char *const regions[] = { "500231", "500232", "110105" };

	(void)state;
	assert_non_null(packed);
	for (int i = 0; i < N; i++) {
		char number[19];
		int y, m, d;

		clock_civil_from_days(clock_days_from_civil(1930, 1, 1) + i * 7 % 30000,
				      &y, &m, &d);
		assert_int_equal(idcard_make(regions[i % 3], y, m, d, i % 1000, number), 0);
		packed[i] = idcard_pack(number);
		assert_true(packed[i] != 0);
	}
	qsort(packed, N, sizeof(*packed), cmp_u64);
	for (int i = 1; i < N; i++)
		assert_true(packed[i] != packed[i - 1]);
	free(packed);

	/* numbers differing only in the check character cannot both be valid;
	 * the X number packs above every digit-check number */
	assert_true(idcard_pack("11010519491231002X") > idcard_pack("440524188001010014"));
	assert_int_equal(idcard_pack("110105194912310021"), 0);   /* wrong check */
	assert_int_equal(idcard_pack("11010519491231002x"), 0);   /* not normalised */
	assert_int_equal(idcard_pack("1101051949123100"), 0);
	assert_int_equal(idcard_pack(NULL), 0);
}

static void idcard_age_counts_whole_years(void **state)
{
	struct idcard id;
	struct err e;

	(void)state;
	assert_int_equal(idcard_parse("11010519491231002X", "id", &id, &e), 0);
	assert_int_equal(idcard_age(&id, clock_days_from_civil(2026, 12, 30)), 76);
	assert_int_equal(idcard_age(&id, clock_days_from_civil(2026, 12, 31)), 77);
	assert_int_equal(idcard_age(&id, clock_days_from_civil(1949, 12, 31)), 0);
}

/* === division === */

static void division_level_follows_length_and_digits(void **state)
{
	static const char *const junk[] = {
		"50023", "50023a", "500231000", "500231103000", "", "0", "00",
		"000231", "5002311032011", " 500231", "500231 ", "50023110320",
		"500200",
	};

	(void)state;
	assert_int_equal(division_level("50"), DIVISION_PROVINCE);
	assert_int_equal(division_level("5002"), DIVISION_CITY);
	assert_int_equal(division_level("500231"), DIVISION_COUNTY);
	assert_int_equal(division_level("500231103"), DIVISION_TOWNSHIP);
	assert_int_equal(division_level("500231103201"), DIVISION_VILLAGE);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_int_equal(division_level(junk[i]), DIVISION_INVALID);
	assert_int_equal(division_level(NULL), DIVISION_INVALID);
}

static void division_check_accepts_only_6_9_or_12_digits(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(division_check("500231", "region", &e), 0);
	assert_int_equal(division_check("500231103", "region", &e), 0);
	assert_int_equal(division_check("500231103201", "region", &e), 0);
	err_clear(&e);
	assert_int_equal(division_check("5002", "region", &e), ERR_INVALID);
	assert_string_equal(e.rule, "division_code");
	assert_string_equal(e.field, "region");
	assert_string_equal(e.message, "区划代码应为6、9或12位数字");
	assert_string_equal(e.message_en, "division code must be 6, 9 or 12 digits");
	assert_int_equal(division_check("500231000", "region", &e), ERR_INVALID);
	assert_int_equal(division_check(NULL, "region", &e), ERR_INVALID);
}

static void division_parent_chain_climbs_to_the_province(void **state)
{
	static const char *const chain[] = {
		"500231103201", "500231103", "500231", "5002", "50",
	};
	char code[13], parent[13];

	(void)state;
	snprintf(code, sizeof(code), "%s", chain[0]);
	for (size_t i = 1; i < sizeof(chain) / sizeof(chain[0]); i++) {
		assert_int_equal(division_parent(code, parent), 0);
		assert_string_equal(parent, chain[i]);
		snprintf(code, sizeof(code), "%s", parent);
	}
	assert_int_equal(division_parent("50", parent), -1);
	assert_int_equal(division_parent("junk", parent), -1);
}

static void division_contains_is_a_prefix_of_valid_codes(void **state)
{
	(void)state;
	assert_int_equal(division_contains("500231103", "500231103201"), 1);
	assert_int_equal(division_contains("500231103", "500231104201"), 0);
	assert_int_equal(division_contains("", "500231"), 0);
	assert_int_equal(division_contains(NULL, "500231"), 0);
	assert_int_equal(division_contains("500231", "500231"), 1);
	assert_int_equal(division_contains("500231", "500231103201"), 1);
	assert_int_equal(division_contains("500231103201", "500231103"), 0);
	assert_int_equal(division_contains("500231", "500232103201"), 0);
}

static void division_is_community_by_the_last_three_digits(void **state)
{
	(void)state;
	assert_int_equal(division_is_community("500231002001"), 1);
	assert_int_equal(division_is_community("500231103199"), 1);
	assert_int_equal(division_is_community("500231103200"), 0);
	assert_int_equal(division_is_community("500231103201"), 0);
	assert_int_equal(division_is_community("500231103399"), 0);
	assert_int_equal(division_is_community("500231103400"), -1);
	assert_int_equal(division_is_community("500231103"), -1);
}

/* === clock === */

static void clock_civil_and_day_numbers_round_trip_1870_to_2100(void **state)
{
	int64_t expect = clock_days_from_civil(1870, 1, 1);

	(void)state;
	assert_int_equal(clock_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(clock_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(clock_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(clock_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(clock_days_from_civil(9999, 12, 31), 2932896);
	for (int y = 1870; y <= 2100; y++) {
		for (int m = 1; m <= 12; m++) {
			for (int d = 1; clock_valid_date(y, m, d); d++) {
				int y2, m2, d2;

				assert_int_equal(clock_days_from_civil(y, m, d), expect);
				clock_civil_from_days(expect, &y2, &m2, &d2);
				assert_int_equal(y2, y);
				assert_int_equal(m2, m);
				assert_int_equal(d2, d);
				expect++;
			}
		}
	}
	assert_int_equal(expect, clock_days_from_civil(2101, 1, 1));
}

static void clock_leap_years_follow_the_gregorian_rule(void **state)
{
	(void)state;
	assert_true(clock_valid_date(2000, 2, 29));
	assert_false(clock_valid_date(1900, 2, 29));
	assert_true(clock_valid_date(2024, 2, 29));
	assert_false(clock_valid_date(2026, 2, 29));
	assert_false(clock_valid_date(2026, 4, 31));
	assert_true(clock_valid_date(2026, 12, 31));
	assert_false(clock_valid_date(2026, 13, 1));
	assert_false(clock_valid_date(2026, 0, 1));
	assert_false(clock_valid_date(2026, 1, 0));
}

static void clock_utc_format_and_parse_round_trip(void **state)
{
	static const int64_t times[] = {
		0, 1, 86399, 86400, 951782400 /* 2000-02-29 */, 1795896617,
		-3155673600LL /* 1870-01-01 */, -1, 4102444799LL,
	};
	char out[21];
	int64_t t;

	(void)state;
	clock_format_utc(1795896617, out);
	assert_string_equal(out, "2026-11-28T20:10:17Z");
	clock_format_utc(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		clock_format_utc(times[i], out);
		assert_int_equal(clock_parse_utc(out, &t), 0);
		assert_int_equal(t, times[i]);
	}
	for (t = -4000000000LL; t < 5000000000LL; t += 7777777) {
		int64_t back;

		clock_format_utc(t, out);
		assert_int_equal(clock_parse_utc(out, &back), 0);
		assert_int_equal(back, t);
	}
}

static void clock_parsers_reject_anything_but_the_exact_shape(void **state)
{
	static const char *const bad_dates[] = {
		"2026-13-01", "2026-02-29", "2026-00-10", "2026-01-00", "2026-1-01",
		"2026-01-1", "2026/01/01", "2026-01-01 ", " 2026-01-01", "20260101",
		"2026-01-01T00:00:00Z", "", "0000-01-01", "+026-01-01",
	};
	static const char *const bad_times[] = {
		"2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"2026-01-01T00:00:60Z", "2026-01-01T00:00:00z", "2026-01-01 00:00:00Z",
		"2026-01-01T00:00:00", "2026-01-01T00:00:00Z ", "2026-01-01T0:00:00Z",
		"2026-01-01",
	};
	int64_t v = 42;
	char out[11];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++)
		assert_int_equal(clock_parse_date(bad_dates[i], &v), -1);
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
		assert_int_equal(clock_parse_utc(bad_times[i], &v), -1);
	assert_int_equal(v, 42);   /* untouched on failure */
	assert_int_equal(clock_parse_date(NULL, &v), -1);
	assert_int_equal(clock_parse_date("2024-02-29", &v), 0);
	assert_int_equal(v, clock_days_from_civil(2024, 2, 29));
	clock_format_date(v, out);
	assert_string_equal(out, "2024-02-29");

	char zh[24];
	clock_date_zh("2026-08-06", zh);
	assert_string_equal(zh, "2026年8月6日");
	clock_date_zh("2026-02-30", zh);      /* not a date: shown as given */
	assert_string_equal(zh, "2026-02-30");
	clock_date_zh(NULL, zh);
	assert_string_equal(zh, "");
}

static void clock_today_in_china_turns_at_16_utc(void **state)
{
	int64_t before = clock_days_from_civil(2025, 12, 31) * 86400 + 15 * 3600 + 59 * 60;
	int64_t after = clock_days_from_civil(2025, 12, 31) * 86400 + 16 * 3600 + 30;

	(void)state;
	/* seconds tick while the test runs; the targets keep a margin of 30 s */
	clock_set_offset(before - (int64_t)time(NULL));
	assert_int_equal(clock_today_china(), clock_days_from_civil(2025, 12, 31));
	clock_set_offset(after - (int64_t)time(NULL));
	assert_int_equal(clock_today_china(), clock_days_from_civil(2026, 1, 1));
	assert_true(clock_now() - after >= 0 && clock_now() - after < 10);
	clock_set_offset(0);
	assert_true(clock_now() - (int64_t)time(NULL) <= 1);
}

static void clock_monotonic_never_goes_back(void **state)
{
	int64_t a = clock_monotonic_ms(), b;

	(void)state;
	usleep(20000);
	b = clock_monotonic_ms();
	assert_true(b - a >= 19);
}

/* === strbuf === */

static void strbuf_grows_and_stays_terminated(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *s;

	(void)state;
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.alloc, 0);
	for (int i = 0; i < 100000; i++) {
		strbuf_addch(&sb, (char)('a' + i % 26));
		assert_true(sb.len < sb.alloc);
	}
	assert_int_equal(sb.len, 100000);
	assert_int_equal(strlen(sb.buf), 100000);
	assert_int_equal(sb.buf[99999], 'a' + 99999 % 26);
	strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_true(sb.alloc > 100000);   /* memory kept */
	strbuf_addstr(&sb, "abc");
	strbuf_add(&sb, "def", 2);
	s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "abcde");
	assert_int_equal(len, 5);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.alloc, 0);
	free(s);
	s = strbuf_detach(&sb, &len);     /* empty buffers detach to a heap "" */
	assert_string_equal(s, "");
	free(s);
}

static void xgrow_keeps_rows_and_doubles_capacity(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		v = xgrow(v, &cap, (size_t)i + 1, sizeof(*v));
		assert_true(cap >= (size_t)i + 1);
		v[i] = i;
	}
	assert_int_equal(cap, 1024);          /* 16, 32, ... 1024 */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	assert_ptr_equal(xgrow(v, &cap, 10, sizeof(*v)), v); /* enough: unchanged */
	free(v);
}

static void strbuf_addf_formats_long_strings(void **state)
{
	struct strbuf sb = STRBUF_INIT, expect = STRBUF_INIT;
	char *longer = malloc(20001);

	(void)state;
	assert_non_null(longer);
	memset(longer, 'z', 20000);
	longer[20000] = '\0';
	strbuf_addf(&sb, "%d:", 7);
	strbuf_addf(&sb, "[%s|%s]", longer, "汉字");
	assert_int_equal(sb.len, 2 + 1 + 20000 + 1 + 6 + 1);
	assert_memory_equal(sb.buf, "7:[zzz", 6);
	assert_string_equal(sb.buf + sb.len - 8, "|汉字]");
	for (int i = 0; i < 1000; i++) {
		strbuf_addf(&sb, "%05d", i);
		strbuf_addf(&expect, "%05d", i);
	}
	assert_string_equal(sb.buf + 2 + 1 + 20000 + 1 + 6 + 1, expect.buf);
	strbuf_release(&sb);
	strbuf_release(&expect);
	free(longer);
	strbuf_init(&sb, 1000);
	assert_true(sb.alloc > 1000);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

/* === arena === */

static void arena_many_allocations_are_aligned_zeroed_and_disjoint(void **state)
{
	enum { N = 20000 };
	struct arena a = ARENA_INIT;
	unsigned char **p = calloc(N, sizeof(*p));

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i % 97) + 1;

		p[i] = arena_alloc(&a, n);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(p[i][k], 0);
		memset(p[i], i % 251, n);
	}
	for (int i = 0; i < N; i++)   /* nothing overwrote anything */
		for (size_t k = 0; k < (size_t)(i % 97) + 1; k++)
			assert_int_equal(p[i][k], i % 251);
	assert_true(a.total > 0 && a.total < 4 * 1024 * 1024);
	free(p);
	arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
}

static void arena_big_allocation_gets_its_own_block(void **state)
{
	struct arena a = ARENA_INIT;
	unsigned char *small, *big, *after;
	size_t before;

	(void)state;
	small = arena_alloc(&a, 10);
	before = a.total;
	big = arena_alloc(&a, 1024 * 1024);
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % 16, 0);
	assert_true(a.total - before >= 1024 * 1024);
	assert_true(a.total - before < 1024 * 1024 + 1024);
	for (size_t i = 0; i < 1024 * 1024; i += 4093)
		assert_int_equal(big[i], 0);
	memset(big, 0xAB, 1024 * 1024);
	/* the small block keeps serving small requests after the big one */
	before = a.total;
	after = arena_alloc(&a, 10);
	assert_int_equal(a.total, before);
	assert_ptr_equal(after, small + 16);
	assert_int_equal(after[0], 0);
	arena_release(&a);
}

static void arena_cap_is_respected(void **state)
{
	struct arena a = ARENA_INIT;
	int got = 0;

	(void)state;
	a.cap = 300 * 1024;
	while (arena_alloc(&a, 8000))
		got++;
	assert_true(a.total <= a.cap);
	assert_true(got >= 30);               /* about 4 blocks of 8 allocations */
	assert_null(arena_alloc(&a, 1024 * 1024));
	assert_true(a.total <= a.cap);
	arena_release(&a);

	a.cap = 0;                            /* 0 means LIMIT_ARENA_BYTES */
	assert_null(arena_alloc(&a, (size_t)LIMIT_ARENA_BYTES + 1));
	assert_non_null(arena_alloc(&a, 1024 * 1024));
	assert_null(arena_alloc(&a, SIZE_MAX));
	arena_release(&a);
}

static void arena_strings_are_copied_and_terminated(void **state)
{
	struct arena a = ARENA_INIT;
	char *s;

	(void)state;
	assert_string_equal(arena_strdup(&a, "垫江县"), "垫江县");
	assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
	assert_string_equal(arena_strndup(&a, "ab", 10), "ab");
	assert_null(arena_strdup(&a, NULL));
	s = arena_printf(&a, "%s-%04d", "x", 42);
	assert_string_equal(s, "x-0042");
	arena_release(&a);
}

/* === err === */

static void err_long_chinese_message_is_cut_between_characters(void **state)
{
	struct strbuf zh = STRBUF_INIT, en = STRBUF_INIT;
	struct err e;

	(void)state;
	strbuf_addch(&zh, 'a');   /* shift so the byte limit falls inside a character */
	for (int i = 0; i < 200; i++)
		strbuf_addstr(&zh, "汉");
	for (int i = 0; i < 300; i++)
		strbuf_addch(&en, 'e');
	assert_int_equal(err_set(&e, ERR_INVALID, "name", "length", zh.buf, en.buf),
			 ERR_INVALID);
	assert_true(strlen(e.message) < sizeof(e.message));
	assert_true(strlen(e.message) > sizeof(e.message) - 4);
	assert_int_equal(strlen(e.message) % 3, 1);
	assert_true(utf8_whole(e.message));
	assert_memory_equal(e.message, zh.buf, strlen(e.message));
	assert_int_equal(strlen(e.message_en), sizeof(e.message_en) - 1);

	for (int shift = 0; shift < 3; shift++) {   /* every alignment, via setf */
		err_setf(&e, ERR_CONFLICT, "f", NULL, "%.*s%s", "%.*s%s", shift, "xx",
			 zh.buf + 1);
		assert_true(utf8_whole(e.message));
		assert_true(strlen(e.message) > sizeof(e.message) - 4);
		assert_string_equal(e.rule, "");
	}
	strbuf_release(&zh);
	strbuf_release(&en);
}

static void err_codes_map_to_status_and_slug(void **state)
{
	static const struct { int code; int status; const char *slug; } table[] = {
		{ ERR_INVALID, 400, "invalid" },
		{ ERR_UNAUTHORIZED, 401, "unauthorized" },
		{ ERR_FORBIDDEN, 403, "forbidden" },
		{ ERR_NOT_FOUND, 404, "not_found" },
		{ ERR_METHOD, 405, "method_not_allowed" },
		{ ERR_CONFLICT, 409, "conflict" },
		{ ERR_TOO_LARGE, 413, "too_large" },
		{ ERR_MEDIA_TYPE, 415, "unsupported_media_type" },
		{ ERR_RATE_LIMITED, 429, "rate_limited" },
		{ ERR_INTERNAL, 500, "internal" },
		{ ERR_UNAVAILABLE, 503, "unavailable" },
		{ ERR_SCHEMA, 500, "schema_newer" },
	};
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_int_equal(err_http_status(table[i].code), table[i].status);
		assert_string_equal(err_slug(table[i].code), table[i].slug);
	}
	assert_int_equal(err_http_status(-99), 500);
	assert_int_equal(err_http_status(7), 500);
	assert_string_equal(err_slug(-99), "internal");

	assert_int_equal(err_set(NULL, ERR_NOT_FOUND, "x", NULL, "a", "b"), ERR_NOT_FOUND);
	err_set(&e, ERR_NOT_FOUND, NULL, NULL, "未找到", "not found");
	assert_string_equal(err_code_string(&e), "not_found");
	assert_string_equal(e.field, "");
	err_set(&e, ERR_INVALID, "id_number", "check_character", "z", "e");
	assert_string_equal(err_code_string(&e), "check_character");
	err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.message, "");
}

/* === jsonx === */

static json_t *parse_json(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);

	assert_non_null(v);
	return v;
}

static void jsonx_missing_required_field_is_named(void **state)
{
	json_t *o = parse_json("{\"age\": 3, \"name\": null}");
	const char *s = "unchanged";
	int64_t n = -5;
	struct err e;

	(void)state;
	assert_int_equal(jsonx_string(o, "name", JSONX_REQUIRED, 96, &s, &e), ERR_INVALID);
	assert_string_equal(e.field, "name");
	assert_string_equal(e.rule, "required");
	assert_string_equal(e.message, "字段 name 为必填项");
	assert_string_equal(e.message_en, "field name is required");
	assert_int_equal(jsonx_int(o, "phone", JSONX_REQUIRED, 0, 9, &n, &e), ERR_INVALID);
	assert_string_equal(e.field, "phone");
	/* optional and absent: success, out untouched */
	assert_int_equal(jsonx_string(o, "name", JSONX_OPTIONAL, 96, &s, &e), 0);
	assert_string_equal(s, "unchanged");
	assert_int_equal(jsonx_int(o, "missing", JSONX_OPTIONAL, 0, 9, &n, &e), 0);
	assert_int_equal(n, -5);
	json_decref(o);
}

static void jsonx_wrong_type_is_named(void **state)
{
	json_t *o = parse_json("{\"name\": 5, \"age\": 3.0, \"n\": \"3\", \"ok\": 1}");
	const char *s = NULL;
	int64_t n = 0;
	int b = 0;
	struct err e;

	(void)state;
	assert_int_equal(jsonx_string(o, "name", 1, 96, &s, &e), ERR_INVALID);
	assert_string_equal(e.rule, "type");
	assert_string_equal(e.message, "字段 name 应为字符串");
	assert_string_equal(e.message_en, "field name must be a string");
	assert_int_equal(jsonx_int(o, "age", 1, 0, 200, &n, &e), ERR_INVALID);
	assert_string_equal(e.rule, "type");
	assert_string_equal(e.field, "age");
	assert_int_equal(jsonx_int(o, "n", 1, 0, 200, &n, &e), ERR_INVALID);
	assert_string_equal(e.rule, "type");
	assert_int_equal(jsonx_bool(o, "ok", 1, &b, &e), ERR_INVALID);
	assert_string_equal(e.field, "ok");
	assert_string_equal(e.rule, "type");
	json_decref(o);
}

static void jsonx_string_longer_than_max_bytes_is_named(void **state)
{
	json_t *o = json_object();
	struct strbuf sb = STRBUF_INIT;
	const char *s = NULL;
	struct err e;

	(void)state;
	for (int i = 0; i < 32; i++)
		strbuf_addstr(&sb, "汉");           /* 96 bytes: exactly the limit */
	json_object_set_new(o, "name", json_string(sb.buf));
	assert_int_equal(jsonx_string(o, "name", 1, LIMIT_NAME_BYTES, &s, &e), 0);
	assert_string_equal(s, sb.buf);
	strbuf_addch(&sb, 'a');
	json_object_set_new(o, "name", json_string(sb.buf));
	assert_int_equal(jsonx_string(o, "name", 1, LIMIT_NAME_BYTES, &s, &e), ERR_INVALID);
	assert_string_equal(e.rule, "length");
	assert_string_equal(e.field, "name");
	assert_string_equal(e.message, "字段 name 超过 96 字节");
	assert_string_equal(e.message_en, "field name is longer than 96 bytes");

	/* objects built in code can hold what the parser refuses */
	json_object_set_new(o, "bad", json_stringn_nocheck("a\xC3(", 3));
	assert_int_equal(jsonx_string(o, "bad", 1, 96, &s, &e), ERR_INVALID);
	assert_string_equal(e.rule, "length");
	json_object_set_new(o, "nul", json_stringn("ab\0cd", 5));
	assert_int_equal(jsonx_string(o, "nul", 1, 96, &s, &e), ERR_INVALID);
	assert_string_equal(e.field, "nul");
	strbuf_release(&sb);
	json_decref(o);
}

static void jsonx_int_outside_range_is_named(void **state)
{
	json_t *o = parse_json("{\"age\": 151, \"kids\": 2, \"big\": 9223372036854775807}");
	int64_t n = 0;
	struct err e;

	(void)state;
	assert_int_equal(jsonx_int(o, "age", 1, 0, 150, &n, &e), ERR_INVALID);
	assert_string_equal(e.rule, "range");
	assert_string_equal(e.field, "age");
	assert_string_equal(e.message_en, "field age must be between 0 and 150");
	assert_int_equal(jsonx_int(o, "kids", 1, 0, 150, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(jsonx_int(o, "big", 1, INT64_MIN, INT64_MAX, &n, &e), 0);
	assert_true(n == INT64_MAX);
	json_decref(o);
}

static void jsonx_enum_lists_the_allowed_values(void **state)
{
	static const char *const health[] = { "healthy", "chronic", "serious", NULL };
	json_t *o = parse_json("{\"health\": \"bogus\", \"h2\": \"chronic\", \"h3\": 1}");
	const char *s = NULL;
	struct err e;

	(void)state;
	assert_int_equal(jsonx_enum(o, "health", 1, health, &s, &e), ERR_INVALID);
	assert_string_equal(e.rule, "enum");
	assert_string_equal(e.field, "health");
	assert_string_equal(e.message, "字段 health 应为以下之一：healthy, chronic, serious");
	assert_string_equal(e.message_en, "field health must be one of: healthy, chronic, serious");
	assert_int_equal(jsonx_enum(o, "h2", 1, health, &s, &e), 0);
	assert_string_equal(s, "chronic");
	assert_int_equal(jsonx_enum(o, "h3", 1, health, &s, &e), ERR_INVALID);
	assert_string_equal(e.rule, "type");
	json_decref(o);
}

static void jsonx_unknown_field_is_named(void **state)
{
	static const char *const known[] = { "name", "age", NULL };
	json_t *o = parse_json("{\"name\": \"a\", \"nmae\": \"b\"}");
	json_t *good = parse_json("{\"age\": 1}");
	json_t *arr = parse_json("[1]");
	struct err e;
	int b = -1;

	(void)state;
	assert_int_equal(jsonx_only(o, known, &e), ERR_INVALID);
	assert_string_equal(e.rule, "unknown_field");
	assert_string_equal(e.field, "nmae");
	assert_non_null(strstr(e.message_en, "nmae"));
	assert_int_equal(jsonx_only(good, known, &e), 0);
	assert_int_equal(jsonx_only(arr, known, &e), ERR_INVALID);
	json_decref(o);
	json_decref(good);
	json_decref(arr);

	o = parse_json("{\"x\": true}");
	assert_int_equal(jsonx_bool(o, "x", 1, &b, &e), 0);
	assert_int_equal(b, 1);
	json_decref(o);
	o = jsonx_str_or_null(NULL);
	assert_true(json_is_null(o));
	o = jsonx_str_or_null("汉");
	assert_string_equal(json_string_value(o), "汉");
	json_decref(o);
}

/* === config === */

static void config_precedence_is_default_file_env_flag(void **state)
{
	struct config c;
	struct err e;
	char path[700];

	(void)state;
	make_test_dir();
	write_file("a.conf",
		   "# civicare settings\n"
		   "\n"
		   "db = file.db\n"
		   "  listen=0.0.0.0:9000  \n"
		   "threads = 2\n"
		   "web_root = \" spaced # dir \"\n",
		   path, sizeof(path));
	unsetenv("CIVICARE_DB");
	setenv("CIVICARE_LISTEN", "127.0.0.1:9100", 1);
	setenv("CIVICARE_THREADS", "3", 1);

	config_init(&c);
	assert_string_equal(config_get(&c, CFG_DB), "civicare.db");
	assert_string_equal(c.source[CFG_DB], "default");
	assert_int_equal(config_load_file(&c, path, &e), 0);
	config_load_env(&c);
	assert_int_equal(config_set(&c, CFG_THREADS, "8", "flag"), 0);

	assert_string_equal(config_get(&c, CFG_DB), "file.db");
	assert_string_equal(c.source[CFG_DB], "file");
	assert_string_equal(config_get(&c, CFG_LISTEN), "127.0.0.1:9100");
	assert_string_equal(c.source[CFG_LISTEN], "env");
	assert_string_equal(config_get(&c, CFG_THREADS), "8");
	assert_string_equal(c.source[CFG_THREADS], "flag");
	assert_string_equal(config_get(&c, CFG_WEB_ROOT), " spaced # dir ");
	assert_string_equal(config_get(&c, CFG_LOG_LEVEL), "info");
	assert_string_equal(config_get(&c, CFG_SESSION_HOURS), "12");
	assert_string_equal(config_get(&c, CFG_CLOCK_OFFSET), "0");
	assert_string_equal(config_get(&c, CFG_CONFIG_DIR), "config");
	config_release(&c);
	unsetenv("CIVICARE_LISTEN");
	unsetenv("CIVICARE_THREADS");
	unlink(path);
	rmdir(test_dir);
}

static void config_unknown_setting_in_file_names_the_line(void **state)
{
	struct config c;
	struct err e;
	char path[700], want[800];

	(void)state;
	make_test_dir();
	write_file("bad.conf", "db = x.db\n# fine\nthreds = 4\n", path, sizeof(path));
	config_init(&c);
	assert_int_equal(config_load_file(&c, path, &e), ERR_INVALID);
	snprintf(want, sizeof(want), "%s:3: unknown setting threds", path);
	assert_string_equal(e.message_en, want);
	assert_non_null(strstr(e.message, ":3:"));
	/* all or nothing: line 1 was not applied */
	assert_string_equal(config_get(&c, CFG_DB), "civicare.db");
	unlink(path);

	write_file("eq.conf", "db x.db\n", path, sizeof(path));
	assert_int_equal(config_load_file(&c, path, &e), ERR_INVALID);
	assert_non_null(strstr(e.message_en, ":1:"));
	unlink(path);

	write_file("q.conf", "db = \"x.db\n", path, sizeof(path));
	assert_int_equal(config_load_file(&c, path, &e), ERR_INVALID);
	assert_non_null(strstr(e.message_en, "quote"));
	unlink(path);

	snprintf(path, sizeof(path), "%s/missing.conf", test_dir);
	assert_int_equal(config_load_file(&c, path, &e), ERR_INVALID);
	assert_non_null(strstr(e.message_en, "missing.conf"));
	config_release(&c);
	rmdir(test_dir);
}

static void config_line_longer_than_the_limit_is_an_error(void **state)
{
	struct strbuf text = STRBUF_INIT;
	struct config c;
	struct err e;
	char path[700];

	(void)state;
	make_test_dir();
	strbuf_addstr(&text, "db = ");
	while (text.len < LIMIT_CONFIG_LINE)
		strbuf_addch(&text, 'a');
	strbuf_addstr(&text, "\nthreads = 5\n");   /* exactly the limit: accepted */
	write_file("ok.conf", text.buf, path, sizeof(path));
	config_init(&c);
	assert_int_equal(config_load_file(&c, path, &e), 0);
	assert_int_equal(strlen(config_get(&c, CFG_DB)), LIMIT_CONFIG_LINE - 5);
	assert_string_equal(config_get(&c, CFG_THREADS), "5");
	unlink(path);

	strbuf_reset(&text);
	strbuf_addstr(&text, "threads = 6\ndb = ");
	while (text.len < 12 + LIMIT_CONFIG_LINE + 1)
		strbuf_addch(&text, 'b');
	strbuf_addch(&text, '\n');
	write_file("long.conf", text.buf, path, sizeof(path));
	assert_int_equal(config_load_file(&c, path, &e), ERR_INVALID);
	assert_non_null(strstr(e.message_en, ":2:"));
	assert_string_equal(config_get(&c, CFG_THREADS), "5");
	unlink(path);
	config_release(&c);
	strbuf_release(&text);
	rmdir(test_dir);
}

static void config_get_int_checks_type_and_range(void **state)
{
	struct config c;
	struct err e;
	int64_t n = 0;
	enum config_key k;

	(void)state;
	config_init(&c);
	assert_int_equal(config_get_int(&c, CFG_THREADS, 1, 64, &n, &e), 0);
	assert_int_equal(n, 4);
	config_set(&c, CFG_THREADS, "4x", "flag");
	assert_int_equal(config_get_int(&c, CFG_THREADS, 1, 64, &n, &e), ERR_INVALID);
	assert_string_equal(e.field, "threads");
	assert_string_equal(e.rule, "type");
	config_set(&c, CFG_THREADS, "", "flag");
	assert_int_equal(config_get_int(&c, CFG_THREADS, 1, 64, &n, &e), ERR_INVALID);
	config_set(&c, CFG_THREADS, "99999999999999999999", "flag");
	assert_int_equal(config_get_int(&c, CFG_THREADS, 1, 64, &n, &e), ERR_INVALID);
	config_set(&c, CFG_THREADS, "65", "flag");
	assert_int_equal(config_get_int(&c, CFG_THREADS, 1, 64, &n, &e), ERR_INVALID);
	assert_string_equal(e.rule, "range");
	config_set(&c, CFG_CLOCK_OFFSET, "-86400", "flag");
	assert_int_equal(config_get_int(&c, CFG_CLOCK_OFFSET, INT64_MIN, INT64_MAX, &n, &e), 0);
	assert_int_equal(n, -86400);
	config_release(&c);

	assert_int_equal(config_lookup("web_root", &k), 0);
	assert_int_equal(k, CFG_WEB_ROOT);
	assert_int_equal(config_lookup("web-root", &k), 0);
	assert_int_equal(k, CFG_WEB_ROOT);
	assert_int_equal(config_lookup("web", &k), -1);
	assert_int_equal(config_lookup("dbx", &k), -1);
}

static void config_help_prints_one_aligned_line_per_key(void **state)
{
	static const enum config_key keys[] = { CFG_DB, CFG_SESSION_HOURS, CFG_KEY_COUNT };
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	assert_non_null(f);
	config_print_help(f, keys);
	fclose(f);
	assert_string_equal(text,
		"  --db VALUE            SQLite database file [env CIVICARE_DB, default civicare.db]\n"
		"  --session-hours VALUE hours a login session lasts [env CIVICARE_SESSION_HOURS, default 12]\n");
	free(text);
}

/* === log === */

struct log_worker {
	int id;
};

static void *log_worker_run(void *arg)
{
	const struct log_worker *w = arg;

	for (int i = 0; i < 500; i++)
		log_info("worker %d line %d %s", w->id, i,
			 "some padding to make the lines longer than a few bytes");
	return NULL;
}

/* Every line: "YYYY-MM-DDTHH:MM:SSZ " + level padded to 5 + " " + text. */
static int line_well_formed(const char *line, size_t len)
{
	char stamp[21];
	int64_t t;

	if (len < 28)
		return 0;
	memcpy(stamp, line, 20);
	stamp[20] = '\0';
	return clock_parse_utc(stamp, &t) == 0 && line[20] == ' ' &&
	       memcmp(line + 21, "info  worker ", 13) == 0;
}

static void log_lines_are_whole_filtered_and_one_per_event(void **state)
{
	char path[700], buf[8192];
	pthread_t th[4];
	struct log_worker w[4];
	enum log_level level;
	size_t n, lines = 0;
	char *big, *text;
	int fd;

	(void)state;
	make_test_dir();
	snprintf(path, sizeof(path), "%s/log.txt", test_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	assert_true(fd >= 0);
	log_set_fd(fd);
	log_set_level(LOG_INFO);
	log_debug("hidden %d", 1);
	log_info("line one\nforged 2026-01-01T00:00:00Z error  line");
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf + 20, " info  line one forged 2026-01-01T00:00:00Z error  line\n");
	assert_int_equal(buf[19], 'Z');
	log_set_level(LOG_ERROR);
	log_warn("also hidden");
	log_error("shown");
	n = read_file(path, buf, sizeof(buf));
	assert_string_equal(buf + n - 13, " error shown\n");

	/* an over-long message is cut to one line at a character boundary */
	big = malloc(10000);
	assert_non_null(big);
	for (int i = 0; i + 3 < 10000; i += 3)
		memcpy(big + i, "汉", 3);
	big[9999] = '\0';
	assert_int_equal(ftruncate(fd, 0), 0);
	log_error("%s", big);
	n = read_file(path, buf, sizeof(buf));
	assert_true(n <= 4096);
	assert_string_equal(buf + n - 4, "...\n");
	buf[n - 4] = '\0';
	assert_true(utf8_whole(buf));
	free(big);

	/* four threads: every line whole */
	assert_int_equal(ftruncate(fd, 0), 0);
	log_set_level(LOG_INFO);
	for (int i = 0; i < 4; i++) {
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, log_worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	log_set_fd(2);
	close(fd);
	text = malloc(1 << 20);
	assert_non_null(text);
	n = read_file(path, text, 1 << 20);
	for (char *line = text, *nl; (nl = memchr(line, '\n', n - (size_t)(line - text)));
	     line = nl + 1) {
		assert_true(line_well_formed(line, (size_t)(nl - line)));
		lines++;
	}
	assert_int_equal(lines, 2000);
	free(text);
	unlink(path);
	rmdir(test_dir);

	assert_int_equal(log_parse_level("debug", &level), 0);
	assert_int_equal(level, LOG_DEBUG);
	assert_int_equal(log_parse_level("WARN", &level), 0);
	assert_int_equal(level, LOG_WARN);
	assert_int_equal(log_parse_level("verbose", &level), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xgrow_keeps_rows_and_doubles_capacity),
		cmocka_unit_test(idcard_published_female_example_is_valid),
		cmocka_unit_test(idcard_published_male_example_is_valid),
		cmocka_unit_test(idcard_wrong_check_character_is_rejected),
		cmocka_unit_test(idcard_lower_case_x_is_stored_upper_case),
		cmocka_unit_test(idcard_full_width_input_is_stored_as_ascii),
		cmocka_unit_test(idcard_17_or_19_characters_break_the_length_rule),
		cmocka_unit_test(idcard_letters_break_the_characters_rule),
		cmocka_unit_test(idcard_region_starting_with_zero_is_rejected),
		cmocka_unit_test(idcard_february_31_breaks_the_birth_date_rule),
		cmocka_unit_test(idcard_birth_before_1870_breaks_the_birth_date_rule),
		cmocka_unit_test(idcard_future_birth_date_breaks_the_birth_date_rule),
		cmocka_unit_test(idcard_make_round_trips_through_parse),
		cmocka_unit_test(idcard_make_rejects_parts_out_of_range),
		cmocka_unit_test(idcard_mask_keeps_first_6_and_last_4),
		cmocka_unit_test(idcard_pack_is_distinct_for_distinct_numbers),
		cmocka_unit_test(idcard_age_counts_whole_years),
		cmocka_unit_test(division_level_follows_length_and_digits),
		cmocka_unit_test(division_check_accepts_only_6_9_or_12_digits),
		cmocka_unit_test(division_parent_chain_climbs_to_the_province),
		cmocka_unit_test(division_contains_is_a_prefix_of_valid_codes),
		cmocka_unit_test(division_is_community_by_the_last_three_digits),
		cmocka_unit_test(clock_civil_and_day_numbers_round_trip_1870_to_2100),
		cmocka_unit_test(clock_leap_years_follow_the_gregorian_rule),
		cmocka_unit_test(clock_utc_format_and_parse_round_trip),
		cmocka_unit_test(clock_parsers_reject_anything_but_the_exact_shape),
		cmocka_unit_test(clock_today_in_china_turns_at_16_utc),
		cmocka_unit_test(clock_monotonic_never_goes_back),
		cmocka_unit_test(strbuf_grows_and_stays_terminated),
		cmocka_unit_test(strbuf_addf_formats_long_strings),
		cmocka_unit_test(arena_many_allocations_are_aligned_zeroed_and_disjoint),
		cmocka_unit_test(arena_big_allocation_gets_its_own_block),
		cmocka_unit_test(arena_cap_is_respected),
		cmocka_unit_test(arena_strings_are_copied_and_terminated),
		cmocka_unit_test(err_long_chinese_message_is_cut_between_characters),
		cmocka_unit_test(err_codes_map_to_status_and_slug),
		cmocka_unit_test(jsonx_missing_required_field_is_named),
		cmocka_unit_test(jsonx_wrong_type_is_named),
		cmocka_unit_test(jsonx_string_longer_than_max_bytes_is_named),
		cmocka_unit_test(jsonx_int_outside_range_is_named),
		cmocka_unit_test(jsonx_enum_lists_the_allowed_values),
		cmocka_unit_test(jsonx_unknown_field_is_named),
		cmocka_unit_test(config_precedence_is_default_file_env_flag),
		cmocka_unit_test(config_unknown_setting_in_file_names_the_line),
		cmocka_unit_test(config_line_longer_than_the_limit_is_an_error),
		cmocka_unit_test(config_get_int_checks_type_and_range),
		cmocka_unit_test(config_help_prints_one_aligned_line_per_key),
		cmocka_unit_test(log_lines_are_whole_filtered_and_one_per_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
