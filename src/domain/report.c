/*
 * report.c - reports of people in difficulty, and the photos they carry.
 *
 * Design: a report is validated in two passes, first the shape of the
 * request (report_input_from_json: types, every field named), then the
 * values against the store (the village exists and lies in the reporter's
 * region, the person exists, the photos were uploaded).  The write is one
 * transaction that holds the client_key lookup, the duplicate check, the
 * row, its creation event, the audit entry and the report.new message, so
 * two concurrent sends of the same report cannot both be stored and a
 * duplicate is judged against what is committed.  Duplicates are not
 * refused: the report is kept as "merged" with a pointer to the record that
 * already covers the person, because the second reporter may know
 * something the first did not.  State changes (accept, dismiss) go through
 * the wf_report table; accept opens the case in the same transaction.
 *
 * Photos: the bytes decide what a file is (JPEG and PNG magic numbers), the
 * Content-Type sent must agree; the SHA-256 of the bytes is the key, so a
 * photo sent twice is stored once.  Visibility follows the records that
 * name a photo, so a photo is never more visible than its report or visit.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "report.h"
#include "audit.h"
#include "casework.h"
#include "divisions.h"
#include "outbox.h"
#include "workflow.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/idcard.h"
#include "../core/jsonx.h"
#include "render.h"
#include "../core/text.h"
#include "../core/banned.h"

const char *const report_categories[] = {
	"illness", "disability", "disaster", "schooling", "accident",
	"unemployment", "elderly_alone", "child_unattended", "housing", "other",
	NULL
};
const char *const report_urgencies[] = { "normal", "urgent", "critical", NULL };

#define CLIENT_KEY_BYTES 128
#define ONE_HOUR 3600

/* === checks on values === */

/* Text that is given, not blank, shorter than max bytes; newlines and tabs
 * only where multiline is set. */
static int check_text(const char *v, const char *field, size_t max,
		      int multiline, struct err *e)
{
	if (!v || !*v || strspn(v, " \t\r\n") == strlen(v))
		return err_setf(e, ERR_INVALID, field, "required", "%s 为必填项",
				"%s is required", field);
	if (strlen(v) > max)
		return err_setf(e, ERR_INVALID, field, "length",
				"%s 不能超过 %zu 字节", "%s must be at most %zu bytes",
				field, max);
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
			return err_setf(e, ERR_INVALID, field, "characters",
					"%s 含有控制字符", "%s contains control characters",
					field);
	}
	return 0;
}

static int check_phone(const char *v, struct err *e)
{
	size_t digits = 0;
	int other = 0;
	for (const char *p = v; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != '-' && *p != '+' && *p != ' ')
			other = 1;
	}
	if (other || digits < 7 || digits > 20 || strlen(v) >= LIMIT_PHONE_BYTES)
		return err_set(e, ERR_INVALID, "contact_phone", "format",
			       "联系电话格式不正确（7至20位数字）",
			       "contact_phone must have 7 to 20 digits");
	return 0;
}

