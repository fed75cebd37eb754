/*
 * demo_cases.h - the demo county's casework: reports, cases, visits,
 * referrals and enrollments in every state, spread over the year, so every
 * queue, list and figure of the demo has something in it.
 */
#ifndef CIVICARE_DEMO_CASES_H
#define CIVICARE_DEMO_CASES_H

#include <stdint.h>
#include "../core/err.h"
#include "../store/store.h"

struct demo_cases_result {
	int64_t reports, cases, visits, referrals, enrollments, events, accounts;
};

/* Inside the caller's transaction, after the registry and the demo accounts
 * exist.  n_reports about this many reports; deterministic for a seed. */
int demo_cases_generate(struct store *s, uint64_t seed, int64_t n_reports,
			struct demo_cases_result *r, struct err *e);

#endif
