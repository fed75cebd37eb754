/*
 * verify.c - household economic verification (家庭经济状况核对).
 *
 * Design: one pass over the household's department records.  The members
 * are read first; then one query joins persons → feed_records (index
 * feed_records_person) → feed_batches for the feeds the means test reads,
 * and each record is folded into its member (latest tax year, current
 * pension, latest deposit balances) or into the household's asset lists.
 * Every fact that decides anything keeps the record it came from
 * ({feed, batch_id, line, file, fields}), so each reason can show it.
 *
 * Income counts the larger of the feeds' figure and the declared one:
 * the feeds catch undeclared income, the declaration catches what no
 * department records (farming, casual work).  A pensions row has no kind
 * column, so a pension at or below residents_pension_max_fen (config) is
 * taken for the basic residents' pension, which S2 art. 13 excludes.
 *
 * The verdict is exclusions first (any asset rule → not_eligible, with
 * every exclusion listed, not just the first), then income against the
 * dibao standard, the edge line, and the rigid-expenditure test.
 *
 * The result is stored in `verifications` and audited in one transaction;
 * ID numbers in the output are masked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"
#include "audit.h"
#include "divisions.h"
#include "feed.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/limits.h"
#include "../core/strbuf.h"
#include "../core/text.h"
#include "../core/banned.h"

/* === thresholds (config/verification.json) === */

struct vcfg {
	char effective_from[11];
	char label[200];
	int64_t edge_pct, deposit_months, housing_min_x100, housing_factor;
	int64_t houses_min, residents_pension_max, disp_urban, disp_rural;
	int64_t rigid_share_pct, rigid_days;
};

static int cfg_int(json_t *o, const char *key, int64_t *out, const char *path,
		   struct err *e)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return err_setf(e, ERR_INVALID, key, "config",
				"%s：%s 须为非负整数", "%s: %s must be a whole number ≥ 0",
				path, key);
	*out = json_integer_value(v);
	return 0;
}

/* The entry with the latest effective_from not after `today`. */
static int pick_entry(json_t *list, const char *today, json_t **out)
{
	const char *best = NULL;
	size_t i;
	json_t *v;
	*out = NULL;
	json_array_foreach(list, i, v) {
		const char *from = json_string_value(json_object_get(v, "effective_from"));
		if (!from || strcmp(from, today) > 0 || (best && strcmp(from, best) <= 0))
			continue;
		best = from;
		*out = v;
	}
	return *out ? 0 : -1;
}

static int load_vcfg(const char *dir, const char *today, struct vcfg *c,
		     struct err *e)
{
	char path[LIMIT_PATH_BYTES + 32];
	json_error_t je;
	json_t *doc, *entry = NULL, *disp;
	int rc;

