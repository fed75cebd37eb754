/*
 * alert.h - monitoring alerts (预警) and the monitored population's
 * categories (低收入人口监测类别).
 *
 * Alerts are written by the engine (engine/engine.h, monitor_run); here they
 * are read and acted on.  An alert is open until the village assistant turns
 * it into a report (the proactive-discovery chain: a report with source
 * "monitoring", the alert becomes "reported") or dismisses it with a reason
 * ("dismissed").  Both are audited ("alert.report", "alert.dismiss").
 *
 * Monitoring categories are history: at most one current row per person
 * (valid_to NULL); setting a new one closes the current one the day before
 * the new one starts (or on the same day when it starts the same day).
 */
#ifndef CIVICARE_ALERT_H
#define CIVICARE_ALERT_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* dibao, tekun, return_poverty, dibao_edge, rigid_expenditure, other,
 * left_assistance, refused (NULL-terminated). */
extern const char *const monitoring_categories[];

struct alert_query {
	const char *status;    /* open | reported | dismissed, or NULL = any */
	const char *rule_id;   /* or NULL */
	const char *region;    /* prefix, intersected with the actor's region */
	int64_t household_id;  /* 0 = any */
	int64_t page, per_page;
};

/* {"items":[alert...],"total","page","per_page"}, newest first
 * (PERM_ALERT_READ; only alerts inside the actor's region). */
int alert_list(struct store *s, const struct actor *a,
	       const struct alert_query *q, json_t **out, struct err *e);

/* One alert with its evidence, the subject's name (ID masked) and
 * "actions" (404 outside the actor's region). */
int alert_get(struct store *s, const struct actor *a, int64_t id,
	      json_t **out, struct err *e);

/* Turn an open alert into a report (PERM_ALERT_ACT): a report with source
 * "monitoring" in the alert's village, about its person, the summary as the
 * description; the alert becomes "reported" with report_id.  One
 * transaction.  Not open: ERR_CONFLICT rule "transition". */
int alert_report(struct store *s, const struct actor *a, int64_t id,
		 int64_t *report_id, struct err *e);

/* Dismiss an open alert with a reason (required, ≤ LIMIT_REASON_BYTES). */
int alert_dismiss(struct store *s, const struct actor *a, int64_t id,
		  const char *reason, struct err *e);

/* Monitoring runs, newest first: {"items":[{id, started_at, finished_at,
 * started_by, persons, records, alerts, by_rule (object), milliseconds}],
 * "total","page","per_page"}. */
int monitor_run_list(struct store *s, int64_t page, int64_t per_page,
		     json_t **out, struct err *e);

/* === monitoring categories === */

/* {"person_id", "current": {category, valid_from, source} | null,
 *  "history": [{id, category, valid_from, valid_to, source, created_at}]}
 * newest first (PERM_PERSON_READ, person inside the actor's region). */
int monitoring_list(struct store *s, const struct actor *a, int64_t person_id,
		    json_t **out, struct err *e);

/* Set a person's category from valid_from ("YYYY-MM-DD", NULL = today in
 * China): closes the current row, opens the new one; source e.g. "manual",
 * "demo", "enrollment".  The same category already current: nothing
 * changes (returns 0).  Audited ("monitoring.set") when an actor is given.  Runs in its own
 * transaction, or inside the caller's (nesting).  actor NULL = the system
 * (no permission check; for demo data). */
int monitoring_set(struct store *s, const struct actor *a, int64_t person_id,
		   const char *category, const char *valid_from,
		   const char *source, struct err *e);

#endif
