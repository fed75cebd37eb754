/*
 * casework.h - cases (救助案件): the record an accepted report opens.
 *
 * A case is owned by one assistant (owner_user_id) and lies in one village
 * (region_code).  It is listed and read by region (perm_require_region: a
 * case outside one's region is answered as if it did not exist); its state
 * changes go through wf_case (workflow.h).  This module owns listing,
 * reading, handover, reassignment and closing; visits and routing belong to
 * visit.c and routing.c, which load the case with casework_load().
 *
 * Rendered case: {id, status, region_code, region_name, household_id,
 * person_id, subject_name, owner:{id,username,display_name}|null, report_id,
 * created_at, updated_at}; case_get adds report, visits[], referrals[] and
 * actions.
 */
#ifndef CIVICARE_CASEWORK_H
#define CIVICARE_CASEWORK_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"
#include "workflow.h"

struct program_config;

struct case_row {
	int64_t id;
	char state[16];          /* open, visited, routed, closed */
	int64_t owner_user_id;   /* 0 = none */
	char region_code[13];
	int64_t household_id;    /* 0 = not known yet */
	int64_t person_id;       /* 0 = not known */
	int64_t report_id;       /* 0 = none */
	char subject_name[96];
};

/* Load one case by id.  ERR_NOT_FOUND when absent.  NO permission or
 * region check: callers check (perm_require_region on out->region_code). */
int casework_load(struct store *s, int64_t id, struct case_row *out,
		  struct err *e);

/* The case as a JSON object (no region check), or NULL on store failure. */
int case_render(struct store *s, int64_t id, json_t **out, struct err *e);

struct case_query {
	const char *status;      /* exact, or NULL */
	int mine;                /* 1: owner is the actor */
	const char *region;      /* prefix, intersected with the actor's region */
	int64_t page, per_page;
};

/* {"items":[case...],"total","page","per_page"}, newest first. */
int case_list(struct store *s, const struct actor *a,
	      const struct case_query *q, json_t **out, struct err *e);

/* One case with report, visits, referrals and the actions allowed now.
 * programs (may be NULL) names the referrals' programs. */
int case_get(struct store *s, const struct actor *a,
	     const struct program_config *programs, int64_t id, json_t **out,
	     struct err *e);

/* Hand the case to another assistant of the same township (the owner). */
int case_handover(struct store *s, const struct actor *a, int64_t id,
		  int64_t to_user_id, const char *reason, struct err *e);

/* Give the case to any active assistant inside the actor's region
 * (commander, admin). */
int case_reassign(struct store *s, const struct actor *a, int64_t id,
		  int64_t to_user_id, const char *reason, struct err *e);

/* Close with a reason; ERR_CONFLICT rule "referrals_open" while a referral
 * of the case is undecided. */
int case_close(struct store *s, const struct actor *a, int64_t id,
	       const char *reason, struct err *e);

/* Any other action: the 409 naming the actions allowed now (or 404/403). */
int case_refuse_action(struct store *s, const struct actor *a, int64_t id,
		       const char *action, struct err *e);

/* The record workflow_* needs, filled from a case row (points into c). */
void casework_wf_record(const struct case_row *c, struct wf_record *r);

#endif
