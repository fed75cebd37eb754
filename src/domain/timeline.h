/*
 * timeline.h - a household's assistance chain as one list of events.
 *
 * {household:{id, region_name, address}, items:[{at, entity, entity_id,
 * action, from_state, to_state, username, reason, detail}]} oldest first:
 * every event recorded on the household, on its cases (and their visits,
 * referrals), on its enrollments, and on the reports that led to its cases
 * or that name one of its members.  Needs PERM_HOUSEHOLD_READ and the
 * household inside the actor's region (404 otherwise).
 */
#ifndef CIVICARE_TIMELINE_H
#define CIVICARE_TIMELINE_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

int timeline_get(struct store *s, const struct actor *a, int64_t household_id,
		 json_t **out, struct err *e);

#endif
