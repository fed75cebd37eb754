/*
 * payment.c - monthly payment runs (资金发放): amounts, generate, the
 * maker-checker actions, reading runs, lines and a household's payments,
 * and the household's bank account.  Bank files, rolls and the bank's
 * return file are in payment_file.c.
 *
 * Design:
 * - A run is one program and one month, for the generating admin's region
 *   (normally the county).  Generating takes, inside one write transaction,
 *   every active enrollment of the program running in that month that has
 *   no live line for the month yet; none left -> nothing is written.  The
 *   partial unique index payment_lines_once is the last word: a concurrent
 *   generate that still collides answers 409, never a second payment.
 * - Each line is a snapshot (payee, members, bank account) and carries its
 *   basis: the rule and the figures that gave the amount (payment_compute).
 * - Reading: any holder of payment.read reads every run; the counts, sums,
 *   townships and lines are narrowed to the reader's region (a township's
 *   commander sees only the township's part).  Runs are not hidden by
 *   region; households are (404 outside the region).
 * - The generator of a run may not approve or reject it (maker_checker).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payment.h"
#include "registry.h"
#include "audit.h"
#include "program.h"
#include "render.h"
#include "workflow.h"
#include "../core/clock.h"
#include "../core/division.h"
#include "../core/idcard.h"
#include "../core/jsonx.h"
#include "../core/limits.h"
#include "../core/strbuf.h"
#include "../core/text.h"
#include "../core/banned.h"

/* === config/payments.json === */

struct loaded {
	struct payment_config cfg;
	struct loaded *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct loaded *cache;

static int config_error(struct err *e, const char *where, const char *what)
{
	return err_setf(e, ERR_INVALID, NULL, "config", "配置文件 payments.json（%s）：%s",
			"config file payments.json (%s): %s", where, what);
}

static int parse_rule(json_t *o, struct payment_rule *r, const char *where,
		      struct err *e)
{
	const char *m = json_string_value(json_object_get(o, "method"));
	char at[96];

	if (!json_is_object(o))
		return config_error(e, where, "an object expected / 须为对象");
	snprintf(at, sizeof(at), "%s.method", where);
	if (!m)
		return config_error(e, at, "required / 必填");
	if (strcmp(m, "decided") == 0) {
		r->method = PAYMENT_DECIDED;
	} else if (strcmp(m, "gap") == 0) {
		json_t *v = json_object_get(o, "minimum_fen");
		r->method = PAYMENT_GAP;
		snprintf(at, sizeof(at), "%s.minimum_fen", where);
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
			return config_error(e, at, "a whole number of fen >= 0 / 须为非负整数（分）");
		r->minimum_fen = v ? json_integer_value(v) : 0;
	} else if (strcmp(m, "fixed_per_person") == 0) {
		json_t *v = json_object_get(o, "per_person_fen");
		r->method = PAYMENT_FIXED_PER_PERSON;
		snprintf(at, sizeof(at), "%s.per_person_fen", where);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return config_error(e, at, "a whole number of fen >= 0 / 须为非负整数（分）");
		r->per_person_fen = json_integer_value(v);
	} else if (strcmp(m, "tiers") == 0) {
		json_t *arr = json_object_get(o, "tiers"), *t;
		size_t i;
		r->method = PAYMENT_TIERS;
		snprintf(at, sizeof(at), "%s.tiers", where);
		if (!json_is_array(arr) || json_array_size(arr) == 0 ||
		    json_array_size(arr) > PAYMENT_MAX_TIERS)
			return config_error(e, at, "a list of 1..8 tiers / 须为1至8档");
		json_array_foreach(arr, i, t) {
			json_t *mm = json_object_get(t, "max_members");
			json_t *am = json_object_get(t, "amount_fen");
			if (!json_is_integer(mm) || json_integer_value(mm) < 1 ||
			    !json_is_integer(am) || json_integer_value(am) < 0)
				return config_error(e, at, "each tier {max_members >= 1, amount_fen >= 0} / 每档须有人数上限与金额");
			r->tiers[i].max_members = json_integer_value(mm);
			r->tiers[i].amount_fen = json_integer_value(am);
		}
		r->n_tiers = json_array_size(arr);
	} else {
		return config_error(e, at, "decided, gap, fixed_per_person or tiers / 未知方法");
	}
	return 0;
}

static int load_config(struct payment_config *c, struct err *e)
{
	char path[LIMIT_PATH_BYTES + 64];
	json_error_t je;
	json_t *doc, *progs, *v;
	const char *key;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/payments.json", c->dir);
	doc = json_load_file(path, 0, &je);
	if (!doc) {
		char where[64];
		snprintf(where, sizeof(where), "line %d", je.line);
		return config_error(e, where, je.text);
	}
	if (!json_is_object(doc)) {
		rc = config_error(e, "top", "an object expected / 须为对象");
		goto done;
	}
	if (!json_is_string(json_object_get(doc, "source"))) {
		rc = config_error(e, "source", "say where the rules come from / 须注明来源");
		goto done;
	}
	c->fallback.method = PAYMENT_DECIDED;
	if (json_object_get(doc, "default") &&
	    (rc = parse_rule(json_object_get(doc, "default"), &c->fallback, "default", e)) < 0)
		goto done;
	progs = json_object_get(doc, "programs");
	if (progs && !json_is_object(progs)) {
		rc = config_error(e, "programs", "an object {program: rule} / 须为对象");
		goto done;
	}
	c->n_rules = progs ? json_object_size(progs) : 0;
	c->rules = xcalloc(c->n_rules ? c->n_rules : 1, sizeof(*c->rules));
	size_t i = 0;
	if (progs) {
		json_object_foreach(progs, key, v) {
			char where[64];
			snprintf(where, sizeof(where), "programs.%s", key);
			if (strlen(key) >= sizeof(c->rules[i].program)) {
				rc = config_error(e, where, "program code too long / 代码过长");
				goto done;
			}
			snprintf(c->rules[i].program, sizeof(c->rules[i].program), "%s", key);
			if ((rc = parse_rule(v, &c->rules[i], where, e)) < 0)
				goto done;
			i++;
		}
	}
done:
	json_decref(doc);
	return rc;
}

int payment_config_load(const char *dir, const struct payment_config **out,
			struct err *e)
{
	struct loaded *l;
	int rc = 0;

