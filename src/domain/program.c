/*
 * program.c - programs, routing rules, standards and the calendar from the
 * config folder.
 *
 * Design: each folder is parsed once into a struct program_config and kept
 * on a list guarded by a mutex; later calls with the same folder get the
 * same pointer (the files are data the county edits between releases, not
 * per request).  Everything is validated at load so that a bad rule fails
 * at start-up with the file and field named, never half-way through a
 * request.  The calendar keeps only the exceptions (holidays, make-up
 * working days); every other day follows the weekday rule.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "program.h"
#include "../core/clock.h"
#include "../core/limits.h"
#include "../core/banned.h"

struct loaded {
	struct program_config cfg;
	struct loaded *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct loaded *cache;

static int config_error(struct err *e, const char *file, const char *where,
			const char *what)
{
	return err_setf(e, ERR_INVALID, NULL, "config", "配置文件 %s（%s）：%s",
			"config file %s (%s): %s", file, where, what);
}

static int copy_field(json_t *o, const char *key, char *out, size_t size,
		      const char *file, const char *where, struct err *e)
{
	json_t *v = json_object_get(o, key);
	char at[128];
	snprintf(at, sizeof(at), "%s.%s", where, key);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return config_error(e, file, at, "required text / 须为非空文本");
	if (json_string_length(v) >= size)
		return config_error(e, file, at, "too long / 过长");
	snprintf(out, size, "%s", json_string_value(v));
	return 0;
}

static int load_json(const char *dir, const char *name, json_t **out,
		     struct err *e)
{
	char path[LIMIT_PATH_BYTES + 64], where[64];
	json_error_t je;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*out = json_load_file(path, 0, &je);
	if (!*out) {
		snprintf(where, sizeof(where), "line %d", je.line);
		return config_error(e, path, where, je.text);
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return config_error(e, path, "top", "an object expected / 须为对象");
	}
	return 0;
}

/* === programs.json === */

static int parse_program(json_t *o, struct program *p, const char *where,
			 struct err *e)
{
	static const char *const kinds[] = {
		"monthly", "one_off", "per_term", "per_claim", "per_case",
		"per_event", "per_campaign", NULL
	};
	const char *f = "programs.json";
	json_t *d = json_object_get(o, "deadline_working_days");
	char at[128];
	int rc, ok = 0;

	if ((rc = copy_field(o, "code", p->code, sizeof(p->code), f, where, e)) < 0 ||
	    (rc = copy_field(o, "name_zh", p->name_zh, sizeof(p->name_zh), f, where, e)) < 0 ||
	    (rc = copy_field(o, "name_en", p->name_en, sizeof(p->name_en), f, where, e)) < 0 ||
	    (rc = copy_field(o, "department", p->department, sizeof(p->department), f, where, e)) < 0 ||
	    (rc = copy_field(o, "procedure", p->procedure, sizeof(p->procedure), f, where, e)) < 0 ||
	    (rc = copy_field(o, "kind", p->kind, sizeof(p->kind), f, where, e)) < 0)
		return rc;
	snprintf(at, sizeof(at), "%s.procedure", where);
	if (strcmp(p->procedure, "simple") != 0 && strcmp(p->procedure, "dibao") != 0)
		return config_error(e, f, at, "simple or dibao / 须为 simple 或 dibao");
	for (size_t i = 0; kinds[i]; i++)
		ok |= strcmp(kinds[i], p->kind) == 0;
	snprintf(at, sizeof(at), "%s.kind", where);
	if (!ok)
		return config_error(e, f, at, "unknown kind / 未知类型");
	snprintf(at, sizeof(at), "%s.deadline_working_days", where);
	if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 365)
		return config_error(e, f, at, "an integer 1..365 / 须为1至365的整数");
	p->deadline_working_days = (int)json_integer_value(d);
	snprintf(at, sizeof(at), "%s.one_off", where);
	if (json_object_get(o, "one_off") && !json_is_boolean(json_object_get(o, "one_off")))
		return config_error(e, f, at, "true or false / 须为 true 或 false");
	p->one_off = json_is_true(json_object_get(o, "one_off"));
	return 0;
}

static int load_programs(struct program_config *c, struct err *e)
{
	json_t *doc = NULL, *arr;
	char where[48];
	int rc = 0;

	if ((rc = load_json(c->dir, "programs.json", &doc, e)) < 0)
		return rc;
	arr = json_object_get(doc, "programs");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		rc = config_error(e, "programs.json", "programs", "a non-empty list / 须为非空列表");
		goto cleanup;
	}
	c->n_programs = json_array_size(arr);
	c->programs = calloc(c->n_programs, sizeof(*c->programs));
	if (!c->programs) {
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < c->n_programs && rc == 0; i++) {
		snprintf(where, sizeof(where), "programs[%zu]", i);
		rc = parse_program(json_array_get(arr, i), &c->programs[i], where, e);
		for (size_t j = 0; j < i && rc == 0; j++)
			if (strcmp(c->programs[j].code, c->programs[i].code) == 0)
				rc = config_error(e, "programs.json", where, "code repeated / 代码重复");
	}
