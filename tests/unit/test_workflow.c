/*
 * test_workflow.c - every (state, action) pair of every workflow.
 *
 * The expected table below is written from docs/DISCOVERY.md, not read
 * from workflow.c: an action a state allows passes workflow_check for an
 * actor who may do everything (admin, owner, same department); any other
 * answers ERR_CONFLICT rule "transition" with exactly the allowed actions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/domain/workflow.h"
#include "../../src/core/banned.h"

struct expect {
	const char *state;
	const char *procedure;
	const char *allowed; /* comma-separated, in table order */
};

static const char *const report_actions[] = { "accept", "dismiss", NULL };
static const struct expect report_expect[] = {
	{ "submitted", NULL, "accept,dismiss" },
	{ "unverified", NULL, "accept,dismiss" },
	{ "accepted", NULL, "" },
	{ "dismissed", NULL, "" },
	{ "merged", NULL, "" },
};

static const char *const case_actions[] = {
	"record_visit", "handover", "reassign", "route", "close", NULL
};
static const struct expect case_expect[] = {
	{ "open", NULL, "record_visit,handover,reassign,close" },
	{ "visited", NULL, "record_visit,handover,reassign,route,close" },
	{ "routed", NULL, "handover,reassign,route,close" },
	{ "closed", NULL, "" },
};

static const char *const referral_actions[] = {
	"approve", "reject", "return", "survey", "opinion", "publish_notice",
	"resubmit", NULL
};
static const struct expect referral_expect[] = {
	{ "pending", "simple", "approve,reject,return" },
	{ "returned", "simple", "resubmit" },
	{ "approved", "simple", "" },
	{ "rejected", "simple", "" },
	{ "surveyed", "simple", "" },
	{ "pending", "dibao", "survey,return,reject" },
	{ "surveyed", "dibao", "opinion,return,reject" },
	{ "opinion", "dibao", "publish_notice,reject" },
	{ "public_notice", "dibao", "approve,reject" },
	{ "returned", "dibao", "resubmit" },
	{ "approved", "dibao", "" },
	{ "rejected", "dibao", "" },
};

static const char *const enrollment_actions[] = { "suspend", "resume", "exit", NULL };
static const struct expect enrollment_expect[] = {
	{ "active", NULL, "suspend,exit" },
	{ "suspended", NULL, "resume,exit" },
	{ "exited", NULL, "" },
};

static const char *const payment_run_actions[] = {
	"submit", "approve", "reject", "pay", "reconcile", NULL
};
static const struct expect payment_run_expect[] = {
	{ "generating", NULL, "submit" },
	{ "awaiting_approval", NULL, "approve,reject" },
	{ "approved", NULL, "pay" },
	{ "paid", NULL, "reconcile" },
	{ "reconciled", NULL, "" },
	{ "rejected", NULL, "" },
};

static const char *const finding_actions[] = {
	"hand_over", "check", "confirm", "dismiss", "close", NULL
};
static const struct expect finding_expect[] = {
	{ "open", NULL, "hand_over,dismiss" },
	{ "handed", NULL, "check" },
	{ "checked", NULL, "confirm,dismiss" },
	{ "confirmed", NULL, "close" },
	{ "dismissed", NULL, "" },
	{ "closed", NULL, "" },
};

static int listed(const char *list, const char *action)
{
	size_t n = strlen(action);
	for (const char *p = list; *p;) {
		size_t m = strcspn(p, ",");
		if (m == n && strncmp(p, action, n) == 0)
			return 1;
		p += m + (p[m] == ',');
	}
	return 0;
}

static void walk_as(enum role role, const struct workflow *wf,
		    const char *const *actions, const struct expect *ex, size_t n)
{
	struct actor admin;
	memset(&admin, 0, sizeof(admin));
	admin.user_id = 7;
	admin.role = role;
	snprintf(admin.region, sizeof(admin.region), "500231");
	for (size_t i = 0; i < n; i++) {
		struct wf_record r = {
			.id = 1, .state = ex[i].state, .owner_user_id = 7,
			.department = "civil_affairs", .procedure = ex[i].procedure,
			.region_code = "500231103201",
		};
		for (size_t a = 0; actions[a]; a++) {
			const struct wf_transition *row = NULL;
			struct err e;
			err_clear(&e);
			int rc = workflow_check(wf, &r, &admin, actions[a], "a reason", &row, &e);
			if (listed(ex[i].allowed, actions[a])) {
				if (rc != 0)
					fail_msg("%s %s/%s: expected allowed, got %s", wf->entity,
						 ex[i].state, actions[a], e.message_en);
			} else {
				if (rc != ERR_CONFLICT || strcmp(e.rule, "transition") != 0)
					fail_msg("%s %s/%s: expected 409 transition, got %d %s",
						 wf->entity, ex[i].state, actions[a], rc, e.rule);
				if (strcmp(e.allowed, ex[i].allowed) != 0)
					fail_msg("%s %s: allowed '%s', expected '%s'", wf->entity,
						 ex[i].state, e.allowed, ex[i].allowed);
			}
		}
	}
}

#define N(x) (sizeof(x) / sizeof(x[0]))

static void walk(const struct workflow *wf, const char *const *actions,
		 const struct expect *ex, size_t n)
{
	walk_as(ROLE_ADMIN, wf, actions, ex, n);
}

