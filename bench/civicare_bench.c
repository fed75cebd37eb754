/*
 * civicare_bench.c - the bench's medical-cost rule through civicare's
 * engine (make bench).
 *
 *   civicare_bench PERSONS_CSV SETTLEMENTS_CSV AS_OF WINDOW_DAYS THRESHOLD_FEN THREADS OUT_FILE
 *
 * A thin driver: everything timed is engine_medical_bench() (src/engine),
 * the same memory-mapped two-thread pass that `civicare monitor` runs, fed
 * from a persons file instead of the store.  The alerting ID numbers are
 * written one per line, ascending, so run.sh can compare them with the
 * other engines' lists byte for byte.  Built by run.sh against
 * build/libcivicare.a with the project's flags.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../src/core/err.h"
#include "../src/engine/engine.h"
#include "../src/core/banned.h"

static int parse_i64(const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int write_ids(const char *path, char (*ids)[19], size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++) {
		fputs(ids[i], f);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	int64_t window, threshold, threads;
	char (*ids)[19] = NULL;
	size_t n = 0;
	struct err e = { 0 };

	if (argc != 8 || parse_i64(argv[4], &window) || parse_i64(argv[5], &threshold) ||
	    parse_i64(argv[6], &threads) || window > 100000 || threads < 1 || threads > 2) {
		fprintf(stderr, "usage: civicare_bench PERSONS_CSV SETTLEMENTS_CSV AS_OF "
			"WINDOW_DAYS THRESHOLD_FEN THREADS(1|2) OUT_FILE\n");
		return 2;
	}
	if (engine_medical_bench(argv[1], argv[2], argv[3], (int)window, threshold,
				 (int)threads, &ids, &n, &e) != 0) {
		fprintf(stderr, "civicare_bench: %s\n", e.message_en[0] ? e.message_en : "failed");
		return 1;
	}
	int rc = write_ids(argv[7], ids, n);
	free(ids);
	if (rc != 0) {
		fprintf(stderr, "civicare_bench: cannot write %s\n", argv[7]);
		return 1;
	}
	return 0;
}
