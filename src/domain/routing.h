/*
 * routing.h - which programs a household's latest home visit points to.
 *
 * The rules are data (config/routing.json, loaded by program.h).  A rule
 * fires when its condition holds for the visit's categories and facts plus
 * the derived facts: household_size (the visit's, else the household's
 * member count), per_capita_income_fen = declared_income_fen /
 * household_size, standard_fen (the dibao standard of the household's area
 * for the visit's year), medical_burden_fen (the larger of the medical
 * expense and debt), area_zh/area_en.  The proposal groups the fired
 * rules by program, in the order of programs.json, with each rule's reason
 * text filled from the facts.
 *
 * Result: {visit_id, household_size, per_capita_income_fen, standard_fen,
 * standard_label, area_kind, proposals:[{program, program_name, department,
 * rules:[{id, reason, reason_en}]}]}.
 */
#ifndef CIVICARE_ROUTING_H
#define CIVICARE_ROUTING_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"
#include "program.h"

/* Pure evaluation: `visit` as rendered by visit.h, the household's area
 * ("urban"/"rural") and member count (used when the visit gives no
 * household_size). */
int routing_evaluate(const struct program_config *c, json_t *visit,
		     const char *area_kind, int64_t member_count, json_t **out,
		     struct err *e);

/* The proposal for a case from its latest visit (ERR_CONFLICT rule
 * "needs_visit" without one).  No permission check: callers check. */
int routing_for_case(struct store *s, const struct program_config *c,
		     int64_t case_id, json_t **out, struct err *e);

/* GET /api/cases/{id}/routing: permission (case.work) and region checked. */
int routing_propose(struct store *s, const struct actor *a,
		    const struct program_config *c, int64_t case_id,
		    json_t **out, struct err *e);

#endif
