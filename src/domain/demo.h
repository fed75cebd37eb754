/*
 * demo.h - the synthetic Dianjiang county (civicare demo).
 *
 * Builds households and persons under the county's generated villages, with
 * valid ID numbers (address code 500231, marked synthetic), plausible ages,
 * sexes and family shapes, urban or rural by division, some disabilities and
 * illnesses; then one account per role with a township and a village where
 * the role has one.  Deterministic for a seed (a private PRNG, never rand()).
 * Nothing in it is a real person.  With a configuration directory: six
 * months of payments (demo_payments_generate), then with a data directory
 * the department feeds, and last the supervision cross-checks (finding.h)
 * over all of it, so the demo opens with findings to work.
 */
#ifndef CIVICARE_DEMO_H
#define CIVICARE_DEMO_H

#include <stdint.h>
#include <stdio.h>
#include "../core/err.h"
#include "../store/store.h"
#include "demo_cases.h"
#include "demo_feeds.h"
#include "payment.h"

struct demo_options {
	int64_t persons;        /* about this many persons (whole households) */
	uint64_t seed;
	const char *password;   /* for every demo account; NULL = random each */
	FILE *progress;         /* progress lines (a bar on a terminal); NULL = quiet */
	/* Department feeds (demo_feeds.h): feeds.json is read from config_dir,
	 * canonical files are written under data_dir/feeds/.  Either NULL =
	 * no feeds and no monitoring categories. */
	const char *config_dir;
	const char *data_dir;
};

struct demo_login {
	char username[64];
	char password[64];
	char role[16];
	char region_code[13];
	char region_name[128];
};

struct demo_result {
	int64_t households, persons, disabled, ill;
	struct demo_login logins[12];
	int n_logins;
	struct demo_cases_result cases; /* reports, cases, ... in every state */
	struct demo_feeds_result feeds; /* department files, monitored persons */
	struct demo_payments_result payments; /* monthly payment runs (with config_dir) */
	/* The supervision cross-checks run over the demo (finding.h). */
	int64_t crosscheck_run, findings;
	struct {
		char check[24];
		int64_t found;
	} by_check[8];
	int n_checks;
	double seconds;
};

/* The divisions must be seeded.  Refuses (ERR_CONFLICT, rule "not_empty")
 * when the registry already has persons. */
int demo_generate(struct store *s, const struct demo_options *o,
		  struct demo_result *r, struct err *e);

#endif
