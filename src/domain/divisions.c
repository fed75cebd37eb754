/*
 * divisions.c - the county's division tree in the store.
 *
 * Design: the county and its 26 township-level divisions are read from the
 * county file (real NBS codes); the 301 villages and communities below them
 * are generated.  How many of each a township gets is a table here (so the
 * total is exactly the county's 301); their names come from a private PRNG
 * with a fixed seed, walking the townships in file order, so every database
 * built by this version holds the same tree.  Names are two characters from
 * lists of characters common in Chongqing place names plus 村 or 社区; a
 * stem is used once per township (and village stems once per county, which
 * keeps full-name search unambiguous).  Every generated row is fictitious.
 *
 * Fixed points the rest of civicare relies on: each township's community
 * 001 is its seat ("新民社区" under 新民镇); villages are numbered 200, 201,
 * ... without gaps; 500231103201 is 周嘉镇骑龙村 and 500231002001 is
 * 桂阳街道炭黑厂社区.  Communities, and everything under the two streets,
 * are urban.
 *
 * All rows go in one transaction through one prepared statement, reset
 * between rows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "divisions.h"
#include "../core/division.h"
#include "../core/limits.h"
#include "../core/banned.h"

#define TSV_MAX_ROWS 64
#define NAME_BYTES 64
#define USED_MAX 512

/* === the generated part: counts per township and names === */

/* How many communities (001..) and villages (200..) each township has. */
struct township_plan {
	const char *code;
	int communities, villages;
};

static const struct township_plan plans[] = {
	{ "500231001", 13, 4 },  /* 桂溪街道 */
	{ "500231002", 12, 6 },  /* 桂阳街道 */
	{ "500231101", 2, 12 },  /* 新民镇 */
	{ "500231102", 2, 12 },  /* 沙坪镇 */
	{ "500231103", 2, 12 },  /* 周嘉镇 */
	{ "500231104", 1, 11 },  /* 普顺镇 */
	{ "500231105", 1, 10 },  /* 永安镇 */
	{ "500231106", 2, 12 },  /* 高安镇 */
	{ "500231107", 1, 11 },  /* 高峰镇 */
	{ "500231108", 1, 11 },  /* 五洞镇 */
	{ "500231109", 1, 11 },  /* 澄溪镇 */
	{ "500231110", 1, 10 },  /* 太平镇 */
	{ "500231111", 1, 11 },  /* 鹤游镇 */
	{ "500231112", 1, 9 },   /* 坪山镇 */
	{ "500231113", 1, 10 },  /* 砚台镇 */
	{ "500231114", 1, 9 },   /* 曹回镇 */
	{ "500231115", 1, 10 },  /* 杠家镇 */
	{ "500231116", 1, 9 },   /* 包家镇 */
	{ "500231117", 1, 9 },   /* 白家镇 */
	{ "500231118", 1, 10 },  /* 永平镇 */
	{ "500231119", 1, 9 },   /* 三溪镇 */
	{ "500231120", 1, 10 },  /* 裴兴镇 */
	{ "500231121", 1, 9 },   /* 黄沙镇 */
	{ "500231122", 1, 9 },   /* 长龙镇 */
	{ "500231202", 1, 6 },   /* 沙河乡 */
	{ "500231204", 1, 6 },   /* 大石乡 */
};

/* A township missing from the table above still gets a seat and villages. */
static const struct township_plan default_plan = { "", 1, 5 };

/* Names fixed by the seed data (code -> name). */
static const struct { const char *code, *name; } pinned[] = {
	{ "500231103201", "骑龙村" },
	{ "500231002001", "炭黑厂社区" },
};

