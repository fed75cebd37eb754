/*
 * relatives.c - the close-relative register (近亲属), its configured
 * relationship set, and filings (备案) with the county's visit.
 *
 * Design.  The register is not a table of its own: it is the organization
 * department's staff_relatives feed (feed_records, id_number = the
 * relative, data = the normalised row as JSON).  One walker (walk_register)
 * reads it joined to the registry (persons by ID number, their household,
 * whether the household has an active enrollment, its filing with that
 * staff member) and hands each staff-relative pair to a callback; the
 * enrolled-hits API, the listing and crosscheck.c all use it.  The same
 * pair sent in several files counts once (the newest record wins).
 *
 * Which relations count is config/supervision.json: sets of relations, each
 * mapping the department's words to a canonical code; "relationship_set"
 * picks the set in force, a set may "extends" another.  A config folder is
 * parsed once and kept for the life of the process (like program.c), so
 * the pointers handed out stay valid.
 *
 * Filings: one per (household, staff member); filing again answers the
 * existing one.  The county's visit is recorded once.  Every write is one
 * transaction with its audit entry and a workflow event on the household
 * (entity "filing"), so the household timeline shows it.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relatives.h"
#include "registry.h"
#include "audit.h"
#include "render.h"
#include "workflow.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/idcard.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../core/text.h"
#include "../core/strbuf.h"
#include "../core/banned.h"

#define FEED "staff_relatives"
#define MAX_RELATIONS 64
#define MAX_EXTENDS 4

/* === configuration === */

struct rel_relation {
	const char *code, *label_zh, *label_en; /* point into doc */
	json_t *words;                          /* array of strings (in doc) */
};

struct relative_config {
	char dir[LIMIT_PATH_BYTES];
	char set[48];
	const char *label_zh, *label_en, *source, *complaint_phone;
	struct rel_relation rel[MAX_RELATIONS];
	size_t n_rel;
	json_t *doc;
	struct relative_config *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct relative_config *cache;

static int cfg_error(struct err *e, const char *path, const char *where,
		     const char *what)
{
	return err_setf(e, ERR_INVALID, NULL, "config", "配置文件 %s（%s）：%s",
			"config file %s (%s): %s", path, where, what);
}

static const char *opt_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* Add the relations of set `name` (after those of the set it extends). */
static int add_set(struct relative_config *c, json_t *sets, const char *name,
		   int depth, const char *path, struct err *e)
{
	json_t *set = json_object_get(sets, name), *rels, *r;
	const char *ext;
	size_t i;
	char at[128];

	snprintf(at, sizeof(at), "sets.%s", name);
	if (!json_is_object(set))
		return cfg_error(e, path, at, "no such set / 没有该关系集");
	if (depth > MAX_EXTENDS)
		return cfg_error(e, path, at, "extends too deep / 继承层级过多");
	ext = json_string_value(json_object_get(set, "extends"));
	if (ext && add_set(c, sets, ext, depth + 1, path, e) < 0)
		return e->code;
	rels = json_object_get(set, "relations");
	if (!json_is_array(rels))
		return cfg_error(e, path, at, "relations must be an array / relations 须为数组");
	json_array_foreach(rels, i, r) {
		json_t *words = json_object_get(r, "words"), *w;
		size_t k;

		snprintf(at, sizeof(at), "sets.%s.relations[%zu]", name, i);
		if (!json_is_string(json_object_get(r, "code")) ||
		    !json_is_string(json_object_get(r, "label_zh")) ||
		    !json_is_array(words) || json_array_size(words) == 0)
			return cfg_error(e, path, at, "code, label_zh and words are required / 须有 code、label_zh、words");
		json_array_foreach(words, k, w)
			if (!json_is_string(w) || json_string_length(w) == 0 ||
			    json_string_length(w) > 32)
				return cfg_error(e, path, at, "words must be texts of 1-32 bytes / 称谓须为 1-32 字节文本");
		if (c->n_rel >= MAX_RELATIONS)
			return cfg_error(e, path, at, "too many relations / 关系过多");
		c->rel[c->n_rel].code = opt_str(r, "code");
		c->rel[c->n_rel].label_zh = opt_str(r, "label_zh");
		c->rel[c->n_rel].label_en = opt_str(r, "label_en");
		c->rel[c->n_rel].words = words;
		c->n_rel++;
	}
	return 0;
}

static int parse_config(struct relative_config *c, const char *path, struct err *e)
{
	json_error_t je;
	json_t *sets, *set;
	const char *name;
	char where[48];

	c->doc = json_load_file(path, 0, &je);
	if (!c->doc) {
		snprintf(where, sizeof(where), "line %d", je.line);
		return cfg_error(e, path, where, je.text);
	}
	sets = json_object_get(c->doc, "sets");
	name = json_string_value(json_object_get(c->doc, "relationship_set"));
	if (!json_is_object(sets))
		return cfg_error(e, path, "sets", "an object expected / 须为对象");
	if (!name || strlen(name) >= sizeof(c->set))
		return cfg_error(e, path, "relationship_set", "the name of a set expected / 须为关系集名称");
	snprintf(c->set, sizeof(c->set), "%s", name);
	if (add_set(c, sets, name, 0, path, e) < 0)
		return e->code;
	set = json_object_get(sets, name);
	c->label_zh = opt_str(set, "label_zh");
	c->label_en = opt_str(set, "label_en");
	c->source = opt_str(c->doc, "source");
	c->complaint_phone = opt_str(c->doc, "complaint_phone");
	return 0;
}

int relatives_config_load(const char *config_dir, const struct relative_config **out,
			  struct err *e)
{
	struct relative_config *c;
	char path[LIMIT_PATH_BYTES + 32];
	int rc = 0;

