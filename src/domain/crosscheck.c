/*
 * crosscheck.c - the supervision cross-checks (监督比对), see finding.h.
 *
 * Design: each check reads what it needs (registry, enrollments, payment
 * lines, department records, workflow events) into a list of candidate
 * findings first; nothing is written while a query is open.  Then every
 * candidate goes through put(): a subject_key not seen before is a new
 * finding (an event "create" in its history and an audit entry); a known
 * one that is still being worked (open, handed, checked) gets its evidence
 * and suspected amount refreshed when they changed (more payments made
 * after a death), audited "finding.update"; a decided one is left alone.
 * The whole run is one transaction; the run row keeps the counts per check.
 *
 * Department records are read from feed_records.data with jansson (no
 * SQL JSON functions: the SQL stays portable).  Money is integer fen.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "audit.h"
#include "program.h"
#include "relatives.h"
#include "workflow.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/text.h"
#include "../core/strbuf.h"
#include "../core/banned.h"

/* === pure helpers === */

static int parse_month(const char *s, int *y, int *m)
{
	char tail;
	if (!s || strlen(s) < 7 || s[4] != '-' || sscanf(s, "%4d-%2d%c", y, m, &tail) < 2)
		return -1;
	return *m >= 1 && *m <= 12 ? 0 : -1;
}

int crosscheck_month_after(const char *month, const char *date)
{
	int y1, m1, y2, m2;
	int64_t day;
	if (!month || strlen(month) != 7 || parse_month(month, &y1, &m1) < 0 ||
	    !date || clock_parse_date(date, &day) < 0 || parse_month(date, &y2, &m2) < 0)
		return 0;
	return y1 * 12 + m1 > y2 * 12 + m2;
}

void crosscheck_subject_key(char *out, size_t size, const char *check,
			    const char *a, const char *b)
{
	if (b && *b)
		snprintf(out, size, "%s:%s:%s", check, a ? a : "", b);
	else
		snprintf(out, size, "%s:%s", check, a ? a : "");
}

void crosscheck_yuan(int64_t fen, char *out, size_t size)
{
	char y[TEXT_YUAN_MAX];
	text_yuan(fen < 0 ? -fen : fen, 1, y);
	snprintf(out, size, "%s¥%s", fen < 0 ? "-" : "", y);
}

void crosscheck_township(const char *region, char out[10])
{
	if (!region || strlen(region) < 9) {
		out[0] = '\0';
		return;
	}
	memcpy(out, region, 9);
	out[9] = '\0';
}

/* === the run's state === */

struct cand {
	const char *check;
	char key[160];
	int64_t household, person;
	char region[13];
	char summary[1024];
	json_t *evidence;       /* owned */
	int64_t suspected;
	int create;             /* 0: only refresh an existing finding */
};

struct cc {
	struct store *s;
	const struct actor *a;  /* who acts (the system when the caller gave none) */
	struct actor system;
	const struct program_config *pc;
	const struct relative_config *rel;
	char as_of[11], now[21];
	int64_t run_id;
	struct cand *c;
	size_t n, cap;
	json_t *by_check;
	int64_t found, created;
	/* monitoring.json: what counts as an asset */
	json_t *vehicle_except;
	int64_t estate_threshold;
};

static struct cand *cand_new(struct cc *c, const char *check)
{
	c->c = xgrow(c->c, &c->cap, c->n + 1, sizeof(*c->c));
	struct cand *x = &c->c[c->n++];
	memset(x, 0, sizeof(*x));
	x->check = check;
	x->create = 1;
	x->evidence = json_array();
	return x;
}

static int oom(struct err *e)
{
	return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
}

static const char *program_label(struct cc *c, const char *code)
{
	const struct program *p = c->pc ? program_find(c->pc, code) : NULL;
	return p && p->name_zh[0] ? p->name_zh : code;
}

static void count(struct cc *c, const char *check, int found, int created)
{
	json_t *o = json_object_get(c->by_check, check);
	if (!o) {
		o = json_pack("{s:I, s:I}", "found", (json_int_t)0, "new", (json_int_t)0);
		json_object_set_new(c->by_check, check, o);
	}
	json_object_set_new(o, "found", json_integer(json_integer_value(json_object_get(o, "found")) + found));
	json_object_set_new(o, "new", json_integer(json_integer_value(json_object_get(o, "new")) + created));
}

/* A department record as evidence. */
static json_t *feed_evidence(int64_t id, const char *feed, int64_t batch, int64_t line,
			     const char *data)
{
	json_t *fields = json_loads(data, 0, NULL);
	return json_pack("{s:s, s:I, s:s, s:I, s:I, s:o}", "kind", "feed_record",
			 "id", (json_int_t)id, "feed", feed, "batch_id", (json_int_t)batch,
			 "line", (json_int_t)line, "fields", fields ? fields : json_object());
}

