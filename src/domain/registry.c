/*
 * registry.c - households and persons.
 *
 * Design: validation first (every rule names its field), then one write
 * transaction that holds the record and its audit entry.  The ID number is
 * unique in the table; the duplicate check runs inside the transaction so
 * two concurrent creates cannot both pass, and the UNIQUE constraint backs
 * it up.  Reads join the village and township names in SQL rather than
 * walking the tree per row.  ID numbers leave this file only through
 * idcard_mask(), except for the audited full read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "registry.h"
#include "audit.h"
#include "divisions.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/idcard.h"
#include "../core/limits.h"
#include "render.h"
#include "../core/text.h"
#include "../core/banned.h"

const char *const registry_relations[] = {
	"self", "spouse", "child", "parent", "grandchild", "grandparent",
	"sibling", "child_in_law", "other", NULL
};
const char *const registry_health_values[] = { "healthy", "chronic", "serious", NULL };
const char *const registry_work_values[] = { "full", "partial", "none", NULL };
const char *const registry_disability_types[] = {
	"visual", "hearing", "speech", "physical", "intellectual", "mental",
	"multiple", NULL
};
const char *const registry_area_kinds[] = { "urban", "rural", NULL };

/* === validation === */

static int check_enum(const char *v, const char *field,
		      const char *const *list, struct err *e)
{
	char allowed[256] = "";
	size_t used = 0;

	if (!v || text_in_list(v, list))
		return 0;
	for (size_t i = 0; list[i]; i++) {
		int n = snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
				 i ? ", " : "", list[i]);
		if (n < 0 || (size_t)n >= sizeof(allowed) - used)
			break;
		used += (size_t)n;
	}
	return err_setf(e, ERR_INVALID, field, "enum", "%s 应为以下之一：%s",
			"%s must be one of: %s", field, allowed);
}

static int check_text(const char *v, const char *field, int required,
		      size_t max, struct err *e)
{
	if (!v || !*v) {
		if (!required)
			return 0;
		return err_setf(e, ERR_INVALID, field, "required", "%s 为必填项",
				"%s is required", field);
	}
	if (strspn(v, " \t") == strlen(v))
		return err_setf(e, ERR_INVALID, field, "required", "%s 不能为空白",
				"%s must not be blank", field);
	if (strlen(v) >= max)
		return err_setf(e, ERR_INVALID, field, "length",
				"%s 不能超过 %zu 字节", "%s must be shorter than %zu bytes",
				field, max);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			return err_setf(e, ERR_INVALID, field, "characters",
					"%s 含有控制字符", "%s contains control characters",
					field);
	return 0;
}

static int check_phone(const char *v, struct err *e)
{
	size_t digits = 0;
	if (!v || !*v)
		return 0;
	for (const char *p = v; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != '-' && *p != '+' && *p != ' ')
			digits = 100;
	}
	if (digits < 7 || digits > 20 || strlen(v) >= LIMIT_PHONE_BYTES)
		return err_set(e, ERR_INVALID, "phone", "format",
			       "电话号码格式不正确（7至20位数字）",
			       "phone must have 7 to 20 digits");
	return 0;
}

static int check_disability(const struct person_input *in, struct err *e)
{
	int rc = check_enum(in->disability_type, "disability_type",
			    registry_disability_types, e);
	if (rc < 0)
		return rc;
	if (in->disability_type && (in->disability_grade < 1 || in->disability_grade > 4))
		return err_set(e, ERR_INVALID, "disability_grade", "range",
			       "残疾等级应为1至4级", "disability_grade must be 1 to 4");
	if (!in->disability_type && in->disability_grade)
		return err_set(e, ERR_INVALID, "disability_grade", "requires_type",
			       "填写残疾等级时须同时填写残疾类别",
			       "disability_grade needs a disability_type");
	return 0;
}

