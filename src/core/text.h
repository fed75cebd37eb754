/*
 * text.h - tiny string helpers the validators and printers share.
 */
#ifndef CIVICARE_TEXT_H
#define CIVICARE_TEXT_H

#include <stdint.h>

/* 1 when v (may be NULL: 0) equals one of the NULL-terminated list. */
int text_in_list(const char *v, const char *const *list);

/* 1 when s is NULL, empty or only ASCII blanks (space, tab, CR, LF). */
int text_blank(const char *s);

/* Integer fen as 元: "1234.50", or "1,234.50" when grouped; "-" first
 * when negative.  out holds TEXT_YUAN_MAX bytes (any int64_t fits). */
#define TEXT_YUAN_MAX 32
void text_yuan(int64_t fen, int grouped, char out[TEXT_YUAN_MAX]);

#endif
