/*
 * demo_feeds.c - department data and the monitored population of the demo
 * county.
 *
 * Design: the registry the demo just wrote is read once into two arrays
 * (persons grouped by household, ordered by id, so a seed always gives the
 * same draws).  Categories come first (from enrollments and referrals, then
 * a fixed share of further households), because the hits need them: for
 * each monitoring rule a few monitored (or enrolled) households get a record
 * inside the rule's window, while the background records of the whole
 * county are dated or sized outside every window and threshold, so the
 * alerts of a demo are the planted ones plus a few natural ones, not
 * thousands.
 *
 * Each feed is written as the department would send it: the header cells
 * are the catalogue's first alias (Chinese), enum values the first Chinese
 * value alias, money in 元 with two decimals (deposits with thousands
 * separators, hence quoted), dates in the department's format, and the
 * file in UTF-8 (some with a BOM) or GB18030 (iconv), LF or CRLF.  Every
 * file then goes through feed_import(), the same code path as `civicare
 * import`, inside the demo's transaction (store_begin nests), which writes
 * the canonical files under data_dir/feeds/.
 */
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "demo_feeds.h"
#include "audit.h"
#include "feed.h"
#include "../core/clock.h"
#include "../core/strbuf.h"
#include "../core/text.h"
#include "../core/banned.h"

#define MAX_COLS 12
#define VAL_BYTES 200

/* === a private generator (splitmix64: small, and enough here) === */

struct drng {
	uint64_t x;
};