	snprintf(path, sizeof(path), "%s/verification.json", dir);
	doc = json_load_file(path, 0, &je);
	if (!doc)
		return err_setf(e, ERR_INVALID, NULL, "config", "%s 第 %d 行：%s",
				"%s line %d: %s", path, je.line, je.text);
	if (pick_entry(json_object_get(doc, "verification"), today, &entry) < 0) {
		rc = err_setf(e, ERR_INVALID, NULL, "config",
			      "%s 中没有 %s 时有效的核对标准",
			      "%s has no verification entry in force on %s", path, today);
		goto cleanup;
	}
	disp = json_object_get(entry, "disposable_income_fen_per_year");
	snprintf(c->effective_from, sizeof(c->effective_from), "%s",
		 json_string_value(json_object_get(entry, "effective_from")));
	snprintf(c->label, sizeof(c->label), "%s",
		 json_string_value(json_object_get(entry, "label")) ?
		 json_string_value(json_object_get(entry, "label")) : "");
	if ((rc = cfg_int(entry, "edge_factor_percent", &c->edge_pct, path, e)) < 0 ||
	    (rc = cfg_int(entry, "deposit_months", &c->deposit_months, path, e)) < 0 ||
	    (rc = cfg_int(entry, "housing_minimum_m2x100", &c->housing_min_x100, path, e)) < 0 ||
	    (rc = cfg_int(entry, "housing_area_factor", &c->housing_factor, path, e)) < 0 ||
	    (rc = cfg_int(entry, "residential_houses_min", &c->houses_min, path, e)) < 0 ||
	    (rc = cfg_int(entry, "residents_pension_max_fen", &c->residents_pension_max, path, e)) < 0 ||
	    (rc = cfg_int(entry, "rigid_share_percent", &c->rigid_share_pct, path, e)) < 0 ||
	    (rc = cfg_int(entry, "rigid_window_days", &c->rigid_days, path, e)) < 0 ||
	    (rc = cfg_int(disp, "urban", &c->disp_urban, path, e)) < 0 ||
	    (rc = cfg_int(disp, "rural", &c->disp_rural, path, e)) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	json_decref(doc);
	return rc;
}

/* === the household being verified === */

struct member {
	int64_t id;
	char name[LIMIT_NAME_BYTES + 4];
	char number[19];
	char relation[32];
	int deceased;
	int64_t tax_year, tax_fen;   /* latest year's income, summed */
	json_t *tax_recs;
	char pen_since[11];          /* current pension: the latest since_date */
	int64_t pen_fen;
	json_t *pen_rec;
	char dep_date[11];           /* deposits: balances of the latest date */
	int64_t dep_fen;
	json_t *dep_recs;
};

struct vctx {
	struct store *s;
	const struct program_config *pc;
	const struct feed_catalogue *cat; /* labels only; may be NULL */
	struct vcfg cfg;
	int64_t household_id;
	char region[16], address[LIMIT_ADDRESS_BYTES + 4], area[8];
	char today[11];
	int64_t today_day;
	/* latest visit */
	int64_t visit_id, case_id, declared_fen;
	char visit_date[11];
	json_t *rigid_declared;
	struct member *m;
	size_t n_m;
	int64_t size;                /* living members */
	/* assets */
	json_t *vehicles, *wheelchairs, *boats, *machinery, *residential, *shops,
	       *companies, *medical, *deaths;
	int64_t res_count, res_area_x100, medical_fen;
	/* results */
	json_t *reasons, *income_items;
	int64_t standard_fen;
	const char *standard_label;
	int excluded;
};

static void yuan(char out[32], int64_t fen)
{
	text_yuan(fen, 0, out);
}

static void m2(char out[32], int64_t x100)
{
	snprintf(out, 32, "%" PRId64 ".%02" PRId64, x100 / 100, x100 % 100);
}

static int oom(struct err *e)
{
	return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
}

static void add_reason(struct vctx *c, const char *id, const char *kind,
		       const char *zh, const char *en, json_t *records)
{
	json_array_append_new(c->reasons, json_pack("{s:s, s:s, s:s, s:s, s:o}",
		"id", id, "kind", kind, "text_zh", zh, "text_en", en,
		"records", records ? records : json_array()));
	if (strcmp(kind, "exclusion") == 0)
		c->excluded = 1;
}

static int load_household(struct vctx *c, const struct actor *a, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(c->s, &st, e,
		"SELECT region_code, address, area_kind FROM households WHERE id = $1",
		"i", c->household_id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW) {
		snprintf(c->region, sizeof(c->region), "%s", store_col_text(st, 0));
		snprintf(c->address, sizeof(c->address), "%s", store_col_text(st, 1));
		snprintf(c->area, sizeof(c->area), "%s", store_col_text(st, 2));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "家庭不存在",
			       "no such household");
	return perm_require_region(a, c->region, e);
}

static int load_visit(struct vctx *c, struct err *e)
{
	struct store_stmt *st = NULL;
	int signed_ = 0;
	int rc = store_query(c->s, &st, e,
		"SELECT id, case_id, visit_date, declared_income_fen, rigid_expenses,"
		" authorization_signed FROM visits WHERE household_id = $1"
		" ORDER BY visit_date DESC, id DESC LIMIT 1", "i", c->household_id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW) {
		c->visit_id = store_col_int64(st, 0);
		c->case_id = store_col_int64(st, 1);
		snprintf(c->visit_date, sizeof(c->visit_date), "%s", store_col_text(st, 2));
		c->declared_fen = store_col_int64(st, 3);
		c->rigid_declared = json_loads(store_col_text(st, 4), 0, NULL);
		signed_ = store_col_int64(st, 5) != 0;
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!signed_)
		return err_set(e, ERR_CONFLICT, "authorization", "no_authorization",
			       "家庭尚未签署经济状况核对授权书（以最近一次入户调查为准）",
			       "the household has not signed the authorization for the economic check (latest home visit)");
	if (!json_is_object(c->rigid_declared)) {
		json_decref(c->rigid_declared);
		c->rigid_declared = json_object();
	}
	return 0;
}

static int load_members(struct vctx *c, struct err *e)
{
	struct store_stmt *st = NULL;
	size_t cap = 0;
	int rc = store_query(c->s, &st, e,
		"SELECT id, name, id_number, COALESCE(relation, '') FROM persons"
		" WHERE household_id = $1 ORDER BY id", "i", c->household_id);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		if (c->n_m == cap) {
			cap = cap ? cap * 2 : 8;
			c->m = xrealloc(c->m, cap * sizeof(*c->m));
		}
		struct member *m = &c->m[c->n_m++];
		memset(m, 0, sizeof(*m));
		m->id = store_col_int64(st, 0);
		snprintf(m->name, sizeof(m->name), "%s", store_col_text(st, 1));
		snprintf(m->number, sizeof(m->number), "%s", store_col_text(st, 2));
		snprintf(m->relation, sizeof(m->relation), "%s", store_col_text(st, 3));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (c->n_m == 0)
		return err_set(e, ERR_CONFLICT, "id", "no_members", "家庭没有成员，无法核对",
			       "the household has no members to verify");
	return 0;
}

/* === one department record === */

static int64_t field_int(json_t *fields, const char *key)
{
	json_t *v = json_object_get(fields, key);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

static const char *field_str(json_t *fields, const char *key)
{
	const char *v = json_string_value(json_object_get(fields, key));
	return v ? v : "";
}

/* {feed, feed_label, batch_id, line, file, fields} with ID numbers masked. */
static json_t *record_json(struct vctx *c, const char *feed, int64_t batch,
			   int64_t line, const char *file, json_t *fields)
{
	const struct feed_def *def = c->cat ? feed_find(c->cat, feed) : NULL;
	json_t *shown = json_deep_copy(fields);
	const char *key;
	json_t *v;
	json_object_foreach(shown, key, v) {
		char masked[19];
		if (strcmp(key, "id_number") != 0 && strcmp(key, "staff_id_number") != 0)
			continue;
		idcard_mask(json_string_value(v) ? json_string_value(v) : "", masked);
		json_object_set_new(shown, key, json_string(masked));
	}
	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:o}", "feed", feed,
			 "feed_label", def ? def->label_zh : feed,
			 "batch_id", (json_int_t)batch, "line", (json_int_t)line,
			 "file", file, "fields", shown ? shown : json_object());
}

