/*
 * cmd_serve.c - `civicare serve`: set up the app, run the HTTP server until
 * SIGTERM, close the store cleanly.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../domain/outbox.h"
#include "../engine/engine.h"
#include "../http/http.h"
#include "../core/banned.h"

static int setup_app(struct cli_args *a, struct app *app, struct err *e)
{
	int64_t threads, hours, offset;
	char real[PATH_MAX];
	int rc;

	if ((rc = config_get_int(&a->cfg, CFG_THREADS, 1, 256, &threads, e)) < 0 ||
	    (rc = config_get_int(&a->cfg, CFG_SESSION_HOURS, 1, 24 * 90, &hours, e)) < 0 ||
	    (rc = config_get_int(&a->cfg, CFG_CLOCK_OFFSET, -3153600000LL,
				 3153600000LL, &offset, e)) < 0)
		return rc;
	clock_set_offset(offset);
	if (offset)
		log_warn("clock moved by %lld s (clock_offset): for tests only", (long long)offset);
	app->session_hours = hours;
	app->cfg = a->cfg;
	if (realpath(config_get(&a->cfg, CFG_WEB_ROOT), real)) {
		snprintf(app->web_root, sizeof(app->web_root), "%s", real);
	} else {
		app->web_root[0] = '\0';
		log_warn("web root %s not found: only the API is served",
			 config_get(&a->cfg, CFG_WEB_ROOT));
	}
	return store_pool_open(&app->pool, config_get(&a->cfg, CFG_DB),
			       (size_t)threads + 1, e);
}

int cmd_serve(struct cli_args *a)
{
	struct store *s = NULL;
	struct app app;
	struct err e;
	int rc;

	memset(&app, 0, sizeof(app));
	err_clear(&e);
	/* Migrate and seed once, on one connection, before the pool opens. */
	if (cli_open_store(a, &s) < 0)
		return 1;
	store_close(s);
	if (setup_app(a, &app, &e) < 0)
		return cli_fail(&e);
	/* The delivery worker holds a pooled connection: start it once the
	 * pool is open, stop it before the pool closes. */
	if (outbox_worker_start(&app, &e) < 0) {
		store_pool_close(&app.pool);
		return cli_fail(&e);
	}
	/* The daily monitoring run has a connection of its own. */
	if (monitor_schedule_start(&app, &e) < 0) {
		outbox_worker_stop(&app);
		store_pool_close(&app.pool);
		return cli_fail(&e);
	}
	rc = http_serve(&app, &e);
	monitor_schedule_stop();
	outbox_worker_stop(&app);
	store_pool_close(&app.pool);
	if (rc < 0)
		return cli_fail(&e);
	return 0;
}