/* Fields shared by create and update (NULL = not given). */
static int check_person_fields(const struct person_input *in, int creating,
			       struct err *e)
{
	int rc;
	if ((rc = check_text(in->name, "name", creating, LIMIT_NAME_BYTES, e)) < 0 ||
	    (rc = check_phone(in->phone, e)) < 0 ||
	    (rc = check_enum(in->relation, "relation", registry_relations, e)) < 0 ||
	    (rc = check_enum(in->health, "health", registry_health_values, e)) < 0 ||
	    (rc = check_enum(in->work_capacity, "work_capacity", registry_work_values, e)) < 0)
		return rc;
	if (in->disability_type && strcmp(in->disability_type, "none") == 0 && !creating)
		return 0;
	return check_disability(in, e);
}

/* A village/community code that exists and lies in the actor's region. */
static int check_village(struct store *s, const struct actor *a,
			 const char *code, const char *field, struct err *e)
{
	int rc;
	if (!code || !*code)
		return err_setf(e, ERR_INVALID, field, "required", "%s 为必填项",
				"%s is required", field);
	if (division_level(code) != DIVISION_VILLAGE)
		return err_setf(e, ERR_INVALID, field, "division_code",
				"%s 应为12位村（社区）区划代码",
				"%s must be a 12-digit village or community code", field);
	if ((rc = divisions_exists(s, code, e)) < 0)
		return rc;
	if (rc == 0)
		return err_setf(e, ERR_INVALID, field, "unknown_division",
				"区划 %s 不存在", "division %s does not exist", code);
	return perm_require_target(a, code, field, e);
}

/* === reading persons === */

#define PERSON_COLUMNS \
	"p.id, p.name, p.id_number, p.sex, p.birth_date, p.household_id," \
	" p.relation, p.region_code, COALESCE(t.name, '') || COALESCE(v.name, '')," \
	" p.phone, p.disability_type, p.disability_grade, p.health," \
	" p.work_capacity, p.synthetic, p.created_at, p.updated_at"
#define PERSON_FROM \
	" FROM persons p LEFT JOIN divisions v ON v.code = p.region_code" \
	" LEFT JOIN divisions t ON t.code = v.parent_code"

static int age_of(const char *birth_date)
{
	int64_t born;
	int by, bm, bd, ty, tm, td;
	if (clock_parse_date(birth_date, &born) < 0)
		return -1;
	clock_civil_from_days(born, &by, &bm, &bd);
	clock_civil_from_days(clock_today_china(), &ty, &tm, &td);
	return ty - by - ((tm < bm || (tm == bm && td < bd)) ? 1 : 0);
}

/* One row of PERSON_COLUMNS; the ID number full only when full_id. */
static json_t *person_json(struct store_stmt *st, int full_id)
{
	char masked[19];
	const char *number = store_col_text(st, 2);
	json_t *o;

	idcard_mask(number, masked);
	o = json_pack("{s:I, s:s, s:s, s:b, s:s, s:s, s:i}",
		"id", (json_int_t)store_col_int64(st, 0),
		"name", store_col_text(st, 1),
		"id_number", full_id ? number : masked,
		"id_number_masked", !full_id,
		"sex", store_col_text(st, 3),
		"birth_date", store_col_text(st, 4),
		"age", age_of(store_col_text(st, 4)));
	json_object_set_new(o, "household_id", render_int_or_null(st, 5));
	json_object_set_new(o, "relation", render_text_or_null(st, 6));
	json_object_set_new(o, "region_code", json_string(store_col_text(st, 7)));
	json_object_set_new(o, "region_name", json_string(store_col_text(st, 8)));
	json_object_set_new(o, "phone", render_text_or_null(st, 9));
	json_object_set_new(o, "disability_type", render_text_or_null(st, 10));
	json_object_set_new(o, "disability_grade", render_int_or_null(st, 11));
	json_object_set_new(o, "health", json_string(store_col_text(st, 12)));
	json_object_set_new(o, "work_capacity", json_string(store_col_text(st, 13)));
	json_object_set_new(o, "synthetic", json_boolean(store_col_int64(st, 14)));
	json_object_set_new(o, "created_at", json_string(store_col_text(st, 15)));
	json_object_set_new(o, "updated_at", json_string(store_col_text(st, 16)));
	return o;
}

