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
 *
 * Regions: any holder of payment.read reads every run (runs are never 404
 * by region), but its counts, townships, lines and roll are narrowed to
 * the reader's region.  Managing a run needs a region covering the whole
 * run (payment_require_scope: 403 rule "region").  A household's payments
 * and account answer 404 outside the region.
 *
 * A line whose household has no bank account is still a line (no_account,
 * listed in the run's "missing_account"); it is left out of the bank file
 * and becomes failed ("无发放账户") when the return file is applied.
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

/* The roll (花名册) as a printable HTML page (masked IDs), one section per
 * township with village subtotals and the township's total: `township`
 * (9 digits) picks one, NULL = every township in the actor's region. */
int payment_roll_html(struct store *s, const struct actor *a, int64_t id,
		      const char *township, char **html, size_t *len,
		      struct err *e);

/* The bank's return file for a paid run (CSV, UTF-8 or GB18030; header
 * row with 明细编号/line_id or 账号/account_no, 结果/result, 原因/reason):
 * marks each line paid or failed, run -> reconciled with paid_fen and
 * failed_fen.  All or nothing: a row that matches no pending line (or an
 * account on several lines), an unknown result, a repeated line, or a
 * line sent to the bank and not answered -> ERR_INVALID rule "rows", and
 * *out still gets {"rejected":[{line (CSV line or null), field, message,
 * line_id?}]}; nothing changes.  Success: *out {"run_id","status",
 * "paid","failed","paid_fen","failed_fen","unsent","rejected":[]}. */
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

/* === the pieces below are shared by payment.c, payment_file.c,
 * demo_payments.c and the unit tests === */

/* How one program's amount is computed (config/payments.json). */
enum payment_method {
	PAYMENT_DECIDED,          /* the enrollment's decided amount_fen */
	PAYMENT_GAP,              /* standard x members - household income */
	PAYMENT_FIXED_PER_PERSON, /* per_person_fen x members */
	PAYMENT_TIERS,            /* amount by household size */
};

#define PAYMENT_MAX_TIERS 8

struct payment_rule {
	char program[24];         /* "" = the default rule */
	enum payment_method method;
	int64_t minimum_fen;      /* gap: the floor */
	int64_t per_person_fen;   /* fixed_per_person */
	size_t n_tiers;           /* tiers: the first with members <= max_members */
	struct { int64_t max_members, amount_fen; } tiers[PAYMENT_MAX_TIERS];
};

struct payment_config {
	char dir[4096];
	struct payment_rule *rules;
	size_t n_rules;
	struct payment_rule fallback; /* "default" */
};

/* Load (once per folder, kept for the process) config_dir/payments.json.
 * ERR_INVALID rule "config" naming the file and field. */
int payment_config_load(const char *dir, const struct payment_config **out,
			struct err *e);
/* The program's rule, or the default rule. */
const struct payment_rule *payment_rule_for(const struct payment_config *c,
					    const char *program);

/* What is known of a household when its amount is computed. */
struct payment_facts {
	int64_t decided_fen;      /* the enrollment's amount */
	int64_t members;          /* persons of the household (>= 1) */
	int have_standard;        /* standard_fen known (gap) */
	int64_t standard_fen;     /* per person per month */
	const char *standard_label;
	const char *area_kind;    /* "urban" | "rural" | NULL */
	int have_income;          /* income_fen known */
	int64_t income_fen;       /* the household's monthly income */
	const char *income_source; /* "visit" | "verification" */
};

/* The month's amount and its basis (new reference):
 * {method, amount_fen, members, standard_fen, income_fen, minimum_fen,
 *  decided_fen, ...}.  gap = max(standard x members - income, minimum);
 * no income or no standard known -> the decided amount ("fallback"). */
int64_t payment_compute(const struct payment_rule *r,
			const struct payment_facts *f, json_t **basis);

/* "6228********1234": first 4, stars, last 4 ("****" for short input).
 * out holds 40 bytes. */
void payment_mask_account(const char *account_no, char out[40]);
/* "2026-11" -> year and month; -1 unless exactly YYYY-MM, 2000..2099. */
int payment_parse_month(const char *month, int *y, int *m);
/* The checked-totals rule of the bank file: 0 when the lines written add
 * up to what the database says, else ERR_INTERNAL rule "totals". */
int payment_check_totals(int64_t written_lines, int64_t written_fen,
			 int64_t expected_lines, int64_t expected_fen,
			 struct err *e);
/* The program's Chinese name for pages and files ("dibao" -> 最低生活保障). */
const char *payment_program_name(const char *program);

/* A run's row. */
struct payment_run_row {
	int64_t id;
	char program[24], month[8], region_code[13], status[24], paid_date[11];
	int64_t lines, total_fen, paid_fen, failed_fen, generated_by, approved_by;
};
/* Managing a run (approve, reject, pay, bank file, return file) needs a
 * region that covers the whole run: ERR_FORBIDDEN rule "region" otherwise
 * (the run itself stays readable, so not 404). */
int payment_require_scope(const struct actor *a, const struct payment_run_row *r,
			  struct err *e);
/* ERR_NOT_FOUND when there is no such run. */
int payment_run_load(struct store *s, int64_t id, struct payment_run_row *r,
		     struct err *e);

#endif