static int is_sha256_hex(const char *v)
{
	if (!v || strlen(v) != 64)
		return 0;
	for (const char *p = v; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

static int check_range(int given, double v, double lo, double hi,
		       const char *field, struct err *e)
{
	if (given && !(v >= lo && v <= hi))
		return err_setf(e, ERR_INVALID, field, "range",
				"%s 应在 %g 到 %g 之间", "%s must be between %g and %g",
				field, lo, hi);
	return 0;
}

/* The rules on values that need no store. */
static int check_values(const struct report_input *in, int resident,
			struct err *e)
{
	int rc;
	if ((rc = check_text(in->subject_name, "subject_name", LIMIT_NAME_BYTES - 1, 0, e)) < 0 ||
	    (rc = check_text(in->description, "description", LIMIT_DESCRIPTION_BYTES, 1, e)) < 0)
		return rc;
	if (in->subject_age != -1 && (in->subject_age < 0 || in->subject_age > 130))
		return err_set(e, ERR_INVALID, "subject_age", "range",
			       "年龄应在 0 到 130 之间", "subject_age must be 0 to 130");
	if (in->n_categories == 0)
		return err_set(e, ERR_INVALID, "categories", "required",
			       "请至少选择一类困难", "choose at least one category");
	for (size_t i = 0; i < in->n_categories; i++)
		if (!text_in_list(in->categories[i], report_categories))
			return err_setf(e, ERR_INVALID, "categories", "enum",
					"未知的困难类别：%s", "unknown category: %s",
					in->categories[i] ? in->categories[i] : "");
	if (in->urgency && !text_in_list(in->urgency, report_urgencies))
		return err_set(e, ERR_INVALID, "urgency", "enum",
			       "urgency 应为 normal、urgent 或 critical",
			       "urgency must be normal, urgent or critical");
	if ((rc = check_range(in->has_location, in->latitude, -90, 90, "latitude", e)) < 0 ||
	    (rc = check_range(in->has_location, in->longitude, -180, 180, "longitude", e)) < 0 ||
	    (rc = check_range(in->has_accuracy, in->accuracy_m, 0, 100000, "accuracy_m", e)) < 0)
		return rc;
	if (in->n_photos > LIMIT_PHOTOS_PER_REPORT)
		return err_setf(e, ERR_INVALID, "photos", "too_many",
				"照片最多 %d 张", "at most %d photos",
				LIMIT_PHOTOS_PER_REPORT);
	for (size_t i = 0; i < in->n_photos; i++)
		if (!is_sha256_hex(in->photos[i]))
			return err_set(e, ERR_INVALID, "photos", "format",
				       "照片应以上传后返回的 sha256 表示（64位小写十六进制）",
				       "photos are sha256 values (64 lower-case hex) from the upload");
	if (in->client_key && (!*in->client_key || strlen(in->client_key) > CLIENT_KEY_BYTES))
		return err_setf(e, ERR_INVALID, "client_key", "length",
				"client_key 应为 1 到 %d 个字符", "client_key must be 1 to %d characters",
				CLIENT_KEY_BYTES);
	if (resident && (!in->contact_phone || !*in->contact_phone))
		return err_set(e, ERR_INVALID, "contact_phone", "required",
			       "请留下联系电话，以便核实", "contact_phone is required");
	if (in->contact_phone && *in->contact_phone)
		return check_phone(in->contact_phone, e);
	return 0;
}

/* === reading the request === */

static const char *const staff_fields[] = {
	"client_key", "region_code", "subject_name", "subject_id_number",
	"person_id", "subject_age", "categories", "description", "urgency",
	"latitude", "longitude", "accuracy_m", "photos", "contact_phone", NULL
};
static const char *const resident_fields[] = {
	"region_code", "subject_name", "subject_age", "categories", "description",
	"urgency", "latitude", "longitude", "accuracy_m", "contact_phone", NULL
};

static int type_error(const char *field, const char *zh, const char *en,
		      struct err *e)
{
	/* Both formats take the same arguments: each skips the other's word. */
	return err_setf(e, ERR_INVALID, field, "type", "%s 应为%s%.0s",
			"%s must be %.0s%s", field, zh, en);
}

/* A JSON number (integer or real); *given stays 0 when absent or null. */
static int read_number(json_t *body, const char *key, int *given, double *out,
		       struct err *e)
{
	json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return err_setf(e, ERR_INVALID, key, "type", "%s 应为数字",
				"%s must be a number", key);
	*out = json_number_value(v);
	*given = 1;
	return 0;
}

/* An array of strings into out[], each once; rule "type" otherwise. */
static int read_string_array(json_t *body, const char *key, const char **out,
			     size_t cap, size_t *n, struct err *e)
{
	json_t *arr = json_object_get(body, key), *v;
	size_t i;

	*n = 0;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return type_error(key, "字符串数组", "an array of strings", e);
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		int seen = 0;
		if (!s)
			return type_error(key, "字符串数组", "an array of strings", e);
		for (size_t k = 0; k < *n && !seen; k++)
			seen = strcmp(out[k], s) == 0;
		if (seen)
			continue;
		if (*n >= cap)
			return err_setf(e, ERR_INVALID, key, "too_many", "%s 项目过多",
					"%s has too many items", key);
		out[(*n)++] = s;
	}
	return 0;
}

static int read_location(json_t *body, struct report_input *in, struct err *e)
{
	int has_lat = 0, has_lon = 0;
	int rc;
	if ((rc = read_number(body, "latitude", &has_lat, &in->latitude, e)) < 0 ||
	    (rc = read_number(body, "longitude", &has_lon, &in->longitude, e)) < 0 ||
	    (rc = read_number(body, "accuracy_m", &in->has_accuracy, &in->accuracy_m, e)) < 0)
		return rc;
	if (has_lat != has_lon)
		return err_set(e, ERR_INVALID, has_lat ? "longitude" : "latitude",
			       "required", "经度和纬度须同时填写",
			       "latitude and longitude come together");
	if (in->has_accuracy && !has_lat)
		return err_set(e, ERR_INVALID, "accuracy_m", "requires_location",
			       "填写定位精度时须同时填写经纬度",
			       "accuracy_m needs latitude and longitude");
	in->has_location = has_lat;
	return 0;
}

int report_input_from_json(json_t *body, int resident, struct report_input *in,
			   struct err *e)
{
	int rc;

	memset(in, 0, sizeof(*in));
	in->subject_age = -1;
	if ((rc = jsonx_only(body, resident ? resident_fields : staff_fields, e)) < 0 ||
	    (rc = jsonx_string(body, "region_code", 1, 64, &in->region_code, e)) < 0 ||
	    (rc = jsonx_string(body, "subject_name", 1, LIMIT_FIELD_BYTES, &in->subject_name, e)) < 0 ||
	    (rc = jsonx_int(body, "subject_age", 0, 0, 130, &in->subject_age, e)) < 0 ||
	    (rc = read_string_array(body, "categories", in->categories,
				    sizeof(in->categories) / sizeof(in->categories[0]),
				    &in->n_categories, e)) < 0 ||
	    (rc = jsonx_string(body, "description", 1, LIMIT_FIELD_BYTES, &in->description, e)) < 0 ||
	    (rc = jsonx_enum(body, "urgency", 0, report_urgencies, &in->urgency, e)) < 0 ||
	    (rc = read_location(body, in, e)) < 0 ||
	    (rc = jsonx_string(body, "contact_phone", resident, 64, &in->contact_phone, e)) < 0)
		return rc;
	if (resident)
		return check_values(in, 1, e);
	if ((rc = jsonx_string(body, "client_key", 0, CLIENT_KEY_BYTES, &in->client_key, e)) < 0 ||
	    (rc = jsonx_string(body, "subject_id_number", 0, 64, &in->subject_id_number, e)) < 0 ||
	    (rc = jsonx_int(body, "person_id", 0, 1, INT64_MAX, &in->person_id, e)) < 0 ||
	    (rc = read_string_array(body, "photos", in->photos, LIMIT_PHOTOS_PER_REPORT,
				    &in->n_photos, e)) < 0)
		return rc;
	if (in->subject_id_number && !*in->subject_id_number)
		in->subject_id_number = NULL;
	return check_values(in, 0, e);
}

/* === photos === */

static const char *sniff_mime(const unsigned char *b, size_t n)
{
	static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A };
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && memcmp(b, png, 8) == 0)
		return "image/png";
	return NULL;
}

/* "image/JPEG; q=1" names image/jpeg. */
static int mime_names(const char *sent, const char *mime)
{
	size_t n = sent ? strcspn(sent, ";") : 0;
	while (n && sent[n - 1] == ' ')
		n--;
	while (n && *sent == ' ') {
		sent++;
		n--;
	}
	return sent && n == strlen(mime) && strncasecmp(sent, mime, n) == 0;
}