	pthread_mutex_lock(&cache_lock);
	for (l = cache; l; l = l->next)
		if (strcmp(l->cfg.dir, dir) == 0)
			break;
	if (!l) {
		l = xcalloc(1, sizeof(*l));
		snprintf(l->cfg.dir, sizeof(l->cfg.dir), "%s", dir);
		rc = load_config(&l->cfg, e);
		if (rc < 0) {
			free(l->cfg.rules);
			free(l);
			l = NULL;
		} else {
			l->next = cache;
			cache = l;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (l)
		*out = &l->cfg;
	return rc;
}

const struct payment_rule *payment_rule_for(const struct payment_config *c,
					    const char *program)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (strcmp(c->rules[i].program, program) == 0)
			return &c->rules[i];
	return &c->fallback;
}

/* === amounts === */

static const char *method_name(enum payment_method m)
{
	switch (m) {
	case PAYMENT_GAP: return "gap";
	case PAYMENT_FIXED_PER_PERSON: return "fixed_per_person";
	case PAYMENT_TIERS: return "tiers";
	default: return "decided";
	}
}

int64_t payment_compute(const struct payment_rule *r,
			const struct payment_facts *f, json_t **basis)
{
	int64_t members = f->members > 0 ? f->members : 1, amount = f->decided_fen;
	json_t *b = json_pack("{s:s, s:I, s:I}", "method", method_name(r->method),
			      "members", (json_int_t)members,
			      "decided_fen", (json_int_t)f->decided_fen);

	switch (r->method) {
	case PAYMENT_GAP:
		json_object_set_new(b, "minimum_fen", json_integer(r->minimum_fen));
		if (f->area_kind)
			json_object_set_new(b, "area_kind", json_string(f->area_kind));
		if (f->have_standard) {
			json_object_set_new(b, "standard_fen", json_integer(f->standard_fen));
			if (f->standard_label)
				json_object_set_new(b, "standard", json_string(f->standard_label));
		}
		if (f->have_income) {
			json_object_set_new(b, "income_fen", json_integer(f->income_fen));
			if (f->income_source)
				json_object_set_new(b, "income_source", json_string(f->income_source));
		}
		if (!f->have_standard || !f->have_income) {
			json_object_set_new(b, "fallback", json_string(
				!f->have_standard ? "no_standard" : "no_income"));
			amount = f->decided_fen;
			break;
		}
		amount = f->standard_fen * members - f->income_fen;
		json_object_set_new(b, "gap_fen", json_integer(amount));
		if (amount < r->minimum_fen) {
			amount = r->minimum_fen;
			json_object_set_new(b, "floored", json_true());
		}
		break;
	case PAYMENT_FIXED_PER_PERSON:
		json_object_set_new(b, "per_person_fen", json_integer(r->per_person_fen));
		amount = r->per_person_fen * members;
		break;
	case PAYMENT_TIERS:
		amount = r->n_tiers ? r->tiers[r->n_tiers - 1].amount_fen : f->decided_fen;
		for (size_t i = 0; i < r->n_tiers; i++)
			if (members <= r->tiers[i].max_members) {
				amount = r->tiers[i].amount_fen;
				json_object_set_new(b, "tier", json_integer((json_int_t)i + 1));
				break;
			}
		break;
	default:
		break;
	}
	if (amount < 0)
		amount = 0;
	json_object_set_new(b, "amount_fen", json_integer(amount));
	if (basis)
		*basis = b;
	else
		json_decref(b);
	return amount;
}

/* === small helpers === */

void payment_mask_account(const char *no, char out[40])
{
	size_t n = no ? strlen(no) : 0;

	if (n < 9 || n > 34) {
		snprintf(out, 40, "****");
		return;
	}
	snprintf(out, 40, "%.4s", no);
	for (size_t i = 4; i < n - 4; i++)
		out[i] = '*';
	snprintf(out + n - 4, 5, "%s", no + n - 4);
}

int payment_parse_month(const char *month, int *y, int *m)
{
	if (!month || strlen(month) != 7 || month[4] != '-')
		return -1;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (month[i] < '0' || month[i] > '9'))
			return -1;
	int yy = (month[0] - '0') * 1000 + (month[1] - '0') * 100 +
		 (month[2] - '0') * 10 + (month[3] - '0');
	int mm = (month[5] - '0') * 10 + (month[6] - '0');
	if (yy < 2000 || yy > 2099 || mm < 1 || mm > 12)
		return -1;
	*y = yy;
	*m = mm;
	return 0;
}

int payment_check_totals(int64_t written_lines, int64_t written_fen,
			 int64_t expected_lines, int64_t expected_fen,
			 struct err *e)
{
	if (written_lines == expected_lines && written_fen == expected_fen)
		return 0;
	return err_setf(e, ERR_INTERNAL, NULL, "totals",
			"银行文件合计不符：文件 %" PRId64 " 笔 %" PRId64 " 分，数据库 %" PRId64
			" 笔 %" PRId64 " 分；未生成文件",
			"bank file totals do not match: file %" PRId64 " lines %" PRId64
			" fen, database %" PRId64 " lines %" PRId64 " fen; nothing written",
			written_lines, written_fen, expected_lines, expected_fen);
}

const char *payment_program_name(const char *program)
{
	static const char *const names[][2] = {
		{ "dibao", "最低生活保障" }, { "tekun", "特困人员救助供养" },
		{ "temporary", "临时救助" }, { "medical", "医疗救助" },
		{ "education", "教育救助" }, { "housing", "住房救助" },
		{ "employment", "就业救助" }, { "disaster", "受灾人员救助" },
		{ "orphan", "孤儿基本生活保障" }, { "disability", "残疾人两项补贴" },
		{ "insurance", "困难群众参保资助" }, { "city_fund", "城市救助基金" },
		{ "seasonal", "节日慰问" },
	};
	for (size_t i = 0; program && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], program) == 0)
			return names[i][1];
	return program ? program : "";
}

static const char *const run_states[] = {
	"generating", "awaiting_approval", "approved", "paid", "reconciled", "rejected", NULL
};
static const char *const line_states[] = { "pending", "paid", "failed", "void", NULL };

/* === runs === */

#define RUN_COLUMNS \
	" r.id, r.program, r.month, r.region_code, r.status, r.lines, r.total_fen," \
	" r.paid_fen, r.failed_fen, r.generated_by, COALESCE(g.username, '')," \
	" COALESCE(g.display_name, ''), r.approved_by, COALESCE(ap.username, '')," \
	" COALESCE(ap.display_name, ''), r.paid_date, r.reject_reason, r.created_at," \
	" r.updated_at"
#define RUN_FROM \
	" FROM payment_runs r LEFT JOIN users g ON g.id = r.generated_by" \
	" LEFT JOIN users ap ON ap.id = r.approved_by"

