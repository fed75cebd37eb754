/*
 * routing.c - evaluating config/routing.json against a home visit.
 *
 * Design: the visit's facts are copied into one JSON object together with
 * the derived facts (per-capita income, the applicable dibao standard, the
 * area), so conditions and reason texts read every value the same way.
 * Conditions were validated when the config was loaded (program.c); here
 * a fact the visit did not record simply makes its comparison false, so a
 * sparse visit proposes less rather than failing.  Money placeholders
 * ({…_fen}) are shown in yuan with two decimals, as people read them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "routing.h"
#include "casework.h"
#include "visit.h"
#include "workflow.h"
#include "../core/strbuf.h"
#include "../core/banned.h"

/* === conditions === */

static int has_category(json_t *categories, const char *c)
{
	size_t i;
	json_t *v;
	json_array_foreach(categories, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), c) == 0)
			return 1;
	return 0;
}

static int compare(double x, const char *op, double y)
{
	if (strcmp(op, "<") == 0)
		return x < y;
	if (strcmp(op, "<=") == 0)
		return x <= y;
	if (strcmp(op, ">") == 0)
		return x > y;
	if (strcmp(op, ">=") == 0)
		return x >= y;
	if (strcmp(op, "==") == 0)
		return x == y;
	return x != y; /* "!=" (validated at load) */
}

static int truthy(json_t *v)
{
	return json_is_true(v) || (json_is_number(v) && json_number_value(v) > 0);
}

static int fact_holds(json_t *w, json_t *facts)
{
	json_t *v = json_object_get(facts, json_string_value(json_object_get(w, "fact")));
	json_t *op = json_object_get(w, "op"), *value = json_object_get(w, "value");
	json_t *standard = json_object_get(w, "standard");

	if (!v || json_is_null(v))
		return 0;
	if (!op)
		return truthy(v);
	if (standard) {
		json_t *times = json_object_get(w, "times"), *fen = json_object_get(facts, "standard_fen");
		if (!json_is_number(v) || !json_is_integer(fen))
			return 0;
		double t = times ? json_number_value(times) : 1.0;
		return compare(json_number_value(v), json_string_value(op),
			       t * (double)json_integer_value(fen));
	}
	if (json_is_boolean(value))
		return compare(truthy(v), json_string_value(op), json_is_true(value));
	if (!json_is_number(v))
		return 0;
	return compare(json_number_value(v), json_string_value(op), json_number_value(value));
}

static int holds(json_t *w, json_t *facts, json_t *categories)
{
	json_t *list, *c;
	size_t i;

	if ((list = json_object_get(w, "all"))) {
		json_array_foreach(list, i, c)
			if (!holds(c, facts, categories))
				return 0;
		return 1;
	}
	if ((list = json_object_get(w, "any"))) {
		json_array_foreach(list, i, c)
			if (holds(c, facts, categories))
				return 1;
		return 0;
	}
	if ((c = json_object_get(w, "not")))
		return !holds(c, facts, categories);
	if ((c = json_object_get(w, "category")))
		return has_category(categories, json_string_value(c));
	return fact_holds(w, facts);
}

/* === reason texts === */

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static void add_value(struct strbuf *sb, const char *name, size_t n, json_t *v,
		      int en)
{
	if (!v || json_is_null(v))
		strbuf_addstr(sb, "—");
	else if (json_is_integer(v) && ends_with(name, n, "_fen")) {
		json_int_t f = json_integer_value(v);
		json_int_t a = f < 0 ? -f : f;
		strbuf_addf(sb, "%s%" JSON_INTEGER_FORMAT ".%02" JSON_INTEGER_FORMAT,
			    f < 0 ? "-" : "", a / 100, a % 100);
	} else if (json_is_integer(v))
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		strbuf_addf(sb, "%.2f", json_real_value(v));
	else if (json_is_boolean(v))
		strbuf_addstr(sb, json_is_true(v) ? (en ? "yes" : "是") : (en ? "no" : "否"));
	else if (json_is_string(v))
		strbuf_addstr(sb, json_string_value(v));
	else
		strbuf_addstr(sb, "—");
}

/* "{name}" replaced by the fact; anything else copied as is. */
static json_t *fill(const char *tpl, json_t *facts, int en)
{
	struct strbuf sb;
	char name[64];
	json_t *out;

	strbuf_init(&sb, strlen(tpl) + 32);
	for (const char *p = tpl; *p;) {
		size_t n = p[0] == '{' ? strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") : 0;
		if (n > 0 && n < sizeof(name) && p[n + 1] == '}') {
			memcpy(name, p + 1, n);
			name[n] = '\0';
			add_value(&sb, name, n, json_object_get(facts, name), en);
			p += n + 2;
		} else
			strbuf_addch(&sb, *p++);
	}
	out = json_string(sb.buf);
	strbuf_release(&sb);
	return out;
}

/* === derived facts === */

static int visit_year(json_t *visit)
{
	const char *d = json_string_value(json_object_get(visit, "visit_date"));
	long y = d ? strtol(d, NULL, 10) : 0;
	return (int)y;
}

static int derive(const struct program_config *c, json_t *visit,
		  const char *area_kind, int64_t member_count, json_t *facts,
		  struct err *e)
{
	json_t *hs = json_object_get(facts, "household_size");
	json_int_t income = json_integer_value(json_object_get(visit, "declared_income_fen"));
	int64_t size = json_is_integer(hs) && json_integer_value(hs) > 0
			       ? json_integer_value(hs) : member_count;
	const char *label = NULL;
	int64_t standard = 0;
	int urban = area_kind && strcmp(area_kind, "urban") == 0;
	int rc;

