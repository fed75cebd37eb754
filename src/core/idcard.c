/*
 * idcard.c - resident identity numbers (居民身份证号码, GB 11643-1999).
 *
 * idcard_parse works in two passes.  The first normalises: it trims ASCII
 * blanks and the ideographic space U+3000 from both ends, then maps each
 * character of what is left to one ASCII character (full-width digits and
 * Ｘ/ｘ are common when numbers are typed with a Chinese input method), or
 * to '?' for anything else, counting characters rather than bytes so that
 * "17 full-width digits" is a length error and not a character error.
 * The second pass applies the rules in the order a person fixes them:
 * length, characters, region, birth date, check character; the first broken
 * rule is reported with its name and a message in both languages.
 *
 * idcard_pack turns a number into 64 bits: the 17 digits as an integer
 * (< 10^17 < 2^57) with the check value 0-10 above bit 57, so distinct valid
 * numbers give distinct keys and 0 never is one.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "idcard.h"
#include "../core/banned.h"

#define IDCARD_LEN 18
#define IDCARD_MIN_YEAR 1870

static const int idcard_weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3,
					7, 9, 10, 5, 8, 4, 2 };
static const char idcard_checks[] = "10X98765432";

char idcard_check_char(const char digits17[17])
{
	int sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (digits17[i] - '0') * idcard_weights[i];
	return idcard_checks[sum % 11];
}

/* === normalisation === */

static int is_ascii_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* U+3000 IDEOGRAPHIC SPACE is E3 80 80. */
static int is_ideographic_space(const unsigned char *s, size_t n)
{
	return n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80;
}

static int ends_with_ideographic_space(const unsigned char *s, size_t n)
{
	return n >= 3 && is_ideographic_space(s + n - 3, 3);
}