static uint64_t drng_next(struct drng *r)
{
	uint64_t z = (r->x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int64_t below(struct drng *r, int64_t n)
{
	return n > 0 ? (int64_t)(drng_next(r) % (uint64_t)n) : 0;
}

static int64_t between(struct drng *r, int64_t lo, int64_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static int permille(struct drng *r, int p)
{
	return below(r, 1000) < p;
}

/* === the registry, in memory === */

enum category {
	C_NONE, C_DIBAO, C_TEKUN, C_RETURN, C_EDGE, C_RIGID, C_OTHER, C_LEFT,
	C_REFUSED
};

static const char *const category_code[] = {
	"", "dibao", "tekun", "return_poverty", "dibao_edge", "rigid_expenditure",
	"other", "left_assistance", "refused"
};

struct dperson {
	int64_t id;
	char number[19];
	char name[40];
	char relation[16];
	char region[13];
	char dis_type[16];
	int dis_grade;
	int age;
	int ill;
};

struct dhouse {
	int64_t id;
	size_t first, n;             /* into the persons array */
	int enrolled;                /* active: C_DIBAO or C_TEKUN, else 0 */
	int any_active;              /* an active enrollment of any program */
	int cat;
	int earlier;                 /* left_assistance: the category before */
	int hit;                     /* already chosen for a planted record */
};

struct gen {
	struct store *s;
	struct drng rng;
	const struct feed_catalogue *cat;
	const char *config_dir, *data_dir;
	FILE *progress;
	int tty;
	struct dperson *p;
	size_t n_p;
	struct dhouse *h;
	size_t n_h;
	int64_t today;
	int year;
	int hits;                    /* planted records per rule */
	struct demo_feeds_result *r;
};

static int age_of(const char *birth, int64_t today)
{
	int y = 0, m = 0, d = 0, ty, tm, td;
	if (sscanf(birth, "%d-%d-%d", &y, &m, &d) != 3)
		return 0;
	clock_civil_from_days(today, &ty, &tm, &td);
	return ty - y - ((tm < m || (tm == m && td < d)) ? 1 : 0);
}

static int load_persons(struct gen *g, struct err *e)
{
	struct store_stmt *st = NULL;
	size_t cap = 0, hcap = 0;
	int rc = store_query(g->s, &st, e,
		"SELECT id, household_id, id_number, name, COALESCE(relation, ''),"
		" region_code, COALESCE(disability_type, ''), COALESCE(disability_grade, 0),"
		" birth_date, health FROM persons WHERE household_id IS NOT NULL"
		" ORDER BY household_id, id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		int64_t hh = store_col_int64(st, 1);
		if (g->n_p == cap) {
			cap = cap ? cap * 2 : 4096;
			g->p = xrealloc(g->p, cap * sizeof(*g->p));
		}
		if (g->n_h == 0 || g->h[g->n_h - 1].id != hh) {
			if (g->n_h == hcap) {
				hcap = hcap ? hcap * 2 : 1024;
				g->h = xrealloc(g->h, hcap * sizeof(*g->h));
			}
			memset(&g->h[g->n_h], 0, sizeof(*g->h));
			g->h[g->n_h].id = hh;
			g->h[g->n_h++].first = g->n_p;
		}
		struct dperson *p = &g->p[g->n_p++];
		g->h[g->n_h - 1].n++;
		p->id = store_col_int64(st, 0);
		snprintf(p->number, sizeof(p->number), "%s", store_col_text(st, 2));
		snprintf(p->name, sizeof(p->name), "%s", store_col_text(st, 3));
		snprintf(p->relation, sizeof(p->relation), "%s", store_col_text(st, 4));
		snprintf(p->region, sizeof(p->region), "%s", store_col_text(st, 5));
		snprintf(p->dis_type, sizeof(p->dis_type), "%s", store_col_text(st, 6));
		p->dis_grade = (int)store_col_int64(st, 7);
		p->age = age_of(store_col_text(st, 8), g->today);
		p->ill = strcmp(store_col_text(st, 9), "healthy") != 0;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static struct dhouse *house_by_id(struct gen *g, int64_t id)
{
	size_t lo = 0, hi = g->n_h;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->h[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->n_h && g->h[lo].id == id ? &g->h[lo] : NULL;
}

static struct dperson *head_of(struct gen *g, const struct dhouse *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(g->p[h->first + i].relation, "self") == 0)
			return &g->p[h->first + i];
	return &g->p[h->first];
}

/* === categories === */

static int from_enrollments(struct gen *g, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(g->s, &st, e,
		"SELECT household_id, program, status FROM enrollments"
		" WHERE household_id IS NOT NULL ORDER BY id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		struct dhouse *h = house_by_id(g, store_col_int64(st, 0));
		const char *program = store_col_text(st, 1);
		int prog = strcmp(program, "tekun") == 0 ? C_TEKUN : C_DIBAO;
		const char *status = store_col_text(st, 2);
		if (!h)
			continue;
		if (strcmp(status, "active") == 0)
			h->any_active = 1;
		if (strcmp(program, "dibao") != 0 && strcmp(program, "tekun") != 0)
			continue;
		if (strcmp(status, "active") == 0) {
			h->enrolled = prog;
			h->cat = prog;
		} else if (strcmp(status, "suspended") == 0 && !h->enrolled)
			h->cat = prog;
		else if (!h->enrolled && h->cat == C_NONE) {
			h->cat = C_LEFT;
			h->earlier = prog;
		}
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	rc = store_query(g->s, &st, e,
		"SELECT household_id FROM referrals WHERE program = 'dibao'"
		" AND status = 'rejected' AND household_id IS NOT NULL ORDER BY id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		struct dhouse *h = house_by_id(g, store_col_int64(st, 0));
		if (h && h->cat == C_NONE)
			h->cat = C_REFUSED;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* About 2 % of the other households watched against return to poverty,
 * 1.5 % dibao edge, 1 % rigid expenditure, 0.5 % other. */
static void draw_categories(struct gen *g)
{
	for (size_t i = 0; i < g->n_h; i++) {
		int64_t d = below(&g->rng, 1000);
		if (g->h[i].cat != C_NONE)
			continue;
		g->h[i].cat = d < 20 ? C_RETURN : d < 35 ? C_EDGE : d < 45 ? C_RIGID
			    : d < 50 ? C_OTHER : C_NONE;
	}
}

static void bind_str(const struct store_ops *ops, struct store_stmt *st,
		     int idx, const char *v)
{
	ops->bind_text(st, idx, v, strlen(v));
}

static int insert_categories(struct gen *g, struct err *e)
{
	const struct store_ops *ops = g->s->ops;
	struct store_stmt *st = NULL;
	char now[21], from[11], to[11];
	int rc;

	clock_format_utc(clock_now(), now);
	if ((rc = ops->prepare(g->s,
		"INSERT INTO monitoring_categories (person_id, category, valid_from,"
		" valid_to, source, created_at) VALUES ($1, $2, $3, NULLIF($4, ''),"
		" 'demo', $5)", &st, e)) < 0)
		return rc;
	for (size_t i = 0; i < g->n_h && rc >= 0; i++) {
		const struct dhouse *h = &g->h[i];
		int64_t since = g->today - between(&g->rng, 30, 900);
		if (h->cat == C_NONE)
			continue;
		clock_format_date(since, from);
		for (size_t j = 0; j < h->n && rc >= 0; j++) {
			const struct dperson *p = &g->p[h->first + j];
			int rows = h->cat == C_LEFT ? 2 : 1;
			for (int k = 0; k < rows && rc >= 0; k++) {
				int closed = rows == 2 && k == 0;
				/* A household that left: its earlier category, closed
				 * on the day it left, then left_assistance from then. */
				clock_format_date(since - 400, to);
				ops->reset(st);
				ops->bind_int64(st, 1, p->id);
				bind_str(ops, st, 2, category_code[closed ? h->earlier : h->cat]);
				bind_str(ops, st, 3, closed ? to : from);
				bind_str(ops, st, 4, closed ? from : "");
				bind_str(ops, st, 5, now);
				rc = ops->step(st, e);
			}
			if (rc >= 0)
				g->r->monitored++;
		}
	}
	ops->finalize(st);
	return rc < 0 ? rc : 0;
}

/* === a department file === */

enum date_style { D_ISO, D_SLASH, D_DOT, D_COMPACT, D_CHINESE };

struct fstyle {
	enum date_style dates;
	int gb18030, crlf, bom, thousands;
};

struct fw {
	const struct feed_def *def;
	struct fstyle style;
	struct strbuf sb;
	char vals[MAX_COLS][VAL_BYTES];
	int64_t rows;
};

static void put(struct fw *w, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(struct fw *w, const char *column, const char *fmt, ...)
{
	int i = feed_column_index(w->def, column);
	va_list ap;
	if (i < 0 || i >= MAX_COLS)
		return; /* a column this catalogue does not have */
	va_start(ap, fmt);
	vsnprintf(w->vals[i], VAL_BYTES, fmt, ap);
	va_end(ap);
}

static void put_date(struct fw *w, const char *column, int64_t day)
{
	char d[11];
	clock_format_date(day, d);
	put(w, column, "%s", d);
}

static void add_cell(struct strbuf *sb, const char *v)
{
	if (!strpbrk(v, ",\"\r\n")) {
		strbuf_addstr(sb, v);
		return;
	}
	strbuf_addch(sb, '"');
	for (; *v; v++) {
		if (*v == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *v);
	}
	strbuf_addch(sb, '"');
}

static void end_line(struct fw *w)
{
	strbuf_addstr(&w->sb, w->style.crlf ? "\r\n" : "\n");
}

static int fw_begin(struct gen *g, struct fw *w, const char *feed,
		    struct fstyle style)
{
	memset(w, 0, sizeof(*w));
	w->def = feed_find(g->cat, feed);
	w->style = style;
	if (!w->def || w->def->n_columns > MAX_COLS)
		return -1;
	strbuf_init(&w->sb, 1 << 16);
	if (style.bom && !style.gb18030)
		strbuf_addstr(&w->sb, "\xEF\xBB\xBF");
	for (size_t i = 0; i < w->def->n_columns; i++) {
		const struct feed_column *c = &w->def->columns[i];
		if (i)
			strbuf_addch(&w->sb, ',');
		add_cell(&w->sb, c->n_aliases ? c->aliases[0] : c->name);
	}
	end_line(w);
	return 0;
}

static void fmt_date(enum date_style st, const char *iso, char *out, size_t size)
{
	int y, m, d;
	if (sscanf(iso, "%d-%d-%d", &y, &m, &d) != 3) {
		snprintf(out, size, "%s", iso);
		return;
	}
	switch (st) {
	case D_SLASH: snprintf(out, size, "%d/%d/%d", y, m, d); break;
	case D_DOT: snprintf(out, size, "%d.%d.%d", y, m, d); break;
	case D_COMPACT: snprintf(out, size, "%04d%02d%02d", y, m, d); break;
	case D_CHINESE: snprintf(out, size, "%d年%d月%d日", y, m, d); break;
	default: snprintf(out, size, "%s", iso);
	}
}

/* Integer fen as 元: "1234.50", or "1,234.50" with thousands. */
static void fmt_yuan(int64_t fen, int thousands, char *out, size_t size)
{
	char y[TEXT_YUAN_MAX];
	text_yuan(fen, thousands, y);
	snprintf(out, size, "%s", y);
}

static const char *enum_alias(const struct feed_column *c, const char *code)
{
	for (size_t i = 0; i < c->n_value_aliases; i++) /* n pairs */
		if (strcmp(c->value_aliases[2 * i + 1], code) == 0)
			return c->value_aliases[2 * i];
	return code;
}

static void cell_value(const struct fw *w, size_t i, char *out, size_t size)
{
	const struct feed_column *c = &w->def->columns[i];
	const char *v = w->vals[i];
	int64_t n = strtoll(v, NULL, 10);
	if (!*v) {
		out[0] = '\0';
		return;
	}
	switch (c->type) {
	case FEED_DATE: fmt_date(w->style.dates, v, out, size); break;
	case FEED_FEN:
		if (c->unit_fen)
			snprintf(out, size, "%s", v);
		else
			fmt_yuan(n, w->style.thousands, out, size);
		break;
	case FEED_DECIMAL2:
		snprintf(out, size, "%" PRId64 ".%02" PRId64, n / 100, n % 100);
		break;
	case FEED_ENUM: snprintf(out, size, "%s", enum_alias(c, v)); break;
	default: snprintf(out, size, "%s", v);
	}
}

static void end_row(struct fw *w)
{
	char cell[VAL_BYTES + 32];
	for (size_t i = 0; i < w->def->n_columns; i++) {
		if (i)
			strbuf_addch(&w->sb, ',');
		cell_value(w, i, cell, sizeof(cell));
		add_cell(&w->sb, cell);
		w->vals[i][0] = '\0';
	}
	end_line(w);
	w->rows++;
}

/* UTF-8 → GB18030; NULL if iconv cannot. */
static char *to_gb18030(const char *in, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t cap = len * 2 + 16, left_in = len, left_out = cap;
	char *out, *src = (char *)in, *dst;
	if (cd == (iconv_t)-1)
		return NULL;
	out = xmalloc(cap);
	dst = out;
	if (iconv(cd, &src, &left_in, &dst, &left_out) == (size_t)-1) {
		free(out);
		out = NULL;
	} else
		*out_len = cap - left_out;
	iconv_close(cd);
	return out;
}

static void show_progress(struct gen *g, const char *feed)
{
	char bar[17];
	int total = (int)g->cat->n_feeds, done = (int)g->r->files;
	if (!g->progress)
		return;
	for (int i = 0; i < 16; i++)
		bar[i] = i < done * 16 / (total ? total : 1) ? '#' : '.';
	bar[16] = '\0';
	fprintf(g->progress, "%s导入部门数据 [%s] %2d/%d %-24s%s", g->tty ? "\r" : "",
		bar, done, total, feed, g->tty ? "" : "\n");
	fflush(g->progress);
}

/* Import the file through feed_import() and release the writer. */
static int fw_import(struct gen *g, struct fw *w, const char *file_name,
		     struct err *e)
{
	struct feed_result res;
	char *gb = NULL;
	const char *bytes = w->sb.buf;
	size_t len = w->sb.len;
	int rc;

	if (w->style.gb18030) {
		gb = to_gb18030(w->sb.buf, w->sb.len, &len);
		if (!gb) {
			strbuf_release(&w->sb);
			return err_set(e, ERR_INTERNAL, NULL, "iconv", "无法转换为 GB18030",
				       "cannot convert to GB18030");
		}
		bytes = gb;
	}
	memset(&res, 0, sizeof(res));
	rc = feed_import(g->s, NULL, g->config_dir, g->data_dir, w->def->name,
			 file_name, bytes, len, NULL, &res, e);
	if (rc >= 0) {
		g->r->files++;
		g->r->rows += res.rows_imported;
		g->r->rejected += res.rows_rejected;
		show_progress(g, w->def->name);
	}
	feed_result_release(&res);
	free(gb);
	strbuf_release(&w->sb);
	return rc;
}

/* === choosing who gets a planted record === */

enum who { ANY, NONHEAD, HEAD };

enum pool {
	MONITORED,      /* a current category, no active enrollment of any
			 * program (so the enrolled rules fire only where planted) */
	ENROLLED_DIBAO  /* an active dibao enrollment */
};

static int fits(const struct dperson *p, int min_age, int max_age, enum who w)
{
	int head = strcmp(p->relation, "self") == 0;
	return p->age >= min_age && p->age <= max_age &&
	       (w == ANY || (w == HEAD) == head);
}

/* A household of the pool not chosen before, with a member who fits, from
 * a random starting point; NULL when there is none. */
static struct dhouse *pick(struct gen *g, enum pool pool, int min_age,
			   int max_age, enum who w, struct dperson **who)
{
	size_t start = (size_t)below(&g->rng, (int64_t)g->n_h);
	for (size_t k = 0; k < g->n_h; k++) {
		struct dhouse *h = &g->h[(start + k) % g->n_h];
		int ok = pool == ENROLLED_DIBAO ? h->enrolled == C_DIBAO
						 : h->cat != C_NONE && !h->any_active;
		if (!ok || h->hit || (w == HEAD && h->n < 2 && pool == MONITORED))
			continue;
		for (size_t i = 0; i < h->n; i++) {
			struct dperson *p = &g->p[h->first + i];
			if (fits(p, min_age, max_age, w)) {
				h->hit = 1;
				*who = p;
				return h;
			}
		}
	}
	return NULL;
}

static const char *department_zh(const char *code)
{
	static const char *const map[][2] = {
		{ "public_security", "县公安局" }, { "medical_security", "县医疗保障局" },
		{ "education", "县教育委员会" }, { "hrss", "县人力资源和社会保障局" },
		{ "natural_resources", "县规划和自然资源局" }, { "housing", "县住房和城乡建设委员会" },
		{ "market_supervision", "县市场监督管理局" }, { "emergency", "县应急管理局" },
		{ "disability_federation", "县残疾人联合会" }, { "rural_revitalization", "县乡村振兴局" },
		{ "tax", "县税务局" }, { "banks", "县农村商业银行" }, { "organization", "县委组织部" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], code) == 0)
			return map[i][1];
	return code;
}

static int finish(struct gen *g, struct fw *w, struct err *e)
{
	char name[256], day[11];
	clock_format_date(g->today, day);
	snprintf(name, sizeof(name), "%s_%s_%s（演示数据）.csv",
		 department_zh(w->def->department), w->def->label_zh, day);
	return fw_import(g, w, name, e);
}

static const struct fstyle UTF8 = { D_ISO, 0, 0, 0, 0 };

static struct fstyle style(enum date_style d, int gb, int crlf, int bom, int th)
{
	struct fstyle s = { d, gb, crlf, bom, th };
	return s;
}

/* Begin a feed's file; 1 when the catalogue has no such feed (skipped). */
static int begin(struct gen *g, struct fw *w, const char *feed, struct fstyle s)
{
	return fw_begin(g, w, feed, s) < 0 ? 1 : 0;
}

/* === the feeds, one function each === */

static const char *relation_zh(const char *r)
{
	static const char *const map[][2] = {
		{ "self", "户主" }, { "spouse", "配偶" }, { "child", "子女" },
		{ "parent", "父母" }, { "grandchild", "孙子女" }, { "grandparent", "祖父母" },
		{ "sibling", "兄弟姐妹" }, { "child_in_law", "儿媳/女婿" }, { "other", "其他" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], r) == 0)
			return map[i][1];
	return "其他";
}

static int gen_household_register(struct gen *g, struct err *e)
{
	struct fw w;
	if (begin(g, &w, "household_register", style(D_ISO, 1, 1, 0, 0)))
		return 0;
	for (size_t i = 0; i < g->n_p; i++) {
		const struct dperson *p = &g->p[i];
		if (!permille(&g->rng, 20))
			continue;
		put(&w, "id_number", "%s", p->number);
		put(&w, "name", "%s", p->name);
		put(&w, "region_code", "%s", p->region);
		put(&w, "relation", "%s", relation_zh(p->relation));
		end_row(&w);
	}
	return finish(g, &w, e);
}

static void death_row(struct fw *w, const struct dperson *p, int64_t day)
{
	put(w, "id_number", "%s", p->number);
	put_date(w, "death_date", day);
	end_row(w);
}

static struct dperson *person_in(struct gen *g, const struct dhouse *h, int64_t id)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (g->p[h->first + i].id == id)
			return &g->p[h->first + i];
	return NULL;
}

/* The recipient of an active dibao enrollment that started at least six
 * months ago (so every demo payment month was paid), drawn at random; the
 * earliest-starting one when none started that early; NULL when none. */
static int dead_recipient(struct gen *g, struct dperson **out, struct err *e)
{
	struct store_stmt *st = NULL;
	char cutoff[32];
	int y, m, d, rc;
	struct { struct dhouse *h; struct dperson *p; } early[64], first = { 0 };
	size_t n = 0;

	*out = NULL;
	clock_civil_from_days(g->today, &y, &m, &d);
	m -= 6;
	if (m < 1) {
		m += 12;
		y--;
	}
	snprintf(cutoff, sizeof(cutoff), "%04d-%02d", y, m);
	rc = store_query(g->s, &st, e,
		"SELECT household_id, person_id, start_month FROM enrollments"
		" WHERE program = 'dibao' AND status = 'active' AND household_id IS NOT NULL"
		" AND person_id IS NOT NULL ORDER BY start_month, id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		struct dhouse *h = house_by_id(g, store_col_int64(st, 0));
		struct dperson *p = person_in(g, h, store_col_int64(st, 1));
		if (!p || h->hit || h->enrolled != C_DIBAO)
			continue;
		if (!first.p) {
			first.h = h;
			first.p = p;
		}
		if (strcmp(store_col_text(st, 2), cutoff) <= 0 && n < 64) {
			early[n].h = h;
			early[n++].p = p;
		}
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (n) {
		size_t k = (size_t)below(&g->rng, (int64_t)n);
		early[k].h->hit = 1;
		*out = early[k].p;
	} else if (first.p) {
		first.h->hit = 1;
		*out = first.p;
	}
	return 0;
}

static int gen_deaths(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "deaths", style(D_CHINESE, 0, 0, 1, 0)))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		const struct dhouse *h = &g->h[i];
		/* Background deaths (years ago) only where nobody is enrolled:
		 * a recipient dead before the enrollment began would be absurd. */
		for (size_t j = 0; j < h->n && h->cat == C_NONE && !h->any_active; j++)
			if (g->p[h->first + j].age >= 75 && permille(&g->rng, 8))
				death_row(&w, &g->p[h->first + j], g->today - between(&g->rng, 200, 1500));
	}
	/* An enrolled dibao recipient (the enrollment's person: the head),
	 * dead 75-110 days ago: the monthly payments (demo_payments, the six
	 * months before this one) went on for at least one month after the
	 * month of the death, which the paid_after_death cross-check finds. */
	int rc = dead_recipient(g, &p, e);
	if (rc < 0) {
		strbuf_release(&w.sb);
		return rc;
	}
	if (p) {
		g->r->dead_recipient = p->id;
		death_row(&w, p, g->today - between(&g->rng, 75, 110));
	}
	/* Members of monitored households: one main earner, elders. */
	if (pick(g, MONITORED, 30, 90, HEAD, &p))
		death_row(&w, p, g->today - between(&g->rng, 5, 150));
	for (int k = 0; k < g->hits; k++)
		if (pick(g, MONITORED, 55, 120, NONHEAD, &p))
			death_row(&w, p, g->today - between(&g->rng, 5, 150));
	return finish(g, &w, e);
}

static const char plate_chars[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

static void vehicle_row(struct gen *g, struct fw *w, const struct dperson *p,
			const char *type, int64_t day)
{
	char plate[8];
	for (int i = 0; i < 5; i++)
		plate[i] = plate_chars[below(&g->rng, (int64_t)sizeof(plate_chars) - 1)];
	plate[5] = '\0';
	put(w, "id_number", "%s", p->number);
	put(w, "plate", "渝D%s", plate);
	put(w, "vehicle_type", "%s", type);
	put_date(w, "registered_date", day);
	end_row(w);
}

static const char *vehicle_type(struct gen *g)
{
	int64_t d = below(&g->rng, 100);
	return d < 70 ? "car" : d < 85 ? "motorcycle" : d < 90 ? "truck"
	     : d < 95 ? "tractor" : d < 97 ? "boat" : "machinery";
}

static int gen_vehicles(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "vehicles", style(D_SLASH, 1, 1, 0, 0)))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		const struct dhouse *h = &g->h[i];
		for (size_t j = 0; j < h->n; j++) {
			const struct dperson *q = &g->p[h->first + j];
			if (!h->enrolled && q->age >= 20 && q->age <= 65 && permille(&g->rng, 40))
				vehicle_row(g, &w, q, vehicle_type(g),
					    g->today - between(&g->rng, 365, 5000));
			/* Motor wheelchairs, enrolled households included: they
			 * are not counted as vehicles. */
			if (strcmp(q->dis_type, "physical") == 0 && q->age >= 18 &&
			    permille(&g->rng, 60))
				vehicle_row(g, &w, q, "motor_wheelchair",
					    g->today - between(&g->rng, 100, 3000));
		}
	}
	/* The car household: enrolled for dibao, and a car on record. */
	struct dhouse *h = pick(g, ENROLLED_DIBAO, 20, 70, ANY, &p);
	if (h) {
		g->r->car_household = h->id;
		vehicle_row(g, &w, p, "car", g->today - between(&g->rng, 100, 700));
	}
	return finish(g, &w, e);
}

static const char *const diagnoses[] = {
	"高血压", "糖尿病", "冠心病", "脑血管病", "肺炎", "骨折", "慢性阻塞性肺疾病",
	"恶性肿瘤", "慢性肾衰竭, 透析", "恶性肿瘤\n术后化疗"
};

static void settlement_row(struct fw *w, const struct dperson *p, int64_t day,
			   int64_t total, int64_t self_paid, const char *diag)
{
	put(w, "id_number", "%s", p->number);
	put_date(w, "settle_date", day);
	put(w, "total_fen", "%" PRId64, total);
	put(w, "self_paid_fen", "%" PRId64, self_paid);
	put(w, "diagnosis_class", "%s", diag);
	end_row(w);
}

static int gen_medical(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "medical_settlements", style(D_ISO, 0, 1, 1, 0)))
		return 0;
	/* Background: under the alert threshold for anyone (≤ 2 × 4,000 元). */
	for (size_t i = 0; i < g->n_p; i++) {
		const struct dperson *q = &g->p[i];
		int n = q->ill ? (permille(&g->rng, 400) ? (int)between(&g->rng, 1, 2) : 0)
			       : permille(&g->rng, 10);
		for (int k = 0; k < n; k++) {
			int64_t total = between(&g->rng, 20000, 2000000);
			int64_t self = total * between(&g->rng, 15, 40) / 100;
			settlement_row(&w, q, g->today - between(&g->rng, 1, 700), total,
				       self < 400000 ? self : 400000,
				       diagnoses[below(&g->rng, 7)]);
		}
	}
	/* Serious illness: three large settlements within the year. */
	for (int k = 0; k < g->hits; k++) {
		if (!pick(g, MONITORED, 0, 120, ANY, &p))
			break;
		for (int j = 0; j < 3; j++) {
			int64_t total = between(&g->rng, 3000000, 8000000);
			settlement_row(&w, p, g->today - between(&g->rng, 10, 300), total,
				       total * between(&g->rng, 30, 45) / 100,
				       diagnoses[7 + (k + j) % 3]);
		}
	}
	return finish(g, &w, e);
}

