/*
 * finding.h - supervision cross-checks (监督比对), findings and recovery.
 *
 * Cross-checks (crosscheck.c) run with every monitoring run and on demand.
 * Each check finds subjects and writes one finding per subject; the
 * finding's subject_key ("<check>:<ids>") is unique, so a second run finds
 * the same findings and adds none.  Checks:
 *   relative_unfiled     a close relative of staff (relatives.h) in a
 *                        household drawing assistance, not filed
 *   paid_after_death     payment lines paid for months after the month of
 *                        a recipient's (or the sole member's) death
 *                        (deaths feed); suspected_fen = their exact sum
 *   asset_while_paid     a vehicle (not a motorised wheelchair), a company
 *                        or more than the allowed real estate registered to
 *                        a member of a household being paid
 *   duplicate_enrollment one person in two live enrollments of one program
 *   shared_account       one bank account number receiving for households
 *                        that share no member
 *   self_decision        a referral decided (workflow events) by a user
 *                        whose ID number is a staff member with a close
 *                        relative in that household
 * Every finding carries its evidence: the records that raised it
 * ({kind:"feed_record"|"enrollment"|"payment_line"|"event"|"filing"|
 * "bank_account", id, ..., fields}).
 *
 * Findings (workflow.c wf_finding): open -> handed (to the department) ->
 * checked (in the field) -> confirmed (amount_fen: the improperly paid
 * amount computed from the payment lines, in fen; a "due" ledger entry) or
 * dismissed; recoveries (instalments) and write-offs are appended to the
 * ledger; close only when nothing is outstanding.  Inspectors act on
 * findings and read what they need; they change nothing else.  Recoveries
 * are recorded by inspectors or by reviewers of the department the finding
 * was handed to.
 *
 * Subject keys: relative_unfiled:<household>:<staff ID number>,
 * paid_after_death:<person>:<enrollment>, asset_while_paid:<household>:
 * <feed record>, duplicate_enrollment:<person>:<program>,
 * shared_account:<account number>, self_decision:<referral>:<user>.
 * A known finding still open/handed/checked gets its evidence and
 * suspected_fen refreshed (event and audit "update"); a relative_unfiled
 * finding stays after the filing, its evidence then shows the filing.
 *
 * A finding (list items and finding_get): {id, check_id, subject_key,
 * run_id, household_id, person_id, region_code, status, summary,
 * suspected_fen, amount_fen|null, department|null, check_result|null,
 * dismiss_reason|null, created_at, updated_at, balance_fen, evidence:[...]};
 * finding_get adds ledger, due_fen, recovered_fen, written_off_fen, events
 * [{id, action, from_state, to_state, username, at, reason, detail}] and
 * actions [{action, label, needs_reason}] ("recovery" when one may be
 * recorded; "close" only at balance 0).
 */
#ifndef CIVICARE_FINDING_H
#define CIVICARE_FINDING_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* The i-th check's id in run order (NULL past the last), and a check's
 * label ("死亡后仍在发放" / "paid after death"; the id itself if unknown). */
const char *crosscheck_check_id(size_t i);
const char *crosscheck_label(const char *id, int english);

struct crosscheck_result {
	int64_t run_id;
	int64_t found;          /* subjects found (old and new) */
	int64_t new_findings;   /* findings written now */
	json_t *by_check;       /* {"relative_unfiled": {found, new}, ...}; caller decrefs */
};

/* Run every check as of `as_of` ("YYYY-MM-DD", NULL = today in China).
 * One transaction; audited ("crosscheck.run").  started_by e.g. "monitor",
 * "api:inspector".  Permission checked by the caller's route; a = NULL is
 * the system (monitor, demo). */
int crosscheck_run(struct store *s, const struct actor *a, const char *config_dir,
		   const char *as_of, const char *started_by,
		   struct crosscheck_result *r, struct err *e);

struct finding_query {
	const char *check_id, *status, *region;
	int64_t household_id;
	int64_t page, per_page;
};
int finding_list(struct store *s, const struct actor *a,
		 const struct finding_query *q, json_t **out, struct err *e);
/* One finding: evidence, ledger [{kind, amount_fen, on_date, note, by}],
 * balance_fen, events (its history), "actions". */
int finding_get(struct store *s, const struct actor *a, int64_t id,
		json_t **out, struct err *e);
/* hand_over {department, note?} | check {result} | confirm {amount_fen?:
 * defaults to the amount computed from the payments} | dismiss {reason} |
 * close. */
int finding_action(struct store *s, const struct actor *a, int64_t id,
		   const char *action, json_t *body, struct err *e);
/* {kind: "recovered"|"written_off", amount_fen (≤ balance), on_date, note?}
 * on a confirmed finding; retried with the same Idempotency-Key = once
 * (the HTTP layer). */
int finding_recovery_add(struct store *s, const struct actor *a, int64_t id,
			 json_t *body, struct err *e);
/* Improper payments found (confirmed amounts, by month of confirmation) and
 * recovered / written off (ledger, by month), per township and month, in
 * fen: {"months":[...],"townships":[{code,name}],"rows":[{township, month,
 * found_fen, recovered_fen, written_off_fen, findings}], "totals":{...}}. */
int finding_figures(struct store *s, const struct actor *a, const char *from,
		    const char *to, json_t **out, struct err *e);
int crosscheck_run_list(struct store *s, int64_t page, int64_t per_page,
			json_t **out, struct err *e);

/* === pure helpers (crosscheck.c; unit-tested) === */

/* 1 when month "YYYY-MM" is strictly after the month of date "YYYY-MM-DD"
 * (payments for the death month itself are due; later ones are not); 0
 * otherwise or when either does not parse. */
int crosscheck_month_after(const char *month, const char *date);
/* "<check>:<a>" or "<check>:<a>:<b>" (b NULL or "" = none); cut to size. */
void crosscheck_subject_key(char *out, size_t size, const char *check,
			    const char *a, const char *b);
/* fen as "¥1,234.50" (negative "-¥1.00"). */
void crosscheck_yuan(int64_t fen, char *out, size_t size);
/* The township of a region code: its first 9 digits ("" when shorter). */
void crosscheck_township(const char *region, char out[10]);

#endif
