/*
 * visit.c - recording and reading home visits.
 *
 * Design: the whole body is validated before anything is written, each
 * rule naming its field ("investigators", "facts.school_children", ...).
 * The case is checked through wf_case ("record_visit": open or visited, the
 * owner or a commander/admin, inside the actor's region) before the
 * household is even looked at, so a case one may not touch answers the
 * same whatever the body.  One transaction then holds the visit row, the
 * case taking its household, the case transition (event + audit) and the
 * visit's own creation event and audit entry.
 *
 * Categories are stored as the keys of `findings` (see visit.h): the
 * schema has no column for them and this keeps one source of truth.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "visit.h"
#include "audit.h"
#include "casework.h"
#include "workflow.h"
#include "../core/clock.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../core/text.h"
#include "../core/banned.h"

const char *const visit_categories[] = {
	"illness", "disability", "disaster", "schooling", "accident",
	"unemployment", "elderly_alone", "child_unattended", "housing", "other",
	NULL
};

/* Facts the routing rules read: integers ≥ 0 or booleans. */
static const char *const int_facts[] = {
	"household_size", "monthly_income_fen", "medical_expense_fen",
	"medical_debt_fen", "school_children", "disaster_loss_fen",
	"unemployed_members", "disabled_members", NULL
};
static const char *const bool_facts[] = {
	"work_capacity_none", "no_supporter", "dangerous_house", NULL
};
static const char *const expense_keys[] = {
	"medical_fen", "education_fen", "rehabilitation_fen", "basic_living_fen",
	"other_fen", NULL
};

#define MONEY_MAX ((int64_t)1000000000000) /* 100 亿元 in fen: a typo guard */

struct visit_input {
	const char *visit_date;
	json_t *investigators;     /* borrowed from the body */
	int64_t household_id;
	json_t *members_present;
	json_t *categories;
	json_t *findings;
	json_t *facts;
	int64_t declared_income_fen;
	json_t *rigid_expenses;
	int authorization_signed;
	json_t *photos;
};

/* === validation of the body === */

static int check_date(const char *v, struct err *e)
{
	int64_t day;
	if (clock_parse_date(v, &day) < 0)
		return err_set(e, ERR_INVALID, "visit_date", "format",
			       "visit_date 应为 YYYY-MM-DD 格式的日期",
			       "visit_date must be a date YYYY-MM-DD");
	if (day > clock_today_china())
		return err_set(e, ERR_INVALID, "visit_date", "future",
			       "调查日期不能晚于今天", "visit_date must not be in the future");
	return 0;
}

static int check_investigators(json_t *list, struct err *e)
{
	size_t n = json_array_size(list), i, j;
	json_t *v;

	if (!json_is_array(list))
		return err_set(e, ERR_INVALID, "investigators", "required",
			       "须填写调查人员名单", "investigators must be a list of names");
	json_array_foreach(list, i, v) {
		const char *name = json_string_value(v);
		if (text_blank(name) || strlen(name) >= LIMIT_NAME_BYTES)
			return err_set(e, ERR_INVALID, "investigators", "name",
				       "调查人员姓名须为非空文本（96字节以内）",
				       "each investigator must be a non-blank name (< 96 bytes)");
	}
	size_t distinct = 0;
	for (i = 0; i < n; i++) {
		int seen = 0;
		for (j = 0; j < i && !seen; j++)
			seen = strcmp(json_string_value(json_array_get(list, i)),
				      json_string_value(json_array_get(list, j))) == 0;
		distinct += !seen;
	}
	if (distinct < 2)
		return err_set(e, ERR_INVALID, "investigators", "two_investigators",
			       "入户调查须有至少两名不同的调查人员",
			       "a home visit needs at least two different investigators");
	if (n > 20)
		return err_set(e, ERR_INVALID, "investigators", "length",
			       "调查人员不能超过20人", "at most 20 investigators");
	return 0;
}

static int check_categories(json_t *list, struct err *e)
{
	size_t i;
	json_t *v;
	if (!json_is_array(list) || json_array_size(list) == 0)
		return err_set(e, ERR_INVALID, "categories", "required",
			       "须选择至少一类困难", "categories must list at least one category");
	json_array_foreach(list, i, v)
		if (!text_in_list(json_string_value(v), visit_categories))
			return err_setf(e, ERR_INVALID, "categories", "enum",
					"未知的困难类别：%s（可选 illness, disability, disaster, schooling, accident, unemployment, elderly_alone, child_unattended, housing, other）",
					"unknown category %s (allowed: illness, disability, disaster, schooling, accident, unemployment, elderly_alone, child_unattended, housing, other)",
					json_is_string(v) ? json_string_value(v) : "?");
	return 0;
}