int payment_run_load(struct store *s, int64_t id, struct payment_run_row *r,
		     struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e,
		"SELECT id, program, month, region_code, status, lines, total_fen,"
		" paid_fen, failed_fen, COALESCE(generated_by, 0), COALESCE(approved_by, 0),"
		" COALESCE(paid_date, '') FROM payment_runs WHERE id = $1", "i", id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW) {
		memset(r, 0, sizeof(*r));
		r->id = store_col_int64(st, 0);
		snprintf(r->program, sizeof(r->program), "%s", store_col_text(st, 1));
		snprintf(r->month, sizeof(r->month), "%s", store_col_text(st, 2));
		snprintf(r->region_code, sizeof(r->region_code), "%s", store_col_text(st, 3));
		snprintf(r->status, sizeof(r->status), "%s", store_col_text(st, 4));
		r->lines = store_col_int64(st, 5);
		r->total_fen = store_col_int64(st, 6);
		r->paid_fen = store_col_int64(st, 7);
		r->failed_fen = store_col_int64(st, 8);
		r->generated_by = store_col_int64(st, 9);
		r->approved_by = store_col_int64(st, 10);
		snprintf(r->paid_date, sizeof(r->paid_date), "%s", store_col_text(st, 11));
	}
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "发放批次不存在",
			       "no such payment run");
	return rc < 0 ? rc : 0;
}

int payment_require_scope(const struct actor *a, const struct payment_run_row *r,
			  struct err *e)
{
	if (perm_region_allows(a, r->region_code))
		return 0;
	return err_setf(e, ERR_FORBIDDEN, "id", "region",
			"发放批次 #%" PRId64 " 覆盖 %s，超出您的辖区（%s），只能由辖区覆盖全批次的管理员办理",
			"payment run #%" PRId64 " covers %s, beyond your region (%s): only an admin"
			" whose region covers the whole run may manage it", r->id, r->region_code,
			a->region);
}

static json_t *user_json(struct store_stmt *st, int col)
{
	if (store_col_is_null(st, col))
		return json_null();
	return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_col_int64(st, col),
			 "username", store_col_text(st, col + 1),
			 "name", store_col_text(st, col + 2));
}

static json_t *run_row_json(struct store_stmt *st)
{
	char month_zh[32];
	const char *month = store_col_text(st, 2);
	int y, m;

	if (payment_parse_month(month, &y, &m) == 0)
		snprintf(month_zh, sizeof(month_zh), "%d年%d月", y, m);
	else
		snprintf(month_zh, sizeof(month_zh), "%s", month);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o,"
			 " s:o, s:o, s:s, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"program", store_col_text(st, 1),
		"program_name", payment_program_name(store_col_text(st, 1)),
		"month", month, "month_label", month_zh,
		"region_code", store_col_text(st, 3), "status", store_col_text(st, 4),
		"lines", (json_int_t)store_col_int64(st, 5),
		"total_fen", (json_int_t)store_col_int64(st, 6),
		"paid_fen", (json_int_t)store_col_int64(st, 7),
		"failed_fen", (json_int_t)store_col_int64(st, 8),
		"generated_by", user_json(st, 9), "approved_by", user_json(st, 12),
		"paid_date", render_text_or_null(st, 15),
		"reject_reason", render_text_or_null(st, 16),
		"created_at", store_col_text(st, 17), "updated_at", store_col_text(st, 18));
}

/* 1 when the actor sees only part of the run (a narrower region). */
static int narrowed(const struct actor *a, const char *run_region)
{
	return !division_contains(a->region, run_region);
}

/* Replace the run's counts by those of the actor's region. */
static int narrow_counts(struct store *s, const struct actor *a, json_t *run,
			 struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t id = json_integer_value(json_object_get(run, "id"));
	int rc;

	if (!narrowed(a, json_string_value(json_object_get(run, "region_code")))) {
		json_object_set_new(run, "scope_region", json_string(
			json_string_value(json_object_get(run, "region_code"))));
		return 0;
	}
	rc = store_query(s, &st, e,
		"SELECT count(*), COALESCE(sum(amount_fen), 0),"
		" COALESCE(sum(CASE WHEN status = 'paid' THEN amount_fen END), 0),"
		" COALESCE(sum(CASE WHEN status = 'failed' THEN amount_fen END), 0)"
		" FROM payment_lines WHERE run_id = $1 AND status <> 'void'"
		" AND substr(region_code, 1, length($2)) = $2", "is", id, a->region);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		json_object_set_new(run, "lines", json_integer(store_col_int64(st, 0)));
		json_object_set_new(run, "total_fen", json_integer(store_col_int64(st, 1)));
		json_object_set_new(run, "paid_fen", json_integer(store_col_int64(st, 2)));
		json_object_set_new(run, "failed_fen", json_integer(store_col_int64(st, 3)));
	}
	store_finalize(st);
	json_object_set_new(run, "scope_region", json_string(a->region));
	return rc < 0 ? rc : 0;
}

static int query_runs(struct store *s, const struct actor *a, const char *program,
		      const char *month, const char *status, int64_t page,
		      int64_t per_page, json_t **items, int64_t *total, struct err *e)
{
	struct store_stmt *st = NULL;
	size_t i;
	json_t *it;
	int rc;

#define RUN_WHERE " WHERE ($1 IS NULL OR r.program = $1) AND ($2 IS NULL OR r.month = $2)" \
		  " AND ($3 IS NULL OR r.status = $3)"
	if (total && (rc = store_int64(s, total, e, "SELECT count(*) FROM payment_runs r"
				       RUN_WHERE, "sss", program, month, status)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e, "SELECT" RUN_COLUMNS RUN_FROM RUN_WHERE
			      " ORDER BY r.month DESC, r.id DESC LIMIT $4 OFFSET $5",
			      "sssii", program, month, status, per_page,
			      (page - 1) * per_page)) < 0)
		return rc;
#undef RUN_WHERE
	if ((rc = render_rows(st, run_row_json, items, e)) < 0)
		return rc;
	json_array_foreach(*items, i, it)
		if ((rc = narrow_counts(s, a, it, e)) < 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
	return 0;
}

int payment_run_list(struct store *s, const struct actor *a,
		     const struct payment_query *q, json_t **out, struct err *e)
{
	const char *program = q->program && *q->program ? q->program : NULL;
	const char *month = q->month && *q->month ? q->month : NULL;
	const char *status = q->status && *q->status ? q->status : NULL;
	json_t *items = NULL;
	int64_t total = 0;
	int y, m, rc;

	if ((rc = perm_require(a, PERM_PAYMENT_READ, e)) < 0)
		return rc;
	if (month && payment_parse_month(month, &y, &m) < 0)
		return err_set(e, ERR_INVALID, "month", "format", "month 须为 YYYY-MM 格式的月份",
			       "month must be a month YYYY-MM");
	if (status && !text_in_list(status, run_states))
		return err_set(e, ERR_INVALID, "status", "enum",
			       "status 须为 generating、awaiting_approval、approved、paid、reconciled 或 rejected",
			       "status must be generating, awaiting_approval, approved, paid, reconciled or rejected");
	if ((rc = query_runs(s, a, program, month, status, q->page, q->per_page, &items,
			     &total, e)) < 0)
		return rc;
	*out = render_page(items, total, q->page, q->per_page);
	return 0;
}

