/*
 * cmd_monitor.c - `civicare monitor`: run every monitoring rule now.
 *
 * Prints the engine's progress on stderr (a line per rule) and then a
 * summary table on stdout: one row per rule with its alerts drawn as a bar
 * scaled to the largest count, and the totals.  Exit 0 when the run was
 * written (also with no alerts), 1 on failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "../core/clock.h"
#include "../domain/finding.h"
#include "../domain/program.h"
#include "../engine/engine.h"
#include "../core/banned.h"

#define BAR_WIDTH 30

static void bar_of(int64_t n, int64_t max, char *bar, size_t size)
{
	int k = (int)(n * BAR_WIDTH / (max > 0 ? max : 1)), w = 0;
	if (n > 0 && k == 0)
		k = 1;
	for (int i = 0; i < k && (size_t)w + 3 < size; i++)
		w += snprintf(bar + w, size - (size_t)w, "%s", "█");
	bar[w] = '\0';
}

/* The supervision cross-checks run with the monitor: found and new per check. */
static void print_crosschecks(const struct monitor_result *r)
{
	json_t *by = json_loads(r->by_check, 0, NULL);
	int64_t max = 1;
	const char *id;

	if (!by)
		return;
	for (size_t i = 0; (id = crosscheck_check_id(i)); i++) {
		int64_t n = json_integer_value(json_object_get(json_object_get(by, id), "found"));
		if (n > max)
			max = n;
	}
	printf("\n监督比对 supervision cross-checks (run %" PRId64 "): %" PRId64
	       " found, %" PRId64 " new findings\n\n", r->crosscheck_run, r->findings,
	       r->new_findings);
	printf("  %-22s %7s %7s  %s\n", "check", "found", "new", "");
	for (size_t i = 0; (id = crosscheck_check_id(i)); i++) {
		json_t *c = json_object_get(by, id);
		int64_t found = json_integer_value(json_object_get(c, "found"));
		char bar[BAR_WIDTH * 3 + 1];
		bar_of(found, max, bar, sizeof(bar));
		printf("  %-22s %7" PRId64 " %7" PRId64 "  %s %s\n", id, found,
		       (int64_t)json_integer_value(json_object_get(c, "new")), bar,
		       crosscheck_label(id, 0));
	}
	json_decref(by);
}

static void print_summary(const struct monitor_result *r)
{
	int64_t max = 1;

	for (size_t i = 0; i < r->n_rules; i++)
		if (r->rules[i].alerts > max)
			max = r->rules[i].alerts;
	printf("\n动态监测 monitoring run %" PRId64 " as of %s: %" PRId64 " persons, %" PRId64
	       " households, %" PRId64 " files, %" PRId64 " records, %.2f s\n\n",
	       r->run_id, r->as_of, r->persons, r->households, r->files, r->records,
	       (double)r->milliseconds / 1000.0);
	printf("  %-22s %-8s %7s %9s  %s\n", "rule", "severity", "alerts", "in window", "");
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct monitor_rule_count *c = &r->rules[i];
		char bar[BAR_WIDTH * 3 + 1];
		bar_of(c->alerts, max, bar, sizeof(bar));
		printf("  %-22s %-8s %7" PRId64 " %9" PRId64 "  %s %s\n", c->id, c->severity,
		       c->alerts, c->suppressed, bar, c->label_zh);
	}
	printf("\n  alerts %" PRId64 ", enrollments suspended (payment held) %" PRId64 "\n",
	       r->alerts, r->held);
	print_crosschecks(r);
}

int cmd_monitor(struct cli_args *a)
{
	const struct program_config *pc = NULL;
	struct monitor_options o = { 0 };
	struct monitor_result *r = NULL;
	struct actor sys;
	struct store *s = NULL;
	const char *threads = cli_opt(a, "threads");
	int64_t offset = 0;
	struct err e;
	int rc = 1;

	err_clear(&e);
	if (config_get_int(&a->cfg, CFG_CLOCK_OFFSET, -3153600000LL, 3153600000LL,
			   &offset, &e) < 0)
		return cli_fail(&e);
	clock_set_offset(offset);
	if (threads && strcmp(threads, "1") != 0 && strcmp(threads, "2") != 0) {
		fprintf(stderr, "civicare: --threads must be 1 or 2\n");
		return 2;
	}
	if (program_config_from(&a->cfg, &pc, &e) < 0)
		return cli_fail(&e);
	o.config_dir = pc->dir;
	o.data_dir = config_get(&a->cfg, CFG_DATA_DIR);
	o.as_of = cli_opt(a, "as-of");
	o.threads = threads && threads[0] == '1' ? 1 : 2;
	o.started_by = "cli";
	o.progress = stderr;
	r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "civicare: out of memory\n");
		return 1;
	}
	if (cli_open_store(a, &s) < 0)
		goto cleanup;
	perm_system_actor(&sys, NULL);
	snprintf(sys.username, sizeof(sys.username), "%s", "monitor");
	if (monitor_run(s, &sys, &o, r, &e) < 0) {
		rc = cli_fail(&e);
		goto cleanup;
	}
	print_summary(r);
	rc = 0;
cleanup:
	store_close(s);
	free(r);
	return rc;
}
