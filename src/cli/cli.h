/*
 * cli.h - the command table and what commands share.
 *
 * Every subcommand is one line of cli_commands[] (cli.c): its name, an
 * optional second word ("user add"), the settings it accepts as flags, its
 * own options, a summary and its function.  `civicare --help` and each
 * `--help` are printed from the table.  Exit codes: 0 done, 1 failed,
 * 2 wrong usage.
 */
#ifndef CIVICARE_CLI_H
#define CIVICARE_CLI_H

#include <stdio.h>
#include "../app.h"
#include "../core/config.h"
#include "../core/err.h"
#include "../store/store.h"

#define CLI_MAX_OPTS 12
#define CLI_MAX_ARGS 4

struct cli_option {
	const char *name;   /* "username" -> --username */
	const char *arg;    /* "NAME", or NULL for a switch */
	const char *help;
};

struct cli_command;

struct cli_args {
	const struct cli_command *cmd;
	struct config cfg;
	const char *opt[CLI_MAX_OPTS];   /* values of the command's options, by index */
	int given[CLI_MAX_OPTS];
	const char *args[CLI_MAX_ARGS];  /* positional arguments, when the command takes them */
	int n_args;
};

struct cli_command {
	const char *name;
	const char *sub;                 /* NULL = no second word */
	const char *summary;
	const enum config_key *settings; /* terminated by CFG_KEY_COUNT */
	const struct cli_option *options; /* terminated by a NULL name */
	int (*run)(struct cli_args *args);
};

extern const struct cli_command cli_commands[];

/* Parse argv and run the command; returns the exit code.  commit names
 * the build (git commit), shown by `version`. */
int cli_main(int argc, char **argv, const char *commit);
extern const char *cli_build_commit;

/* The value of the command's option `name`, or NULL. */
const char *cli_opt(const struct cli_args *a, const char *name);
int cli_flag(const struct cli_args *a, const char *name);

/* Open the database named by the settings, apply migrations and seed the
 * division tree.  Prints the error and returns negative on failure. */
int cli_open_store(struct cli_args *a, struct store **out);

/* The path of a file of the config folder: config_dir/name, or, when
 * config_dir is relative and that is missing, the same beside the binary
 * (build/civicare -> config/ of its checkout). */
void cli_config_path(const struct cli_args *a, const char *name, char *out,
		      size_t size);

/* Print e on stderr as "civicare: message (field)". Returns 1. */
int cli_fail(const struct err *e);

/* Read one line (the password) from stdin without its newline. */
int cli_read_stdin_line(char *buf, size_t size);

/* The commands (cmd_*.c). */
int cmd_serve(struct cli_args *a);
int cmd_demo(struct cli_args *a);
int cmd_user_add(struct cli_args *a);
int cmd_user_list(struct cli_args *a);
int cmd_user_reset_password(struct cli_args *a);
int cmd_audit_verify(struct cli_args *a);
int cmd_migrate(struct cli_args *a);
int cmd_backup(struct cli_args *a);
int cmd_version(struct cli_args *a);
int cmd_import(struct cli_args *a);
int cmd_monitor(struct cli_args *a);

#endif
