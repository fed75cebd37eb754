/*
 * fuzz_idcard.c - libFuzzer driver for idcard_parse (outside input: every
 * ID number typed on a phone or read from a department file).
 * Property: never crash; whatever parses re-parses to itself, masks to 18
 * characters and packs to a non-zero value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/core/idcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct idcard a, b;
	struct err e;
	char masked[19];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (idcard_parse(s, "id_number", &a, &e) == 0) {
		if (idcard_parse(a.number, "id_number", &b, &e) != 0 ||
		    strcmp(a.number, b.number) != 0 || idcard_pack(a.number) == 0)
			abort();
		idcard_mask(a.number, masked);
		if (strlen(masked) != 18)
			abort();
	}
	free(s);
	return 0;
}
