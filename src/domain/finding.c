/*
 * finding.c - PLACEHOLDER: being written (see finding.h).
 */
#include <string.h>
#include "finding.h"
#include "../core/banned.h"

int crosscheck_run(struct store *s, const struct actor *a, const char *config_dir, const char *as_of, const char *started_by, struct crosscheck_result *r, struct err *e)
{
	(void)s;
	(void)a;
	(void)config_dir;
	(void)as_of;
	(void)started_by;
	(void)r;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int finding_list(struct store *s, const struct actor *a, const struct finding_query *q, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)q;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int finding_get(struct store *s, const struct actor *a, int64_t id, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int finding_action(struct store *s, const struct actor *a, int64_t id, const char *action, json_t *body, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)action;
	(void)body;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int finding_recovery_add(struct store *s, const struct actor *a, int64_t id, json_t *body, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)body;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int finding_figures(struct store *s, const struct actor *a, const char *from, const char *to, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)from;
	(void)to;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int crosscheck_run_list(struct store *s, int64_t page, int64_t per_page, json_t **out, struct err *e)
{
	(void)s;
	(void)page;
	(void)per_page;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}