struct stage {
	const char *level, *school;
	int entry_age, last_age;
};

static const struct stage stages[] = {
	{ "preschool", "县实验幼儿园", 3, 5 },
	{ "primary", "镇中心小学", 6, 11 },
	{ "junior", "镇初级中学", 12, 14 },
	{ "senior", "县第一中学", 15, 17 },
	{ "college", "重庆某高等院校（演示）", 18, 21 },
};

/* The first of September that opened the current school year. */
static int64_t school_year_start(const struct gen *g)
{
	int64_t sept = clock_days_from_civil(g->year, 9, 1);
	return sept <= g->today ? sept : clock_days_from_civil(g->year - 1, 9, 1);
}

static void student_row(struct fw *w, const struct dperson *p, const char *level,
			const char *school, int64_t day)
{
	put(w, "id_number", "%s", p->number);
	put(w, "level", "%s", level);
	put(w, "school", "%s", school);
	put_date(w, "enrolled_date", day);
	end_row(w);
}

static int gen_students(struct gen *g, struct err *e)
{
	int64_t start = school_year_start(g);
	int y, m, d;
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "students", style(D_COMPACT, 0, 0, 0, 0)))
		return 0;
	clock_civil_from_days(start, &y, &m, &d);
	for (size_t i = 0; i < g->n_p; i++) {
		const struct dperson *q = &g->p[i];
		for (size_t s = 0; s < sizeof(stages) / sizeof(stages[0]); s++) {
			const struct stage *st = &stages[s];
			if (q->age < st->entry_age || q->age > st->last_age ||
			    !permille(&g->rng, s == 4 ? 150 : 300))
				continue;
			int vocational = s == 3 && permille(&g->rng, 300);
			student_row(&w, q, vocational ? "vocational" : st->level,
				    vocational ? "县职业教育中心" : st->school,
				    clock_days_from_civil(y - (q->age - st->entry_age), 9, 1));
		}
	}
	/* Children entering senior school or college this half-year. */
	for (int k = 0; k < g->hits; k++) {
		if (!pick(g, MONITORED, 14, 19, NONHEAD, &p))
			break;
		student_row(&w, p, p->age <= 16 ? "senior" : "college",
			    p->age <= 16 ? stages[3].school : stages[4].school,
			    g->today - between(&g->rng, 20, 150));
	}
	return finish(g, &w, e);
}

