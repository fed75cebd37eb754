/*
 * gen.c - bench data for `make bench`: a monitored population and its
 * medical settlements, in the canonical feed format (docs: BRIEF
 * "Canonical file": UTF-8, LF, header of canonical names, ID numbers as 18
 * upper-case characters, dates YYYY-MM-DD, money as integer fen).
 *
 *   gen OUTDIR PERSONS SETTLEMENTS SEED AS_OF
 *
 * writes OUTDIR/persons.csv (id_number,region_code) and
 * OUTDIR/medical_settlements.csv
 * (id_number,settle_date,total_fen,self_paid_fen,diagnosis_class).
 *
 * Design.  Output is a pure function of the arguments (splitmix64 seeded
 * with SEED), so every engine and every run reads the same bytes.  Person
 * k of a pool of PERSONS * 5/4 gets a distinct valid ID number: k is mapped
 * by an affine permutation of [0, 8 * 29200 * 1000) onto (region, birth
 * day, sequence), which is injective, and the check character is computed
 * as GB 11643 says.  Persons 0..PERSONS-1 are the monitored ones; the other
 * quarter only appear in settlements, which every engine must ignore.
 * Settlements pick a person uniformly from the pool and a date uniformly
 * from the 730 days before AS_OF plus 5 days after it (records dated after
 * as_of must not count), so both window edges are crossed many times.
 * Most settlements are outpatient (small self-paid amounts), one in eight
 * an inpatient stay with a heavy tail; with the configured threshold
 * (20,000 yuan in 365 days) about 11% of the population alerts.
 * Rows are formatted by hand into a large buffer: snprintf per field
 * would dominate the run time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../src/core/banned.h"

#define N_REGIONS 8
#define N_BIRTH_DAYS 29200  /* 80 years of birth dates from 1940-01-01 */
#define N_SEQ 1000
#define ID_SPACE ((uint64_t)N_REGIONS * N_BIRTH_DAYS * N_SEQ)
#define PERM_MUL 1000003ULL /* prime, coprime to ID_SPACE = 2^10 5^5 73 */
#define PERM_ADD 123457ULL
#define DAYS_BEFORE 730
#define DAYS_AFTER 5
#define OUT_BUF (1u << 22)

static const char *const regions[N_REGIONS] = {
	"500231", "500230", "500101", "500102",
	"500103", "500104", "500105", "500106",
};

static const char *const diagnosis[] = {
	"outpatient", "chronic", "inpatient", "critical", "maternity",
};

struct out {
	FILE *f;
	char *buf;
	size_t len;
};

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void put_digits(char *p, int64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void format_date(int64_t day, char out[11])
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = '\0';
}

/* The ID number of pool person k (k < ID_SPACE), 18 characters + NUL. */
static void person_id(uint64_t k, char out[19])
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char checks[] = "10X98765432";
	static const int64_t birth0 = -10957; /* 1940-01-01 */
	uint64_t p = (k * PERM_MUL + PERM_ADD) % ID_SPACE;
	char birth[11];
	int sum = 0;

	memcpy(out, regions[p % N_REGIONS], 6);
	format_date(birth0 + (int64_t)((p / N_REGIONS) % N_BIRTH_DAYS), birth);
	memcpy(out + 6, birth, 4);
	memcpy(out + 10, birth + 5, 2);
	memcpy(out + 12, birth + 8, 2);
	put_digits(out + 14, (int64_t)(p / ((uint64_t)N_REGIONS * N_BIRTH_DAYS)), 3);
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = checks[sum % 11];
	out[18] = '\0';
}

static int out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		return -1;
	o->len = 0;
	return 0;
}

static int out_put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > OUT_BUF && out_flush(o) != 0)
		return -1;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	return 0;
}

static int out_str(struct out *o, const char *s)
{
	return out_put(o, s, strlen(s));
}

static int out_int(struct out *o, int64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return out_put(o, tmp + sizeof tmp - n, (size_t)n);
}