static int has_category(json_t *list, const char *c)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), c) == 0)
			return 1;
	return 0;
}

static int check_findings(json_t *findings, json_t *categories, struct err *e)
{
	const char *key;
	json_t *v;
	char field[96];

	if (!findings)
		return 0;
	if (!json_is_object(findings))
		return err_set(e, ERR_INVALID, "findings", "type",
			       "findings 应为对象 {类别: 情况}", "findings must be an object {category: text}");
	json_object_foreach(findings, key, v) {
		snprintf(field, sizeof(field), "findings.%.80s", key);
		if (!has_category(categories, key))
			return err_setf(e, ERR_INVALID, field, "unknown_category",
					"%s 不在所选困难类别中", "%s is not one of the categories given", field);
		if (!json_is_string(v) || json_string_length(v) > LIMIT_DESCRIPTION_BYTES)
			return err_setf(e, ERR_INVALID, field, "type",
					"%s 应为文本（4000字节以内）", "%s must be text (≤ 4000 bytes)", field);
	}
	return 0;
}

static int check_fen_object(json_t *o, const char *name, const char *const *ints,
			    const char *const *bools, struct err *e)
{
	const char *key;
	json_t *v;
	char field[96];

	if (!o)
		return 0;
	if (!json_is_object(o))
		return err_setf(e, ERR_INVALID, name, "type", "%s 应为对象",
				"%s must be an object", name);
	json_object_foreach(o, key, v) {
		snprintf(field, sizeof(field), "%s.%.64s", name, key);
		if (text_in_list(key, ints)) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > MONEY_MAX)
				return err_setf(e, ERR_INVALID, field, "range",
						"%s 应为不小于0的整数%s%.0s", "%s must be an integer ≥ 0%.0s%s",
						field, strstr(key, "_fen") ? "（金额以分计）" : "",
						strstr(key, "_fen") ? " (money in fen)" : "");
		} else if (bools && text_in_list(key, bools)) {
			if (!json_is_boolean(v))
				return err_setf(e, ERR_INVALID, field, "type",
						"%s 应为 true 或 false", "%s must be true or false", field);
		} else
			return err_setf(e, ERR_INVALID, field, "unknown_field",
					"未知字段 %s", "unknown field %s", field);
	}
	return 0;
}

static int check_photos(struct store *s, json_t *list, struct err *e)
{
	size_t i;
	json_t *v;
	int64_t n;
	int rc;

	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > LIMIT_PHOTOS_PER_REPORT)
		return err_set(e, ERR_INVALID, "photos", "type",
			       "photos 应为照片编号列表（最多6张）",
			       "photos must be a list of at most 6 sha256 ids");
	json_array_foreach(list, i, v) {
		const char *h = json_string_value(v);
		if (!h || strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
			return err_set(e, ERR_INVALID, "photos", "sha256",
				       "照片编号应为64位小写十六进制", "each photo must be a sha256 (64 lower-case hex)");
		if ((rc = store_int64(s, &n, e, "SELECT count(*) FROM blobs WHERE sha256 = $1",
				      "s", h)) < 0)
			return rc;
		if (n == 0)
			return err_setf(e, ERR_INVALID, "photos", "unknown_photo",
					"照片 %.12s… 未上传", "photo %.12s… was not uploaded", h);
	}
	return 0;
}

