/*
 * log.h - one line per event on stderr (or a file), with UTC time.
 *
 *   2026-11-28T20:10:17Z info  listening on 127.0.0.1:8080
 *
 * Thread-safe: each line is written with one write(2).
 */
#ifndef CIVICARE_LOG_H
#define CIVICARE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
int log_parse_level(const char *name, enum log_level *out); /* 0 or -1 */
/* Send lines to fd (default 2). */
void log_set_fd(int fd);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
