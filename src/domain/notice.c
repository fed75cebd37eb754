/*
 * notice.c - public notices (公示) of approvals, and name masking.
 *
 * Design.  A notice is a snapshot: when a township publishes the approvals
 * of one program decided in a date range, the lines (masked name, household
 * size, amount, village, whether the household has a close-relative
 * filing) are computed once and stored as JSON in notices.lines, so what
 * was shown can be shown again exactly.  It is shown for 7 days from the
 * day it is made (published_from … published_until, China dates,
 * inclusive); the public page answers 404 outside that window.  The page
 * is plain HTML with print CSS and no script, no full name and no ID
 * number.
 *
 * Lines are the enrollments of the program in the region not yet ended
 * (status active or suspended).  Approval date: the referral's decided_at (UTC, compared as China dates
 * by turning the date range into a UTC range), or the enrollment's
 * created_at when it has no referral.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relatives.h"
#include "audit.h"
#include "program.h"
#include "render.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/jsonx.h"
#include "../core/strbuf.h"
#include "../core/text.h"
#include "../core/banned.h"

#define NOTICE_DAYS 7
#define NOTICE_MAX_SPAN 92

/* === name masking === */

/* Length of the valid UTF-8 character at p (1-4), or 0 when p does not
 * start one. */
static size_t utf8_char(const unsigned char *p)
{
	size_t n;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Append bytes if they fit (with the NUL); 0 when they did not. */
static int put(char *out, size_t size, size_t *at, const char *p, size_t n)
{
	if (*at + n + 1 > size)
		return 0;
	memcpy(out + *at, p, n);
	*at += n;
	out[*at] = '\0';
	return 1;
}

void name_mask(const char *name, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n_chars = 0, at = 0, first_len, last_off = 0, last_len = 0;

	if (!out || size == 0)
		return;
	out[0] = '\0';
	if (!name || !*name)
		return;
	/* Count characters; remember the last one. */
	for (size_t i = 0; p[i];) {
		size_t n = utf8_char(p + i);
		last_off = i;
		last_len = n;
		i += n ? n : 1;
		n_chars++;
	}
	first_len = utf8_char(p);
	if (n_chars == 1) {
		put(out, size, &at, "*", 1);
		return;
	}
	if (!(first_len ? put(out, size, &at, name, first_len)
			: put(out, size, &at, "*", 1)))
		return;
	for (size_t k = 1; k + (n_chars > 2) < n_chars; k++)
		if (!put(out, size, &at, "*", 1))
			return;
	if (n_chars > 2) {
		if (last_len)
			put(out, size, &at, name + last_off, last_len);
		else
			put(out, size, &at, "*", 1);
	}
}

/* === making a notice === */

struct notice_in {
	const char *program, *region, *from, *to;
	int64_t from_day, to_day;
	const struct program *prog;
	char region_name[200];
};

static int read_notice_body(json_t *body, const struct program_config *pc,
			    struct notice_in *in, struct err *e)
{
	static const char *const known[] = { "program", "region", "approved_from",
		"approved_to", NULL };
	enum division_level lvl;
	int rc;

	if ((rc = jsonx_only(body, known, e)) < 0 ||
	    (rc = jsonx_string(body, "program", JSONX_REQUIRED, 24, &in->program, e)) < 0 ||
	    (rc = jsonx_string(body, "region", JSONX_REQUIRED, 12, &in->region, e)) < 0 ||
	    (rc = jsonx_string(body, "approved_from", JSONX_REQUIRED, 10, &in->from, e)) < 0 ||
	    (rc = jsonx_string(body, "approved_to", JSONX_REQUIRED, 10, &in->to, e)) < 0)
		return rc;
	if (!(in->prog = program_find(pc, in->program)))
		return err_set(e, ERR_INVALID, "program", "enum", "program 不是已配置的救助项目",
			       "program is not a configured program");
	lvl = division_level(in->region);
	if (lvl != DIVISION_TOWNSHIP && lvl != DIVISION_VILLAGE)
		return err_set(e, ERR_INVALID, "region", "division_code",
			       "region 应为乡镇（9 位）或村（社区，12 位）区划代码",
			       "region must be a township (9 digits) or village (12 digits) code");
	if (clock_parse_date(in->from, &in->from_day) < 0)
		return err_set(e, ERR_INVALID, "approved_from", "date",
			       "approved_from 应为 YYYY-MM-DD 日期", "approved_from must be a date YYYY-MM-DD");
	if (clock_parse_date(in->to, &in->to_day) < 0)
		return err_set(e, ERR_INVALID, "approved_to", "date",
			       "approved_to 应为 YYYY-MM-DD 日期", "approved_to must be a date YYYY-MM-DD");
	if (in->to_day < in->from_day)
		return err_set(e, ERR_INVALID, "approved_to", "range",
			       "approved_to 不能早于 approved_from", "approved_to is before approved_from");
	if (in->to_day - in->from_day > NOTICE_MAX_SPAN)
		return err_setf(e, ERR_INVALID, "approved_to", "span",
				"审批日期范围不能超过 %d 天", "the approval range is longer than %d days",
				NOTICE_MAX_SPAN);
	return 0;
}

/* "周嘉镇" for a township, "周嘉镇骑龙村" for a village; ERR_NOT_FOUND
 * (field region) when the code is not a division. */
static int region_title(struct store *s, const char *code, char *out, size_t size,
			struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT COALESCE(p.name, '') || d.name FROM divisions d"
			     " LEFT JOIN divisions p ON p.code = d.parent_code AND p.kind <> 'county'"
			     " WHERE d.code = $1", "s", code);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		snprintf(out, size, "%s", store_col_text(st, 0));
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_INVALID, "region", "not_found", "region 不是已知的行政区划",
			       "region is not a known division");
	return rc < 0 ? rc : 0;
}