static void dated_row(struct fw *w, const struct dperson *p, const char *column,
		      int64_t day)
{
	put(w, "id_number", "%s", p->number);
	put_date(w, column, day);
	end_row(w);
}

static int gen_unemployment(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "unemployment", style(D_DOT, 1, 0, 0, 0)))
		return 0;
	for (size_t i = 0; i < g->n_p; i++)
		if (g->p[i].age >= 20 && g->p[i].age <= 55 && permille(&g->rng, 10))
			dated_row(&w, &g->p[i], "registered_date",
				  g->today - between(&g->rng, 120, 1000));
	for (int k = 0; k < g->hits; k++)
		if (pick(g, MONITORED, 20, 55, ANY, &p))
			dated_row(&w, p, "registered_date", g->today - between(&g->rng, 5, 80));
	return finish(g, &w, e);
}

static int gen_pensions(struct gen *g, struct err *e)
{
	struct fw w;
	if (begin(g, &w, "pensions", style(D_ISO, 0, 0, 1, 0)))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		const struct dhouse *h = &g->h[i];
		for (size_t j = 0; j < h->n; j++) {
			const struct dperson *q = &g->p[h->first + j];
			if (q->age < 60 || !permille(&g->rng, 350))
				continue;
			/* Most rural elders draw the basic residents' pension;
			 * some retired employees a larger one (not the enrolled). */
			int employee = !h->enrolled && permille(&g->rng, 150);
			put(&w, "id_number", "%s", q->number);
			put(&w, "monthly_fen", "%" PRId64, employee
			    ? between(&g->rng, 180000, 450000) : between(&g->rng, 12000, 22000));
			put_date(&w, "since_date", g->today - (q->age - 60) * 365 -
				 between(&g->rng, 0, 300));
			end_row(&w);
		}
	}
	return finish(g, &w, e);
}