int photo_store(struct store *s, const struct actor *a,
		const unsigned char *bytes, size_t len, const char *mime_sent,
		struct photo_info *out, struct err *e)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	const char *mime;
	char now[21];
	int rc;

	if ((rc = perm_require(a, PERM_REPORT_CREATE, e)) < 0)
		return rc;
	if (!bytes || len == 0)
		return err_set(e, ERR_INVALID, "body", "empty", "请上传照片内容",
			       "the photo is empty");
	if (len > LIMIT_PHOTO_BYTES)
		return err_setf(e, ERR_TOO_LARGE, "body", "too_large",
				"照片不能超过 %d 字节", "a photo must be at most %d bytes",
				LIMIT_PHOTO_BYTES);
	if (!(mime = sniff_mime(bytes, len)))
		return err_set(e, ERR_MEDIA_TYPE, "body", "not_image",
			       "文件内容不是 JPEG 或 PNG 图片",
			       "the content is not a JPEG or PNG image");
	if (!mime_names(mime_sent, mime))
		return err_setf(e, ERR_MEDIA_TYPE, "body", "type_mismatch",
				"文件内容为 %s，与声明的类型不符",
				"the content is %s, not the type declared", mime);
	crypto_hash_sha256(hash, bytes, len);
	sodium_bin2hex(out->sha256, sizeof(out->sha256), hash, sizeof(hash));
	snprintf(out->mime, sizeof(out->mime), "%s", mime);
	out->bytes = (int64_t)len;
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	rc = store_execv(s, e, "INSERT INTO blobs (sha256, mime, bytes, data,"
			 " uploaded_by, created_at) VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6)"
			 " ON CONFLICT (sha256) DO NOTHING", "ssibis", out->sha256, mime,
			 out->bytes, (const void *)bytes, len, a->user_id, now);
	if (rc == 0 && store_changes(s) == 1) {
		/* Only a photo stored now is a write worth an entry. */
		json_t *d = json_pack("{s:s, s:s, s:I}", "sha256", out->sha256,
				      "mime", mime, "bytes", (json_int_t)len);
		rc = audit_append(s, a, "photo.upload", "photo", 0, a->region, d, e);
		json_decref(d);
	}
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* 1 when a report or visit the actor may read names the photo. */
static int photo_named_for(struct store *s, const struct actor *a,
			   const char *sha256, struct err *e)
{
	char quoted[70];
	int64_t n = 0;
	int rc;

	snprintf(quoted, sizeof(quoted), "\"%s\"", sha256);
	if (perm_role_has(a->role, PERM_REPORT_READ)) {
		rc = store_int64(s, &n, e, "SELECT count(*) FROM reports WHERE"
				 " instr(photos, $1) > 0 AND substr(region_code, 1,"
				 " length($2)) = $2", "ss", quoted, a->region);
		if (rc < 0 || n > 0)
			return rc < 0 ? rc : 1;
	}
	if (perm_role_has(a->role, PERM_CASE_READ) ||
	    perm_role_has(a->role, PERM_REFERRAL_READ)) {
		rc = store_int64(s, &n, e, "SELECT count(*) FROM visits WHERE"
				 " instr(photos, $1) > 0 AND substr(region_code, 1,"
				 " length($2)) = $2", "ss", quoted, a->region);
		if (rc < 0 || n > 0)
			return rc < 0 ? rc : 1;
	}
	return 0;
}

static int photo_not_found(struct err *e)
{
	return err_set(e, ERR_NOT_FOUND, NULL, "not_found", "照片不存在或无权查看",
		       "no such photo for you");
}

int photo_get(struct store *s, const struct actor *a, const char *sha256,
	      struct arena *arena, const void **bytes, size_t *len,
	      char mime[16], struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t uploader = 0;
	void *copy = NULL;
	int rc, found = 0;

	if (!is_sha256_hex(sha256))
		return photo_not_found(e);
	if ((rc = store_query(s, &st, e, "SELECT mime, COALESCE(uploaded_by, 0), data"
			      " FROM blobs WHERE sha256 = $1", "s", sha256)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		size_t n = 0;
		const void *data = s->ops->column_blob(st, 2, &n);
		snprintf(mime, 16, "%s", store_col_text(st, 0));
		uploader = store_col_int64(st, 1);
		copy = arena_alloc(arena, n ? n : 1);
		if (copy && n)
			memcpy(copy, data, n);
		*len = n;
		found = 1;
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!found)
		return photo_not_found(e);
	if (!copy)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	if (!(uploader && uploader == a->user_id)) {
		if ((rc = photo_named_for(s, a, sha256, e)) < 0)
			return rc;
		if (rc == 0)
			return photo_not_found(e);
	}
	*bytes = copy;
	return 0;
}

/* === checks against the store === */

/* A village that exists; inside the actor's region unless a is NULL. */
static int check_village(struct store *s, const struct actor *a,
			 const char *code, struct err *e)
{
	int rc;
	if (division_level(code) != DIVISION_VILLAGE)
		return err_set(e, ERR_INVALID, "region_code", "division_code",
			       "region_code 应为12位村（社区）区划代码",
			       "region_code must be a 12-digit village or community code");
	if ((rc = divisions_exists(s, code, e)) < 0)
		return rc;
	if (rc == 0)
		return err_setf(e, ERR_INVALID, "region_code", "unknown_division",
				"区划 %s 不存在", "division %s does not exist", code);
	return a ? perm_require_target(a, code, "region_code", e) : 0;
}

/* Who the report is about, as far as the registry knows. */
struct subject {
	int64_t person_id;      /* 0 = unknown */
	int64_t household_id;
	char number[19];        /* normalised ID number given, "" = none */
};

static int person_by_number(struct store *s, struct subject *sub, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT id, COALESCE(household_id, 0)"
			     " FROM persons WHERE id_number = $1", "s", sub->number);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		sub->person_id = store_col_int64(st, 0);
		sub->household_id = store_col_int64(st, 1);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int person_by_id(struct store *s, const struct actor *a, int64_t id,
			struct subject *sub, struct err *e)
{
	struct store_stmt *st = NULL;
	char region[13] = "", number[19] = "";
	int rc = store_query(s, &st, e, "SELECT region_code, COALESCE(household_id, 0),"
			     " id_number FROM persons WHERE id = $1", "i", id);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		snprintf(region, sizeof(region), "%s", store_col_text(st, 0));
		sub->household_id = store_col_int64(st, 1);
		snprintf(number, sizeof(number), "%s", store_col_text(st, 2));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!region[0] || !perm_region_allows(a, region))
		return err_setf(e, ERR_INVALID, "person_id", "not_found",
				"人员 %" PRId64 " 不存在或不在您的辖区内",
				"person %" PRId64 " does not exist in your region", id);
	if (sub->number[0] && strcmp(sub->number, number) != 0)
		return err_set(e, ERR_INVALID, "subject_id_number", "mismatch",
			       "身份证号码与所选人员不一致",
			       "subject_id_number is not the number of person_id");
	sub->person_id = id;
	return 0;
}

