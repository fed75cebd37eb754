/*
 * config.h - settings, from one table.
 *
 * Each setting has a name (the --flag), an environment variable and a
 * default.  Precedence: command-line flag > environment > config file
 * (--config FILE or CIVICARE_CONFIG; lines "name = value", '#' comments) >
 * default.  `--help` prints the table with the defaults.  Values are kept as
 * strings; typed getters validate.
 */
#ifndef CIVICARE_CONFIG_H
#define CIVICARE_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include "err.h"

enum config_key {
	CFG_DB,            /* database: path of a SQLite file */
	CFG_LISTEN,        /* host:port */
	CFG_WEB_ROOT,      /* static files */
	CFG_THREADS,       /* HTTP worker threads */
	CFG_LOG_LEVEL,
	CFG_SESSION_HOURS,
	CFG_CLOCK_OFFSET,  /* seconds added to the clock (tests) */
	CFG_CONFIG_DIR,    /* programs, rules, standards */
	CFG_WEBHOOK_URL,   /* http:// receiver of outbox messages, "" = none */
	CFG_WEBHOOK_MAX_ATTEMPTS, /* failed sends before a message is parked */
	CFG_WEBHOOK_BACKOFF_MAX,  /* longest wait between two sends, seconds */
	CFG_WORKER_INTERVAL_MS,   /* pause between two delivery passes */
	CFG_DATA_DIR,      /* imported department files (data_dir/feeds/<feed>/) */
	CFG_MONITOR_AT,    /* daily monitoring run, "HH:MM" China time, "" = never */
	CFG_KEY_COUNT
};

struct config_setting {
	const char *name;     /* "db" -> --db */
	const char *env;      /* "CIVICARE_DB" */
	const char *def;      /* default value */
	const char *help;
};

extern const struct config_setting config_settings[CFG_KEY_COUNT];

struct config {
	char *value[CFG_KEY_COUNT];   /* owned; never NULL after config_init */
	const char *source[CFG_KEY_COUNT]; /* "default", "env", "file", "flag" */
};

void config_init(struct config *c);       /* defaults */
void config_release(struct config *c);
int config_set(struct config *c, enum config_key k, const char *value,
	       const char *source);
/* Apply in this order, each overriding the last: config_init (defaults),
 * config_load_file (source "file"), config_load_env (source "env"), then
 * config_set(..., "flag") for each flag.  The file failing to open or a line
 * naming an unknown setting is ERR_INVALID naming the line. */
int config_load_file(struct config *c, const char *path, struct err *e);
void config_load_env(struct config *c);
int config_lookup(const char *name, enum config_key *out); /* 0 or -1 */
const char *config_get(const struct config *c, enum config_key k);
int config_get_int(const struct config *c, enum config_key k, int64_t min,
		   int64_t max, int64_t *out, struct err *e);
/* Print one aligned line per key in `keys` (terminated by CFG_KEY_COUNT;
 * NULL = all), e.g.
 *   "  --db VALUE            SQLite database file [env CIVICARE_DB, default civicare.db]" */
void config_print_help(FILE *f, const enum config_key *keys);

#endif
