/*
 * fuzz_xlsx.c - libFuzzer driver for the XLSX reader (xlsx_to_csv).
 *
 * Two ways in, so that both halves are reached: an input that starts like
 * a ZIP or an OLE file ("PK", D0 CF) is the whole file; any other input is
 * the XML itself - the worksheet, then after a NUL byte the shared strings,
 * after another the styles (xl/styles.xml: which cells are dates), after
 * another the workbook (xl/workbook.xml: date1904) - packed here into a
 * stored ZIP with the right CRCs, which mutations of a deflated file would
 * almost never keep.
 *
 * Properties: never crash, never leak; a failure is ERR_INVALID on field
 * "file"; a success is valid UTF-8 that the CSV reader reads to the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "../../src/core/csv.h"
#include "../../src/core/strbuf.h"
#include "../../src/core/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put16(struct strbuf *sb, unsigned v)
{
	unsigned char b[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	strbuf_add(sb, b, 2);
}

static void put32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	strbuf_add(sb, b, 4);
}

static void pack(struct strbuf *z, const char *const *names,
		 const uint8_t *const *parts, const size_t *lens, unsigned n)
{
	struct strbuf cd = STRBUF_INIT;
	uint32_t cd_off;

	for (unsigned i = 0; i < n; i++) {
		uint32_t crc = (uint32_t)crc32(0L, parts[i], (uInt)lens[i]);
		uint32_t off = (uint32_t)z->len;
		unsigned nlen = (unsigned)strlen(names[i]);

		put32(z, 0x04034b50);
		put16(z, 20); put16(z, 0); put16(z, 0); put16(z, 0); put16(z, 0);
		put32(z, crc); put32(z, (uint32_t)lens[i]); put32(z, (uint32_t)lens[i]);
		put16(z, nlen); put16(z, 0);
		strbuf_add(z, names[i], nlen);
		strbuf_add(z, parts[i], lens[i]);
		put32(&cd, 0x02014b50);
		put16(&cd, 20); put16(&cd, 20); put16(&cd, 0); put16(&cd, 0);
		put16(&cd, 0); put16(&cd, 0);
		put32(&cd, crc); put32(&cd, (uint32_t)lens[i]); put32(&cd, (uint32_t)lens[i]);
		put16(&cd, nlen); put16(&cd, 0); put16(&cd, 0); put16(&cd, 0); put16(&cd, 0);
		put32(&cd, 0); put32(&cd, off);
		strbuf_add(&cd, names[i], nlen);
	}
	cd_off = (uint32_t)z->len;
	strbuf_add(z, cd.buf, cd.len);
	put32(z, 0x06054b50);
	put16(z, 0); put16(z, 0); put16(z, n); put16(z, n);
	put32(z, (uint32_t)cd.len); put32(z, cd_off); put16(z, 0);
	strbuf_release(&cd);
}

static void check(const uint8_t *data, size_t size)
{
	struct csv_text text;
	struct csv_reader r;
	struct err e;
	int rc;

	err_clear(&e);
	if (xlsx_to_csv(data, size, &text, &e) < 0) {
		if (e.code != ERR_INVALID || strcmp(e.field, "file") != 0 ||
		    text.owned || text.len)
			abort();
		return;
	}
	if (csv_utf8_valid_prefix((const unsigned char *)text.p, text.len) != text.len)
		abort();
	csv_init(&r, text.p, text.len);
	while ((rc = csv_next(&r, &e)) > 0)
		;
	csv_release(&r);
	csv_text_release(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
		"xl/styles.xml", "xl/workbook.xml",
	};
	const uint8_t *parts[4];
	size_t lens[4];
	unsigned n = 0;
	const uint8_t *p = data, *end = data + size;
	struct strbuf z = STRBUF_INIT;

	if (size >= 2 && (memcmp(data, "PK", 2) == 0 || memcmp(data, "\xD0\xCF", 2) == 0)) {
		check(data, size);
		return 0;
	}
	/* Up to four parts split at NUL bytes; the last takes the rest. */
	for (;;) {
		const uint8_t *nul = n < 3 ? memchr(p, '\0', (size_t)(end - p)) : NULL;

		parts[n] = p;
		lens[n] = nul ? (size_t)(nul - p) : (size_t)(end - p);
		n++;
		if (!nul)
			break;
		p = nul + 1;
	}
	pack(&z, names, parts, lens, n);
	check((const uint8_t *)z.buf, z.len);
	strbuf_release(&z);
	return 0;
}