static int resolve_subject(struct store *s, const struct actor *a,
			   const struct report_input *in, struct subject *sub,
			   struct err *e)
{
	struct idcard card;
	int rc;

	memset(sub, 0, sizeof(*sub));
	if (in->subject_id_number) {
		if ((rc = idcard_parse(in->subject_id_number, "subject_id_number",
				       &card, e)) < 0)
			return rc;
		snprintf(sub->number, sizeof(sub->number), "%s", card.number);
	}
	if (in->person_id)
		return person_by_id(s, a, in->person_id, sub, e);
	if (sub->number[0])
		return person_by_number(s, sub, e);
	return 0;
}

static int check_photos(struct store *s, const struct report_input *in,
			struct err *e)
{
	for (size_t i = 0; i < in->n_photos; i++) {
		int64_t n = 0;
		int rc = store_int64(s, &n, e, "SELECT count(*) FROM blobs WHERE sha256 = $1",
				     "s", in->photos[i]);
		if (rc < 0)
			return rc;
		if (n == 0)
			return err_setf(e, ERR_INVALID, "photos", "unknown_photo",
					"照片 %.12s… 尚未上传", "photo %.12s… was not uploaded",
					in->photos[i]);
	}
	return 0;
}

/* === duplicates === */

struct duplicate {
	char kind[12];          /* "", "case", "report", "enrollment" */
	int64_t id;
	char status[16];
};

/* One (id, status) row into d under `kind`; 1 when found. */
static int first_match(struct store *s, struct duplicate *d, const char *kind,
		       const char *sql, const char *types, int64_t a1, int64_t a2,
		       const char *t1, const char *t2, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if (types[0] == 'i')
		rc = store_query(s, &st, e, sql, types, a1, a2);
	else
		rc = store_query(s, &st, e, sql, types, t1, t2);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		snprintf(d->kind, sizeof(d->kind), "%s", kind);
		d->id = store_col_int64(st, 0);
		snprintf(d->status, sizeof(d->status), "%s", store_col_text(st, 1));
	}
	store_finalize(st);
	return rc < 0 ? rc : rc == STORE_ROW;
}

/*
 * What already covers this subject, most telling first: a case someone
 * works on, an open report waiting for triage, an active enrollment.  The
 * household counts for cases and enrollments: household programs (dibao)
 * enrol the household, and a visit gives the case a household.
 */
static int find_duplicate(struct store *s, const struct subject *sub,
			  const char *region, const char *name,
			  struct duplicate *d, struct err *e)
{
	int rc;
	memset(d, 0, sizeof(*d));
	if (!sub->person_id)
		return first_match(s, d, "report",
			"SELECT id, status FROM reports WHERE status IN ('submitted', 'unverified')"
			" AND region_code = $1 AND subject_name = $2 ORDER BY id DESC LIMIT 1",
			"ss", 0, 0, region, name, e);
	if ((rc = first_match(s, d, "case",
			"SELECT id, status FROM cases WHERE status <> 'closed' AND"
			" (person_id = $1 OR ($2 <> 0 AND household_id = $2))"
			" ORDER BY id DESC LIMIT 1", "ii", sub->person_id,
			sub->household_id, NULL, NULL, e)) != 0)
		return rc;
	/* ($2 is bound for every query of first_match; here it is unused.) */
	if ((rc = first_match(s, d, "report",
			"SELECT id, status FROM reports WHERE status IN ('submitted', 'unverified')"
			" AND person_id = $1 AND $2 = 0 ORDER BY id DESC LIMIT 1", "ii",
			sub->person_id, 0, NULL, NULL, e)) != 0)
		return rc;
	return first_match(s, d, "enrollment",
			"SELECT id, status FROM enrollments WHERE status = 'active' AND"
			" (person_id = $1 OR ($2 <> 0 AND household_id = $2))"
			" ORDER BY id DESC LIMIT 1", "ii", sub->person_id,
			sub->household_id, NULL, NULL, e);
}

static json_t *duplicate_json(const struct duplicate *d)
{
	return json_pack("{s:s, s:I, s:s}", "kind", d->kind, "id", (json_int_t)d->id,
			 "status", d->status);
}

/* === writing a report === */

struct new_report {
	const struct report_input *in;
	const struct subject *sub;
	const char *source;       /* staff, resident */
	const char *status;       /* submitted, unverified, merged */
	int64_t reporter;         /* 0 = none */
	const struct duplicate *dup;
};

/* JSON text of a C string list ("[]" when empty); caller frees. */
static char *list_text(const char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	char *t = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return t;
}

static void number_text(int given, double v, char out[32])
{
	if (given)
		snprintf(out, 32, "%.10g", v);
	else
		out[0] = '\0';
}

