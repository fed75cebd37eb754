/*
 * app.h - what one running civicare holds, passed explicitly (no globals):
 * serve, demo, import, monitor and the tests each set up their own.
 */
#ifndef CIVICARE_APP_H
#define CIVICARE_APP_H

#include <signal.h>
#include <stdint.h>
#include "core/config.h"
#include "core/limits.h"
#include "store/store.h"

struct outbox_worker; /* domain/outbox.c */

struct app {
	struct config cfg;
	struct store_pool pool;
	int64_t session_hours;
	char web_root[LIMIT_PATH_BYTES]; /* realpath of the static folder, "" = none */
	volatile sig_atomic_t stopping;
	/* serve's message delivery thread (outbox_worker_start), NULL when
	 * not running. */
	struct outbox_worker *outbox;
};

#endif