static void estate_row(struct gen *g, struct fw *w, const struct dperson *p,
		       const char *use, int64_t area_x100, int64_t day)
{
	int y, m, d;
	clock_civil_from_days(day, &y, &m, &d);
	put(w, "id_number", "%s", p->number);
	put(w, "property_id", "渝（%d）垫江县不动产权第%07" PRId64 "号", y,
	    between(&g->rng, 1, 9999999));
	put(w, "use", "%s", use);
	put(w, "area_m2", "%" PRId64, area_x100);
	put_date(w, "registered_date", day);
	end_row(w);
}

static int gen_real_estate(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "real_estate", style(D_SLASH, 1, 1, 0, 0)))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		const struct dhouse *h = &g->h[i];
		struct dperson *head = head_of(g, h);
		if (h->enrolled || !permille(&g->rng, 80))
			continue;
		estate_row(g, &w, head, "residential", between(&g->rng, 5000, 14000),
			   g->today - between(&g->rng, 700, 9000));
		if (permille(&g->rng, 100))
			estate_row(g, &w, head, "residential", between(&g->rng, 6000, 12000),
				   g->today - between(&g->rng, 700, 5000));
		if (permille(&g->rng, 60))
			estate_row(g, &w, head, "shop", between(&g->rng, 2000, 8000),
				   g->today - between(&g->rng, 700, 5000));
	}
	/* An enrolled household with a second house. */
	if (pick(g, ENROLLED_DIBAO, 18, 120, ANY, &p)) {
		estate_row(g, &w, p, "residential", 9000, g->today - 3000);
		estate_row(g, &w, p, "residential", 8500, g->today - between(&g->rng, 30, 200));
	}
	return finish(g, &w, e);
}