static int out_open(struct out *o, const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	o->len = 0;
	o->buf = malloc(OUT_BUF);
	o->f = fopen(path, "wb");
	if (!o->buf || !o->f) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int out_close(struct out *o)
{
	int rc = out_flush(o);

	if (fclose(o->f) != 0)
		rc = -1;
	free(o->buf);
	return rc;
}

static int write_persons(const char *dir, uint64_t persons)
{
	struct out o;
	char id[19];
	int rc = 0;

	if (out_open(&o, dir, "persons.csv") != 0)
		return -1;
	rc |= out_str(&o, "id_number,region_code\n");
	for (uint64_t k = 0; k < persons && rc == 0; k++) {
		person_id(k, id);
		rc |= out_put(&o, id, 18);
		rc |= out_put(&o, ",", 1);
		rc |= out_put(&o, id, 6);
		rc |= out_put(&o, "\n", 1);
	}
	return out_close(&o) | rc;
}

/* Self-paid fen: outpatient or chronic 0-300 yuan; 1 in 8 settlements an
 * inpatient (or maternity) stay of 500-20,500 yuan; 1 in 64 critical, with
 * up to 100,000 yuan more. */
static int64_t self_paid(int *dclass)
{
	uint64_t r = rng_below(64);

	if (r >= 8) {
		*dclass = r & 1 ? 0 : 1;
		return (int64_t)rng_below(30001);
	}
	*dclass = r == 0 ? 3 : (r == 1 ? 4 : 2);
	int64_t fen = 50000 + (int64_t)rng_below(2000001);
	if (r == 0)
		fen += (int64_t)rng_below(10000001);
	return fen;
}

static int write_settlements(const char *dir, uint64_t persons,
			     uint64_t settlements, int64_t as_of)
{
	static char dates[DAYS_BEFORE + DAYS_AFTER][11];
	uint64_t pool = persons + persons / 4;
	struct out o;
	char id[19];
	int rc = 0;

	for (int i = 0; i < DAYS_BEFORE + DAYS_AFTER; i++)
		format_date(as_of - DAYS_BEFORE + 1 + i, dates[i]);
	if (out_open(&o, dir, "medical_settlements.csv") != 0)
		return -1;
	rc |= out_str(&o, "id_number,settle_date,total_fen,self_paid_fen,diagnosis_class\n");
	for (uint64_t i = 0; i < settlements && rc == 0; i++) {
		int dclass;
		person_id(rng_below(pool), id);
		int day = (int)rng_below(DAYS_BEFORE + DAYS_AFTER);
		int64_t paid = self_paid(&dclass);
		int64_t total = paid + paid * (int64_t)(1 + rng_below(4)) / 2;
		rc |= out_put(&o, id, 18);
		rc |= out_put(&o, ",", 1);
		rc |= out_put(&o, dates[day], 10);
		rc |= out_put(&o, ",", 1);
		rc |= out_int(&o, total);
		rc |= out_put(&o, ",", 1);
		rc |= out_int(&o, paid);
		rc |= out_put(&o, ",", 1);
		rc |= out_str(&o, diagnosis[dclass]);
		rc |= out_put(&o, "\n", 1);
	}
	return out_close(&o) | rc;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t persons, settlements, seed;
	int y, m, d;

	if (argc != 6 || parse_u64(argv[2], &persons) || parse_u64(argv[3], &settlements) ||
	    parse_u64(argv[4], &seed) || sscanf(argv[5], "%4d-%2d-%2d", &y, &m, &d) != 3) {
		fprintf(stderr, "usage: gen OUTDIR PERSONS SETTLEMENTS SEED AS_OF(YYYY-MM-DD)\n");
		return 2;
	}
	if (persons == 0 || persons + persons / 4 > ID_SPACE) {
		fprintf(stderr, "gen: PERSONS must be 1..%llu\n",
			(unsigned long long)(ID_SPACE * 4 / 5));
		return 2;
	}
	mkdir(argv[1], 0755);
	rng_state = seed;
	if (write_persons(argv[1], persons) != 0 ||
	    write_settlements(argv[1], persons, settlements, days_from_civil(y, m, d)) != 0) {
		fprintf(stderr, "gen: writing %s failed\n", argv[1]);
		return 1;
	}
	return 0;
}
