/*
 * rules.c - the monitoring rules: read from config/monitoring.json, and
 * decided over the events a scan found.
 *
 * A rule's "kind" names one evaluator here and the feed columns it reads;
 * everything else (feed, window, threshold, severity, effect, who it
 * applies to, levels, exceptions) is data.  Evaluators see the events of
 * one household at a time (sorted by household, person, date) and raise at
 * most one alert per household and rule per run.
 *
 * The main earner (for member_death): the household head
 * (households.head_person_id).  The feeds' pensions and tax income are not
 * read for this; the head is what the village knows and can check.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "../core/banned.h"

enum kind_id {
	K_MEDICAL, K_DISABILITY, K_UNEMPLOYMENT, K_MEMBER_DEATH, K_DISASTER,
	K_SCHOOL, K_DANGEROUS, K_VEHICLE, K_COMPANY, K_REAL_ESTATE,
	K_RECIPIENT_DEATH
};

static const char *const levels[] = { "preschool", "primary", "junior", "senior",
				      "vocational", "college", NULL };
static const char *const levels_zh[] = { "学前", "小学", "初中", "高中",
					 "中职", "大学", NULL };
static const char *const grades_cd[] = { "C", "D", NULL };
static const char *const vehicle_types[] = { "car", "truck", "motorcycle", "tractor",
					     "motor_wheelchair", "boat", "machinery",
					     NULL };
static const char *const vehicle_zh[] = { "小汽车", "货车", "摩托车", "拖拉机",
					  "残疾人机动轮椅车", "船舶", "工程机械",
					  NULL };
static const char *const roles[] = { "legal_person", "shareholder", NULL };
static const char *const uses[] = { "residential", "shop", "other", NULL };

struct kind_def {
	const char *name;
	enum kind_id id;
	const char *date_col, *value_col;
	enum scan_vtype vtype;
	const char *const *values;
	int reads_all;             /* needs records older than the window */
	const char *category;      /* report category */
};

static const struct kind_def kinds[] = {
	{ "medical_cost", K_MEDICAL, "settle_date", "self_paid_fen", SV_INT, NULL, 0, "illness" },
	{ "disability", K_DISABILITY, "issued_date", "grade", SV_INT, NULL, 1, "disability" },
	{ "unemployment", K_UNEMPLOYMENT, "registered_date", NULL, SV_NONE, NULL, 0, "unemployment" },
	{ "member_death", K_MEMBER_DEATH, "death_date", NULL, SV_NONE, NULL, 0, "other" },
	{ "disaster", K_DISASTER, "event_date", "loss_fen", SV_INT, NULL, 0, "disaster" },
	{ "school_stage", K_SCHOOL, "enrolled_date", "level", SV_ENUM, levels, 0, "schooling" },
	{ "dangerous_house", K_DANGEROUS, "assessed_date", "grade", SV_ENUM, grades_cd, 0, "housing" },
	{ "vehicle", K_VEHICLE, "registered_date", "vehicle_type", SV_ENUM, vehicle_types, 1, "other" },
	{ "company", K_COMPANY, "registered_date", "role", SV_ENUM, roles, 1, "other" },
	{ "real_estate", K_REAL_ESTATE, "registered_date", "use", SV_ENUM, uses, 1, "housing" },
	{ "recipient_death", K_RECIPIENT_DEATH, "death_date", NULL, SV_NONE, NULL, 1, "other" },
};

const char *rule_date_col(const struct rule *r) { return r->kind->date_col; }
const char *rule_value_col(const struct rule *r) { return r->kind->value_col; }
enum scan_vtype rule_vtype(const struct rule *r) { return r->kind->vtype; }
const char *const *rule_enum_values(const struct rule *r) { return r->kind->values; }
int rule_reads_all(const struct rule *r) { return r->kind->reads_all || r->any_date; }
const char *rule_report_category(const struct rule *r) { return r->kind->category; }
const char *rule_kind_name(const struct rule *r) { return r->kind->name; }

/* === loading === */

static int bad(struct err *e, const char *rule, const char *field)
{
	return err_setf(e, ERR_INVALID, field, "config",
			"monitoring.json 规则 %s 的 %s 无效",
			"monitoring.json: rule %s has an invalid %s", rule, field);
}

