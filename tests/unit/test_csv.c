/*
 * test_csv.c - the CSV reader and the encoding of department files:
 * RFC 4180 quoting (commas, doubled quotes and line breaks inside quotes),
 * LF / CRLF / CR line ends, the BOM, the line each record starts on, the
 * caps, and UTF-8 versus GB18030 (built here with iconv from UTF-8) versus
 * neither, which names the line of the first bad byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iconv.h>
#include <cmocka.h>

#include "../../src/core/csv.h"
#include "../../src/core/strbuf.h"
#include "../../src/core/banned.h"

static void assert_field(const struct csv_reader *r, int i, const char *want)
{
	assert_true(i < r->n_fields);
	if (r->fields[i].len != strlen(want) ||
	    memcmp(r->fields[i].p, want, strlen(want)) != 0)
		fail_msg("field %d is \"%.*s\", want \"%s\"", i,
			 (int)r->fields[i].len, r->fields[i].p, want);
}

/* The bytes of a UTF-8 string in GB18030 (malloc'd). */
static char *to_gb18030(const char *utf8, size_t *len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t in_left = strlen(utf8), out_left = 4 * in_left + 4;
	char *out = malloc(out_left), *o = out, *in = (char *)utf8;

	assert_true(cd != (iconv_t)-1);
	assert_int_not_equal(iconv(cd, &in, &in_left, &o, &out_left), (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(o - out);
	return out;
}

static void test_plain_records_and_lines(void **state)
{
	const char *text = "a,b,c\n1,,3\n\nx,y,z";
	struct csv_reader r;
	struct err e;

	(void)state;
	csv_init(&r, text, strlen(text));
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.n_fields, 3);
	assert_int_equal(r.record_line, 1);
	assert_field(&r, 2, "c");
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.record_line, 2);
	assert_field(&r, 1, "");
	assert_field(&r, 2, "3");
	assert_int_equal(csv_next(&r, &e), 1);       /* the blank line */
	assert_int_equal(r.n_fields, 1);
	assert_true(csv_field_blank(&r.fields[0]));
	assert_int_equal(csv_next(&r, &e), 1);       /* no newline at the end */
	assert_int_equal(r.record_line, 4);
	assert_field(&r, 2, "z");
	assert_int_equal(csv_next(&r, &e), 0);
	csv_release(&r);
}

static void test_quotes_commas_breaks_crlf(void **state)
{
	const char *text = "\xEF\xBB\xBFid,note\r\n"
			   "1,\"a, b\"\r\n"
			   "2,\"two\r\nlines, and \"\"quoted\"\"\"\r\n"
			   "3,\"\"\r\n"
			   "4,last\r\n";
	struct csv_reader r;
	struct err e;

	(void)state;
	csv_init(&r, text, strlen(text));
	assert_int_equal(csv_next(&r, &e), 1);
	assert_field(&r, 0, "id");                   /* the BOM is not data */
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.record_line, 2);
	assert_field(&r, 1, "a, b");
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.record_line, 3);
	/* CRLF inside quotes comes out as LF, doubled quotes as one */
	assert_field(&r, 1, "two\nlines, and \"quoted\"");
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.record_line, 5);          /* the break inside counted */
	assert_field(&r, 1, "");
	assert_true(r.fields[1].quoted);
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.record_line, 6);
	assert_field(&r, 1, "last");
	assert_int_equal(csv_next(&r, &e), 0);
	csv_release(&r);
}

static void test_lone_cr_and_trailing_comma(void **state)
{
	const char *text = "a,b\rc,\rd,";
	struct csv_reader r;
	struct err e;

	(void)state;
	csv_init(&r, text, strlen(text));
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.record_line, 2);
	assert_int_equal(r.n_fields, 2);
	assert_field(&r, 1, "");
	assert_int_equal(csv_next(&r, &e), 1);
	assert_int_equal(r.record_line, 3);
	assert_int_equal(r.n_fields, 2);
	assert_field(&r, 0, "d");
	assert_field(&r, 1, "");
	assert_int_equal(csv_next(&r, &e), 0);
	csv_release(&r);
}

static void expect_error(const char *text, size_t len, const char *in_message)
{
	struct csv_reader r;
	struct err e;
	int rc;

	err_clear(&e);
	csv_init(&r, text, len);
	while ((rc = csv_next(&r, &e)) == 1)
		;
	csv_release(&r);
	assert_int_equal(rc, ERR_INVALID);
	assert_string_equal(e.rule, "csv");
	if (!strstr(e.message_en, in_message))
		fail_msg("message \"%s\" lacks \"%s\"", e.message_en, in_message);
}

