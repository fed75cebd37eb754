/*
 * cli.c - the command table, flag parsing and --help.
 *
 * Flags are "--name VALUE" or "--name=VALUE".  A flag is either one of the
 * settings the command accepts (config.h: flag > env > file > default) or
 * one of its own options.  Anything else is a usage error naming the flag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "cli.h"
#include "../core/log.h"
#include "../core/limits.h"
#include "../domain/divisions.h"
#include "../version.h"
#include "../core/banned.h"

const char *cli_build_commit = "unknown";

static const enum config_key db_only[] = { CFG_DB, CFG_CONFIG_DIR, CFG_LOG_LEVEL, CFG_KEY_COUNT };
/* Commands that read or write department files (import, monitor, demo). */
static const enum config_key data_keys[] = { CFG_DB, CFG_CONFIG_DIR, CFG_DATA_DIR, CFG_LOG_LEVEL, CFG_KEY_COUNT };
static const enum config_key serve_keys[] = {
	CFG_DB, CFG_LISTEN, CFG_WEB_ROOT, CFG_THREADS, CFG_LOG_LEVEL,
	CFG_SESSION_HOURS, CFG_CLOCK_OFFSET, CFG_CONFIG_DIR, CFG_WEBHOOK_URL, CFG_WEBHOOK_MAX_ATTEMPTS, CFG_WEBHOOK_BACKOFF_MAX, CFG_WORKER_INTERVAL_MS, CFG_DATA_DIR, CFG_MONITOR_AT, CFG_KEY_COUNT
};

static const struct cli_option no_opts[] = { { NULL, NULL, NULL } };
static const struct cli_option demo_opts[] = {
	{ "persons", "N", "about how many persons to create (default 100000)" },
	{ "seed", "S", "seed of the generator: the same seed gives the same county (default 1)" },
	{ "password", "P", "one password for every demo account (default: random, printed)" },
	{ NULL, NULL, NULL }
};
static const struct cli_option user_add_opts[] = {
	{ "username", "NAME", "login name: 3-63 of a-z 0-9 _ . -" },
	{ "role", "ROLE", "courier assistant commander reviewer admin inspector eldercare" },
	{ "region", "CODE", "division code the account sees (6, 9 or 12 digits)" },
	{ "department", "DEPT", "for reviewers: civil_affairs, medical_security, education, ..." },
	{ "name", "TEXT", "display name (default: the username)" },
	{ "password", "P", "the password (visible to other users of this machine: prefer --password-stdin)" },
	{ "password-stdin", NULL, "read the password from the first line of standard input" },
	{ NULL, NULL, NULL }
};
static const struct cli_option reset_opts[] = {
	{ "username", "NAME", "whose password" },
	{ "password", "P", "the new password" },
	{ "password-stdin", NULL, "read the new password from standard input" },
	{ NULL, NULL, NULL }
};
static const enum config_key monitor_keys[] = {
	CFG_DB, CFG_CONFIG_DIR, CFG_DATA_DIR, CFG_LOG_LEVEL, CFG_CLOCK_OFFSET, CFG_KEY_COUNT
};
static const struct cli_option monitor_opts[] = {
	{ "as-of", "DATE", "the day the windows end on, YYYY-MM-DD (default: today in China)" },
	{ "threads", "N", "1 or 2 threads per file (default 2)" },
	{ NULL, NULL, NULL }
};
static const struct cli_option backup_opts[] = {
	{ "out", "FILE", "where to write the copy (must not exist)" },
	{ NULL, NULL, NULL }
};

const struct cli_command cli_commands[] = {
	{ "serve", NULL, "serve the API and the web app (stops cleanly on SIGTERM)",
	  serve_keys, no_opts, cmd_serve },
	{ "demo", NULL, "create the synthetic demo county in a new database and print its logins",
	  data_keys, demo_opts, cmd_demo },
	{ "import", NULL, "import a department file (CSV, UTF-8 or GB18030) into a feed: civicare import FEED FILE",
	  data_keys, no_opts, cmd_import },
	{ "monitor", NULL, "run every monitoring rule over the monitored population and the department files now",
	  monitor_keys, monitor_opts, cmd_monitor },
	{ "user", "add", "add an account", db_only, user_add_opts, cmd_user_add },
	{ "user", "list", "list the accounts", db_only, no_opts, cmd_user_list },
	{ "user", "reset-password", "set a new password (ends the user's sessions, lifts a lock)",
	  db_only, reset_opts, cmd_user_reset_password },
	{ "audit", "verify", "walk the audit hash chain; exit 1 naming the first entry that does not fit",
	  db_only, no_opts, cmd_audit_verify },
	{ "migrate", NULL, "apply pending schema migrations and load the division tree",
	  db_only, no_opts, cmd_migrate },
	{ "backup", NULL, "write a consistent copy of the database, also while serve runs",
	  db_only, backup_opts, cmd_backup },
	{ "version", NULL, "print the program, schema and build versions",
	  db_only, no_opts, cmd_version },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

/* Commands that take positional arguments, and how --help names them; any
 * other command refuses a word that is not a flag. */
static const struct { const char *name, *usage; } positional[] = {
	{ "import", "FEED FILE" },
	{ NULL, NULL }
};

static const char *args_usage(const struct cli_command *c)
{
	for (int i = 0; positional[i].name; i++)
		if (!c->sub && strcmp(positional[i].name, c->name) == 0)
			return positional[i].usage;
	return NULL;
}

/* === help === */

static void print_usage(FILE *f)
{
	fprintf(f, "civicare %s - 社会救助平台 social-assistance platform\n\n"
		   "usage: civicare COMMAND [--flags]\n\ncommands:\n", CIVICARE_VERSION);
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		char name[48];
		snprintf(name, sizeof(name), "%s%s%s", c->name, c->sub ? " " : "",
			 c->sub ? c->sub : "");
		fprintf(f, "  %-22s %s\n", name, c->summary);
	}
	fprintf(f, "\n`civicare COMMAND --help` shows a command's flags and their defaults.\n"
		   "Settings: flag > environment (CIVICARE_DB, ...) > --config FILE > default.\n");
}

