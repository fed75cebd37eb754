/*
 * text.c - see text.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "text.h"
#include "../core/banned.h"

int text_in_list(const char *v, const char *const *list)
{
	for (size_t i = 0; v && list[i]; i++)
		if (strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

int text_blank(const char *s)
{
	return !s || strspn(s, " \t\r\n") == strlen(s);
}

void text_yuan(int64_t fen, int grouped, char out[TEXT_YUAN_MAX])
{
	uint64_t v = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	char digits[24];
	size_t n, j = 0;

	if (fen < 0)
		out[j++] = '-';
	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v / 100);
	for (size_t i = 0; i < n; i++) {
		if (grouped && i > 0 && (n - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	snprintf(out + j, TEXT_YUAN_MAX - j, ".%02u", (unsigned)(v % 100));
}
