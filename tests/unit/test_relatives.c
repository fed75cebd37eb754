/*
 * test_relatives.c - name masking for public notices (黄*瑜) and the
 * configured relationship sets: the department's words map to canonical
 * relations, the national set leaves out uncles and in-laws, the wider set
 * (config/supervision.json with relationship_set "wider") takes them in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/domain/relatives.h"
#include "../../src/core/banned.h"

/* === name_mask === */

static const struct { const char *name, *masked; } mask_cases[] = {
	{ "黄瑜", "黄*" },
	{ "黄小瑜", "黄*瑜" },
	{ "欧阳小瑜", "欧**瑜" },
	{ "司马相如之", "司***之" },
	{ "瑜", "*" },
	{ "", "" },
	{ "Li", "L*" },
	{ "Lei", "L*i" },
	{ "Li Lei", "L****i" },
	{ "A", "*" },
	{ "阿卜杜·热合曼", "阿*****曼" },
	{ "黄𠀀瑜", "黄*瑜" },               /* a 4-byte character in the middle */
	{ "𠀀瑜", "𠀀*" },                   /* and kept first */
};

static void test_name_mask_keeps_first_and_last(void **state)
{
	char out[64];
	(void)state;
	for (size_t i = 0; i < sizeof(mask_cases) / sizeof(mask_cases[0]); i++) {
		memset(out, 'Z', sizeof(out));
		name_mask(mask_cases[i].name, out, sizeof(out));
		if (strcmp(out, mask_cases[i].masked) != 0)
			fail_msg("name_mask(\"%s\") = \"%s\", want \"%s\"", mask_cases[i].name,
				 out, mask_cases[i].masked);
		/* strlen(name) + 4 is always enough */
		assert_true(strlen(out) <= strlen(mask_cases[i].name) + 3);
	}
	name_mask(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

/* 1 when s is valid UTF-8. */
static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
		if (!n)
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

static void test_name_mask_invalid_utf8_is_safe(void **state)
{
	char out[64];
	static const char *const bad[] = {
		"\xff\xfe", "\xe9\xbb", "黄\xff瑜", "\xc3", "黄瑜\xe9", "\xe9\xbb\x84\xe9\xbb",
		"\x80\x80\x80\x80\x80\x80\x80\x80",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		name_mask(bad[i], out, sizeof(out));
		assert_true(valid_utf8(out));
		assert_true(strlen(out) <= strlen(bad[i]) + 3);
		assert_non_null(strchr(out, '*'));
	}
	name_mask("黄\xff瑜", out, sizeof(out));
	assert_string_equal(out, "黄*瑜");
	name_mask("\xff黄瑜", out, sizeof(out));
	assert_string_equal(out, "**瑜");
}

static void test_name_mask_never_overflows(void **state)
{
	char out[8];
	(void)state;
	memset(out, 'Z', sizeof(out));
	name_mask("欧阳小瑜", out, 5);           /* room for "欧*" and the NUL only */
	assert_string_equal(out, "欧*");
	assert_int_equal(out[5], 'Z');
	name_mask("欧阳小瑜", out, 1);
	assert_string_equal(out, "");
	name_mask("欧阳小瑜", out, 3);           /* not even the first character */
	assert_string_equal(out, "");
	name_mask("欧阳小瑜", out, 0);           /* nothing written */
	assert_int_equal(out[0], '\0');
}

/* === relationship sets === */

static void test_national_set_maps_department_words(void **state)
{
	const struct relative_config *c = NULL;
	struct err e;
	(void)state;
	err_clear(&e);
	assert_int_equal(relatives_config_load("config", &c, &e), 0);
	assert_string_equal(relatives_canonical(c, "兄弟姐妹"), "siblings");
	assert_string_equal(relatives_canonical(c, "哥哥"), "siblings");
	assert_string_equal(relatives_canonical(c, " 配偶 "), "spouse");
	assert_string_equal(relatives_canonical(c, "妻子"), "spouse");
	assert_string_equal(relatives_canonical(c, "子女"), "children");
	assert_string_equal(relatives_canonical(c, "父母"), "parents");
	assert_string_equal(relatives_canonical(c, "外婆"), "grandparents");
	assert_string_equal(relatives_canonical(c, "外孙女"), "grandchildren");
	assert_string_equal(relatives_canonical(c, "siblings"), "siblings");
	assert_null(relatives_canonical(c, "叔叔"));
	assert_null(relatives_canonical(c, "儿媳"));
	assert_null(relatives_canonical(c, "岳父"));
	assert_null(relatives_canonical(c, "同事"));
	assert_null(relatives_canonical(c, ""));
	assert_null(relatives_canonical(c, NULL));
	json_t *j = relatives_config_json(c);
	assert_string_equal(json_string_value(json_object_get(j, "set")), "national");
	assert_int_equal(json_array_size(json_object_get(j, "relations")), 6);
	json_decref(j);
}

/* A copy of config/supervision.json with another relationship_set. */
static void write_config(const char *dir, const char *set)
{
	FILE *in = fopen("config/supervision.json", "rb"), *out;
	char path[300];
	json_t *doc = json_loadf(in, 0, NULL);
	assert_non_null(doc);
	fclose(in);
	json_object_set_new(doc, "relationship_set", json_string(set));
	snprintf(path, sizeof(path), "%s/supervision.json", dir);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(json_dumpf(doc, out, JSON_INDENT(1)), 0);
	fclose(out);
	json_decref(doc);
}

static void test_wider_set_is_configuration(void **state)
{
	char dir[] = "/tmp/civicare-rel-XXXXXX", path[300];
	const struct relative_config *c = NULL;
	struct err e;
	(void)state;
	assert_non_null(mkdtemp(dir));
	write_config(dir, "wider");
	err_clear(&e);
	assert_int_equal(relatives_config_load(dir, &c, &e), 0);
	assert_string_equal(relatives_canonical(c, "叔叔"), "uncles_aunts");
	assert_string_equal(relatives_canonical(c, "舅舅"), "uncles_aunts");
	assert_string_equal(relatives_canonical(c, "儿媳"), "children_in_law");
	assert_string_equal(relatives_canonical(c, "岳父"), "parents_in_law");
	assert_string_equal(relatives_canonical(c, "嫂子"), "siblings_in_law");
	/* the national relations come with it ("extends") */
	assert_string_equal(relatives_canonical(c, "兄弟姐妹"), "siblings");
	assert_string_equal(relatives_canonical(c, "配偶"), "spouse");
	assert_null(relatives_canonical(c, "同事"));
	json_t *j = relatives_config_json(c);
	assert_string_equal(json_string_value(json_object_get(j, "set")), "wider");
	assert_int_equal(json_array_size(json_object_get(j, "relations")), 10);
	json_decref(j);
	snprintf(path, sizeof(path), "%s/supervision.json", dir);
	unlink(path);
	rmdir(dir);
}

static void test_unknown_set_is_refused_naming_the_file(void **state)
{
	char dir[] = "/tmp/civicare-rel-XXXXXX", path[300];
	const struct relative_config *c = NULL;
	struct err e;
	(void)state;
	assert_non_null(mkdtemp(dir));
	write_config(dir, "galaxy");
	err_clear(&e);
	assert_int_equal(relatives_config_load(dir, &c, &e), ERR_INVALID);
	assert_string_equal(e.rule, "config");
	assert_non_null(strstr(e.message_en, "supervision.json"));
	snprintf(path, sizeof(path), "%s/supervision.json", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_mask_keeps_first_and_last),
		cmocka_unit_test(test_name_mask_invalid_utf8_is_safe),
		cmocka_unit_test(test_name_mask_never_overflows),
		cmocka_unit_test(test_national_set_maps_department_words),
		cmocka_unit_test(test_wider_set_is_configuration),
		cmocka_unit_test(test_unknown_set_is_refused_naming_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
