/*
 * feed.c - the feed catalogue (config/feeds.json) and the checks of one
 * value, shared by the importer (feed_import.c) and the tests.
 *
 * The catalogue is data: adding a feed or a header alias is an edit of
 * feeds.json, not of code.  It is validated whole when loaded (every key
 * column an id_number, every date column a date, every enum with values) so
 * a broken file is refused at start-up with the feed and column named, not
 * half-way through somebody's import.  Loaded catalogues are kept for the
 * life of the process, keyed by folder, like program.c does.
 *
 * Values are checked the way departments actually write them: Excel's
 * leading apostrophe or tab in front of an ID number, dates as 2024/3/5 or
 * 2024年3月5日 or 20240305 (a time after the date is ignored), money in 元
 * with thousands separators and a ￥ sign.  Each value comes out in the one
 * canonical form of feed.h, so the same fact written two ways is one
 * record.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feed.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/limits.h"
#include "../core/banned.h"

/* === the catalogue === */

struct loaded {
	struct feed_catalogue cat;
	struct loaded *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct loaded *cache;

static const char *const type_names[] = {
	[FEED_ID_NUMBER] = "id_number", [FEED_TEXT] = "text", [FEED_DATE] = "date",
	[FEED_FEN] = "fen", [FEED_INT] = "int", [FEED_DECIMAL2] = "decimal2",
	[FEED_ENUM] = "enum",
};

static int cat_fail(struct err *e, const char *feed, const char *col,
		    const char *zh, const char *en)
{
	return err_setf(e, ERR_INVALID, "feeds.json", "config",
			"feeds.json：数据 %s 列 %s：%s%.0s",
			"feeds.json: feed %s column %s: %.0s%s",
			feed, col ? col : "-", zh, en);
}

static int parse_type(const char *s, enum feed_type *out)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type_names[i], s) == 0) {
			*out = (enum feed_type)i;
			return 0;
		}
	return -1;
}

/* A JSON array of strings as a malloc'd array of pointers into the doc. */
static int string_list(json_t *arr, const char ***out, size_t *n)
{
	size_t i;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return -1;
	*out = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return -1;
		(*out)[(*n)++] = json_string_value(v);
	}
	return 0;
}

/* {"alias": "code", ...} as pairs. */
static int alias_pairs(json_t *obj, const char ***out, size_t *n)
{
	const char *k;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!obj)
		return 0;
	if (!json_is_object(obj))
		return -1;
	*out = xcalloc(2 * json_object_size(obj) + 1, sizeof(char *));
	json_object_foreach(obj, k, v) {
		if (!json_is_string(v))
			return -1;
		(*out)[2 * *n] = k;
		(*out)[2 * *n + 1] = json_string_value(v);
		(*n)++;
	}
	return 0;
}

static int load_column(json_t *j, const char *feed, struct feed_column *c,
		       struct err *e)
{
	const char *name = json_string_value(json_object_get(j, "name"));
	const char *type = json_string_value(json_object_get(j, "type"));
	const char *unit = json_string_value(json_object_get(j, "unit"));
	json_t *max = json_object_get(j, "max"), *min = json_object_get(j, "min");

	if (!name || strlen(name) >= sizeof(c->name))
		return cat_fail(e, feed, name, "缺少列名", "a column has no name");
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (!type || parse_type(type, &c->type) < 0)
		return cat_fail(e, feed, name, "类型无效", "unknown type");
	c->required = json_is_true(json_object_get(j, "required"));
	c->max = json_is_integer(max) ? json_integer_value(max) : 0;
	c->has_min = json_is_integer(min);
	c->min = c->has_min ? json_integer_value(min) : 0;
	c->unit_fen = unit && strcmp(unit, "fen") == 0;
	c->label_zh = json_string_value(json_object_get(j, "label_zh"));
	if (!c->label_zh)
		c->label_zh = c->name;
	if (string_list(json_object_get(j, "values"), &c->values, &c->n_values) < 0 ||
	    string_list(json_object_get(j, "aliases"), &c->aliases, &c->n_aliases) < 0 ||
	    alias_pairs(json_object_get(j, "value_aliases"), &c->value_aliases,
			&c->n_value_aliases) < 0)
		return cat_fail(e, feed, name, "values / aliases 应为字符串",
				"values / aliases must be strings");
	if (c->type == FEED_ENUM && c->n_values == 0)
		return cat_fail(e, feed, name, "枚举列缺少 values",
				"an enum column needs values");
	if (c->type == FEED_TEXT && c->max <= 0)
		c->max = 200;
	return 0;
}

