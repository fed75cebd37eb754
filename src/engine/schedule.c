/*
 * schedule.c - serve's daily monitoring run.
 *
 * One thread sleeps in one-second steps (so stopping is quick), and when
 * the clock passes the next due time (monitor_at in China time) it runs
 * monitor_run() on its own connection, logs the outcome, and sets the next
 * due time a day later.  The clock is clock_now(), so the test offset moves
 * it too.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "../app.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../domain/program.h"
#include "../core/banned.h"

static struct {
	pthread_t thread;
	int running;
	volatile int stop;
	struct app *app;
	int minute;            /* minutes after midnight, China time */
} sched;

static int parse_hhmm(const char *s, int *minute)
{
	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' ||
	    s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	if (h > 23)
		return -1;
	*minute = h * 60 + (s[3] - '0') * 10 + (s[4] - '0');
	return 0;
}

/* The first due time after `now` (UTC seconds). */
static int64_t next_due(int64_t now, int minute)
{
	int64_t local = now + CLOCK_CHINA_OFFSET;
	int64_t day_start = local - (local % 86400 + 86400) % 86400;
	int64_t due = day_start + (int64_t)minute * 60;

	if (due <= local)
		due += 86400;
	return due - CLOCK_CHINA_OFFSET;
}

static void run_once(struct app *app)
{
	const struct program_config *pc = NULL;
	struct monitor_options o = { 0 };
	static struct monitor_result r;
	struct store *s = NULL;
	struct actor sys;
	struct err e;

	err_clear(&e);
	if (program_config_from(&app->cfg, &pc, &e) < 0 ||
	    store_open(config_get(&app->cfg, CFG_DB), &s, &e) < 0) {
		log_error("daily monitoring run not started: %s", e.message_en);
		return;
	}
	o.config_dir = pc->dir;
	o.data_dir = config_get(&app->cfg, CFG_DATA_DIR);
	o.threads = 2;
	o.started_by = "schedule";
	perm_system_actor(&sys, NULL);
	snprintf(sys.username, sizeof(sys.username), "%s", "monitor");
	if (monitor_run(s, &sys, &o, &r, &e) < 0)
		log_error("daily monitoring run failed: %s", e.message_en);
	else
		log_info("daily monitoring run %lld: %lld alerts, %lld records, %lld ms",
			 (long long)r.run_id, (long long)r.alerts, (long long)r.records,
			 (long long)r.milliseconds);
	store_close(s);
}

static void *loop(void *arg)
{
	(void)arg;
	int64_t due = next_due(clock_now(), sched.minute);

	while (!sched.stop && !sched.app->stopping) {
		if (clock_now() >= due) {
			run_once(sched.app);
			due = next_due(clock_now(), sched.minute);
		}
		sleep(1);
	}
	return NULL;
}

int monitor_schedule_start(struct app *app, struct err *e)
{
	const char *at = config_get(&app->cfg, CFG_MONITOR_AT);

	if (!at || !at[0])
		return 0;
	if (parse_hhmm(at, &sched.minute) < 0)
		return err_set(e, ERR_INVALID, "monitor_at", "time",
			       "monitor_at 应为 HH:MM（北京时间）",
			       "monitor_at must be HH:MM (China time)");
	sched.app = app;
	sched.stop = 0;
	if (pthread_create(&sched.thread, NULL, loop, NULL) != 0)
		return err_set(e, ERR_INTERNAL, NULL, "thread", "无法启动监测线程",
			       "cannot start the monitoring thread");
	sched.running = 1;
	return 0;
}

void monitor_schedule_stop(void)
{
	if (!sched.running)
		return;
	sched.stop = 1;
	pthread_join(sched.thread, NULL);
	sched.running = 0;
}