static int existing_notice(struct store *s, const struct notice_in *in, int64_t *id,
			   struct err *e)
{
	int rc = store_int64(s, id, e, "SELECT id FROM notices WHERE program = $1 AND"
			     " region_code = $2 AND approved_from = $3 AND approved_to = $4",
			     "ssss", in->program, in->region, in->from, in->to);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		*id = 0;
		return 0;
	}
	return rc;
}

static const char lines_sql[] =
	"SELECT en.id, en.household_id, en.amount_fen, en.region_code,"
	" COALESCE(pp.name, hp.name, ''),"
	" (SELECT count(*) FROM persons m WHERE m.household_id = en.household_id),"
	" COALESCE(d.name, ''),"
	" EXISTS (SELECT 1 FROM filings f WHERE f.household_id = en.household_id)"
	" FROM enrollments en"
	" LEFT JOIN referrals r ON r.id = en.referral_id"
	" LEFT JOIN households h ON h.id = en.household_id"
	" LEFT JOIN persons pp ON pp.id = en.person_id"
	" LEFT JOIN persons hp ON hp.id = h.head_person_id"
	" LEFT JOIN divisions d ON d.code = en.region_code"
	" WHERE en.program = $1 AND substr(en.region_code, 1, length($2)) = $2"
	"   AND en.status <> 'exited'"
	"   AND COALESCE(r.decided_at, en.created_at) >= $3"
	"   AND COALESCE(r.decided_at, en.created_at) < $4"
	" ORDER BY en.region_code, en.id";

static int build_lines(struct store *s, const struct notice_in *in, json_t **lines,
		       struct err *e)
{
	struct store_stmt *st = NULL;
	char lo[21], hi[21], masked[128];
	int64_t no = 0;
	int rc;

