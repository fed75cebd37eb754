/*
 * relatives.h - the close-relative register (近亲属), filings (备案) and
 * public notices (公示).
 *
 * The register is the organization/HR department's staff_relatives feed
 * (feed_records, feed "staff_relatives": staff_id_number, staff_name, unit,
 * id_number of the relative, relation as written by the department).  Which
 * relations count as "close" is configuration (config/supervision.json):
 * the national 2012 definition by default (spouse, parents, children,
 * siblings, grandparents and grandchildren on both sides), wider local sets
 * selectable; each set maps the department's words (兄弟姐妹, 哥哥, 配偶,
 * 儿媳 …) to a canonical relation.
 *
 * A household with a close relative of staff that draws assistance (an
 * active enrollment) must be filed by its township; the county must visit
 * every filed household (the must-visit list: filed, no county visit yet).
 * Public notices flag filed households.
 */
#ifndef CIVICARE_RELATIVES_H
#define CIVICARE_RELATIVES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* The configured set: {"set":"national","label_zh",...,"relations":[{code,
 * label_zh,label_en,words:[...]}]}; *canonical gets the relation code of a
 * department's word, or NULL when the word is outside the set. */
struct relative_config;
int relatives_config_load(const char *config_dir, const struct relative_config **out,
			  struct err *e);
const char *relatives_canonical(const struct relative_config *c, const char *word);
json_t *relatives_config_json(const struct relative_config *c);
/* The notice page's 监督电话 (config "complaint_phone"; "" when none). */
const char *relatives_complaint_phone(const struct relative_config *c);

/* One staff-relative pair found in a household drawing assistance. */
struct relative_hit {
	char staff_id_number[19], staff_name[97], staff_unit[201]; /* UTF-8, cut at a character */
	char relative_id_number[19], relative_name[97];
	char relation_word[33];      /* as the department wrote it */
	const char *relation;        /* canonical code (the config's string) */
	int64_t relative_person_id, household_id;
	char region_code[13];
	int64_t feed_record_id, feed_batch_id, feed_line;
	int64_t filing_id;           /* 0 = not filed */
};

/* Every close-relative pair (within the configured set) whose relative is a
 * member of a household with an active enrollment, in `region` (prefix).
 * cb is called once per pair; returns the count or a negative ERR_*.
 * Used by the register listing and by crosscheck.c.
 *
 * region: a division-code prefix ("" or NULL = everything).  The same
 * (staff, relative) pair in several feed records counts once: the newest
 * record's words and unit win.  All pairs are read first, then cb is
 * called, so cb may query or write with the same store (no statement is
 * open during cb).  A negative value from cb stops the walk and is
 * returned (fill e yourself).  h is valid only during the call; h->relation
 * points into the config (valid for the life of the process).
 * Get c with relatives_config_load(config_dir) (cached per folder). */
int relatives_enrolled_hits(struct store *s, const struct relative_config *c,
			    const char *region,
			    int (*cb)(const struct relative_hit *h, void *ctx),
			    void *ctx, struct err *e);

/* GET /api/relatives: the register in the actor's region with each pair's
 * household, enrolled programs and filing; filters enrolled=1, filed=0|1,
 * staff (ID number), region; paging.  IDs masked.  enrolled=1 is exactly
 * the relatives_enrolled_hits pairs (in the set, drawing assistance);
 * without it every register row is listed with in_set/enrolled flags
 * (rows whose relative is not in the registry: county-wide readers only).
 * The answer carries "relationship_set": relatives_config_json(). */
struct relatives_query {
	const char *region, *staff;
	int enrolled;   /* 1 = only relatives in households drawing assistance */
	int filed;      /* -1 any, 0 unfiled, 1 filed */
	int64_t page, per_page;
};
int relatives_list(struct store *s, const struct actor *a, const char *config_dir,
		   const struct relatives_query *q, json_t **out, struct err *e);

/* File a household (PERM_FILING_WRITE, household in the actor's region,
 * else 404): {household_id, staff_id_number, relative_person_id?,
 * relation, note?, staff_name?, staff_unit?, register_id?}.  register_id
 * (a register row's id, from GET /api/relatives) may replace
 * staff_id_number and relation.  staff_name/unit and the relation word come
 * from the register when the staff member is in it, else staff_name is
 * required; the relative, when not given, is the register's relative living
 * in the household.
 * The same household and staff member again answers the existing filing
 * (200, *created = 0).  Audited ("filing.create"). */
int filing_create(struct store *s, const struct actor *a, json_t *body,
		  int64_t *id, int *created, struct err *e);
/* visit=pending: the must-visit list (filed, no county visit recorded). */
int filing_list(struct store *s, const struct actor *a, const char *visit,
		const char *region, int64_t page, int64_t per_page,
		json_t **out, struct err *e);
int filing_get(struct store *s, const struct actor *a, int64_t id,
	       json_t **out, struct err *e);
/* The county's visit (PERM_FILING_VISIT): {visit_date, findings}. */
int filing_visit(struct store *s, const struct actor *a, int64_t id,
		 json_t *body, struct err *e);

/* === public notices (公示) === */

/* Publish the approvals of `program` in `region` (a township or village)
 * decided in [approved_from, approved_to] (dates): lines {name_masked
 * (黄*瑜), household_size, amount_fen, village, filed} snapshot, shown from
 * today for 7 days.  PERM_NOTICE_MANAGE.  The same batch again answers the
 * existing notice (*created = 0).  An empty batch: ERR_INVALID rule
 * "empty".  config_dir: the programs (for the title) and supervision.json. */
int notice_create(struct store *s, const struct actor *a, const char *config_dir,
		  json_t *body, int64_t *id, int *created, struct err *e);
int notice_list(struct store *s, const struct actor *a, int64_t page,
		int64_t per_page, json_t **out, struct err *e);
int notice_get(struct store *s, const struct actor *a, int64_t id,
	       json_t **out, struct err *e);
/* The printable page, for anyone, only while it is shown (published_from
 * ≤ today ≤ published_until); otherwise ERR_NOT_FOUND. */
int notice_public_html(struct store *s, const char *config_dir, int64_t id,
		       int lang_en, char **html, size_t *len, struct err *e);

/* "黄*瑜": first and last character kept, one * per character between;
 * two characters "黄*"; one character "*"; "" for NULL or "".  UTF-8 aware:
 * a byte that is not part of a valid character counts as one character and
 * is never copied (a kept one becomes "*"), so the result is valid UTF-8.
 * Never writes more than size bytes (cut at a character boundary); out
 * holding strlen(name)+4 bytes always suffices. */
void name_mask(const char *name, char *out, size_t size);

#endif
