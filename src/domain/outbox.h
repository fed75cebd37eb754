/*
 * outbox.h - messages that leave a transaction (notifications, webhooks).
 *
 * outbox_add() is called inside the caller's write transaction, so the
 * message exists exactly when the change that caused it commits: a crash
 * loses nothing and invents nothing.  A worker (outbox_worker_*) started by
 * `serve` then (1) delivers each message to the inboxes of its recipients
 * (inbox rows are unique per user and message: a retry adds nothing) and
 * (2) when a webhook URL is configured, POSTs it there with an HMAC-SHA256
 * signature, retrying with exponential back-off and parking the message
 * after the configured number of failures.  A message is marked sent as soon
 * as the receiver answers 2xx, so the receiver sees each message id once
 * unless the process dies in the instant between the two (it is still told
 * the id, to drop a repeat).
 */
#ifndef CIVICARE_OUTBOX_H
#define CIVICARE_OUTBOX_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/*
 * recipients: one of
 *   {"user_ids":[3,7]}
 *   {"role":"reviewer","department":"medical_security"}  (county-wide)
 *   {"role":"commander","region":"500231103"}            (accounts whose region
 *                                                          contains or equals it)
 * kind: "report.assigned", "case.assigned", "referral.created",
 *       "referral.decided", "referral.overdue", ...
 * title/body: Chinese text for the inbox; link: an app path ("/cases/12").
 * payload: JSON for the webhook (not stolen; may be NULL).
 * *message_id (may be NULL) gets the new message id (32 hex chars).
 */
int outbox_add(struct store *s, const char *kind, const char *region_code,
	       json_t *recipients, const char *title, const char *body,
	       const char *link, json_t *payload, char message_id[33],
	       struct err *e);

struct app;

/* Start/stop the delivery thread of `serve` (uses its own connection). */
int outbox_worker_start(struct app *app, struct err *e);
void outbox_worker_stop(struct app *app);

/* One delivery pass (inbox + due webhook sends); returns how many messages
 * it handled.  Used by the worker and by tests. */
int outbox_deliver_once(struct store *s, const char *webhook_url,
			const char *webhook_secret, int64_t max_attempts,
			int64_t backoff_max_s, struct err *e);

#endif
