/*
 * payment_file.c - what leaves for the bank and what comes back: the bank
 * file of a run (XLSX through libxlsxwriter, or CSV), the printable roll
 * (花名册) per township, and the bank's return file.
 *
 * Design:
 * - The bank file holds every live line that has an account (lines without
 *   one are listed as "missing_account" on the run and never sent), one row
 *   each, then a totals row.  The rows are counted and summed as they are
 *   written and compared with what the database says (and with the run's
 *   total less the lines without an account) before anything is returned:
 *   a mismatch writes nothing (ERR_INTERNAL rule "totals").  The file holds
 *   full ID and account numbers, so every download is audited.
 * - libxlsxwriter 1.1.4 writes to a file name only: the workbook goes to a
 *   private temporary file that is read back and removed.
 * - The return file is all or nothing: every row must name one line of the
 *   run (by 明细编号, or by 账号 when that account is on one line only) and a
 *   known result, and every line sent to the bank must be answered; else
 *   nothing changes and every problem is listed.  Lines that had no account
 *   were never sent: they become failed ("无发放账户").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "payment.h"
#include "audit.h"
#include "workflow.h"
#include "../core/clock.h"
#include "../core/csv.h"
#include "../core/division.h"
#include "../core/idcard.h"
#include "../core/strbuf.h"
#include "../core/text.h"
#include "../core/banned.h"

static const char *const headers[] = {
	"序号", "户主/收款人", "身份证号", "开户行", "账号", "金额(元)", "乡镇", "村(社区)", "明细编号",
};
#define N_HEADERS (sizeof(headers) / sizeof(headers[0]))

struct bank_row {
	int64_t line_id, amount_fen;
	char *payee, *id_number, *bank, *account, *township, *village;
};

static void rows_free(struct bank_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].payee);
		free(rows[i].id_number);
		free(rows[i].bank);
		free(rows[i].account);
		free(rows[i].township);
		free(rows[i].village);
	}
	free(rows);
}

static int load_bank_rows(struct store *s, int64_t run_id, struct bank_row **out,
			  size_t *n_out, struct err *e)
{
	struct store_stmt *st = NULL;
	struct bank_row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc = store_query(s, &st, e,
		"SELECT l.id, l.payee_name, COALESCE(p.id_number, ''), COALESCE(l.bank, ''),"
		" l.account_no, l.amount_fen, COALESCE(t.name, ''), COALESCE(v.name, '')"
		" FROM payment_lines l LEFT JOIN persons p ON p.id = l.person_id"
		" LEFT JOIN divisions t ON t.code = substr(l.region_code, 1, 9)"
		" LEFT JOIN divisions v ON v.code = l.region_code"
		" WHERE l.run_id = $1 AND l.status <> 'void' AND l.account_no IS NOT NULL"
		" ORDER BY l.region_code, l.id", "i", run_id);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		rows = xgrow(rows, &cap, n + 1, sizeof(*rows));
		struct bank_row *r = &rows[n++];
		r->line_id = store_col_int64(st, 0);
		r->payee = xstrdup(store_col_text(st, 1));
		r->id_number = xstrdup(store_col_text(st, 2));
		r->bank = xstrdup(store_col_text(st, 3));
		r->account = xstrdup(store_col_text(st, 4));
		r->amount_fen = store_col_int64(st, 5);
		r->township = xstrdup(store_col_text(st, 6));
		r->village = xstrdup(store_col_text(st, 7));
	}
	store_finalize(st);
	if (rc < 0) {
		rows_free(rows, n);
		return rc;
	}
	*out = rows;
	*n_out = n;
	return 0;
}

static int write_csv(const struct bank_row *rows, size_t n, int64_t total,
		     unsigned char **data, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char num[32];

	strbuf_addstr(&sb, "\xEF\xBB\xBF");
	for (size_t c = 0; c < N_HEADERS; c++) {
		if (c)
			strbuf_addch(&sb, ',');
		strbuf_addstr(&sb, headers[c]);
	}
	strbuf_addstr(&sb, "\r\n");
	for (size_t i = 0; i < n; i++) {
		const struct bank_row *r = &rows[i];
		strbuf_addf(&sb, "%zu,", i + 1);
		csv_append_field(&sb, r->payee, strlen(r->payee));
		strbuf_addch(&sb, ',');
		csv_append_field(&sb, r->id_number, strlen(r->id_number));
		strbuf_addch(&sb, ',');
		csv_append_field(&sb, r->bank, strlen(r->bank));
		strbuf_addch(&sb, ',');
		csv_append_field(&sb, r->account, strlen(r->account));
		text_yuan(r->amount_fen, 0, num);
		strbuf_addf(&sb, ",%s,", num);
		csv_append_field(&sb, r->township, strlen(r->township));
		strbuf_addch(&sb, ',');
		csv_append_field(&sb, r->village, strlen(r->village));
		strbuf_addf(&sb, ",%" PRId64 "\r\n", r->line_id);
	}
	text_yuan(total, 0, num);
	strbuf_addf(&sb, "合计,%zu,,,,%s,,,\r\n", n, num);
	*data = (unsigned char *)strbuf_detach(&sb, len);
	return 0;
}

static int read_whole(const char *path, unsigned char **data, size_t *len,
		      struct err *e)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t got;

	if (!f)
		return err_setf(e, ERR_INTERNAL, NULL, "xlsx", "无法读取银行文件：%s",
				"cannot read the bank file back: %s", strerror(errno));
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, got);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		strbuf_release(&sb);
		return err_set(e, ERR_INTERNAL, NULL, "xlsx", "无法读取银行文件",
			       "cannot read the bank file back");
	}
	*data = (unsigned char *)strbuf_detach(&sb, len);
	return 0;
}

static int write_xlsx(const struct payment_run_row *run, const struct bank_row *rows,
		      size_t n, int64_t total, unsigned char **data, size_t *len,
		      struct err *e)
{
	const char *tmp = getenv("TMPDIR");
	char path[4200], title[160];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *head, *money, *text, *bold_money;
	lxw_error le;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/civicare-bank-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 4000 ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return err_setf(e, ERR_INTERNAL, NULL, "xlsx", "无法创建临时文件：%s",
				"cannot create a temporary file: %s", strerror(errno));
	close(fd);
	wb = workbook_new(path);
	if (!wb) {
		unlink(path);
		return err_set(e, ERR_INTERNAL, NULL, "xlsx", "无法创建银行文件",
			       "libxlsxwriter could not create the workbook");
	}
	ws = workbook_add_worksheet(wb, "代发明细");
	head = workbook_add_format(wb);
	format_set_bold(head);
	format_set_border(head, LXW_BORDER_THIN);
	format_set_align(head, LXW_ALIGN_CENTER);
	money = workbook_add_format(wb);
	format_set_num_format(money, "0.00");
	bold_money = workbook_add_format(wb);
	format_set_num_format(bold_money, "0.00");
	format_set_bold(bold_money);
	text = workbook_add_format(wb);
	format_set_num_format(text, "@");
	snprintf(title, sizeof(title), "%s %s", run->program, run->month);
	lxw_doc_properties props = { .title = title, .company = "civicare" };
	workbook_set_properties(wb, &props);
	worksheet_set_column(ws, 0, 0, 6, NULL);
	worksheet_set_column(ws, 1, 1, 14, NULL);
	worksheet_set_column(ws, 2, 2, 22, text);
	worksheet_set_column(ws, 3, 3, 22, NULL);
	worksheet_set_column(ws, 4, 4, 26, text);
	worksheet_set_column(ws, 5, 5, 12, money);
	worksheet_set_column(ws, 6, 7, 14, NULL);
	worksheet_set_column(ws, 8, 8, 10, NULL);
	for (size_t c = 0; c < N_HEADERS; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], head);
	for (size_t i = 0; i < n; i++) {
		const struct bank_row *r = &rows[i];
		lxw_row_t row = (lxw_row_t)(i + 1);
		worksheet_write_number(ws, row, 0, (double)(i + 1), NULL);
		worksheet_write_string(ws, row, 1, r->payee, NULL);
		worksheet_write_string(ws, row, 2, r->id_number, text);
		worksheet_write_string(ws, row, 3, r->bank, NULL);
		worksheet_write_string(ws, row, 4, r->account, text);
		worksheet_write_number(ws, row, 5, (double)r->amount_fen / 100.0, money);
		worksheet_write_string(ws, row, 6, r->township, NULL);
		worksheet_write_string(ws, row, 7, r->village, NULL);
		worksheet_write_number(ws, row, 8, (double)r->line_id, NULL);
	}
	lxw_row_t last = (lxw_row_t)(n + 1);
	worksheet_write_string(ws, last, 0, "合计", head);
	worksheet_write_number(ws, last, 1, (double)n, NULL);
	worksheet_write_number(ws, last, 5, (double)total / 100.0, bold_money);
	worksheet_freeze_panes(ws, 1, 0);
	le = workbook_close(wb);
	if (le != LXW_NO_ERROR) {
		unlink(path);
		return err_setf(e, ERR_INTERNAL, NULL, "xlsx", "生成银行文件失败：%s",
				"libxlsxwriter failed: %s", lxw_strerror(le));
	}
	rc = read_whole(path, data, len, e);
	unlink(path);
	return rc;
}

int payment_bank_file(struct store *s, const struct actor *a, int64_t id,
		      const char *format, unsigned char **data, size_t *len,
		      struct err *e)
{
	struct payment_run_row run;
	struct bank_row *rows = NULL;
	size_t n = 0;
	int64_t sum = 0, db_lines = 0, db_fen = 0, missing_fen = 0;
	int rc;

	*data = NULL;
	*len = 0;
	if (!format || !*format)
		format = "xlsx";
	if (strcmp(format, "xlsx") != 0 && strcmp(format, "csv") != 0)
		return err_set(e, ERR_INVALID, "format", "enum", "format 须为 xlsx 或 csv",
			       "format must be xlsx or csv");
	if ((rc = perm_require(a, PERM_PAYMENT_MANAGE, e)) < 0 ||
	    (rc = payment_run_load(s, id, &run, e)) < 0 ||
	    (rc = payment_require_scope(a, &run, e)) < 0)
		return rc;
	if (strcmp(run.status, "approved") != 0 && strcmp(run.status, "paid") != 0 &&
	    strcmp(run.status, "reconciled") != 0)
		return err_setf(e, ERR_CONFLICT, NULL, "state",
				"批次状态为“%s”：审批通过后才能生成银行文件",
				"the run is “%s”: the bank file exists once it is approved",
				run.status);
	if ((rc = load_bank_rows(s, id, &rows, &n, e)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		sum += rows[i].amount_fen;
	if ((rc = store_int64(s, &db_lines, e, "SELECT count(*) FROM payment_lines WHERE"
			      " run_id = $1 AND status <> 'void' AND account_no IS NOT NULL",
			      "i", id)) < 0 ||
	    (rc = store_int64(s, &db_fen, e, "SELECT COALESCE(sum(amount_fen), 0) FROM"
			      " payment_lines WHERE run_id = $1 AND status <> 'void' AND"
			      " account_no IS NOT NULL", "i", id)) < 0 ||
	    (rc = store_int64(s, &missing_fen, e, "SELECT COALESCE(sum(amount_fen), 0) FROM"
			      " payment_lines WHERE run_id = $1 AND status <> 'void' AND"
			      " account_no IS NULL", "i", id)) < 0)
		goto done;
	if ((rc = payment_check_totals((int64_t)n, sum, db_lines, db_fen, e)) < 0 ||
	    (rc = payment_check_totals((int64_t)n, sum + missing_fen, (int64_t)n,
				       run.total_fen, e)) < 0)
		goto done;
	if (strcmp(format, "csv") == 0)
		rc = write_csv(rows, n, sum, data, len);
	else
		rc = write_xlsx(&run, rows, n, sum, data, len, e);
	if (rc < 0)
		goto done;
	json_t *d = json_pack("{s:s, s:I, s:I, s:s, s:s}", "format", format,
			      "lines", (json_int_t)n, "total_fen", (json_int_t)sum,
			      "program", run.program, "month", run.month);
	rc = audit_append(s, a, "payment.bank_file", "payment_run", id, run.region_code, d, e);
	json_decref(d);
	if (rc < 0) {
		free(*data);
		*data = NULL;
		*len = 0;
	}
done:
	rows_free(rows, n);
	return rc;
}

/* === the roll (花名册) === */