cleanup:
	json_decref(doc);
	return rc;
}

/* === routing.json === */

static int check_when(json_t *w, const char *where, struct err *e);

static int check_list(json_t *list, const char *where, struct err *e)
{
	char at[256];
	int rc = 0;
	if (!json_is_array(list) || json_array_size(list) == 0)
		return config_error(e, "routing.json", where, "a non-empty list / 须为非空列表");
	for (size_t i = 0; i < json_array_size(list) && rc == 0; i++) {
		snprintf(at, sizeof(at), "%.180s[%zu]", where, i);
		rc = check_when(json_array_get(list, i), at, e);
	}
	return rc;
}

static int check_fact(json_t *w, const char *where, struct err *e)
{
	static const char *const ops[] = { "<", "<=", ">", ">=", "==", "!=", NULL };
	json_t *op = json_object_get(w, "op"), *value = json_object_get(w, "value");
	json_t *standard = json_object_get(w, "standard"), *times = json_object_get(w, "times");
	int known = 0;

	if (!json_is_string(json_object_get(w, "fact")))
		return config_error(e, "routing.json", where, "fact must be text / fact 须为文本");
	if (!op && !value && !standard)
		return 0; /* {"fact":"dangerous_house"}: truthy */
	for (size_t i = 0; op && json_is_string(op) && ops[i]; i++)
		known |= strcmp(ops[i], json_string_value(op)) == 0;
	if (!known)
		return config_error(e, "routing.json", where,
				    "op must be one of < <= > >= == != / op 不合法");
	if (standard) {
		if (!json_is_string(standard) || strcmp(json_string_value(standard), "dibao") != 0)
			return config_error(e, "routing.json", where,
					    "standard must be \"dibao\" / standard 须为 dibao");
		if (times && !json_is_number(times))
			return config_error(e, "routing.json", where, "times must be a number / times 须为数字");
		return 0;
	}
	if (!json_is_number(value) && !json_is_boolean(value))
		return config_error(e, "routing.json", where,
				    "value must be a number or true/false / value 须为数字或布尔值");
	return 0;
}

static int check_when(json_t *w, const char *where, struct err *e)
{
	char at[200];
	if (!json_is_object(w))
		return config_error(e, "routing.json", where, "a condition object expected / 须为条件对象");
	if (json_object_get(w, "all")) {
		snprintf(at, sizeof(at), "%.190s.all", where);
		return check_list(json_object_get(w, "all"), at, e);
	}
	if (json_object_get(w, "any")) {
		snprintf(at, sizeof(at), "%.190s.any", where);
		return check_list(json_object_get(w, "any"), at, e);
	}
	if (json_object_get(w, "not")) {
		snprintf(at, sizeof(at), "%.190s.not", where);
		return check_when(json_object_get(w, "not"), at, e);
	}
	if (json_object_get(w, "category")) {
		if (!json_is_string(json_object_get(w, "category")))
			return config_error(e, "routing.json", where, "category must be text / category 须为文本");
		return 0;
	}
	if (json_object_get(w, "fact"))
		return check_fact(w, where, e);
	return config_error(e, "routing.json", where,
			    "needs category, fact, all, any or not / 条件须含 category、fact、all、any 或 not");
}

static int parse_rule(const struct program_config *c, json_t *o,
		      struct routing_rule *r, const char *where, struct err *e)
{
	const char *f = "routing.json";
	char at[128];
	int rc;

	if ((rc = copy_field(o, "id", r->id, sizeof(r->id), f, where, e)) < 0 ||
	    (rc = copy_field(o, "program", r->program, sizeof(r->program), f, where, e)) < 0)
		return rc;
	snprintf(at, sizeof(at), "%s.program", where);
	if (!program_find(c, r->program))
		return config_error(e, f, at, "not in programs.json / 不在 programs.json 中");
	r->reason_zh = json_string_value(json_object_get(o, "reason_zh"));
	r->reason_en = json_string_value(json_object_get(o, "reason_en"));
	snprintf(at, sizeof(at), "%s.reason_zh/reason_en", where);
	if (!r->reason_zh || !r->reason_en)
		return config_error(e, f, at, "required text / 须为文本");
	snprintf(at, sizeof(at), "%s.when", where);
	r->when = json_object_get(o, "when");
	return check_when(r->when, at, e);
}

