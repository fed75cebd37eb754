/*
 * cmd_demo.c - `civicare demo`: a synthetic county in a fresh database,
 * with a summary and the demo logins at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../core/limits.h"
#include "../domain/demo.h"
#include "../domain/finding.h"
#include "../domain/program.h"
#include "../core/banned.h"

static int parse_count(const char *v, const char *name, int64_t min, int64_t max,
		       int64_t *out)
{
	char *end = NULL;
	long long n;
	if (!v)
		return 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end || n < min || n > max) {
		fprintf(stderr, "civicare: --%s must be a whole number from %" PRId64
			" to %" PRId64 "\n", name, min, max);
		return 2;
	}
	*out = n;
	return 0;
}

static void print_logins(const struct demo_result *r)
{
	printf("\n演示账号 demo logins (http://127.0.0.1:8080):\n");
	printf("  %-12s %-16s %-10s %s\n", "username", "password", "role", "region");
	for (int i = 0; i < r->n_logins; i++) {
		const struct demo_login *l = &r->logins[i];
		printf("  %-12s %-16s %-10s %s %s\n", l->username, l->password,
		       l->role, l->region_code, l->region_name);
	}
	printf("(synthetic data: no real person; the village names are fictitious)\n");
}

int cmd_demo(struct cli_args *a)
{
	struct demo_options o = { .persons = 100000, .progress = stderr };
	struct demo_result r;
	const struct program_config *pc = NULL;
	struct store *s = NULL;
	int64_t seed = 1;
	struct err e;
	int rc;

	if ((rc = parse_count(cli_opt(a, "persons"), "persons", 1, LIMIT_DEMO_PERSONS,
			      &o.persons)) ||
	    (rc = parse_count(cli_opt(a, "seed"), "seed", 0, INT64_MAX, &seed)))
		return rc;
	o.seed = (uint64_t)seed;
	o.password = cli_opt(a, "password");
	err_clear(&e);
	if (program_config_from(&a->cfg, &pc, &e) < 0)
		return cli_fail(&e);
	o.config_dir = pc->dir;
	o.data_dir = config_get(&a->cfg, CFG_DATA_DIR);
	if (cli_open_store(a, &s) < 0)
		return 1;
	memset(&r, 0, sizeof(r));
	err_clear(&e);
	rc = demo_generate(s, &o, &r, &e);
	store_close(s);
	if (rc < 0)
		return cli_fail(&e);
	printf("demo county written to %s in %.1f s: %" PRId64 " households, %"
	       PRId64 " persons (%" PRId64 " with a disability, %" PRId64
	       " seriously or chronically ill)\n", config_get(&a->cfg, CFG_DB),
	       r.seconds, r.households, r.persons, r.disabled, r.ill);
	printf("casework: %" PRId64 " reports, %" PRId64 " cases, %" PRId64 " visits, %"
	       PRId64 " referrals, %" PRId64 " enrollments (%" PRId64 " events)\n",
	       r.cases.reports, r.cases.cases, r.cases.visits, r.cases.referrals,
	       r.cases.enrollments, r.cases.events);
	printf("department data: %" PRId64 " files, %" PRId64 " records (%" PRId64
	       " rejected) in %s/feeds; %" PRId64 " persons monitored; household %"
	       PRId64 " has a car\n", r.feeds.files, r.feeds.rows, r.feeds.rejected,
	       o.data_dir, r.feeds.monitored, r.feeds.car_household);
	if (o.config_dir) {
		char total[48];
		crosscheck_yuan(r.payments.total_fen, total, sizeof(total));
		printf("payments: %" PRId64 " runs, %" PRId64 " lines, %s"
		       "; supervision cross-checks: %" PRId64 " findings (", r.payments.runs,
		       r.payments.lines, total, r.findings);
		for (int i = 0; i < r.n_checks; i++)
			printf("%s%s %" PRId64, i ? ", " : "", r.by_check[i].check,
			       r.by_check[i].found);
		printf(")\n");
		if (r.feeds.sibling_household)
			printf("household %" PRId64 " draws dibao, its head a staff member's sibling,"
			       " not filed; person %" PRId64 " (dead recipient) was paid after death\n",
			       r.feeds.sibling_household, r.feeds.dead_recipient);
	}
	print_logins(&r);
	return 0;
}
