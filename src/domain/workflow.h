/*
 * workflow.h - state machines as tables.
 *
 * Each workflow (report, case, referral, enrollment, payment_run, finding) is an array of rows
 * (state, action, roles, next state, flags).  Adding a state or an action
 * is adding a row.  workflow_check() finds the row for the record's state and
 * the action asked: none -> ERR_CONFLICT (rule "transition") whose e->allowed
 * lists the actions this state allows; a row the actor may not use (role,
 * owner, department, procedure) -> ERR_FORBIDDEN.  workflow_apply() then
 * changes the state with a compare-and-set on the old one (a concurrent
 * change answers ERR_CONFLICT), and appends the event (who, when, what,
 * why) and the audit entry, all inside the caller's transaction.
 */
#ifndef CIVICARE_WORKFLOW_H
#define CIVICARE_WORKFLOW_H

#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

enum wf_flags {
	WF_REASON = 1 << 0,      /* a reason is required */
	WF_OWNER = 1 << 1,       /* assistants only on records they own */
	WF_DEPARTMENT = 1 << 2,  /* reviewers only for their department */
};

#define WF_ROLE(r) (1u << (r))

struct wf_transition {
	const char *from;
	const char *action;
	unsigned roles;          /* WF_ROLE(ROLE_...) | ... */
	const char *to;          /* next state; NULL = stays (handover, reassign) */
	int flags;
	const char *procedure;   /* only for records of this procedure; NULL = any */
	const char *label_zh;
};

struct workflow {
	const char *entity;                 /* "report", "case", "referral", "enrollment" */
	const char *const *states;          /* NULL-terminated */
	const char *const *terminal;        /* states nothing leaves, NULL-terminated */
	const struct wf_transition *rows;
	size_t n_rows;
	const char *update_sql;             /* $1 new state, $2 now, $3 id, $4 old state */
};

extern const struct workflow wf_report, wf_case, wf_referral, wf_enrollment,
	wf_payment_run, wf_finding;

/* What the transition acts on (loaded by the caller from its record). */
struct wf_record {
	int64_t id;
	const char *state;
	int64_t owner_user_id;     /* 0 = none */
	const char *department;    /* referrals, NULL otherwise */
	const char *procedure;     /* referrals: "simple", "dibao"; NULL otherwise */
	const char *region_code;
	int64_t household_id;      /* 0 = unknown */
	int64_t case_id;           /* 0 = none */
};

int workflow_check(const struct workflow *wf, const struct wf_record *r,
		   const struct actor *a, const char *action, const char *reason,
		   const struct wf_transition **row, struct err *e);

/* Change the state, append event + audit.  detail may be NULL (not stolen). */
int workflow_apply(struct store *s, const struct workflow *wf,
		   const struct wf_record *r, const struct actor *a,
		   const struct wf_transition *row, const char *reason,
		   json_t *detail, struct err *e);

/* Record an event that is not a transition (creation, a visit, ...). */
int workflow_event(struct store *s, const char *entity, const struct wf_record *r,
		   const struct actor *a, const char *action, const char *to_state,
		   const char *reason, json_t *detail, struct err *e);

/* The actions `a` may take on r now: ["accept","dismiss"]. */
json_t *workflow_actions(const struct workflow *wf, const struct wf_record *r,
			 const struct actor *a);

/* 1 when the state is terminal. */
int workflow_is_terminal(const struct workflow *wf, const char *state);

/* The workflow named by entity, or NULL. */
const struct workflow *workflow_find(const char *entity);

#endif