static int load_rules(struct program_config *c, struct err *e)
{
	json_t *arr;
	char where[48];
	int rc;

	if ((rc = load_json(c->dir, "routing.json", &c->doc, e)) < 0)
		return rc;
	arr = json_object_get(c->doc, "rules");
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return config_error(e, "routing.json", "rules", "a non-empty list / 须为非空列表");
	c->n_rules = json_array_size(arr);
	c->rules = calloc(c->n_rules, sizeof(*c->rules));
	if (!c->rules)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	for (size_t i = 0; i < c->n_rules; i++) {
		snprintf(where, sizeof(where), "rules[%zu]", i);
		if ((rc = parse_rule(c, json_array_get(arr, i), &c->rules[i], where, e)) < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->rules[j].id, c->rules[i].id) == 0)
				return config_error(e, "routing.json", where, "id repeated / 规则编号重复");
	}
	return 0;
}

/* === standards.json === */

static int cmp_standard(const void *a, const void *b)
{
	const struct dibao_standard *x = a, *y = b;
	return (x->year > y->year) - (x->year < y->year);
}

static int parse_standard(json_t *o, struct dibao_standard *s, const char *where,
			  struct err *e)
{
	json_t *y = json_object_get(o, "year"), *u = json_object_get(o, "urban_fen"),
	       *r = json_object_get(o, "rural_fen"), *l = json_object_get(o, "label");
	if (!json_is_integer(y) || json_integer_value(y) < 1990 || json_integer_value(y) > 2200)
		return config_error(e, "standards.json", where, "year must be a year / year 须为年份");
	if (!json_is_integer(u) || json_integer_value(u) <= 0 ||
	    !json_is_integer(r) || json_integer_value(r) <= 0)
		return config_error(e, "standards.json", where,
				    "urban_fen and rural_fen must be positive integers (fen) / 须为正整数（分）");
	s->year = (int)json_integer_value(y);
	s->urban_fen = json_integer_value(u);
	s->rural_fen = json_integer_value(r);
	snprintf(s->label, sizeof(s->label), "%s", json_is_string(l) ? json_string_value(l) : "");
	return 0;
}

static int load_standards(struct program_config *c, struct err *e)
{
	json_t *doc = NULL, *arr;
	char where[48];
	int rc = 0;

	if ((rc = load_json(c->dir, "standards.json", &doc, e)) < 0)
		return rc;
	arr = json_object_get(doc, "dibao");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		rc = config_error(e, "standards.json", "dibao", "a non-empty list / 须为非空列表");
		goto cleanup;
	}
	c->n_standards = json_array_size(arr);
	c->standards = calloc(c->n_standards, sizeof(*c->standards));
	if (!c->standards) {
		rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < c->n_standards && rc == 0; i++) {
		snprintf(where, sizeof(where), "dibao[%zu]", i);
		rc = parse_standard(json_array_get(arr, i), &c->standards[i], where, e);
	}
	qsort(c->standards, c->n_standards, sizeof(*c->standards), cmp_standard);
cleanup:
	json_decref(doc);
	return rc;
}

/* === calendar.tsv === */

static int cmp_day(const void *a, const void *b)
{
	const struct cal_day *x = a, *y = b;
	return (x->day > y->day) - (x->day < y->day);
}

static int parse_cal_line(char *line, struct cal_day *d)
{
	char *tab = strchr(line, '\t'), *kind, *end;
	if (!tab)
		return -1;
	*tab = '\0';
	kind = tab + 1;
	end = strchr(kind, '\t');
	if (end)
		*end = '\0';
	if (clock_parse_date(line, &d->day) < 0)
		return -1;
	if (strcmp(kind, "holiday") == 0)
		d->working = 0;
	else if (strcmp(kind, "workday") == 0)
		d->working = 1;
	else
		return -1;
	return 0;
}

static int add_day(struct program_config *c, size_t *cap, struct cal_day d)
{
	if (c->n_days == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct cal_day *p = realloc(c->days, n * sizeof(*p));
		if (!p)
			return -1;
		c->days = p;
		*cap = n;
	}
	c->days[c->n_days++] = d;
	return 0;
}

static int load_calendar(struct program_config *c, struct err *e)
{
	char path[LIMIT_PATH_BYTES + 64], line[LIMIT_CONFIG_LINE], where[32];
	size_t cap = 0;
	int lineno = 0, rc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/calendar.tsv", c->dir);
	if (!(f = fopen(path, "r")))
		return config_error(e, path, "open", strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		struct cal_day d;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		snprintf(where, sizeof(where), "line %d", lineno);
		if (parse_cal_line(line, &d) < 0)
			rc = config_error(e, "calendar.tsv", where,
					  "expected date<TAB>holiday|workday<TAB>name / 格式应为 日期<TAB>holiday|workday<TAB>名称");
		else if (add_day(c, &cap, d) < 0)
			rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	}
	fclose(f);
	if (rc == 0)
		qsort(c->days, c->n_days, sizeof(*c->days), cmp_day);
	return rc;
}