static int copy_str(json_t *o, const char *key, char *out, size_t size,
		    const char *const *allowed)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v || !v[0] || strlen(v) >= size)
		return -1;
	if (allowed) {
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], v) != 0)
			i++;
		if (!allowed[i])
			return -1;
	}
	snprintf(out, size, "%s", v);
	return 0;
}

static int load_rule(json_t *o, struct rule *r, struct err *e)
{
	static const char *const scopes[] = { "person", "household", NULL };
	static const char *const sev[] = { "low", "medium", "high", NULL };
	static const char *const effects[] = { "visit", "review", "review_and_hold", NULL };
	static const char *const applies[] = { "monitored", "enrolled", NULL };
	char kind[32];
	json_t *v, *list;
	const char *id = json_string_value(json_object_get(o, "id"));

	memset(r, 0, sizeof(*r));
	if (!id || copy_str(o, "id", r->id, sizeof(r->id), NULL) < 0)
		return bad(e, "?", "id");
	if (copy_str(o, "kind", kind, sizeof(kind), NULL) < 0)
		return bad(e, id, "kind");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, kind) == 0)
			r->kind = &kinds[i];
	if (!r->kind)
		return bad(e, id, "kind");
	if (copy_str(o, "label_zh", r->label_zh, sizeof(r->label_zh), NULL) < 0)
		return bad(e, id, "label_zh");
	if (copy_str(o, "label_en", r->label_en, sizeof(r->label_en), NULL) < 0)
		return bad(e, id, "label_en");
	if (copy_str(o, "feed", r->feed, sizeof(r->feed), NULL) < 0)
		return bad(e, id, "feed");
	if (copy_str(o, "scope", r->scope, sizeof(r->scope), scopes) < 0)
		return bad(e, id, "scope");
	if (copy_str(o, "severity", r->severity, sizeof(r->severity), sev) < 0)
		return bad(e, id, "severity");
	if (copy_str(o, "effect", r->effect, sizeof(r->effect), effects) < 0)
		return bad(e, id, "effect");
	if (copy_str(o, "applies_to", r->applies_to, sizeof(r->applies_to), applies) < 0)
		return bad(e, id, "applies_to");
	v = json_object_get(o, "window_days");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 3660)
		return bad(e, id, "window_days");
	r->window_days = (int)json_integer_value(v);
	v = json_object_get(o, "threshold");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
		return bad(e, id, "threshold");
	r->threshold = v ? json_integer_value(v) : 0;
	v = json_object_get(o, "dates");
	if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "any") != 0 &&
					 strcmp(json_string_value(v), "window") != 0)))
		return bad(e, id, "dates");
	r->any_date = v && strcmp(json_string_value(v), "any") == 0;
	list = json_object_get(o, r->kind->id == K_SCHOOL ? "levels" : "except");
	if (list) {
		size_t i;
		json_t *x;
		if (!json_is_array(list) || json_array_size(list) > 16)
			return bad(e, id, "levels/except");
		json_array_foreach(list, i, x) {
			int64_t idx = -1;
			const char *s = json_string_value(x);
			for (int64_t k = 0; s && r->kind->values && r->kind->values[k]; k++)
				if (strcmp(r->kind->values[k], s) == 0)
					idx = k;
			if (idx < 0)
				return bad(e, id, "levels/except");
			r->list[r->n_list++] = s;
		}
	}
	return 0;
}

int rules_load(const char *config_dir, struct rule_set *rs, struct err *e)
{
	char path[4096];
	json_error_t je;
	json_t *doc, *arr, *o;
	size_t i;
	int rc = 0;

	memset(rs, 0, sizeof(*rs));
	snprintf(path, sizeof(path), "%s/monitoring.json", config_dir ? config_dir : "config");
	doc = json_load_file(path, 0, &je);
	if (!doc)
		return err_setf(e, ERR_INVALID, "monitoring.json", "config",
				"无法读取 %s：第 %d 行 %s", "cannot read %s: line %d: %s",
				path, je.line, je.text);
	rs->doc = doc;
	arr = json_object_get(doc, "rules");
	if (!json_is_array(arr) || json_array_size(arr) > 64) {
		rc = err_set(e, ERR_INVALID, "rules", "config",
			     "monitoring.json 需要 rules 数组（至多 64 条）",
			     "monitoring.json needs a rules array (at most 64)");
		goto fail;
	}
	json_array_foreach(arr, i, o) {
		if ((rc = load_rule(o, &rs->rules[rs->n], e)) < 0)
			goto fail;
		for (size_t k = 0; k < rs->n; k++)
			if (strcmp(rs->rules[k].id, rs->rules[rs->n].id) == 0) {
				rc = bad(e, rs->rules[k].id, "id (duplicate)");
				goto fail;
			}
		rs->n++;
	}
	return 0;
fail:
	rules_free(rs);
	return rc;
}