static void print_command_help(FILE *f, const struct cli_command *c)
{
	fprintf(f, "usage: civicare %s%s%s%s%s [--flags]\n\n%s\n\n", c->name,
		c->sub ? " " : "", c->sub ? c->sub : "", args_usage(c) ? " " : "",
		args_usage(c) ? args_usage(c) : "", c->summary);
	if (c->options[0].name) {
		fprintf(f, "options:\n");
		for (const struct cli_option *o = c->options; o->name; o++) {
			char left[48];
			snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
			fprintf(f, "  %-22s %s\n", left, o->help);
		}
		fprintf(f, "\n");
	}
	if (c->settings[0] != CFG_KEY_COUNT) {
		fprintf(f, "settings:\n");
		config_print_help(f, c->settings);
		fprintf(f, "  --config FILE          settings file of \"name = value\" lines [env CIVICARE_CONFIG]\n");
	}
}

/* The commands sharing a first word, for `civicare user --help`. */
static void print_group_help(FILE *f, const char *name)
{
	fprintf(f, "usage: civicare %s SUBCOMMAND [--flags]\n\nsubcommands:\n", name);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			fprintf(f, "  %-18s %s\n", c->sub, c->summary);
	fprintf(f, "\n`civicare %s SUBCOMMAND --help` shows its flags.\n", name);
}

/* === parsing === */

static int find_option(const struct cli_command *c, const char *name, size_t n)
{
	for (int i = 0; c->options[i].name && i < CLI_MAX_OPTS; i++)
		if (strlen(c->options[i].name) == n &&
		    strncmp(c->options[i].name, name, n) == 0)
			return i;
	return -1;
}

static int allows_setting(const struct cli_command *c, const char *name, size_t n,
			  enum config_key *key)
{
	char buf[64];
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
	if (config_lookup(buf, key) < 0)
		return 0;
	for (const enum config_key *k = c->settings; *k != CFG_KEY_COUNT; k++)
		if (*k == *key)
			return 1;
	return 0;
}

static int usage_error(const struct cli_command *c, const char *fmt, const char *what)
{
	fprintf(stderr, "civicare: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n(see `civicare %s%s%s --help`)\n", c->name, c->sub ? " " : "",
		c->sub ? c->sub : "");
	return 2;
}

/* Flags into a->opt and the settings' flag layer; 0, or an exit code. */
static int parse_flags(const struct cli_command *c, int argc, char **argv,
		       struct cli_args *a, const char **config_file)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		enum config_key key;
		if (strncmp(arg, "--", 2) != 0) {
			if (!args_usage(c) || a->n_args >= CLI_MAX_ARGS)
				return usage_error(c, "unexpected argument '%s'", arg);
			a->args[a->n_args++] = arg;
			continue;
		}
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		int opt = find_option(c, name, n);
		int takes = opt >= 0 ? c->options[opt].arg != NULL : 1;
		if (takes) {
			value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!value)
				return usage_error(c, "%s needs a value", arg);
		}
		if (opt >= 0) {
			a->opt[opt] = value;
			a->given[opt] = 1;
		} else if (n == 6 && strncmp(name, "config", 6) == 0) {
			*config_file = value;
		} else if (allows_setting(c, name, n, &key)) {
			config_set(&a->cfg, key, value, "flag");
		} else {
			return usage_error(c, "unknown flag '%s'", arg);
		}
	}
	return 0;
}

static const struct cli_command *find_command(int argc, char **argv, int *used)
{
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (strcmp(c->name, argv[1]) != 0)
			continue;
		if (!c->sub) {
			*used = 2;
			return c;
		}
		if (argc > 2 && strcmp(c->sub, argv[2]) == 0) {
			*used = 3;
			return c;
		}
	}
	return NULL;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static int is_group(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (c->sub && strcmp(c->name, name) == 0)
			return 1;
	return 0;
}

/* Settings: defaults, then the file, then the environment, then the
 * flags (parsed first into `flags`, applied last). */
