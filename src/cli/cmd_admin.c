/*
 * cmd_admin.c - the small commands: user add/list/reset-password, audit
 * verify, migrate, backup, version.  Each opens the store, calls one domain
 * function as the system actor, prints the outcome.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "../domain/account.h"
#include "../domain/audit.h"
#include "../domain/perm.h"
#include "../store/migrations.h"
#include "../version.h"
#include "../core/banned.h"

static int require_opt(const struct cli_args *a, const char *name)
{
	if (cli_opt(a, name))
		return 0;
	fprintf(stderr, "civicare: --%s is required\n", name);
	return 2;
}

/* The password from --password or --password-stdin into buf. */
static int password_arg(const struct cli_args *a, char *buf, size_t size)
{
	if (cli_flag(a, "password-stdin")) {
		if (cli_read_stdin_line(buf, size) == 0)
			return 0;
		fprintf(stderr, "civicare: no password on standard input\n");
		return 2;
	}
	if (cli_opt(a, "password")) {
		snprintf(buf, size, "%s", cli_opt(a, "password"));
		return 0;
	}
	fprintf(stderr, "civicare: give --password-stdin (or --password)\n");
	return 2;
}

int cmd_user_add(struct cli_args *a)
{
	char password[300];
	struct store *s = NULL;
	struct actor sys;
	struct err e;
	int64_t id;
	int rc;

	if ((rc = require_opt(a, "username")) || (rc = require_opt(a, "role")) ||
	    (rc = require_opt(a, "region")) ||
	    (rc = password_arg(a, password, sizeof(password))))
		return rc;
	struct account_input in = {
		.username = cli_opt(a, "username"),
		.display_name = cli_opt(a, "name") ? cli_opt(a, "name") : cli_opt(a, "username"),
		.role = cli_opt(a, "role"),
		.department = cli_opt(a, "department"),
		.region_code = cli_opt(a, "region"),
		.password = password,
	};
	if (cli_open_store(a, &s) < 0)
		return 1;
	err_clear(&e);
	perm_system_actor(&sys, "500231");
	rc = account_create(s, &sys, &in, &id, &e);
	store_close(s);
	if (rc < 0)
		return cli_fail(&e);
	printf("added user %s (id %" PRId64 ", %s, region %s)\n", in.username, id,
	       in.role, in.region_code);
	return 0;
}

int cmd_user_list(struct cli_args *a)
{
	struct store *s = NULL;
	json_t *out = NULL, *u;
	struct actor sys;
	struct err e;
	size_t i;

	if (cli_open_store(a, &s) < 0)
		return 1;
	err_clear(&e);
	perm_system_actor(&sys, "500231");
	if (account_list(s, &sys, 1, 100000, &out, &e) < 0) {
		store_close(s);
		return cli_fail(&e);
	}
	printf("%-6s %-20s %-10s %-14s %-20s %s\n", "id", "username", "role",
	       "region", "department", "name");
	json_array_foreach(json_object_get(out, "items"), i, u) {
		json_t *dep = json_object_get(u, "department");
		printf("%-6" JSON_INTEGER_FORMAT " %-20s %-10s %-14s %-20s %s\n",
		       json_integer_value(json_object_get(u, "id")),
		       json_string_value(json_object_get(u, "username")),
		       json_string_value(json_object_get(u, "role")),
		       json_string_value(json_object_get(u, "region_code")),
		       json_is_string(dep) ? json_string_value(dep) : "-",
		       json_string_value(json_object_get(u, "display_name")));
	}
	json_decref(out);
	store_close(s);
	return 0;
}

int cmd_user_reset_password(struct cli_args *a)
{
	char password[300];
	struct store *s = NULL;
	struct actor sys;
	struct err e;
	int rc;

	if ((rc = require_opt(a, "username")) ||
	    (rc = password_arg(a, password, sizeof(password))))
		return rc;
	if (cli_open_store(a, &s) < 0)
		return 1;
	err_clear(&e);
	perm_system_actor(&sys, "500231");
	rc = account_reset_password(s, &sys, cli_opt(a, "username"), password, &e);
	store_close(s);
	if (rc < 0)
		return cli_fail(&e);
	printf("password of %s changed; their sessions ended\n", cli_opt(a, "username"));
	return 0;
}

int cmd_audit_verify(struct cli_args *a)
{
	struct audit_verify_result r;
	struct store *s = NULL;
	struct err e;
	int rc;

	if (cli_open_store(a, &s) < 0)
		return 1;
	err_clear(&e);
	rc = audit_verify(s, &r, &e);
	store_close(s);
	if (rc == 0) {
		printf("audit chain holds: %" PRId64 " entries checked\n", r.checked);
		return 0;
	}
	if (r.first_bad) {
		printf("audit chain BROKEN at entry %" PRId64 ": %s (%" PRId64
		       " entries checked)\n", r.first_bad, r.reason, r.checked);
		return 1;
	}
	return cli_fail(&e);
}

int cmd_migrate(struct cli_args *a)
{
	struct store *s = NULL;
	struct err e;
	int version = 0;

	if (cli_open_store(a, &s) < 0)
		return 1;
	err_clear(&e);
	if (store_schema_version(s, &version, &e) < 0) {
		store_close(s);
		return cli_fail(&e);
	}
	store_close(s);
	printf("%s: schema %d (this program knows %d)\n",
	       config_get(&a->cfg, CFG_DB), version, store_schema_known());
	return 0;
}

int cmd_backup(struct cli_args *a)
{
	const char *out = cli_opt(a, "out");
	struct store *s = NULL;
	struct stat sb;
	struct err e;
	int rc;

	if ((rc = require_opt(a, "out")))
		return rc;
	err_clear(&e);
	/* Open without migrating: a backup never changes the source. */
	if (store_open(config_get(&a->cfg, CFG_DB), &s, &e) < 0)
		return cli_fail(&e);
	rc = store_backup(s, out, &e);
	store_close(s);
	if (rc < 0)
		return cli_fail(&e);
	if (stat(out, &sb) == 0)
		printf("backup written to %s (%lld bytes, integrity_check ok)\n", out,
		       (long long)sb.st_size);
	return 0;
}

int cmd_version(struct cli_args *a)
{
	struct store *s = NULL;
	struct stat sb;
	struct err e;
	int version = 0;

	printf("civicare %s (commit %s)\nschema %d\n", CIVICARE_VERSION,
	       cli_build_commit, store_schema_known());
	const char *db = config_get(&a->cfg, CFG_DB);
	err_clear(&e);
	if (stat(db, &sb) == 0 && store_open(db, &s, &e) == 0) {
		if (store_schema_version(s, &version, &e) == 0)
			printf("database %s: schema %d\n", db, version);
		store_close(s);
	}
	return 0;
}