void rules_free(struct rule_set *rs)
{
	json_decref(rs->doc);
	rs->doc = NULL;
	rs->n = 0;
}

/* === deciding === */

static void yuan(int64_t fen, char *out, size_t size)
{
	snprintf(out, size, "%" PRId64 ".%02" PRId64, fen / 100, fen % 100);
}

static void ymd(int32_t d, char out[16])
{
	if (d <= 0) {
		snprintf(out, 16, "%s", "日期不详");
		return;
	}
	snprintf(out, 11, "%04d-%02d-%02d", (int)(d / 10000) % 10000,
		 (int)(d / 100 % 100), (int)(d % 100));
}

static int in_list(const struct rule *r, int64_t value)
{
	for (size_t i = 0; i < r->n_list; i++)
		if (r->kind->values && strcmp(r->kind->values[value], r->list[i]) == 0)
			return 1;
	return 0;
}

struct group {
	const struct rule *r;
	const struct pop *pop;
	const struct scan_event *ev;
	size_t from, to;           /* this household's events */
	int32_t as, lo;
};

static int in_window(const struct group *g, const struct scan_event *x)
{
	return x->date > g->lo && x->date <= g->as;
}

/* Is event i one the rule counts?  (the evaluator's filter) */
static int counts(const struct group *g, const struct scan_event *x)
{
	const struct rule *r = g->r;
	const struct pop_person *p = &g->pop->p[x->person];

	switch (r->kind->id) {
	case K_DISABILITY:
		return in_window(g, x) ||
		       (x->value_ok && p->grade > 0 && x->value < p->grade);
	case K_SCHOOL:
		return in_window(g, x) && x->value_ok &&
		       (r->n_list ? in_list(r, x->value)
				  : x->value == 3 || x->value == 5);
	case K_VEHICLE:
		return (r->any_date || in_window(g, x)) &&
		       !(x->value_ok && in_list(r, x->value));
	case K_COMPANY:
	case K_REAL_ESTATE:
	case K_RECIPIENT_DEATH:
		return r->any_date || in_window(g, x);
	default:
		return in_window(g, x);
	}
}