/* === the cache === */

static void config_free(struct program_config *c)
{
	free(c->programs);
	free(c->rules);
	free(c->standards);
	free(c->days);
	json_decref(c->doc);
}

static int config_read(const char *dir, struct program_config *c, struct err *e)
{
	int rc;
	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	if ((rc = load_programs(c, e)) < 0 || (rc = load_rules(c, e)) < 0 ||
	    (rc = load_standards(c, e)) < 0 || (rc = load_calendar(c, e)) < 0) {
		config_free(c);
		return rc;
	}
	return 0;
}

int program_config_load(const char *dir, const struct program_config **out,
			struct err *e)
{
	struct loaded *l;
	int rc = 0;

	pthread_mutex_lock(&cache_lock);
	for (l = cache; l; l = l->next)
		if (strcmp(l->cfg.dir, dir) == 0)
			break;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
		else if ((rc = config_read(dir, &l->cfg, e)) < 0) {
			free(l);
			l = NULL;
		} else {
			l->next = cache;
			cache = l;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	*out = l ? &l->cfg : NULL;
	return rc;
}

/* A relative folder missing from here is looked for beside the binary's
 * build folder (build/civicare -> ../config), like cli_config_path(). */
static void resolve_dir(const char *dir, char *out, size_t size)
{
	char exe[LIMIT_PATH_BYTES], probe[LIMIT_PATH_BYTES + 64];
	ssize_t n;

	snprintf(out, size, "%s", dir);
	snprintf(probe, sizeof(probe), "%s/programs.json", dir);
	if (access(probe, R_OK) == 0 || dir[0] == '/')
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(probe, sizeof(probe), "%s/../%s/programs.json", exe, dir);
	if (access(probe, R_OK) != 0)
		return;
	size_t len = strlen(probe) - strlen("/programs.json");
	if (len < size) {
		memcpy(out, probe, len);
		out[len] = '\0';
	}
}

int program_config_from(const struct config *cfg,
			const struct program_config **out, struct err *e)
{
	char dir[LIMIT_PATH_BYTES];
	resolve_dir(config_get(cfg, CFG_CONFIG_DIR), dir, sizeof(dir));
	return program_config_load(dir, out, e);
}

/* === lookups === */

const struct program *program_find(const struct program_config *c,
				   const char *code)
{
	for (size_t i = 0; code && i < c->n_programs; i++)
		if (strcmp(c->programs[i].code, code) == 0)
			return &c->programs[i];
	return NULL;
}

int program_dibao_standard(const struct program_config *c, int year,
			   const char *area_kind, int64_t *fen,
			   const char **label, struct err *e)
{
	const struct dibao_standard *best = NULL;
	for (size_t i = 0; i < c->n_standards; i++)
		if (c->standards[i].year <= year)
			best = &c->standards[i];
	if (!best)
		return err_setf(e, ERR_INVALID, NULL, "no_standard",
				"%d 年及以前没有低保标准（config/standards.json）",
				"no dibao standard for %d or before (config/standards.json)", year);
	*fen = area_kind && strcmp(area_kind, "urban") == 0 ? best->urban_fen : best->rural_fen;
	if (label)
		*label = best->label;
	return 0;
}

/* === the calendar === */

int calendar_is_working(const struct program_config *c, int64_t day)
{
	struct cal_day key = { day, 0 };
	const struct cal_day *hit = c->n_days
		? bsearch(&key, c->days, c->n_days, sizeof(key), cmp_day) : NULL;
	if (hit)
		return hit->working;
	int64_t weekday = ((day % 7) + 7 + 4) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
	return weekday != 0 && weekday != 6;
}

int64_t calendar_add_working_days(const struct program_config *c, int64_t day,
				  int n)
{
	while (n > 0) {
		day++;
		if (calendar_is_working(c, day))
			n--;
	}
	return day;
}

int calendar_working_days_between(const struct program_config *c,
				  int64_t from, int64_t to)
{
	int n = 0;
	for (int64_t d = from + 1; d <= to; d++)
		n += calendar_is_working(c, d);
	return n;
}

json_t *program_list_json(const struct program_config *c)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < c->n_programs; i++) {
		const struct program *p = &c->programs[i];
		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "code", p->code,
			"name_zh", p->name_zh, "name_en", p->name_en,
			"department", p->department, "procedure", p->procedure,
			"kind", p->kind, "deadline_working_days", p->deadline_working_days,
			"one_off", p->one_off));
	}
	return arr;
}