static struct member *member_of(struct vctx *c, int64_t person_id)
{
	for (size_t i = 0; i < c->n_m; i++)
		if (c->m[i].id == person_id)
			return &c->m[i];
	return NULL;
}

static void fold_tax(struct member *m, json_t *fields, json_t *rec)
{
	int64_t year = field_int(fields, "year");
	if (year < m->tax_year) {
		json_decref(rec);
		return;
	}
	if (year > m->tax_year || !m->tax_recs) {
		json_decref(m->tax_recs);
		m->tax_recs = json_array();
		m->tax_year = year;
		m->tax_fen = 0;
	}
	m->tax_fen += field_int(fields, "income_fen");
	json_array_append_new(m->tax_recs, rec);
}

static void fold_pension(struct member *m, json_t *fields, json_t *rec)
{
	const char *since = field_str(fields, "since_date");
	if (m->pen_rec && strcmp(since, m->pen_since) < 0) {
		json_decref(rec);
		return;
	}
	json_decref(m->pen_rec);
	m->pen_rec = rec;
	m->pen_fen = field_int(fields, "monthly_fen");
	snprintf(m->pen_since, sizeof(m->pen_since), "%s", since);
}

static void fold_deposit(struct member *m, json_t *fields, json_t *rec)
{
	const char *date = field_str(fields, "as_of_date");
	int cmp = m->dep_recs ? strcmp(date, m->dep_date) : 1;
	if (cmp < 0) {
		json_decref(rec);
		return;
	}
	if (cmp > 0) {
		json_decref(m->dep_recs);
		m->dep_recs = json_array();
		m->dep_fen = 0;
		snprintf(m->dep_date, sizeof(m->dep_date), "%s", date);
	}
	m->dep_fen += field_int(fields, "balance_fen");
	json_array_append_new(m->dep_recs, rec);
}

static void fold_vehicle(struct vctx *c, json_t *fields, json_t *rec)
{
	const char *type = field_str(fields, "vehicle_type");
	if (strcmp(type, "motor_wheelchair") == 0)
		json_array_append_new(c->wheelchairs, rec);
	else if (strcmp(type, "boat") == 0)
		json_array_append_new(c->boats, rec);
	else if (strcmp(type, "machinery") == 0)
		json_array_append_new(c->machinery, rec);
	else
		json_array_append_new(c->vehicles, rec);
}

static void fold_estate(struct vctx *c, json_t *fields, json_t *rec)
{
	const char *use = field_str(fields, "use");
	if (strcmp(use, "residential") == 0) {
		c->res_count++;
		c->res_area_x100 += field_int(fields, "area_m2");
		json_array_append_new(c->residential, rec);
	} else if (strcmp(use, "shop") == 0)
		json_array_append_new(c->shops, rec);
	else
		json_decref(rec);
}

