/*
 * workflow.c - the four workflows of the delivery chain, as tables, and
 * the one function that moves a record along them.
 *
 * Reading a table top to bottom is reading the procedure: a report is
 * accepted or dismissed; a case is visited, routed and closed; a referral
 * is decided by its department (dibao and 特困 through survey, initial
 * opinion and a 7-day public notice, S2); an enrollment is suspended,
 * resumed or ended.  Guards that need data (the notice period, a visit
 * before routing) live with the domain function that owns the data; the
 * table says who may do what from where.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "workflow.h"
#include "audit.h"
#include "../core/clock.h"
#include "../core/text.h"
#include "../core/banned.h"

#define A WF_ROLE(ROLE_ASSISTANT)
#define M WF_ROLE(ROLE_COMMANDER)
#define R WF_ROLE(ROLE_REVIEWER)
#define D WF_ROLE(ROLE_ADMIN)

/* === reports (上报) === */

static const char *const report_states[] = {
	"submitted", "unverified", "accepted", "dismissed", "merged", NULL
};
static const char *const report_terminal[] = { "accepted", "dismissed", "merged", NULL };
static const struct wf_transition report_rows[] = {
	{ "submitted",  "accept",  A | M | D, "accepted",  0,         NULL, "受理" },
	{ "submitted",  "dismiss", A | M | D, "dismissed", WF_REASON, NULL, "不予受理" },
	{ "unverified", "accept",  A | M | D, "accepted",  0,         NULL, "核实受理" },
	{ "unverified", "dismiss", A | M | D, "dismissed", WF_REASON, NULL, "核实不实" },
};

/* === cases (救助案件) === */

static const char *const case_states[] = { "open", "visited", "routed", "closed", NULL };
static const char *const case_terminal[] = { "closed", NULL };
static const struct wf_transition case_rows[] = {
	{ "open",    "record_visit", A | M | D, "visited", WF_OWNER,             NULL, "入户调查" },
	{ "visited", "record_visit", A | M | D, "visited", WF_OWNER,             NULL, "补充调查" },
	{ "open",    "handover",     A | M | D, NULL,      WF_OWNER,             NULL, "移交" },
	{ "visited", "handover",     A | M | D, NULL,      WF_OWNER,             NULL, "移交" },
	{ "routed",  "handover",     A | M | D, NULL,      WF_OWNER,             NULL, "移交" },
	{ "open",    "reassign",     M | D,     NULL,      0,                    NULL, "改派" },
	{ "visited", "reassign",     M | D,     NULL,      0,                    NULL, "改派" },
	{ "routed",  "reassign",     M | D,     NULL,      0,                    NULL, "改派" },
	{ "visited", "route",        A | M | D, "routed",  WF_OWNER,             NULL, "分办" },
	{ "routed",  "route",        A | M | D, "routed",  WF_OWNER,             NULL, "追加分办" },
	{ "open",    "close",        A | M | D, "closed",  WF_OWNER | WF_REASON, NULL, "结案" },
	{ "visited", "close",        A | M | D, "closed",  WF_OWNER | WF_REASON, NULL, "结案" },
	{ "routed",  "close",        A | M | D, "closed",  WF_OWNER | WF_REASON, NULL, "结案" },
};

/* === referrals (转介 to a department's program) === */