static int feed_record(struct cc *c, int64_t id, json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(c->s, &st, e, "SELECT feed, batch_id, line, data FROM"
			     " feed_records WHERE id = $1", "i", id);
	if (rc < 0)
		return rc;
	*out = NULL;
	if ((rc = store_step(st, e)) == STORE_ROW)
		*out = feed_evidence(id, store_col_text(st, 0), store_col_int64(st, 1),
				     store_col_int64(st, 2), store_col_text(st, 3));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The household's live enrollments as evidence; *labels gets "最低生活保障、…". */
static int enrollments_of(struct cc *c, int64_t household, json_t *ev,
			  char *labels, size_t size, struct err *e)
{
	struct store_stmt *st = NULL;
	size_t used = 0;
	int rc = store_query(c->s, &st, e, "SELECT id, program, amount_fen, start_month,"
			     " status, person_id, region_code FROM enrollments WHERE"
			     " household_id = $1 AND status IN ('active', 'suspended')"
			     " ORDER BY id", "i", household);
	if (rc < 0)
		return rc;
	if (labels)
		labels[0] = '\0';
	while ((rc = store_step(st, e)) == STORE_ROW) {
		json_array_append_new(ev, json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:s}",
			"kind", "enrollment", "id", (json_int_t)store_col_int64(st, 0),
			"program", store_col_text(st, 1),
			"amount_fen", (json_int_t)store_col_int64(st, 2),
			"start_month", store_col_text(st, 3), "status", store_col_text(st, 4),
			"household_id", (json_int_t)household,
			"person_id", (json_int_t)store_col_int64(st, 5),
			"region_code", store_col_text(st, 6)));
		if (labels && used + 1 < size) {
			int k = snprintf(labels + used, size - used, "%s%s", used ? "、" : "",
					 program_label(c, store_col_text(st, 1)));
			if (k > 0)
				used += (size_t)k < size - used ? (size_t)k : size - used - 1;
		}
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* === writing === */

static int finding_event(struct cc *c, int64_t id, const struct cand *x,
			 const char *action, const char *from, const char *to,
			 json_t *detail, struct err *e)
{
	struct wf_record r = { .id = id, .state = from, .region_code = x->region,
			       .household_id = x->household };
	return workflow_event(c->s, "finding", &r, c->a, action, to, NULL, detail, e);
}

static int put(struct cc *c, struct cand *x, struct err *e)
{
	struct store_stmt *st = NULL;
	char status[16] = "", *ev_new = NULL, *ev_old = NULL;
	int64_t id = 0, old_suspected = 0;
	int rc;

	rc = store_query(c->s, &st, e, "SELECT id, status, evidence, suspected_fen FROM"
			 " findings WHERE subject_key = $1", "s", x->key);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		id = store_col_int64(st, 0);
		snprintf(status, sizeof(status), "%s", store_col_text(st, 1));
		ev_old = strdup(store_col_text(st, 2));
		old_suspected = store_col_int64(st, 3);
	}
	store_finalize(st);
	if (rc < 0)
		goto out;
	rc = 0;
	ev_new = json_dumps(x->evidence, JSON_COMPACT);
	if (!ev_new) {
		rc = oom(e);
		goto out;
	}
	if (id == 0) {
		if (!x->create)
			goto out;
		rc = store_int64(c->s, &id, e,
			"INSERT INTO findings (check_id, subject_key, run_id, household_id,"
			" person_id, region_code, status, summary, evidence, suspected_fen,"
			" created_at, updated_at) VALUES ($1, $2, $3, NULLIF($4, 0),"
			" NULLIF($5, 0), $6, 'open', $7, $8, $9, $10, $10) RETURNING id",
			"ssiiisssis", x->check, x->key, c->run_id, x->household, x->person,
			x->region, x->summary, ev_new, x->suspected, c->now);
		if (rc < 0)
			goto out;
		json_t *d = json_pack("{s:s, s:s, s:I, s:I}", "check_id", x->check,
				      "subject_key", x->key, "suspected_fen",
				      (json_int_t)x->suspected, "run_id", (json_int_t)c->run_id);
		rc = finding_event(c, id, x, "create", NULL, "open", d, e);
		if (rc == 0)
			rc = audit_append(c->s, c->a, "finding.create", "finding", id,
					  x->region, d, e);
		json_decref(d);
		if (rc == 0)
			c->created++;
		if (rc == 0)
			count(c, x->check, 0, 1);
		goto out;
	}
	/* Known: refresh while it is still being worked on. */
	if (strcmp(status, "open") && strcmp(status, "handed") && strcmp(status, "checked"))
		goto out;
	if (old_suspected == x->suspected && ev_old && strcmp(ev_old, ev_new) == 0)
		goto out;
	rc = store_execv(c->s, e, "UPDATE findings SET evidence = $1, suspected_fen = $2,"
			 " summary = $3, updated_at = $4 WHERE id = $5", "sissi", ev_new,
			 x->suspected, x->summary, c->now, id);
	if (rc == 0) {
		json_t *d = json_pack("{s:I, s:I, s:I}", "suspected_fen_before",
				      (json_int_t)old_suspected, "suspected_fen",
				      (json_int_t)x->suspected, "run_id", (json_int_t)c->run_id);
		rc = finding_event(c, id, x, "update", status, status, d, e);
		if (rc == 0)
			rc = audit_append(c->s, c->a, "finding.update", "finding", id,
					  x->region, d, e);
		json_decref(d);
	}
out:
	free(ev_new);
	free(ev_old);
	return rc;
}

/* === 1 relative_unfiled === */

struct hitlist {
	struct relative_hit *h;
	size_t n, cap;
};

static int collect_hit(const struct relative_hit *h, void *ctx)
{
	struct hitlist *l = ctx;
	l->h = xgrow(l->h, &l->cap, l->n + 1, sizeof(*l->h));
	l->h[l->n++] = *h;
	return 0;
}