static int parse_body(json_t *body, struct visit_input *in, struct err *e)
{
	static const char *const known[] = {
		"visit_date", "investigators", "household_id", "members_present",
		"categories", "findings", "facts", "declared_income_fen",
		"rigid_expenses", "authorization_signed", "photos", NULL
	};
	int rc;

	memset(in, 0, sizeof(*in));
	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, NULL, "body", "请求体应为 JSON 对象",
			       "the body must be a JSON object");
	if ((rc = jsonx_only(body, known, e)) < 0 ||
	    (rc = jsonx_string(body, "visit_date", JSONX_REQUIRED, 16, &in->visit_date, e)) < 0 ||
	    (rc = check_date(in->visit_date, e)) < 0 ||
	    (rc = check_investigators(json_object_get(body, "investigators"), e)) < 0 ||
	    (rc = jsonx_int(body, "household_id", JSONX_OPTIONAL, 1, INT64_MAX, &in->household_id, e)) < 0 ||
	    (rc = check_categories(json_object_get(body, "categories"), e)) < 0 ||
	    (rc = check_findings(json_object_get(body, "findings"), json_object_get(body, "categories"), e)) < 0 ||
	    (rc = check_fen_object(json_object_get(body, "facts"), "facts", int_facts, bool_facts, e)) < 0 ||
	    (rc = jsonx_int(body, "declared_income_fen", JSONX_REQUIRED, 0, MONEY_MAX, &in->declared_income_fen, e)) < 0 ||
	    (rc = check_fen_object(json_object_get(body, "rigid_expenses"), "rigid_expenses", expense_keys, NULL, e)) < 0 ||
	    (rc = jsonx_bool(body, "authorization_signed", JSONX_REQUIRED, &in->authorization_signed, e)) < 0)
		return rc;
	in->investigators = json_object_get(body, "investigators");
	in->members_present = json_object_get(body, "members_present");
	in->categories = json_object_get(body, "categories");
	in->findings = json_object_get(body, "findings");
	in->facts = json_object_get(body, "facts");
	in->rigid_expenses = json_object_get(body, "rigid_expenses");
	in->photos = json_object_get(body, "photos");
	if (in->members_present && !json_is_array(in->members_present))
		return err_set(e, ERR_INVALID, "members_present", "type",
			       "members_present 应为人员编号列表", "members_present must be a list of person ids");
	return 0;
}

/* === checks against the database === */