static json_t *township_row(struct store_stmt *st)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
		"region_code", store_col_text(st, 0), "name", store_col_text(st, 1),
		"lines", (json_int_t)store_col_int64(st, 2),
		"total_fen", (json_int_t)store_col_int64(st, 3),
		"paid_fen", (json_int_t)store_col_int64(st, 4),
		"failed_fen", (json_int_t)store_col_int64(st, 5),
		"paid_lines", (json_int_t)store_col_int64(st, 6),
		"missing_account", (json_int_t)store_col_int64(st, 7));
}

static json_t *missing_row(struct store_stmt *st)
{
	return json_pack("{s:I, s:o, s:s, s:s, s:I}",
		"line_id", (json_int_t)store_col_int64(st, 0),
		"household_id", render_int_or_null(st, 1),
		"payee_name", store_col_text(st, 2), "region_code", store_col_text(st, 3),
		"amount_fen", (json_int_t)store_col_int64(st, 4));
}

/* The run as JSON for this actor (counts narrowed), no actions. */
static int run_json(struct store *s, const struct actor *a, int64_t id,
		    json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *towns = NULL, *missing = NULL;
	int rc = store_query(s, &st, e, "SELECT" RUN_COLUMNS RUN_FROM " WHERE r.id = $1",
			     "i", id);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		*out = run_row_json(st);
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_set(e, ERR_NOT_FOUND, "id", "not_found", "发放批次不存在",
			       "no such payment run");
	if (rc < 0)
		return rc;
	if ((rc = narrow_counts(s, a, *out, e)) < 0)
		goto fail;
	if ((rc = store_query(s, &st, e,
		"SELECT substr(l.region_code, 1, 9) AS t, COALESCE(d.name, ''), count(*),"
		" COALESCE(sum(l.amount_fen), 0),"
		" COALESCE(sum(CASE WHEN l.status = 'paid' THEN l.amount_fen END), 0),"
		" COALESCE(sum(CASE WHEN l.status = 'failed' THEN l.amount_fen END), 0),"
		" COALESCE(sum(CASE WHEN l.status = 'paid' THEN 1 ELSE 0 END), 0),"
		" COALESCE(sum(CASE WHEN l.account_no IS NULL THEN 1 ELSE 0 END), 0)"
		" FROM payment_lines l LEFT JOIN divisions d ON d.code = substr(l.region_code, 1, 9)"
		" WHERE l.run_id = $1 AND l.status <> 'void'"
		" AND substr(l.region_code, 1, length($2)) = $2"
		" GROUP BY t, d.name ORDER BY t", "is", id, a->region)) < 0 ||
	    (rc = render_rows(st, township_row, &towns, e)) < 0)
		goto fail;
	json_object_set_new(*out, "townships", towns);
	if ((rc = store_query(s, &st, e,
		"SELECT id, household_id, payee_name, region_code, amount_fen FROM payment_lines"
		" WHERE run_id = $1 AND status <> 'void' AND account_no IS NULL"
		" AND substr(region_code, 1, length($2)) = $2 ORDER BY region_code, id LIMIT 500",
		"is", id, a->region)) < 0 ||
	    (rc = render_rows(st, missing_row, &missing, e)) < 0)
		goto fail;
	json_object_set_new(*out, "missing_account", missing);
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return rc;
}

static void wf_record_of(const struct payment_run_row *r, struct wf_record *w)
{
	memset(w, 0, sizeof(*w));
	w->id = r->id;
	w->state = r->status;
	w->region_code = r->region_code;
}

/* The workflow's actions less those this actor may not take here. */
static json_t *run_actions(const struct payment_run_row *r, const struct actor *a)
{
	struct wf_record w;
	json_t *all, *out = json_array(), *x;
	size_t i;

	if (!perm_role_has(a->role, PERM_PAYMENT_MANAGE) ||
	    !division_contains(a->region, r->region_code))
		return out;
	wf_record_of(r, &w);
	all = workflow_actions(&wf_payment_run, &w, a);
	json_array_foreach(all, i, x) {
		const char *act = json_string_value(json_object_get(x, "action"));
		if (strcmp(act, "submit") == 0)
			continue;
		if ((strcmp(act, "approve") == 0 || strcmp(act, "reject") == 0) &&
		    r->generated_by && r->generated_by == a->user_id)
			continue;
		if (strcmp(act, "reconcile") == 0)
			json_object_set_new(x, "endpoint", json_string("bank-return"));
		json_array_append(out, x);
	}
	json_decref(all);
	if (strcmp(r->status, "awaiting_approval") == 0 && r->generated_by &&
	    r->generated_by == a->user_id)
		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:b}", "action", "approve",
			"label", "审批通过（须由其他管理员审批）", "needs_reason", 0, "disabled", 1));
	return out;
}

int payment_run_get(struct store *s, const struct actor *a, int64_t id,
		    json_t **out, struct err *e)
{
	struct payment_run_row r;
	int rc;

	if ((rc = perm_require(a, PERM_PAYMENT_READ, e)) < 0 ||
	    (rc = payment_run_load(s, id, &r, e)) < 0 ||
	    (rc = run_json(s, a, id, out, e)) < 0)
		return rc;
	json_object_set_new(*out, "actions", run_actions(&r, a));
	json_object_set_new(*out, "maker_checker_blocked", json_boolean(
		strcmp(r.status, "awaiting_approval") == 0 && r.generated_by &&
		r.generated_by == a->user_id));
	return 0;
}

/* === generate === */

/* One enrollment to pay, with what its line needs (one query for all). */
struct cand {
	int64_t enrollment, household, person, head, decided, members, account_id;
	char region[13], area[8];
	char payee[LIMIT_NAME_BYTES + 1], bank[128], account[64];
};

/* The statements run once per line, prepared once per run: the two
 * income lookups of the gap rule and the line's insert. */
struct income_stmts {
	struct store_stmt *visit, *verification, *insert;
};

