/*
 * fuzz_bank_return.c - libFuzzer driver for the bank's return file
 * (payment_bank_return): a paid run of three lines in an in-memory
 * database, any bytes as the file.
 * Properties: never crash; all or nothing — a refused file leaves every
 * line pending and the run paid, an accepted one answers every line and
 * reconciles the run, with paid + failed amounts equal to the run's total.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "../../src/domain/payment.h"
#include "../../src/domain/perm.h"
#include "../../src/store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *db;

static const char setup[] =
	"INSERT INTO divisions (code, name, kind) VALUES ('500231', '垫江县', 'county');"
	"INSERT INTO households (id, region_code, address, area_kind, created_at, updated_at)"
	"  VALUES (1, '500231', '甲', 'rural', 'x', 'x'), (2, '500231', '乙', 'rural', 'x', 'x'),"
	"  (3, '500231', '丙', 'rural', 'x', 'x');"
	"INSERT INTO enrollments (id, household_id, region_code, program, amount_fen,"
	"  start_month, status, created_at, updated_at)"
	"  VALUES (1, 1, '500231', 'dibao', 100, '2026-01', 'active', 'x', 'x'),"
	"  (2, 2, '500231', 'dibao', 200, '2026-01', 'active', 'x', 'x'),"
	"  (3, 3, '500231', 'dibao', 300, '2026-01', 'active', 'x', 'x');"
	"INSERT INTO payment_runs (id, program, month, region_code, status, lines, total_fen,"
	"  generated_by, created_at, updated_at)"
	"  VALUES (1, 'dibao', '2026-10', '500231', 'paid', 3, 600, NULL, 'x', 'x');"
	"INSERT INTO payment_lines (id, run_id, enrollment_id, program, month, household_id,"
	"  region_code, payee_name, members, amount_fen, basis, bank, account_no, status,"
	"  created_at, updated_at) VALUES"
	"  (1, 1, 1, 'dibao', '2026-10', 1, '500231', '甲', 1, 100, '{}', '银行', '6228480000000001', 'pending', 'x', 'x'),"
	"  (2, 1, 2, 'dibao', '2026-10', 2, '500231', '乙', 1, 200, '{}', '银行', '6228480000000002', 'pending', 'x', 'x'),"
	"  (3, 1, 3, 'dibao', '2026-10', 3, '500231', '丙', 1, 300, '{}', '银行', '6228480000000002', 'pending', 'x', 'x');";

static const char reset[] =
	"UPDATE payment_runs SET status = 'paid', paid_fen = 0, failed_fen = 0 WHERE id = 1;"
	"UPDATE payment_lines SET status = 'pending', paid_date = NULL, fail_reason = NULL;";

static int64_t count(const char *sql)
{
	int64_t n = -1;
	struct err e;
	if (store_int64(db, &n, &e, sql, "") < 0)
		abort();
	return n;
}

static void open_db(void)
{
	struct err e;
	if (store_open(":memory:", &db, &e) < 0 || store_migrate(db, NULL, &e) < 0 ||
	    store_exec(db, setup, &e) < 0) {
		fprintf(stderr, "setup: %s\n", e.message_en);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct actor admin;
	json_t *out = NULL;
	struct err e;
	int rc;

	if (!db)
		open_db();
	if (store_exec(db, reset, &e) < 0)
		abort();
	perm_system_actor(&admin, "500231");
	rc = payment_bank_return(db, &admin, 1, data, size, &out, &e);
	if (rc < 0) {
		if (count("SELECT count(*) FROM payment_lines WHERE status = 'pending'") != 3 ||
		    count("SELECT count(*) FROM payment_runs WHERE status = 'paid'") != 1)
			abort(); /* a refused file changed something */
	} else {
		if (count("SELECT count(*) FROM payment_lines WHERE status = 'pending'") != 0 ||
		    count("SELECT count(*) FROM payment_runs WHERE status = 'reconciled'"
			  " AND paid_fen + failed_fen = total_fen") != 1)
			abort(); /* accepted, yet a line unanswered or the sums off */
	}
	json_decref(out);
	return 0;
}