static const char *const village_first[] = {
	"龙", "凤", "石", "新", "合", "兴", "和", "平", "安", "乐", "福", "桂",
	"竹", "柏", "花", "水", "黄", "白", "青", "金", "双", "三", "五", "大",
	"高", "长", "永", "太", "东", "西", "南", "中", "马", "鹤", "松", "梅",
	"团", "万", "天", "宝", "明", "红", "杨", "老", "清", "观", "狮", "响",
};
static const char *const village_second[] = {
	"桥", "湾", "坪", "坝", "沟", "河", "山", "岭", "林", "田", "塘", "坡",
	"寺", "院", "园", "堰", "滩", "口", "垭", "台", "冲", "岗", "庄", "溪",
	"泉", "井", "池", "嘴", "峰", "门", "堡", "坎", "店", "场", "寨", "坊",
};
static const char *const community_stems[] = {
	"城东", "城西", "城南", "城北", "南门", "北门", "东门", "西门", "新华",
	"人民", "解放", "滨河", "文化", "建设", "工农", "明月", "牡丹", "桂湖",
	"凤山", "龙溪", "三友", "双桂", "金桂", "学府", "育才", "民主", "和平",
	"新街", "老街", "正街", "东街", "河街", "光明", "朝阳", "阳光", "花园",
	"迎宾", "拱桥", "龙腾", "桂花", "锦绣", "幸福", "北园", "南阳", "北辰",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* splitmix64: small, fixed, and good enough to pick names. */
static uint64_t names_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static size_t names_pick(uint64_t *state, size_t n)
{
	return (size_t)(names_next(state) % n);
}

/* Stems already given out; linear search is plenty for a few hundred. */
struct used_names {
	char stem[USED_MAX][16];
	size_t n;
};

static int used_has(const struct used_names *u, const char *stem)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->stem[i], stem) == 0)
			return 1;
	return 0;
}

static void used_add(struct used_names *u, const char *stem)
{
	if (u->n < USED_MAX)
		snprintf(u->stem[u->n++], sizeof(u->stem[0]), "%s", stem);
}

static const char *pinned_name(const char *code)
{
	for (size_t i = 0; i < COUNT(pinned); i++)
		if (strcmp(pinned[i].code, code) == 0)
			return pinned[i].name;
	return NULL;
}

/* A village stem new to both the township and the county. */
static void village_stem(uint64_t *rng, struct used_names *township,
			 struct used_names *county, char out[16])
{
	for (;;) {
		const char *a = village_first[names_pick(rng, COUNT(village_first))];
		const char *b = village_second[names_pick(rng, COUNT(village_second))];
		snprintf(out, 16, "%s%s", a, b);
		if (!used_has(township, out) && !used_has(county, out))
			break;
	}
	used_add(township, out);
	used_add(county, out);
}

/* A community stem new to the township and not a township's or village's
 * stem anywhere (the lists are long enough). */
static void community_stem(uint64_t *rng, struct used_names *township,
			   const struct used_names *county, char out[16])
{
	do
		snprintf(out, 16, "%s",
			 community_stems[names_pick(rng, COUNT(community_stems))]);
	while (used_has(township, out) || used_has(county, out));
	used_add(township, out);
}

static const struct township_plan *plan_for(const char *code)
{
	for (size_t i = 0; i < COUNT(plans); i++)
		if (strcmp(plans[i].code, code) == 0)
			return &plans[i];
	return &default_plan;
}

/* === reading the county file === */

struct tsv_row {
	char code[13];
	char name[NAME_BYTES];
	char kind[16];
};

static int kind_fits(const char *code, const char *kind)
{
	size_t len = strlen(code);
	if (len == 6)
		return strcmp(kind, "county") == 0;
	if (len == 9)
		return strcmp(kind, "street") == 0 || strcmp(kind, "town") == 0 ||
		       strcmp(kind, "township") == 0;
	return 0;
}

/* Split "code\tname\tkind" in place into row; 0 or -1. */
static int tsv_split(char *line, struct tsv_row *row)
{
	char *name, *kind;
	line[strcspn(line, "\r\n")] = '\0';
	if (!(name = strchr(line, '\t')))
		return -1;
	*name++ = '\0';
	if (!(kind = strchr(name, '\t')))
		return -1;
	*kind++ = '\0';
	if (strlen(line) >= sizeof(row->code) || strlen(name) >= sizeof(row->name) ||
	    strlen(kind) >= sizeof(row->kind) || name[0] == '\0')
		return -1;
	/* lengths checked above */
	memcpy(row->code, line, strlen(line) + 1);
	memcpy(row->name, name, strlen(name) + 1);
	memcpy(row->kind, kind, strlen(kind) + 1);
	if (division_level(row->code) == DIVISION_INVALID ||
	    !kind_fits(row->code, row->kind))
		return -1;
	return 0;
}

