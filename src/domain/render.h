/*
 * render.h - the small pieces every domain read uses to turn rows into
 * JSON, written once.
 */
#ifndef CIVICARE_RENDER_H
#define CIVICARE_RENDER_H

#include <stdint.h>
#include <jansson.h>
#include "../store/store.h"

/* The column as a JSON string or integer, or null when SQL NULL. */
json_t *render_text_or_null(struct store_stmt *st, int col);
json_t *render_int_or_null(struct store_stmt *st, int col);

/* {"items": items (stolen), "total", "page", "per_page"}: one list page. */
json_t *render_page(json_t *items, int64_t total, int64_t page, int64_t per_page);

/* Step st to the end, one JSON value a row (row() makes it), then finalize
 * st.  *items gets the array, or NULL on failure (returned). */
int render_rows(struct store_stmt *st, json_t *(*row)(struct store_stmt *),
		json_t **items, struct err *e);

#endif