/* Load one person (any region); ERR_NOT_FOUND when absent. */
static int load_person(struct store *s, int64_t id, int full_id, json_t **out,
		       struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT " PERSON_COLUMNS PERSON_FROM
			     " WHERE p.id = $1", "i", id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		*out = person_json(st, full_id);
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, NULL, "not_found",
			       "记录不存在或不在您的辖区内", "no such record in your region");
	return rc < 0 ? rc : 0;
}

static int audit_full_read(struct store *s, const struct actor *a, int64_t id,
			   const char *region, const char *reason, struct err *e)
{
	json_t *detail = json_pack("{s:s}", "reason", reason);
	int rc = audit_append(s, a, "person.id_number.read", "person", id, region,
			      detail, e);
	json_decref(detail);
	return rc;
}

int registry_person_get(struct store *s, const struct actor *a, int64_t id,
			int full_id, const char *reason, json_t **out,
			struct err *e)
{
	json_t *p = NULL;
	int rc;

	if ((rc = perm_require(a, PERM_PERSON_READ, e)) < 0)
		return rc;
	if (full_id) {
		if ((rc = perm_require(a, PERM_PERSON_ID_FULL, e)) < 0)
			return rc;
		if ((rc = check_text(reason, "reason", 1, LIMIT_REASON_BYTES, e)) < 0)
			return rc;
	}
	if ((rc = load_person(s, id, full_id, &p, e)) < 0)
		return rc;
	const char *region = json_string_value(json_object_get(p, "region_code"));
	if ((rc = perm_require_region(a, region, e)) < 0 ||
	    (full_id && (rc = audit_full_read(s, a, id, region, reason, e)) < 0)) {
		json_decref(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* === writing persons === */

/* The household's region (and whether it has a head) when it lies in the
 * actor's region; ERR_INVALID naming household_id otherwise. */
static int household_region(struct store *s, const struct actor *a,
			    int64_t household_id, char region[13],
			    int64_t *head, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT region_code, COALESCE(head_person_id, 0)"
			     " FROM households WHERE id = $1", "i", household_id);
	if (rc < 0)
		return rc;
	region[0] = '\0';
	if ((rc = store_step(st, e)) == STORE_ROW) {
		snprintf(region, 13, "%s", store_col_text(st, 0));
		*head = store_col_int64(st, 1);
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!region[0] || !perm_region_allows(a, region))
		return err_setf(e, ERR_INVALID, "household_id", "not_found",
				"家庭 %" PRId64 " 不存在或不在您的辖区内",
				"household %" PRId64 " does not exist in your region",
				household_id);
	return 0;
}

int registry_household_region(struct store *s, const struct actor *a, int64_t id,
			      const char *field, char region[13], struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT region_code FROM households WHERE id = $1",
			     "i", id);
	if (rc < 0)
		return rc;
	region[0] = '\0';
	if ((rc = store_step(st, e)) == STORE_ROW)
		snprintf(region, 13, "%s", store_col_text(st, 0));
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!region[0] || !perm_region_allows(a, region))
		return err_set(e, ERR_NOT_FOUND, field, "not_found", "家庭不存在或不在您的辖区内",
			       "no such household in your region");
	return 0;
}

static int person_duplicate(struct store *s, const char *number, struct err *e)
{
	int64_t existing = 0;
	int rc = store_int64(s, &existing, e, "SELECT id FROM persons WHERE id_number = $1",
			     "s", number);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = err_set(e, ERR_CONFLICT, "id_number", "duplicate",
		     "该身份证号码已登记", "a person with this ID number exists");
	e->existing_id = existing;
	return rc;
}

static int insert_person(struct store *s, const struct person_input *in,
			 const struct idcard *id, const char *region,
			 int64_t *out, struct err *e)
{
	char birth[11], now[21];
	snprintf(birth, sizeof(birth), "%04d-%02d-%02d", id->birth_year,
		 id->birth_month, id->birth_day);
	clock_format_utc(clock_now(), now);
	return store_int64(s, out, e,
		"INSERT INTO persons (id_number, name, sex, birth_date, household_id,"
		" relation, region_code, phone, disability_type, disability_grade,"
		" health, work_capacity, synthetic, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6, $7, $8, $9, NULLIF($10, 0),"
		" $11, $12, $13, $14, $14) RETURNING id",
		"ssssissssissis", id->number, in->name, id->sex == 'M' ? "M" : "F",
		birth, in->household_id, in->relation, region,
		in->phone && *in->phone ? in->phone : NULL, in->disability_type,
		in->disability_grade, in->health ? in->health : "healthy",
		in->work_capacity ? in->work_capacity : "full",
		(int64_t)(in->synthetic != 0), now);
}