	if (!config_dir || strlen(config_dir) >= LIMIT_PATH_BYTES)
		return err_set(e, ERR_INVALID, NULL, "config", "配置目录无效",
			       "invalid config folder");
	pthread_mutex_lock(&cache_lock);
	for (c = cache; c; c = c->next)
		if (strcmp(c->dir, config_dir) == 0)
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		} else {
			snprintf(c->dir, sizeof(c->dir), "%s", config_dir);
			snprintf(path, sizeof(path), "%s/supervision.json", config_dir);
			rc = parse_config(c, path, e);
			if (rc < 0) {
				json_decref(c->doc);
				free(c);
				c = NULL;
			} else {
				c->next = cache;
				cache = c;
			}
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (rc == 0)
		*out = c;
	return rc;
}

static const struct rel_relation *relation_of(const struct relative_config *c,
					      const char *word)
{
	char w[64];
	size_t n;

	if (!c || !word)
		return NULL;
	word += strspn(word, " \t\r\n");
	n = strlen(word);
	while (n && strchr(" \t\r\n", word[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(w))
		return NULL;
	memcpy(w, word, n);
	w[n] = '\0';
	for (size_t i = 0; i < c->n_rel; i++) {
		json_t *v;
		size_t k;

		if (strcmp(c->rel[i].code, w) == 0)
			return &c->rel[i];
		json_array_foreach(c->rel[i].words, k, v)
			if (strcmp(json_string_value(v), w) == 0)
				return &c->rel[i];
	}
	return NULL;
}

const char *relatives_canonical(const struct relative_config *c, const char *word)
{
	const struct rel_relation *r = relation_of(c, word);
	return r ? r->code : NULL;
}

const char *relatives_complaint_phone(const struct relative_config *c)
{
	return c ? c->complaint_phone : "";
}

json_t *relatives_config_json(const struct relative_config *c)
{
	json_t *rels = json_array(), *avail = json_array();
	const char *k;
	json_t *v;

	if (!c)
		return json_null();
	for (size_t i = 0; i < c->n_rel; i++)
		json_array_append_new(rels, json_pack("{s:s, s:s, s:s, s:O}",
			"code", c->rel[i].code, "label_zh", c->rel[i].label_zh,
			"label_en", c->rel[i].label_en, "words", c->rel[i].words));
	json_object_foreach(json_object_get(c->doc, "sets"), k, v)
		json_array_append_new(avail, json_string(k));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "set", c->set,
			 "label_zh", c->label_zh, "label_en", c->label_en,
			 "source", c->source, "relations", rels, "available", avail);
}

/* === the register walker === */

/* One register row as the walker sees it. */
struct reg_row {
	struct relative_hit h;
	const struct rel_relation *rel;  /* NULL = outside the set */
	int person_found, enrolled;
	char region_name[97];
};

struct reg_rows {
	struct reg_row *v;
	size_t n, cap;
};

/* Copy o[key] into out, cut at a UTF-8 character boundary if too long. */
static void copy_json_str(json_t *o, const char *key, char *out, size_t size)
{
	const char *v = opt_str(o, key);
	size_t n = strlen(v);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, v, n);
	out[n] = '\0';
}

/* 1 when (staff, relative) is already in rows (newest first wins). */
static int seen_pair(const struct reg_rows *rows, const struct relative_hit *h)
{
	for (size_t i = 0; i < rows->n; i++)
		if (strcmp(rows->v[i].h.relative_id_number, h->relative_id_number) == 0 &&
		    strcmp(rows->v[i].h.staff_id_number, h->staff_id_number) == 0)
			return 1;
	return 0;
}

static void push_row(struct reg_rows *rows, const struct reg_row *r)
{
	rows->v = xgrow(rows->v, &rows->cap, rows->n + 1, sizeof(*rows->v));
	rows->v[rows->n++] = *r;
}

/* The walker's query.  $1 region prefix; $2 = 1: only relatives living in
 * a household with an active enrollment; $3 = 1: also rows whose relative
 * is not in the registry (county-wide readers only). */
static const char walk_sql[] =
	"SELECT fr.id, fr.batch_id, fr.line, fr.data, fr.id_number,"
	" p.id, COALESCE(p.name, ''), COALESCE(h.id, 0),"
	" COALESCE(h.region_code, p.region_code, ''),"
	" CASE WHEN h.id IS NULL THEN 0 ELSE EXISTS (SELECT 1 FROM enrollments en"
	"   WHERE en.household_id = h.id AND en.status = 'active') END,"
	" COALESCE(d.name, '')"
	" FROM feed_records fr"
	" LEFT JOIN persons p ON p.id_number = fr.id_number"
	" LEFT JOIN households h ON h.id = p.household_id"
	" LEFT JOIN divisions d ON d.code = COALESCE(h.region_code, p.region_code)"
	" WHERE fr.feed = '" FEED "'"
	"   AND ((p.id IS NOT NULL AND substr(COALESCE(h.region_code, p.region_code), 1,"
	"         length($1)) = $1) OR (p.id IS NULL AND $3 = 1))"
	"   AND ($2 = 0 OR (h.id IS NOT NULL AND EXISTS (SELECT 1 FROM enrollments en"
	"         WHERE en.household_id = h.id AND en.status = 'active')))"
	" ORDER BY fr.id DESC";

static void fill_row(struct store_stmt *st, const struct relative_config *c,
		     struct reg_row *r)
{
	json_t *d = json_loads(store_col_text(st, 3), 0, NULL);