static void test_malformed_and_caps(void **state)
{
	struct strbuf big = STRBUF_INIT;

	(void)state;
	expect_error("a\nb\n\"open,\nnever closed\n", 24, "line 3: unterminated quote");
	expect_error("a\n\"x\"y,z\n", 9, "line 2: text after a closing quote");
	strbuf_addstr(&big, "a\n");
	for (int i = 0; i < LIMIT_CSV_FIELD_BYTES + 1; i++)
		strbuf_addch(&big, 'x');
	expect_error(big.buf, big.len, "line 2: field too long");
	strbuf_reset(&big);
	for (int i = 0; i < LIMIT_CSV_FIELDS + 1; i++)
		strbuf_addstr(&big, "1,");
	expect_error(big.buf, big.len, "line 1: too many fields");
	strbuf_release(&big);
}

static void test_append_field_quotes_only_when_needed(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	csv_append_field(&sb, "plain", 5);
	strbuf_addch(&sb, ',');
	csv_append_field(&sb, "a,b", 3);
	strbuf_addch(&sb, ',');
	csv_append_field(&sb, "say \"hi\"", 8);
	strbuf_addch(&sb, ',');
	csv_append_field(&sb, "two\nlines", 9);
	assert_string_equal(sb.buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"");
	strbuf_release(&sb);
}

static void test_utf8_validation(void **state)
{
	(void)state;
	assert_int_equal(csv_utf8_valid_prefix((const unsigned char *)"abc身份", 9), 9);
	assert_int_equal(csv_utf8_valid_prefix((const unsigned char *)"ab\xC0\x80", 4), 2);
	assert_int_equal(csv_utf8_valid_prefix((const unsigned char *)"\xED\xA0\x80", 3), 0);
	assert_int_equal(csv_utf8_valid_prefix((const unsigned char *)"\xF4\x90\x80\x80", 4), 0);
	assert_int_equal(csv_utf8_valid_prefix((const unsigned char *)"abcdefgh\xE8\xBA", 10), 8);
}

static void test_decode_utf8_bom_is_not_copied(void **state)
{
	const char *text = "\xEF\xBB\xBF姓名,身份证号码\n";
	struct csv_text t;
	struct err e;

	(void)state;
	assert_int_equal(csv_decode(text, strlen(text), &t, &e), 0);
	assert_string_equal(t.encoding, "UTF-8");
	assert_null(t.owned);
	assert_ptr_equal(t.p, text + 3);
	csv_text_release(&t);
}

static void test_decode_gb18030(void **state)
{
	const char *utf8 = "姓名,个人自付\r\n张三,\"1,234.50\"\r\n";
	size_t len;
	char *gb = to_gb18030(utf8, &len);
	struct csv_text t;
	struct err e;

	(void)state;
	assert_int_not_equal(len, strlen(utf8));     /* really other bytes */
	assert_int_equal(csv_decode(gb, len, &t, &e), 0);
	assert_string_equal(t.encoding, "GB18030");
	assert_int_equal(t.len, strlen(utf8));
	assert_memory_equal(t.p, utf8, t.len);
	csv_text_release(&t);
	free(gb);
}

static void test_decode_neither_names_the_line(void **state)
{
	/* 0xFF is no lead byte in GB18030 and never valid in UTF-8 */
	const char text[] = "a,b\r\n1,2\r\nx,\xFF\xFF\r\n";
	struct csv_text t;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(csv_decode(text, sizeof(text) - 1, &t, &e), ERR_INVALID);
	assert_string_equal(e.rule, "encoding");
	assert_non_null(strstr(e.message_en, "line 3"));
	assert_non_null(strstr(e.message, "第 3 行"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records_and_lines),
		cmocka_unit_test(test_quotes_commas_breaks_crlf),
		cmocka_unit_test(test_lone_cr_and_trailing_comma),
		cmocka_unit_test(test_malformed_and_caps),
		cmocka_unit_test(test_append_field_quotes_only_when_needed),
		cmocka_unit_test(test_utf8_validation),
		cmocka_unit_test(test_decode_utf8_bom_is_not_copied),
		cmocka_unit_test(test_decode_gb18030),
		cmocka_unit_test(test_decode_neither_names_the_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
