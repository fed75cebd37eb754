/*
 * limits.h - every size cap in one place.
 *
 * Input from outside (HTTP, files, the command line) is bounded by these
 * names; code checks against them before it allocates.
 */
#ifndef CIVICARE_LIMITS_H
#define CIVICARE_LIMITS_H

#define LIMIT_BODY_BYTES        (1024 * 1024)   /* JSON request body */
#define LIMIT_BODY_DISCARD      (64 * 1024 * 1024) /* read and drop up to this before 413 */
#define LIMIT_HEADER_BYTES      (16 * 1024)     /* all request headers together */
#define LIMIT_URL_BYTES         4096
#define LIMIT_FIELD_BYTES       (8 * 1024)      /* one JSON string field */
#define LIMIT_NAME_BYTES        96              /* a person's name (UTF-8) */
#define LIMIT_ADDRESS_BYTES     400
#define LIMIT_PHONE_BYTES       32
#define LIMIT_USERNAME_BYTES    64
#define LIMIT_PASSWORD_MIN      8
#define LIMIT_PASSWORD_BYTES    256
#define LIMIT_REASON_BYTES      500
#define LIMIT_PAGE_SIZE         200             /* rows per page, at most */
#define LIMIT_PAGE_DEFAULT      20
#define LIMIT_PATH_BYTES        4096            /* file system paths */
#define LIMIT_CONFIG_LINE       1024
#define LIMIT_ARENA_BYTES       (64 * 1024 * 1024) /* one request's memory */
#define LIMIT_DEMO_PERSONS      10000000
#define LIMIT_IMPORT_BYTES      (48 * 1024 * 1024) /* one feed file uploaded */
#define LIMIT_CSV_FIELD_BYTES   LIMIT_FIELD_BYTES /* one CSV field */
#define LIMIT_CSV_ROW_BYTES     (64 * 1024)     /* one CSV record, quotes and breaks included */
#define LIMIT_CSV_FIELDS        256             /* fields in one CSV record */
#define LIMIT_PHOTO_BYTES       (5 * 1024 * 1024) /* one photo upload */
#define LIMIT_PHOTOS_PER_REPORT 6
#define LIMIT_DESCRIPTION_BYTES 4000

#endif
