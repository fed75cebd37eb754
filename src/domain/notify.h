/*
 * notify.h - reading what the outbox worker delivered: one's own inbox, and
 * the outbox itself for the admins who look after the webhook.
 *
 * Inbox message: {id, message_id, kind, title, body, link, created_at,
 * read_at}.  A user sees and marks only their own messages: another user's
 * message id answers 404 as if it did not exist.
 *
 * Outbox message: {id, message_id, kind, region_code, title, body, link,
 * created_at, inbox_done, webhook_state, attempts, next_attempt_at,
 * last_error} (next_attempt_at as a UTC time, null when 0).  Listed and
 * retried with PERM_OUTBOX_MANAGE, inside the actor's region.
 */
#ifndef CIVICARE_NOTIFY_H
#define CIVICARE_NOTIFY_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* {items:[…], total, unread, page, per_page}: unread first, newest first. */
int inbox_list(struct store *s, const struct actor *a, int64_t page,
	       int64_t per_page, json_t **out, struct err *e);

/* Set read_at (kept when already read); *out (may be NULL) gets the
 * message.  ERR_NOT_FOUND unless it is the actor's own. */
int inbox_mark_read(struct store *s, const struct actor *a, int64_t id,
		    json_t **out, struct err *e);

/* The webhook states one may list by (NULL-terminated). */
extern const char *const outbox_states[]; /* pending sent parked none */

/* {items:[…], total, page, per_page}, newest first; state NULL = all. */
int outbox_list(struct store *s, const struct actor *a, const char *state,
		int64_t page, int64_t per_page, json_t **out, struct err *e);

/* A parked message back in the queue: pending, attempts 0, due now;
 * audited ("outbox.retry").  ERR_CONFLICT (rule "not_parked") unless it is
 * parked.  *out (may be NULL) gets the message. */
int outbox_retry(struct store *s, const struct actor *a, int64_t id,
		 json_t **out, struct err *e);

#endif