static int audit_person(struct store *s, const struct actor *a,
			const char *action, int64_t id, const char *region,
			const struct person_input *in, struct err *e)
{
	json_t *d = json_object();
	int rc;
	if (in->name)
		json_object_set_new(d, "name", json_string(in->name));
	if (in->household_id)
		json_object_set_new(d, "household_id", json_integer(in->household_id));
	if (in->relation)
		json_object_set_new(d, "relation", json_string(in->relation));
	if (in->phone)
		json_object_set_new(d, "phone", json_string(in->phone));
	if (in->health)
		json_object_set_new(d, "health", json_string(in->health));
	if (in->work_capacity)
		json_object_set_new(d, "work_capacity", json_string(in->work_capacity));
	if (in->disability_type)
		json_object_set_new(d, "disability_type", json_string(in->disability_type));
	if (in->disability_grade)
		json_object_set_new(d, "disability_grade", json_integer(in->disability_grade));
	rc = audit_append(s, a, action, "person", id, region, d, e);
	json_decref(d);
	return rc;
}

/* Where the new person lives, checked: household's region or their own. */
static int person_region(struct store *s, const struct actor *a,
			 const struct person_input *in, char region[13],
			 int64_t *head, struct err *e)
{
	int rc;
	*head = -1;
	if (!in->household_id) {
		if ((rc = check_village(s, a, in->region_code, "region_code", e)) < 0)
			return rc;
		snprintf(region, 13, "%s", in->region_code);
		return 0;
	}
	if (!in->relation)
		return err_set(e, ERR_INVALID, "relation", "required",
			       "加入家庭时须填写与户主关系",
			       "relation is required with a household");
	if ((rc = household_region(s, a, in->household_id, region, head, e)) < 0)
		return rc;
	if (*head > 0 && strcmp(in->relation, "self") == 0)
		return err_set(e, ERR_INVALID, "relation", "head_exists",
			       "该家庭已有户主；更换户主请使用设置户主功能",
			       "the household has a head already; change it with set head");
	return 0;
}

int registry_person_create(struct store *s, const struct actor *a,
			   const struct person_input *in, int64_t *id,
			   struct err *e)
{
	struct idcard card;
	char region[13];
	int64_t head;
	int rc;

	if ((rc = perm_require(a, PERM_PERSON_WRITE, e)) < 0 ||
	    (rc = check_person_fields(in, 1, e)) < 0 ||
	    (rc = idcard_parse(in->id_number, "id_number", &card, e)) < 0)
		return rc;
	/* The duplicate answer comes first: it is the most useful one. */
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = person_duplicate(s, card.number, e)) < 0 ||
	    (rc = person_region(s, a, in, region, &head, e)) < 0 ||
	    (rc = insert_person(s, in, &card, region, id, e)) < 0 ||
	    (rc = audit_person(s, a, "person.create", *id, region, in, e)) < 0)
		goto fail;
	/* The first member who is "self" becomes the head. */
	if (head == 0 && strcmp(in->relation, "self") == 0 &&
	    (rc = store_execv(s, e, "UPDATE households SET head_person_id = $1"
			      " WHERE id = $2", "ii", *id, in->household_id)) < 0)
		goto fail;
	return store_commit(s, e);
fail:
	store_rollback(s);
	return rc;
}

static int person_region_of(struct store *s, const struct actor *a, int64_t id,
			    char region[13], struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT region_code FROM persons WHERE id = $1",
			     "i", id);
	if (rc < 0)
		return rc;
	region[0] = '\0';
	if ((rc = store_step(st, e)) == STORE_ROW)
		snprintf(region, 13, "%s", store_col_text(st, 0));
	store_finalize(st);
	if (rc < 0)
		return rc;
	return perm_require_region(a, region, e);
}