	clock_format_utc(in->from_day * 86400 - CLOCK_CHINA_OFFSET, lo);
	clock_format_utc((in->to_day + 1) * 86400 - CLOCK_CHINA_OFFSET, hi);
	if ((rc = store_query(s, &st, e, lines_sql, "ssss", in->program, in->region, lo, hi)) < 0)
		return rc;
	*lines = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW) {
		int64_t size = store_col_int64(st, 5);
		name_mask(store_col_text(st, 4), masked, sizeof(masked));
		json_array_append_new(*lines, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:b, s:o, s:I}",
			"no", (json_int_t)++no, "name_masked", masked,
			"household_size", (json_int_t)(size > 0 ? size : 1),
			"amount_fen", (json_int_t)store_col_int64(st, 2),
			"village", store_col_text(st, 6), "region_code", store_col_text(st, 3),
			"filed", (int)store_col_int64(st, 7),
			"household_id", render_int_or_null(st, 1),
			"enrollment_id", (json_int_t)store_col_int64(st, 0)));
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(*lines);
		*lines = NULL;
	}
	return rc < 0 ? rc : 0;
}

static void make_title(const struct notice_in *in, char *out, size_t size)
{
	int y1, m1, d1, y2, m2, d2;

	clock_civil_from_days(in->from_day, &y1, &m1, &d1);
	clock_civil_from_days(in->to_day, &y2, &m2, &d2);
	if (y1 == y2 && m1 == m2)
		snprintf(out, size, "%s%s审批结果公示（%d年%d月）", in->region_name,
			 in->prog->name_zh, y2, m2);
	else
		snprintf(out, size, "%s%s审批结果公示（%d年%d月至%d年%d月）", in->region_name,
			 in->prog->name_zh, y1, m1, y2, m2);
}

static int insert_notice(struct store *s, const struct actor *a, const struct notice_in *in,
			 json_t *lines, int64_t *id, struct err *e)
{
	char title[400], now[21], from[11], until[11];
	int64_t today = clock_today_china();
	char *text = json_dumps(lines, JSON_COMPACT);
	json_t *d;
	int rc;

	if (!text)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	make_title(in, title, sizeof(title));
	clock_format_utc(clock_now(), now);
	clock_format_date(today, from);
	clock_format_date(today + NOTICE_DAYS - 1, until);
	rc = store_int64(s, id, e, "INSERT INTO notices (program, region_code, title,"
			 " approved_from, approved_to, published_from, published_until, lines,"
			 " line_count, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
			 " $8, $9, NULLIF($10, 0), $11) RETURNING id", "ssssssssiis",
			 in->program, in->region, title, in->from, in->to, from, until, text,
			 (int64_t)json_array_size(lines), a->user_id, now);
	free(text);
	if (rc < 0)
		return rc;
	d = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "program", in->program,
		      "approved_from", in->from, "approved_to", in->to, "title", title,
		      "lines", (json_int_t)json_array_size(lines), "published_from", from,
		      "published_until", until);
	rc = audit_append(s, a, "notice.create", "notice", *id, in->region, d, e);
	json_decref(d);
	return rc;
}

int notice_create(struct store *s, const struct actor *a, const char *config_dir,
		  json_t *body, int64_t *id, int *created, struct err *e)
{
	const struct program_config *pc = NULL;
	struct notice_in in;
	json_t *lines = NULL;
	int rc;

	memset(&in, 0, sizeof(in));
	*id = 0;
	*created = 0;
	if ((rc = perm_require(a, PERM_NOTICE_MANAGE, e)) < 0 ||
	    (rc = program_config_load(config_dir, &pc, e)) < 0 ||
	    (rc = read_notice_body(body, pc, &in, e)) < 0 ||
	    (rc = perm_require_target(a, in.region, "region", e)) < 0 ||
	    (rc = region_title(s, in.region, in.region_name, sizeof(in.region_name), e)) < 0 ||
	    (rc = existing_notice(s, &in, id, e)) < 0)
		return rc;
	if (*id)
		return 0;
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = build_lines(s, &in, &lines, e)) < 0)
		goto fail;
	if (json_array_size(lines) == 0) {
		rc = err_set(e, ERR_INVALID, "approved_from", "empty",
			     "该范围内没有审批通过的记录，无需公示",
			     "no approvals in that range: nothing to publish");
		goto fail;
	}
	if ((rc = insert_notice(s, a, &in, lines, id, e)) < 0)
		goto fail;
	json_decref(lines);
	if ((rc = store_commit(s, e)) < 0)
		return rc;
	*created = 1;
	return 0;