static int income_prepare(struct store *s, struct income_stmts *q, struct err *e)
{
	int rc;

	memset(q, 0, sizeof(*q));
	/* A visit belongs to the household directly or through its case. */
	if ((rc = store_query(s, &q->visit, e,
		"SELECT declared_income_fen, created_at FROM ("
		" SELECT declared_income_fen, created_at, id FROM visits WHERE household_id = $1"
		" UNION ALL SELECT v.declared_income_fen, v.created_at, v.id FROM visits v"
		" JOIN cases c ON c.id = v.case_id WHERE c.household_id = $1)"
		" ORDER BY created_at DESC, id DESC LIMIT 1", "i", (int64_t)0)) < 0)
		return rc;
	if ((rc = store_query(s, &q->verification, e,
		"SELECT per_capita_income_fen, created_at FROM verifications WHERE household_id = $1"
		" ORDER BY created_at DESC, id DESC LIMIT 1", "i", (int64_t)0)) < 0)
		return rc;
	return store_query(s, &q->insert, e,
		"INSERT INTO payment_lines (run_id, enrollment_id, program, month, household_id,"
		" person_id, region_code, payee_name, members, amount_fen, basis, bank_account_id,"
		" bank, account_no, status, created_at, updated_at) VALUES ($1, $2, $3, $4,"
		" NULLIF($5, 0), NULLIF($6, 0), $7, $8, $9, $10, $11, NULLIF($12, 0), $13, $14,"
		" 'pending', $15, $15)", "");
}

static void income_release(struct income_stmts *q)
{
	store_finalize(q->visit);
	store_finalize(q->verification);
	store_finalize(q->insert);
}