	memset(r, 0, sizeof(*r));
	r->h.feed_record_id = store_col_int64(st, 0);
	r->h.feed_batch_id = store_col_int64(st, 1);
	r->h.feed_line = store_col_int64(st, 2);
	copy_json_str(d, "staff_id_number", r->h.staff_id_number, sizeof(r->h.staff_id_number));
	copy_json_str(d, "staff_name", r->h.staff_name, sizeof(r->h.staff_name));
	copy_json_str(d, "unit", r->h.staff_unit, sizeof(r->h.staff_unit));
	copy_json_str(d, "relation", r->h.relation_word, sizeof(r->h.relation_word));
	json_decref(d);
	snprintf(r->h.relative_id_number, sizeof(r->h.relative_id_number), "%s",
		 store_col_text(st, 4));
	r->person_found = !store_col_is_null(st, 5);
	r->h.relative_person_id = r->person_found ? store_col_int64(st, 5) : 0;
	snprintf(r->h.relative_name, sizeof(r->h.relative_name), "%s", store_col_text(st, 6));
	r->h.household_id = store_col_int64(st, 7);
	snprintf(r->h.region_code, sizeof(r->h.region_code), "%s", store_col_text(st, 8));
	r->enrolled = (int)store_col_int64(st, 9);
	snprintf(r->region_name, sizeof(r->region_name), "%s", store_col_text(st, 10));
	r->rel = relation_of(c, r->h.relation_word);
	r->h.relation = r->rel ? r->rel->code : NULL;
}

static int filing_of(struct store *s, int64_t household_id, const char *staff,
		     int64_t *id, struct err *e)
{
	int rc;

	*id = 0;
	if (!household_id)
		return 0;
	rc = store_int64(s, id, e, "SELECT id FROM filings WHERE household_id = $1"
			 " AND staff_id_number = $2", "is", household_id, staff);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		*id = 0;
		return 0;
	}
	return rc;
}

/* Every register row in region (deduplicated, newest first), with its
 * filing.  rows->v is the caller's to free. */
static int walk_register(struct store *s, const struct relative_config *c,
			 const char *region, int only_enrolled, int with_unknown,
			 struct reg_rows *rows, struct err *e)
{
	struct store_stmt *st = NULL;
	struct reg_row r;
	int rc;

