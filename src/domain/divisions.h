/*
 * divisions.h - the county's division tree in the store.
 *
 * The county and its 26 township-level divisions come from
 * config/divisions-500231.tsv (real NBS codes, 2023).  Its villages and
 * communities are generated (about 301, as the county has): their codes
 * follow the national rules (001-199 communities, 200-399 villages) under the
 * real township codes, their names are invented and every one is marked
 * fictitious.  The seed's 周嘉镇骑龙村 and 桂阳街道炭黑厂社区 are among them.
 * Generation is fixed (not seeded by the demo), so every database built by
 * this version has the same tree.
 */
#ifndef CIVICARE_DIVISIONS_H
#define CIVICARE_DIVISIONS_H

#include <stddef.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"

/* Load the tree when the divisions table is empty; does nothing otherwise.
 * tsv_path: the county file (code<TAB>name<TAB>kind with a header line).
 * *added (may be NULL) gets the number of rows written. */
int divisions_seed(struct store *s, const char *tsv_path, int *added,
		   struct err *e);

/* 1 when the code exists, 0 when not, negative on store error. */
int divisions_exists(struct store *s, const char *code, struct err *e);

/* "垫江县周嘉镇骑龙村": names from the county down.  ERR_NOT_FOUND. */
int divisions_full_name(struct store *s, const char *code, char *out,
			size_t out_size, struct err *e);

/* {"code","name","full_name","kind","level","parent_code","urban",
 *  "fictitious","children":[{"code","name","kind","fictitious"}...]} */
int divisions_get(struct store *s, const char *code, json_t **out,
		  struct err *e);

/* 1 when the division is urban (a street's or town's community), 0 when
 * rural, negative on error. */
int divisions_is_urban(struct store *s, const char *code, struct err *e);

#endif