/* Rows in file order; the county must come first. */
static int tsv_read(const char *path, struct tsv_row *rows, size_t *n,
		    struct err *e)
{
	char line[LIMIT_CONFIG_LINE];
	int lineno = 0, rc = 0;
	FILE *f = fopen(path, "r");

	*n = 0;
	if (!f)
		return err_setf(e, ERR_NOT_FOUND, "divisions", "file",
				"无法打开区划文件 %s", "cannot open division file %s",
				path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (lineno == 1 || line[0] == '\n' || line[0] == '\r' || line[0] == '#')
			continue; /* header, blank lines, comments */
		if (*n == TSV_MAX_ROWS || tsv_split(line, &rows[*n]) < 0) {
			rc = err_setf(e, ERR_INVALID, "divisions", "format",
				      "区划文件 %s 第 %d 行格式错误",
				      "division file %s: bad line %d", path, lineno);
			goto cleanup;
		}
		(*n)++;
	}
	if (*n == 0 || strlen(rows[0].code) != 6)
		rc = err_setf(e, ERR_INVALID, "divisions", "format",
			      "区划文件 %s 须以县级行开头",
			      "division file %s must start with the county", path);
cleanup:
	fclose(f);
	return rc;
}

/* === writing rows === */

struct row_writer {
	struct store *s;
	struct store_stmt *st;
	int written;
};

static int write_row(struct row_writer *w, const char *code, const char *name,
		     const char *kind, const char *parent, int urban,
		     int fictitious, struct err *e)
{
	const struct store_ops *ops = w->s->ops;
	struct store_stmt *st = w->st;
	int rc;

	ops->reset(st);
	if (ops->bind_text(st, 1, code, strlen(code)) < 0 ||
	    ops->bind_text(st, 2, name, strlen(name)) < 0 ||
	    ops->bind_text(st, 3, kind, strlen(kind)) < 0 ||
	    (parent ? ops->bind_text(st, 4, parent, strlen(parent))
		    : ops->bind_null(st, 4)) < 0 ||
	    ops->bind_int64(st, 5, urban) < 0 ||
	    ops->bind_int64(st, 6, fictitious) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "store", "绑定参数失败",
			       "binding a parameter failed");
	rc = ops->step(st, e);
	if (rc < 0)
		return rc;
	w->written++;
	return 0;
}

/* Write one 12-digit division: number is 1..199 or 200..399. */
static int write_unit(struct row_writer *w, const struct tsv_row *township,
		      int number, const char *stem, int urban_township,
		      struct err *e)
{
	char code[13], name[NAME_BYTES];
	const char *fixed;
	int community = number < 200;

	snprintf(code, sizeof(code), "%.9s%03u", township->code,
		 (unsigned)number % 1000u);
	fixed = pinned_name(code);
	if (fixed)
		snprintf(name, sizeof(name), "%s", fixed);
	else
		snprintf(name, sizeof(name), "%s%s", stem, community ? "社区" : "村");
	return write_row(w, code, name, community ? "community" : "village",
			 township->code, community || urban_township, 1, e);
}

/* The seat's stem is the township's name without its 镇/乡/街道. */
static void seat_stem(const char *township_name, char out[16])
{
	size_t len = strlen(township_name);
	size_t cut = strstr(township_name, "街道") ? 6 : 3; /* UTF-8 bytes */
	size_t keep = len > cut ? len - cut : len;
	if (keep >= 16)
		keep = 15;
	memcpy(out, township_name, keep);
	out[keep] = '\0';
}

/* Reserve the pinned stems of this township so no generated name repeats
 * them. */