static void fold_medical(struct vctx *c, json_t *fields, json_t *rec)
{
	int64_t day;
	if (clock_parse_date(field_str(fields, "settle_date"), &day) < 0 ||
	    day > c->today_day || day <= c->today_day - c->cfg.rigid_days) {
		json_decref(rec);
		return;
	}
	c->medical_fen += field_int(fields, "self_paid_fen");
	json_array_append_new(c->medical, rec);
}

static void fold(struct vctx *c, struct member *m, const char *feed,
		 json_t *fields, json_t *rec)
{
	if (strcmp(feed, "tax_income") == 0)
		fold_tax(m, fields, rec);
	else if (strcmp(feed, "pensions") == 0)
		fold_pension(m, fields, rec);
	else if (strcmp(feed, "deposits") == 0)
		fold_deposit(m, fields, rec);
	else if (strcmp(feed, "vehicles") == 0)
		fold_vehicle(c, fields, rec);
	else if (strcmp(feed, "real_estate") == 0)
		fold_estate(c, fields, rec);
	else if (strcmp(feed, "companies") == 0)
		json_array_append_new(c->companies, rec);
	else if (strcmp(feed, "medical_settlements") == 0)
		fold_medical(c, fields, rec);
	else if (strcmp(feed, "deaths") == 0) {
		m->deceased = 1;
		json_array_append_new(c->deaths, rec);
	} else
		json_decref(rec);
}

static int load_records(struct vctx *c, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(c->s, &st, e,
		"SELECT f.feed, f.batch_id, f.line, f.data, b.file_name, p.id"
		" FROM persons p JOIN feed_records f ON f.id_number = p.id_number"
		" JOIN feed_batches b ON b.id = f.batch_id"
		" WHERE p.household_id = $1 AND f.feed IN ('tax_income', 'pensions',"
		" 'deposits', 'vehicles', 'real_estate', 'companies',"
		" 'medical_settlements', 'deaths')"
		" ORDER BY f.feed, p.id, f.batch_id, f.line, f.id", "i", c->household_id);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		const char *feed = store_col_text(st, 0);
		json_t *fields = json_loads(store_col_text(st, 3), 0, NULL);
		struct member *m = member_of(c, store_col_int64(st, 5));
		if (!json_is_object(fields) || !m) {
			json_decref(fields);
			continue; /* not a record this module can read: skip it */
		}
		fold(c, m, feed, fields,
		     record_json(c, feed, store_col_int64(st, 1), store_col_int64(st, 2),
				 store_col_text(st, 4), fields));
		json_decref(fields);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* === the rules === */

static void note_deaths(struct vctx *c)
{
	c->size = 0;
	for (size_t i = 0; i < c->n_m; i++)
		c->size += !c->m[i].deceased;
	if (json_array_size(c->deaths) == 0)
		return;
	add_reason(c, "member_deceased", "note",
		   "家庭成员已死亡，不计入家庭人口",
		   "a member has died and is not counted in the household",
		   json_deep_copy(c->deaths));
}

static json_t *income_item(const struct member *m, const char *kind,
			   const char *kind_zh, int64_t monthly, int counted,
			   json_t *records)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:b, s:O}",
			 "person_id", (json_int_t)m->id, "name", m->name,
			 "kind", kind, "kind_zh", kind_zh,
			 "monthly_fen", (json_int_t)monthly, "counted", counted,
			 "records", records);
}

/* Sum the feeds' monthly income of living members; list each item. */
static int64_t feed_income(struct vctx *c, json_t *counted_recs)
{
	int64_t total = 0;
	for (size_t i = 0; i < c->n_m; i++) {
		struct member *m = &c->m[i];
		if (m->deceased)
			continue;
		if (m->tax_recs) {
			int64_t monthly = m->tax_fen / 12;
			total += monthly;
			json_array_append_new(c->income_items,
				income_item(m, "tax_income", "税务收入（年收入/12）", monthly, 1, m->tax_recs));
			json_array_extend(counted_recs, m->tax_recs);
		}
		if (!m->pen_rec)
			continue;
		json_t *one = json_pack("[O]", m->pen_rec);
		if (m->pen_fen <= c->cfg.residents_pension_max) {
			char a[32], b[32], zh[512], en[512];
			yuan(a, m->pen_fen);
			yuan(b, c->cfg.residents_pension_max);
			json_array_append_new(c->income_items,
				income_item(m, "residents_pension", "城乡居民基本养老金（不计入）",
					    m->pen_fen, 0, one));
			snprintf(zh, sizeof(zh), "不计入：%s 的养老金每月 %s 元（不超过 %s 元，按城乡居民基本养老金处理）",
				 m->name, a, b);
			snprintf(en, sizeof(en), "not counted: %s's pension of %s yuan a month (at most %s: taken as the basic residents' pension, S2 art. 13)",
				 m->name, a, b);
			add_reason(c, "residents_pension", "note", zh, en, json_deep_copy(one));
		} else {
			total += m->pen_fen;
			json_array_append_new(c->income_items,
				income_item(m, "pension", "养老金", m->pen_fen, 1, one));
			json_array_append(counted_recs, m->pen_rec);
		}
		json_decref(one);
	}
	return total;
}