static int filing_evidence(struct cc *c, int64_t filing_id, json_t *ev, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(c->s, &st, e, "SELECT id, household_id, staff_id_number,"
			     " staff_name, relation, filed_at, visit_date FROM filings"
			     " WHERE id = $1", "i", filing_id);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW)
		json_array_append_new(ev, json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:s}",
			"kind", "filing", "id", (json_int_t)store_col_int64(st, 0),
			"household_id", (json_int_t)store_col_int64(st, 1),
			"staff_id_number", store_col_text(st, 2), "staff_name", store_col_text(st, 3),
			"relation", store_col_text(st, 4), "filed_at", store_col_text(st, 5),
			"visit_date", store_col_is_null(st, 6) ? json_null()
				: json_string(store_col_text(st, 6)),
			"note", "发现后补办备案 filed after the finding"));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int check_relative_unfiled(struct cc *c, struct err *e)
{
	struct hitlist l = { 0 };
	char hh[24], labels[256];
	int rc = relatives_enrolled_hits(c->s, c->rel, "", collect_hit, &l, e);

	if (rc < 0) {
		free(l.h);
		return rc;
	}
	rc = 0;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		const struct relative_hit *h = &l.h[i];
		struct cand *x = cand_new(c, "relative_unfiled");
		json_t *rec = NULL;
		snprintf(hh, sizeof(hh), "%" PRId64, h->household_id);
		crosscheck_subject_key(x->key, sizeof(x->key), x->check, hh, h->staff_id_number);
		x->household = h->household_id;
		x->person = h->relative_person_id;
		snprintf(x->region, sizeof(x->region), "%s", h->region_code);
		x->create = h->filing_id == 0;
		if ((rc = feed_record(c, h->feed_record_id, &rec, e)) < 0)
			break;
		if (rec)
			json_array_append_new(x->evidence, rec);
		if ((rc = enrollments_of(c, h->household_id, x->evidence, labels,
					 sizeof(labels), e)) < 0)
			break;
		if (h->filing_id && (rc = filing_evidence(c, h->filing_id, x->evidence, e)) < 0)
			break;
		snprintf(x->summary, sizeof(x->summary),
			 "%s干部%s（%s）家庭享受%s，未备案", h->staff_unit, h->staff_name,
			 h->relation_word, labels[0] ? labels : "救助");
		if (h->filing_id == 0) {
			c->found++;
			count(c, x->check, 1, 0);
		}
	}
	free(l.h);
	return rc;
}

/* === payment lines === */

#define LIVE_LINE \
	" (l.status = 'paid' OR (l.status = 'pending' AND r.status IN ('approved', 'paid')))"

static json_t *line_json(struct store_stmt *st)
{
	/* columns: id, run_id, month, amount_fen, paid_date, status, enrollment_id,
	 * program, payee_name, household_id */
	return json_pack("{s:s, s:I, s:I, s:s, s:I, s:o, s:s, s:I, s:s, s:s, s:I}",
		"kind", "payment_line", "id", (json_int_t)store_col_int64(st, 0),
		"run_id", (json_int_t)store_col_int64(st, 1), "month", store_col_text(st, 2),
		"amount_fen", (json_int_t)store_col_int64(st, 3),
		"paid_date", store_col_is_null(st, 4) ? json_null() : json_string(store_col_text(st, 4)),
		"status", store_col_text(st, 5),
		"enrollment_id", (json_int_t)store_col_int64(st, 6),
		"program", store_col_text(st, 7), "payee_name", store_col_text(st, 8),
		"household_id", (json_int_t)store_col_int64(st, 9));
}

#define LINE_COLUMNS \
	" l.id, l.run_id, l.month, l.amount_fen, l.paid_date, l.status," \
	" l.enrollment_id, l.program, l.payee_name, COALESCE(l.household_id, 0)"

/* === 2 paid_after_death === */

struct death {
	int64_t rec, batch, line, person, household;
	char feed_data[1024], date[11], name[97], region[13];
};

