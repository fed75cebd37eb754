/*
 * text.c - see text.h.
 */
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
