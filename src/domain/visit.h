/*
 * visit.h - home visits (入户调查) of a case.
 *
 * A visit records what ≥ 2 investigators found in the household: the
 * categories of difficulty, a note per category, the facts the routing
 * rules read (DISCOVERY.md), the declared monthly income, rigid expenses
 * and whether the household signed the authorization for the economic
 * check.  Recording one moves the case open → visited (or visited →
 * visited) through wf_case and gives the case its household when it had
 * none.
 *
 * Storage (schema 2, no extra column): the categories are the keys of the
 * `findings` object; a category without a note is stored with "".  So
 * findings {"illness":"肾衰竭","schooling":""} means categories
 * ["illness","schooling"].  visit_json() renders a row back into the API
 * shape {id, case_id, household_id, visit_date, investigators,
 * members_present, categories, findings, facts, declared_income_fen,
 * rigid_expenses, authorization_signed, photos, created_at}; other modules
 * rendering visits should use visit_list_json().
 */
#ifndef CIVICARE_VISIT_H
#define CIVICARE_VISIT_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* Allowed categories (NULL-terminated). */
extern const char *const visit_categories[];

/* Record a visit on case_id from a request body (validated here: every
 * field is named on error).  *out gets the rendered visit (new ref). */
int visit_record(struct store *s, const struct actor *a, int64_t case_id,
		 json_t *body, json_t **out, struct err *e);

/* The visits of a case, oldest first, rendered; no permission check. */
int visit_list_json(struct store *s, int64_t case_id, json_t **out,
		    struct err *e);

/* The latest visit of a case (highest id), rendered; ERR_CONFLICT with rule
 * "needs_visit" when the case has none.  No permission check. */
int visit_latest(struct store *s, int64_t case_id, json_t **out,
		 struct err *e);

#endif