static int insert_report(struct store *s, const struct new_report *r,
			 int64_t *id, struct err *e)
{
	const struct report_input *in = r->in;
	char *cats = list_text(in->categories, in->n_categories);
	char *photos = list_text(in->photos, in->n_photos);
	char *dup = NULL, now[21], lat[32], lon[32], acc[32];
	int rc;

	if (r->dup && r->dup->kind[0]) {
		json_t *d = duplicate_json(r->dup);
		dup = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(d);
	}
	number_text(in->has_location, in->latitude, lat);
	number_text(in->has_location, in->longitude, lon);
	number_text(in->has_accuracy, in->accuracy_m, acc);
	clock_format_utc(clock_now(), now);
	if (!cats || !photos) {
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		goto cleanup;
	}
	rc = store_int64(s, id, e,
		"INSERT INTO reports (reporter_user_id, client_key, source, region_code,"
		" person_id, subject_name, subject_id_number, subject_age, categories,"
		" description, urgency, latitude, longitude, accuracy_m, photos,"
		" contact_phone, status, duplicate_of, created_at, updated_at)"
		" VALUES (NULLIF($1, 0), $2, $3, $4, NULLIF($5, 0), $6, NULLIF($7, ''),"
		" CASE WHEN $8 < 0 THEN NULL ELSE $8 END, $9, $10, $11,"
		" CAST(NULLIF($12, '') AS REAL), CAST(NULLIF($13, '') AS REAL),"
		" CAST(NULLIF($14, '') AS REAL), $15, NULLIF($16, ''), $17, $18, $19, $19)"
		" RETURNING id",
		"isssississsssssssss", r->reporter, in->client_key, r->source,
		in->region_code, r->sub->person_id, in->subject_name, r->sub->number,
		in->subject_age, cats, in->description,
		in->urgency ? in->urgency : "normal", lat, lon, acc, photos,
		in->contact_phone, r->status, dup, now);
cleanup:
	free(cats);
	free(photos);
	free(dup);
	return rc;
}

static int region_name(struct store *s, const char *code, char *out, size_t size,
		       struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT COALESCE(t.name, '') || v.name"
			     " FROM divisions v LEFT JOIN divisions t ON t.code = v.parent_code"
			     " WHERE v.code = $1", "s", code);
	if (rc < 0)
		return rc;
	snprintf(out, size, "%s", code);
	if ((rc = store_step(st, e)) == STORE_ROW)
		snprintf(out, size, "%s", store_col_text(st, 0));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* report.new to the village's assistants. */
static int notify_new_report(struct store *s, int64_t id,
			     const struct new_report *r, struct err *e)
{
	const struct report_input *in = r->in;
	char place[200], title[200], body[400], link[40];
	json_t *to, *payload;
	int rc;

	if ((rc = region_name(s, in->region_code, place, sizeof(place), e)) < 0)
		return rc;
	snprintf(title, sizeof(title), "%s：%s", strcmp(r->source, "resident") == 0
		 ? "群众自主申报" : "新的困难群众上报", in->subject_name);
	snprintf(body, sizeof(body), "%s %s，紧急程度：%s。请及时核实受理。", place,
		 in->subject_name, in->urgency ? in->urgency : "normal");
	snprintf(link, sizeof(link), "/reports/%" PRId64, id);
	to = json_pack("{s:s, s:s}", "role", "assistant", "region", in->region_code);
	payload = json_pack("{s:I, s:s, s:s, s:s}", "report_id", (json_int_t)id,
			    "region_code", in->region_code, "source", r->source,
			    "urgency", in->urgency ? in->urgency : "normal");
	rc = outbox_add(s, "report.new", in->region_code, to, title, body, link,
			payload, NULL, e);
	json_decref(to);
	json_decref(payload);
	return rc;
}

/* The row, its creation event, the audit entry and the message. */
static int write_report(struct store *s, const struct actor *a,
			const struct new_report *r, int64_t *id, struct err *e)
{
	struct wf_record wr = { 0 };
	json_t *d;
	int rc;

	if ((rc = insert_report(s, r, id, e)) < 0)
		return rc;
	wr.id = *id;
	wr.state = NULL;
	wr.region_code = r->in->region_code;
	wr.household_id = r->sub->household_id;
	d = json_pack("{s:s, s:s, s:s}", "source", r->source, "status", r->status,
		      "urgency", r->in->urgency ? r->in->urgency : "normal");
	if (r->dup && r->dup->kind[0])
		json_object_set_new(d, "duplicate_of", duplicate_json(r->dup));
	if (r->sub->person_id)
		json_object_set_new(d, "person_id", json_integer(r->sub->person_id));
	rc = workflow_event(s, "report", &wr, a, "create", r->status, NULL, d, e);
	if (rc == 0)
		rc = audit_append(s, a, "report.create", "report", *id,
				  r->in->region_code, d, e);
	json_decref(d);
	if (rc == 0 && strcmp(r->status, "merged") != 0)
		rc = notify_new_report(s, *id, r, e);
	return rc;
}

/* The report this reporter already sent with this client_key; 0 = none. */
static int resent(struct store *s, int64_t reporter, const char *key,
		  int64_t *id, struct err *e)
{
	*id = 0;
	if (!key || !reporter)
		return 0;
	int rc = store_int64(s, id, e, "SELECT id FROM reports WHERE"
			     " reporter_user_id = $1 AND client_key = $2", "is",
			     reporter, key);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		*id = 0;
		return 0;
	}
	return rc;
}

static int resent_outcome(struct store *s, int64_t id, enum report_outcome *how,
			  struct err *e)
{
	int64_t merged = 0;
	int rc = store_int64(s, &merged, e, "SELECT count(*) FROM reports"
			     " WHERE id = $1 AND status = 'merged'", "i", id);
	*how = merged ? REPORT_MERGED : REPORT_RESENT;
	return rc;
}

int report_create(struct store *s, const struct actor *a,
		  const struct report_input *in, int64_t *id,
		  enum report_outcome *how, struct err *e)
{
	struct subject sub;
	struct duplicate dup;
	struct new_report r = { in, &sub, "staff", "submitted", a->user_id, &dup };
	int rc;

