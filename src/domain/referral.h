/*
 * referral.h - referrals to departments (转介), their decisions, the
 * enrollments an approval creates, and the escalation list.
 *
 * route: the case owner confirms programs; each becomes one referral in
 * its department's queue with a due date `deadline_working_days` working
 * days after today (China, config/calendar.tsv) and the routing rules that
 * fired (or [{"id":"manual"}] when the assistant added the program).  A
 * program already referred on the case is skipped (UNIQUE(case, program)).
 *
 * Decisions go through wf_referral: approve creates the enrollment in the
 * same transaction (one-off programs end in their start month); a dibao-
 * procedure approval needs the 7-day public notice to be over (409 rule
 * "notice_running"); reject stores the reason and the written notice;
 * return sends the file back to the case owner; resubmit puts it back in
 * the queue with a new due date.  Each decision writes an outbox message.
 *
 * Referral JSON: {id, case_id, household_id, region_code, region_name,
 * program, program_name, department, procedure, status, rules[], due_date,
 * overdue, notice_until, amount_fen, start_month, next_review, reason,
 * notice_text, decided_by, decided_at, created_at, updated_at}; overdue is
 * true while the department holds it undecided (pending, surveyed, opinion,
 * public_notice) past its due date.
 */
#ifndef CIVICARE_REFERRAL_H
#define CIVICARE_REFERRAL_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"
#include "program.h"

/* POST /api/cases/{id}/route {programs:[…]} → {case, referrals:[created],
 * skipped:[program codes already referred]}. */
int referral_route(struct store *s, const struct actor *a,
		   const struct program_config *c, int64_t case_id,
		   json_t *body, json_t **out, struct err *e);

struct referral_query {
	const char *department;  /* reviewers: default their own */
	const char *status;
	const char *program;
	const char *region;      /* prefix, inside the actor's region */
	int overdue;             /* 1: only overdue */
	int64_t case_id;         /* 0 = any */
	int64_t page, per_page;
};

/* {"items":[referral…],"total","page","per_page"} ordered by due date. */
int referral_list(struct store *s, const struct actor *a,
		  const struct program_config *c, const struct referral_query *q,
		  json_t **out, struct err *e);

/* One referral with actions, case, household (masked members), visit. */
int referral_get(struct store *s, const struct actor *a,
		 const struct program_config *c, int64_t id, json_t **out,
		 struct err *e);

/* The referrals of a case, rendered (no permission check; for case_get). */
int referral_list_for_case(struct store *s, const struct program_config *c,
			   int64_t case_id, json_t **out, struct err *e);

/* POST /api/referrals/{id}/{action}: approve → {referral, enrollment};
 * the others → the referral. */
int referral_act(struct store *s, const struct actor *a,
		 const struct program_config *c, int64_t id, const char *action,
		 json_t *body, json_t **out, struct err *e);

struct enrollment_query {
	int64_t household_id;
	const char *program;
	const char *status;
	const char *region;
	int64_t page, per_page;
};

/* Enrollment JSON: {id, household_id, person_id, region_code, region_name,
 * program, program_name, referral_id, amount_fen, start_month, end_month,
 * next_review, status, created_at, updated_at}. */
int enrollment_list(struct store *s, const struct actor *a,
		    const struct program_config *c,
		    const struct enrollment_query *q, json_t **out,
		    struct err *e);

/* suspend / resume / exit {reason} → the enrollment. */
int enrollment_act(struct store *s, const struct actor *a,
		   const struct program_config *c, int64_t id,
		   const char *action, json_t *body, json_t **out,
		   struct err *e);

/* {items:[…]} overdue referrals and cases still open (no visit) past 3
 * working days, inside the actor's region, most overdue first. */
int escalation_list(struct store *s, const struct actor *a,
		    const struct program_config *c, json_t **out,
		    struct err *e);

/* Worker: mark referrals newly overdue (escalated_at set once) and write
 * one referral.overdue message each, to the township's commanders and the
 * admins.  *count (may be NULL) gets how many were marked now. */
int referral_mark_overdue(struct store *s, int *count, struct err *e);

#endif
