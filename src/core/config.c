/*
 * config.c - the settings table and the four places a value can come from.
 *
 * config_settings is the only list of settings: flags, environment
 * variables, defaults and --help all come from it.  Values are strings owned
 * by struct config; each records where it came from so `--help` and error
 * messages can say why a value is what it is.
 *
 * The file format is deliberately small: "name = value" lines, blank lines,
 * and whole-line comments starting with '#'.  A value may be written in
 * double quotes to keep leading or trailing blanks or a '#'; there are no
 * escapes.  A file is applied all or nothing: it is parsed into a scratch
 * array first, so a bad line 7 does not leave lines 1-6 applied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "strbuf.h"
#include "../core/banned.h"

const struct config_setting config_settings[CFG_KEY_COUNT] = {
	[CFG_DB] = { "db", "CIVICARE_DB", "civicare.db", "SQLite database file" },
	[CFG_LISTEN] = { "listen", "CIVICARE_LISTEN", "127.0.0.1:8080",
			 "address to listen on (host:port)" },
	[CFG_WEB_ROOT] = { "web_root", "CIVICARE_WEB_ROOT", "web/dist",
			   "folder of the browser app's static files" },
	[CFG_THREADS] = { "threads", "CIVICARE_THREADS", "4", "HTTP worker threads" },
	[CFG_LOG_LEVEL] = { "log_level", "CIVICARE_LOG_LEVEL", "info",
			    "debug, info, warn or error" },
	[CFG_SESSION_HOURS] = { "session_hours", "CIVICARE_SESSION_HOURS", "12",
				"hours a login session lasts" },
	[CFG_CLOCK_OFFSET] = { "clock_offset", "CIVICARE_CLOCK_OFFSET", "0",
			       "seconds added to the clock (tests only)" },
	[CFG_CONFIG_DIR] = { "config_dir", "CIVICARE_CONFIG_DIR", "config",
			     "folder of programs, rules and standards" },
	/* The webhook's signing secret is deliberately not a setting: it comes
	 * only from the environment (CIVICARE_WEBHOOK_SECRET), never from a
	 * flag (visible in ps) or a file (easily committed). */
	[CFG_WEBHOOK_URL] = { "webhook_url", "CIVICARE_WEBHOOK_URL", "",
			      "http:// URL to POST messages to, signed with env CIVICARE_WEBHOOK_SECRET" },
	[CFG_WEBHOOK_MAX_ATTEMPTS] = { "webhook_max_attempts", "CIVICARE_WEBHOOK_MAX_ATTEMPTS", "8",
				       "failed webhook sends before a message is parked" },
	[CFG_WEBHOOK_BACKOFF_MAX] = { "webhook_backoff_max", "CIVICARE_WEBHOOK_BACKOFF_MAX", "300",
				      "longest back-off between two webhook sends, seconds" },
	[CFG_WORKER_INTERVAL_MS] = { "worker_interval_ms", "CIVICARE_WORKER_INTERVAL_MS", "1000",
				     "milliseconds between two message delivery passes" },
	[CFG_DATA_DIR] = { "data_dir", "CIVICARE_DATA_DIR", "",
		"folder of imported department files (empty: DB-data beside the database)" },
	[CFG_MONITOR_AT] = { "monitor_at", "CIVICARE_MONITOR_AT", "02:00",
			     "daily monitoring run by serve, HH:MM China time (\"\" = never)" },
};

static int key_ok(enum config_key k)
{
	return (int)k >= 0 && k < CFG_KEY_COUNT;
}

void config_init(struct config *c)
{
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		c->value[k] = xstrdup(config_settings[k].def);
		c->source[k] = "default";
	}
}

void config_release(struct config *c)
{
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		free(c->value[k]);
		c->value[k] = NULL;
		c->source[k] = NULL;
	}
}

int config_set(struct config *c, enum config_key k, const char *value,
	       const char *source)
{
	if (!key_ok(k) || !value)
		return ERR_INVALID;
	free(c->value[k]);
	c->value[k] = xstrdup(value);
	c->source[k] = source ? source : "flag";
	return 0;
}

/* Flags are written --web-root or --web_root; the table uses '_'. */
int config_lookup(const char *name, enum config_key *out)
{
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		const char *a = config_settings[k].name, *b = name;

		while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
			a++;
			b++;
		}
		if (!*a && !*b) {
			*out = (enum config_key)k;
			return 0;
		}
	}
	return -1;
}

const char *config_get(const struct config *c, enum config_key k)
{
	return key_ok(k) && c->value[k] ? c->value[k] : "";
}

/* === the file === */

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Trim blanks in place; returns the new start. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Strip one pair of surrounding double quotes; -1 if a quote is unmatched. */
static int unquote(char **value)
{
	char *v = *value;
	size_t n = strlen(v);

	if (n == 0 || (v[0] != '"' && v[n - 1] != '"'))
		return 0;
	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return -1;
	v[n - 1] = '\0';
	*value = v + 1;
	return 0;
}

/* Parse one line into vals; 0, or ERR_INVALID naming path:line. */
static int parse_line(char *line, const char *path, int lineno,
		      char **vals, struct err *e)
{
	char *s = trim(line), *eq, *name, *value;
	enum config_key k;

	if (!*s || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq)
		return err_setf(e, ERR_INVALID, "config", "config",
				"%s:%d: 应为“名称 = 值”的形式",
				"%s:%d: expected name = value",
				path, lineno);
	*eq = '\0';
	name = trim(s);
	value = trim(eq + 1);
	if (config_lookup(name, &k) != 0)
		return err_setf(e, ERR_INVALID, "config", "unknown_setting",
				"%s:%d: 未知设置 %s",
				"%s:%d: unknown setting %s",
				path, lineno, name);
	if (unquote(&value) != 0)
		return err_setf(e, ERR_INVALID, "config", "config",
				"%s:%d: 引号不成对",
				"%s:%d: unmatched quote",
				path, lineno);
	free(vals[k]);
	vals[k] = xstrdup(value);
	return 0;
}