	memset(rows, 0, sizeof(*rows));
	rc = store_query(s, &st, e, walk_sql, "sii", region ? region : "",
			 (int64_t)(only_enrolled != 0), (int64_t)(with_unknown != 0));
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		fill_row(st, c, &r);
		if (seen_pair(rows, &r.h))
			continue;
		push_row(rows, &r);
	}
	store_finalize(st);
	for (size_t i = 0; rc >= 0 && i < rows->n; i++)
		rc = filing_of(s, rows->v[i].h.household_id, rows->v[i].h.staff_id_number,
			       &rows->v[i].h.filing_id, e);
	if (rc < 0) {
		free(rows->v);
		memset(rows, 0, sizeof(*rows));
	}
	return rc < 0 ? rc : 0;
}

int relatives_enrolled_hits(struct store *s, const struct relative_config *c,
			    const char *region,
			    int (*cb)(const struct relative_hit *h, void *ctx),
			    void *ctx, struct err *e)
{
	struct reg_rows rows;
	int rc, count = 0;

	if (!c)
		return err_set(e, ERR_INTERNAL, NULL, "config", "未加载近亲属配置",
			       "the relationship set is not loaded");
	if ((rc = walk_register(s, c, region, 1, 0, &rows, e)) < 0)
		return rc;
	for (size_t i = 0; i < rows.n; i++) {
		if (!rows.v[i].rel || !rows.v[i].enrolled)
			continue;
		count++;
		if (cb && (rc = cb(&rows.v[i].h, ctx)) < 0)
			break;
	}
	free(rows.v);
	return rc < 0 ? rc : count;
}

/* === the listing === */

static json_t *programs_drawing(struct store *s, int64_t household_id, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *out = json_array();

	if (!household_id)
		return out;
	if (store_query(s, &st, e, "SELECT DISTINCT program FROM enrollments WHERE"
			" household_id = $1 AND status = 'active' ORDER BY program", "i",
			household_id) < 0) {
		json_decref(out);
		return NULL;
	}
	while (store_step(st, e) == STORE_ROW)
		json_array_append_new(out, json_string(store_col_text(st, 0)));
	store_finalize(st);
	return out;
}

static json_t *id_or_null(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

static json_t *row_json(const struct reg_row *r, json_t *programs)
{
	char staff[19], rel[19];

	idcard_mask(r->h.staff_id_number, staff);
	idcard_mask(r->h.relative_id_number, rel);
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o,"
			 " s:b, s:o, s:o, s:o, s:b, s:o, s:b, s:o}",
		"register_id", (json_int_t)r->h.feed_record_id,
		"batch_id", (json_int_t)r->h.feed_batch_id, "line", (json_int_t)r->h.feed_line,
		"staff_id_number", staff, "staff_name", r->h.staff_name,
		"staff_unit", r->h.staff_unit,
		"relative_person_id", id_or_null(r->h.relative_person_id),
		"relative_name", r->h.relative_name, "relative_id_number", rel,
		"relation_word", r->h.relation_word,
		"relation", jsonx_str_or_null(r->rel ? r->rel->code : NULL),
		"relation_label_zh", jsonx_str_or_null(r->rel ? r->rel->label_zh : NULL),
		"relation_label_en", jsonx_str_or_null(r->rel ? r->rel->label_en : NULL),
		"in_set", r->rel != NULL,
		"household_id", id_or_null(r->h.household_id),
		"region_code", *r->h.region_code ? json_string(r->h.region_code) : json_null(),
		"region_name", *r->region_name ? json_string(r->region_name) : json_null(),
		"enrolled", r->enrolled != 0, "programs", programs,
		"filed", r->h.filing_id != 0, "filing_id", id_or_null(r->h.filing_id));
}

static int row_matches(const struct reg_row *r, const struct relatives_query *q)
{
	if (q->enrolled == 1 && (!r->enrolled || !r->rel))
		return 0;
	if (q->filed == 0 && r->h.filing_id)
		return 0;
	if (q->filed == 1 && !r->h.filing_id)
		return 0;
	if (q->staff && *q->staff && strcmp(q->staff, r->h.staff_id_number) != 0)
		return 0;
	return 1;
}

