/*
 * engine.c - one monitoring run: the population, the scans, the alerts.
 *
 * Design.  Reading and deciding happen outside any transaction: the
 * monitored population is read once into arrays and the hash index
 * (scan.c), each rule's feed files are mapped and scanned, the rule decides
 * its candidates (rules.c) and their evidence is read back from the mapped
 * records.  Writing is one transaction: the monitor_runs row, then for each
 * candidate the window check (an alert of the same rule for the household
 * younger than window_days: skip), the alert, its outbox message to the
 * village's assistants, and for review_and_hold the suspension of the
 * household's active enrollments through the enrollment workflow; then the
 * run's counts and the audit entry.  Any failure rolls everything back.
 *
 * The population: persons with a current monitoring category, every member
 * of their households, and every member of a household with an active
 * enrollment (the enrolled rules need those even without a category).  A
 * person without a household stands alone (household id 0); the window
 * check then goes by the person.
 *
 * Evidence: each record is named by feed, batch, the record's id and its
 * line in the department's original file (the n-th data row of a batch's
 * canonical file is the batch's n-th feed_records row, feed.h) and the
 * canonical line, with its fields by column name.
 */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "engine_int.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/limits.h"
#include "../domain/audit.h"
#include "../domain/finding.h"
#include "../domain/outbox.h"
#include "../domain/workflow.h"
#include "../core/banned.h"

#define MAX_EVIDENCE_FIELDS SCAN_MAX_FIELDS

/* === the population === */

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 1024;
	void *m = realloc(*arr, c * size);
	if (!m)
		return -1;
	*arr = m;
	*cap = c;
	return 0;
}

static void pop_free(struct pop *p)
{
	free(p->p);
	free(p->h);
	free(p->en);
	ix_free(&p->ix);
	memset(p, 0, sizeof(*p));
}

static const char pop_sql[] =
	"WITH mon AS (SELECT DISTINCT person_id FROM monitoring_categories"
	"  WHERE valid_to IS NULL),"
	" hh AS (SELECT p.household_id AS id FROM persons p JOIN mon ON mon.person_id = p.id"
	"  WHERE p.household_id IS NOT NULL"
	"  UNION SELECT household_id FROM enrollments WHERE status = 'active'"
	"  AND household_id IS NOT NULL)"
	" SELECT p.id, p.id_number, COALESCE(p.household_id, 0),"
	"  COALESCE(p.disability_grade, 0), COALESCE(h.region_code, p.region_code),"
	"  COALESCE(h.head_person_id, 0), p.id IN (SELECT person_id FROM mon)"
	" FROM persons p LEFT JOIN households h ON h.id = p.household_id"
	" WHERE p.household_id IN (SELECT id FROM hh)"
	"  OR (p.household_id IS NULL AND p.id IN (SELECT person_id FROM mon))"
	" ORDER BY COALESCE(p.household_id, 0), p.id";

static int pop_add(struct pop *pop, struct store_stmt *st, uint64_t **keys,
		   size_t *cap_keys)
{
	int64_t hid = store_col_int64(st, 2);
	struct pop_person *p;

	if (hid == 0 || pop->nh == 0 || pop->h[pop->nh - 1].id != hid) {
		if (grow((void **)&pop->h, &pop->cap_h, pop->nh, sizeof(*pop->h)) < 0)
			return -1;
		struct pop_household *h = &pop->h[pop->nh++];
		memset(h, 0, sizeof(*h));
		h->id = hid;
		snprintf(h->region, sizeof(h->region), "%s", store_col_text(st, 4));
	}
	if (grow((void **)&pop->p, &pop->cap_p, pop->np, sizeof(*pop->p)) < 0)
		return -1;
	if (grow((void **)keys, cap_keys, pop->np, sizeof(**keys)) < 0)
		return -1;
	(*keys)[pop->np] = idcard_pack(store_col_text(st, 1));
	p = &pop->p[pop->np++];
	p->id = store_col_int64(st, 0);
	p->hh = (uint32_t)(pop->nh - 1);
	p->grade = (int16_t)store_col_int64(st, 3);
	p->monitored = store_col_int64(st, 6) != 0;
	p->head = store_col_int64(st, 5) == p->id;
	if (p->monitored)
		pop->h[p->hh].monitored = 1;
	return 0;
}