static void money_cell(struct strbuf *sb, int64_t fen)
{
	char y[32];
	text_yuan(fen, 1, y);
	strbuf_addf(sb, "¥%s", y);
}

static const char *line_status_zh(const char *st)
{
	if (strcmp(st, "paid") == 0) return "已发放";
	if (strcmp(st, "failed") == 0) return "失败";
	if (strcmp(st, "void") == 0) return "作废";
	return "待发放";
}

static void village_total(struct strbuf *sb, const char *name, int64_t lines,
			  int64_t members, int64_t fen)
{
	strbuf_addstr(sb, "<tr class=\"sub\"><td colspan=\"4\">");
	strbuf_add_html(sb, name);
	strbuf_addf(sb, " 小计：%" PRId64 " 户</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">",
		    lines, members);
	money_cell(sb, fen);
	strbuf_addstr(sb, "</td><td colspan=\"2\"></td></tr>\n");
}

static void town_end(struct strbuf *sb, const char *name, int64_t lines,
		     int64_t members, int64_t fen)
{
	strbuf_addstr(sb, "<tr class=\"tot\"><td colspan=\"4\">");
	strbuf_add_html(sb, name);
	strbuf_addf(sb, " 合计：%" PRId64 " 户</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">",
		    lines, members);
	money_cell(sb, fen);
	strbuf_addstr(sb, "</td><td colspan=\"2\"></td></tr>\n</tbody></table>\n"
		      "<p class=\"sign\">制表人：__________　　审核人：__________　　"
		      "乡镇（街道）负责人：__________　　日期：____年__月__日</p>\n</section>\n");
}