fail:
	json_decref(lines);
	store_rollback(s);
	if (rc == ERR_CONFLICT && existing_notice(s, &in, id, e) == 0 && *id) {
		err_clear(e);
		return 0;
	}
	return rc;
}

/* === reading notices === */

#define NOTICE_COLUMNS \
	" n.id, n.program, n.region_code, n.title, n.approved_from, n.approved_to," \
	" n.published_from, n.published_until, n.line_count, COALESCE(u.username, '')," \
	" n.created_at, n.lines"
#define NOTICE_FROM " FROM notices n LEFT JOIN users u ON u.id = n.created_by"

static json_t *notice_json(struct store_stmt *st, int with_lines)
{
	char today[11];
	const char *from = store_col_text(st, 6), *until = store_col_text(st, 7);
	json_t *o, *lines = json_loads(store_col_text(st, 11), 0, NULL);
	int64_t total = 0, filed = 0;
	size_t i;
	json_t *l;
	char url[64];

	clock_format_date(clock_today_china(), today);
	json_array_foreach(lines, i, l) {
		total += json_integer_value(json_object_get(l, "amount_fen"));
		filed += json_is_true(json_object_get(l, "filed"));
	}
	snprintf(url, sizeof(url), "/api/public/notices/%" PRId64, store_col_int64(st, 0));
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:s, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0), "program", store_col_text(st, 1),
		"region_code", store_col_text(st, 2), "title", store_col_text(st, 3),
		"approved_from", store_col_text(st, 4), "approved_to", store_col_text(st, 5),
		"published_from", from, "published_until", until,
		"shown", strcmp(today, from) >= 0 && strcmp(today, until) <= 0,
		"line_count", (json_int_t)store_col_int64(st, 8),
		"total_fen", (json_int_t)total, "filed_count", (json_int_t)filed,
		"created_by", store_col_text(st, 9), "created_at", store_col_text(st, 10),
		"public_url", url);
	if (o && with_lines)
		json_object_set_new(o, "lines", lines ? lines : json_array());
	else
		json_decref(lines);
	return o;
}

static json_t *notice_row(struct store_stmt *st)
{
	return notice_json(st, 0);
}

int notice_list(struct store *s, const struct actor *a, int64_t page,
		int64_t per_page, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t total = 0;
	json_t *items;
	int rc;

	if ((rc = perm_require(a, PERM_ENROLLMENT_READ, e)) < 0 ||
	    (rc = store_int64(s, &total, e, "SELECT count(*) FROM notices n WHERE"
			      " substr(n.region_code, 1, length($1)) = $1", "s", a->region)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT" NOTICE_COLUMNS NOTICE_FROM
			      " WHERE substr(n.region_code, 1, length($1)) = $1"
			      " ORDER BY n.created_at DESC, n.id DESC LIMIT $2 OFFSET $3", "sii",
			      a->region, per_page, (page - 1) * per_page)) < 0 ||
	    (rc = render_rows(st, notice_row, &items, e)) < 0)
		return rc;
	*out = render_page(items, total, page, per_page);
	return 0;
}

static int notice_load(struct store *s, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT" NOTICE_COLUMNS NOTICE_FROM " WHERE n.id = $1",
			     "i", id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		*out = notice_json(st, 1);
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "公示不存在", "no such notice");
	return rc < 0 ? rc : 0;
}