static const char *const referral_states[] = {
	"pending", "surveyed", "opinion", "public_notice", "returned",
	"approved", "rejected", NULL
};
static const char *const referral_terminal[] = { "approved", "rejected", NULL };
#define RD (R | D)
#define DEP (WF_DEPARTMENT)
static const struct wf_transition referral_rows[] = {
	/* Programs decided directly by their department. */
	{ "pending",       "approve",        RD, "approved",      DEP,             "simple", "批准" },
	{ "pending",       "reject",         RD, "rejected",      DEP | WF_REASON, "simple", "不予批准" },
	{ "pending",       "return",         RD, "returned",      DEP | WF_REASON, "simple", "退回补充" },
	/* Dibao and 特困: survey, initial opinion, 7-day notice, decision. */
	{ "pending",       "survey",         RD, "surveyed",      DEP,             "dibao", "家庭经济状况调查" },
	{ "pending",       "return",         RD, "returned",      DEP | WF_REASON, "dibao", "退回补充" },
	{ "pending",       "reject",         RD, "rejected",      DEP | WF_REASON, "dibao", "不予批准" },
	{ "surveyed",      "opinion",        RD, "opinion",       DEP,             "dibao", "提出初审意见" },
	{ "surveyed",      "return",         RD, "returned",      DEP | WF_REASON, "dibao", "退回补充" },
	{ "surveyed",      "reject",         RD, "rejected",      DEP | WF_REASON, "dibao", "不予批准" },
	{ "opinion",       "publish_notice", RD, "public_notice", DEP,             "dibao", "张榜公示" },
	{ "opinion",       "reject",         RD, "rejected",      DEP | WF_REASON, "dibao", "不予批准" },
	{ "public_notice", "approve",        RD, "approved",      DEP,             "dibao", "县级审批确认" },
	{ "public_notice", "reject",         RD, "rejected",      DEP | WF_REASON, "dibao", "不予批准" },
	/* Back to the village for what was missing. */
	{ "returned",      "resubmit",       A | M | D, "pending", WF_OWNER,       NULL, "补充后重新提交" },
};

/* === enrollments (纳入救助) === */

static const char *const enrollment_states[] = { "active", "suspended", "exited", NULL };
static const char *const enrollment_terminal[] = { "exited", NULL };
static const struct wf_transition enrollment_rows[] = {
	{ "active",    "suspend", RD, "suspended", DEP | WF_REASON, NULL, "暂停" },
	{ "suspended", "resume",  RD, "active",    DEP,             NULL, "恢复" },
	{ "active",    "exit",    RD, "exited",    DEP | WF_REASON, NULL, "退出" },
	{ "suspended", "exit",    RD, "exited",    DEP | WF_REASON, NULL, "退出" },
};

/* === payment runs (资金发放): maker-checker on approve === */

#define I WF_ROLE(ROLE_INSPECTOR)
static const char *const payment_run_states[] = {
	"generating", "awaiting_approval", "approved", "paid", "reconciled", "rejected", NULL
};
static const char *const payment_run_terminal[] = { "reconciled", "rejected", NULL };
static const struct wf_transition payment_run_rows[] = {
	{ "generating",        "submit",    D, "awaiting_approval", 0,         NULL, "提交审批" },
	/* payment.c refuses approve/reject by the run's own generator. */
	{ "awaiting_approval", "approve",   D, "approved",          0,         NULL, "审批通过" },
	{ "awaiting_approval", "reject",    D, "rejected",          WF_REASON, NULL, "退回作废" },
	{ "approved",          "pay",       D, "paid",              0,         NULL, "已拨付银行" },
	{ "paid",              "reconcile", D, "reconciled",        0,         NULL, "银行回盘对账" },
};

/* === supervision findings (监督发现) === */

static const char *const finding_states[] = {
	"open", "handed", "checked", "confirmed", "dismissed", "closed", NULL
};
static const char *const finding_terminal[] = { "dismissed", "closed", NULL };
static const struct wf_transition finding_rows[] = {
	{ "open",      "hand_over", I,     "handed",    0,         NULL, "移交主管部门" },
	{ "open",      "dismiss",   I,     "dismissed", WF_REASON, NULL, "排除" },
	/* Reviewers only of the department the finding was handed to. */
	{ "handed",    "check",     I | R, "checked",   WF_DEPARTMENT, NULL, "实地核查" },
	{ "checked",   "confirm",   I,     "confirmed", 0,         NULL, "认定违规" },
	{ "checked",   "dismiss",   I,     "dismissed", WF_REASON, NULL, "排除" },
	/* finding.c allows close only when the ledger balance is zero. */
	{ "confirmed", "close",     I,     "closed",    0,         NULL, "办结" },
};
#undef I

