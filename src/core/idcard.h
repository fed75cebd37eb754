/*
 * idcard.h - resident identity numbers (居民身份证号码, GB 11643-1999).
 *
 * Every piece of code that touches an ID number goes through this module, so
 * that storage can later move to a keyed hash plus ciphertext in one place.
 *
 * Layout: 6-digit address code (GB/T 2260), birth date YYYYMMDD, 3-digit
 * sequence (odd = male, even = female), check character computed as
 *     S = sum(a_i * W_i), W = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
 *     check = "10X98765432"[S mod 11].
 * Input may use a lower-case x and full-width digits (０-９, Ｘ, ｘ) and may be
 * surrounded by blanks; the stored form is 18 upper-case ASCII characters.
 */
#ifndef CIVICARE_IDCARD_H
#define CIVICARE_IDCARD_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

struct idcard {
	char number[19];   /* normalised, NUL-terminated */
	char region[7];    /* first six digits */
	int birth_year, birth_month, birth_day;
	char sex;          /* 'M' or 'F' */
};

/*
 * Normalise and validate.  On failure returns ERR_INVALID with field
 * `field` (e.g. "id_number") and rule one of: "length", "characters",
 * "region" (address code starting with 0), "birth_date" (not a real date,
 * in the future, or before 1870), "check_character"; *out is then
 * unspecified.
 */
int idcard_parse(const char *input, const char *field, struct idcard *out,
		 struct err *e);

/* The check character for 17 ASCII digits. */
char idcard_check_char(const char digits17[17]);

/*
 * Build a valid number from its parts (seq 0..999; sex follows its parity).
 * Returns 0, or -1 when a part is out of range.  out holds 19 bytes.
 */
int idcard_make(const char region[6], int y, int m, int d, int seq, char out[19]);

/* "500231********123X": first 6, eight stars, last 4.  out holds 19 bytes.
 * Anything that is not 18 characters masks to "******". */
void idcard_mask(const char *number, char out[19]);

/* Age in whole years on a day number (see clock.h). */
int idcard_age(const struct idcard *id, int64_t on_day);

/*
 * Pack a normalised number into 64 bits for in-memory indexes: 17 digits
 * in 57 bits plus the check character (0-10) above.  Injective on valid
 * numbers.  Returns 0 for anything that is not 18 valid characters.
 */
uint64_t idcard_pack(const char *number);

#endif