int notice_get(struct store *s, const struct actor *a, int64_t id,
	       json_t **out, struct err *e)
{
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_ENROLLMENT_READ, e)) < 0 ||
	    (rc = notice_load(s, id, out, e)) < 0)
		return rc;
	rc = perm_require_region(a, json_string_value(json_object_get(*out, "region_code")), e);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* === the public page === */

/* 1,234.50 */
static void add_yuan(struct strbuf *sb, int64_t fen)
{
	char y[TEXT_YUAN_MAX];
	text_yuan(fen, 1, y);
	strbuf_addstr(sb, y);
}

static void add_date(struct strbuf *sb, const char *ymd, int en)
{
	int64_t day;
	int y, m, d;

	if (en || clock_parse_date(ymd, &day) < 0) {
		strbuf_add_html(sb, ymd);
		return;
	}
	clock_civil_from_days(day, &y, &m, &d);
	strbuf_addf(sb, "%d年%d月%d日", y, m, d);
}

static const char page_style[] =
	"<style>"
	"@page{size:A4;margin:18mm 15mm}"
	"body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC','Source Han Serif SC',"
	"'SimSun',serif;font-size:11pt;color:#000;max-width:180mm;margin:0 auto;padding:4mm}"
	".org{text-align:center;font-size:12pt;margin:0 0 2mm}"
	"h1{font-size:18pt;text-align:center;margin:0 0 5mm}"
	"p{line-height:1.7;text-indent:2em;margin:2mm 0}"
	"table{border-collapse:collapse;width:100%;margin:4mm 0}"
	"th,td{border:1px solid #000;padding:1.5mm 2mm;text-align:center}"
	"td.num{text-align:right}"
	"th{font-weight:bold;background:#f2f2f2}"
	"tr{page-break-inside:avoid}"
	".foot{margin-top:10mm;text-align:right;line-height:1.8}"
	".note{font-size:9pt;color:#333;text-indent:0}"
	"@media print{.noprint{display:none}body{padding:0}}"
	"</style>";

struct page_labels {
	const char *lang, *no, *name, *size, *amount, *village, *remark, *filed;
	const char *period, *to, *stop, *phone, *intro, *objection, *total, *none;
};

static const struct page_labels zh_labels = {
	"zh-CN", "序号", "姓名", "家庭人口", "保障金额（元/月）", "村（社区）", "备注",
	"近亲属备案", "公示期：", "至", "。", "监督电话：",
	"根据《社会救助暂行办法》和最低生活保障审核确认有关规定，现将以下审批结果予以公示。",
	"公示期内，任何单位和个人如有异议，可向乡镇（街道）人民政府或县民政局反映。",
	"合计", "—",
};

static const struct page_labels en_labels = {
	"en", "No.", "Name", "Household size", "Amount (yuan/month)", "Village (community)",
	"Remarks", "Close relative of staff: filed", "Notice period: ", " to ", ".",
	"Complaints: ",
	"The following approvals are published for public scrutiny under the Interim "
	"Measures on Social Assistance.",
	"Anyone who objects may tell the township government or the county civil-affairs "
	"bureau within the notice period.",
	"Total", "-",
};