/* Fill c from the group; returns 1 when the rule fires. */
static int decide(const struct group *g, struct candidate *c)
{
	const struct rule *r = g->r;
	const struct scan_event *ev = g->ev;
	char a[32], b[32], d[16];
	size_t first = SIZE_MAX, n = 0;
	int64_t total = 0, best = 0, cur = 0, res = 0, shop = 0;
	uint32_t best_p = 0, cur_p = UINT32_MAX;

	for (size_t i = g->from; i < g->to; i++) {
		if (!counts(g, &ev[i]))
			continue;
		if (first == SIZE_MAX)
			first = i;
		n++;
		int64_t v = ev[i].value_ok ? ev[i].value : 0;
		total += v;
		if (ev[i].person != cur_p) {
			cur_p = ev[i].person;
			cur = 0;
		}
		cur += v;
		if (cur > best || best_p == 0) {
			best = cur;
			best_p = ev[i].person;
		}
		if (r->kind->id == K_REAL_ESTATE && ev[i].value_ok)
			res += ev[i].value == 0, shop += ev[i].value == 1;
	}
	if (!n)
		return 0;
	const struct scan_event *x = &ev[first];
	c->person = x->person;
	if (r->kind->id == K_MEDICAL)
		c->person = best_p;
	for (size_t i = first; i < g->to; i++)
		if (counts(g, &ev[i]) && (strcmp(r->scope, "household") == 0 ||
					   ev[i].person == c->person)) {
			if (c->n_ev < sizeof(c->ev) / sizeof(c->ev[0]))
				c->ev[c->n_ev++] = i;
			c->n_records++;
		}
	snprintf(c->severity, sizeof(c->severity), "%s", r->severity);
	ymd(x->date, d);
	switch (r->kind->id) {
	case K_MEDICAL:
		if (best < r->threshold)
			return 0;
		c->person = best_p;
		c->metric = best;
		yuan(best, a, sizeof(a));
		yuan(r->threshold, b, sizeof(b));
		snprintf(c->summary, sizeof(c->summary),
			 "近%d天医疗费用个人自付累计%s元，达到预警线%s元，请入户核实因病致困风险",
			 r->window_days, a, b);
		return 1;
	case K_DISABILITY:
		c->metric = x->value;
		snprintf(c->summary, sizeof(c->summary),
			 "%s办理或变更残疾证（%" PRId64 "级），请入户了解照护和生活困难",
			 d, x->value);
		return 1;
	case K_UNEMPLOYMENT:
		snprintf(c->summary, sizeof(c->summary),
			 "%s办理失业登记，请入户了解家庭收入变化", d);
		return 1;
	case K_MEMBER_DEATH:
		if (g->pop->p[x->person].head)
			snprintf(c->severity, sizeof(c->severity), "%s", "high");
		snprintf(c->summary, sizeof(c->summary), "家庭成员于%s死亡%s，请入户了解家庭生活困难", d,
			 g->pop->p[x->person].head ? "（户主，家庭主要劳动力）" : "");
		return 1;
	case K_DISASTER:
		if (total < r->threshold || total <= 0)
			return 0;
		c->metric = total;
		yuan(total, a, sizeof(a));
		snprintf(c->summary, sizeof(c->summary),
			 "%s受灾，登记损失%s元，请入户核实灾后生活困难", d, a);
		return 1;
	case K_SCHOOL:
		snprintf(c->summary, sizeof(c->summary),
			 "子女于%s升入%s，请了解教育支出和教育救助需要", d,
			 x->value_ok ? levels_zh[x->value] : "高中或大学");
		return 1;
	case K_DANGEROUS:
		snprintf(c->summary, sizeof(c->summary),
			 "住房于%s被鉴定为%s级危房，请入户核实住房安全", d,
			 x->value_ok ? grades_cd[x->value] : "");
		return 1;
	case K_VEHICLE:
		snprintf(c->summary, sizeof(c->summary),
			 "救助家庭成员名下登记机动车（%s，%s登记），请复核救助资格",
			 x->value_ok ? vehicle_zh[x->value] : "类型不详", d);
		return 1;
	case K_COMPANY:
		snprintf(c->summary, sizeof(c->summary),
			 "救助家庭成员登记为企业%s（%s），请复核救助资格",
			 x->value_ok && x->value == 1 ? "股东" : "法定代表人", d);
		return 1;
	case K_REAL_ESTATE:
		if (res < (r->threshold ? r->threshold : 2) && shop == 0)
			return 0;
		c->metric = res;
		snprintf(c->summary, sizeof(c->summary),
			 "救助家庭名下住宅%" PRId64 "套、商铺%" PRId64 "处，请复核救助资格",
			 res, shop);
		return 1;
	case K_RECIPIENT_DEATH:
		snprintf(c->summary, sizeof(c->summary),
			 "救助对象于%s死亡（死亡记录），已暂停发放，请在3个月内复核", d);
		return 1;
	}
	return 0;
}

static int applies(const struct rule *r, const struct pop_household *h)
{
	if (strcmp(r->applies_to, "enrolled") == 0)
		return h->n_enr > 0;
	return h->monitored;
}

int rules_evaluate(const struct rule *r, const struct pop *pop,
		   const struct scan_event *ev, size_t n, int32_t as_ymd,
		   int32_t lo_ymd, struct candidate **out, size_t *n_out,
		   size_t *cap_out, struct err *e)
{
	size_t i = 0;

	while (i < n) {
		uint32_t hh = pop->p[ev[i].person].hh;
		size_t j = i;
		while (j < n && pop->p[ev[j].person].hh == hh)
			j++;
		struct group g = { r, pop, ev, i, j, as_ymd, lo_ymd };
		struct candidate c;
		memset(&c, 0, sizeof(c));
		c.hh = hh;
		if (applies(r, &pop->h[hh]) && decide(&g, &c)) {
			if (*n_out == *cap_out) {
				size_t cap = *cap_out ? *cap_out * 2 : 64;
				struct candidate *m = realloc(*out, cap * sizeof(*m));
				if (!m)
					return err_set(e, ERR_INTERNAL, NULL, "memory",
						       "内存不足", "out of memory");
				*out = m;
				*cap_out = cap;
			}
			(*out)[(*n_out)++] = c;
		}
		i = j;
	}
	return 0;
}