static int settle_config(struct cli_args *a, const struct config *flags,
			 const char *config_file)
{
	enum log_level level;
	struct err e;

	err_clear(&e);
	if (!config_file)
		config_file = getenv("CIVICARE_CONFIG");
	if (config_file && config_load_file(&a->cfg, config_file, &e) < 0) {
		cli_fail(&e);
		return 2;
	}
	config_load_env(&a->cfg);
	for (int k = 0; k < CFG_KEY_COUNT; k++)
		if (strcmp(flags->source[k], "flag") == 0)
			config_set(&a->cfg, (enum config_key)k, flags->value[k], "flag");
	/* Each database keeps its department files beside it, so two
	 * databases never share (and overwrite) each other's batches. */
	if (!*config_get(&a->cfg, CFG_DATA_DIR)) {
		char dir[LIMIT_PATH_BYTES];
		snprintf(dir, sizeof(dir), "%s-data", config_get(&a->cfg, CFG_DB));
		config_set(&a->cfg, CFG_DATA_DIR, dir, "default");
	}
	if (log_parse_level(config_get(&a->cfg, CFG_LOG_LEVEL), &level) < 0) {
		fprintf(stderr, "civicare: log_level must be debug, info, warn or error\n");
		return 2;
	}
	log_set_level(level);
	return 0;
}

static int run_command(const struct cli_command *c, int argc, char **argv)
{
	struct cli_args a, flags;
	const char *config_file = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&flags, 0, sizeof(flags));
	config_init(&flags.cfg);
	config_init(&a.cfg);
	rc = parse_flags(c, argc, argv, &flags, &config_file);
	a.cmd = c;
	memcpy(a.opt, flags.opt, sizeof(a.opt));
	memcpy(a.given, flags.given, sizeof(a.given));
	memcpy(a.args, flags.args, sizeof(a.args));
	a.n_args = flags.n_args;
	if (rc == 0)
		rc = settle_config(&a, &flags.cfg, config_file);
	if (rc == 0)
		rc = c->run(&a);
	config_release(&flags.cfg);
	config_release(&a.cfg);
	return rc;
}

int cli_main(int argc, char **argv, const char *commit)
{
	const struct cli_command *c;
	int used = 0;

	cli_build_commit = commit;
	if (sodium_init() < 0) {
		fprintf(stderr, "civicare: libsodium failed to start\n");
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		argv[1] = "version";
	c = find_command(argc, argv, &used);
	if (!c && is_group(argv[1])) {
		int help = wants_help(argc, argv);
		print_group_help(help ? stdout : stderr, argv[1]);
		return help ? 0 : 2;
	}
	if (!c) {
		fprintf(stderr, "civicare: unknown command '%s'\n\n", argv[1]);
		print_usage(stderr);
		return 2;
	}
	if (wants_help(argc - used, argv + used)) {
		print_command_help(stdout, c);
		return 0;
	}
	return run_command(c, argc - used, argv + used);
}

/* === shared helpers === */

static int option_index(const struct cli_args *a, const char *name)
{
	return a->cmd ? find_option(a->cmd, name, strlen(name)) : -1;
}

const char *cli_opt(const struct cli_args *a, const char *name)
{
	int i = option_index(a, name);
	return i >= 0 && a->given[i] ? a->opt[i] : NULL;
}

int cli_flag(const struct cli_args *a, const char *name)
{
	int i = option_index(a, name);
	return i >= 0 && a->given[i];
}

int cli_fail(const struct err *e)
{
	if (e->field[0])
		fprintf(stderr, "civicare: %s (%s: %s)\n", e->message, e->field,
			e->message_en);
	else
		fprintf(stderr, "civicare: %s (%s)\n", e->message, e->message_en);
	return 1;
}

int cli_read_stdin_line(char *buf, size_t size)
{
	if (!fgets(buf, (int)size, stdin))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

void cli_config_path(const struct cli_args *a, const char *name, char *out,
		      size_t size)
{
	const char *dir = config_get(&a->cfg, CFG_CONFIG_DIR);
	char exe[LIMIT_PATH_BYTES];
	ssize_t n;

	snprintf(out, size, "%s/%s", dir, name);
	if (access(out, R_OK) == 0 || dir[0] == '/')
		return;
	/* Run from elsewhere: a relative config_dir is also looked for beside
	 * the binary's build folder (build/civicare -> ../config). */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	char alt[LIMIT_PATH_BYTES + 64];
	snprintf(alt, sizeof(alt), "%s/../%s/%s", exe, dir, name);
	if (access(alt, R_OK) == 0)
		snprintf(out, size, "%s", alt);
}

int cli_open_store(struct cli_args *a, struct store **out)
{
	char tsv[LIMIT_PATH_BYTES];
	struct err e;
	int applied = 0;

	err_clear(&e);
	cli_config_path(a, "divisions-500231.tsv", tsv, sizeof(tsv));
	if (store_open(config_get(&a->cfg, CFG_DB), out, &e) < 0)
		return -cli_fail(&e);
	if (store_migrate(*out, &applied, &e) < 0 ||
	    divisions_seed(*out, tsv, NULL, &e) < 0) {
		store_close(*out);
		*out = NULL;
		return -cli_fail(&e);
	}
	return 0;
}
