/*
 * cmd_import.c - `civicare import FEED FILE`: one department file into the
 * feeds, with a progress bar on a terminal, the summary and every rejected
 * row.
 *
 * The file is memory-mapped read-only rather than read, so a large file
 * costs no copy when it is UTF-8.  Exit 0 when the file was processed (also
 * with rejected rows, and also when the same file had been imported before:
 * nothing changed then, and the summary says so), 1 when it could not be
 * (unknown feed, a missing required column, bad encoding, the store), 2 for
 * wrong usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../domain/feed.h"
#include "../domain/perm.h"
#include "../domain/program.h"
#include "../core/banned.h"

static void print_summary(const char *file, const struct feed_result *r)
{
	if (r->existing)
		printf("%s：该文件已作为批次 %" PRId64 " 导入过，未做任何更改\n"
		       "(this file was imported before as batch %" PRId64
		       ": nothing changed)\n", file, r->batch_id, r->batch_id);
	printf("批次 batch %" PRId64 "  数据 feed %s (%s)  编码 encoding %s\n"
	       "  sha256 %s\n", r->batch_id, r->feed, r->department,
	       r->encoding, r->sha256);
	printf("  共 total %" PRId64 "  新增 imported %" PRId64 "  已有 unchanged %"
	       PRId64 "  拒绝 rejected %" PRId64, r->rows_total,
	       r->rows_imported, r->rows_unchanged, r->rows_rejected);
	if (!r->existing)
		printf("  (%.2f s)", (double)r->milliseconds / 1000.0);
	printf("\n");
	if (r->stored_path[0])
		printf("  文件 stored as %s\n", r->stored_path);
	if (r->n_rejected)
		printf("拒绝的行 rejected rows:\n");
	for (size_t i = 0; i < r->n_rejected; i++) {
		const struct feed_rejection *x = &r->rejected[i];
		printf("  第 %" PRId64 " 行 line %" PRId64 "%s%s: %s (%s)\n", x->line,
		       x->line, x->field[0] ? " " : "", x->field, x->reason_zh,
		       x->reason_en);
	}
}

/* Map the file; *len 0 gives an empty, unmapped buffer. */
static int map_file(const char *path, void **map, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*map = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = errno ? errno : EINVAL;
		return -1;
	}
	*len = (size_t)st.st_size;
	if (*len) {
		*map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (*map == MAP_FAILED) {
			*map = NULL;
			close(fd);
			return -1;
		}
		madvise(*map, *len, MADV_SEQUENTIAL);
	}
	close(fd);
	return 0;
}

int cmd_import(struct cli_args *a)
{
	const struct program_config *pc;
	struct feed_result r;
	struct store *s = NULL;
	struct actor sys;
	const char *name;
	void *map = NULL;
	size_t len = 0;
	struct err e;
	int rc;

	if (a->n_args != 2) {
		fprintf(stderr, "civicare: import needs FEED and FILE\n"
				"(see `civicare import --help`)\n");
		return 2;
	}
	err_clear(&e);
	memset(&r, 0, sizeof(r));
	if (program_config_from(&a->cfg, &pc, &e) < 0)
		return cli_fail(&e);
	if (map_file(a->args[1], &map, &len) < 0) {
		fprintf(stderr, "civicare: 无法读取 %s (cannot read it: %s)\n",
			a->args[1], strerror(errno));
		return 1;
	}
	if (cli_open_store(a, &s) < 0) {
		if (map)
			munmap(map, len);
		return 1;
	}
	perm_system_actor(&sys, "500231");
	name = strrchr(a->args[1], '/') ? strrchr(a->args[1], '/') + 1 : a->args[1];
	rc = feed_import(s, &sys, pc->dir, config_get(&a->cfg, CFG_DATA_DIR),
			 a->args[0], name, map ? map : "", len, stderr, &r, &e);
	if (rc == 0)
		print_summary(a->args[1], &r);
	else
		cli_fail(&e);
	feed_result_release(&r);
	store_close(s);
	if (map)
		munmap(map, len);
	return rc == 0 ? 0 : 1;
}