static void page_table(struct strbuf *sb, json_t *lines, const struct page_labels *L)
{
	int64_t total = 0;
	size_t i;
	json_t *l;

	strbuf_addf(sb, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		    "<th>%s</th><th>%s</th></tr></thead><tbody>", L->no, L->name, L->size,
		    L->amount, L->village, L->remark);
	json_array_foreach(lines, i, l) {
		int64_t fen = json_integer_value(json_object_get(l, "amount_fen"));
		const char *village = json_string_value(json_object_get(l, "village"));
		total += fen;
		strbuf_addf(sb, "<tr><td>%zu</td><td>", i + 1);
		strbuf_add_html(sb, json_string_value(json_object_get(l, "name_masked")));
		strbuf_addf(sb, "</td><td>%" PRId64 "</td><td class=\"num\">",
			    (int64_t)json_integer_value(json_object_get(l, "household_size")));
		add_yuan(sb, fen);
		strbuf_addstr(sb, "</td><td>");
		strbuf_add_html(sb, village && *village ? village : L->none);
		strbuf_addstr(sb, "</td><td>");
		strbuf_addstr(sb, json_is_true(json_object_get(l, "filed")) ? L->filed : "");
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addf(sb, "</tbody><tfoot><tr><th colspan=\"3\">%s</th><td class=\"num\">", L->total);
	add_yuan(sb, total);
	strbuf_addstr(sb, "</td><td colspan=\"2\"></td></tr></tfoot></table>");
}

static char *page_html(json_t *n, const char *org, const char *phone, int en, size_t *len)
{
	const struct page_labels *L = en ? &en_labels : &zh_labels;
	const char *from = json_string_value(json_object_get(n, "published_from"));
	const char *until = json_string_value(json_object_get(n, "published_until"));
	struct strbuf sb;

	strbuf_init(&sb, 8192);
	strbuf_addf(&sb, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		    "<meta name=\"robots\" content=\"noindex\"><title>", L->lang);
	strbuf_add_html(&sb, json_string_value(json_object_get(n, "title")));
	strbuf_addf(&sb, "</title>%s</head><body><div class=\"org\">", page_style);
	strbuf_add_html(&sb, org);
	strbuf_addstr(&sb, "</div><h1>");
	strbuf_add_html(&sb, json_string_value(json_object_get(n, "title")));
	strbuf_addf(&sb, "</h1><p>%s</p>", L->intro);
	page_table(&sb, json_object_get(n, "lines"), L);
	strbuf_addf(&sb, "<p>%s", L->period);
	add_date(&sb, from, en);
	strbuf_addstr(&sb, L->to);
	add_date(&sb, until, en);
	strbuf_addf(&sb, "%s</p><p>%s</p><p>%s", L->stop, L->objection, L->phone);
	strbuf_add_html(&sb, phone && *phone ? phone : L->none);
	strbuf_addstr(&sb, "</p><div class=\"foot\">");
	strbuf_add_html(&sb, org);
	strbuf_addstr(&sb, "<br>");
	add_date(&sb, from, en);
	strbuf_addstr(&sb, "</div></body></html>");
	return strbuf_detach(&sb, len);
}

int notice_public_html(struct store *s, const char *config_dir, int64_t id,
		       int lang_en, char **html, size_t *len, struct err *e)
{
	const struct relative_config *c = NULL;
	json_t *n = NULL;
	char org[256] = "", region9[13];
	int rc;

	*html = NULL;
	*len = 0;
	if ((rc = notice_load(s, id, &n, e)) < 0)
		return rc;
	if (!json_is_true(json_object_get(n, "shown"))) {
		json_decref(n);
		return err_set(e, ERR_NOT_FOUND, "id", "not_shown", "公示不存在或不在公示期内",
			       "no such notice, or it is not being shown now");
	}
	if (relatives_config_load(config_dir, &c, e) < 0)
		err_clear(e);   /* the page is still shown, without the phone */
	/* The township issues it: "垫江县周嘉镇". */
	snprintf(region9, sizeof(region9), "%.9s",
		 json_string_value(json_object_get(n, "region_code")));
	{
		struct store_stmt *st = NULL;
		if (store_query(s, &st, e, "SELECT COALESCE(c.name, '') || t.name FROM divisions t"
				" LEFT JOIN divisions c ON c.code = t.parent_code WHERE t.code = $1",
				"s", region9) == 0 && store_step(st, e) == STORE_ROW)
			snprintf(org, sizeof(org), "%s", store_col_text(st, 0));
		store_finalize(st);
		err_clear(e);
	}
	*html = page_html(n, org, c ? relatives_complaint_phone(c) : "", lang_en, len);
	json_decref(n);
	if (!*html)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	return 0;
}