#undef A
#undef M
#undef R
#undef D
#undef RD
#undef DEP

#define ROWS(x) x, sizeof(x) / sizeof(x[0])

const struct workflow wf_report = {
	"report", report_states, report_terminal, ROWS(report_rows),
	"UPDATE reports SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
};
const struct workflow wf_case = {
	"case", case_states, case_terminal, ROWS(case_rows),
	"UPDATE cases SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
};
const struct workflow wf_referral = {
	"referral", referral_states, referral_terminal, ROWS(referral_rows),
	"UPDATE referrals SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
};
const struct workflow wf_enrollment = {
	"enrollment", enrollment_states, enrollment_terminal, ROWS(enrollment_rows),
	"UPDATE enrollments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
};
const struct workflow wf_payment_run = {
	"payment_run", payment_run_states, payment_run_terminal, ROWS(payment_run_rows),
	"UPDATE payment_runs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
};
const struct workflow wf_finding = {
	"finding", finding_states, finding_terminal, ROWS(finding_rows),
	"UPDATE findings SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
};

/* === moving along === */

static int row_applies(const struct wf_transition *t, const struct wf_record *r)
{
	return strcmp(t->from, r->state) == 0 &&
	       (!t->procedure || (r->procedure && strcmp(t->procedure, r->procedure) == 0));
}