/* A person without a household may move to another village of the
 * actor's region; a member's region is the household's. */
static int move_region(struct store *s, const struct actor *a, int64_t id,
		       const struct person_input *in, char region[13],
		       struct err *e)
{
	int64_t household = 0;
	int rc = store_int64(s, &household, e, "SELECT COALESCE(household_id, 0)"
			     " FROM persons WHERE id = $1", "i", id);
	if (rc < 0)
		return rc;
	if (household || in->household_id)
		return err_set(e, ERR_INVALID, "region_code", "follows_household",
			       "家庭成员的区划随家庭；请修改家庭或更换所属家庭",
			       "a household member's region is the household's");
	if ((rc = check_village(s, a, in->region_code, "region_code", e)) < 0)
		return rc;
	snprintf(region, 13, "%s", in->region_code);
	return 0;
}

int registry_person_update(struct store *s, const struct actor *a, int64_t id,
			   const struct person_input *in, struct err *e)
{
	char region[13], hregion[13], now[21];
	int64_t head;
	int rc;

	if ((rc = perm_require(a, PERM_PERSON_WRITE, e)) < 0)
		return rc;
	if (in->id_number)
		return err_set(e, ERR_INVALID, "id_number", "immutable",
			       "身份证号码登记后不能修改；如有错误请注销后重新登记",
			       "the ID number cannot change once registered");
	if ((rc = check_person_fields(in, 0, e)) < 0 ||
	    (rc = person_region_of(s, a, id, region, e)) < 0)
		return rc;
	if (in->household_id) {
		if ((rc = household_region(s, a, in->household_id, hregion, &head, e)) < 0)
			return rc;
		snprintf(region, sizeof(region), "%s", hregion);
	}
	if (in->region_code && (rc = move_region(s, a, id, in, region, e)) < 0)
		return rc;
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	rc = store_execv(s, e,
		"UPDATE persons SET name = COALESCE($2, name),"
		" phone = COALESCE($3, phone),"
		" relation = COALESCE($4, relation),"
		" health = COALESCE($5, health),"
		" work_capacity = COALESCE($6, work_capacity),"
		" disability_type = CASE WHEN $7 IS NULL THEN disability_type"
		"   WHEN $7 = 'none' THEN NULL ELSE $7 END,"
		" disability_grade = CASE WHEN $7 = 'none' THEN NULL"
		"   ELSE COALESCE(NULLIF($8, 0), disability_grade) END,"
		" household_id = COALESCE(NULLIF($9, 0), household_id),"
		" region_code = $10, updated_at = $11 WHERE id = $1",
		"issssssiiss", id, in->name, in->phone, in->relation, in->health,
		in->work_capacity, in->disability_type, in->disability_grade,
		in->household_id, region, now);
	if (rc < 0 || (rc = audit_person(s, a, "person.update", id, region, in, e)) < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* === searching persons === */

/* An exact ID number to look for, normalised; NULL when none was asked. */
static int query_number(const char *in, struct idcard *card, const char **out,
			struct err *e)
{
	*out = NULL;
	if (!in || !*in)
		return 0;
	int rc = idcard_parse(in, "id_number", card, e);
	if (rc < 0)
		return rc;
	*out = card->number;
	return 0;
}

#define PERSON_WHERE \
	" WHERE substr(p.region_code, 1, length($1)) = $1" \
	"   AND ($2 IS NULL OR p.id_number = $2)" \
	"   AND ($3 IS NULL OR instr(p.name, $3) > 0)" \
	"   AND ($4 = 0 OR p.household_id = $4)"

/* Step st to the end, one JSON object a row; finalizes st. */
static int collect(struct store_stmt *st, json_t *(*row)(struct store_stmt *, int),
		   json_t **items, struct err *e)
{
	int rc;
	*items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(*items, row(st, 0));
	store_finalize(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	return 0;
}

int registry_person_search(struct store *s, const struct actor *a,
			   const struct person_query *q, json_t **out,
			   struct err *e)
{
	struct store_stmt *st = NULL;
	const char *region = perm_region_narrow(a, q->region), *number, *name;
	struct idcard card;
	json_t *items;
	int64_t total;
	int rc;

	if ((rc = perm_require(a, PERM_PERSON_READ, e)) < 0 ||
	    (rc = query_number(q->id_number, &card, &number, e)) < 0)
		return rc;
	name = q->name && *q->name ? q->name : NULL;
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM persons p" PERSON_WHERE,
			      "sssi", region, number, name, q->household_id)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " PERSON_COLUMNS PERSON_FROM
			      PERSON_WHERE " ORDER BY p.id LIMIT $5 OFFSET $6",
			      "sssiii", region, number, name, q->household_id,
			      q->per_page, (q->page - 1) * q->per_page)) < 0 ||
	    (rc = collect(st, person_json, &items, e)) < 0)
		return rc;
	*out = render_page(items, total, q->page, q->per_page);
	return 0;
}

