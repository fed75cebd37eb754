/*
 * verify.h - household economic verification (家庭经济状况核对).
 *
 * With the household's authorization on record (the latest visit's
 * authorization_signed; otherwise ERR_CONFLICT rule "no_authorization"),
 * the department records of every member (feed_records) settle:
 *
 *   income   tax_income (the latest year / 12) and pensions (monthly; a
 *            basic residents' pension is excluded, S2 art. 13) against the
 *            declared monthly income of the latest visit; the larger counts;
 *   assets   vehicles (a motor wheelchair excepted), residential real
 *            estate (count and area per person), shops, companies, deposits
 *            against household size × dibao × 12;
 *   verdict  "dibao" | "dibao_edge" | "rigid_expenditure" | "not_eligible",
 *            with every reason and the records behind it
 *            ({feed, batch_id, line, file, fields}).
 *
 * Thresholds that are not the dibao standard (housing minimum, edge factor,
 * last year's per-capita disposable income, the rigid-expenditure share)
 * are read from config/verification.json (data, with an effective date).
 * Each verification is stored in `verifications` and audited
 * ("verify.household").
 */
#ifndef CIVICARE_VERIFY_H
#define CIVICARE_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"
#include "program.h"

/*
 * Verify household_id as of today (China).  Checks PERM_VERIFY_READ and the
 * household's region.  *out gets the result (new ref):
 *   {id, household_id, region_code, region_name, address, area_kind,
 *    as_of, created_at, authorization:{visit_id, case_id, visit_date},
 *    household_size, members:[{person_id, name, id_number (masked),
 *    relation, deceased}],
 *    income:{feed_monthly_fen, declared_monthly_fen, counted_monthly_fen,
 *            basis, per_capita_fen, items:[…]},
 *    assets:{vehicles, residential_count, residential_area_m2x100,
 *            per_capita_area_m2x100, shops, companies, deposits_fen,
 *            deposit_limit_fen},
 *    rigid:{…}, standards:{…},
 *    verdict, verdict_zh, verdict_en,
 *    reasons:[{id, kind: exclusion|income|note, text_zh, text_en,
 *              records:[{feed, batch_id, line, file, fields}]}]}
 */
int verify_household(struct store *s, const struct actor *a,
		     const struct program_config *pc, int64_t household_id,
		     json_t **out, struct err *e);

/* The printable page (A4, Chinese) of a verify_household() result: a
 * NUL-terminated UTF-8 HTML document the caller frees; *len its length.
 * NULL when out of memory. */
char *verify_html(json_t *result, size_t *len);

#endif