/* "accept,dismiss": the actions of this state, each once. */
static void allowed_list(const struct workflow *wf, const struct wf_record *r,
			 char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < wf->n_rows; i++) {
		const struct wf_transition *t = &wf->rows[i];
		int seen = 0;
		if (!row_applies(t, r))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = row_applies(&wf->rows[j], r) &&
			       strcmp(wf->rows[j].action, t->action) == 0;
		if (seen)
			continue;
		int n = snprintf(out + used, size - used, "%s%s", used ? "," : "", t->action);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static const struct wf_transition *find_row(const struct workflow *wf,
					    const struct wf_record *r,
					    const char *action)
{
	for (size_t i = 0; i < wf->n_rows; i++)
		if (row_applies(&wf->rows[i], r) && strcmp(wf->rows[i].action, action) == 0)
			return &wf->rows[i];
	return NULL;
}

/* May this actor use this row on this record?  0 or ERR_FORBIDDEN. */
static int actor_fits(const struct wf_transition *t, const struct wf_record *r,
		      const struct actor *a, struct err *e)
{
	if (!(t->roles & WF_ROLE(a->role)))
		return err_setf(e, ERR_FORBIDDEN, NULL, "role",
				"“%s”（%s）不能由%s（%s）执行",
				"%.0s%s cannot be done by %.0sa %s",
				t->label_zh, t->action, perm_role_label_zh(a->role),
				perm_role_name(a->role));
	if ((t->flags & WF_OWNER) && a->role == ROLE_ASSISTANT &&
	    r->owner_user_id != a->user_id)
		return err_set(e, ERR_FORBIDDEN, NULL, "owner",
			       "只有承办人可以办理此事项", "only the owner may do this");
	if ((t->flags & WF_DEPARTMENT) && a->role == ROLE_REVIEWER &&
	    (!r->department || strcmp(r->department, a->department) != 0))
		return err_set(e, ERR_FORBIDDEN, NULL, "department",
			       "此事项不属于您的部门", "this belongs to another department");
	return 0;
}

int workflow_check(const struct workflow *wf, const struct wf_record *r,
		   const struct actor *a, const char *action, const char *reason,
		   const struct wf_transition **row, struct err *e)
{
	const struct wf_transition *t;
	int rc;

	if ((rc = perm_require_region(a, r->region_code, e)) < 0)
		return rc;
	t = action ? find_row(wf, r, action) : NULL;
	if (!t) {
		char allowed[sizeof(e->allowed)];
		allowed_list(wf, r, allowed, sizeof(allowed));
		rc = err_setf(e, ERR_CONFLICT, NULL, "transition",
			      "当前状态“%s”下不能执行“%s”；可执行：%s",
			      "“%s” does not allow “%s”; allowed: %s", r->state,
			      action ? action : "", allowed[0] ? allowed : "—");
		snprintf(e->allowed, sizeof(e->allowed), "%s", allowed);
		return rc;
	}
	if ((rc = actor_fits(t, r, a, e)) < 0)
		return rc;
	if ((t->flags & WF_REASON) && text_blank(reason))
		return err_set(e, ERR_INVALID, "reason", "required",
			       "请填写理由", "a reason is required");
	*row = t;
	return 0;
}

int workflow_event(struct store *s, const char *entity, const struct wf_record *r,
		   const struct actor *a, const char *action, const char *to_state,
		   const char *reason, json_t *detail, struct err *e)
{
	char now[21], *text = NULL;
	int rc;

	clock_format_utc(clock_now(), now);
	text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	rc = store_execv(s, e,
		"INSERT INTO events (entity, entity_id, household_id, case_id,"
		" region_code, action, from_state, to_state, user_id, username, at,"
		" reason, detail) VALUES ($1, $2, NULLIF($3, 0), NULLIF($4, 0), $5, $6,"
		" $7, $8, NULLIF($9, 0), $10, $11, $12, $13)",
		"siiissssissss", entity, r->id, r->household_id, r->case_id,
		r->region_code, action, r->state, to_state, a->user_id, a->username,
		now, reason, text ? text : "{}");
	free(text);
	return rc;
}

static int audit_transition(struct store *s, const struct workflow *wf,
			    const struct wf_record *r, const struct actor *a,
			    const char *action, const char *to, const char *reason,
			    struct err *e)
{
	char what[64];
	json_t *d = json_pack("{s:s, s:s}", "from", r->state, "to", to);
	if (reason)
		json_object_set_new(d, "reason", json_string(reason));
	snprintf(what, sizeof(what), "%s.%s", wf->entity, action);
	int rc = audit_append(s, a, what, wf->entity, r->id, r->region_code, d, e);
	json_decref(d);
	return rc;
}

int workflow_apply(struct store *s, const struct workflow *wf,
		   const struct wf_record *r, const struct actor *a,
		   const struct wf_transition *row, const char *reason,
		   json_t *detail, struct err *e)
{
	const char *to = row->to ? row->to : r->state;
	char now[21];
	int rc;

	if ((rc = store_begin(s, e)) < 0)
		return rc;
	clock_format_utc(clock_now(), now);
	if (row->to) {
		rc = store_execv(s, e, wf->update_sql, "ssis", row->to, now, r->id, r->state);
		if (rc == 0 && store_changes(s) != 1)
			rc = err_set(e, ERR_CONFLICT, NULL, "stale",
				     "记录已被他人修改，请刷新后重试",
				     "the record changed meanwhile: reload and retry");
	}
	if (rc < 0 ||
	    (rc = workflow_event(s, wf->entity, r, a, row->action, to, reason, detail, e)) < 0 ||
	    (rc = audit_transition(s, wf, r, a, row->action, to, reason, e)) < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

json_t *workflow_actions(const struct workflow *wf, const struct wf_record *r,
			 const struct actor *a)
{
	json_t *out = json_array();
	struct err ignored;
	for (size_t i = 0; i < wf->n_rows; i++) {
		const struct wf_transition *t = &wf->rows[i];
		if (!row_applies(t, r) || actor_fits(t, r, a, &ignored) < 0)
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "action", t->action,
						     "label", t->label_zh,
						     "needs_reason", (t->flags & WF_REASON) != 0));
	}
	return out;
}

int workflow_is_terminal(const struct workflow *wf, const char *state)
{
	for (size_t i = 0; wf->terminal[i]; i++)
		if (strcmp(wf->terminal[i], state) == 0)
			return 1;
	return 0;
}

const struct workflow *workflow_find(const char *entity)
{
	static const struct workflow *const all[] = {
		&wf_report, &wf_case, &wf_referral, &wf_enrollment,
		&wf_payment_run, &wf_finding
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->entity, entity) == 0)
			return all[i];
	return NULL;
}
