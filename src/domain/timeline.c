/*
 * timeline.c - the household timeline.
 *
 * Design: events carry household_id and case_id when the workflow knew
 * them, but a case's first events (the report accepted before anyone knew
 * the household) do not.  So the query gathers event ids from several
 * indexed paths, UNIONed (each arm can use its own index, where one WHERE
 * with ORs would scan the event log): by household_id; by case_id of the
 * household's cases; by entity for its cases, visits, referrals and
 * enrollments; and reports that led to one of its cases or name one of
 * its members.  Sorted by time, then id (the order they were written).
 */
#include <stdio.h>
#include <string.h>
#include "timeline.h"
#include "render.h"
#include "../core/banned.h"

#define TIMELINE_MAX 5000

static const char timeline_sql[] =
	"SELECT ev.at, ev.entity, ev.entity_id, ev.action, ev.from_state,"
	" ev.to_state, ev.username, ev.reason, ev.detail FROM events ev"
	" WHERE ev.id IN ("
	"  SELECT id FROM events WHERE household_id = $1"
	"  UNION SELECT x.id FROM events x JOIN cases c ON c.id = x.case_id"
	"   WHERE c.household_id = $1"
	"  UNION SELECT x.id FROM events x JOIN cases c"
	"   ON x.entity = 'case' AND x.entity_id = c.id WHERE c.household_id = $1"
	"  UNION SELECT x.id FROM events x JOIN visits v"
	"   ON x.entity = 'visit' AND x.entity_id = v.id"
	"   JOIN cases c ON c.id = v.case_id WHERE c.household_id = $1 OR v.household_id = $1"
	"  UNION SELECT x.id FROM events x JOIN referrals r"
	"   ON x.entity = 'referral' AND x.entity_id = r.id"
	"   JOIN cases c ON c.id = r.case_id WHERE c.household_id = $1 OR r.household_id = $1"
	"  UNION SELECT x.id FROM events x JOIN enrollments en"
	"   ON x.entity = 'enrollment' AND x.entity_id = en.id WHERE en.household_id = $1"
	"  UNION SELECT x.id FROM events x JOIN reports r"
	"   ON x.entity = 'report' AND x.entity_id = r.id"
	"   JOIN cases c ON c.id = r.case_id WHERE c.household_id = $1"
	"  UNION SELECT x.id FROM events x JOIN reports r"
	"   ON x.entity = 'report' AND x.entity_id = r.id"
	"   JOIN persons p ON p.id = r.person_id WHERE p.household_id = $1"
	" ) ORDER BY ev.at, ev.id LIMIT $2";

static json_t *event_json(struct store_stmt *st)
{
	json_t *detail = json_loads(store_col_text(st, 8), 0, NULL);
	json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}",
			      "at", store_col_text(st, 0),
			      "entity", store_col_text(st, 1),
			      "entity_id", (json_int_t)store_col_int64(st, 2),
			      "action", store_col_text(st, 3),
			      "to_state", store_col_text(st, 5),
			      "username", store_col_text(st, 6));
	json_object_set_new(o, "from_state", render_text_or_null(st, 4));
	json_object_set_new(o, "reason", render_text_or_null(st, 7));
	json_object_set_new(o, "detail", detail ? detail : json_object());
	return o;
}

/* {id, region_name, address} after the region check. */
static int load_household(struct store *s, const struct actor *a, int64_t id,
			  json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if ((rc = store_query(s, &st, e,
			      "SELECT h.id, h.region_code,"
			      " COALESCE(t.name, '') || COALESCE(v.name, ''), h.address"
			      " FROM households h LEFT JOIN divisions v ON v.code = h.region_code"
			      " LEFT JOIN divisions t ON t.code = v.parent_code"
			      " WHERE h.id = $1", "i", id)) < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW && perm_region_allows(a, store_col_text(st, 1)))
		*out = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
				 "region_name", store_col_text(st, 2),
				 "address", store_col_text(st, 3));
	else if (rc >= 0)
		rc = err_set(e, ERR_NOT_FOUND, NULL, "not_found", "没有这个家庭",
			     "no such household");
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int timeline_get(struct store *s, const struct actor *a, int64_t household_id,
		 json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *h = NULL, *items;
	int rc;

	if ((rc = perm_require(a, PERM_HOUSEHOLD_READ, e)) < 0 ||
	    (rc = load_household(s, a, household_id, &h, e)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e, timeline_sql, "ii", household_id,
			      (int64_t)TIMELINE_MAX)) < 0) {
		json_decref(h);
		return rc;
	}
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(items, event_json(st));
	store_finalize(st);
	if (rc < 0) {
		json_decref(h);
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:o}", "household", h, "items", items);
	return 0;
}
