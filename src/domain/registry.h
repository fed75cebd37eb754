/*
 * registry.h - households and persons (户籍与人员).
 *
 * A person has one ID number (idcard.h): one person per number, a second
 * create answers ERR_CONFLICT with existing_id.  Sex and birth date are
 * derived from the number, never entered.  A person's region is their
 * household's; a person without a household gives region_code themselves.
 *
 * Reads return jansson objects ready to render; ID numbers come masked
 * ("id_number":"500231********123X") unless full_id is asked for, the actor
 * holds PERM_PERSON_ID_FULL and gives a reason: then "id_number" is full and
 * the read is audited ("person.id_number.read").  Every write is audited.
 * Every call checks the actor's permission and region itself.
 */
#ifndef CIVICARE_REGISTRY_H
#define CIVICARE_REGISTRY_H

#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"
#include "perm.h"

/* Allowed values (NULL-terminated lists, also used by the OpenAPI doc). */
extern const char *const registry_relations[];     /* self spouse child parent ... */
extern const char *const registry_health_values[]; /* healthy chronic serious */
extern const char *const registry_work_values[];   /* full partial none */
extern const char *const registry_disability_types[]; /* visual hearing ... */
extern const char *const registry_area_kinds[];    /* urban rural */

struct person_input {
	const char *name;            /* required, 1..LIMIT_NAME_BYTES */
	const char *id_number;       /* required */
	const char *phone;           /* optional, 11-digit mobile or landline */
	int64_t household_id;        /* 0 = none */
	const char *relation;        /* to the household head; required with a household */
	const char *region_code;     /* required without a household, 12 digits */
	const char *disability_type; /* NULL = none */
	int64_t disability_grade;    /* 1..4 with a type */
	const char *health;          /* default healthy */
	const char *work_capacity;   /* default full */
	int synthetic;               /* demo data */
};

int registry_person_create(struct store *s, const struct actor *a,
			   const struct person_input *in, int64_t *id,
			   struct err *e);

/* Change the given (non-NULL) fields; id_number cannot change. */
int registry_person_update(struct store *s, const struct actor *a, int64_t id,
			   const struct person_input *in, struct err *e);

/* full_id: 1 to ask for the full number (needs permission and reason). */
int registry_person_get(struct store *s, const struct actor *a, int64_t id,
			int full_id, const char *reason, json_t **out,
			struct err *e);

struct person_query {
	const char *id_number;  /* exact (normalised first) */
	const char *name;       /* partial */
	const char *region;     /* prefix, inside the actor's region */
	int64_t household_id;
	int64_t page, per_page;
};

/* {"items":[person...],"total","page","per_page"} ordered by id. */
int registry_person_search(struct store *s, const struct actor *a,
			   const struct person_query *q, json_t **out,
			   struct err *e);

struct household_input {
	const char *region_code;  /* 12-digit village/community code, must exist */
	const char *address;      /* required */
	const char *area_kind;    /* urban|rural; default from the division */
	int synthetic;
};

int registry_household_create(struct store *s, const struct actor *a,
			      const struct household_input *in, int64_t *id,
			      struct err *e);

/* Make person_id (a member) the head. */
int registry_household_set_head(struct store *s, const struct actor *a,
				int64_t household_id, int64_t person_id,
				struct err *e);

/* A household's region code, for work on something of the household:
 * ERR_NOT_FOUND naming `field` when it does not exist or lies outside the
 * actor's region (answered alike). */
int registry_household_region(struct store *s, const struct actor *a, int64_t id,
			      const char *field, char region[13], struct err *e);

/* The household with "members":[person...] (masked) and "region_name". */
int registry_household_get(struct store *s, const struct actor *a, int64_t id,
			   json_t **out, struct err *e);

struct household_query {
	const char *region;
	const char *address;  /* partial */
	int64_t page, per_page;
};

int registry_household_search(struct store *s, const struct actor *a,
			      const struct household_query *q, json_t **out,
			      struct err *e);

#endif