static void check_assets_vehicles(struct vctx *c)
{
	if (json_array_size(c->vehicles))
		add_reason(c, "motor_vehicle", "exclusion", "不符合：拥有机动车",
			   "excluded: motor vehicle", json_deep_copy(c->vehicles));
	if (json_array_size(c->boats))
		add_reason(c, "boat", "exclusion", "不符合：拥有船舶", "excluded: boat",
			   json_deep_copy(c->boats));
	if (json_array_size(c->machinery))
		add_reason(c, "machinery", "exclusion", "不符合：拥有工程机械或大型农机",
			   "excluded: construction or large farm machinery",
			   json_deep_copy(c->machinery));
	if (json_array_size(c->wheelchairs))
		add_reason(c, "motor_wheelchair", "note", "不计入：残疾人机动轮椅车",
			   "not counted: a disabled person's motor wheelchair",
			   json_deep_copy(c->wheelchairs));
}

static void check_assets_property(struct vctx *c)
{
	int64_t per_capita = c->res_area_x100 / c->size;
	int64_t limit = c->cfg.housing_factor * c->cfg.housing_min_x100;
	char zh[320], en[320], a[32], b[32];

	m2(a, per_capita);
	m2(b, limit);
	if (c->res_count >= c->cfg.houses_min && per_capita > limit) {
		snprintf(zh, sizeof(zh), "不符合：拥有 %" PRId64 " 套住房，人均建筑面积 %s 平方米，超过 %s 平方米（住房保障标准的 %" PRId64 " 倍）",
			 c->res_count, a, b, c->cfg.housing_factor);
		snprintf(en, sizeof(en), "excluded: %" PRId64 " residential houses, %s m² per person, above %s m² (%" PRId64 " × the housing-security minimum)",
			 c->res_count, a, b, c->cfg.housing_factor);
		add_reason(c, "houses", "exclusion", zh, en, json_deep_copy(c->residential));
	} else if (c->res_count > 0) {
		snprintf(zh, sizeof(zh), "住房 %" PRId64 " 套，人均建筑面积 %s 平方米，未超过住房限制",
			 c->res_count, a);
		snprintf(en, sizeof(en), "%" PRId64 " residential house(s), %s m² per person: within the housing rule",
			 c->res_count, a);
		add_reason(c, "houses_within", "note", zh, en, json_deep_copy(c->residential));
	}
	if (json_array_size(c->shops))
		add_reason(c, "shop", "exclusion", "不符合：拥有商铺（门面）",
			   "excluded: shopfront", json_deep_copy(c->shops));
	if (json_array_size(c->companies))
		add_reason(c, "company", "exclusion", "不符合：登记有企业（法定代表人或股东）",
			   "excluded: registered company (legal person or shareholder)",
			   json_deep_copy(c->companies));
}

static int64_t deposit_limit(const struct vctx *c)
{
	return c->size * c->standard_fen * c->cfg.deposit_months;
}

static int64_t check_deposits(struct vctx *c)
{
	int64_t total = 0;
	json_t *recs = json_array();
	char zh[320], en[320], a[32], b[32];

	for (size_t i = 0; i < c->n_m; i++)
		if (c->m[i].dep_recs) {
			total += c->m[i].dep_fen;
			json_array_extend(recs, c->m[i].dep_recs);
		}
	yuan(a, total);
	yuan(b, deposit_limit(c));
	if (total > deposit_limit(c)) {
		snprintf(zh, sizeof(zh), "不符合：存款 %s 元，超过限额 %s 元（家庭人口 %" PRId64 " × 低保标准 × %" PRId64 " 个月）",
			 a, b, c->size, c->cfg.deposit_months);
		snprintf(en, sizeof(en), "excluded: deposits of %s yuan above the limit of %s yuan (household size %" PRId64 " × dibao × %" PRId64 " months)",
			 a, b, c->size, c->cfg.deposit_months);
		add_reason(c, "deposits", "exclusion", zh, en, recs);
	} else
		json_decref(recs);
	return total;
}