static void test_report_states_allow_exactly_their_actions(void **state)
{
	(void)state;
	walk(&wf_report, report_actions, report_expect, N(report_expect));
}

static void test_case_states_allow_exactly_their_actions(void **state)
{
	(void)state;
	walk(&wf_case, case_actions, case_expect, N(case_expect));
}

static void test_referral_states_follow_their_procedure(void **state)
{
	(void)state;
	walk(&wf_referral, referral_actions, referral_expect, N(referral_expect));
}

static void test_enrollment_states_allow_exactly_their_actions(void **state)
{
	(void)state;
	walk(&wf_enrollment, enrollment_actions, enrollment_expect, N(enrollment_expect));
}

static void test_payment_run_states_allow_exactly_their_actions(void **state)
{
	(void)state;
	walk(&wf_payment_run, payment_run_actions, payment_run_expect, N(payment_run_expect));
}

static void test_finding_states_allow_exactly_their_actions(void **state)
{
	(void)state;
	walk_as(ROLE_INSPECTOR, &wf_finding, finding_actions, finding_expect, N(finding_expect));
}

/* Inspectors change only findings; the department may record its field
 * check but not confirm; nobody else moves a finding or a payment run. */
static void test_findings_belong_to_inspectors_and_runs_to_admins(void **state)
{
	(void)state;
	struct actor insp = { .user_id = 3, .role = ROLE_INSPECTOR, .region = "500231" };
	struct actor rev = { .user_id = 4, .role = ROLE_REVIEWER, .region = "500231",
			     .department = "civil_affairs" };
	struct actor admin = { .user_id = 5, .role = ROLE_ADMIN, .region = "500231" };
	struct actor medical = { .user_id = 6, .role = ROLE_REVIEWER, .region = "500231",
				 .department = "medical_security" };
	struct wf_record f = { .id = 1, .state = "handed", .region_code = "500231103201",
			       .department = "civil_affairs" };
	struct wf_record run = { .id = 2, .state = "awaiting_approval", .region_code = "500231" };
	const struct wf_transition *row;
	struct err e;
	assert_int_equal(workflow_check(&wf_finding, &f, &rev, "check", NULL, &row, &e), 0);
	assert_int_equal(workflow_check(&wf_finding, &f, &medical, "check", NULL, &row, &e),
			 ERR_FORBIDDEN);
	assert_string_equal(e.rule, "department");
	assert_int_equal(workflow_check(&wf_finding, &f, &admin, "check", NULL, &row, &e),
			 ERR_FORBIDDEN);
	f.state = "checked";
	assert_int_equal(workflow_check(&wf_finding, &f, &rev, "confirm", NULL, &row, &e),
			 ERR_FORBIDDEN);
	assert_int_equal(workflow_check(&wf_finding, &f, &insp, "dismiss", "", &row, &e),
			 ERR_INVALID);
	assert_string_equal(e.field, "reason");
	assert_int_equal(workflow_check(&wf_payment_run, &run, &insp, "approve", NULL, &row, &e),
			 ERR_FORBIDDEN);
	assert_int_equal(workflow_check(&wf_payment_run, &run, &admin, "approve", NULL, &row, &e), 0);
	assert_string_equal(row->to, "approved");
}

static void test_only_the_owner_assistant_and_the_right_department_may_act(void **state)
{
	(void)state;
	struct actor asst = { .user_id = 8, .role = ROLE_ASSISTANT, .region = "500231103201" };
	struct actor rev = { .user_id = 9, .role = ROLE_REVIEWER, .region = "500231",
			     .department = "medical_security" };
	struct wf_record c = { .id = 1, .state = "open", .owner_user_id = 7,
			       .region_code = "500231103201" };
	struct wf_record ref = { .id = 2, .state = "pending", .department = "civil_affairs",
				 .procedure = "simple", .region_code = "500231103201" };
	const struct wf_transition *row;
	struct err e;
	assert_int_equal(workflow_check(&wf_case, &c, &asst, "record_visit", NULL, &row, &e),
			 ERR_FORBIDDEN);
	assert_string_equal(e.rule, "owner");
	assert_int_equal(workflow_check(&wf_referral, &ref, &rev, "approve", NULL, &row, &e),
			 ERR_FORBIDDEN);
	assert_string_equal(e.rule, "department");
	assert_int_equal(workflow_check(&wf_referral, &ref, &asst, "approve", NULL, &row, &e),
			 ERR_FORBIDDEN);
	c.owner_user_id = 8;
	assert_int_equal(workflow_check(&wf_case, &c, &asst, "close", "  ", &row, &e),
			 ERR_INVALID);
	assert_string_equal(e.field, "reason");
	assert_int_equal(workflow_check(&wf_case, &c, &asst, "record_visit", NULL, &row, &e), 0);
	assert_string_equal(row->to, "visited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_states_allow_exactly_their_actions),
		cmocka_unit_test(test_case_states_allow_exactly_their_actions),
		cmocka_unit_test(test_referral_states_follow_their_procedure),
		cmocka_unit_test(test_enrollment_states_allow_exactly_their_actions),
		cmocka_unit_test(test_payment_run_states_allow_exactly_their_actions),
		cmocka_unit_test(test_finding_states_allow_exactly_their_actions),
		cmocka_unit_test(test_findings_belong_to_inspectors_and_runs_to_admins),
		cmocka_unit_test(test_only_the_owner_assistant_and_the_right_department_may_act),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
