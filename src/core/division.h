/*
 * division.h - statistical division codes (统计用区划代码) as strings.
 *
 * civicare uses the 6/9/12-digit forms: county 500231, township-level
 * 500231101, village/community 500231101200.  In a 12-digit code the last
 * three digits are 001-199 for residents' committees (communities, 社区) and
 * 200-399 for village committees (村).  A region prefix is one of these
 * codes; a record lies inside a region when its code starts with the prefix.
 * This file knows only the shape of codes; the division tree itself (names,
 * parents) lives in the store (domain/divisions.c).
 */
#ifndef CIVICARE_DIVISION_H
#define CIVICARE_DIVISION_H

#include <stddef.h>
#include "err.h"

enum division_level {
	DIVISION_INVALID = 0,
	DIVISION_PROVINCE = 2,  /* 2 digits */
	DIVISION_CITY = 4,      /* 4 digits */
	DIVISION_COUNTY = 6,
	DIVISION_TOWNSHIP = 9,
	DIVISION_VILLAGE = 12,
};

/* The level of a code by its length and digits; DIVISION_INVALID if the code
 * is not 2/4/6/9/12 ASCII digits or has an all-zero last part. */
enum division_level division_level(const char *code);

/* Validate `code` for input field `field`: ERR_INVALID with rule "division_code"
 * unless it is a 6, 9 or 12 digit code; 0 on success. */
int division_check(const char *code, const char *field, struct err *e);

/* Copy the parent code (12 -> 9 -> 6 -> 4 -> 2) into out (13 bytes).
 * Returns 0, or -1 when the code has no parent. */
int division_parent(const char *code, char out[13]);

/* 1 when `code` lies inside `prefix` (equal, or starts with it), else 0.
 * An empty prefix contains nothing. */
int division_contains(const char *prefix, const char *code);

/* For a 12-digit code: 1 for a community (001-199), 0 for a village
 * (200-399), -1 otherwise. */
int division_is_community(const char *code);

#endif