static int64_t fact(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Rigid spending over the window: the declared items, with out-of-pocket
 * medical costs the larger of the declaration and the settlements. */
static json_t *rigid_json(struct vctx *c, int64_t *total)
{
	int64_t declared_med = fact(c->rigid_declared, "medical_fen");
	int64_t med = declared_med > c->medical_fen ? declared_med : c->medical_fen;
	int64_t edu = fact(c->rigid_declared, "education_fen");
	int64_t rehab = fact(c->rigid_declared, "rehabilitation_fen");
	int64_t basic = fact(c->rigid_declared, "basic_living_fen");
	*total = med + edu + rehab + basic;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O}",
		"medical_declared_fen", (json_int_t)declared_med,
		"medical_feeds_fen", (json_int_t)c->medical_fen,
		"medical_fen", (json_int_t)med, "education_fen", (json_int_t)edu,
		"rehabilitation_fen", (json_int_t)rehab, "basic_living_fen", (json_int_t)basic,
		"total_fen", (json_int_t)*total, "records", c->medical);
}

struct verdict {
	const char *code, *zh, *en;
};

static struct verdict decide(struct vctx *c, int64_t income, int64_t per_capita,
			     int64_t rigid)
{
	int64_t edge = c->standard_fen * c->cfg.edge_pct / 100;
	int64_t disp = strcmp(c->area, "urban") == 0 ? c->cfg.disp_urban : c->cfg.disp_rural;
	char zh[400], en[400], pc[32], st[32], ed[32], rg[32], ds[32];

	yuan(pc, per_capita);
	yuan(st, c->standard_fen);
	yuan(ed, edge);
	yuan(rg, rigid);
	yuan(ds, disp);
	if (c->excluded) /* every exclusion is already a reason */
		return (struct verdict){ "not_eligible", "不符合救助条件", "not eligible" };
	if (per_capita < c->standard_fen) {
		snprintf(zh, sizeof(zh), "人均月收入 %s 元，低于低保标准 %s 元", pc, st);
		snprintf(en, sizeof(en), "per-capita monthly income %s yuan, below the dibao standard of %s yuan", pc, st);
		add_reason(c, "income_below_dibao", "income", zh, en, NULL);
		return (struct verdict){ "dibao", "符合最低生活保障条件", "eligible for dibao" };
	}
	if (per_capita < edge) {
		snprintf(zh, sizeof(zh), "人均月收入 %s 元，不低于低保标准 %s 元，低于低保边缘标准 %s 元（%" PRId64 "%%）",
			 pc, st, ed, c->cfg.edge_pct);
		snprintf(en, sizeof(en), "per-capita monthly income %s yuan: not below the dibao standard of %s yuan, below the edge line of %s yuan (%" PRId64 "%%)",
			 pc, st, ed, c->cfg.edge_pct);
		add_reason(c, "income_dibao_edge", "income", zh, en, NULL);
		return (struct verdict){ "dibao_edge", "低保边缘家庭", "dibao edge" };
	}
	if (per_capita * 12 < disp && rigid * 100 > income * 12 * c->cfg.rigid_share_pct) {
		snprintf(zh, sizeof(zh), "人均年收入低于上年人均可支配收入 %s 元；近 %" PRId64 " 天刚性支出 %s 元，超过家庭年收入的 %" PRId64 "%%",
			 ds, c->cfg.rigid_days, rg, c->cfg.rigid_share_pct);
		snprintf(en, sizeof(en), "per-capita yearly income below last year's per-capita disposable income of %s yuan; rigid spending of %s yuan over %" PRId64 " days above %" PRId64 "%% of the household's yearly income",
			 ds, rg, c->cfg.rigid_days, c->cfg.rigid_share_pct);
		add_reason(c, "rigid_expenditure", "income", zh, en,
			   json_deep_copy(c->medical));
		return (struct verdict){ "rigid_expenditure", "刚性支出困难家庭", "rigid expenditure hardship" };
	}
	snprintf(zh, sizeof(zh), "不符合：人均月收入 %s 元，不低于低保边缘标准 %s 元，且刚性支出 %s 元未达认定条件",
		 pc, ed, rg);
	snprintf(en, sizeof(en), "excluded: per-capita monthly income %s yuan, not below the edge line of %s yuan, and rigid spending of %s yuan does not qualify",
		 pc, ed, rg);
	add_reason(c, "income_above_edge", "exclusion", zh, en, NULL);
	return (struct verdict){ "not_eligible", "不符合救助条件", "not eligible" };
}

/* === assembling and storing === */

static json_t *members_json(const struct vctx *c)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < c->n_m; i++) {
		char masked[19];
		idcard_mask(c->m[i].number, masked);
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:b}",
			"person_id", (json_int_t)c->m[i].id, "name", c->m[i].name,
			"id_number", masked, "relation", c->m[i].relation,
			"deceased", c->m[i].deceased));
	}
	return arr;
}