/* === households === */

#define HOUSEHOLD_COLUMNS \
	"h.id, h.region_code, COALESCE(t.name, '') || COALESCE(v.name, '')," \
	" h.address, h.area_kind, h.head_person_id, hp.name," \
	" (SELECT count(*) FROM persons m WHERE m.household_id = h.id)," \
	" h.synthetic, h.created_at, h.updated_at"
#define HOUSEHOLD_FROM \
	" FROM households h LEFT JOIN divisions v ON v.code = h.region_code" \
	" LEFT JOIN divisions t ON t.code = v.parent_code" \
	" LEFT JOIN persons hp ON hp.id = h.head_person_id"

static json_t *household_json(struct store_stmt *st, int unused)
{
	(void)unused;
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:b, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"region_code", store_col_text(st, 1),
		"region_name", store_col_text(st, 2),
		"address", store_col_text(st, 3),
		"area_kind", store_col_text(st, 4),
		"member_count", (json_int_t)store_col_int64(st, 7),
		"synthetic", (int)store_col_int64(st, 8),
		"created_at", store_col_text(st, 9),
		"updated_at", store_col_text(st, 10));
	json_object_set_new(o, "head_person_id", render_int_or_null(st, 5));
	json_object_set_new(o, "head_name", render_text_or_null(st, 6));
	return o;
}

static int area_kind_for(struct store *s, const struct household_input *in,
			 const char **kind, struct err *e)
{
	int rc;
	if (in->area_kind) {
		*kind = in->area_kind;
		return check_enum(in->area_kind, "area_kind", registry_area_kinds, e);
	}
	if ((rc = divisions_is_urban(s, in->region_code, e)) < 0)
		return rc;
	*kind = rc ? "urban" : "rural";
	return 0;
}

int registry_household_create(struct store *s, const struct actor *a,
			      const struct household_input *in, int64_t *id,
			      struct err *e)
{
	const char *kind = NULL;
	char now[21];
	int rc;

	if ((rc = perm_require(a, PERM_HOUSEHOLD_WRITE, e)) < 0 ||
	    (rc = check_text(in->address, "address", 1, LIMIT_ADDRESS_BYTES, e)) < 0 ||
	    (rc = check_village(s, a, in->region_code, "region_code", e)) < 0 ||
	    (rc = area_kind_for(s, in, &kind, e)) < 0)
		return rc;
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	json_t *d = json_pack("{s:s, s:s, s:s}", "region_code", in->region_code,
			      "address", in->address, "area_kind", kind);
	if ((rc = store_int64(s, id, e,
			      "INSERT INTO households (region_code, address, area_kind,"
			      " synthetic, created_at, updated_at)"
			      " VALUES ($1, $2, $3, $4, $5, $5) RETURNING id", "sssis",
			      in->region_code, in->address, kind,
			      (int64_t)(in->synthetic != 0), now)) < 0 ||
	    (rc = audit_append(s, a, "household.create", "household", *id,
			       in->region_code, d, e)) < 0) {
		json_decref(d);
		store_rollback(s);
		return rc;
	}
	json_decref(d);
	return store_commit(s, e);
}