static const char *str_or(json_t *v, const char *def)
{
	return json_is_string(v) ? json_string_value(v) : def;
}

static int load_feed(json_t *j, struct feed_def *f, struct err *e)
{
	const char *name = json_string_value(json_object_get(j, "name"));
	const char *key = json_string_value(json_object_get(j, "key_column"));
	const char *date = json_string_value(json_object_get(j, "date_column"));
	json_t *cols = json_object_get(j, "columns"), *c;
	size_t i;
	int rc;

	if (!name || !*name || strlen(name) >= sizeof(f->name) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name))
		return cat_fail(e, name ? name : "?", NULL, "数据名称无效",
				"a feed name must be a-z 0-9 _");
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->department, sizeof(f->department), "%s",
		 str_or(json_object_get(j, "department"), ""));
	snprintf(f->label_zh, sizeof(f->label_zh), "%s",
		 str_or(json_object_get(j, "label_zh"), name));
	snprintf(f->label_en, sizeof(f->label_en), "%s",
		 str_or(json_object_get(j, "label_en"), name));
	if (!json_is_array(cols) || json_array_size(cols) == 0 ||
	    json_array_size(cols) > LIMIT_CSV_FIELDS)
		return cat_fail(e, name, NULL, "缺少 columns", "columns missing");
	f->columns = xcalloc(json_array_size(cols), sizeof(*f->columns));
	json_array_foreach(cols, i, c) {
		if ((rc = load_column(c, name, &f->columns[i], e)) < 0)
			return rc;
		f->n_columns++;
		for (size_t k = 0; k < i; k++)
			if (strcmp(f->columns[k].name, f->columns[i].name) == 0)
				return cat_fail(e, name, f->columns[i].name,
						"列名重复", "duplicate column");
	}
	f->key_column = key ? feed_column_index(f, key) : -1;
	if (f->key_column < 0 || f->columns[f->key_column].type != FEED_ID_NUMBER)
		return cat_fail(e, name, key, "key_column 应为身份证号列",
				"key_column must name an id_number column");
	f->columns[f->key_column].required = 1;
	f->date_column = date ? feed_column_index(f, date) : -1;
	if (date && (f->date_column < 0 ||
		     f->columns[f->date_column].type != FEED_DATE))
		return cat_fail(e, name, date, "date_column 应为日期列",
				"date_column must name a date column");
	return 0;
}

static int load_catalogue(const char *dir, struct feed_catalogue *cat,
			  struct err *e)
{
	char path[4200];
	json_error_t je;
	json_t *feeds, *f;
	size_t i;
	int rc;