	if ((rc = program_dibao_standard(c, visit_year(visit), area_kind, &standard, &label, e)) < 0)
		return rc;
	json_object_set_new(facts, "declared_income_fen", json_integer(income));
	if (!json_object_get(facts, "monthly_income_fen"))
		json_object_set_new(facts, "monthly_income_fen", json_integer(income));
	json_object_set_new(facts, "household_size", size > 0 ? json_integer(size) : json_null());
	json_object_set_new(facts, "per_capita_income_fen",
			    size > 0 ? json_integer(income / size) : json_null());
	json_object_set_new(facts, "standard_fen", json_integer(standard));
	json_int_t expense = json_integer_value(json_object_get(facts, "medical_expense_fen"));
	json_int_t debt = json_integer_value(json_object_get(facts, "medical_debt_fen"));
	json_object_set_new(facts, "medical_burden_fen", json_integer(expense > debt ? expense : debt));
	json_object_set_new(facts, "standard_label", json_string(label ? label : ""));
	json_object_set_new(facts, "area_kind", json_string(urban ? "urban" : "rural"));
	json_object_set_new(facts, "area_zh", json_string(urban ? "城市" : "农村"));
	json_object_set_new(facts, "area_en", json_string(urban ? "urban" : "rural"));
	return 0;
}

/* === proposals === */

static json_t *proposal_for(const struct program *p)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:[]}", "program", p->code,
			 "program_name", p->name_zh, "program_name_en", p->name_en,
			 "department", p->department, "rules");
}

int routing_evaluate(const struct program_config *c, json_t *visit,
		     const char *area_kind, int64_t member_count, json_t **out,
		     struct err *e)
{
	json_t *facts = json_deep_copy(json_object_get(visit, "facts"));
	json_t *categories = json_object_get(visit, "categories");
	json_t *proposals = json_array();
	int rc;

	*out = NULL;
	if (!json_is_object(facts)) {
		json_decref(facts);
		facts = json_object();
	}
	if ((rc = derive(c, visit, area_kind, member_count, facts, e)) < 0)
		goto cleanup;
	/* Programs in config order; each with the rules that fired for it. */
	for (size_t i = 0; i < c->n_programs; i++) {
		json_t *prop = NULL;
		for (size_t j = 0; j < c->n_rules; j++) {
			const struct routing_rule *r = &c->rules[j];
			if (strcmp(r->program, c->programs[i].code) != 0 ||
			    !holds(r->when, facts, categories))
				continue;
			if (!prop)
				prop = proposal_for(&c->programs[i]);
			json_array_append_new(json_object_get(prop, "rules"),
				json_pack("{s:s, s:o, s:o}", "id", r->id,
					  "reason", fill(r->reason_zh, facts, 0),
					  "reason_en", fill(r->reason_en, facts, 1)));
		}
		if (prop)
			json_array_append_new(proposals, prop);
	}
	*out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
			 "visit_id", json_object_get(visit, "id"),
			 "household_size", json_object_get(facts, "household_size"),
			 "per_capita_income_fen", json_object_get(facts, "per_capita_income_fen"),
			 "standard_fen", json_object_get(facts, "standard_fen"),
			 "standard_label", json_object_get(facts, "standard_label"),
			 "area_kind", json_object_get(facts, "area_kind"),
			 "proposals", proposals);
	if (!*out)
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
cleanup:
	json_decref(proposals);
	json_decref(facts);
	return rc;
}

/* The household's area and member count. */
static int household_info(struct store *s, int64_t id, char area[8],
			  int64_t *members, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	snprintf(area, 8, "rural");
	*members = 0;
	if (id <= 0)
		return 0;
	if ((rc = store_query(s, &st, e, "SELECT h.area_kind, (SELECT count(*) FROM persons p"
			      " WHERE p.household_id = h.id) FROM households h WHERE h.id = $1",
			      "i", id)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		snprintf(area, 8, "%s", store_col_text(st, 0));
		*members = store_col_int64(st, 1);
		rc = 0;
	}
	store_finalize(st);
	return rc;
}

int routing_for_case(struct store *s, const struct program_config *c,
		     int64_t case_id, json_t **out, struct err *e)
{
	json_t *visit = NULL;
	char area[8];
	int64_t members;
	int rc;

	*out = NULL;
	if ((rc = visit_latest(s, case_id, &visit, e)) < 0)
		return rc;
	json_t *hid = json_object_get(visit, "household_id");
	if ((rc = household_info(s, json_is_integer(hid) ? json_integer_value(hid) : 0,
				 area, &members, e)) == 0)
		rc = routing_evaluate(c, visit, area, members, out, e);
	json_decref(visit);
	return rc;
}

int routing_propose(struct store *s, const struct actor *a,
		    const struct program_config *c, int64_t case_id,
		    json_t **out, struct err *e)
{
	struct case_row cr;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_CASE_WORK, e)) < 0 ||
	    (rc = casework_load(s, case_id, &cr, e)) < 0 ||
	    (rc = perm_require_region(a, cr.region_code, e)) < 0)
		return rc;
	return routing_for_case(s, c, case_id, out, e);
}
