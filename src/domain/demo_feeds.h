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
 * For the supervision cross-checks: the dead recipient's enrollment started
 * at least six months ago and the death is 75-110 days old, so payments
 * were made for months after the death month; a county civil-affairs
 * employee whose sibling heads an enrolled dibao household (not filed); and
 * the demo "reviewer" account carries the ID number of a staff member whose
 * sibling lives in a household whose referral the reviewer decided.
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
	/* Close relatives of staff (staff_relatives feed): */
	int64_t sibling_household; /* enrolled dibao household whose head is a staff
				    * member's sibling (兄弟姐妹), not filed */
	int64_t sibling_staff;     /* person id of that staff member */
	int64_t self_decision_household; /* household whose referral the demo
					  * "reviewer" decided while its member is
					  * the reviewer's relative (0 = none) */
	int64_t reviewer_staff;    /* person id whose ID number the reviewer carries */
};

/* Inside the caller's transaction, after the registry and demo_cases. */
int demo_feeds_generate(struct store *s, uint64_t seed, const char *config_dir,
			const char *data_dir, FILE *progress,
			struct demo_feeds_result *r, struct err *e);

#endif