static void reserve_pinned(const char *township_code, struct used_names *u,
			   struct used_names *county)
{
	for (size_t i = 0; i < COUNT(pinned); i++) {
		char stem[16];
		size_t len = strlen(pinned[i].name);
		size_t suffix = strstr(pinned[i].name, "社区") ? 6 : 3;
		if (strncmp(pinned[i].code, township_code, 9) != 0)
			continue;
		snprintf(stem, sizeof(stem), "%.*s", (int)(len - suffix),
			 pinned[i].name);
		used_add(u, stem);
		if (suffix == 3)
			used_add(county, stem);
	}
}

static int write_township_units(struct row_writer *w, uint64_t *rng,
				const struct tsv_row *t,
				struct used_names *county, struct err *e)
{
	const struct township_plan *plan = plan_for(t->code);
	int urban = strcmp(t->kind, "street") == 0;
	struct used_names *u = calloc(1, sizeof(*u));
	char stem[16];
	int rc = 0;

	if (!u)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
			       "out of memory");
	reserve_pinned(t->code, u, county);
	seat_stem(t->name, stem);
	used_add(u, stem);
	for (int i = 1; i <= plan->communities && rc == 0; i++) {
		if (i > 1)
			community_stem(rng, u, county, stem);
		rc = write_unit(w, t, i, stem, urban, e);
	}
	for (int i = 0; i < plan->villages && rc == 0; i++) {
		village_stem(rng, u, county, stem);
		rc = write_unit(w, t, 200 + i, stem, urban, e);
	}
	free(u);
	return rc;
}

static int write_tree(struct row_writer *w, const struct tsv_row *rows,
		      size_t n, struct err *e)
{
	uint64_t rng = 0x500231ULL; /* fixed: the tree is the same everywhere */
	struct used_names *county = calloc(1, sizeof(*county));
	int rc;

	if (!county)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
			       "out of memory");
	rc = write_row(w, rows[0].code, rows[0].name, rows[0].kind, NULL, 0, 0, e);
	for (size_t i = 1; i < n && rc == 0; i++) {
		if (strncmp(rows[i].code, rows[0].code, 6) != 0) {
			rc = err_setf(e, ERR_INVALID, "divisions", "parent",
				      "%s 不属于 %s", "%s is not inside %s",
				      rows[i].code, rows[0].code);
			break;
		}
		rc = write_row(w, rows[i].code, rows[i].name, rows[i].kind,
			       rows[0].code, strcmp(rows[i].kind, "street") == 0,
			       0, e);
	}
	for (size_t i = 1; i < n; i++) { /* no village takes a township's name */
		char stem[16];
		seat_stem(rows[i].name, stem);
		used_add(county, stem);
	}
	for (size_t i = 1; i < n && rc == 0; i++)
		rc = write_township_units(w, &rng, &rows[i], county, e);
	free(county);
	return rc;
}

int divisions_seed(struct store *s, const char *tsv_path, int *added,
		   struct err *e)
{
	struct tsv_row rows[TSV_MAX_ROWS];
	struct row_writer w = { .s = s };
	size_t n;
	int64_t existing;
	int rc;

	if (added)
		*added = 0;
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	rc = store_int64(s, &existing, e, "SELECT count(*) FROM divisions", "");
	if (rc < 0 || existing > 0)
		goto cleanup;
	if ((rc = tsv_read(tsv_path, rows, &n, e)) < 0)
		goto cleanup;
	rc = s->ops->prepare(s,
		"INSERT INTO divisions (code, name, kind, parent_code, urban, fictitious)"
		" VALUES ($1, $2, $3, $4, $5, $6)", &w.st, e);
	if (rc < 0)
		goto cleanup;
	rc = write_tree(&w, rows, n, e);
cleanup:
	if (w.st)
		s->ops->finalize(w.st);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	if ((rc = store_commit(s, e)) < 0)
		return rc;
	if (added)
		*added = w.written;
	return 0;
}

/* === reading the tree === */

int divisions_exists(struct store *s, const char *code, struct err *e)
{
	int64_t n;
	int rc = store_int64(s, &n, e,
			     "SELECT count(*) FROM divisions WHERE code = $1", "s",
			     code);
	return rc < 0 ? rc : n > 0;
}

