/*
 * perm.h - roles, permissions and regions: authorization in one place.
 *
 * Every account has one role and one region (a division-code prefix).  A
 * role grants permissions through one table (perm.c); a record is visible
 * when its region code lies inside the actor's region.  A reviewer's region
 * is normally the whole county: it works its department's queue county-wide.
 * Routes name the permission they need (http/routes.c); the matrix and the
 * OpenAPI document are generated from these tables.
 */
#ifndef CIVICARE_PERM_H
#define CIVICARE_PERM_H

#include <stdint.h>
#include "../core/err.h"

enum role {
	ROLE_COURIER,    /* 救助快递员: grid worker, reports from a phone */
	ROLE_ASSISTANT,  /* 救助协理员: village assistance officer */
	ROLE_COMMANDER,  /* 救助指挥员: township party secretary */
	ROLE_REVIEWER,   /* department case officer */
	ROLE_ADMIN,      /* county civil-affairs bureau */
	ROLE_INSPECTOR,  /* 纪委监委: discipline inspection, read-only */
	ROLE_ELDERCARE,  /* care-institution staff */
	ROLE_COUNT
};

enum perm {
	PERM_PUBLIC,         /* no account needed */
	PERM_SIGNED_IN,      /* any account */
	PERM_DIVISION_READ,
	PERM_PERSON_READ,
	PERM_PERSON_WRITE,
	PERM_PERSON_ID_FULL, /* see a full ID number; every read audited */
	PERM_HOUSEHOLD_READ,
	PERM_HOUSEHOLD_WRITE,
	PERM_USER_READ,
	PERM_USER_WRITE,
	PERM_AUDIT_READ,
	PERM_REPORT_CREATE,   /* report someone in difficulty */
	PERM_REPORT_READ,
	PERM_REPORT_TRIAGE,   /* accept or dismiss reports */
	PERM_CASE_READ,
	PERM_CASE_WORK,       /* visits, routing, handover, closing */
	PERM_REFERRAL_READ,
	PERM_REFERRAL_ACT,    /* decide (reviewers) or resubmit (assistants) */
	PERM_ENROLLMENT_READ,
	PERM_ENROLLMENT_MANAGE,
	PERM_FIGURES_READ,
	PERM_ESCALATION_READ,
	PERM_OUTBOX_MANAGE,
	PERM_FEED_IMPORT,     /* department data files */
	PERM_FEED_READ,
	PERM_MONITOR_RUN,
	PERM_ALERT_READ,
	PERM_ALERT_ACT,       /* turn an alert into a report, or dismiss it */
	PERM_VERIFY_READ,     /* household economic verification */
	PERM_MONITORING_WRITE, /* a person's monitoring category */
	PERM_PAYMENT_READ,    /* payment runs, rolls, a household's payments */
	PERM_PAYMENT_MANAGE,  /* generate, approve (not one's own), pay, bank files */
	PERM_NOTICE_MANAGE,   /* publish a public notice (公示) */
	PERM_RELATIVE_READ,   /* the close-relative register and filings */
	PERM_FILING_WRITE,    /* file a household (近亲属备案) */
	PERM_FILING_VISIT,    /* record the county's visit of a filed household */
	PERM_CROSSCHECK_RUN,  /* run the supervision cross-checks */
	PERM_FINDING_READ,
	PERM_FINDING_ACT,     /* move findings along, record recoveries */
	PERM_COUNT
};

/* Who is acting: filled from the session, or by the CLI for system work. */
struct actor {
	int64_t user_id;      /* 0 = the system (CLI, demo, migrations) */
	char username[64];
	char display_name[96];
	enum role role;
	char region[13];      /* division-code prefix */
	char department[32];  /* reviewers: "civil_affairs", "medical", ... */
	char ip[64];
};

const char *perm_role_name(enum role r);      /* "courier" ... */
const char *perm_role_label_zh(enum role r);  /* "救助快递员" ... */
int perm_role_parse(const char *name, enum role *out); /* 0 or -1 */
const char *perm_name(enum perm p);           /* "person.read" ... */
const char *perm_label_zh(enum perm p);

/* 1 when the role holds the permission (PERM_PUBLIC and PERM_SIGNED_IN are
 * held by every role). */
int perm_role_has(enum role r, enum perm p);

/* 1 when record_region lies inside the actor's region. */
int perm_region_allows(const struct actor *a, const char *record_region);

/* ERR_FORBIDDEN (rule "permission") unless the actor's role has p. */
int perm_require(const struct actor *a, enum perm p, struct err *e);

/* ERR_NOT_FOUND (rule "region") unless the record lies inside the region:
 * a record outside one's region is answered as if it did not exist. */
int perm_require_region(const struct actor *a, const char *record_region,
			struct err *e);

/* The region a search covers: the part of `want` inside the actor's region.
 * No filter or a wider one gives the actor's region; a filter outside it
 * gives "-", which matches no division code, so the search finds nothing. */
const char *perm_region_narrow(const struct actor *a, const char *want);

/* ERR_FORBIDDEN (rule "region", field `field`) unless `target_region` lies
 * inside the actor's region: for creating things somewhere. */
int perm_require_target(const struct actor *a, const char *target_region,
			const char *field, struct err *e);

/* The system actor used by the CLI: county region, admin role. */
void perm_system_actor(struct actor *a, const char *region);

#endif