	if ((rc = perm_require(a, PERM_REPORT_CREATE, e)) < 0)
		return rc;
	/* A resend is answered before anything else: the first send passed. */
	if ((rc = resent(s, a->user_id, in->client_key, id, e)) < 0)
		return rc;
	if (*id)
		return resent_outcome(s, *id, how, e);
	if ((rc = check_values(in, 0, e)) < 0 ||
	    (rc = check_village(s, a, in->region_code, e)) < 0 ||
	    (rc = resolve_subject(s, a, in, &sub, e)) < 0 ||
	    (rc = check_photos(s, in, e)) < 0)
		return rc;
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = resent(s, a->user_id, in->client_key, id, e)) < 0)
		goto fail;
	if (*id) {
		store_rollback(s);
		return resent_outcome(s, *id, how, e);
	}
	if ((rc = find_duplicate(s, &sub, in->region_code, in->subject_name, &dup, e)) < 0)
		goto fail;
	if (dup.kind[0])
		r.status = "merged";
	if ((rc = write_report(s, a, &r, id, e)) < 0)
		goto fail;
	*how = dup.kind[0] ? REPORT_MERGED : REPORT_CREATED;
	return store_commit(s, e);
fail:
	store_rollback(s);
	return rc;
}

/* === resident self-reports === */

/* Count this send against the address; ERR_RATE_LIMITED past the limit.
 * A fixed one-hour window per address, kept in public_report_limits. */
