/*
 * relatives.c - PLACEHOLDER: being written (see relatives.h).
 */
#include <string.h>
#include "relatives.h"
#include "../core/banned.h"

int relatives_config_load(const char *config_dir, const struct relative_config **out, struct err *e)
{
	(void)config_dir;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

const char *relatives_canonical(const struct relative_config *c, const char *word)
{
	(void)c;
	(void)word;
	return NULL;
}

json_t *relatives_config_json(const struct relative_config *c)
{
	(void)c;
	return NULL;
}

int relatives_enrolled_hits(struct store *s, const struct relative_config *c, const char *region, int (*cb)(const struct relative_hit *h, void *ctx), void *ctx, struct err *e)
{
	(void)s;
	(void)c;
	(void)region;
	(void)cb;
	(void)ctx;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int relatives_list(struct store *s, const struct actor *a, const char *config_dir, const struct relatives_query *q, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)config_dir;
	(void)q;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int filing_create(struct store *s, const struct actor *a, json_t *body, int64_t *id, int *created, struct err *e)
{
	(void)s;
	(void)a;
	(void)body;
	(void)id;
	(void)created;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int filing_list(struct store *s, const struct actor *a, const char *visit, const char *region, int64_t page, int64_t per_page, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)visit;
	(void)region;
	(void)page;
	(void)per_page;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int filing_get(struct store *s, const struct actor *a, int64_t id, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int filing_visit(struct store *s, const struct actor *a, int64_t id, json_t *body, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)body;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int notice_create(struct store *s, const struct actor *a, json_t *body, int64_t *id, int *created, struct err *e)
{
	(void)s;
	(void)a;
	(void)body;
	(void)id;
	(void)created;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int notice_list(struct store *s, const struct actor *a, int64_t page, int64_t per_page, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)page;
	(void)per_page;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int notice_get(struct store *s, const struct actor *a, int64_t id, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int notice_public_html(struct store *s, int64_t id, int lang_en, char **html, size_t *len, struct err *e)
{
	(void)s;
	(void)id;
	(void)lang_en;
	(void)html;
	(void)len;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

void name_mask(const char *name, char *out, size_t size)
{
	(void)name;
	(void)out;
	(void)size;

}