	snprintf(cat->dir, sizeof(cat->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/feeds.json", dir);
	cat->doc = json_load_file(path, 0, &je);
	if (!cat->doc)
		return err_setf(e, ERR_INVALID, "feeds.json", "config",
				"%s 第 %d 行：%s", "%s line %d: %s", path,
				je.line, je.text);
	feeds = json_object_get(cat->doc, "feeds");
	if (!json_is_array(feeds))
		return err_setf(e, ERR_INVALID, "feeds.json", "config",
				"%s：缺少 feeds 数组", "%s: no feeds array", path);
	cat->feeds = xcalloc(json_array_size(feeds) + 1, sizeof(*cat->feeds));
	json_array_foreach(feeds, i, f) {
		if ((rc = load_feed(f, &cat->feeds[i], e)) < 0)
			return rc;
		cat->n_feeds++;
		for (size_t k = 0; k < i; k++)
			if (strcmp(cat->feeds[k].name, cat->feeds[i].name) == 0)
				return cat_fail(e, cat->feeds[i].name, NULL,
						"数据名称重复", "duplicate feed");
	}
	return 0;
}

int feed_catalogue_load(const char *config_dir,
			const struct feed_catalogue **out, struct err *e)
{
	struct loaded *l;
	int rc = 0;

	pthread_mutex_lock(&cache_lock);
	for (l = cache; l; l = l->next)
		if (strcmp(l->cat.dir, config_dir) == 0)
			break;
	if (!l) {
		l = xcalloc(1, sizeof(*l));
		rc = load_catalogue(config_dir, &l->cat, e);
		if (rc == 0) {
			l->next = cache;
			cache = l;
		} else {
			/* A broken catalogue is leaked rather than half-freed:
			 * this happens once, at start-up, and is fatal there. */
			l = NULL;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (l)
		*out = &l->cat;
	return rc;
}

const struct feed_def *feed_find(const struct feed_catalogue *c,
				 const char *name)
{
	for (size_t i = 0; name && i < c->n_feeds; i++)
		if (strcmp(c->feeds[i].name, name) == 0)
			return &c->feeds[i];
	return NULL;
}

int feed_column_index(const struct feed_def *f, const char *name)
{
	for (size_t i = 0; i < f->n_columns; i++)
		if (strcmp(f->columns[i].name, name) == 0)
			return (int)i;
	return -1;
}

static json_t *strings_json(const char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *column_json(const struct feed_column *c)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:o}", "name", c->name,
			      "label_zh", c->label_zh, "type", type_names[c->type],
			      "required", c->required, "aliases",
			      strings_json(c->aliases, c->n_aliases));

	if (c->n_values)
		json_object_set_new(j, "values", strings_json(c->values, c->n_values));
	if (c->max)
		json_object_set_new(j, "max", json_integer(c->max));
	if (c->has_min)
		json_object_set_new(j, "min", json_integer(c->min));
	if (c->type == FEED_FEN)
		json_object_set_new(j, "unit", json_string(c->unit_fen ? "fen" : "yuan"));
	return j;
}

json_t *feed_catalogue_json(const struct feed_catalogue *c)
{
	json_t *out = json_array();

	for (size_t i = 0; i < c->n_feeds; i++) {
		const struct feed_def *f = &c->feeds[i];
		json_t *cols = json_array();

		for (size_t k = 0; k < f->n_columns; k++)
			json_array_append_new(cols, column_json(&f->columns[k]));
		json_array_append_new(out, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "name", f->name,
			"department", f->department, "label_zh", f->label_zh,
			"label_en", f->label_en, "key_column",
			f->columns[f->key_column].name, "date_column",
			f->date_column >= 0
				? json_string(f->columns[f->date_column].name)
				: json_null(),
			"columns", cols));
	}
	return out;
}

/* === values === */

/* Blanks around a value: ASCII space and tab, the ideographic space U+3000
 * and NO-BREAK SPACE, which Excel and WPS leave behind. */
static void trim(const char **p, size_t *n)
{
	for (;;) {
		if (*n && ((*p)[0] == ' ' || (*p)[0] == '\t')) {
			(*p)++;
			(*n)--;
		} else if (*n >= 3 && memcmp(*p, "\xE3\x80\x80", 3) == 0) {
			*p += 3;
			*n -= 3;
		} else if (*n >= 2 && memcmp(*p, "\xC2\xA0", 2) == 0) {
			*p += 2;
			*n -= 2;
		} else
			break;
	}
	for (;;) {
		if (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
			(*n)--;
		else if (*n >= 3 && memcmp(*p + *n - 3, "\xE3\x80\x80", 3) == 0)
			*n -= 3;
		else if (*n >= 2 && memcmp(*p + *n - 2, "\xC2\xA0", 2) == 0)
			*n -= 2;
		else
			break;
	}
}

/* The value shown in a reason: at most ~40 bytes, cut at a character. */
static void shown(const char *p, size_t n, char out[48])
{
	if (n > 40) {
		n = 40;
		while (n && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

static int skip_prefix(const char **p, size_t *n, const char *pre)
{
	size_t k = strlen(pre);

	if (*n >= k && memcmp(*p, pre, k) == 0) {
		*p += k;
		*n -= k;
		return 1;
	}
	return 0;
}

static int skip_suffix(const char *p, size_t *n, const char *suf)
{
	size_t k = strlen(suf);

	if (*n >= k && memcmp(p + *n - k, suf, k) == 0) {
		*n -= k;
		return 1;
	}
	return 0;
}

static int parse_id(const struct feed_column *c, const char *p, size_t n,
		    struct strbuf *out, struct err *e)
{
	struct idcard id;
	char buf[72];
	int rc;

	skip_prefix(&p, &n, "'");            /* Excel's "keep as text" mark */
	if (n >= sizeof(buf))
		return err_set(e, ERR_INVALID, c->name, "length",
			       "身份证号码应为 18 位", "an ID number has 18 characters");
	memcpy(buf, p, n);
	buf[n] = '\0';
	if ((rc = idcard_parse(buf, c->name, &id, e)) < 0)
		return rc;
	strbuf_add(out, id.number, 18);
	return 0;
}

/* Up to `max` digits at *p as an int; the count read, 0 if none. */
static int digits(const char **p, const char *end, int max, int *v)
{
	int k = 0;

	*v = 0;
	while (*p < end && k < max && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return k;
}

/* After the date: nothing, or a time ("12:00", "12:00:00", "T12:00:00Z"). */
static int time_tail(const char *p, const char *end)
{
	if (p == end)
		return 1;
	if (*p != ' ' && *p != 'T')
		return 0;
	for (p++; p < end; p++)
		if (!strchr("0123456789:.Z", *p))
			return 0;
	return 1;
}

/* Consume `str` at *p (before end); 1 if it was there. */
static int eat(const char **p, const char *end, const char *str)
{
	size_t k = strlen(str);

	if ((size_t)(end - *p) >= k && memcmp(*p, str, k) == 0) {
		*p += k;
		return 1;
	}
	return 0;
}

/* YYYY-M-D with '-', '/' or '.', or YYYY年M月D日. */
static int separated_date(const char *s, const char *end, int *y, int *m, int *d)
{
	char sep;

	if (digits(&s, end, 4, y) != 4 || s >= end)
		return 0;
	if (eat(&s, end, "年")) {
		if (!digits(&s, end, 2, m) || !eat(&s, end, "月") ||
		    !digits(&s, end, 2, d))
			return 0;
		eat(&s, end, "日");
		return time_tail(s, end);
	}
	sep = *s;
	if (sep != '-' && sep != '/' && sep != '.')
		return 0;
	s++;
	if (!digits(&s, end, 2, m) || s >= end || *s != sep)
		return 0;
	s++;
	if (!digits(&s, end, 2, d))
		return 0;
	return time_tail(s, end);
}

static int parse_date(const struct feed_column *c, const char *p, size_t n,
		      struct strbuf *out, struct err *e)
{
	const char *s = p, *end = p + n;
	int y = 0, m = 0, d = 0, ok;
	char show[48];

	if (digits(&s, end, 8, &y) == 8 && (s == end || *s < '0' || *s > '9')) {
		d = y % 100;                              /* 20240305 */
		m = y / 100 % 100;
		y /= 10000;
		ok = time_tail(s, end);
	} else {
		ok = separated_date(p, end, &y, &m, &d);
	}
	if (!ok || y < 1900 || y > 2100 || !clock_valid_date(y, m, d)) {
		shown(p, n, show);
		return err_setf(e, ERR_INVALID, c->name, "date",
				"“%s”不是有效日期", "\"%s\" is not a valid date", show);
	}
	char buf[10] = { (char)('0' + y / 1000), (char)('0' + y / 100 % 10),
			 (char)('0' + y / 10 % 10), (char)('0' + y % 10), '-',
			 (char)('0' + m / 10), (char)('0' + m % 10), '-',
			 (char)('0' + d / 10), (char)('0' + d % 10) };
	strbuf_add(out, buf, sizeof(buf));   /* no printf: a million times per file */
	return 0;
}

/* Decimal digits of v >= 0 without printf. */
static void put_int(struct strbuf *out, int64_t v)
{
	char buf[24];
	int k = sizeof(buf);

	do {
		buf[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_add(out, buf + k, sizeof(buf) - (size_t)k);
}

/* A non-negative amount with up to two decimals, as an integer ×100
 * (×1 when whole_only). */
static int parse_amount(const struct feed_column *c, const char *p, size_t n,
			int money, int whole_only, struct strbuf *out,
			struct err *e)
{
	const char *s = p, *end;
	int64_t v = 0;
	int frac = 0, seen = 0;
	char show[48];

	shown(p, n, show);
	if (money) {
		if (!skip_prefix(&s, &n, "\xEF\xBF\xA5"))       /* ￥ */
			skip_prefix(&s, &n, "\xC2\xA5");          /* ¥ */
		skip_suffix(s, &n, "元");
	}
	end = s + n;
	if (s < end && *s == '-')
		return err_setf(e, ERR_INVALID, c->name, "negative",
				"金额不能为负：“%s”", "must not be negative: \"%s\"", show);
	for (; s < end; s++) {
		if (*s == ',' && seen && frac == 0)
			continue;                      /* 1,234.56 */
		if (*s == '.' && seen && frac == 0 && !whole_only) {
			frac = 1;
			continue;
		}
		if (*s < '0' || *s > '9' || frac > 2 || v > INT64_C(100000000000000))
			break;
		v = v * 10 + (*s - '0');
		seen = 1;
		if (frac)
			frac++;
	}
	if (s != end || !seen || frac == 1)
		return err_setf(e, ERR_INVALID, c->name, "amount",
				whole_only ? "“%s”不是整数" : "“%s”不是金额（最多两位小数）",
				whole_only ? "\"%s\" is not a whole number"
					   : "\"%s\" is not an amount (two decimals at most)",
				show);
	if (!whole_only)
		for (int k = frac ? frac - 1 : 0; k < 2; k++)
			v *= 10;
	if (c->max > 0 && v > c->max)
		return err_setf(e, ERR_INVALID, c->name, "range",
				"“%s”超过上限", "\"%s\" is above the limit", show);
	put_int(out, v);
	return 0;
}

static int parse_int(const struct feed_column *c, const char *p, size_t n,
		     struct strbuf *out, struct err *e)
{
	char buf[32], *end, show[48];
	long long v;

	shown(p, n, show);
	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*end || errno || buf[0] == '+' || buf[0] == ' ')
		goto bad;
	if ((c->has_min && v < c->min) || (c->max && v > c->max))
		return err_setf(e, ERR_INVALID, c->name, "range",
				"“%s”超出范围", "\"%s\" is out of range", show);
	strbuf_addf(out, "%lld", v);
	return 0;
bad:
	return err_setf(e, ERR_INVALID, c->name, "integer",
			"“%s”不是整数", "\"%s\" is not a whole number", show);
}

static int parse_enum(const struct feed_column *c, const char *p, size_t n,
		      struct strbuf *out, struct err *e)
{
	char show[48];

	for (size_t i = 0; i < c->n_values; i++)
		if (strlen(c->values[i]) == n && strncasecmp(c->values[i], p, n) == 0) {
			strbuf_addstr(out, c->values[i]);
			return 0;
		}
	shown(p, n, show);
	return err_setf(e, ERR_INVALID, c->name, "enum", "“%s”不是允许的取值",
			"\"%s\" is not an allowed value", show);
}

static int parse_text(const struct feed_column *c, const char *p, size_t n,
		      struct strbuf *out, struct err *e)
{
	if (c->max > 0 && (int64_t)n > c->max)
		return err_setf(e, ERR_INVALID, c->name, "too_long",
				"超过 %lld 字节", "longer than %lld bytes",
				(long long)c->max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\n' && p[i] != '\t')
			return err_set(e, ERR_INVALID, c->name, "characters",
				       "含有控制字符", "holds a control character");
	strbuf_add(out, p, n);
	return 0;
}

int feed_parse_value(const struct feed_column *col, const char *in,
		     size_t len, struct strbuf *out, struct err *e)
{
	trim(&in, &len);
	/* A value alias ("C级" -> "C", "一级" -> "1") applies to any type. */
	for (size_t i = 0; i < col->n_value_aliases; i++)
		if (strlen(col->value_aliases[2 * i]) == len &&
		    memcmp(col->value_aliases[2 * i], in, len) == 0) {
			in = col->value_aliases[2 * i + 1];
			len = strlen(in);
			break;
		}
	if (len == 0) {
		if (col->required)
			return err_set(e, ERR_INVALID, col->name, "required",
				       "必须填写", "is required");
		return 0;
	}
	switch (col->type) {
	case FEED_ID_NUMBER: return parse_id(col, in, len, out, e);
	case FEED_DATE:      return parse_date(col, in, len, out, e);
	case FEED_FEN:       return parse_amount(col, in, len, 1, col->unit_fen, out, e);
	case FEED_DECIMAL2:  return parse_amount(col, in, len, 0, 0, out, e);
	case FEED_INT:       return parse_int(col, in, len, out, e);
	case FEED_ENUM:      return parse_enum(col, in, len, out, e);
	case FEED_TEXT:      return parse_text(col, in, len, out, e);
	}
	return err_set(e, ERR_INTERNAL, col->name, "type", "未知类型", "unknown type");
}