static int check_paid_after_death(struct cc *c, struct err *e)
{
	struct store_stmt *st = NULL;
	struct death *d = NULL;
	size_t n = 0, cap = 0;
	int rc = store_query(c->s, &st, e,
		"SELECT f.id, f.batch_id, f.line, f.data, f.event_date, p.id,"
		" COALESCE(p.household_id, 0), p.name, p.region_code"
		" FROM feed_records f JOIN persons p ON p.id_number = f.id_number"
		" WHERE f.feed = 'deaths' AND f.event_date IS NOT NULL AND f.event_date <= $1"
		"   AND (EXISTS (SELECT 1 FROM payment_lines l WHERE l.person_id = p.id)"
		"     OR EXISTS (SELECT 1 FROM payment_lines l WHERE l.household_id = p.household_id))"
		" ORDER BY f.id", "s", c->as_of);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		d = xgrow(d, &cap, n + 1, sizeof(*d));
		struct death *x = &d[n++];
		x->rec = store_col_int64(st, 0);
		x->batch = store_col_int64(st, 1);
		x->line = store_col_int64(st, 2);
		snprintf(x->feed_data, sizeof(x->feed_data), "%s", store_col_text(st, 3));
		snprintf(x->date, sizeof(x->date), "%s", store_col_text(st, 4));
		x->person = store_col_int64(st, 5);
		x->household = store_col_int64(st, 6);
		snprintf(x->name, sizeof(x->name), "%s", store_col_text(st, 7));
		snprintf(x->region, sizeof(x->region), "%s", store_col_text(st, 8));
	}
	store_finalize(st);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		struct death *x = &d[i];
		struct cand *cur = NULL;
		int64_t cur_enr = 0, months = 0;
		char month[8];
		snprintf(month, sizeof(month), "%.7s", x->date);
		rc = store_query(c->s, &st, e,
			"SELECT" LINE_COLUMNS ", l.region_code FROM payment_lines l"
			" JOIN payment_runs r ON r.id = l.run_id"
			" JOIN enrollments en ON en.id = l.enrollment_id"
			" WHERE (l.person_id = $1 OR en.person_id = $1 OR (l.household_id = $2"
			"   AND (SELECT count(*) FROM persons WHERE household_id = $2) = 1))"
			"   AND l.month > $3 AND" LIVE_LINE
			" ORDER BY l.enrollment_id, l.month, l.id", "iis", x->person,
			x->household, month);
		if (rc < 0)
			break;
		while ((rc = store_step(st, e)) == STORE_ROW) {
			int64_t enr = store_col_int64(st, 6);
			if (!crosscheck_month_after(store_col_text(st, 2), x->date))
				continue;
			if (!cur || enr != cur_enr) {
				char pid[24], eid[24];
				cur = cand_new(c, "paid_after_death");
				cur_enr = enr;
				months = 0;
				snprintf(pid, sizeof(pid), "%" PRId64, x->person);
				snprintf(eid, sizeof(eid), "%" PRId64, enr);
				crosscheck_subject_key(cur->key, sizeof(cur->key), cur->check, pid, eid);
				cur->household = store_col_int64(st, 9) ? store_col_int64(st, 9) : x->household;
				cur->person = x->person;
				snprintf(cur->region, sizeof(cur->region), "%s", store_col_text(st, 10));
				json_array_append_new(cur->evidence, feed_evidence(x->rec, "deaths",
						      x->batch, x->line, x->feed_data));
				snprintf(cur->summary, sizeof(cur->summary), "%s", store_col_text(st, 7));
			}
			json_array_append_new(cur->evidence, line_json(st));
			cur->suspected += store_col_int64(st, 3);
			months++;
			char yuan[48], program[64];
			crosscheck_yuan(cur->suspected, yuan, sizeof(yuan));
			/* the program code was kept in summary until the first rewrite */
			snprintf(program, sizeof(program), "%s", store_col_text(st, 7));
			char died[24];
			clock_date_zh(x->date, died);
			snprintf(cur->summary, sizeof(cur->summary),
				 "%s于%s死亡，此后仍发放%s%" PRId64 "个月，共%s",
				 x->name, died, program_label(c, program), months, yuan);
		}
		store_finalize(st);
	}
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->c[i].check, "paid_after_death") == 0) {
			c->found++;
			count(c, "paid_after_death", 1, 0);
		}
	free(d);
	return rc < 0 ? rc : 0;
}

/* === 3 asset_while_paid === */

struct asset {
	int64_t rec, batch, line, person, household;
	char feed[24], data[1024], date[11], name[97];
};

static int cmp_asset(const void *a, const void *b)
{
	const struct asset *x = a, *y = b;
	if (x->household != y->household)
		return x->household < y->household ? -1 : 1;
	int k = strcmp(x->date, y->date);
	if (k)
		return k;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static const char *field(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* The lines of a household for months from the asset's registration on. */
static int asset_finding(struct cc *c, const struct asset *x, const char *what,
			 int64_t first_rec, json_t *extra, struct err *e)
{
	struct store_stmt *st = NULL;
	struct cand *cand = NULL;
	char month[8], hh[24], rec[24], yuan[48], labels[256] = "";
	int64_t sum = 0, n = 0;
	int rc;

	snprintf(month, sizeof(month), "%.7s", x->date);
	rc = store_query(c->s, &st, e, "SELECT" LINE_COLUMNS ", l.region_code FROM"
			 " payment_lines l JOIN payment_runs r ON r.id = l.run_id"
			 " WHERE l.household_id = $1 AND l.month >= $2 AND" LIVE_LINE
			 " ORDER BY l.month, l.id", "is", x->household, month);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		if (!cand) {
			cand = cand_new(c, "asset_while_paid");
			snprintf(hh, sizeof(hh), "%" PRId64, x->household);
			snprintf(rec, sizeof(rec), "%" PRId64, first_rec);
			crosscheck_subject_key(cand->key, sizeof(cand->key), cand->check, hh, rec);
			cand->household = x->household;
			cand->person = x->person;
			snprintf(cand->region, sizeof(cand->region), "%s", store_col_text(st, 10));
			if (extra)
				json_array_extend(cand->evidence, extra);
		}
		json_array_append_new(cand->evidence, line_json(st));
		sum += store_col_int64(st, 3);
		n++;
		if (!strstr(labels, store_col_text(st, 7)) && strlen(labels) + 40 < sizeof(labels)) {
			size_t u = strlen(labels);
			snprintf(labels + u, sizeof(labels) - u, "%s%s", u ? "," : "",
				 store_col_text(st, 7));
		}
	}
	store_finalize(st);
	if (rc < 0 || !cand)
		return rc < 0 ? rc : 0;
	cand->suspected = sum;
	crosscheck_yuan(sum, yuan, sizeof(yuan));
	char registered[24];
	clock_date_zh(x->date, registered);
	snprintf(cand->summary, sizeof(cand->summary),
		 "%s名下%s（%s登记），登记后仍发放救助%" PRId64 "笔，共%s",
		 x->name, what, registered, n, yuan);
	c->found++;
	count(c, "asset_while_paid", 1, 0);
	return 0;
}

static int in_except(struct cc *c, const char *type)
{
	size_t i;
	json_t *v;
	json_array_foreach(c->vehicle_except, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), type) == 0)
			return 1;
	return 0;
}