/* The newest of the stmt's one row for household: its income and time. */
static int newest(struct store *s, struct store_stmt *st, int64_t household,
		  int64_t *fen, char at[24], struct err *e)
{
	int rc;

	at[0] = '\0';
	if ((rc = store_rebind(s, st, e, "i", household)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		*fen = store_col_int64(st, 0);
		snprintf(at, 24, "%s", store_col_text(st, 1));
	}
	return rc < 0 ? rc : 0;
}

static int household_income(struct store *s, struct income_stmts *q, int64_t household,
			    int64_t members, struct payment_facts *f, struct err *e)
{
	char visit_at[24], verif_at[24];
	int64_t visit_fen = 0, verif_fen = 0;
	int rc;

	if ((rc = newest(s, q->visit, household, &visit_fen, visit_at, e)) < 0 ||
	    (rc = newest(s, q->verification, household, &verif_fen, verif_at, e)) < 0)
		return rc;
	verif_fen *= members;
	if (visit_at[0] && strcmp(visit_at, verif_at) >= 0) {
		f->have_income = 1;
		f->income_fen = visit_fen;
		f->income_source = "visit";
	} else if (verif_at[0]) {
		f->have_income = 1;
		f->income_fen = verif_fen;
		f->income_source = "verification";
	}
	return 0;
}

/* One line for the candidate; *amount its amount. */
static int insert_line(struct store *s, const struct program_config *pc,
		       const struct payment_rule *rule, struct income_stmts *q,
		       int64_t run_id, const char *program, const char *month, int year,
		       const struct cand *c, const char *now, int64_t *amount,
		       struct err *e)
{
	struct payment_facts f;
	int64_t payee_id = c->person ? c->person : c->head;
	json_t *basis = NULL;
	char *btext;
	int rc;

	memset(&f, 0, sizeof(f));
	f.decided_fen = c->decided;
	f.members = c->members > 0 ? c->members : 1;
	if (rule->method == PAYMENT_GAP && c->household) {
		const char *label = NULL;
		struct err ignored;
		f.area_kind = c->area;
		if (program_dibao_standard(pc, year, c->area, &f.standard_fen, &label,
					   &ignored) == 0) {
			f.have_standard = 1;
			f.standard_label = label;
		}
		if ((rc = household_income(s, q, c->household, f.members, &f, e)) < 0)
			return rc;
	}
	*amount = payment_compute(rule, &f, &basis);
	btext = json_dumps(basis, JSON_COMPACT | JSON_SORT_KEYS);
	rc = store_rebind(s, q->insert, e, "iissiissiisisss", run_id, c->enrollment, program, month, c->household,
		payee_id, c->region, c->payee[0] ? c->payee : "（未登记收款人）", f.members,
		*amount, btext ? btext : "{}", c->account_id, c->account_id ? c->bank : NULL,
		c->account_id ? c->account : NULL, now);
	if (rc == 0 && (rc = store_step(q->insert, e)) > 0)
		rc = 0;
	free(btext);
	json_decref(basis);
	return rc;
}

static int month_runs(struct store *s, const struct actor *a, const char *program,
		      const char *month, json_t **items, struct err *e)
{
	return query_runs(s, a, program, month, NULL, 1, LIMIT_PAGE_SIZE, items, NULL, e);
}

int payment_generate(struct store *s, const struct actor *a,
		     const char *config_dir, const char *program,
		     const char *month, int64_t *run_id, json_t **out,
		     struct err *e)
{
	const struct program_config *pc = NULL;
	const struct payment_config *payc = NULL;
	const struct program *prog;
	const struct payment_rule *rule;
	struct store_stmt *st = NULL;
	struct cand *cands = NULL;
	struct income_stmts income = { 0 };
	size_t n = 0, cap = 0;
	int64_t total = 0, id = 0;
	json_t *runs = NULL, *run = NULL;
	char now[21];
	int y, m, rc;

	*run_id = 0;
	*out = NULL;
	if ((rc = perm_require(a, PERM_PAYMENT_MANAGE, e)) < 0)
		return rc;
	if (!program || !*program)
		return err_set(e, ERR_INVALID, "program", "required", "请选择救助项目",
			       "program is required");
	if (payment_parse_month(month, &y, &m) < 0)
		return err_set(e, ERR_INVALID, "month", "format", "month 须为 YYYY-MM 格式的月份",
			       "month must be a month YYYY-MM");
	if ((rc = program_config_load(config_dir, &pc, e)) < 0 ||
	    (rc = payment_config_load(config_dir, &payc, e)) < 0)
		return rc;
	if (!(prog = program_find(pc, program)))
		return err_setf(e, ERR_INVALID, "program", "enum", "未知的救助项目“%s”",
				"unknown program “%s”", program);
	(void)prog;
	rule = payment_rule_for(payc, program);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	rc = store_query(s, &st, e,
		"SELECT e.id, COALESCE(e.household_id, 0), COALESCE(e.person_id, 0),"
		" COALESCE(h.head_person_id, 0), e.amount_fen,"
		" COALESCE(h.region_code, e.region_code), COALESCE(h.area_kind, ''),"
		" (SELECT count(*) FROM persons m WHERE m.household_id = e.household_id),"
		" COALESCE((SELECT name FROM persons p WHERE p.id ="
		"   COALESCE(NULLIF(e.person_id, 0), h.head_person_id)), ''),"
		" COALESCE(b.id, 0), COALESCE(b.bank, ''), COALESCE(b.account_no, '')"
		" FROM enrollments e LEFT JOIN households h ON h.id = e.household_id"
		" LEFT JOIN bank_accounts b ON b.household_id = e.household_id"
		" WHERE e.program = $1 AND e.status = 'active' AND e.start_month <= $2"
		" AND (e.end_month IS NULL OR e.end_month >= $2)"
		" AND substr(COALESCE(h.region_code, e.region_code), 1, length($3)) = $3"
		" AND NOT EXISTS (SELECT 1 FROM payment_lines l WHERE l.enrollment_id = e.id"
		"   AND l.month = $2 AND l.status <> 'void')"
		" ORDER BY 6, e.id", "sss", program, month, a->region);
	if (rc < 0)
		goto fail;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		cands = xgrow(cands, &cap, n + 1, sizeof(*cands));
		struct cand *c = &cands[n++];
		c->enrollment = store_col_int64(st, 0);
		c->household = store_col_int64(st, 1);
		c->person = store_col_int64(st, 2);
		c->head = store_col_int64(st, 3);
		c->decided = store_col_int64(st, 4);
		snprintf(c->region, sizeof(c->region), "%s", store_col_text(st, 5));
		snprintf(c->area, sizeof(c->area), "%s", store_col_text(st, 6));
		c->members = store_col_int64(st, 7);
		snprintf(c->payee, sizeof(c->payee), "%s", store_col_text(st, 8));
		c->account_id = store_col_int64(st, 9);
		snprintf(c->bank, sizeof(c->bank), "%s", store_col_text(st, 10));
		snprintf(c->account, sizeof(c->account), "%s", store_col_text(st, 11));
	}
	store_finalize(st);
	if (rc < 0)
		goto fail;
	if (n == 0) {
		/* Nothing left to pay: nothing written. */
		if ((rc = store_commit(s, e)) < 0 ||
		    (rc = month_runs(s, a, program, month, &runs, e)) < 0)
			goto cleanup;
		*out = json_pack("{s:n, s:i, s:o}", "run", "added", 0, "runs", runs);
		goto cleanup;
	}
	clock_format_utc(clock_now(), now);
	if ((rc = store_int64(s, &id, e,
		"INSERT INTO payment_runs (program, month, region_code, status, generated_by,"
		" created_at, updated_at) VALUES ($1, $2, $3, 'generating', NULLIF($4, 0), $5, $5)"
		" RETURNING id", "sssis", program, month, a->region, a->user_id, now)) < 0)
		goto fail;
	if ((rc = income_prepare(s, &income, e)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		int64_t amount = 0;
		if ((rc = insert_line(s, pc, rule, &income, id, program, month, y, &cands[i],
				      now, &amount, e)) < 0) {
			if (rc == ERR_CONFLICT)
				rc = err_set(e, ERR_CONFLICT, NULL, "already_generated",
					     "该月的发放明细已由他人同时生成，请刷新后查看",
					     "the month's lines were generated meanwhile: reload");
			goto fail;
		}
		total += amount;
	}
	income_release(&income);
	memset(&income, 0, sizeof(income));
	if ((rc = store_execv(s, e, "UPDATE payment_runs SET lines = $1, total_fen = $2"
			      " WHERE id = $3", "iii", (int64_t)n, total, id)) < 0)
		goto fail;
	{
		struct payment_run_row r;
		struct wf_record w;
		const struct wf_transition *row = NULL;
		json_t *d = json_pack("{s:s, s:s, s:I, s:I}", "program", program, "month", month,
				      "lines", (json_int_t)n, "total_fen", (json_int_t)total);
		if ((rc = payment_run_load(s, id, &r, e)) == 0) {
			wf_record_of(&r, &w);
			if ((rc = workflow_check(&wf_payment_run, &w, a, "submit", NULL, &row, e)) == 0)
				rc = workflow_apply(s, &wf_payment_run, &w, a, row, NULL, d, e);
		}
		if (rc == 0)
			rc = audit_append(s, a, "payment.generate", "payment_run", id, a->region, d, e);
		json_decref(d);
		if (rc < 0)
			goto fail;
	}
	if ((rc = store_commit(s, e)) < 0)
		goto cleanup;
	*run_id = id;
	if ((rc = payment_run_get(s, a, id, &run, e)) < 0 ||
	    (rc = month_runs(s, a, program, month, &runs, e)) < 0) {
		json_decref(run);
		goto cleanup;
	}
	*out = json_pack("{s:o, s:I, s:o}", "run", run, "added", (json_int_t)n, "runs", runs);
	goto cleanup;
fail:
	income_release(&income);
	store_rollback(s);
cleanup:
	free(cands);
	return rc;
}

/* === approve, reject, pay === */

int payment_run_action(struct store *s, const struct actor *a, int64_t id,
		       const char *action, const char *reason,
		       const char *paid_date, struct err *e)
{
	struct payment_run_row r;
	struct wf_record w;
	const struct wf_transition *row = NULL;
	char now[21], day[11];
	int64_t dn;
	int rc;

	if ((rc = perm_require(a, PERM_PAYMENT_MANAGE, e)) < 0 ||
	    (rc = payment_run_load(s, id, &r, e)) < 0 ||
	    (rc = payment_require_scope(a, &r, e)) < 0)
		return rc;
	/* submit is generation's own step; reconcile comes with the return file. */
	if (action && (strcmp(action, "submit") == 0 || strcmp(action, "reconcile") == 0))
		return err_setf(e, ERR_CONFLICT, "action", "transition",
				"“%s”不能直接执行：生成时自动提交，对账请导入银行回盘",
				"“%s” is not done directly: generating submits, the bank's"
				" return file reconciles", action);
	/* Any other action: the workflow answers with what this state allows. */
	wf_record_of(&r, &w);
	if ((rc = workflow_check(&wf_payment_run, &w, a, action, reason, &row, e)) < 0)
		return rc;
	if (strcmp(action, "pay") != 0 && r.generated_by && r.generated_by == a->user_id)
		return err_set(e, ERR_FORBIDDEN, NULL, "maker_checker",
			       "生成人不能审批自己生成的发放批次，须由另一名管理员审批",
			       "the admin who generated a payment run cannot approve or reject it:"
			       " another admin must");
	if (reason && strlen(reason) > LIMIT_REASON_BYTES)
		return err_setf(e, ERR_INVALID, "reason", "length", "理由不能超过 %d 字节",
				"the reason is longer than %d bytes", LIMIT_REASON_BYTES);
	if (strcmp(action, "pay") == 0) {
		if (paid_date && *paid_date) {
			if (clock_parse_date(paid_date, &dn) < 0)
				return err_set(e, ERR_INVALID, "paid_date", "format",
					       "paid_date 须为 YYYY-MM-DD 格式的日期",
					       "paid_date must be a date YYYY-MM-DD");
			if (dn > clock_today_china())
				return err_set(e, ERR_INVALID, "paid_date", "future",
					       "拨付日期不能晚于今天", "paid_date is in the future");
		} else {
			dn = clock_today_china();
		}
		clock_format_date(dn, day);
	}
	clock_format_utc(clock_now(), now);
	json_t *d = json_pack("{s:s, s:s, s:I}", "program", r.program, "month", r.month,
			      "total_fen", (json_int_t)r.total_fen);
	if ((rc = store_begin(s, e)) < 0) {
		json_decref(d);
		return rc;
	}
	if (strcmp(action, "pay") == 0)
		json_object_set_new(d, "paid_date", json_string(day));
	rc = workflow_apply(s, &wf_payment_run, &w, a, row, reason, d, e);
	if (rc == 0 && strcmp(action, "approve") == 0)
		rc = store_execv(s, e, "UPDATE payment_runs SET approved_by = NULLIF($1, 0)"
				 " WHERE id = $2", "ii", a->user_id, id);
	else if (rc == 0 && strcmp(action, "reject") == 0) {
		rc = store_execv(s, e, "UPDATE payment_runs SET reject_reason = $1 WHERE id = $2",
				 "si", reason, id);
		if (rc == 0)
			rc = store_execv(s, e, "UPDATE payment_lines SET status = 'void',"
					 " updated_at = $1 WHERE run_id = $2 AND status = 'pending'",
					 "si", now, id);
	} else if (rc == 0)
		rc = store_execv(s, e, "UPDATE payment_runs SET paid_date = $1 WHERE id = $2",
				 "si", day, id);
	json_decref(d);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* === lines === */

#define LINE_COLUMNS \
	" l.id, l.run_id, l.enrollment_id, l.program, l.month, l.household_id," \
	" l.person_id, l.region_code, COALESCE(t.name, ''), COALESCE(v.name, '')," \
	" l.payee_name, COALESCE(p.id_number, ''), l.members, l.amount_fen, l.basis," \
	" l.bank, COALESCE(l.account_no, ''), l.status, l.paid_date, l.fail_reason," \
	" r.status, l.created_at"
#define LINE_FROM \
	" FROM payment_lines l JOIN payment_runs r ON r.id = l.run_id" \
	" LEFT JOIN persons p ON p.id = l.person_id" \
	" LEFT JOIN divisions t ON t.code = substr(l.region_code, 1, 9)" \
	" LEFT JOIN divisions v ON v.code = l.region_code"

static json_t *line_json(struct store_stmt *st, int full_account)
{
	char masked[19], acct[40];
	const char *no = store_col_text(st, 16);
	json_t *basis = json_loads(store_col_text(st, 14), 0, NULL);
	char town[10];

	idcard_mask(store_col_text(st, 11), masked);
	payment_mask_account(no, acct);
	snprintf(town, sizeof(town), "%.9s", store_col_text(st, 7));
	json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s,"
			      " s:s, s:I, s:I, s:o, s:o, s:o, s:b, s:s, s:o, s:o, s:s}",
		"id", (json_int_t)store_col_int64(st, 0),
		"run_id", (json_int_t)store_col_int64(st, 1),
		"enrollment_id", (json_int_t)store_col_int64(st, 2),
		"program", store_col_text(st, 3), "month", store_col_text(st, 4),
		"household_id", render_int_or_null(st, 5), "person_id", render_int_or_null(st, 6),
		"region_code", store_col_text(st, 7), "township_code", town,
		"township_name", store_col_text(st, 8), "village_name", store_col_text(st, 9),
		"payee_name", store_col_text(st, 10), "id_number_masked", masked,
		"members", (json_int_t)store_col_int64(st, 12),
		"amount_fen", (json_int_t)store_col_int64(st, 13),
		"basis", basis ? basis : json_object(),
		"bank", render_text_or_null(st, 15),
		"account_no_masked", *no ? json_string(acct) : json_null(),
		"no_account", *no == '\0',
		"status", store_col_text(st, 17),
		"paid_date", render_text_or_null(st, 18),
		"fail_reason", render_text_or_null(st, 19),
		"run_status", store_col_text(st, 20));
	if (o && full_account)
		json_object_set_new(o, "account_no", *no ? json_string(no) : json_null());
	return o;
}

static int lines_into(struct store_stmt *st, int full, json_t **items, struct err *e)
{
	int rc;
	*items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(*items, line_json(st, full));
	store_finalize(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	return 0;
}

int payment_lines_list(struct store *s, const struct actor *a, int64_t id,
		       const char *township, const char *status,
		       int64_t page, int64_t per_page, json_t **out,
		       struct err *e)
{
	struct payment_run_row r;
	struct store_stmt *st = NULL;
	const char *region;
	json_t *items = NULL;
	int64_t total = 0;
	int rc;

	if ((rc = perm_require(a, PERM_PAYMENT_READ, e)) < 0 ||
	    (rc = payment_run_load(s, id, &r, e)) < 0)
		return rc;
	if (township && *township && (rc = division_check(township, "township", e)) < 0)
		return rc;
	if (status && *status && !text_in_list(status, line_states))
		return err_set(e, ERR_INVALID, "status", "enum",
			       "status 须为 pending、paid、failed 或 void",
			       "status must be pending, paid, failed or void");
	region = perm_region_narrow(a, township && *township ? township : NULL);
	status = status && *status ? status : NULL;
#define LINE_WHERE " WHERE l.run_id = $1 AND substr(l.region_code, 1, length($2)) = $2" \
		   " AND ($3 IS NULL OR l.status = $3)"
	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM payment_lines l" LINE_WHERE,
			      "iss", id, region, status)) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT" LINE_COLUMNS LINE_FROM LINE_WHERE
			      " ORDER BY l.region_code, l.id LIMIT $4 OFFSET $5", "issii",
			      id, region, status, per_page, (page - 1) * per_page)) < 0)
		return rc;