static json_t *standards_json(const struct vctx *c, int year)
{
	return json_pack("{s:I, s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}",
		"dibao_fen", (json_int_t)c->standard_fen,
		"dibao_label", c->standard_label ? c->standard_label : "",
		"year", year, "area_kind", c->area,
		"edge_fen", (json_int_t)(c->standard_fen * c->cfg.edge_pct / 100),
		"edge_factor_percent", (json_int_t)c->cfg.edge_pct,
		"deposit_limit_fen", (json_int_t)deposit_limit(c),
		"housing_minimum_m2x100", (json_int_t)c->cfg.housing_min_x100,
		"housing_area_factor", (json_int_t)c->cfg.housing_factor,
		"residents_pension_max_fen", (json_int_t)c->cfg.residents_pension_max,
		"disposable_income_fen_per_year", (json_int_t)(strcmp(c->area, "urban") == 0
			? c->cfg.disp_urban : c->cfg.disp_rural),
		"rigid_share_percent", (json_int_t)c->cfg.rigid_share_pct,
		"effective_from", c->cfg.effective_from, "label", c->cfg.label);
}

/* Exclusions first, then the income verdict, then notes: the page reads
 * from the decisive reasons down. */
static void sort_reasons(struct vctx *c)
{
	static const char *const order[] = { "exclusion", "income", "note" };
	json_t *sorted = json_array();
	size_t i;
	json_t *v;
	for (size_t k = 0; k < 3; k++)
		json_array_foreach(c->reasons, i, v)
			if (strcmp(json_string_value(json_object_get(v, "kind")), order[k]) == 0)
				json_array_append(sorted, v);
	json_decref(c->reasons);
	c->reasons = sorted;
}

static int evaluate(struct vctx *c, json_t **out, struct err *e)
{
	json_t *counted_recs = json_array(), *rigid;
	int64_t feed_fen, income, per_capita, deposits, rigid_total;
	char zh[320], en[320], a[32], b[32];
	struct verdict v;
	int year = (int)strtol(c->today, NULL, 10);
	int rc;

	note_deaths(c);
	if (c->size == 0) {
		json_decref(counted_recs);
		return err_set(e, ERR_CONFLICT, "id", "no_members",
			       "家庭成员均已死亡，无法核对", "every member has died: nothing to verify");
	}
	if ((rc = program_dibao_standard(c->pc, year, c->area, &c->standard_fen,
					 &c->standard_label, e)) < 0) {
		json_decref(counted_recs);
		return rc;
	}
	feed_fen = feed_income(c, counted_recs);
	income = feed_fen > c->declared_fen ? feed_fen : c->declared_fen;
	per_capita = income / c->size;
	yuan(a, feed_fen);
	yuan(b, c->declared_fen);
	snprintf(zh, sizeof(zh), "家庭月收入：部门数据核对 %s 元，入户申报 %s 元，按较高者计算",
		 a, b);
	snprintf(en, sizeof(en), "household monthly income: %s yuan from department records, %s yuan declared; the larger counts",
		 a, b);
	add_reason(c, "income", "note", zh, en, counted_recs);
	check_assets_vehicles(c);
	check_assets_property(c);
	deposits = check_deposits(c);
	rigid = rigid_json(c, &rigid_total);
	v = decide(c, income, per_capita, rigid_total);
	sort_reasons(c);
	*out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:s}, s:I, s:o,"
			 " s:{s:I, s:I, s:I, s:s, s:I, s:O},"
			 " s:{s:O, s:O, s:O, s:O, s:O, s:O, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
			 " s:o, s:o, s:s, s:s, s:s, s:O}",
		"household_id", (json_int_t)c->household_id, "region_code", c->region,
		"address", c->address, "area_kind", c->area, "as_of", c->today,
		"authorization", "visit_id", (json_int_t)c->visit_id,
		"case_id", (json_int_t)c->case_id, "visit_date", c->visit_date,
		"household_size", (json_int_t)c->size, "members", members_json(c),
		"income", "feed_monthly_fen", (json_int_t)feed_fen,
		"declared_monthly_fen", (json_int_t)c->declared_fen,
		"counted_monthly_fen", (json_int_t)income,
		"basis", feed_fen > c->declared_fen ? "feeds" : "declared",
		"per_capita_fen", (json_int_t)per_capita, "items", c->income_items,
		"assets", "vehicles", c->vehicles, "boats", c->boats,
		"machinery", c->machinery, "motor_wheelchairs", c->wheelchairs,
		"residential", c->residential, "shops", c->shops,
		"residential_count", (json_int_t)c->res_count,
		"residential_area_m2x100", (json_int_t)c->res_area_x100,
		"per_capita_area_m2x100", (json_int_t)(c->res_area_x100 / c->size),
		"companies", (json_int_t)json_array_size(c->companies),
		"shop_count", (json_int_t)json_array_size(c->shops),
		"deposits_fen", (json_int_t)deposits,
		"deposit_limit_fen", (json_int_t)deposit_limit(c),
		"rigid", rigid, "standards", standards_json(c, year),
		"verdict", v.code, "verdict_zh", v.zh, "verdict_en", v.en,
		"reasons", c->reasons);
	return *out ? 0 : oom(e);
}