static int check_asset_while_paid(struct cc *c, struct err *e)
{
	struct store_stmt *st = NULL;
	struct asset *a = NULL;
	size_t n = 0, cap = 0;
	int rc = store_query(c->s, &st, e,
		"SELECT f.id, f.feed, f.batch_id, f.line, f.data, COALESCE(f.event_date, ''),"
		" p.id, p.household_id, p.name FROM feed_records f"
		" JOIN persons p ON p.id_number = f.id_number"
		" WHERE f.feed IN ('vehicles', 'companies', 'real_estate')"
		"   AND (f.event_date IS NULL OR f.event_date <= $1)"
		"   AND p.household_id IN (SELECT l.household_id FROM payment_lines l"
		"     JOIN payment_runs r ON r.id = l.run_id WHERE" LIVE_LINE ")"
		" ORDER BY f.id", "s", c->as_of);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		a = xgrow(a, &cap, n + 1, sizeof(*a));
		struct asset *x = &a[n++];
		x->rec = store_col_int64(st, 0);
		snprintf(x->feed, sizeof(x->feed), "%s", store_col_text(st, 1));
		x->batch = store_col_int64(st, 2);
		x->line = store_col_int64(st, 3);
		snprintf(x->data, sizeof(x->data), "%s", store_col_text(st, 4));
		snprintf(x->date, sizeof(x->date), "%s", store_col_text(st, 5));
		x->person = store_col_int64(st, 6);
		x->household = store_col_int64(st, 7);
		snprintf(x->name, sizeof(x->name), "%s", store_col_text(st, 8));
	}
	store_finalize(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (n > 1)
		qsort(a, n, sizeof(*a), cmp_asset);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct asset *x = &a[i];
		json_t *f = json_loads(x->data, 0, NULL), *ev = json_array();
		char what[256];
		if (strcmp(x->feed, "vehicles") == 0 && !in_except(c, field(f, "vehicle_type"))) {
			snprintf(what, sizeof(what), "登记机动车%s（%s）", field(f, "plate"),
				 field(f, "vehicle_type"));
			json_array_append_new(ev, feed_evidence(x->rec, x->feed, x->batch, x->line, x->data));
			rc = asset_finding(c, x, what, x->rec, ev, e);
		} else if (strcmp(x->feed, "companies") == 0) {
			snprintf(what, sizeof(what), "登记企业%s（%s）", field(f, "company"),
				 field(f, "role"));
			json_array_append_new(ev, feed_evidence(x->rec, x->feed, x->batch, x->line, x->data));
			rc = asset_finding(c, x, what, x->rec, ev, e);
		} else if (strcmp(x->feed, "real_estate") == 0 &&
			   strcmp(field(f, "use"), "residential") == 0) {
			/* The household's residential records up to this one, in date
			 * order: the one that reaches the threshold raises it. */
			int64_t k = 0;
			for (size_t j = 0; j <= i; j++) {
				if (a[j].household != x->household || strcmp(a[j].feed, "real_estate"))
					continue;
				json_t *g = json_loads(a[j].data, 0, NULL);
				if (strcmp(field(g, "use"), "residential") == 0) {
					k++;
					json_array_append_new(ev, feed_evidence(a[j].rec, a[j].feed,
						a[j].batch, a[j].line, a[j].data));
				}
				json_decref(g);
			}
			if (k == c->estate_threshold) {
				snprintf(what, sizeof(what), "住宅达到 %" PRId64 " 套", k);
				rc = asset_finding(c, x, what, x->rec, ev, e);
			}
		}
		json_decref(ev);
		json_decref(f);
	}
out:
	free(a);
	return rc < 0 ? rc : 0;
}

/* === 4 duplicate_enrollment === */

static int check_duplicate_enrollment(struct cc *c, struct err *e)
{
	struct store_stmt *st = NULL;
	struct cand *cur = NULL;
	int64_t cur_person = 0;
	char cur_program[24] = "";
	int rc = store_query(c->s, &st, e,
		"SELECT en.id, en.program, en.person_id, en.household_id, en.region_code,"
		" en.amount_fen, en.start_month, en.status, p.name"
		" FROM enrollments en JOIN persons p ON p.id = en.person_id"
		" JOIN (SELECT person_id, program FROM enrollments"
		"   WHERE status IN ('active', 'suspended') AND person_id IS NOT NULL"
		"   GROUP BY person_id, program HAVING count(*) > 1) d"
		"   ON d.person_id = en.person_id AND d.program = en.program"
		" WHERE en.status IN ('active', 'suspended')"
		" ORDER BY en.person_id, en.program, en.id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		int64_t person = store_col_int64(st, 2);
		const char *program = store_col_text(st, 1);
		if (!cur || person != cur_person || strcmp(program, cur_program)) {
			char pid[24];
			cur = cand_new(c, "duplicate_enrollment");
			cur_person = person;
			snprintf(cur_program, sizeof(cur_program), "%s", program);
			snprintf(pid, sizeof(pid), "%" PRId64, person);
			crosscheck_subject_key(cur->key, sizeof(cur->key), cur->check, pid, program);
			cur->person = person;
			cur->household = store_col_int64(st, 3);
			snprintf(cur->region, sizeof(cur->region), "%s", store_col_text(st, 4));
			snprintf(cur->summary, sizeof(cur->summary), "%s同时有多条%s救助记录",
				 store_col_text(st, 8), program_label(c, program));
			c->found++;
			count(c, cur->check, 1, 0);
		}
		json_array_append_new(cur->evidence, json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:s}",
			"kind", "enrollment", "id", (json_int_t)store_col_int64(st, 0),
			"program", program, "amount_fen", (json_int_t)store_col_int64(st, 5),
			"start_month", store_col_text(st, 6), "status", store_col_text(st, 7),
			"household_id", (json_int_t)store_col_int64(st, 3),
			"person_id", (json_int_t)person, "region_code", store_col_text(st, 4)));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* === 5 shared_account === */