int payment_roll_html(struct store *s, const struct actor *a, int64_t id,
		      const char *township, char **html, size_t *len,
		      struct err *e)
{
	struct payment_run_row run;
	struct store_stmt *st = NULL;
	struct strbuf sb = STRBUF_INIT;
	char cur_town[10] = "", cur_village[13] = "", town_name[128] = "", village_name[128] = "";
	char month_zh[32], today[11];
	int64_t t_lines = 0, t_members = 0, t_fen = 0, v_lines = 0, v_members = 0, v_fen = 0;
	int64_t seq = 0, sections = 0;
	const char *region;
	int y, m, rc;

	*html = NULL;
	*len = 0;
	if ((rc = perm_require(a, PERM_PAYMENT_READ, e)) < 0 ||
	    (rc = payment_run_load(s, id, &run, e)) < 0)
		return rc;
	if (township && *township && (rc = division_check(township, "township", e)) < 0)
		return rc;
	region = perm_region_narrow(a, township && *township ? township : NULL);
	if (payment_parse_month(run.month, &y, &m) == 0)
		snprintf(month_zh, sizeof(month_zh), "%d年%d月", y, m);
	else
		snprintf(month_zh, sizeof(month_zh), "%s", run.month);
	clock_format_date(clock_today_china(), today);
	rc = store_query(s, &st, e,
		"SELECT substr(l.region_code, 1, 9), COALESCE(t.name, ''), l.region_code,"
		" COALESCE(v.name, ''), l.payee_name, COALESCE(p.id_number, ''), l.members,"
		" l.amount_fen, COALESCE(l.account_no, ''), COALESCE(l.bank, ''), l.status"
		" FROM payment_lines l LEFT JOIN persons p ON p.id = l.person_id"
		" LEFT JOIN divisions t ON t.code = substr(l.region_code, 1, 9)"
		" LEFT JOIN divisions v ON v.code = l.region_code"
		" WHERE l.run_id = $1 AND l.status <> 'void'"
		" AND substr(l.region_code, 1, length($2)) = $2"
		" ORDER BY l.region_code, l.id", "is", id, region);
	if (rc < 0)
		return rc;
	strbuf_addstr(&sb, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		      "<title>");
	strbuf_add_html(&sb, payment_program_name(run.program));
	strbuf_addf(&sb, " %s 发放花名册</title>\n<style>\n"
		"body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",sans-serif;"
		"margin:16px;color:#111;font-size:13px}\n"
		"h1{font-size:20px;text-align:center;margin:4px 0}\n"
		"p.meta{text-align:center;margin:2px 0 10px}\n"
		"table{width:100%%;border-collapse:collapse}\n"
		"th,td{border:1px solid #444;padding:3px 5px}\n"
		"th{background:#eee}\n td.n{text-align:right;white-space:nowrap}\n"
		"tr.sub td{background:#f6f6f6;font-weight:bold}\n"
		"tr.tot td{background:#e6e6e6;font-weight:bold}\n"
		".noacct{color:#b00}\n p.sign{margin-top:18px}\n"
		"section{page-break-after:always}\n section:last-child{page-break-after:auto}\n"
		"@media print{body{margin:0}th{background:#eee!important;"
		"-webkit-print-color-adjust:exact;print-color-adjust:exact}"
		"@page{size:A4 landscape;margin:12mm}}\n"
		"</style></head><body>\n", run.month);
	while ((rc = store_step(st, e)) == STORE_ROW) {
		const char *town = store_col_text(st, 0), *village = store_col_text(st, 2);
		const char *acct = store_col_text(st, 8);
		int64_t members = store_col_int64(st, 6), fen = store_col_int64(st, 7);
		char masked[19], amask[40];

		if (strcmp(town, cur_town) != 0) {
			if (cur_village[0])
				village_total(&sb, village_name, v_lines, v_members, v_fen);
			if (cur_town[0])
				town_end(&sb, town_name, t_lines, t_members, t_fen);
			snprintf(cur_town, sizeof(cur_town), "%s", town);
			snprintf(town_name, sizeof(town_name), "%s",
				 *store_col_text(st, 1) ? store_col_text(st, 1) : town);
			cur_village[0] = '\0';
			t_lines = t_members = t_fen = 0;
			seq = 0;
			sections++;
			strbuf_addstr(&sb, "<section>\n<h1>");
			strbuf_add_html(&sb, payment_program_name(run.program));
			strbuf_addf(&sb, "发放花名册</h1>\n<p class=\"meta\">%s　", month_zh);
			strbuf_add_html(&sb, town_name);
			strbuf_addf(&sb, "（%s）　批次 #%" PRId64 "　打印日期 %s</p>\n", town, id, today);
			strbuf_addstr(&sb, "<table><thead><tr><th>序号</th><th>村（社区）</th>"
				      "<th>户主/收款人</th><th>身份证号</th><th>人数</th>"
				      "<th>金额（元）</th><th>发放账户</th><th>状态</th></tr></thead><tbody>\n");
		}
		if (strcmp(village, cur_village) != 0) {
			if (cur_village[0])
				village_total(&sb, village_name, v_lines, v_members, v_fen);
			snprintf(cur_village, sizeof(cur_village), "%s", village);
			snprintf(village_name, sizeof(village_name), "%s",
				 *store_col_text(st, 3) ? store_col_text(st, 3) : village);
			v_lines = v_members = v_fen = 0;
		}
		idcard_mask(store_col_text(st, 5), masked);
		payment_mask_account(acct, amask);
		strbuf_addf(&sb, "<tr><td class=\"n\">%" PRId64 "</td><td>", ++seq);
		strbuf_add_html(&sb, village_name);
		strbuf_addstr(&sb, "</td><td>");
		strbuf_add_html(&sb, store_col_text(st, 4));
		strbuf_addf(&sb, "</td><td>%s</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">",
			    masked, members);
		money_cell(&sb, fen);
		strbuf_addstr(&sb, "</td><td>");
		if (*acct) {
			strbuf_add_html(&sb, store_col_text(st, 9));
			strbuf_addf(&sb, " %s", amask);
		} else {
			strbuf_addstr(&sb, "<span class=\"noacct\">未登记账户（no_account）</span>");
		}
		strbuf_addf(&sb, "</td><td>%s</td></tr>\n", line_status_zh(store_col_text(st, 10)));
		v_lines++, t_lines++;
		v_members += members, t_members += members;
		v_fen += fen, t_fen += fen;
	}
	store_finalize(st);
	if (rc < 0) {
		strbuf_release(&sb);
		return rc;
	}
	if (cur_village[0])
		village_total(&sb, village_name, v_lines, v_members, v_fen);
	if (cur_town[0])
		town_end(&sb, town_name, t_lines, t_members, t_fen);
	if (!sections) {
		strbuf_addstr(&sb, "<h1>");
		strbuf_add_html(&sb, payment_program_name(run.program));
		strbuf_addf(&sb, "发放花名册</h1><p class=\"meta\">%s：本区域没有发放明细"
			    "（no lines in this region）</p>\n", month_zh);
	}
	strbuf_addstr(&sb, "</body></html>\n");
	*html = strbuf_detach(&sb, len);
	return 0;
}

