/*
 * payment.c - PLACEHOLDER: being written (see payment.h).
 */
#include <string.h>
#include "payment.h"
#include "../core/banned.h"

int payment_generate(struct store *s, const struct actor *a, const char *config_dir, const char *program, const char *month, int64_t *run_id, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)config_dir;
	(void)program;
	(void)month;
	(void)run_id;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_run_action(struct store *s, const struct actor *a, int64_t id, const char *action, const char *reason, const char *paid_date, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)action;
	(void)reason;
	(void)paid_date;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_run_list(struct store *s, const struct actor *a, const struct payment_query *q, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)q;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_run_get(struct store *s, const struct actor *a, int64_t id, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_lines_list(struct store *s, const struct actor *a, int64_t id, const char *township, const char *status, int64_t page, int64_t per_page, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)township;
	(void)status;
	(void)page;
	(void)per_page;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_bank_file(struct store *s, const struct actor *a, int64_t id, const char *format /* "xlsx" | "csv" */, unsigned char **data, size_t *len, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)format;
	(void)data;
	(void)len;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_roll_html(struct store *s, const struct actor *a, int64_t id, const char *township, char **html, size_t *len, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)township;
	(void)html;
	(void)len;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_bank_return(struct store *s, const struct actor *a, int64_t id, const unsigned char *csv, size_t len, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)id;
	(void)csv;
	(void)len;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_household(struct store *s, const struct actor *a, int64_t household_id, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)household_id;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int payment_set_account(struct store *s, const struct actor *a, int64_t household_id, json_t *body, json_t **out, struct err *e)
{
	(void)s;
	(void)a;
	(void)household_id;
	(void)body;
	(void)out;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int demo_payments_generate(struct store *s, const char *config_dir, int months, struct demo_payments_result *r, struct err *e)
{
	(void)s;
	(void)config_dir;
	(void)months;
	(void)r;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}
