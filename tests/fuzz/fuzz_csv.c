/*
 * fuzz_csv.c - libFuzzer driver for the department-file reader: encoding
 * detection (UTF-8 / GB18030) and the bounded CSV parser.
 * Property: never crash, never loop: every record moves the offset on.
 */
#include <stdint.h>
#include <stdlib.h>
#include "../../src/core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_text text;
	struct csv_reader r;
	struct err e;
	size_t before;
	int rc;

	if (csv_decode(data, size, &text, &e) < 0)
		return 0;
	csv_init(&r, text.p, text.len);
	do {
		before = csv_offset(&r);
		rc = csv_next(&r, &e);
		if (rc > 0 && csv_offset(&r) <= before && text.len > 0)
			abort();
	} while (rc > 0);
	csv_release(&r);
	csv_text_release(&text);
	return 0;
}