/* The household exists and lies in the actor's region; 404 otherwise. */
static int check_household(struct store *s, const struct actor *a, int64_t id,
			   int64_t *head, struct err *e)
{
	struct store_stmt *st = NULL;
	char region[16] = "";
	int rc;

	if ((rc = store_query(s, &st, e, "SELECT region_code, head_person_id FROM households"
			      " WHERE id = $1", "i", id)) < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW) {
		snprintf(region, sizeof(region), "%s", store_col_text(st, 0));
		*head = store_col_is_null(st, 1) ? 0 : store_col_int64(st, 1);
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (rc != STORE_ROW || !perm_region_allows(a, region))
		return err_setf(e, ERR_INVALID, "household_id", "unknown_household",
				"家庭 %" PRId64 " 不存在或不在您的辖区",
				"household %" PRId64 " does not exist or lies outside your region", id);
	return 0;
}

static int check_members(struct store *s, json_t *list, int64_t household,
			 struct err *e)
{
	size_t i;
	json_t *v;
	int64_t n;
	int rc;

	json_array_foreach(list, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return err_set(e, ERR_INVALID, "members_present", "type",
				       "members_present 应为人员编号列表", "members_present must be a list of person ids");
		if ((rc = store_int64(s, &n, e, "SELECT count(*) FROM persons WHERE id = $1"
				      " AND household_id = $2", "ii", json_integer_value(v), household)) < 0)
			return rc;
		if (n == 0)
			return err_setf(e, ERR_INVALID, "members_present", "not_member",
					"人员 %" JSON_INTEGER_FORMAT " 不是该家庭成员",
					"person %" JSON_INTEGER_FORMAT " is not a member of the household",
					json_integer_value(v));
	}
	return 0;
}

/* Which household the visit is about: the case's, or the one given. */
static int pick_household(struct store *s, const struct actor *a,
			  const struct case_row *c, const struct visit_input *in,
			  int64_t *household, int64_t *head, struct err *e)
{
	*head = 0;
	if (c->household_id && in->household_id && in->household_id != c->household_id)
		return err_setf(e, ERR_INVALID, "household_id", "household_mismatch",
				"该案件已关联家庭 %" PRId64, "the case already has household %" PRId64,
				c->household_id);
	*household = c->household_id ? c->household_id : in->household_id;
	if (!*household)
		return err_set(e, ERR_INVALID, "household_id", "required",
			       "案件尚未关联家庭，须填写 household_id",
			       "the case has no household yet: household_id is required");
	return check_household(s, a, *household, head, e);
}

/* === writing === */

/* findings as stored: every category a key, its note or "". */
static json_t *stored_findings(const struct visit_input *in)
{
	json_t *out = json_object();
	size_t i;
	json_t *v;
	json_array_foreach(in->categories, i, v) {
		json_t *note = in->findings ? json_object_get(in->findings, json_string_value(v)) : NULL;
		json_object_set_new(out, json_string_value(v),
				    json_string(json_is_string(note) ? json_string_value(note) : ""));
	}
	return out;
}

static char *dump_or_empty(json_t *j, const char *empty)
{
	return j ? json_dumps(j, JSON_COMPACT) : strdup(empty);
}

static int insert_visit(struct store *s, const struct actor *a,
			const struct case_row *c, const struct visit_input *in,
			int64_t household, int64_t *id, struct err *e)
{
	char now[21];
	json_t *f = stored_findings(in);
	char *inv = json_dumps(in->investigators, JSON_COMPACT);
	char *mem = dump_or_empty(in->members_present, "[]");
	char *fin = json_dumps(f, JSON_COMPACT);
	char *facts = dump_or_empty(in->facts, "{}");
	char *rig = dump_or_empty(in->rigid_expenses, "{}");
	char *ph = dump_or_empty(in->photos, "[]");
	int rc;

	clock_format_utc(clock_now(), now);
	if (!inv || !mem || !fin || !facts || !rig || !ph)
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	else
		rc = store_int64(s, id, e,
			"INSERT INTO visits (case_id, household_id, region_code, visit_date,"
			" investigators, members_present, findings, facts, declared_income_fen,"
			" rigid_expenses, authorization_signed, photos, recorded_by, created_at)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13, 0), $14)"
			" RETURNING id",
			"iissssssisisis", c->id, household, c->region_code, in->visit_date,
			inv, mem, fin, facts, in->declared_income_fen, rig,
			(int64_t)in->authorization_signed, ph, a->user_id, now);
	json_decref(f);
	free(inv);
	free(mem);
	free(fin);
	free(facts);
	free(rig);
	free(ph);
	return rc;
}

/* The case takes the household (and its head as the person) if it had none. */
static int attach_household(struct store *s, const struct case_row *c,
			    int64_t household, int64_t head, struct err *e)
{
	char now[21];
	if (c->household_id)
		return 0;
	clock_format_utc(clock_now(), now);
	return store_execv(s, e,
		"UPDATE cases SET household_id = $1, person_id = COALESCE(person_id, NULLIF($2, 0)),"
		" updated_at = $3 WHERE id = $4", "iisi", household, head, now, c->id);
}

static int visit_created(struct store *s, const struct actor *a,
			 const struct case_row *c, int64_t visit_id,
			 int64_t household, struct err *e)
{
	struct wf_record vr = {
		.id = visit_id, .state = NULL, .region_code = c->region_code,
		.household_id = household, .case_id = c->id,
	};
	json_t *d = json_pack("{s:I, s:I}", "case_id", (json_int_t)c->id,
			      "household_id", (json_int_t)household);
	int rc = workflow_event(s, "visit", &vr, a, "create", "recorded", NULL, d, e);
	if (rc == 0)
		rc = audit_append(s, a, "visit.create", "visit", visit_id, c->region_code, d, e);
	json_decref(d);
	return rc;
}

static int load_visit(struct store *s, int64_t id, json_t **out, struct err *e);

int visit_record(struct store *s, const struct actor *a, int64_t case_id,
		 json_t *body, json_t **out, struct err *e)
{
	const struct wf_transition *row = NULL;
	struct visit_input in;
	struct case_row c;
	struct wf_record r;
	int64_t household = 0, head = 0, visit_id = 0;
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_CASE_WORK, e)) < 0 ||
	    (rc = casework_load(s, case_id, &c, e)) < 0)
		return rc;
	casework_wf_record(&c, &r);
	if ((rc = workflow_check(&wf_case, &r, a, "record_visit", NULL, &row, e)) < 0 ||
	    (rc = parse_body(body, &in, e)) < 0 ||
	    (rc = pick_household(s, a, &c, &in, &household, &head, e)) < 0 ||
	    (rc = check_members(s, in.members_present, household, e)) < 0 ||
	    (rc = check_photos(s, in.photos, e)) < 0)
		return rc;
	r.household_id = household;
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	json_t *detail = NULL;
	if ((rc = insert_visit(s, a, &c, &in, household, &visit_id, e)) < 0 ||
	    (rc = attach_household(s, &c, household, head, e)) < 0 ||
	    (rc = visit_created(s, a, &c, visit_id, household, e)) < 0)
		goto fail;
	detail = json_pack("{s:I}", "visit_id", (json_int_t)visit_id);
	rc = workflow_apply(s, &wf_case, &r, a, row, NULL, detail, e);
	json_decref(detail);
	if (rc < 0)
		goto fail;
	if ((rc = store_commit(s, e)) < 0)
		return rc;
	return load_visit(s, visit_id, out, e);