int relatives_list(struct store *s, const struct actor *a, const char *config_dir,
		   const struct relatives_query *q, json_t **out, struct err *e)
{
	const struct relative_config *c = NULL;
	const char *region = perm_region_narrow(a, q->region);
	struct reg_rows rows = { 0 };
	json_t *items;
	int64_t total = 0, first = (q->page - 1) * q->per_page;
	int rc, county_wide;

	if ((rc = perm_require(a, PERM_RELATIVE_READ, e)) < 0 ||
	    (rc = relatives_config_load(config_dir, &c, e)) < 0)
		return rc;
	/* Relatives unknown to the registry have no region: only readers of
	 * the whole county (with no narrower filter) see them. */
	county_wide = strlen(region) <= 6 && strcmp(region, "-") != 0;
	if ((rc = walk_register(s, c, region, q->enrolled == 1, county_wide, &rows, e)) < 0)
		return rc;
	items = json_array();
	for (size_t i = 0; i < rows.n; i++) {
		if (!row_matches(&rows.v[i], q))
			continue;
		if (total >= first && total < first + q->per_page) {
			json_t *pr = programs_drawing(s, rows.v[i].h.household_id, e);
			if (!pr) {
				rc = e->code ? e->code : ERR_INTERNAL;
				break;
			}
			json_array_append_new(items, row_json(&rows.v[i], pr));
		}
		total++;
	}
	free(rows.v);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = render_page(items, total, q->page, q->per_page);
	json_object_set_new(*out, "relationship_set", relatives_config_json(c));
	return 0;
}

/* === filings === */

#define FILING_COLUMNS \
	" f.id, f.household_id, f.region_code, f.staff_id_number, f.staff_name," \
	" f.staff_unit, f.relative_person_id, COALESCE(p.name, ''), COALESCE(p.id_number, '')," \
	" f.relation, f.note, f.filed_by, COALESCE(u.username, ''), f.filed_at," \
	" f.visit_date, f.visit_findings, f.visited_by, COALESCE(v.username, '')," \
	" f.created_at, f.updated_at, COALESCE(d.name, ''), COALESCE(h.address, '')"
#define FILING_FROM \
	" FROM filings f LEFT JOIN persons p ON p.id = f.relative_person_id" \
	" LEFT JOIN users u ON u.id = f.filed_by LEFT JOIN users v ON v.id = f.visited_by" \
	" LEFT JOIN divisions d ON d.code = f.region_code" \
	" LEFT JOIN households h ON h.id = f.household_id"

static json_t *filing_json(struct store_stmt *st)
{
	char staff[19], rel[19];
	int visited = !store_col_is_null(st, 14);

	idcard_mask(store_col_text(st, 3), staff);
	idcard_mask(store_col_text(st, 8), rel);
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o,"
			 " s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"household_id", (json_int_t)store_col_int64(st, 1),
		"region_code", store_col_text(st, 2), "region_name", store_col_text(st, 20),
		"address", store_col_text(st, 21),
		"staff_id_number", staff, "staff_name", json_string(store_col_text(st, 4)),
		"staff_unit", render_text_or_null(st, 5),
		"relative_name", store_col_text(st, 7),
		"relative_person_id", render_int_or_null(st, 6),
		"relative_id_number", rel, "relation", render_text_or_null(st, 9),
		"note", render_text_or_null(st, 10),
		"filed_by", store_col_text(st, 12), "filed_at", store_col_text(st, 13),
		"visit_date", render_text_or_null(st, 14),
		"visit_findings", render_text_or_null(st, 15),
		"visited_by", visited ? json_string(store_col_text(st, 17)) : json_null(),
		"filed_by_id", render_int_or_null(st, 11),
		"visit_status", visited ? "visited" : "pending",
		"created_at", store_col_text(st, 18), "updated_at", store_col_text(st, 19));
}

static int filing_load(struct store *s, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT" FILING_COLUMNS FILING_FROM
			     " WHERE f.id = $1", "i", id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		*out = filing_json(st);
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "备案不存在",
			       "no such filing");
	return rc < 0 ? rc : 0;
}

int filing_get(struct store *s, const struct actor *a, int64_t id,
	       json_t **out, struct err *e)
{
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_RELATIVE_READ, e)) < 0 ||
	    (rc = filing_load(s, id, out, e)) < 0)
		return rc;
	rc = perm_require_region(a, json_string_value(json_object_get(*out, "region_code")), e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_t *acts = json_array();
	if (json_is_null(json_object_get(*out, "visit_date")) &&
	    perm_role_has(a->role, PERM_FILING_VISIT))
		json_array_append_new(acts, json_string("visit"));
	json_object_set_new(*out, "actions", acts);
	return 0;
}