static int store_result(struct vctx *c, const struct actor *a, json_t *result,
			struct err *e)
{
	char now[21];
	char *text = json_dumps(result, JSON_COMPACT);
	json_t *detail;
	int64_t id = 0;
	int rc;

	if (!text)
		return oom(e);
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(c->s, e)) < 0)
		goto cleanup;
	rc = store_int64(c->s, &id, e,
		"INSERT INTO verifications (household_id, verdict, per_capita_income_fen,"
		" result, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
		" RETURNING id", "isisss", c->household_id,
		json_string_value(json_object_get(result, "verdict")),
		(int64_t)json_integer_value(json_object_get(json_object_get(result, "income"),
							    "per_capita_fen")),
		text, NULL, now);
	if (rc >= 0 && a && a->user_id > 0)
		rc = store_execv(c->s, e, "UPDATE verifications SET created_by = $1 WHERE id = $2",
				 "ii", a->user_id, id);
	if (rc >= 0) {
		detail = json_pack("{s:I, s:O, s:O}", "verification_id", (json_int_t)id,
				   "verdict", json_object_get(result, "verdict"),
				   "per_capita_income_fen",
				   json_object_get(json_object_get(result, "income"), "per_capita_fen"));
		rc = audit_append(c->s, a && a->user_id > 0 ? a : NULL, "verify.household",
				  "household", c->household_id, c->region, detail, e);
		json_decref(detail);
	}
	if (rc < 0) {
		store_rollback(c->s);
		goto cleanup;
	}
	if ((rc = store_commit(c->s, e)) < 0)
		goto cleanup;
	json_object_set_new(result, "id", json_integer(id));
	json_object_set_new(result, "created_at", json_string(now));
	rc = 0;
cleanup:
	free(text);
	return rc;
}

static void release(struct vctx *c)
{
	for (size_t i = 0; i < c->n_m; i++) {
		json_decref(c->m[i].tax_recs);
		json_decref(c->m[i].pen_rec);
		json_decref(c->m[i].dep_recs);
	}
	free(c->m);
	json_decref(c->rigid_declared);
	json_decref(c->vehicles);
	json_decref(c->wheelchairs);
	json_decref(c->boats);
	json_decref(c->machinery);
	json_decref(c->residential);
	json_decref(c->shops);
	json_decref(c->companies);
	json_decref(c->medical);
	json_decref(c->deaths);
	json_decref(c->reasons);
	json_decref(c->income_items);
}

int verify_household(struct store *s, const struct actor *a,
		     const struct program_config *pc, int64_t household_id,
		     json_t **out, struct err *e)
{
	struct vctx c;
	char region_name[256];
	json_t *result = NULL;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_VERIFY_READ, e)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.pc = pc;
	c.household_id = household_id;
	c.today_day = clock_today_china();
	clock_format_date(c.today_day, c.today);
	c.vehicles = json_array();
	c.wheelchairs = json_array();
	c.boats = json_array();
	c.machinery = json_array();
	c.residential = json_array();
	c.shops = json_array();
	c.companies = json_array();
	c.medical = json_array();
	c.deaths = json_array();
	c.reasons = json_array();
	c.income_items = json_array();
	/* Labels only: a verification still runs without the catalogue. */
	if (feed_catalogue_load(pc->dir, &c.cat, e) < 0) {
		c.cat = NULL;
		err_clear(e);
	}
	if ((rc = load_household(&c, a, e)) < 0 ||
	    (rc = load_visit(&c, e)) < 0 ||
	    (rc = load_vcfg(pc->dir, c.today, &c.cfg, e)) < 0 ||
	    (rc = load_members(&c, e)) < 0 ||
	    (rc = load_records(&c, e)) < 0 ||
	    (rc = evaluate(&c, &result, e)) < 0)
		goto cleanup;
	if (divisions_full_name(s, c.region, region_name, sizeof(region_name), e) < 0) {
		err_clear(e);
		region_name[0] = '\0';
	}
	json_object_set_new(result, "region_name", json_string(region_name));
	if ((rc = store_result(&c, a, result, e)) < 0)
		goto cleanup;
	*out = result;
	result = NULL;
	rc = 0;
cleanup:
	json_decref(result);
	release(&c);
	return rc;
}