static int gen_dangerous_houses(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "dangerous_houses", UTF8))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		if (g->h[i].cat != C_NONE || !permille(&g->rng, 3))
			continue;
		put(&w, "id_number", "%s", head_of(g, &g->h[i])->number);
		put(&w, "grade", "C");
		put_date(&w, "assessed_date", g->today - between(&g->rng, 400, 1500));
		end_row(&w);
	}
	for (int k = 0; k < g->hits; k++) {
		if (!pick(g, MONITORED, 18, 120, HEAD, &p))
			break;
		put(&w, "id_number", "%s", p->number);
		put(&w, "grade", "D");
		put_date(&w, "assessed_date", g->today - between(&g->rng, 10, 300));
		end_row(&w);
	}
	return finish(g, &w, e);
}

static const char *const firm_words[][2] = {
	{ "兴旺", "农业开发" }, { "鑫源", "商贸" }, { "绿野", "生态养殖" },
	{ "宏达", "建材" }, { "明月", "餐饮管理" }, { "桂溪", "物流" },
};

static void company_row(struct gen *g, struct fw *w, const struct dperson *p,
			const char *role, int64_t day)
{
	int64_t a = below(&g->rng, 6), b = below(&g->rng, 6);
	put(w, "id_number", "%s", p->number);
	put(w, "company", "垫江县%s%s有限公司（演示）", firm_words[a][0], firm_words[b][1]);
	put(w, "role", "%s", role);
	put_date(w, "registered_date", day);
	end_row(w);
}

static int gen_companies(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "companies", style(D_SLASH, 1, 0, 0, 0)))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		const struct dhouse *h = &g->h[i];
		for (size_t j = 0; j < h->n && !h->enrolled; j++) {
			const struct dperson *q = &g->p[h->first + j];
			if (q->age >= 25 && q->age <= 60 && permille(&g->rng, 10))
				company_row(g, &w, q, permille(&g->rng, 700) ? "legal_person" : "shareholder",
					    g->today - between(&g->rng, 365, 3650));
		}
	}
	if (pick(g, ENROLLED_DIBAO, 20, 65, ANY, &p))
		company_row(g, &w, p, "legal_person", g->today - between(&g->rng, 30, 300));
	return finish(g, &w, e);
}

static const char *const disasters[] = { "暴雨洪涝", "山体滑坡", "冰雹", "大风" };

static void disaster_row(struct gen *g, struct fw *w, const struct dperson *p,
			 int64_t day, int64_t loss)
{
	put(w, "id_number", "%s", p->number);
	put(w, "event", "%s", disasters[below(&g->rng, 4)]);
	put_date(w, "event_date", day);
	put(w, "loss_fen", "%" PRId64, loss);
	end_row(w);
}