static int public_limit(struct store *s, const char *ip, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t now = clock_now(), start = 0, count = 0;
	int rc, found = 0;

	if ((rc = store_query(s, &st, e, "SELECT window_start, count FROM"
			      " public_report_limits WHERE ip = $1", "s", ip)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		start = store_col_int64(st, 0);
		count = store_col_int64(st, 1);
		found = 1;
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!found || now - start >= ONE_HOUR || now < start)
		return store_execv(s, e, "INSERT INTO public_report_limits (ip,"
				   " window_start, count) VALUES ($1, $2, 1) ON CONFLICT (ip)"
				   " DO UPDATE SET window_start = $2, count = 1", "si", ip, now);
	if (count >= REPORT_PUBLIC_PER_HOUR) {
		rc = err_setf(e, ERR_RATE_LIMITED, NULL, "rate_limited",
			      "提交过于频繁：每个地址每小时最多 %d 次，请稍后再试",
			      "too many reports: at most %d an hour from one address",
			      REPORT_PUBLIC_PER_HOUR);
		e->retry_after = start + ONE_HOUR - now;
		return rc;
	}
	return store_execv(s, e, "UPDATE public_report_limits SET count = count + 1"
			   " WHERE ip = $1", "s", ip);
}

int report_public_create(struct store *s, const char *ip,
			 const struct report_input *in, int64_t *id,
			 struct err *e)
{
	struct actor public_actor;
	struct subject sub;
	struct duplicate dup;
	struct new_report r = { in, &sub, "resident", "unverified", 0, &dup };
	const char *addr = ip && *ip ? ip : "unknown";
	int rc;

	memset(&public_actor, 0, sizeof(public_actor));
	snprintf(public_actor.username, sizeof(public_actor.username), "%s", "public");
	snprintf(public_actor.ip, sizeof(public_actor.ip), "%s", addr);
	memset(&sub, 0, sizeof(sub));
	if ((rc = check_values(in, 1, e)) < 0 ||
	    (rc = check_village(s, NULL, in->region_code, e)) < 0)
		return rc;
	if (in->person_id || in->subject_id_number || in->n_photos || in->client_key)
		return err_set(e, ERR_INVALID, NULL, "unknown_field",
			       "群众申报不接受人员编号、身份证号或照片",
			       "a resident report takes no person, ID number or photos");
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	/* The assistant is told of a likely duplicate; the resident is not
	 * told anything about other people's records. */
	if ((rc = public_limit(s, addr, e)) < 0 ||
	    (rc = find_duplicate(s, &sub, in->region_code, in->subject_name, &dup, e)) < 0 ||
	    (rc = write_report(s, &public_actor, &r, id, e)) < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* === reading === */

#define REPORT_COLUMNS \
	"r.id, r.status, r.source, r.region_code," \
	" COALESCE(t.name, '') || COALESCE(v.name, ''), r.person_id," \
	" r.subject_name, COALESCE(r.subject_id_number, p.id_number), r.subject_age," \
	" r.categories, r.description, r.urgency, r.latitude, r.longitude," \
	" r.accuracy_m, r.photos, u.id, u.username, u.display_name," \
	" r.owner_user_id, r.case_id, r.duplicate_of, r.dismiss_reason," \
	" r.created_at, r.updated_at, r.contact_phone"
#define REPORT_FROM \
	" FROM reports r LEFT JOIN divisions v ON v.code = r.region_code" \
	" LEFT JOIN divisions t ON t.code = v.parent_code" \
	" LEFT JOIN persons p ON p.id = r.person_id" \
	" LEFT JOIN users u ON u.id = r.reporter_user_id"

static json_t *real_or_null(struct store_stmt *st, int col)
{
	return store_col_is_null(st, col) ? json_null()
					  : json_real(strtod(store_col_text(st, col), NULL));
}

/* A JSON text column parsed; `fallback` (stolen) when empty or broken. */
static json_t *json_col(struct store_stmt *st, int col, json_t *fallback)
{
	json_t *v = NULL;
	if (!store_col_is_null(st, col))
		v = json_loads(store_col_text(st, col), JSON_DECODE_ANY, NULL);
	if (!v)
		return fallback;
	json_decref(fallback);
	return v;
}

static json_t *masked_or_null(struct store_stmt *st, int col)
{
	char masked[19];
	if (store_col_is_null(st, col))
		return json_null();
	idcard_mask(store_col_text(st, col), masked);
	return json_string(masked);
}

static json_t *reporter_json(struct store_stmt *st)
{
	if (store_col_is_null(st, 16))
		return json_null();
	return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_col_int64(st, 16),
			 "username", store_col_text(st, 17),
			 "display_name", store_col_text(st, 18));
}

static json_t *report_json(struct store_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"status", store_col_text(st, 1),
		"source", store_col_text(st, 2),
		"region_code", store_col_text(st, 3),
		"region_name", store_col_text(st, 4),
		"subject_name", store_col_text(st, 6),
		"description", store_col_text(st, 10),
		"urgency", store_col_text(st, 11));
	json_object_set_new(o, "person_id", render_int_or_null(st, 5));
	json_object_set_new(o, "subject_id_number", masked_or_null(st, 7));
	json_object_set_new(o, "subject_age", render_int_or_null(st, 8));
	json_object_set_new(o, "categories", json_col(st, 9, json_array()));
	json_object_set_new(o, "latitude", real_or_null(st, 12));
	json_object_set_new(o, "longitude", real_or_null(st, 13));
	json_object_set_new(o, "accuracy_m", real_or_null(st, 14));
	json_object_set_new(o, "photos", json_col(st, 15, json_array()));
	json_object_set_new(o, "reporter", reporter_json(st));
	json_object_set_new(o, "owner_user_id", render_int_or_null(st, 19));
	json_object_set_new(o, "case_id", render_int_or_null(st, 20));
	json_object_set_new(o, "duplicate_of", json_col(st, 21, json_null()));
	json_object_set_new(o, "dismiss_reason", render_text_or_null(st, 22));
	json_object_set_new(o, "contact_phone", render_text_or_null(st, 25));
	json_object_set_new(o, "created_at", json_string(store_col_text(st, 23)));
	json_object_set_new(o, "updated_at", json_string(store_col_text(st, 24)));
	return o;
}

static int report_not_found(struct err *e)
{
	return err_set(e, ERR_NOT_FOUND, NULL, "not_found",
		       "记录不存在或不在您的辖区内", "no such record in your region");
}

int report_render(struct store *s, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT " REPORT_COLUMNS REPORT_FROM
			     " WHERE r.id = $1", "i", id);
	if (rc < 0)
		return rc;
	*out = NULL;
	if ((rc = store_step(st, e)) == STORE_ROW)
		*out = report_json(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return *out ? 0 : report_not_found(e);
}

int report_receipt(struct store *s, int64_t id, json_t **out, struct err *e)
{
	static const char *const kept[] = {
		"id", "source", "region_code", "region_name", "subject_name",
		"subject_age", "categories", "description", "urgency", "latitude",
		"longitude", "accuracy_m", "contact_phone", "created_at", NULL
	};
	json_t *full = NULL;
	int rc = report_render(s, id, &full, e);
	if (rc < 0)
		return rc;
	*out = json_object();
	for (size_t i = 0; kept[i]; i++)
		json_object_set(*out, kept[i], json_object_get(full, kept[i]));
	/* A resident's report always reads as waiting for verification. */
	json_object_set_new(*out, "status", json_string("unverified"));
	json_decref(full);
	return 0;
}

/* The fields a transition needs, loaded from the report. */
struct report_row {
	int64_t id, owner, household, person, case_id;
	char status[16], region[13], subject[LIMIT_NAME_BYTES];
};

static int load_row(struct store *s, const struct actor *a, int64_t id,
		    struct report_row *r, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT r.id, r.status, r.region_code,"
			     " COALESCE(r.owner_user_id, 0), COALESCE(p.household_id, 0),"
			     " COALESCE(r.person_id, 0), COALESCE(r.case_id, 0), r.subject_name"
			     " FROM reports r LEFT JOIN persons p ON p.id = r.person_id"
			     " WHERE r.id = $1", "i", id);
	if (rc < 0)
		return rc;
	memset(r, 0, sizeof(*r));
	if ((rc = store_step(st, e)) == STORE_ROW) {
		r->id = store_col_int64(st, 0);
		snprintf(r->status, sizeof(r->status), "%s", store_col_text(st, 1));
		snprintf(r->region, sizeof(r->region), "%s", store_col_text(st, 2));
		r->owner = store_col_int64(st, 3);
		r->household = store_col_int64(st, 4);
		r->person = store_col_int64(st, 5);
		r->case_id = store_col_int64(st, 6);
		snprintf(r->subject, sizeof(r->subject), "%s", store_col_text(st, 7));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (!r->id)
		return report_not_found(e);
	return perm_require_region(a, r->region, e);
}

static void wf_of(const struct report_row *row, struct wf_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = row->id;
	r->state = row->status;
	r->owner_user_id = row->owner;
	r->region_code = row->region;
	r->household_id = row->household;
	r->case_id = row->case_id;
}

int report_get(struct store *s, const struct actor *a, int64_t id,
	       json_t **out, struct err *e)
{
	struct report_row row;
	struct wf_record r;
	int rc;

	if ((rc = perm_require(a, PERM_REPORT_READ, e)) < 0 ||
	    (rc = load_row(s, a, id, &row, e)) < 0 ||
	    (rc = report_render(s, id, out, e)) < 0)
		return rc;
	wf_of(&row, &r);
	json_object_set_new(*out, "actions", workflow_actions(&wf_report, &r, a));
	return 0;
}

#define REPORT_WHERE \
	" WHERE substr(r.region_code, 1, length($1)) = $1" \
	"   AND ($2 IS NULL OR r.status = $2)" \
	"   AND ($3 = 0 OR r.reporter_user_id = $3)"

int report_list(struct store *s, const struct actor *a,
		const struct report_query *q, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	const char *region = perm_region_narrow(a, q->region);
	const char *status = q->status && *q->status ? q->status : NULL;
	int64_t mine = q->mine ? a->user_id : 0, total = 0;
	json_t *items;
	int rc;

	if ((rc = perm_require(a, PERM_REPORT_READ, e)) < 0)
		return rc;
	if (status && !text_in_list(status, wf_report.states))
		return err_set(e, ERR_INVALID, "status", "enum",
			       "status 应为 submitted、unverified、accepted、dismissed 或 merged",
			       "status must be submitted, unverified, accepted, dismissed or merged");
	if (q->mine && !a->user_id)
		mine = -1;
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM reports r" REPORT_WHERE,
			      "ssi", region, status, mine)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT " REPORT_COLUMNS REPORT_FROM REPORT_WHERE
			      " ORDER BY r.created_at DESC, r.id DESC LIMIT $4 OFFSET $5",
			      "ssiii", region, status, mine, q->per_page,
			      (q->page - 1) * q->per_page)) < 0)
		return rc;
	if ((rc = render_rows(st, report_json, &items, e)) < 0)
		return rc;
	*out = render_page(items, total, q->page, q->per_page);
	return 0;
}