/* Trim blanks around [*s, *s + *n). */
static void trim(const unsigned char **s, size_t *n)
{
	for (;;) {
		if (*n && is_ascii_blank(**s)) {
			(*s)++;
			(*n)--;
		} else if (is_ideographic_space(*s, *n)) {
			*s += 3;
			*n -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (*n && is_ascii_blank((*s)[*n - 1]))
			(*n)--;
		else if (ends_with_ideographic_space(*s, *n))
			*n -= 3;
		else
			break;
	}
}

/* Length in bytes of the UTF-8 character starting at s (1 for a stray
 * byte, so a broken sequence still counts as one character). */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
	size_t want = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 :
		      (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 1;

	if (want > n)
		return 1;
	for (size_t i = 1; i < want; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return want;
}

/* The ASCII form of one character: digits, 'X', or '?' for anything else. */
static char ascii_of(const unsigned char *s, size_t len)
{
	if (len == 1) {
		if (s[0] >= '0' && s[0] <= '9')
			return (char)s[0];
		return s[0] == 'x' || s[0] == 'X' ? 'X' : '?';
	}
	if (len == 3 && s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99)
		return (char)('0' + (s[2] - 0x90));           /* ０-９ U+FF10..FF19 */
	if (len == 3 && s[0] == 0xEF && s[1] == 0xBC && s[2] == 0xB8)
		return 'X';                                    /* Ｘ U+FF38 */
	if (len == 3 && s[0] == 0xEF && s[1] == 0xBD && s[2] == 0x98)
		return 'X';                                    /* ｘ U+FF58 */
	return '?';
}

/* Normalise into out[19]; returns the number of characters seen (which may
 * exceed 18, in which case out holds only the first 18). */
static size_t normalise(const char *input, char out[IDCARD_LEN + 1])
{
	const unsigned char *s = (const unsigned char *)(input ? input : "");
	size_t n = strlen((const char *)s), count = 0;

	trim(&s, &n);
	while (n) {
		size_t len = utf8_char_len(s, n);

		if (count < IDCARD_LEN)
			out[count] = ascii_of(s, len);
		count++;
		s += len;
		n -= len;
	}
	out[count < IDCARD_LEN ? count : IDCARD_LEN] = '\0';
	return count;
}

/* === the rules === */

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* 18 characters: 17 ASCII digits then a digit or 'X'. */
static int well_formed(const char *number)
{
	return strnlen(number, IDCARD_LEN + 1) == IDCARD_LEN &&
	       all_digits(number, 17) &&
	       ((number[17] >= '0' && number[17] <= '9') || number[17] == 'X');
}

static int digits_value(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int check_birth_date(const char *number, const char *field,
			    struct idcard *out, struct err *e)
{
	int y = digits_value(number + 6, 4);
	int m = digits_value(number + 10, 2);
	int d = digits_value(number + 12, 2);

	if (!clock_valid_date(y, m, d))
		return err_setf(e, ERR_INVALID, field, "birth_date",
				"身份证号码中的出生日期 %.8s 不是有效日期",
				"the birth date %.8s in the ID number is not a real date",
				number + 6);
	if (y < IDCARD_MIN_YEAR)
		return err_setf(e, ERR_INVALID, field, "birth_date",
				"身份证号码中的出生年份不能早于 %d 年",
				"the birth year in the ID number cannot be before %d",
				IDCARD_MIN_YEAR);
	if (clock_days_from_civil(y, m, d) > clock_today_china())
		return err_set(e, ERR_INVALID, field, "birth_date",
			       "身份证号码中的出生日期晚于今天",
			       "the birth date in the ID number is after today");
	out->birth_year = y;
	out->birth_month = m;
	out->birth_day = d;
	return 0;
}

int idcard_parse(const char *input, const char *field, struct idcard *out,
		 struct err *e)
{
	char number[IDCARD_LEN + 1];
	char want;
	int rc;

	if (normalise(input, number) != IDCARD_LEN)
		return err_set(e, ERR_INVALID, field, "length",
			       "身份证号码应为18位",
			       "the ID number must be 18 characters");
	if (!well_formed(number))
		return err_set(e, ERR_INVALID, field, "characters",
			       "身份证号码前17位应为数字，最后一位应为数字或X",
			       "the first 17 characters of the ID number must be digits and the last a digit or X");
	if (number[0] == '0')
		return err_set(e, ERR_INVALID, field, "region",
			       "身份证号码的地址码（前6位）不能以0开头",
			       "the address code (first 6 digits) of the ID number cannot start with 0");
	rc = check_birth_date(number, field, out, e);
	if (rc)
		return rc;
	want = idcard_check_char(number);
	if (number[17] != want)
		return err_setf(e, ERR_INVALID, field, "check_character",
				"身份证号码校验位错误：应为 %c",
				"check character is wrong: expected %c", want);
	memcpy(out->number, number, sizeof(out->number));
	memcpy(out->region, number, 6);
	out->region[6] = '\0';
	out->sex = (number[16] - '0') % 2 ? 'M' : 'F';
	return 0;
}

/* Dates after today are allowed on purpose: tests need numbers that break
 * only the birth-date rule.  Everything else idcard_parse checks holds. */
int idcard_make(const char region[6], int y, int m, int d, int seq, char out[19])
{
	char digits[17];

	if (!all_digits(region, 6) || region[0] == '0')
		return -1;
	if (y < IDCARD_MIN_YEAR || !clock_valid_date(y, m, d) || seq < 0 || seq > 999)
		return -1;
	memcpy(digits, region, 6);
	for (int i = 0, v = y * 10000 + m * 100 + d; i < 8; i++, v /= 10)
		digits[13 - i] = (char)('0' + v % 10);
	for (int i = 0, v = seq; i < 3; i++, v /= 10)
		digits[16 - i] = (char)('0' + v % 10);
	memcpy(out, digits, 17);
	out[17] = idcard_check_char(digits);
	out[18] = '\0';
	return 0;
}

void idcard_mask(const char *number, char out[19])
{
	if (!number || strnlen(number, IDCARD_LEN + 1) != IDCARD_LEN) {
		memcpy(out, "******", 7);
		return;
	}
	memcpy(out, number, 6);
	memset(out + 6, '*', 8);
	memcpy(out + 14, number + 14, 4);
	out[18] = '\0';
}

/* Whole years: the birthday counts from its own day (a 29 February birthday
 * from 1 March in common years).  Negative before the birth date. */
int idcard_age(const struct idcard *id, int64_t on_day)
{
	int y, m, d, age;

	clock_civil_from_days(on_day, &y, &m, &d);
	age = y - id->birth_year;
	if (m < id->birth_month || (m == id->birth_month && d < id->birth_day))
		age--;
	return age;
}

uint64_t idcard_pack(const char *number)
{
	uint64_t digits = 0;
	uint64_t check;

	if (!number || !well_formed(number))
		return 0;
	if (idcard_check_char(number) != number[17])
		return 0;
	for (int i = 0; i < 17; i++)
		digits = digits * 10 + (uint64_t)(number[i] - '0');
	check = number[17] == 'X' ? 10 : (uint64_t)(number[17] - '0');
	return check << 57 | digits;
}