static int gen_disaster(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "disaster_victims", style(D_CHINESE, 0, 0, 1, 0)))
		return 0;
	for (size_t i = 0; i < g->n_h; i++)
		if (permille(&g->rng, 5))
			disaster_row(g, &w, head_of(g, &g->h[i]), g->today - between(&g->rng, 120, 900),
				     between(&g->rng, 50000, 3000000));
	for (int k = 0; k < g->hits; k++)
		if (pick(g, MONITORED, 18, 120, HEAD, &p))
			disaster_row(g, &w, p, g->today - between(&g->rng, 3, 80),
				     between(&g->rng, 300000, 6000000));
	return finish(g, &w, e);
}

static void certificate_row(struct fw *w, const struct dperson *p, const char *type,
			    int grade, int64_t day)
{
	put(w, "id_number", "%s", p->number);
	put(w, "disability_type", "%s", type);
	put(w, "grade", "%d", grade);
	put_date(w, "issued_date", day);
	end_row(w);
}

static int gen_disability(struct gen *g, struct err *e)
{
	struct dperson *p;
	struct fw w;
	if (begin(g, &w, "disability_certificates", style(D_ISO, 1, 1, 0, 0)))
		return 0;
	for (size_t i = 0; i < g->n_p; i++) {
		const struct dperson *q = &g->p[i];
		if (q->dis_type[0])
			certificate_row(&w, q, q->dis_type, q->dis_grade ? q->dis_grade : 3,
					g->today - between(&g->rng, 700, 5000));
	}
	/* New certificates, or a worse grade (1 is the most severe). */
	for (int k = 0; k < g->hits; k++) {
		if (!pick(g, MONITORED, 1, 120, ANY, &p))
			break;
		int worse = p->dis_type[0] && p->dis_grade > 1 ? p->dis_grade - 1 : 2;
		certificate_row(&w, p, p->dis_type[0] ? p->dis_type : "physical", worse,
				g->today - between(&g->rng, 10, 150));
	}
	return finish(g, &w, e);
}

static int gen_return_watch(struct gen *g, struct err *e)
{
	struct fw w;
	if (begin(g, &w, "return_poverty_watch", UTF8))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		int watch = g->h[i].cat == C_RETURN;
		if (!watch && !permille(&g->rng, 3))
			continue;
		put(&w, "id_number", "%s", head_of(g, &g->h[i])->number);
		put(&w, "status", watch ? "watch" : "risk_removed");
		put_date(&w, "flagged_date", g->today - between(&g->rng, 30, 900));
		end_row(&w);
	}
	return finish(g, &w, e);
}

static int gen_tax(struct gen *g, struct err *e)
{
	struct fw w;
	if (begin(g, &w, "tax_income", style(D_ISO, 0, 0, 1, 0)))
		return 0;
	for (size_t i = 0; i < g->n_h; i++) {
		const struct dhouse *h = &g->h[i];
		for (size_t j = 0; j < h->n && !h->enrolled; j++) {
			const struct dperson *q = &g->p[h->first + j];
			if (q->age < 22 || q->age > 60 || !permille(&g->rng, 40))
				continue;
			int years = permille(&g->rng, 500) ? 2 : 1;
			for (int k = 1; k <= years; k++) {
				put(&w, "id_number", "%s", q->number);
				put(&w, "year", "%d", g->year - k);
				put(&w, "income_fen", "%" PRId64, between(&g->rng, 2000000, 12000000));
				end_row(&w);
			}
		}
	}
	return finish(g, &w, e);
}

static int gen_deposits(struct gen *g, struct err *e)
{
	int y, m, d;
	struct fw w;
	if (begin(g, &w, "deposits", style(D_DOT, 1, 0, 0, 1)))
		return 0;
	clock_civil_from_days(g->today, &y, &m, &d);
	int64_t as_of = clock_days_from_civil(y, m, 1) - 1; /* end of last month */
	for (size_t i = 0; i < g->n_h; i++) {
		const struct dhouse *h = &g->h[i];
		for (size_t j = 0; j < h->n; j++) {
			const struct dperson *q = &g->p[h->first + j];
			if (q->age < 18 || !permille(&g->rng, h->enrolled ? 200 : 50))
				continue;
			put(&w, "id_number", "%s", q->number);
			put(&w, "balance_fen", "%" PRId64, h->enrolled
			    ? between(&g->rng, 10000, 300000) : between(&g->rng, 100000, 20000000));
			put_date(&w, "as_of_date", as_of);
			end_row(&w);
		}
	}
	return finish(g, &w, e);
}

static const char *const units[] = {
	"县民政局", "镇人民政府", "街道办事处", "村民委员会", "社区居民委员会", "县财政局"
};
static const char *const kin[] = { "配偶", "子女", "父母", "兄弟姐妹" };

static const struct dperson *adult(struct gen *g)
{
	for (int tries = 0; tries < 50; tries++) {
		const struct dperson *p = &g->p[below(&g->rng, (int64_t)g->n_p)];
		if (p->age >= 25 && p->age <= 60)
			return p;
	}
	return &g->p[0];
}

/* An adult (25-60) who is not a member of h and not `other`. */
static const struct dperson *staff_outside(struct gen *g, const struct dhouse *h,
					   const struct dperson *other)
{
	for (int tries = 0; tries < 200; tries++) {
		const struct dperson *p = adult(g);
		size_t i = (size_t)(p - g->p);
		if (p->age >= 25 && p->age <= 60 && p != other &&
		    (i < h->first || i >= h->first + h->n))
			return p;
	}
	return NULL;
}

static void relative_row(struct fw *w, const struct dperson *staff, const char *unit,
			 const struct dperson *rel, const char *relation)
{
	put(w, "staff_id_number", "%s", staff->number);
	put(w, "staff_name", "%s", staff->name);
	put(w, "unit", "%s", unit);
	put(w, "id_number", "%s", rel->number);
	put(w, "relation", "%s", relation);
	end_row(w);
}

/* A staff member of the county civil-affairs bureau whose sibling heads an
 * enrolled dibao household that nobody filed (relative_unfiled). */
static int plant_sibling(struct gen *g, struct fw *w)
{
	struct dperson *head;
	struct dhouse *h = pick(g, ENROLLED_DIBAO, 0, 200, HEAD, &head);
	const struct dperson *staff = h ? staff_outside(g, h, NULL) : NULL;
	if (!staff)
		return 0;
	relative_row(w, staff, "县民政局", head, "兄弟姐妹");
	g->r->sibling_household = h->id;
	g->r->sibling_staff = staff->id;
	return 0;
}