#undef LINE_WHERE
	if ((rc = lines_into(st, perm_role_has(a->role, PERM_PAYMENT_MANAGE), &items, e)) < 0)
		return rc;
	*out = render_page(items, total, page, per_page);
	json_object_set_new(*out, "run_id", json_integer(id));
	json_object_set_new(*out, "scope_region", json_string(region));
	return 0;
}

/* === a household's payments and account === */

static int account_json(struct store *s, int64_t hh, int full, json_t **out,
			struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e,
		"SELECT id, bank, account_no, holder_name, holder_person_id, updated_at,"
		" (SELECT count(DISTINCT b2.household_id) FROM bank_accounts b2"
		"  WHERE b2.account_no = b.account_no)"
		" FROM bank_accounts b WHERE household_id = $1", "i", hh);
	if (rc < 0)
		return rc;
	*out = json_null();
	if ((rc = store_step(st, e)) == STORE_ROW) {
		char masked[40];
		payment_mask_account(store_col_text(st, 2), masked);
		json_decref(*out);
		*out = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:I}",
			"id", (json_int_t)store_col_int64(st, 0), "household_id", (json_int_t)hh,
			"bank", store_col_text(st, 1), "account_no_masked", masked,
			"holder_name", store_col_text(st, 3),
			"holder_person_id", render_int_or_null(st, 4),
			"updated_at", store_col_text(st, 5),
			"households_sharing", (json_int_t)store_col_int64(st, 6));
		if (full)
			json_object_set_new(*out, "account_no", json_string(store_col_text(st, 2)));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int payment_household(struct store *s, const struct actor *a,
		      int64_t household_id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	json_t *items = NULL, *acct = NULL, *it;
	char region[16];
	int64_t paid = 0;
	size_t i;
	int full = perm_role_has(a->role, PERM_PAYMENT_MANAGE), rc;

	if ((rc = perm_require(a, PERM_PAYMENT_READ, e)) < 0 ||
	    (rc = registry_household_region(s, a, household_id, "id", region, e)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e, "SELECT" LINE_COLUMNS LINE_FROM
			      " WHERE l.household_id = $1 ORDER BY l.month DESC, l.id DESC"
			      " LIMIT 600", "i", household_id)) < 0 ||
	    (rc = lines_into(st, full, &items, e)) < 0)
		return rc;
	if ((rc = account_json(s, household_id, full, &acct, e)) < 0) {
		json_decref(items);
		return rc;
	}
	json_array_foreach(items, i, it)
		if (strcmp(json_string_value(json_object_get(it, "status")), "paid") == 0)
			paid += json_integer_value(json_object_get(it, "amount_fen"));
	*out = json_pack("{s:I, s:s, s:o, s:o, s:I}", "household_id", (json_int_t)household_id,
			 "region_code", region, "bank_account", acct, "items", items,
			 "paid_total_fen", (json_int_t)paid);
	return 0;
}