static int not_found(struct err *e, const char *code)
{
	return err_setf(e, ERR_NOT_FOUND, "code", "not_found",
			"区划 %s 不存在", "division %s does not exist", code);
}

int divisions_full_name(struct store *s, const char *code, char *out,
			size_t out_size, struct err *e)
{
	char names[5][NAME_BYTES], cur[13];
	struct store_stmt *st = NULL;
	int depth = 0, rc = 0;
	size_t used = 0;

	snprintf(cur, sizeof(cur), "%s", code ? code : "");
	while (cur[0] && depth < 5) {
		rc = store_query(s, &st, e,
			"SELECT name, COALESCE(parent_code, '') FROM divisions WHERE code = $1",
			"s", cur);
		if (rc < 0)
			return rc;
		rc = store_step(st, e);
		if (rc == STORE_ROW) {
			snprintf(names[depth++], NAME_BYTES, "%s", store_col_text(st, 0));
			snprintf(cur, sizeof(cur), "%s", store_col_text(st, 1));
		}
		store_finalize(st);
		if (rc < 0)
			return rc;
		if (rc == STORE_DONE)
			break;
	}
	if (depth == 0)
		return not_found(e, code ? code : "");
	if (out_size > 0)
		out[0] = '\0';
	while (depth-- > 0 && out_size > 0) {
		int k = snprintf(out + used, out_size - used, "%s", names[depth]);
		if (k < 0 || (size_t)k >= out_size - used)
			return err_set(e, ERR_INTERNAL, NULL, "length",
				       "区划全称过长", "division full name too long");
		used += (size_t)k;
	}
	return 0;
}

static const char *level_name(const char *code)
{
	switch (strlen(code)) {
	case 6: return "county";
	case 9: return "township";
	case 12: return "village";
	default: return "other";
	}
}

static int add_children(struct store *s, const char *code, json_t *obj,
			struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *children = json_array();
	int rc = store_query(s, &st, e,
		"SELECT code, name, kind, fictitious FROM divisions"
		" WHERE parent_code = $1 ORDER BY code", "s", code);

	json_object_set_new(obj, "children", children);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(children, json_pack("{s:s, s:s, s:s, s:b}",
			"code", store_col_text(st, 0),
			"name", store_col_text(st, 1),
			"kind", store_col_text(st, 2),
			"fictitious", (int)store_col_int64(st, 3)));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int divisions_get(struct store *s, const char *code, json_t **out,
		  struct err *e)
{
	struct store_stmt *st = NULL;
	char full[256];
	json_t *obj = NULL;
	int rc;

	*out = NULL;
	if ((rc = divisions_full_name(s, code, full, sizeof(full), e)) < 0)
		return rc;
	rc = store_query(s, &st, e,
		"SELECT code, name, kind, parent_code, urban, fictitious"
		" FROM divisions WHERE code = $1", "s", code);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) != STORE_ROW) {
		rc = rc < 0 ? rc : not_found(e, code);
		goto cleanup;
	}
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:b}",
		"code", store_col_text(st, 0),
		"name", store_col_text(st, 1),
		"full_name", full,
		"kind", store_col_text(st, 2),
		"level", level_name(store_col_text(st, 0)),
		"parent_code", store_col_is_null(st, 3) ? json_null()
			: json_string(store_col_text(st, 3)),
		"urban", (int)store_col_int64(st, 4),
		"fictitious", (int)store_col_int64(st, 5));
	store_finalize(st);
	st = NULL;
	if (!obj) {
		rc = err_set(e, ERR_INTERNAL, NULL, "json", "生成 JSON 失败",
			     "building JSON failed");
		goto cleanup;
	}
	rc = add_children(s, code, obj, e);
cleanup:
	store_finalize(st);
	if (rc < 0) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

int divisions_is_urban(struct store *s, const char *code, struct err *e)
{
	int64_t urban;
	int rc = store_int64(s, &urban, e,
			     "SELECT urban FROM divisions WHERE code = $1", "s", code);
	if (rc == ERR_NOT_FOUND)
		return not_found(e, code);
	return rc < 0 ? rc : urban != 0;
}