int filing_list(struct store *s, const struct actor *a, const char *visit,
		const char *region, int64_t page, int64_t per_page,
		json_t **out, struct err *e)
{
	static const char *const visits[] = { "pending", "visited", NULL };
	struct store_stmt *st = NULL;
	const char *r = perm_region_narrow(a, region);
	const char *v = visit && *visit ? visit : NULL;
	int64_t total = 0;
	json_t *items;
	int rc;

	if ((rc = perm_require(a, PERM_RELATIVE_READ, e)) < 0)
		return rc;
	if (v && !text_in_list(v, visits))
		return err_set(e, ERR_INVALID, "visit", "enum", "visit 应为 pending 或 visited",
			       "visit must be pending or visited");
#define FILING_WHERE " WHERE substr(f.region_code, 1, length($1)) = $1" \
	" AND ($2 IS NULL OR ($2 = 'pending' AND f.visit_date IS NULL)" \
	"      OR ($2 = 'visited' AND f.visit_date IS NOT NULL))"
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM filings f" FILING_WHERE,
			      "ss", r, v)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT" FILING_COLUMNS FILING_FROM FILING_WHERE
			      " ORDER BY f.filed_at, f.id LIMIT $3 OFFSET $4", "ssii", r, v,
			      per_page, (page - 1) * per_page)) < 0 ||
	    (rc = render_rows(st, filing_json, &items, e)) < 0)
		return rc;
#undef FILING_WHERE
	*out = render_page(items, total, page, per_page);
	return 0;
}

/* What filing_create works with. */
struct filing_in {
	int64_t household_id, relative_person_id, register_id;
	const char *relation, *note, *staff_name, *staff_unit;
	struct idcard staff;
	char region[16];
	/* from the register, when the staff member is in it */
	char reg_name[97], reg_unit[201], reg_relation[33], reg_relative[19];
};

static int read_filing_body(json_t *body, struct filing_in *in, struct err *e)
{
	static const char *const known[] = { "household_id", "staff_id_number", "staff_name",
		"staff_unit", "relative_person_id", "relation", "note", "register_id", NULL };
	const char *staff = NULL;
	int rc;

	if ((rc = jsonx_only(body, known, e)) < 0 ||
	    (rc = jsonx_int(body, "household_id", JSONX_REQUIRED, 1, INT64_MAX,
			    &in->household_id, e)) < 0 ||
	    (rc = jsonx_int(body, "relative_person_id", JSONX_OPTIONAL, 1, INT64_MAX,
			    &in->relative_person_id, e)) < 0 ||
	    (rc = jsonx_int(body, "register_id", JSONX_OPTIONAL, 1, INT64_MAX,
			    &in->register_id, e)) < 0 ||
	    (rc = jsonx_string(body, "staff_id_number", in->register_id ? JSONX_OPTIONAL
			       : JSONX_REQUIRED, 64, &staff, e)) < 0 ||
	    (rc = jsonx_string(body, "staff_name", JSONX_OPTIONAL, LIMIT_NAME_BYTES,
			       &in->staff_name, e)) < 0 ||
	    (rc = jsonx_string(body, "staff_unit", JSONX_OPTIONAL, 200, &in->staff_unit, e)) < 0 ||
	    (rc = jsonx_string(body, "relation", JSONX_OPTIONAL, 32, &in->relation, e)) < 0 ||
	    (rc = jsonx_string(body, "note", JSONX_OPTIONAL, LIMIT_REASON_BYTES, &in->note, e)) < 0)
		return rc;
	if (staff && (rc = idcard_parse(staff, "staff_id_number", &in->staff, e)) < 0)
		return rc;
	if (!staff)
		in->staff.number[0] = '\0';
	return 0;
}

/* Fill in->reg_* from one register record (by id, or the newest naming
 * the staff member, preferring one whose relative lives in the household). */
