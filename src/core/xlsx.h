/*
 * xlsx.h - the first worksheet of an Excel XLSX file as CSV text.
 *
 * Departments often send their files as XLSX.  xlsx_to_csv() turns the
 * first worksheet (the first <sheet> of xl/workbook.xml, found through
 * xl/_rels/workbook.xml.rels; xl/worksheets/sheet1.xml when that fails)
 * into the UTF-8 CSV text the CSV reader takes (csv.h), so a workbook goes
 * through exactly the same checks as a CSV file:
 *
 *   - one CSV record per worksheet row, ended by "\n"; a row missing from
 *     the sheet is an empty line, so the CSV line of a record is its
 *     spreadsheet row number - unless a cell above it holds a line break,
 *     which (as in any CSV) starts a new line inside the quoted field;
 *   - cells placed by their column letters: a gap is an empty field,
 *     empty cells at the end of a row are left out (a short row);
 *   - a field is quoted when it holds a comma, quote, CR or LF, quotes
 *     doubled (csv_append_field);
 *   - text cells (shared strings, also rich text runs, and inline strings)
 *     as written, XML entities and Excel's _xHHHH_ escapes decoded,
 *     phonetic guides (<rPh>) left out; booleans as TRUE / FALSE; error
 *     cells as written (#N/A ...); formulas by their cached value;
 *   - numbers as written in the file, except that a number with a decimal
 *     point or exponent is shown with at most 15 significant digits as
 *     Excel does ("12.0" -> "12", "0.30000000000000004" -> "0.3",
 *     "5.0E-2" -> "0.05"); integers are never touched (long digit strings
 *     keep all their digits);
 *   - dates: a number whose cell style (s="N", the Nth <xf> of <cellXfs>
 *     in the styles part) has a date format comes out as YYYY-MM-DD, the
 *     form the feeds take.  A date format is a built-in one (14-17, 22,
 *     and the zh-CN 27-31, 36, 50-54, 57, 58 - yyyy"年"m"月"d"日" and its
 *     kin) or a format code with y, d, 年, 月 or 日 outside quotes, [...]
 *     and escapes.  A date-time gives its date (the fraction is dropped);
 *     a time of day (hh:mm, h"时"mm"分", 18-21 ...) and a duration stay
 *     numbers.  Serials count from 1900 (Excel's 1900-02-29 included)
 *     or, with <workbookPr date1904="1"/>, from 1904-01-01.  A serial
 *     that is no date (negative, 0 or 60 in the 1900 system, beyond
 *     9999-12-31) stays the number, and the feed rejects it as a bad
 *     date.  Cells typed as dates (t="d", ISO 8601) give their date too.
 *     The styles part is optional and never fatal: when it is missing,
 *     damaged, over XLSX_STYLES_BYTES or over XLSX_STYLES_ITEMS formats
 *     or cell styles, dates stay serial numbers (e.g. 46082), rejected
 *     as bad dates with their line, never imported wrong.
 *
 * Bounds (hostile files): the ZIP is read from its central directory only
 * (sizes in local headers are not trusted), at most XLSX_ENTRIES entries;
 * each entry inflates to at most XLSX_ENTRY_BYTES and at most
 * XLSX_RATIO times its compressed size (plus XLSX_RATIO_FLOOR), which
 * stops zip bombs before the memory is spent; its CRC-32 is checked.
 * At most XLSX_ROWS rows, XLSX_COLUMNS columns, XLSX_STRINGS shared
 * strings of at most XLSX_STRING_BYTES each, XLSX_OUTPUT_BYTES of CSV.
 * ZIP64, encryption and methods other than stored (0) and deflate (8) are
 * refused.  A password-protected XLSX is not a ZIP but an OLE compound
 * file (D0 CF 11 E0, like an old .xls); it is refused with a hint to save
 * the file as a plain XLSX or CSV.
 */
#ifndef CIVICARE_XLSX_H
#define CIVICARE_XLSX_H

#include <stddef.h>
#include "csv.h"
#include "err.h"
#include "limits.h"

#define XLSX_ENTRIES        65535                /* ZIP entries (the format's own cap) */
#define XLSX_ENTRY_BYTES    (64 * 1024 * 1024)   /* one inflated entry */
#define XLSX_RATIO          200                  /* inflated / compressed, per entry */
#define XLSX_RATIO_FLOOR    (1024 * 1024)        /* ... allowed on top, for tiny entries */
#define XLSX_ROWS           1048576              /* Excel's own row count */
#define XLSX_COLUMNS        LIMIT_CSV_FIELDS     /* the CSV reader's cap */
#define XLSX_STRINGS        1000000              /* shared strings */
#define XLSX_STRING_BYTES   (32 * 1024)          /* one cell's text (Excel: 32,767 chars) */
#define XLSX_OUTPUT_BYTES   (4 * (size_t)LIMIT_IMPORT_BYTES) /* the CSV text */
#define XLSX_STYLES_BYTES   (4 * 1024 * 1024)    /* xl/styles.xml, inflated */
#define XLSX_STYLES_ITEMS   65536                /* <numFmt>s, and <xf>s of <cellXfs> */

/* 1 when the bytes look like an XLSX (a ZIP: "PK\3\4") or an encrypted /
 * legacy Office file (OLE: D0 CF 11 E0), i.e. for xlsx_to_csv and not for
 * csv_decode; 0 otherwise. */
int xlsx_sniff(const unsigned char *data, size_t len);

/*
 * The first worksheet of the XLSX file in data as CSV text in *out
 * (out->owned holds it, out->encoding is "XLSX"; free with
 * csv_text_release).  data is not kept.  On failure *out is empty and the
 * return is ERR_INVALID, field "file", rule "xlsx", with a message saying
 * what is wrong ("不是有效的 XLSX 文件：找不到工作表" / "not a valid XLSX
 * file: no worksheet").
 */
int xlsx_to_csv(const unsigned char *data, size_t len, struct csv_text *out,
		struct err *e);

#endif
