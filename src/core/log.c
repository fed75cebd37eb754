/*
 * log.c - one line per event, written with one write(2).
 *
 * Each call formats the whole line in a stack buffer and hands it to the
 * kernel in a single write, so lines from different threads never
 * interleave (a pipe keeps writes of up to PIPE_BUF = 4096 bytes whole,
 * hence the buffer size).  The level and the descriptor are atomics: no
 * lock is needed.  Newlines and other control characters in the message are
 * replaced by spaces so that a value quoted from a request can never forge a
 * second log line; an over-long message is cut at a UTF-8 boundary and
 * marked with "...".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "../core/banned.h"

#define LOG_LINE_BYTES 4096

static atomic_int log_level = LOG_INFO;
static atomic_int log_fd = 2;

/* Printed padded to five columns so messages line up. */
static const char *const log_names[] = {
	[LOG_DEBUG] = "debug", [LOG_INFO] = "info", [LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

void log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

int log_parse_level(const char *name, enum log_level *out)
{
	if (!name)
		return -1;
	for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
		if (strcasecmp(name, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(name, "warning") == 0) {
		*out = LOG_WARN;
		return 0;
	}
	return -1;
}

/* Replace control characters (and DEL) in [s, s + n) by spaces. */
static void flatten(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			s[i] = ' ';
}

/* Cut a message of `len` bytes that did not fit into `room` bytes: back up to
 * a character boundary, leaving space for "...". Returns the new length. */
static size_t cut_long(char *msg, size_t room)
{
	size_t n = room > 3 ? room - 3 : 0;

	while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80)
		n--;
	memcpy(msg + n, "...", 3);
	return n + 3;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;    /* nowhere left to report it */
		s += w;
		n -= (size_t)w;
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_BYTES];
	size_t head, room, len;
	va_list ap;
	int n;

	if ((int)level < atomic_load(&log_level) || level > LOG_ERROR)
		return;
	clock_format_utc(clock_now(), line);
	n = snprintf(line + 20, sizeof(line) - 20, " %-5s ", log_names[level]);
	head = 20 + (size_t)n;
	room = sizeof(line) - head - 1;          /* keep one byte for '\n' */
	va_start(ap, fmt);
	n = vsnprintf(line + head, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len = (size_t)n;
	if (len > room)
		len = cut_long(line + head, room);
	flatten(line + head, len);
	line[head + len] = '\n';
	write_all(atomic_load(&log_fd), line, head + len + 1);
}
