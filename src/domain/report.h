/*
 * report.h - reports of people in difficulty (上报) and their photos.
 *
 * A report is the first link of the discovery chain: staff (couriers,
 * assistants, ...) report from a phone, residents report themselves through
 * the public form.  A report names a village, a subject (by person_id, by ID
 * number matched to the registry, or by name only), categories of
 * difficulty, a description, an urgency, optionally a location and photos.
 * The village's assistant accepts it (which opens a case, casework.h) or
 * dismisses it with a reason.
 *
 * Duplicates: when the subject already has an open report, an open case or
 * an active enrollment, the new report is stored as "merged" with
 * duplicate_of naming that record (without a known person: an open report
 * of the same name in the same village).  A staff client that resends the
 * same client_key gets the report it made the first time.
 *
 * Photos are stored once by SHA-256 (blobs table), checked by their bytes
 * (JPEG or PNG magic) and the Content-Type sent; one may be seen by its
 * uploader and by whoever may read a report or visit that names it.
 */
#ifndef CIVICARE_REPORT_H
#define CIVICARE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/arena.h"
#include "../core/err.h"
#include "../core/limits.h"
#include "../store/store.h"
#include "perm.h"

/* NULL-terminated lists of the allowed values. */
extern const char *const report_categories[];  /* illness ... other (10) */
extern const char *const report_urgencies[];   /* normal urgent critical */

/* Resident self-reports: this many per address per hour. */
#define REPORT_PUBLIC_PER_HOUR 5

/* === photos === */

struct photo_info {
	char sha256[65];   /* lower-case hex */
	char mime[16];     /* image/jpeg, image/png */
	int64_t bytes;
};

/* Check (magic bytes, Content-Type agreeing, size) and store once.
 * ERR_MEDIA_TYPE (field "body") for content that is not JPEG/PNG or does
 * not match mime_sent; ERR_TOO_LARGE above LIMIT_PHOTO_BYTES. */
int photo_store(struct store *s, const struct actor *a,
		const unsigned char *bytes, size_t len, const char *mime_sent,
		struct photo_info *out, struct err *e);

/* The photo's bytes, copied into `arena`, when the actor may see it;
 * ERR_NOT_FOUND otherwise (absent and not visible answer alike). */
int photo_get(struct store *s, const struct actor *a, const char *sha256,
	      struct arena *arena, const void **bytes, size_t *len,
	      char mime[16], struct err *e);

/* === reports === */

struct report_input {
	const char *client_key;          /* staff: resend detection, ≤ 128 */
	const char *region_code;         /* 12-digit village, required */
	const char *subject_name;        /* required, < LIMIT_NAME_BYTES */
	const char *subject_id_number;   /* optional */
	int64_t person_id;               /* 0 = not given */
	int64_t subject_age;             /* -1 = not given */
	const char *categories[16];      /* non-empty, from report_categories */
	size_t n_categories;
	const char *description;         /* 1..LIMIT_DESCRIPTION_BYTES */
	const char *urgency;             /* NULL = normal */
	int has_location;                /* latitude and longitude given */
	double latitude, longitude;
	int has_accuracy;
	double accuracy_m;
	const char *photos[LIMIT_PHOTOS_PER_REPORT];
	size_t n_photos;
	const char *contact_phone;       /* residents: required */
};

/* Read a request body into *in (strings point into body), every failure
 * naming its field.  resident: the public form's fields only (no
 * client_key, person, ID number or photos; contact_phone required). */
int report_input_from_json(json_t *body, int resident, struct report_input *in,
			   struct err *e);

enum report_outcome {
	REPORT_CREATED,   /* 201: a new report */
	REPORT_RESENT,    /* 200: the same client_key again; nothing stored */
	REPORT_MERGED,    /* 200: stored as a duplicate of an open record */
};

/* A staff report (PERM_REPORT_CREATE, village inside the actor's region:
 * 403 outside).  *id gets the report (the earlier one when resent). */
int report_create(struct store *s, const struct actor *a,
		  const struct report_input *in, int64_t *id,
		  enum report_outcome *how, struct err *e);

/* A resident self-report from address `ip`: source "resident", status
 * "unverified", no reporter; REPORT_PUBLIC_PER_HOUR per address
 * (ERR_RATE_LIMITED rule "rate_limited" with retry_after).  A possible
 * duplicate is noted in duplicate_of for the assistant but never merged. */
int report_public_create(struct store *s, const char *ip,
			 const struct report_input *in, int64_t *id,
			 struct err *e);

/* The report as rendered for staff (no permission check). */
int report_render(struct store *s, int64_t id, json_t **out, struct err *e);

/* What a resident is told about the report they sent. */
int report_receipt(struct store *s, int64_t id, json_t **out, struct err *e);

/* One report with "actions" (PERM_REPORT_READ, region: 404 outside). */
int report_get(struct store *s, const struct actor *a, int64_t id,
	       json_t **out, struct err *e);

struct report_query {
	const char *status;   /* exact state, or NULL */
	int mine;             /* reported by the actor */
	const char *region;   /* prefix, intersected with the actor's region */
	int64_t page, per_page;
};

/* {"items":[report...],"total","page","per_page"}, newest first. */
int report_list(struct store *s, const struct actor *a,
		const struct report_query *q, json_t **out, struct err *e);

/* Accept: opens a case owned by the actor (*case_id), in one transaction
 * with the report's transition, the events, audit and case.assigned. */
int report_accept(struct store *s, const struct actor *a, int64_t id,
		  int64_t *case_id, struct err *e);

/* Dismiss with a reason (stored in dismiss_reason). */
int report_dismiss(struct store *s, const struct actor *a, int64_t id,
		   const char *reason, struct err *e);

/* Any other action: the 409 naming the actions allowed now (or 404/403). */
int report_refuse_action(struct store *s, const struct actor *a, int64_t id,
			 const char *action, struct err *e);

#endif