/* Read one line of at most LIMIT_CONFIG_LINE bytes (newline excluded).
 * Returns 1 for a line, 0 at end of file, -1 for a line too long. */
static int read_line(FILE *f, char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, f))
		return 0;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		return 1;
	if (n < size - 1 || feof(f))
		return 1;                   /* last line without a newline */
	return -1;
}

int config_load_file(struct config *c, const char *path, struct err *e)
{
	char buf[LIMIT_CONFIG_LINE + 2];   /* the line, its '\n' and the NUL */
	char *vals[CFG_KEY_COUNT] = { 0 };
	FILE *f = fopen(path, "r");
	int rc = 0, lineno = 0, got;
	size_t skip;

	if (!f)
		return err_setf(e, ERR_INVALID, "config", "config",
				"无法打开配置文件 %s：%s",
				"cannot open config file %s: %s", path,
				strerror(errno));
	while ((got = read_line(f, buf, sizeof(buf))) != 0) {
		lineno++;
		if (got < 0) {
			rc = err_setf(e, ERR_INVALID, "config", "config",
				      "%s:%d: 该行超过 %d 字节",
				      "%s:%d: longer than %d bytes",
				      path, lineno, LIMIT_CONFIG_LINE);
			goto cleanup;
		}
		/* A UTF-8 byte order mark, as Windows editors write it. */
		skip = lineno == 1 && strncmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
		rc = parse_line(buf + skip, path, lineno, vals, e);
		if (rc)
			goto cleanup;
	}
	if (ferror(f)) {
		rc = err_setf(e, ERR_INVALID, "config", "config",
			      "读取配置文件 %s 失败", "cannot read config file %s",
			      path);
		goto cleanup;
	}
	for (int k = 0; k < CFG_KEY_COUNT; k++)
		if (vals[k])
			config_set(c, (enum config_key)k, vals[k], "file");
cleanup:
	for (int k = 0; k < CFG_KEY_COUNT; k++)
		free(vals[k]);
	fclose(f);
	return rc;
}

void config_load_env(struct config *c)
{
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		const char *v = getenv(config_settings[k].env);

		if (v)
			config_set(c, (enum config_key)k, v, "env");
	}
}

int config_get_int(const struct config *c, enum config_key k, int64_t min,
		   int64_t max, int64_t *out, struct err *e)
{
	const char *s = config_get(c, k), *name;
	char *end;
	long long v;

	if (!key_ok(k))
		return err_set(e, ERR_INTERNAL, "", "", "未知设置", "unknown setting");
	name = config_settings[k].name;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno == ERANGE || is_blank(*s))
		return err_setf(e, ERR_INVALID, name, "type",
				"设置 %s 应为整数（当前为“%s”，来自 %s）",
				"setting %s must be an integer (it is \"%s\", from %s)",
				name, s, c->source[k] ? c->source[k] : "default");
	if (v < min || v > max)
		return err_setf(e, ERR_INVALID, name, "range",
				"设置 %s 应在 %lld 到 %lld 之间",
				"setting %s must be between %lld and %lld", name,
				(long long)min, (long long)max);
	*out = (int64_t)v;
	return 0;
}

/* === help === */

#define HELP_ARG " VALUE"

/* Width of the flag column: the longest "--name VALUE" of the short names
 * plus a space, so separate calls with different keys still line up (and
 * the CLI's hand-written "--config FILE" line with them).  A flag longer
 * than the column gets its own line, its help on the next. */
#define HELP_COLUMN_MAX 22

static int help_width(void)
{
	size_t w = 0;

	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		size_t n = 2 + strlen(config_settings[k].name) + strlen(HELP_ARG);

		if (n > w && n < HELP_COLUMN_MAX)
			w = n;
	}
	return (int)w + 1;
}

void config_print_help(FILE *f, const enum config_key *keys)
{
	static const enum config_key all[] = {
		CFG_DB, CFG_LISTEN, CFG_WEB_ROOT, CFG_THREADS, CFG_LOG_LEVEL,
		CFG_SESSION_HOURS, CFG_CLOCK_OFFSET, CFG_CONFIG_DIR, CFG_WEBHOOK_URL,
		CFG_WEBHOOK_MAX_ATTEMPTS, CFG_WEBHOOK_BACKOFF_MAX,
		CFG_WORKER_INTERVAL_MS, CFG_DATA_DIR, CFG_MONITOR_AT, CFG_KEY_COUNT,
	};
	int width = help_width();

	for (const enum config_key *k = keys ? keys : all; key_ok(*k); k++) {
		const struct config_setting *s = &config_settings[*k];
		char flag[64];

		snprintf(flag, sizeof(flag), "--%s%s", s->name, HELP_ARG);
		for (char *p = flag + 2; *p && *p != ' '; p++)
			if (*p == '_')
				*p = '-'; /* flags are written with dashes */
		if ((int)strlen(flag) >= width)
			fprintf(f, "  %s\n  %-*s", flag, width - 1, "");
		else
			fprintf(f, "  %-*s", width - 1, flag);
		fprintf(f, " %s [env %s, default %s]\n", s->help, s->env,
			*s->def ? s->def : "none");
	}
}