fail:
	store_rollback(s);
	return rc;
}

/* === reading === */

#define VISIT_COLUMNS \
	"id, case_id, household_id, visit_date, investigators, members_present," \
	" findings, facts, declared_income_fen, rigid_expenses, authorization_signed," \
	" photos, created_at"

static json_t *parsed(const char *text, json_t *fallback)
{
	json_t *j = json_loads(text, 0, NULL);
	if (j) {
		json_decref(fallback);
		return j;
	}
	return fallback;
}

static json_t *visit_json(struct store_stmt *st)
{
	json_t *stored = parsed(store_col_text(st, 6), json_object());
	json_t *categories = json_array(), *findings = json_object(), *v;
	const char *key;

	json_object_foreach(stored, key, v) {
		json_array_append_new(categories, json_string(key));
		if (json_is_string(v) && json_string_length(v) > 0)
			json_object_set(findings, key, v);
	}
	json_decref(stored);
	return json_pack("{s:I, s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:b, s:o, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"case_id", (json_int_t)store_col_int64(st, 1),
		"household_id", store_col_is_null(st, 2) ? json_null() : json_integer(store_col_int64(st, 2)),
		"visit_date", store_col_text(st, 3),
		"investigators", parsed(store_col_text(st, 4), json_array()),
		"members_present", parsed(store_col_text(st, 5), json_array()),
		"categories", categories,
		"findings", findings,
		"facts", parsed(store_col_text(st, 7), json_object()),
		"declared_income_fen", (json_int_t)store_col_int64(st, 8),
		"rigid_expenses", parsed(store_col_text(st, 9), json_object()),
		"authorization_signed", (int)store_col_int64(st, 10),
		"photos", parsed(store_col_text(st, 11), json_array()),
		"created_at", store_col_text(st, 12));
}

static int collect(struct store *s, json_t **out, struct err *e,
		   const char *sql, int64_t id)
{
	struct store_stmt *st = NULL;
	int rc;

	*out = json_array();
	if ((rc = store_query(s, &st, e, sql, "i", id)) < 0)
		goto fail;
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(*out, visit_json(st));
	store_finalize(st);
	if (rc == 0)
		return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return rc;
}

static int load_visit(struct store *s, int64_t id, json_t **out, struct err *e)
{
	json_t *list = NULL;
	int rc = collect(s, &list, e, "SELECT " VISIT_COLUMNS " FROM visits WHERE id = $1", id);
	if (rc < 0)
		return rc;
	*out = json_incref(json_array_get(list, 0));
	json_decref(list);
	if (!*out)
		return err_set(e, ERR_NOT_FOUND, NULL, "no_row", "调查记录不存在", "no such visit");
	return 0;
}

int visit_list_json(struct store *s, int64_t case_id, json_t **out,
		    struct err *e)
{
	return collect(s, out, e, "SELECT " VISIT_COLUMNS " FROM visits WHERE case_id = $1"
		       " ORDER BY id", case_id);
}

int visit_latest(struct store *s, int64_t case_id, json_t **out,
		 struct err *e)
{
	json_t *list = NULL;
	int rc = collect(s, &list, e, "SELECT " VISIT_COLUMNS " FROM visits WHERE case_id = $1"
			 " ORDER BY id DESC LIMIT 1", case_id);
	if (rc < 0)
		return rc;
	*out = json_incref(json_array_get(list, 0));
	json_decref(list);
	if (!*out)
		return err_set(e, ERR_CONFLICT, NULL, "needs_visit",
			       "尚未入户调查，不能提出分办建议",
			       "record a home visit first");
	return 0;
}
