/*
 * render.c - rows to JSON, the shared pieces (see render.h).
 */
#include "render.h"
#include "../core/banned.h"

json_t *render_text_or_null(struct store_stmt *st, int col)
{
	return store_col_is_null(st, col) ? json_null()
					  : json_string(store_col_text(st, col));
}

json_t *render_int_or_null(struct store_stmt *st, int col)
{
	return store_col_is_null(st, col) ? json_null()
					  : json_integer(store_col_int64(st, col));
}

json_t *render_page(json_t *items, int64_t total, int64_t page, int64_t per_page)
{
	return json_pack("{s:o, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total, "page", (json_int_t)page,
			 "per_page", (json_int_t)per_page);
}

int render_rows(struct store_stmt *st, json_t *(*row)(struct store_stmt *),
		json_t **items, struct err *e)
{
	int rc;

	*items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(*items, row(st));
	store_finalize(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	return 0;
}