/* The deepest division level (6, 9 or 12 digits) both codes share. */
static void common_region(char *acc, const char *r)
{
	static const size_t levels[] = { 12, 9, 6 };
	if (!acc[0]) {
		snprintf(acc, 13, "%s", r);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		if (strlen(acc) >= levels[i] && strlen(r) >= levels[i] &&
		    strncmp(acc, r, levels[i]) == 0) {
			acc[levels[i]] = '\0';
			return;
		}
	}
	acc[6] = '\0';
}

static int check_shared_account(struct cc *c, struct err *e)
{
	struct store_stmt *st = NULL;
	struct cand *cur = NULL;
	char cur_no[64] = "";
	int64_t households = 0;
	int related = 0;
	int rc = store_query(c->s, &st, e,
		"SELECT b.id, b.account_no, b.household_id, b.bank, b.holder_name,"
		" COALESCE(b.holder_person_id, 0), h.region_code,"
		" (SELECT count(*) FROM bank_accounts o JOIN persons hp ON hp.id = o.holder_person_id"
		"   WHERE o.account_no = b.account_no AND o.household_id <> b.household_id"
		"   AND hp.household_id = b.household_id)"
		" FROM bank_accounts b JOIN households h ON h.id = b.household_id"
		" WHERE b.account_no IN (SELECT account_no FROM bank_accounts GROUP BY"
		"   account_no HAVING count(DISTINCT household_id) > 1)"
		" ORDER BY b.account_no, b.household_id", "");
	if (rc < 0)
		return rc;
	for (;;) {
		rc = store_step(st, e);
		const char *no = rc == STORE_ROW ? store_col_text(st, 1) : NULL;
		if (cur && (!no || strcmp(no, cur_no))) {
			/* close the previous account: related households are no finding */
			if (related || households < 2) {
				json_decref(cur->evidence);
				c->n--;
			} else {
				c->found++;
				count(c, "shared_account", 1, 0);
			}
			cur = NULL;
		}
		if (rc != STORE_ROW)
			break;
		if (!cur) {
			cur = cand_new(c, "shared_account");
			snprintf(cur_no, sizeof(cur_no), "%s", no);
			crosscheck_subject_key(cur->key, sizeof(cur->key), cur->check, no, NULL);
			cur->household = store_col_int64(st, 2);
			households = 0;
			related = 0;
			char tail[8];
			size_t len = strlen(no);
			snprintf(tail, sizeof(tail), "%s", len > 4 ? no + len - 4 : no);
			snprintf(cur->summary, sizeof(cur->summary),
				 "同一银行账户（尾号%s）为多个无共同成员的家庭领取救助", tail);
		}
		households++;
		related |= store_col_int64(st, 7) > 0;
		common_region(cur->region, store_col_text(st, 6));
		json_array_append_new(cur->evidence, json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s}",
			"kind", "bank_account", "id", (json_int_t)store_col_int64(st, 0),
			"household_id", (json_int_t)store_col_int64(st, 2),
			"account_no", no, "bank", store_col_text(st, 3),
			"holder_name", store_col_text(st, 4),
			"holder_person_id", (json_int_t)store_col_int64(st, 5),
			"region_code", store_col_text(st, 6)));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* === 6 self_decision === */

struct staffer {
	int64_t user_id;
	char username[64], id_number[19], display[96];
};

struct link {
	int64_t user_id, rec, batch, line, household;
	char username[64], data[1024], region[13], relation[33], staff_name[97];
};

