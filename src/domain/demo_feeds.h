/*
 * demo_feeds.h - the demo county's department data and monitored population.
 *
 * For every feed of config/feeds.json, one file as the department would
 * send it (Chinese headers from the catalogue's aliases, some files in
 * GB18030 with CRLF, some UTF-8 with a BOM, amounts in 元, dates in the
 * department's own format, enum values by their Chinese names), imported
 * through feed_import() so the canonical files land in data_dir/feeds/.
 * The records include hits that make every monitoring rule of
 * config/monitoring.json fire at least once: among them a death record of
 * an enrolled dibao recipient, and a car of an enrolled dibao household (the
 * "car household", whose verification says excluded: motor vehicle).
 * Then the monitored population: dibao and tekun from active enrollments,
 * left_assistance (with the earlier category closed) from exited ones,
 * refused from rejected dibao referrals, and return_poverty, dibao_edge,
 * rigid_expenditure and other for some further households.
 * Deterministic for a seed (dates count back from today).
 */
#ifndef CIVICARE_DEMO_FEEDS_H
#define CIVICARE_DEMO_FEEDS_H

#include <stdint.h>
#include <stdio.h>
#include "../core/err.h"
#include "../store/store.h"

struct demo_feeds_result {
	int64_t files;          /* department files imported */
	int64_t rows;           /* records imported */
	int64_t rejected;       /* rows the importer refused (0 expected) */
	int64_t monitored;      /* persons with a current monitoring category */
	int64_t car_household;  /* enrolled household with a car (0 = none could be chosen) */
	int64_t dead_recipient; /* person id of the enrolled dibao recipient recorded dead */
};

/* Inside the caller's transaction, after the registry and demo_cases. */
int demo_feeds_generate(struct store *s, uint64_t seed, const char *config_dir,
			const char *data_dir, FILE *progress,
			struct demo_feeds_result *r, struct err *e);

#endif
