/*
 * handlers.h - every handler the route table (routes.c) points at.
 * Each follows http_handler: fill resp and return 0, or return a negative
 * ERR_* with e filled.
 */
#ifndef CIVICARE_HANDLERS_H
#define CIVICARE_HANDLERS_H

#include "http.h"

#define HANDLER(name) \
	int name(struct http_req *req, struct http_resp *resp, struct err *e)

/* h_system.c */
HANDLER(h_healthz);
HANDLER(h_openapi);
HANDLER(h_division_get);
/* h_auth.c */
HANDLER(h_login);
HANDLER(h_logout);
HANDLER(h_me);
/* h_registry.c */
HANDLER(h_person_search);
HANDLER(h_person_create);
HANDLER(h_person_get);
HANDLER(h_person_update);
HANDLER(h_household_search);
HANDLER(h_household_create);
HANDLER(h_household_get);
HANDLER(h_household_set_head);
/* h_admin.c */
HANDLER(h_user_list);
HANDLER(h_user_create);
HANDLER(h_user_reset_password);
HANDLER(h_audit_search);
/* h_report.c (reports, photos, cases) */
HANDLER(h_photo_upload);
HANDLER(h_photo_get);
HANDLER(h_report_create);
HANDLER(h_report_list);
HANDLER(h_report_get);
HANDLER(h_report_action);
HANDLER(h_public_report_create);
HANDLER(h_case_list);
HANDLER(h_case_get);
HANDLER(h_case_action);
/* h_referral.c (visits, routing, referrals, enrollments, escalations) */
HANDLER(h_case_visit);
HANDLER(h_case_routing);
HANDLER(h_case_route);
HANDLER(h_referral_list);
HANDLER(h_referral_get);
HANDLER(h_referral_action);
HANDLER(h_enrollment_list);
HANDLER(h_enrollment_action);
HANDLER(h_escalations);
HANDLER(h_programs);
/* h_notify.c (inbox, outbox, figures, timeline) */
HANDLER(h_household_timeline);
HANDLER(h_figures);
HANDLER(h_figure_items);
HANDLER(h_inbox_list);
HANDLER(h_inbox_read);
HANDLER(h_outbox_list);
HANDLER(h_outbox_retry);
/* h_feed.c (department data) */
HANDLER(h_feed_list);
HANDLER(h_feed_import);
HANDLER(h_batch_list);
HANDLER(h_batch_get);
/* h_monitor.c (monitoring runs, alerts, monitoring categories) */
HANDLER(h_monitor_start);
HANDLER(h_monitor_runs);
HANDLER(h_alert_list);
HANDLER(h_alert_get);
HANDLER(h_alert_action);
HANDLER(h_person_monitoring);
HANDLER(h_person_monitoring_set);
/* h_verify.c (household economic verification) */
HANDLER(h_household_verification);
/* h_payment.c (payment runs, rolls, bank files, bank accounts) */
HANDLER(h_payment_run_list);
HANDLER(h_payment_run_create);
HANDLER(h_payment_run_get);
HANDLER(h_payment_run_lines);
HANDLER(h_payment_run_roll);
HANDLER(h_payment_run_bank_file);
HANDLER(h_payment_run_bank_return);
HANDLER(h_payment_run_action);
HANDLER(h_household_payments);
HANDLER(h_household_bank_account);
/* h_relatives.c (close-relative register, filings, public notices) */
HANDLER(h_notice_list);
HANDLER(h_notice_create);
HANDLER(h_notice_get);
HANDLER(h_notice_public);
HANDLER(h_relative_list);
HANDLER(h_filing_list);
HANDLER(h_filing_create);
HANDLER(h_filing_get);
HANDLER(h_filing_visit);
/* h_finding.c (cross-checks, findings, recovery, figures) */
HANDLER(h_crosscheck_start);
HANDLER(h_crosscheck_runs);
HANDLER(h_finding_list);
HANDLER(h_finding_get);
HANDLER(h_finding_recovery);
HANDLER(h_finding_action);
HANDLER(h_supervision_figures);

#undef HANDLER
#endif