/* The demo "reviewer" account is a staff member (users.id_number) whose
 * sibling lives in a household whose referral the reviewer decided
 * (self_decision): the demo's referral decisions are the reviewer's. */
static int plant_self_decision(struct gen *g, struct fw *w, struct err *e)
{
	struct store_stmt *st = NULL;
	struct dhouse *h = NULL;
	int64_t ids[256];
	size_t n = 0;
	int rc = store_query(g->s, &st, e,
		"SELECT DISTINCT household_id FROM events WHERE entity = 'referral'"
		" AND username = 'reviewer' AND household_id IS NOT NULL AND action IN"
		" ('survey', 'opinion', 'publish_notice', 'approve', 'reject', 'return')"
		" ORDER BY household_id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW && n < 256)
		ids[n++] = store_col_int64(st, 0);
	store_finalize(st);
	if (rc < 0)
		return rc;
	for (size_t k = 0, start = n ? (size_t)below(&g->rng, (int64_t)n) : 0; k < n && !h; k++) {
		struct dhouse *x = house_by_id(g, ids[(start + k) % n]);
		if (x && !x->hit && x->id != g->r->sibling_household)
			h = x;
	}
	if (!h)
		return 0;
	h->hit = 1;
	const struct dperson *rel = head_of(g, h);
	const struct dperson *staff = staff_outside(g, h, NULL);
	if (!staff || staff->id == g->r->sibling_staff)
		return 0;
	relative_row(w, staff, "县民政局", rel, "兄弟姐妹");
	if ((rc = store_execv(g->s, e, "UPDATE users SET id_number = $1 WHERE username ="
			      " 'reviewer'", "s", staff->number)) < 0)
		return rc;
	g->r->self_decision_household = h->id;
	g->r->reviewer_staff = staff->id;
	return 0;
}

static int gen_staff_relatives(struct gen *g, struct err *e)
{
	struct fw w;
	int64_t n = g->n_p / 500 + 20;
	if (begin(g, &w, "staff_relatives", UTF8))
		return 0;
	for (int64_t k = 0; k < n; k++) {
		const struct dperson *staff = adult(g), *rel = adult(g);
		/* A third of the relatives live in monitored households. */
		if (permille(&g->rng, 330)) {
			const struct dhouse *h = &g->h[below(&g->rng, (int64_t)g->n_h)];
			for (size_t t = 0; t < g->n_h && h->cat == C_NONE; t++)
				h = &g->h[(size_t)(h - g->h + 1) % g->n_h];
			rel = &g->p[h->first];
		}
		if (rel == staff)
			continue;
		put(&w, "staff_id_number", "%s", staff->number);
		put(&w, "staff_name", "%s", staff->name);
		put(&w, "unit", "%s", units[below(&g->rng, 6)]);
		put(&w, "id_number", "%s", rel->number);
		put(&w, "relation", "%s", kin[below(&g->rng, 4)]);
		end_row(&w);
	}
	int rc = plant_sibling(g, &w);
	if (rc == 0)
		rc = plant_self_decision(g, &w, e);
	if (rc < 0) {
		strbuf_release(&w.sb);
		return rc;
	}
	return finish(g, &w, e);
}

/* === the whole === */

/* One entry for the run: what was imported and the planted households
 * (the car household is the one to verify). */
static int audit_feeds(struct gen *g, struct err *e)
{
	json_t *detail = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"files", (json_int_t)g->r->files, "records", (json_int_t)g->r->rows,
		"rejected", (json_int_t)g->r->rejected,
		"monitored", (json_int_t)g->r->monitored,
		"car_household", (json_int_t)g->r->car_household,
		"dead_recipient", (json_int_t)g->r->dead_recipient,
		"sibling_household", (json_int_t)g->r->sibling_household,
		"sibling_staff", (json_int_t)g->r->sibling_staff,
		"self_decision_household", (json_int_t)g->r->self_decision_household,
		"reviewer_staff", (json_int_t)g->r->reviewer_staff);
	int rc = audit_append(g->s, NULL, "demo.feeds", "demo", 0, "500231", detail, e);
	json_decref(detail);
	return rc;
}

typedef int (*feed_gen)(struct gen *g, struct err *e);

int demo_feeds_generate(struct store *s, uint64_t seed, const char *config_dir,
			const char *data_dir, FILE *progress,
			struct demo_feeds_result *r, struct err *e)
{
	static const feed_gen gens[] = {
		gen_household_register, gen_deaths, gen_vehicles, gen_medical,
		gen_students, gen_unemployment, gen_pensions, gen_real_estate,
		gen_dangerous_houses, gen_companies, gen_disaster, gen_disability,
		gen_return_watch, gen_tax, gen_deposits, gen_staff_relatives,
	};
	struct gen g;
	int y, m, d, rc;

	memset(r, 0, sizeof(*r));
	memset(&g, 0, sizeof(g));
	g.s = s;
	g.r = r;
	g.config_dir = config_dir;
	g.data_dir = data_dir;
	g.progress = progress;
	g.tty = progress && isatty(fileno(progress));
	/* A stream of its own: the registry's draws do not shift it. */
	g.rng.x = seed ^ 0xFEEDDA7A5EEDULL;
	g.today = clock_today_china();
	clock_civil_from_days(g.today, &y, &m, &d);
	g.year = y;
	if ((rc = feed_catalogue_load(config_dir, &g.cat, e)) < 0 ||
	    (rc = load_persons(&g, e)) < 0)
		goto cleanup;
	if (g.n_h == 0)
		goto cleanup;
	g.hits = (int)(1 + (int64_t)g.n_p / 25000);
	if (g.hits > 8)
		g.hits = 8;
	if ((rc = from_enrollments(&g, e)) < 0)
		goto cleanup;
	draw_categories(&g);
	if ((rc = insert_categories(&g, e)) < 0)
		goto cleanup;
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if ((rc = gens[i](&g, e)) < 0)
			break;
	if (g.tty)
		fputc('\n', g.progress);
	if (rc >= 0)
		rc = audit_feeds(&g, e);
cleanup:
	free(g.p);
	free(g.h);
	return rc < 0 ? rc : 0;
}