static int check_self_decision(struct cc *c, struct err *e)
{
	struct store_stmt *st = NULL;
	struct staffer *u = NULL;
	struct link *lk = NULL;
	size_t nu = 0, capu = 0, nl = 0, capl = 0;
	int rc = store_query(c->s, &st, e, "SELECT id, username, id_number, display_name"
			     " FROM users WHERE id_number IS NOT NULL AND id_number <> ''"
			     " ORDER BY id", "");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		u = xgrow(u, &capu, nu + 1, sizeof(*u));
		struct staffer *p = &u[nu++];
		p->user_id = store_col_int64(st, 0);
		snprintf(p->username, sizeof(p->username), "%s", store_col_text(st, 1));
		snprintf(p->id_number, sizeof(p->id_number), "%s", store_col_text(st, 2));
		snprintf(p->display, sizeof(p->display), "%s", store_col_text(st, 3));
	}
	store_finalize(st);
	/* Their register records whose relative lives in a household. */
	for (size_t i = 0; rc >= 0 && i < nu; i++) {
		char like[32];
		snprintf(like, sizeof(like), "%%%s%%", u[i].id_number);
		rc = store_query(c->s, &st, e,
			"SELECT f.id, f.batch_id, f.line, f.data, p.household_id, h.region_code"
			" FROM feed_records f JOIN persons p ON p.id_number = f.id_number"
			" JOIN households h ON h.id = p.household_id"
			" WHERE f.feed = 'staff_relatives' AND f.data LIKE $1 ORDER BY f.id",
			"s", like);
		if (rc < 0)
			break;
		while ((rc = store_step(st, e)) == STORE_ROW) {
			json_t *f = json_loads(store_col_text(st, 3), 0, NULL);
			const char *word = field(f, "relation");
			if (strcmp(field(f, "staff_id_number"), u[i].id_number) != 0 ||
			    !relatives_canonical(c->rel, word)) {
				json_decref(f);
				continue;
			}
			lk = xgrow(lk, &capl, nl + 1, sizeof(*lk));
			struct link *x = &lk[nl++];
			x->user_id = u[i].user_id;
			snprintf(x->username, sizeof(x->username), "%s", u[i].username);
			x->rec = store_col_int64(st, 0);
			x->batch = store_col_int64(st, 1);
			x->line = store_col_int64(st, 2);
			snprintf(x->data, sizeof(x->data), "%s", store_col_text(st, 3));
			x->household = store_col_int64(st, 4);
			snprintf(x->region, sizeof(x->region), "%s", store_col_text(st, 5));
			snprintf(x->relation, sizeof(x->relation), "%s", word);
			snprintf(x->staff_name, sizeof(x->staff_name), "%s",
				 field(f, "staff_name")[0] ? field(f, "staff_name") : u[i].display);
			json_decref(f);
		}
		store_finalize(st);
	}
	/* The referral decisions those users took on those households. */
	for (size_t i = 0; rc >= 0 && i < nl; i++) {
		struct link *x = &lk[i];
		struct cand *cur = NULL;
		int64_t cur_ref = 0;
		rc = store_query(c->s, &st, e,
			"SELECT ev.id, ev.entity_id, ev.action, ev.from_state, ev.to_state,"
			" ev.username, ev.at, ev.region_code, COALESCE(rf.program, '')"
			" FROM events ev LEFT JOIN referrals rf ON rf.id = ev.entity_id"
			" WHERE ev.entity = 'referral' AND ev.household_id = $1"
			"   AND ev.action IN ('survey', 'opinion', 'publish_notice', 'approve',"
			"     'reject', 'return')"
			"   AND (ev.user_id = $2 OR (ev.user_id IS NULL AND ev.username = $3))"
			" ORDER BY ev.entity_id, ev.id", "iis", x->household, x->user_id,
			x->username);
		if (rc < 0)
			break;
		while ((rc = store_step(st, e)) == STORE_ROW) {
			int64_t ref = store_col_int64(st, 1);
			if (!cur || ref != cur_ref) {
				char rid[24], uid[24];
				cur = cand_new(c, "self_decision");
				cur_ref = ref;
				snprintf(rid, sizeof(rid), "%" PRId64, ref);
				snprintf(uid, sizeof(uid), "%" PRId64, x->user_id);
				crosscheck_subject_key(cur->key, sizeof(cur->key), cur->check, rid, uid);
				cur->household = x->household;
				snprintf(cur->region, sizeof(cur->region), "%s", x->region);
				json_array_append_new(cur->evidence, feed_evidence(x->rec,
					"staff_relatives", x->batch, x->line, x->data));
				snprintf(cur->summary, sizeof(cur->summary),
					 "%s（账号 %s）办理了其近亲属（%s）家庭的%s申请",
					 x->staff_name, x->username, x->relation,
					 program_label(c, store_col_text(st, 8)));
				c->found++;
				count(c, cur->check, 1, 0);
			}
			json_array_append_new(cur->evidence, json_pack("{s:s, s:I, s:s, s:I, s:s, s:o, s:s, s:I, s:s, s:s}",
				"kind", "event", "id", (json_int_t)store_col_int64(st, 0),
				"entity", "referral", "entity_id", (json_int_t)ref,
				"action", store_col_text(st, 2),
				"from_state", store_col_is_null(st, 3) ? json_null()
					: json_string(store_col_text(st, 3)),
				"to_state", store_col_text(st, 4), "user_id", (json_int_t)x->user_id,
				"username", store_col_text(st, 5), "at", store_col_text(st, 6)));
		}
		store_finalize(st);
	}
	free(u);
	free(lk);
	return rc < 0 ? rc : 0;
}

/* === configuration: what counts as an asset (config/monitoring.json) === */

static void load_asset_rules(struct cc *c, const char *config_dir)
{
	char path[4200];
	json_t *doc, *rules, *r;
	size_t i;

	c->vehicle_except = json_pack("[s]", "motor_wheelchair");
	c->estate_threshold = 2;
	if (!config_dir)
		return;
	snprintf(path, sizeof(path), "%s/monitoring.json", config_dir);
	doc = json_load_file(path, 0, NULL);
	rules = json_object_get(doc, "rules");
	json_array_foreach(rules, i, r) {
		const char *kind = json_string_value(json_object_get(r, "kind"));
		if (!kind)
			continue;
		if (strcmp(kind, "vehicle") == 0 && json_is_array(json_object_get(r, "except"))) {
			json_decref(c->vehicle_except);
			c->vehicle_except = json_deep_copy(json_object_get(r, "except"));
		} else if (strcmp(kind, "real_estate") == 0 &&
			   json_integer_value(json_object_get(r, "threshold")) > 0)
			c->estate_threshold = json_integer_value(json_object_get(r, "threshold"));
	}
	json_decref(doc);
}

/* === the run === */

/* The checks, in the order they run and are shown. */
static const struct {
	const char *id, *label_zh, *label_en;
	int (*run)(struct cc *c, struct err *e);
} checks[] = {
	{ "relative_unfiled", "干部近亲属享受救助未备案",
	  "staff relatives drawing assistance, not filed", check_relative_unfiled },
	{ "paid_after_death", "死亡后仍在发放", "paid after death", check_paid_after_death },
	{ "asset_while_paid", "有车辆、企业或多套房产仍在领取",
	  "paid while holding a vehicle, company or extra real estate", check_asset_while_paid },
	{ "duplicate_enrollment", "同一人重复纳入同一项目",
	  "one person enrolled twice in a program", check_duplicate_enrollment },
	{ "shared_account", "无关联家庭共用一个银行账户",
	  "one bank account for unrelated households", check_shared_account },
	{ "self_decision", "经办人审批本人近亲属案件",
	  "staff deciding their own relatives' cases", check_self_decision },
};
#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

