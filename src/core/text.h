/*
 * text.h - tiny string predicates the validators share.
 */
#ifndef CIVICARE_TEXT_H
#define CIVICARE_TEXT_H

/* 1 when v (may be NULL: 0) equals one of the NULL-terminated list. */
int text_in_list(const char *v, const char *const *list);

/* 1 when s is NULL, empty or only ASCII blanks (space, tab, CR, LF). */
int text_blank(const char *s);

#endif
