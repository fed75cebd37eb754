/*
 * payment.h - monthly payments (资金发放): payment runs, rolls, bank files.
 *
 * A payment run is one program and one month, county-wide.  Generating it
 * computes every active enrollment's amount for that month into lines (one
 * per enrollment; the payee, members and bank account are a snapshot),
 * grouped into a roll (花名册) per township.  How an amount is computed is
 * configuration (config/payments.json): dibao "gap" (the standard of the
 * month's year for the household's area times the members, less the
 * household's monthly income from its latest visit or verification; the
 * decided amount when no income is known), "tiers", or the enrollment's
 * decided amount ("decided") for the others.  Each line's basis (JSON) says
 * which rule and figures gave its amount.
 *
 * States (workflow.c wf_payment_run): generating -> awaiting_approval ->
 * approved -> paid -> reconciled; awaiting_approval -> rejected (lines
 * void).  The admin who generated a run cannot approve or reject it
 * (ERR_FORBIDDEN, rule "maker_checker").  "pay" records that the money was
 * handed to the bank (paid_date); the bank's return file (CSV: line id or
 * account number, result 成功/失败, reason) marks each line paid or failed
 * and moves the run to reconciled.
 *
 * No enrollment is paid twice for one month: payment_lines has a unique
 * index on (enrollment_id, month) for live lines; a second generate of the
 * same program and month takes only enrollments not yet in a line, and
 * when there are none it writes nothing and answers the existing runs.
 */
#ifndef CIVICARE_PAYMENT_H
#define CIVICARE_PAYMENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* Generate the run of program/month ("YYYY-MM").  PERM_PAYMENT_MANAGE.
 * *run_id = the new run (submitted: awaiting_approval), or 0 when nothing
 * was left to pay for that month (then *out lists the month's runs).
 * *out: {"run": run-json | null, "added": lines, "runs":[...]}.
 * config_dir: where payments.json, programs.json and standards.json are.
 * One transaction; audited ("payment.generate"). */
int payment_generate(struct store *s, const struct actor *a,
		     const char *config_dir, const char *program,
		     const char *month, int64_t *run_id, json_t **out,
		     struct err *e);

/* approve | reject (reason) | pay (paid_date "YYYY-MM-DD", NULL = today).
 * The generator may not approve or reject. */
int payment_run_action(struct store *s, const struct actor *a, int64_t id,
		       const char *action, const char *reason,
		       const char *paid_date, struct err *e);

struct payment_query {
	const char *program, *month, *status; /* NULL = any */
	int64_t page, per_page;
};
/* {"items":[run...],"total","page","per_page"}, newest first. */
int payment_run_list(struct store *s, const struct actor *a,
		     const struct payment_query *q, json_t **out, struct err *e);
/* One run: totals, per-township roll summary [{region_code, name, lines,
 * total_fen, paid_fen, failed_fen}], generated_by/approved_by names,
 * "actions" the actor may take now. */
int payment_run_get(struct store *s, const struct actor *a, int64_t id,
		    json_t **out, struct err *e);
/* The lines of a run in the actor's region (township= narrows; status=),
 * ID numbers masked, account numbers masked unless PERM_PAYMENT_MANAGE. */
int payment_lines_list(struct store *s, const struct actor *a, int64_t id,
		       const char *township, const char *status,
		       int64_t page, int64_t per_page, json_t **out,
		       struct err *e);

/* The bank file of a run (approved or later): every live line with the
 * account, name and amount in 元, a totals row, checked: the sum of the lines
 * must equal the run's total or nothing is written (ERR_INTERNAL, rule
 * "totals").  xlsx through libxlsxwriter; csv UTF-8 with BOM.  *data is
 * malloc'd.  Audited ("payment.bank_file"). */
int payment_bank_file(struct store *s, const struct actor *a, int64_t id,
		      const char *format /* "xlsx" | "csv" */,
		      unsigned char **data, size_t *len, struct err *e);

/* A township's roll (花名册) as a printable HTML page (masked IDs). */
int payment_roll_html(struct store *s, const struct actor *a, int64_t id,
		      const char *township, char **html, size_t *len,
		      struct err *e);

/* The bank's return file for a paid run: marks each line paid or failed,
 * run -> reconciled.  Rows that match no line or give no known result are
 * reported (never half-applied: all or nothing).  *out: {"paid","failed",
 * "paid_fen","failed_fen","rejected":[{line, field, message}]}. */
int payment_bank_return(struct store *s, const struct actor *a, int64_t id,
			const unsigned char *csv, size_t len, json_t **out,
			struct err *e);

/* A household's payment history, newest month first (PERM_PAYMENT_READ). */
int payment_household(struct store *s, const struct actor *a,
		      int64_t household_id, json_t **out, struct err *e);

/* Set a household's bank account (PERM_HOUSEHOLD_WRITE): {bank, account_no
 * (digits, 12–30), holder_person_id (a member)}.  Audited. */
int payment_set_account(struct store *s, const struct actor *a,
			int64_t household_id, json_t *body, json_t **out,
			struct err *e);

/* Demo: bank accounts for every enrolled household (and two unrelated
 * households sharing one account), then reconciled runs of dibao and tekun
 * for the `months` months before the current one, generated by "admin" and
 * approved by "checker".  Inside the caller's transaction. */
struct demo_payments_result {
	int64_t runs, lines, total_fen;
	int64_t shared_account_households[2];
};
int demo_payments_generate(struct store *s, const char *config_dir, int months,
			   struct demo_payments_result *r, struct err *e);

#endif