int payment_set_account(struct store *s, const struct actor *a,
			int64_t household_id, json_t *body, json_t **out,
			struct err *e)
{
	static const char *const known[] = { "bank", "account_no", "holder_person_id", NULL };
	struct store_stmt *st = NULL;
	const char *bank = NULL, *raw = NULL;
	char region[16], no[40], holder[LIMIT_NAME_BYTES + 1] = "", now[21], masked[40];
	char before[40] = "";
	int64_t holder_id = 0, hh_of = 0;
	size_t n = 0;
	int rc;

	if ((rc = perm_require(a, PERM_HOUSEHOLD_WRITE, e)) < 0 ||
	    (rc = registry_household_region(s, a, household_id, "id", region, e)) < 0)
		return rc;
	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, NULL, "body", "请求体须为 JSON 对象",
			       "the body must be a JSON object");
	if ((rc = jsonx_only(body, known, e)) < 0 ||
	    (rc = jsonx_string(body, "bank", JSONX_REQUIRED, 120, &bank, e)) < 0 ||
	    (rc = jsonx_string(body, "account_no", JSONX_REQUIRED, 64, &raw, e)) < 0 ||
	    (rc = jsonx_int(body, "holder_person_id", JSONX_REQUIRED, 1, INT64_MAX,
			    &holder_id, e)) < 0)
		return rc;
	if (!bank[strspn(bank, " \t")])
		return err_set(e, ERR_INVALID, "bank", "required", "请填写开户银行",
			       "bank is required");
	for (const char *p = raw; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9')
			return err_set(e, ERR_INVALID, "account_no", "digits",
				       "银行账号只能由数字组成（12至30位）",
				       "account_no must be 12 to 30 digits");
		if (n < sizeof(no) - 1)
			no[n] = *p;
		n++;
	}
	if (n < 12 || n > 30)
		return err_set(e, ERR_INVALID, "account_no", "length",
			       "银行账号须为12至30位数字", "account_no must be 12 to 30 digits");
	no[n] = '\0';
	if ((rc = store_query(s, &st, e, "SELECT name, COALESCE(household_id, 0) FROM persons"
			      " WHERE id = $1", "i", holder_id)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		snprintf(holder, sizeof(holder), "%s", store_col_text(st, 0));
		hh_of = store_col_int64(st, 1);
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (hh_of != household_id)
		return err_set(e, ERR_INVALID, "holder_person_id", "member",
			       "账户持有人须为本户家庭成员",
			       "the account holder must be a member of the household");
	clock_format_utc(clock_now(), now);
	payment_mask_account(no, masked);
	if ((rc = store_begin(s, e)) < 0)
		return rc;
	if ((rc = store_query(s, &st, e, "SELECT account_no FROM bank_accounts WHERE"
			      " household_id = $1", "i", household_id)) == 0) {
		if ((rc = store_step(st, e)) == STORE_ROW)
			payment_mask_account(store_col_text(st, 0), before);
		store_finalize(st);
	}
	if (rc >= 0)
		rc = store_execv(s, e,
			"INSERT INTO bank_accounts (household_id, region_code, bank, account_no,"
			" holder_name, holder_person_id, created_at, updated_at) VALUES ($1, $2, $3,"
			" $4, $5, $6, $7, $7) ON CONFLICT (household_id) DO UPDATE SET"
			" region_code = excluded.region_code, bank = excluded.bank,"
			" account_no = excluded.account_no, holder_name = excluded.holder_name,"
			" holder_person_id = excluded.holder_person_id, updated_at = excluded.updated_at",
			"issssis", household_id, region, bank, no, holder, holder_id, now);
	if (rc >= 0) {
		json_t *d = json_pack("{s:s, s:s, s:I, s:o}", "bank", bank, "account_no_masked",
				      masked, "holder_person_id", (json_int_t)holder_id,
				      "previous_masked", before[0] ? json_string(before) : json_null());
		rc = audit_append(s, a, "household.bank_account", "household", household_id,
				  region, d, e);
		json_decref(d);
	}
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	if ((rc = store_commit(s, e)) < 0)
		return rc;
	if ((rc = account_json(s, household_id, 1, out, e)) < 0)
		return rc;
	return 0;
}