static int load_household(struct store *s, const struct actor *a, int64_t id,
			  json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT " HOUSEHOLD_COLUMNS HOUSEHOLD_FROM
			     " WHERE h.id = $1", "i", id);
	if (rc < 0)
		return rc;
	*out = NULL;
	if ((rc = store_step(st, e)) == STORE_ROW)
		*out = household_json(st, 0);
	store_finalize(st);
	if (rc < 0)
		return rc;
	const char *region = *out ? json_string_value(json_object_get(*out, "region_code")) : NULL;
	if ((rc = perm_require_region(a, region, e)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int registry_household_get(struct store *s, const struct actor *a, int64_t id,
			   json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *h = NULL, *members = NULL;
	int rc;

	if ((rc = perm_require(a, PERM_HOUSEHOLD_READ, e)) < 0 ||
	    (rc = load_household(s, a, id, &h, e)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e, "SELECT " PERSON_COLUMNS PERSON_FROM
			      " WHERE p.household_id = $1 ORDER BY"
			      " (p.relation = 'self') DESC, p.birth_date, p.id",
			      "i", id)) < 0 ||
	    (rc = collect(st, person_json, &members, e)) < 0) {
		json_decref(h);
		return rc;
	}
	json_object_set_new(h, "members", members);
	*out = h;
	return 0;
}

int registry_household_set_head(struct store *s, const struct actor *a,
				int64_t household_id, int64_t person_id,
				struct err *e)
{
	json_t *h = NULL;
	int64_t member = 0;
	int rc;

	if ((rc = perm_require(a, PERM_HOUSEHOLD_WRITE, e)) < 0 ||
	    (rc = load_household(s, a, household_id, &h, e)) < 0)
		return rc;
	char region[13];
	snprintf(region, sizeof(region), "%s",
		 json_string_value(json_object_get(h, "region_code")));
	json_decref(h);
	rc = store_int64(s, &member, e, "SELECT count(*) FROM persons"
			 " WHERE id = $1 AND household_id = $2", "ii", person_id,
			 household_id);
	if (rc < 0)
		return rc;
	if (!member)
		return err_set(e, ERR_INVALID, "person_id", "not_member",
			       "此人不是该家庭成员", "this person is not a member of the household");
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	json_t *d = json_pack("{s:I}", "person_id", (json_int_t)person_id);
	if ((rc = store_execv(s, e, "UPDATE persons SET relation = 'other'"
			      " WHERE household_id = $1 AND relation = 'self' AND id <> $2",
			      "ii", household_id, person_id)) < 0 ||
	    (rc = store_execv(s, e, "UPDATE persons SET relation = 'self' WHERE id = $1",
			      "i", person_id)) < 0 ||
	    (rc = store_execv(s, e, "UPDATE households SET head_person_id = $1"
			      " WHERE id = $2", "ii", person_id, household_id)) < 0 ||
	    (rc = audit_append(s, a, "household.set_head", "household", household_id,
			       region, d, e)) < 0) {
		json_decref(d);
		store_rollback(s);
		return rc;
	}
	json_decref(d);
	return store_commit(s, e);
}

#define HOUSEHOLD_WHERE \
	" WHERE substr(h.region_code, 1, length($1)) = $1" \
	"   AND ($2 IS NULL OR instr(h.address, $2) > 0)"

int registry_household_search(struct store *s, const struct actor *a,
			      const struct household_query *q, json_t **out,
			      struct err *e)
{
	struct store_stmt *st = NULL;
	const char *region = perm_region_narrow(a, q->region);
	const char *addr = q->address && *q->address ? q->address : NULL;
	json_t *items;
	int64_t total;
	int rc;

	if ((rc = perm_require(a, PERM_HOUSEHOLD_READ, e)) < 0 ||
	    (rc = store_int64(s, &total, e, "SELECT count(*) FROM households h"
			      HOUSEHOLD_WHERE, "ss", region, addr)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " HOUSEHOLD_COLUMNS HOUSEHOLD_FROM
			      HOUSEHOLD_WHERE " ORDER BY h.id LIMIT $3 OFFSET $4",
			      "ssii", region, addr, q->per_page,
			      (q->page - 1) * q->per_page)) < 0 ||
	    (rc = collect(st, household_json, &items, e)) < 0)
		return rc;
	*out = render_page(items, total, q->page, q->per_page);
	return 0;
}