static struct pop_household *find_household(struct pop *pop, int64_t id)
{
	size_t lo = 0, hi = pop->nh;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pop->h[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pop->nh && pop->h[lo].id == id && id ? &pop->h[lo] : NULL;
}

static int load_enrollments(struct store *s, struct pop *pop, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if ((rc = store_query(s, &st, e, "SELECT id, household_id, region_code, program"
			      " FROM enrollments WHERE status = 'active' AND"
			      " household_id IS NOT NULL ORDER BY household_id, id", "")) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		struct pop_household *h = find_household(pop, store_col_int64(st, 1));
		if (!h)
			continue;
		if (grow((void **)&pop->en, &pop->cap_en, pop->nen, sizeof(*pop->en)) < 0) {
			rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
			break;
		}
		struct pop_enrollment *en = &pop->en[pop->nen];
		en->id = store_col_int64(st, 0);
		en->household_id = h->id;
		snprintf(en->region, sizeof(en->region), "%s", store_col_text(st, 2));
		snprintf(en->program, sizeof(en->program), "%s", store_col_text(st, 3));
		if (h->n_enr == 0)
			h->first_enr = (uint32_t)pop->nen;
		h->n_enr++;
		pop->nen++;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int pop_load(struct store *s, struct pop *pop, struct err *e)
{
	struct store_stmt *st = NULL;
	uint64_t *keys = NULL;
	size_t cap_keys = 0;
	int rc;

	memset(pop, 0, sizeof(*pop));
	if ((rc = store_query(s, &st, e, pop_sql, "")) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW)
		if (pop_add(pop, st, &keys, &cap_keys) < 0) {
			rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
			break;
		}
	store_finalize(st);
	if (rc >= 0)
		rc = ix_init(&pop->ix, pop->np, e);
	/* The index keeps the ID numbers only as packed keys. */
	for (size_t i = 0; rc >= 0 && i < pop->np; i++)
		if (keys[i])
			ix_put(&pop->ix, keys[i], (uint32_t)i);
	free(keys);
	if (rc < 0)
		return rc;
	return load_enrollments(s, pop, e);
}

/* === one rule's files === */

struct ffile {
	int64_t batch_id;
	int64_t first_record;      /* 0 = not looked up, -1 = none */
	struct mfile m;
	char hbuf[1024];
	const char *hdr[SCAN_MAX_FIELDS];
	int nhdr;
};

struct run {
	struct store *s;
	const struct monitor_options *opt;
	struct pop pop;
	int32_t as_ymd;
	int64_t as_day;
	struct monitor_result *res;
	struct pending *pend;
	size_t n_pend, cap_pend;
};

/* A candidate ready to write. */
struct pending {
	const struct rule *r;
	size_t rule_no;
	struct candidate c;
	char *evidence;            /* JSON text */
	char hold_reason[400];     /* review_and_hold */
};

static void progress(struct run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(struct run *run, const char *fmt, ...)
{
	va_list ap;

	if (!run->opt->progress)
		return;
	va_start(ap, fmt);
	vfprintf(run->opt->progress, fmt, ap);
	va_end(ap);
	fflush(run->opt->progress);
}

static int open_file(struct run *run, const char *stored, struct ffile *f,
		     struct err *e)
{
	char path[LIMIT_PATH_BYTES];
	const char *dir = run->opt->data_dir ? run->opt->data_dir : "data";

	if (stored[0] == '/')
		snprintf(path, sizeof(path), "%s", stored);
	else if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, stored) >= sizeof(path))
		return err_set(e, ERR_INTERNAL, "stored_path", "length", "路径过长",
			       "path too long");
	int rc = mfile_open(path, &f->m, e);
	if (rc == 0 && f->m.len)
		f->nhdr = scan_record_fields(f->m.base, f->m.base + f->m.len, f->hbuf,
					     sizeof(f->hbuf), f->hdr, SCAN_MAX_FIELDS);
	return rc;
}

static int event_cmp(const void *a, const void *b, void *pop_)
{
	const struct scan_event *x = a, *y = b;
	const struct pop *pop = pop_;
	uint32_t hx = pop->p[x->person].hh, hy = pop->p[y->person].hh;

	if (hx != hy)
		return hx < hy ? -1 : 1;
	if (x->person != y->person)
		return x->person < y->person ? -1 : 1;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* qsort has no context argument in C17: a file-level pointer, set only
 * while one run sorts (runs do not sort at the same time: see sort_lock). */
static const struct pop *sort_pop;
static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

static int event_cmp_q(const void *a, const void *b)
{
	return event_cmp(a, b, (void *)sort_pop);
}

static void sort_events(struct scan_out *o, const struct pop *pop)
{
	if (o->n < 2)
		return;
	pthread_mutex_lock(&sort_lock);
	sort_pop = pop;
	qsort(o->ev, o->n, sizeof(*o->ev), event_cmp_q);
	sort_pop = NULL;
	pthread_mutex_unlock(&sort_lock);
}

/* The record's id and original line (feed.h: the n-th data row of a batch's
 * file is the batch's n-th record by id).  A batch's records are written in
 * one transaction (SQLite has one writer), so their ids run on from the
 * first: id = first + n - 1, checked to belong to the batch; when it does
 * not, the n-th is counted out with OFFSET.  (feed_records has no index on
 * batch_id: the first id costs one scan per file, only for files that hold
 * evidence.) */
static int record_of(struct store *s, struct ffile *f, int64_t row, int64_t *id,
		     int64_t *line, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc;

	*id = 0;
	*line = 0;
	if (f->first_record == 0) {
		rc = store_int64(s, &f->first_record, e, "SELECT COALESCE(min(id), -1) FROM"
				 " feed_records WHERE batch_id = $1", "i", f->batch_id);
		if (rc < 0)
			return rc;
	}
	if (f->first_record > 0) {
		if ((rc = store_query(s, &st, e, "SELECT id, line FROM feed_records WHERE"
				      " id = $1 AND batch_id = $2", "ii",
				      f->first_record + row - 1, f->batch_id)) < 0)
			return rc;
		if ((rc = store_step(st, e)) == STORE_ROW) {
			*id = store_col_int64(st, 0);
			*line = store_col_int64(st, 1);
		}
		store_finalize(st);
		if (rc < 0)
			return rc;
		if (*id)
			return 0;
	}
	rc = store_query(s, &st, e, "SELECT id, line FROM feed_records WHERE"
			 " batch_id = $1 ORDER BY id LIMIT 1 OFFSET $2", "ii",
			 f->batch_id, row - 1);
	if (rc < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW) {
		*id = store_col_int64(st, 0);
		*line = store_col_int64(st, 1);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static json_t *record_json(struct run *run, const struct rule *r,
			   struct ffile *f, const struct scan_event *x,
			   struct err *e)
{
	char buf[4096];
	const char *fields[SCAN_MAX_FIELDS];
	int64_t rid = 0, line = 0;
	int n = scan_record_fields(f->m.base + x->offset, f->m.base + f->m.len, buf,
				   sizeof(buf), fields, SCAN_MAX_FIELDS);
	json_t *o = json_object(), *fo = json_object();

	if (record_of(run->s, f, x->row, &rid, &line, e) < 0) {
		json_decref(o);
		json_decref(fo);
		return NULL;
	}
	for (int i = 0; i < n && i < f->nhdr; i++) {
		/* ID numbers are kept masked: the alert names its person by id */
		char masked[19];
		size_t hl = strlen(f->hdr[i]);
		int is_id = hl >= 9 && strcmp(f->hdr[i] + hl - 9, "id_number") == 0;
		if (is_id)
			idcard_mask(fields[i], masked);
		json_object_set_new(fo, f->hdr[i], json_string(is_id ? masked : fields[i]));
	}
	json_object_set_new(o, "feed", json_string(r->feed));
	json_object_set_new(o, "batch_id", json_integer(f->batch_id));
	json_object_set_new(o, "record_id", rid ? json_integer(rid) : json_null());
	json_object_set_new(o, "line", line ? json_integer(line) : json_null());
	json_object_set_new(o, "canonical_line", json_integer(x->line));
	json_object_set_new(o, "fields", fo);
	return o;
}

static int add_pending(struct run *run, const struct rule *r, size_t rule_no,
		       const struct candidate *c, struct ffile *files,
		       const struct scan_event *ev, struct err *e)
{
	json_t *arr = json_array();
	struct pending *p;

	for (size_t i = 0; i < c->n_ev; i++) {
		const struct scan_event *x = &ev[c->ev[i]];
		json_t *o = record_json(run, r, &files[x->file], x, e);
		if (!o) {
			json_decref(arr);
			return e->code ? e->code : ERR_INTERNAL;
		}
		json_array_append_new(arr, o);
	}
	if (grow((void **)&run->pend, &run->cap_pend, run->n_pend, sizeof(*run->pend)) < 0) {
		json_decref(arr);
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
	}
	p = &run->pend[run->n_pend++];
	memset(p, 0, sizeof(*p));
	p->r = r;
	p->rule_no = rule_no;
	p->c = *c;
	json_t *doc = json_pack("{s:s, s:I, s:o}", "rule_id", r->id, "records_total",
				(json_int_t)c->n_records, "records", arr);
	p->evidence = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (c->n_ev) {
		const struct scan_event *x = &ev[c->ev[0]];
		snprintf(p->hold_reason, sizeof(p->hold_reason),
			 "救助对象死亡（%s 批次 %" PRId64 " 第 %" PRId64 " 条记录，日期 %04d-%02d-%02d），暂停发放待复核",
			 r->feed, files[x->file].batch_id, x->row, (int)(x->date / 10000),
			 (int)(x->date / 100 % 100), (int)(x->date % 100));
	}
	return p->evidence ? 0 : err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
					 "out of memory");
}

static int scan_rule_files(struct run *run, const struct rule *r,
			   struct ffile **files, size_t *nf, struct scan_out *out,
			   struct err *e)
{
	struct store_stmt *st = NULL;
	size_t cap = 0;
	int rc;
	int32_t lo = scan_ymd_of_day(run->as_day - r->window_days);

	if ((rc = store_query(run->s, &st, e, "SELECT id, stored_path FROM feed_batches"
			      " WHERE feed = $1 AND stored_path <> '' ORDER BY id", "s",
			      r->feed)) < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		if (grow((void **)files, &cap, *nf, sizeof(**files)) < 0) {
			rc = err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足", "out of memory");
			break;
		}
		struct ffile *f = &(*files)[*nf];
		memset(f, 0, sizeof(*f));
		f->batch_id = store_col_int64(st, 0);
		if ((rc = open_file(run, store_col_text(st, 1), f, e)) < 0)
			break;
		(*nf)++;
		if (!f->m.len)
			continue;
		struct scan_spec spec = { 0 };
		const char *data;
		if ((rc = scan_header(&f->m, "id_number", rule_date_col(r),
				      rule_value_col(r), &spec, &data, e)) < 0)
			break;
		spec.vtype = rule_vtype(r);
		spec.enum_values = rule_enum_values(r);
		spec.date_hi = run->as_ymd;
		spec.date_lo = rule_reads_all(r) ? 0 : lo;
		if ((rc = scan_file(&f->m, data, &spec, &run->pop.ix,
				    run->opt->threads == 1 ? 1 : 2, (uint32_t)(*nf - 1),
				    out, e)) < 0)
			break;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int run_rule(struct run *run, size_t rule_no, const struct rule *r,
		    struct err *e)
{
	struct ffile *files = NULL;
	size_t nf = 0, nc = 0, capc = 0;
	struct scan_out out = { 0 };
	struct candidate *cand = NULL;
	int rc;

	rc = scan_rule_files(run, r, &files, &nf, &out, e);
	if (rc == 0) {
		sort_events(&out, &run->pop);
		rc = rules_evaluate(r, &run->pop, out.ev, out.n, run->as_ymd,
				    scan_ymd_of_day(run->as_day - r->window_days),
				    &cand, &nc, &capc, e);
	}
	for (size_t i = 0; rc == 0 && i < nc; i++)
		rc = add_pending(run, r, rule_no, &cand[i], files, out.ev, e);
	run->res->files += (int64_t)nf;
	run->res->records += out.rows;
	progress(run, "  %-22s %zu 个文件 files, %" PRId64 " 行 rows, %zu 条命中 hits\n",
		 r->id, nf, out.rows, nc);
	for (size_t i = 0; i < nf; i++)
		mfile_close(&files[i].m);
	free(files);
	free(cand);
	scan_out_free(&out);
	return rc;
}

/* === writing === */

static int recent_alert(struct run *run, const struct pending *p, int64_t hid,
			int64_t pid, int *found, struct err *e)
{
	char cutoff[21];
	int64_t n = 0;

	clock_format_utc(clock_now() - (int64_t)p->r->window_days * 86400, cutoff);
	int rc = store_int64(run->s, &n, e, "SELECT count(*) FROM alerts WHERE rule_id = $1"
			     " AND created_at > $2 AND (($3 > 0 AND household_id = $3) OR"
			     " ($3 = 0 AND household_id IS NULL AND person_id = $4))",
			     "ssii", p->r->id, cutoff, hid, pid);
	*found = n > 0;
	return rc;
}

static int notify_alert(struct run *run, int64_t id, const struct pending *p,
			const char *region, const char *summary, struct err *e)
{
	char title[200], link[40];
	json_t *to = json_pack("{s:s, s:s}", "role", "assistant", "region", region);
	json_t *payload = json_pack("{s:I, s:s, s:s, s:s, s:s}", "alert_id", (json_int_t)id,
				    "rule_id", p->r->id, "region_code", region,
				    "severity", p->c.severity, "effect", p->r->effect);
	int rc;

	snprintf(title, sizeof(title), "监测预警：%s", p->r->label_zh);
	snprintf(link, sizeof(link), "/alerts/%" PRId64, id);
	rc = outbox_add(run->s, "alert.new", region, to, title, summary, link, payload,
			NULL, e);
	json_decref(to);
	json_decref(payload);
	return rc;
}

/* review_and_hold: every active enrollment of the household is suspended. */
static int hold(struct run *run, const struct actor *a, const struct pending *p,
		int64_t alert_id, struct err *e)
{
	const struct pop_household *h = &run->pop.h[p->c.hh];
	int rc = 0;

	for (uint32_t i = 0; rc == 0 && i < h->n_enr; i++) {
		const struct pop_enrollment *en = &run->pop.en[h->first_enr + i];
		struct wf_record wr = { en->id, "active", 0, NULL, NULL, en->region,
					en->household_id, 0 };
		const struct wf_transition *row = NULL;
		json_t *d = json_pack("{s:I, s:s, s:s}", "alert_id", (json_int_t)alert_id,
				      "rule_id", p->r->id, "program", en->program);
		rc = workflow_check(&wf_enrollment, &wr, a, "suspend", p->hold_reason,
				    &row, e);
		if (rc == 0)
			rc = workflow_apply(run->s, &wf_enrollment, &wr, a, row,
					    p->hold_reason, d, e);
		json_decref(d);
		if (rc == 0)
			run->res->held++;
	}
	return rc;
}

static int write_one(struct run *run, const struct actor *a, int64_t run_id,
		     struct pending *p, struct err *e)
{
	const struct pop_household *h = &run->pop.h[p->c.hh];
	const struct pop_person *pp = &run->pop.p[p->c.person];
	char summary[700], name[128] = "", now[21];
	struct store_stmt *st = NULL;
	int64_t id = 0;
	int found = 0, rc;

	if ((rc = recent_alert(run, p, h->id, pp->id, &found, e)) < 0)
		return rc;
	if (found) {
		run->res->rules[p->rule_no].suppressed++;
		return 0;
	}
	if ((rc = store_query(run->s, &st, e, "SELECT name FROM persons WHERE id = $1",
			      "i", pp->id)) < 0)
		return rc;
	if ((rc = store_step(st, e)) == STORE_ROW)
		snprintf(name, sizeof(name), "%s", store_col_text(st, 0));
	store_finalize(st);
	if (rc < 0)
		return rc;
	snprintf(summary, sizeof(summary), "%s：%s", name, p->c.summary);
	clock_format_utc(clock_now(), now);
	if ((rc = store_int64(run->s, &id, e,
		"INSERT INTO alerts (rule_id, kind, severity, run_id, household_id,"
		" person_id, region_code, status, effect, evidence, summary, created_at,"
		" updated_at) VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6, $7, 'open', $8,"
		" $9, $10, $11, $11) RETURNING id", "sssiiisssss", p->r->id,
		rule_kind_name(p->r), p->c.severity, run_id,
		h->id, pp->id, h->region, p->r->effect, p->evidence, summary, now)) < 0)
		return rc;
	if ((rc = notify_alert(run, id, p, h->region, summary, e)) < 0)
		return rc;
	if (strcmp(p->r->effect, "review_and_hold") == 0 &&
	    (rc = hold(run, a, p, id, e)) < 0)
		return rc;
	run->res->rules[p->rule_no].alerts++;
	run->res->alerts++;
	return 0;
}

/* monitor_runs.by_rule: {"rule_id": alerts, ...} */
static char *by_rule_json(const struct monitor_result *r)
{
	json_t *o = json_object();
	char *text;

	for (size_t i = 0; i < r->n_rules; i++)
		json_object_set_new(o, r->rules[i].id, json_integer(r->rules[i].alerts));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static int write_all(struct run *run, const struct actor *a, int64_t t0,
		     struct err *e)
{
	char now[21], *by_rule = NULL;
	int64_t run_id = 0;
	int rc;
	const char *who = run->opt->started_by ? run->opt->started_by : a->username;

	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(run->s, e)) < 0)
		return rc;
	rc = store_int64(run->s, &run_id, e, "INSERT INTO monitor_runs (started_at,"
			 " started_by) VALUES ($1, $2) RETURNING id", "ss", now, who);
	for (size_t i = 0; rc == 0 && i < run->n_pend; i++)
		rc = write_one(run, a, run_id, &run->pend[i], e);
	if (rc < 0)
		goto fail;
	run->res->run_id = run_id;
	run->res->milliseconds = clock_monotonic_ms() - t0;
	by_rule = by_rule_json(run->res);
	clock_format_utc(clock_now(), now);
	rc = store_execv(run->s, e, "UPDATE monitor_runs SET finished_at = $1,"
			 " persons = $2, records = $3, alerts = $4, by_rule = $5,"
			 " milliseconds = $6 WHERE id = $7", "siiisii", now,
			 run->res->persons, run->res->records, run->res->alerts,
			 by_rule ? by_rule : "{}", run->res->milliseconds, run_id);
	if (rc == 0) {
		json_t *d = json_pack("{s:s, s:I, s:I, s:I}", "as_of", run->res->as_of,
				      "alerts", (json_int_t)run->res->alerts, "held",
				      (json_int_t)run->res->held, "records",
				      (json_int_t)run->res->records);
		rc = audit_append(run->s, a, "monitor.run", "monitor_run", run_id,
				  a->region, d, e);
		json_decref(d);
	}
	/* The supervision cross-checks run with every monitoring run, in its
	 * transaction (finding.h). */
	if (rc == 0) {
		struct crosscheck_result cr;
		rc = crosscheck_run(run->s, a, run->opt->config_dir, run->res->as_of,
				    "monitor", &cr, e);
		if (rc == 0) {
			char *text = json_dumps(cr.by_check, JSON_COMPACT);
			run->res->crosscheck_run = cr.run_id;
			run->res->findings = cr.found;
			run->res->new_findings = cr.new_findings;
			snprintf(run->res->by_check, sizeof(run->res->by_check), "%s",
				 text ? text : "{}");
			free(text);
			json_decref(cr.by_check);
		}
	}
	free(by_rule);
	if (rc < 0)
		goto fail;
	return store_commit(run->s, e);
fail:
	store_rollback(run->s);
	return rc;
}

/* === the run === */

static int set_as_of(struct run *run, const char *as_of, struct err *e)
{
	if (as_of && as_of[0]) {
		if (clock_parse_date(as_of, &run->as_day) < 0)
			return err_set(e, ERR_INVALID, "as_of", "date",
				       "as_of 应为 YYYY-MM-DD", "as_of must be YYYY-MM-DD");
	} else {
		run->as_day = clock_today_china();
	}
	run->as_ymd = scan_ymd_of_day(run->as_day);
	clock_format_date(run->as_day, run->res->as_of);
	return 0;
}

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;

int monitor_run(struct store *s, const struct actor *actor,
		const struct monitor_options *opt, struct monitor_result *out,
		struct err *e)
{
	struct run run = { 0 };
	struct rule_set rs = { 0 };
	int64_t t0 = clock_monotonic_ms();
	int rc;

	memset(out, 0, sizeof(*out));
	/* One run at a time per process: the API and the daily run may meet. */
	if (pthread_mutex_trylock(&run_lock) != 0)
		return err_set(e, ERR_CONFLICT, NULL, "running", "动态监测正在运行",
			       "a monitoring run is already going");
	run.s = s;
	run.opt = opt;
	run.res = out;
	if ((rc = set_as_of(&run, opt->as_of, e)) < 0 ||
	    (rc = rules_load(opt->config_dir, &rs, e)) < 0) {
		pthread_mutex_unlock(&run_lock);
		return rc;
	}
	for (size_t i = 0; i < rs.n; i++) {
		struct monitor_rule_count *c = &out->rules[i];
		snprintf(c->id, sizeof(c->id), "%s", rs.rules[i].id);
		snprintf(c->label_zh, sizeof(c->label_zh), "%s", rs.rules[i].label_zh);
		snprintf(c->label_en, sizeof(c->label_en), "%s", rs.rules[i].label_en);
		snprintf(c->severity, sizeof(c->severity), "%s", rs.rules[i].severity);
		snprintf(c->effect, sizeof(c->effect), "%s", rs.rules[i].effect);
	}
	out->n_rules = rs.n;
	if ((rc = pop_load(s, &run.pop, e)) < 0)
		goto cleanup;
	out->persons = (int64_t)run.pop.np;
	out->households = (int64_t)run.pop.nh;
	progress(&run, "动态监测 monitoring as of %s: %zu 人 persons, %zu 户 households\n",
		 out->as_of, run.pop.np, run.pop.nh);
	for (size_t i = 0; rc == 0 && i < rs.n; i++)
		rc = run_rule(&run, i, &rs.rules[i], e);
	if (rc == 0)
		rc = write_all(&run, actor, t0, e);
cleanup:
	for (size_t i = 0; i < run.n_pend; i++)
		free(run.pend[i].evidence);
	free(run.pend);
	pop_free(&run.pop);
	rules_free(&rs);
	out->milliseconds = clock_monotonic_ms() - t0;
	pthread_mutex_unlock(&run_lock);
	return rc;
}

char *monitor_result_json(const struct monitor_result *r)
{
	json_t *rules = json_array();
	json_t *o;
	char *text;

	for (size_t i = 0; i < r->n_rules; i++)
		json_array_append_new(rules, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
			"id", r->rules[i].id, "label_zh", r->rules[i].label_zh,
			"label_en", r->rules[i].label_en, "severity", r->rules[i].severity,
			"effect", r->rules[i].effect, "alerts", (json_int_t)r->rules[i].alerts,
			"suppressed", (json_int_t)r->rules[i].suppressed));
	json_t *by_check = r->by_check[0] ? json_loads(r->by_check, 0, NULL) : NULL;
	json_t *cc = json_pack("{s:I, s:I, s:I, s:o}", "run_id", (json_int_t)r->crosscheck_run,
			       "found", (json_int_t)r->findings, "new_findings",
			       (json_int_t)r->new_findings, "by_check",
			       by_check ? by_check : json_object());
	o = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
		      "run_id", (json_int_t)r->run_id, "as_of", r->as_of,
		      "persons", (json_int_t)r->persons, "households", (json_int_t)r->households,
		      "files", (json_int_t)r->files, "records", (json_int_t)r->records,
		      "alerts", (json_int_t)r->alerts, "held", (json_int_t)r->held,
		      "milliseconds", (json_int_t)r->milliseconds, "rules", rules,
		      "crosscheck", cc);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}