const char *crosscheck_check_id(size_t i)
{
	return i < N_CHECKS ? checks[i].id : NULL;
}

const char *crosscheck_label(const char *id, int english)
{
	for (size_t i = 0; id && i < N_CHECKS; i++)
		if (strcmp(checks[i].id, id) == 0)
			return english ? checks[i].label_en : checks[i].label_zh;
	return id;
}

int crosscheck_run(struct store *s, const struct actor *a, const char *config_dir,
		   const char *as_of, const char *started_by,
		   struct crosscheck_result *r, struct err *e)
{
	struct cc c;
	int64_t day;
	char *by = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	c.s = s;
	if (a) {
		c.a = a;
	} else {
		perm_system_actor(&c.system, NULL);
		c.a = &c.system;
	}
	if (as_of && *as_of) {
		if (clock_parse_date(as_of, &day) < 0)
			return err_set(e, ERR_INVALID, "as_of", "date", "as_of 应为 YYYY-MM-DD",
				       "as_of must be YYYY-MM-DD");
	} else {
		day = clock_today_china();
	}
	clock_format_date(day, c.as_of);
	clock_format_utc(clock_now(), c.now);
	if (!config_dir)
		return err_set(e, ERR_INTERNAL, "config_dir", "required",
			       "缺少配置目录", "no configuration directory");
	if ((rc = relatives_config_load(config_dir, &c.rel, e)) < 0)
		return rc;
	if (program_config_load(config_dir, &c.pc, e) < 0)
		c.pc = NULL; /* labels fall back to the codes */
	load_asset_rules(&c, config_dir);
	c.by_check = json_object();
	for (size_t i = 0; i < N_CHECKS; i++)
		json_object_set_new(c.by_check, checks[i].id,
				    json_pack("{s:I, s:I}", "found", (json_int_t)0, "new", (json_int_t)0));
	if ((rc = store_begin(s, e)) < 0)
		goto cleanup;
	rc = store_int64(s, &c.run_id, e, "INSERT INTO crosscheck_runs (started_at,"
			 " started_by, as_of) VALUES ($1, $2, $3) RETURNING id", "sss",
			 c.now, started_by ? started_by : c.a->username, c.as_of);
	for (size_t i = 0; rc == 0 && i < N_CHECKS; i++)
		rc = checks[i].run(&c, e);
	for (size_t i = 0; rc == 0 && i < c.n; i++)
		rc = put(&c, &c.c[i], e);
	if (rc == 0) {
		by = json_dumps(c.by_check, JSON_COMPACT);
		clock_format_utc(clock_now(), c.now);
		rc = store_execv(s, e, "UPDATE crosscheck_runs SET finished_at = $1, found = $2,"
				 " new_findings = $3, by_check = $4 WHERE id = $5", "siisi",
				 c.now, c.found, c.created, by ? by : "{}", c.run_id);
	}
	if (rc == 0) {
		json_t *d = json_pack("{s:s, s:I, s:I, s:O}", "as_of", c.as_of,
				      "found", (json_int_t)c.found, "new_findings",
				      (json_int_t)c.created, "by_check", c.by_check);
		rc = audit_append(s, c.a, "crosscheck.run", "crosscheck_run", c.run_id,
				  c.a->region, d, e);
		json_decref(d);
	}
	if (rc < 0) {
		store_rollback(s);
		goto cleanup;
	}
	if ((rc = store_commit(s, e)) < 0)
		goto cleanup;
	r->run_id = c.run_id;
	r->found = c.found;
	r->new_findings = c.created;
	r->by_check = c.by_check;
	c.by_check = NULL;
cleanup:
	for (size_t i = 0; i < c.n; i++)
		json_decref(c.c[i].evidence);
	free(c.c);
	free(by);
	json_decref(c.by_check);
	json_decref(c.vehicle_except);
	return rc;
}

int crosscheck_run_list(struct store *s, int64_t page, int64_t per_page,
			json_t **out, struct err *e)
{
	struct store_stmt *st = NULL;
	int64_t total = 0;
	json_t *items;
	int rc;

	if ((rc = store_int64(s, &total, e, "SELECT count(*) FROM crosscheck_runs", "")) < 0 ||
	    (rc = store_query(s, &st, e, "SELECT id, started_at, finished_at, started_by,"
			      " as_of, found, new_findings, by_check FROM crosscheck_runs"
			      " ORDER BY id DESC LIMIT $1 OFFSET $2", "ii", per_page,
			      (page - 1) * per_page)) < 0)
		return rc;
	items = json_array();
	while ((rc = store_step(st, e)) == STORE_ROW) {
		json_t *by = json_loads(store_col_text(st, 7), 0, NULL);
		json_array_append_new(items, json_pack("{s:I, s:s, s:o, s:s, s:s, s:I, s:I, s:o}",
			"id", (json_int_t)store_col_int64(st, 0), "started_at", store_col_text(st, 1),
			"finished_at", store_col_is_null(st, 2) ? json_null()
				: json_string(store_col_text(st, 2)),
			"started_by", store_col_text(st, 3), "as_of", store_col_text(st, 4),
			"found", (json_int_t)store_col_int64(st, 5),
			"new_findings", (json_int_t)store_col_int64(st, 6),
			"by_check", by ? by : json_object()));
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total,
			 "page", (json_int_t)page, "per_page", (json_int_t)per_page);
	return 0;
}