static int read_register(struct store *s, struct filing_in *in, struct err *e)
{
	struct store_stmt *st = NULL;
	char needle[64];
	int rc;

	snprintf(needle, sizeof(needle), "\"staff_id_number\":\"%s\"", in->staff.number);
	if (in->register_id)
		rc = store_query(s, &st, e, "SELECT fr.data, fr.id_number, 0 FROM feed_records fr"
				 " WHERE fr.id = $1 AND fr.feed = '" FEED "'", "i", in->register_id);
	else
		rc = store_query(s, &st, e, "SELECT fr.data, fr.id_number,"
				 " EXISTS (SELECT 1 FROM persons p WHERE p.id_number = fr.id_number"
				 "   AND p.household_id = $2) AS here FROM feed_records fr"
				 " WHERE fr.feed = '" FEED "' AND instr(fr.data, $1) > 0"
				 " ORDER BY here DESC, fr.id DESC LIMIT 1", "si", needle,
				 in->household_id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW) {
		json_t *d = json_loads(store_col_text(st, 0), 0, NULL);
		const char *sid = opt_str(d, "staff_id_number");
		if (in->register_id && !in->staff.number[0])
			rc = idcard_parse(sid, "register_id", &in->staff, e);
		if (rc >= 0 && strcmp(sid, in->staff.number) != 0) {
			rc = err_set(e, ERR_INVALID, "staff_id_number", "register_mismatch",
				     "staff_id_number 与登记记录中的职工不一致",
				     "staff_id_number is not the staff member of that register record");
		} else if (rc >= 0) {
			copy_json_str(d, "staff_name", in->reg_name, sizeof(in->reg_name));
			copy_json_str(d, "unit", in->reg_unit, sizeof(in->reg_unit));
			copy_json_str(d, "relation", in->reg_relation, sizeof(in->reg_relation));
			if (store_col_int64(st, 2) || in->register_id)
				snprintf(in->reg_relative, sizeof(in->reg_relative), "%s",
					 store_col_text(st, 1));
			rc = 0;
		}
		json_decref(d);
	} else if (rc == STORE_DONE && in->register_id) {
		rc = err_set(e, ERR_INVALID, "register_id", "not_found",
			     "register_id 不是近亲属登记记录", "register_id is no register record");
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The relative: as given (must live in the household), else the register's. */
static int resolve_relative(struct store *s, struct filing_in *in, struct err *e)
{
	int64_t hh = 0;
	int rc;

	if (in->relative_person_id) {
		rc = store_int64(s, &hh, e, "SELECT COALESCE(household_id, 0) FROM persons"
				 " WHERE id = $1", "i", in->relative_person_id);
		if (rc == ERR_NOT_FOUND || (rc == 0 && hh != in->household_id))
			return err_set(e, ERR_INVALID, "relative_person_id", "household",
				       "relative_person_id 不是该家庭的成员",
				       "relative_person_id is not a member of the household");
		return rc;
	}
	if (!in->reg_relative[0])
		return 0;
	rc = store_int64(s, &in->relative_person_id, e, "SELECT id FROM persons WHERE"
			 " id_number = $1 AND household_id = $2", "si", in->reg_relative,
			 in->household_id);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		in->relative_person_id = 0;
		return 0;
	}
	return rc;
}

static int filing_insert(struct store *s, const struct actor *a, struct filing_in *in,
			 const char *name, const char *unit, const char *relation,
			 int64_t *id, struct err *e)
{
	char now[21], today[11];
	struct wf_record wr = { 0 };
	json_t *d;
	int rc;

	clock_format_utc(clock_now(), now);
	clock_format_date(clock_today_china(), today);
	if ((rc = store_int64(s, id, e, "INSERT INTO filings (household_id, region_code,"
			      " staff_id_number, staff_name, staff_unit, relative_person_id,"
			      " relation, note, filed_by, filed_at, created_at, updated_at)"
			      " VALUES ($1, $2, $3, $4, NULLIF($5, ''), NULLIF($6, 0), $7, $8,"
			      " NULLIF($9, 0), $10, $10, $10) RETURNING id", "issssissis",
			      in->household_id, in->region, in->staff.number, name, unit,
			      in->relative_person_id, relation, in->note, a->user_id, now)) < 0)
		return rc;
	wr.id = *id;
	wr.state = NULL;            /* a new filing: no state before */
	wr.region_code = in->region;
	wr.household_id = in->household_id;
	d = json_pack("{s:I, s:s, s:s, s:s, s:o}", "household_id", (json_int_t)in->household_id,
		      "staff_name", name, "relation", relation, "filed_on", today,
		      "relative_person_id", id_or_null(in->relative_person_id));
	rc = workflow_event(s, "filing", &wr, a, "create", "filed", NULL, d, e);
	if (rc == 0)
		rc = audit_append(s, a, "filing.create", "filing", *id, in->region, d, e);
	json_decref(d);
	return rc;
}

int filing_create(struct store *s, const struct actor *a, json_t *body,
		  int64_t *id, int *created, struct err *e)
{
	struct filing_in in;
	const char *name, *unit, *relation;
	int rc;

	memset(&in, 0, sizeof(in));
	*id = 0;
	*created = 0;
	if ((rc = perm_require(a, PERM_FILING_WRITE, e)) < 0 ||
	    (rc = read_filing_body(body, &in, e)) < 0 ||
	    (rc = registry_household_region(s, a, in.household_id, "household_id", in.region, e)) < 0 ||
	    (rc = read_register(s, &in, e)) < 0)
		return rc;
	name = in.reg_name[0] ? in.reg_name : in.staff_name;
	unit = in.reg_unit[0] ? in.reg_unit : (in.staff_unit ? in.staff_unit : "");
	relation = in.relation && !text_blank(in.relation) ? in.relation
		 : (in.reg_relation[0] ? in.reg_relation : NULL);
	if (!name || text_blank(name))
		return err_set(e, ERR_INVALID, "staff_name", "required",
			       "该职工不在近亲属登记中，请填写 staff_name（职工姓名）",
			       "the staff member is not in the register: staff_name is required");
	if (!relation)
		return err_set(e, ERR_INVALID, "relation", "required", "请填写 relation（与职工关系）",
			       "relation is required");
	if ((rc = resolve_relative(s, &in, e)) < 0)
		return rc;
	if ((rc = filing_of(s, in.household_id, in.staff.number, id, e)) < 0)
		return rc;
	if (*id)
		return 0;
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	rc = filing_insert(s, a, &in, name, unit, relation, id, e);
	if (rc < 0) {
		store_rollback(s);
		/* Filed meanwhile by someone else: answer that filing. */
		if (rc == ERR_CONFLICT && filing_of(s, in.household_id, in.staff.number, id, e) == 0 && *id) {
			err_clear(e);
			return 0;
		}
		return rc;
	}
	if ((rc = store_commit(s, e)) < 0)
		return rc;
	*created = 1;
	return 0;
}

int filing_visit(struct store *s, const struct actor *a, int64_t id,
		 json_t *body, struct err *e)
{
	static const char *const known[] = { "visit_date", "findings", NULL };
	const char *date = NULL, *findings = NULL, *region;
	int64_t day, filed_day, filed_t;
	char now[21];
	json_t *f = NULL, *d;
	struct wf_record wr = { 0 };
	int rc;

	if ((rc = perm_require(a, PERM_FILING_VISIT, e)) < 0 ||
	    (rc = filing_get(s, a, id, &f, e)) < 0)
		return rc;
	if ((rc = jsonx_only(body, known, e)) < 0 ||
	    (rc = jsonx_string(body, "visit_date", JSONX_REQUIRED, 10, &date, e)) < 0 ||
	    (rc = jsonx_string(body, "findings", JSONX_REQUIRED, LIMIT_DESCRIPTION_BYTES,
			       &findings, e)) < 0)
		goto cleanup;
	if (clock_parse_date(date, &day) < 0) {
		rc = err_set(e, ERR_INVALID, "visit_date", "date", "visit_date 应为 YYYY-MM-DD 日期",
			     "visit_date must be a date YYYY-MM-DD");
		goto cleanup;
	}
	if (day > clock_today_china()) {
		rc = err_set(e, ERR_INVALID, "visit_date", "future", "入户日期不能晚于今天",
			     "visit_date is in the future");
		goto cleanup;
	}
	filed_day = day;
	if (clock_parse_utc(json_string_value(json_object_get(f, "filed_at")), &filed_t) == 0)
		filed_day = (filed_t + CLOCK_CHINA_OFFSET) / 86400;
	if (day < filed_day) {
		rc = err_set(e, ERR_INVALID, "visit_date", "before_filing", "入户日期早于备案日期",
			     "visit_date is before the filing");
		goto cleanup;
	}
	if (text_blank(findings)) {
		rc = err_set(e, ERR_INVALID, "findings", "required", "请填写入户核查情况",
			     "findings is required");
		goto cleanup;
	}
	if (!json_is_null(json_object_get(f, "visit_date"))) {
		rc = err_set(e, ERR_CONFLICT, NULL, "visited", "该备案家庭已入户核查",
			     "the filed household was already visited");
		goto cleanup;
	}
	region = json_string_value(json_object_get(f, "region_code"));
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		goto cleanup;
	rc = store_execv(s, e, "UPDATE filings SET visit_date = $1, visit_findings = $2,"
			 " visited_by = NULLIF($3, 0), updated_at = $4 WHERE id = $5 AND"
			 " visit_date IS NULL", "ssisi", date, findings, a->user_id, now, id);
	if (rc == 0 && store_changes(s) != 1)
		rc = err_set(e, ERR_CONFLICT, NULL, "visited", "该备案家庭已入户核查",
			     "the filed household was already visited");
	wr.id = id;
	wr.state = "filed";
	wr.region_code = region;
	wr.household_id = json_integer_value(json_object_get(f, "household_id"));
	d = json_pack("{s:s, s:s}", "visit_date", date, "findings", findings);
	if (rc == 0)
		rc = workflow_event(s, "filing", &wr, a, "visit", "visited", NULL, d, e);
	if (rc == 0)
		rc = audit_append(s, a, "filing.visit", "filing", id, region, d, e);
	json_decref(d);
	if (rc < 0)
		store_rollback(s);
	else
		rc = store_commit(s, e);
cleanup:
	json_decref(f);
	return rc;
}