/* === accept and dismiss === */

static int insert_case(struct store *s, const struct actor *a,
		       const struct report_row *row, int64_t *case_id,
		       struct err *e)
{
	char now[21];
	clock_format_utc(clock_now(), now);
	return store_int64(s, case_id, e,
		"INSERT INTO cases (region_code, household_id, person_id, subject_name,"
		" owner_user_id, status, report_id, created_at, updated_at)"
		" VALUES ($1, NULLIF($2, 0), NULLIF($3, 0), $4, NULLIF($5, 0), 'open', $6,"
		" $7, $7) RETURNING id", "siisiis", row->region, row->household,
		row->person, row->subject, a->user_id, row->id, now);
}

/* The case's creation event, audit entry and case.assigned message. */
static int case_opened(struct store *s, const struct actor *a,
		       const struct report_row *row, int64_t case_id,
		       struct err *e)
{
	struct wf_record cr = { 0 };
	char title[200], link[40];
	json_t *d, *to;
	int rc;

	cr.id = case_id;
	cr.owner_user_id = a->user_id;
	cr.region_code = row->region;
	cr.household_id = row->household;
	cr.case_id = case_id;
	d = json_pack("{s:I, s:I}", "report_id", (json_int_t)row->id,
		      "owner_user_id", (json_int_t)a->user_id);
	rc = workflow_event(s, "case", &cr, a, "create", "open", NULL, d, e);
	if (rc == 0)
		rc = audit_append(s, a, "case.create", "case", case_id, row->region, d, e);
	json_decref(d);
	if (rc < 0 || !a->user_id)
		return rc;
	snprintf(title, sizeof(title), "新案件：%s", row->subject);
	snprintf(link, sizeof(link), "/cases/%" PRId64, case_id);
	to = json_pack("{s:[I]}", "user_ids", (json_int_t)a->user_id);
	d = json_pack("{s:I, s:I, s:s, s:I}", "case_id", (json_int_t)case_id,
		      "report_id", (json_int_t)row->id, "region_code", row->region,
		      "owner_user_id", (json_int_t)a->user_id);
	rc = outbox_add(s, "case.assigned", row->region, to, title,
			"您受理的上报已立案，请在3个工作日内入户调查。", link, d, NULL, e);
	json_decref(to);
	json_decref(d);
	return rc;
}

int report_accept(struct store *s, const struct actor *a, int64_t id,
		  int64_t *case_id, struct err *e)
{
	const struct wf_transition *t = NULL;
	struct report_row row;
	struct wf_record r;
	json_t *d = NULL;
	int rc;

	if ((rc = perm_require(a, PERM_REPORT_TRIAGE, e)) < 0 ||
	    (rc = load_row(s, a, id, &row, e)) < 0)
		return rc;
	wf_of(&row, &r);
	if ((rc = workflow_check(&wf_report, &r, a, "accept", NULL, &t, e)) < 0 ||
	    (rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = insert_case(s, a, &row, case_id, e)) < 0 ||
	    (rc = store_execv(s, e, "UPDATE reports SET case_id = $1,"
			      " owner_user_id = NULLIF($2, 0) WHERE id = $3", "iii",
			      *case_id, a->user_id, id)) < 0)
		goto fail;
	r.case_id = *case_id;
	d = json_pack("{s:I}", "case_id", (json_int_t)*case_id);
	/* The compare-and-set on the state makes a second accept fail here,
	 * undoing its case: a report opens one case. */
	if ((rc = workflow_apply(s, &wf_report, &r, a, t, NULL, d, e)) < 0 ||
	    (rc = case_opened(s, a, &row, *case_id, e)) < 0)
		goto fail;
	json_decref(d);
	return store_commit(s, e);
fail:
	json_decref(d);
	store_rollback(s);
	return rc;
}

int report_dismiss(struct store *s, const struct actor *a, int64_t id,
		   const char *reason, struct err *e)
{
	const struct wf_transition *t = NULL;
	struct report_row row;
	struct wf_record r;
	char now[21];
	int rc;

	if ((rc = perm_require(a, PERM_REPORT_TRIAGE, e)) < 0 ||
	    (rc = load_row(s, a, id, &row, e)) < 0)
		return rc;
	wf_of(&row, &r);
	if ((rc = workflow_check(&wf_report, &r, a, "dismiss", reason, &t, e)) < 0 ||
	    (rc = check_text(reason, "reason", LIMIT_REASON_BYTES, 1, e)) < 0)
		return rc;
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = store_execv(s, e, "UPDATE reports SET dismiss_reason = $1,"
			      " updated_at = $2 WHERE id = $3", "ssi", reason, now, id)) < 0 ||
	    (rc = workflow_apply(s, &wf_report, &r, a, t, reason, NULL, e)) < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

int report_refuse_action(struct store *s, const struct actor *a, int64_t id,
			 const char *action, struct err *e)
{
	const struct wf_transition *t = NULL;
	struct report_row row;
	struct wf_record r;
	int rc;

	if ((rc = perm_require(a, PERM_REPORT_TRIAGE, e)) < 0 ||
	    (rc = load_row(s, a, id, &row, e)) < 0)
		return rc;
	wf_of(&row, &r);
	if ((rc = workflow_check(&wf_report, &r, a, action, "-", &t, e)) < 0)
		return rc;
	return err_setf(e, ERR_CONFLICT, NULL, "transition", "不能执行“%s”",
			"“%s” cannot be done here", action ? action : "");
}