/* === the bank's return file === */

struct ret_line {
	int64_t id, amount;
	char account[40];
	int answered;       /* 0, 1 paid, 2 failed */
	int64_t row;
	char reason[256];
};

static int field_is(const struct csv_field *f, const char *const *names)
{
	const char *p = f->p;
	size_t n = f->len;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && memcmp(names[i], p, n) == 0)
			return 1;
	return 0;
}

static void field_copy(const struct csv_field *f, char *out, size_t size)
{
	const char *p = f->p;
	size_t n = f->len;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void reject(json_t *list, int64_t row, const char *field, const char *msg)
{
	json_array_append_new(list, json_pack("{s:o, s:s, s:s}", "line",
		row > 0 ? json_integer(row) : json_null(), "field", field, "message", msg));
}

int payment_bank_return(struct store *s, const struct actor *a, int64_t id,
			const unsigned char *csv, size_t len, json_t **out,
			struct err *e)
{
	static const char *const h_line[] = { "明细编号", "line_id", "line", NULL };
	static const char *const h_acct[] = { "账号", "account_no", "account", NULL };
	static const char *const h_result[] = { "结果", "result", "status", NULL };
	static const char *const h_reason[] = { "原因", "reason", "fail_reason", NULL };
	static const char *const ok_words[] = { "成功", "paid", "success", "ok", NULL };
	static const char *const fail_words[] = { "失败", "failed", "fail", NULL };
	struct payment_run_row run;
	struct csv_text text = { 0 };
	struct csv_reader rd;
	struct store_stmt *st = NULL;
	struct ret_line *lines = NULL;
	size_t n = 0, cap = 0;
	int c_line = -1, c_acct = -1, c_result = -1, c_reason = -1, have_header = 0;
	int64_t paid = 0, failed = 0, paid_fen = 0, failed_fen = 0, unsent = 0;
	json_t *rejected = json_array();
	char msg[320], now[21];
	int rc;

	*out = NULL;
	if ((rc = perm_require(a, PERM_PAYMENT_MANAGE, e)) < 0 ||
	    (rc = payment_run_load(s, id, &run, e)) < 0 ||
	    (rc = payment_require_scope(a, &run, e)) < 0)
		goto cleanup;
	if (strcmp(run.status, "paid") != 0) {
		rc = err_setf(e, ERR_CONFLICT, NULL, "transition",
			      "批次状态为“%s”：只有已拨付（paid）的批次可以导入银行回盘",
			      "the run is “%s”: only a paid run takes the bank's return file",
			      run.status);
		snprintf(e->allowed, sizeof(e->allowed), "%s", "");
		goto cleanup;
	}
	if (!csv || len == 0) {
		rc = err_set(e, ERR_INVALID, "file", "required", "回盘文件为空",
			     "the return file is empty");
		goto cleanup;
	}
	if ((rc = store_query(s, &st, e, "SELECT id, amount_fen, COALESCE(account_no, '')"
			      " FROM payment_lines WHERE run_id = $1 AND status = 'pending'"
			      " ORDER BY id", "i", id)) < 0)
		goto cleanup;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		lines = xgrow(lines, &cap, n + 1, sizeof(*lines));
		struct ret_line *l = &lines[n++];
		memset(l, 0, sizeof(*l));
		l->id = store_col_int64(st, 0);
		l->amount = store_col_int64(st, 1);
		snprintf(l->account, sizeof(l->account), "%s", store_col_text(st, 2));
	}
	store_finalize(st);
	if (rc < 0)
		goto cleanup;
	if ((rc = csv_decode(csv, len, &text, e)) < 0) {
		snprintf(e->field, sizeof(e->field), "%s", "file");
		goto cleanup;
	}
	csv_init(&rd, text.p, text.len);
	while ((rc = csv_next(&rd, e)) == 1) {
		if (rd.n_fields == 1 && csv_field_blank(&rd.fields[0]))
			continue;
		if (!have_header) {
			for (int i = 0; i < rd.n_fields; i++) {
				if (field_is(&rd.fields[i], h_line)) c_line = i;
				else if (field_is(&rd.fields[i], h_acct)) c_acct = i;
				else if (field_is(&rd.fields[i], h_result)) c_result = i;
				else if (field_is(&rd.fields[i], h_reason)) c_reason = i;
			}
			if ((c_line < 0 && c_acct < 0) || c_result < 0) {
				rc = err_set(e, ERR_INVALID, "file", "header",
					     "回盘文件首行须有列“明细编号”或“账号”，以及“结果”（可选“原因”）",
					     "the first row must name the columns 明细编号 (line_id) or"
					     " 账号 (account_no), and 结果 (result); 原因 (reason) optional");
				break;
			}
			have_header = 1;
			continue;
		}
		char lid[40] = "", acct[64] = "", res[40] = "", why[256] = "";
		struct ret_line *hit = NULL;
		int64_t row = rd.record_line;
		if (c_line >= 0 && c_line < rd.n_fields)
			field_copy(&rd.fields[c_line], lid, sizeof(lid));
		if (c_acct >= 0 && c_acct < rd.n_fields)
			field_copy(&rd.fields[c_acct], acct, sizeof(acct));
		if (c_result < rd.n_fields)
			field_copy(&rd.fields[c_result], res, sizeof(res));
		if (c_reason >= 0 && c_reason < rd.n_fields)
			field_copy(&rd.fields[c_reason], why, sizeof(why));
		if (strcmp(lid, "合计") == 0 || strcmp(acct, "合计") == 0)
			continue;
		if (lid[0]) {
			char *end;
			long long v = strtoll(lid, &end, 10);
			for (size_t i = 0; *end == '\0' && v > 0 && i < n; i++)
				if (lines[i].id == v)
					hit = &lines[i];
			if (!hit) {
				snprintf(msg, sizeof(msg), "第%" PRId64 "行：明细编号 %s 不是本批次待回盘的明细"
					 "（line %s is not a pending line of this run）", row, lid, lid);
				reject(rejected, row, "明细编号", msg);
				continue;
			}
		} else if (acct[0]) {
			int count = 0;
			for (size_t i = 0; i < n; i++)
				if (lines[i].account[0] && strcmp(lines[i].account, acct) == 0) {
					hit = &lines[i];
					count++;
				}
			if (count != 1) {
				char masked[40];
				payment_mask_account(acct, masked);
				snprintf(msg, sizeof(msg), count == 0
					 ? "第%" PRId64 "行：账号 %s 不在本批次中（account not in this run）"
					 : "第%" PRId64 "行：账号 %s 对应多条明细，请填明细编号"
					   "（account on several lines: give the line id）", row, masked);
				reject(rejected, row, "账号", msg);
				continue;
			}
		} else {
			snprintf(msg, sizeof(msg), "第%" PRId64 "行：缺少明细编号或账号"
				 "（no line id or account）", row);
			reject(rejected, row, "明细编号", msg);
			continue;
		}
		if (!hit->account[0]) {
			snprintf(msg, sizeof(msg), "第%" PRId64 "行：明细 %" PRId64 " 没有发放账户，未发送银行"
				 "（the line had no account and was not sent）", row, hit->id);
			reject(rejected, row, "明细编号", msg);
			continue;
		}
		if (hit->answered) {
			snprintf(msg, sizeof(msg), "第%" PRId64 "行：明细 %" PRId64 " 已在第%" PRId64 "行出现"
				 "（line repeated）", row, hit->id, hit->row);
			reject(rejected, row, "明细编号", msg);
			continue;
		}
		struct csv_field rf = { res, strlen(res), 0 };
		if (field_is(&rf, ok_words)) {
			hit->answered = 1;
		} else if (field_is(&rf, fail_words)) {
			hit->answered = 2;
			snprintf(hit->reason, sizeof(hit->reason), "%s", why[0] ? why : "银行退回");
		} else {
			snprintf(msg, sizeof(msg), "第%" PRId64 "行：结果“%s”应为 成功 或 失败"
				 "（result must be 成功/失败 or paid/failed）", row, res);
			reject(rejected, row, "结果", msg);
			continue;
		}
		hit->row = row;
	}
	csv_release(&rd);
	if (rc < 0) {
		if (!e->field[0])
			snprintf(e->field, sizeof(e->field), "%s", "file");
		goto cleanup;
	}
	if (!have_header) {
		rc = err_set(e, ERR_INVALID, "file", "header", "回盘文件没有内容",
			     "the return file has no rows");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		if (lines[i].account[0] && !lines[i].answered) {
			snprintf(msg, sizeof(msg), "明细 %" PRId64 " 未出现在回盘文件中"
				 "（line %" PRId64 " is not answered）", lines[i].id, lines[i].id);
			json_array_append_new(rejected, json_pack("{s:n, s:s, s:s, s:I}", "line",
				"field", "明细编号", "message", msg, "line_id", (json_int_t)lines[i].id));
		}
	}
	if (json_array_size(rejected) > 0) {
		const char *first = json_string_value(json_object_get(
			json_array_get(rejected, 0), "message"));
		rc = err_setf(e, ERR_INVALID, "file", "rows",
			      "回盘文件有 %zu 处问题，未作任何修改。%s",
			      "the return file has %zu problems; nothing was changed. %s",
			      json_array_size(rejected), first ? first : "");
		*out = json_pack("{s:i, s:i, s:i, s:i, s:O}", "paid", 0, "failed", 0,
				 "paid_fen", 0, "failed_fen", 0, "rejected", rejected);
		goto cleanup;
	}
	clock_format_utc(clock_now(), now);
	if ((rc = store_begin(s, e)) < 0)
		goto cleanup;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct ret_line *l = &lines[i];
		int ok = l->answered == 1;
		const char *why = ok ? NULL : l->answered == 2 ? l->reason : "无发放账户，未发送银行";
		if (!l->answered)
			unsent++;
		rc = store_execv(s, e, "UPDATE payment_lines SET status = $1, paid_date = $2,"
				 " fail_reason = $3, updated_at = $4 WHERE id = $5 AND status = 'pending'",
				 "ssssi", ok ? "paid" : "failed", ok ? run.paid_date : NULL, why,
				 now, l->id);
		if (rc == 0 && store_changes(s) != 1)
			rc = err_set(e, ERR_CONFLICT, NULL, "stale", "明细已被他人修改，请刷新后重试",
				     "a line changed meanwhile: reload and retry");
		if (ok) {
			paid++;
			paid_fen += l->amount;
		} else {
			failed++;
			failed_fen += l->amount;
		}
	}
	if (rc == 0)
		rc = store_execv(s, e, "UPDATE payment_runs SET paid_fen = $1, failed_fen = $2"
				 " WHERE id = $3", "iii", paid_fen, failed_fen, id);
	if (rc == 0) {
		struct wf_record w;
		const struct wf_transition *row = NULL;
		json_t *d = json_pack("{s:I, s:I, s:I, s:I, s:I}", "paid", (json_int_t)paid,
				      "failed", (json_int_t)failed, "paid_fen", (json_int_t)paid_fen,
				      "failed_fen", (json_int_t)failed_fen, "unsent", (json_int_t)unsent);
		memset(&w, 0, sizeof(w));
		w.id = id;
		w.state = run.status;
		w.region_code = run.region_code;
		if ((rc = workflow_check(&wf_payment_run, &w, a, "reconcile", NULL, &row, e)) == 0 &&
		    (rc = workflow_apply(s, &wf_payment_run, &w, a, row, NULL, d, e)) == 0)
			rc = audit_append(s, a, "payment.bank_return", "payment_run", id,
					  run.region_code, d, e);
		json_decref(d);
	}
	if (rc < 0) {
		store_rollback(s);
		goto cleanup;
	}
	if ((rc = store_commit(s, e)) < 0)
		goto cleanup;
	*out = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:O}", "run_id", (json_int_t)id,
			 "status", "reconciled", "paid", (json_int_t)paid, "failed", (json_int_t)failed,
			 "paid_fen", (json_int_t)paid_fen, "failed_fen", (json_int_t)failed_fen,
			 "unsent", (json_int_t)unsent, "rejected", rejected);
cleanup:
	json_decref(rejected);
	csv_text_release(&text);
	free(lines);
	return rc;
}
