/*
 * verify_html.c - the printable page of a household economic verification.
 *
 * Design: the page is rendered from the JSON result alone (the same object
 * the API answers), so the page and the JSON never disagree.  One A4 page
 * (more if the records are many) in Chinese: the household, the verdict,
 * every reason with the department records behind it, members, income,
 * assets, rigid spending, the standards used and their dates, and lines to
 * sign.  Everything from data is HTML-escaped; the page has no scripts and
 * no external resources, so it prints the same offline.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"
#include "../core/strbuf.h"
#include "../core/text.h"
#include "../core/banned.h"

static const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static int64_t num(json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static void add_yuan(struct strbuf *sb, int64_t fen)
{
	char y[TEXT_YUAN_MAX];
	text_yuan(fen, 0, y);
	strbuf_addstr(sb, y);
}

static void add_x100(struct strbuf *sb, int64_t v)
{
	strbuf_addf(sb, "%" PRId64 ".%02" PRId64, v / 100, v % 100);
}

/* Chinese labels for the canonical columns and codes the page shows. */
static const char *const labels[][2] = {
	{ "id_number", "身份证号码" }, { "plate", "号牌号码" },
	{ "vehicle_type", "车辆类型" }, { "registered_date", "登记日期" },
	{ "property_id", "不动产单元号" }, { "use", "用途" },
	{ "area_m2", "建筑面积（㎡）" }, { "company", "企业名称" },
	{ "role", "身份" }, { "balance_fen", "余额（元）" },
	{ "as_of_date", "余额日期" }, { "year", "年度" },
	{ "income_fen", "收入额（元）" }, { "monthly_fen", "月额（元）" },
	{ "since_date", "开始领取" }, { "settle_date", "结算日期" },
	{ "total_fen", "总费用（元）" }, { "self_paid_fen", "个人自付（元）" },
	{ "diagnosis_class", "诊断类别" }, { "death_date", "死亡日期" },
	{ "car", "小型汽车" }, { "truck", "货车" }, { "motorcycle", "摩托车" },
	{ "tractor", "拖拉机" }, { "motor_wheelchair", "残疾人机动轮椅车" },
	{ "boat", "船舶" }, { "machinery", "工程或农业机械" },
	{ "residential", "住宅" }, { "shop", "商铺" }, { "other", "其他" },
	{ "legal_person", "法定代表人" }, { "shareholder", "股东" },
	{ "self", "户主" }, { "spouse", "配偶" }, { "child", "子女" },
	{ "parent", "父母" }, { "grandchild", "孙子女" }, { "grandparent", "祖父母" },
	{ "sibling", "兄弟姐妹" }, { "child_in_law", "儿媳或女婿" },
};

static const char *label(const char *code)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i][0], code) == 0)
			return labels[i][1];
	return code;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void add_fields(struct strbuf *sb, json_t *fields)
{
	const char *key;
	json_t *v;
	int first = 1;
	json_object_foreach(fields, key, v) {
		if (json_is_null(v))
			continue;
		if (!first)
			strbuf_addstr(sb, "；");
		first = 0;
		strbuf_add_html(sb, label(key));
		strbuf_addstr(sb, "：");
		if (json_is_integer(v) && ends_with(key, "_fen"))
			add_yuan(sb, json_integer_value(v));
		else if (json_is_integer(v) && strcmp(key, "area_m2") == 0)
			add_x100(sb, json_integer_value(v));
		else if (json_is_integer(v))
			strbuf_addf(sb, "%" PRId64, (int64_t)json_integer_value(v));
		else
			strbuf_add_html(sb, label(json_string_value(v) ? json_string_value(v) : ""));
	}
}

static void add_records(struct strbuf *sb, json_t *records)
{
	size_t i;
	json_t *r;
	if (json_array_size(records) == 0)
		return;
	strbuf_addstr(sb, "<table class=\"rec\"><tr><th>数据来源</th><th>批次</th>"
		      "<th>行号</th><th>文件</th><th>内容</th></tr>");
	json_array_foreach(records, i, r) {
		strbuf_addstr(sb, "<tr><td>");
		strbuf_add_html(sb, str(r, "feed_label"));
		strbuf_addf(sb, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>",
			    num(r, "batch_id"), num(r, "line"));
		strbuf_add_html(sb, str(r, "file"));
		strbuf_addstr(sb, "</td><td>");
		add_fields(sb, json_object_get(r, "fields"));
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</table>");
}

static const char style[] =
	"<style>"
	"@page{size:A4;margin:16mm 15mm}"
	"body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC','Source Han Serif SC',"
	"'SimSun',serif;font-size:10.5pt;color:#000;max-width:180mm;margin:0 auto}"
	"h1{font-size:18pt;text-align:center;margin:0 0 2mm}"
	"h2{font-size:12pt;margin:5mm 0 2mm;border-bottom:1px solid #000}"
	".sub{text-align:center;font-size:9pt;margin:0 0 4mm}"
	"table{border-collapse:collapse;width:100%;margin:1mm 0 2mm}"
	"th,td{border:1px solid #555;padding:1mm 1.5mm;text-align:left;vertical-align:top}"
	"th{background:#eee;font-weight:normal}"
	"table.rec{font-size:8.5pt}"
	".verdict{border:2px solid #000;padding:3mm;font-size:14pt;text-align:center;margin:4mm 0}"
	".en{color:#444;font-size:8.5pt}"
	".exclusion{font-weight:bold}"
	".sign{margin-top:10mm;display:flex;justify-content:space-between}"
	"li{margin-bottom:2mm}"
	"tr,li{page-break-inside:avoid}"
	"</style>";

static void head_section(struct strbuf *sb, json_t *r)
{
	json_t *auth = json_object_get(r, "authorization");
	strbuf_addstr(sb, "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		      "<title>家庭经济状况核对报告</title>");
	strbuf_addstr(sb, style);
	strbuf_addstr(sb, "</head><body><h1>家庭经济状况核对报告</h1><p class=\"sub\">");
	strbuf_addf(sb, "核对编号 %" PRId64 " · 核对日期 ", num(r, "id"));
	strbuf_add_html(sb, str(r, "as_of"));
	strbuf_addstr(sb, " · 生成时间 ");
	strbuf_add_html(sb, str(r, "created_at"));
	strbuf_addstr(sb, "</p><table>");
	strbuf_addf(sb, "<tr><th>家庭编号</th><td>%" PRId64 "</td><th>城乡</th><td>%s</td></tr>",
		    num(r, "household_id"),
		    strcmp(str(r, "area_kind"), "urban") == 0 ? "城市" : "农村");
	strbuf_addstr(sb, "<tr><th>所在村（社区）</th><td colspan=\"3\">");
	strbuf_add_html(sb, str(r, "region_name"));
	strbuf_addstr(sb, "（");
	strbuf_add_html(sb, str(r, "region_code"));
	strbuf_addstr(sb, "）</td></tr><tr><th>住址</th><td colspan=\"3\">");
	strbuf_add_html(sb, str(r, "address"));
	strbuf_addf(sb, "</td></tr><tr><th>家庭人口</th><td>%" PRId64 " 人</td>"
		    "<th>核对授权</th><td>已签署（入户调查 ", num(r, "household_size"));
	strbuf_add_html(sb, str(auth, "visit_date"));
	strbuf_addf(sb, "，案件 %" PRId64 "）</td></tr></table>", num(auth, "case_id"));
}

static void verdict_section(struct strbuf *sb, json_t *r)
{
	size_t i;
	json_t *reason;
	strbuf_addstr(sb, "<div class=\"verdict\">核对结论：");
	strbuf_add_html(sb, str(r, "verdict_zh"));
	strbuf_addstr(sb, " <span class=\"en\">");
	strbuf_add_html(sb, str(r, "verdict_en"));
	strbuf_addstr(sb, "</span></div><h2>一、核对理由及依据记录</h2><ol>");
	json_array_foreach(json_object_get(r, "reasons"), i, reason) {
		strbuf_addf(sb, "<li class=\"%s\">",
			    strcmp(str(reason, "kind"), "exclusion") == 0 ? "exclusion" : "plain");
		strbuf_add_html(sb, str(reason, "text_zh"));
		strbuf_addstr(sb, "<br><span class=\"en\">");
		strbuf_add_html(sb, str(reason, "text_en"));
		strbuf_addstr(sb, "</span>");
		add_records(sb, json_object_get(reason, "records"));
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ol>");
}

static void members_section(struct strbuf *sb, json_t *r)
{
	size_t i;
	json_t *m;
	strbuf_addstr(sb, "<h2>二、家庭成员</h2><table><tr><th>姓名</th><th>与户主关系</th>"
		      "<th>身份证号码</th><th>状态</th></tr>");
	json_array_foreach(json_object_get(r, "members"), i, m) {
		strbuf_addstr(sb, "<tr><td>");
		strbuf_add_html(sb, str(m, "name"));
		strbuf_addstr(sb, "</td><td>");
		strbuf_add_html(sb, label(str(m, "relation")));
		strbuf_addstr(sb, "</td><td>");
		strbuf_add_html(sb, str(m, "id_number"));
		strbuf_addf(sb, "</td><td>%s</td></tr>",
			    json_is_true(json_object_get(m, "deceased")) ? "已死亡（不计入）" : "在世");
	}
	strbuf_addstr(sb, "</table>");
}

static void money_row(struct strbuf *sb, const char *name, int64_t fen)
{
	strbuf_addf(sb, "<tr><th>%s</th><td>", name);
	add_yuan(sb, fen);
	strbuf_addstr(sb, " 元</td></tr>");
}

static void income_section(struct strbuf *sb, json_t *r)
{
	json_t *inc = json_object_get(r, "income"), *it;
	size_t i;
	strbuf_addstr(sb, "<h2>三、收入（月）</h2><table><tr><th>成员</th><th>项目</th>"
		      "<th>月额（元）</th><th>计入</th></tr>");
	json_array_foreach(json_object_get(inc, "items"), i, it) {
		strbuf_addstr(sb, "<tr><td>");
		strbuf_add_html(sb, str(it, "name"));
		strbuf_addstr(sb, "</td><td>");
		strbuf_add_html(sb, str(it, "kind_zh"));
		strbuf_addstr(sb, "</td><td>");
		add_yuan(sb, num(it, "monthly_fen"));
		strbuf_addf(sb, "</td><td>%s</td></tr>",
			    json_is_true(json_object_get(it, "counted")) ? "是" : "否");
	}
	if (json_array_size(json_object_get(inc, "items")) == 0)
		strbuf_addstr(sb, "<tr><td colspan=\"4\">部门数据中无收入记录</td></tr>");
	strbuf_addstr(sb, "</table><table>");
	money_row(sb, "部门数据核对月收入", num(inc, "feed_monthly_fen"));
	money_row(sb, "入户申报月收入", num(inc, "declared_monthly_fen"));
	money_row(sb, "计入家庭月收入（较高者）", num(inc, "counted_monthly_fen"));
	money_row(sb, "人均月收入", num(inc, "per_capita_fen"));
	strbuf_addstr(sb, "</table>");
}

static void assets_section(struct strbuf *sb, json_t *r)
{
	json_t *a = json_object_get(r, "assets");
	strbuf_addstr(sb, "<h2>四、财产</h2><table>");
	strbuf_addf(sb, "<tr><th>机动车、船舶、机械</th><td>%zu 辆、%zu 艘、%zu 台</td></tr>",
		    json_array_size(json_object_get(a, "vehicles")),
		    json_array_size(json_object_get(a, "boats")),
		    json_array_size(json_object_get(a, "machinery")));
	strbuf_addf(sb, "<tr><th>残疾人机动轮椅车（不计入）</th><td>%zu 辆</td></tr>",
		    json_array_size(json_object_get(a, "motor_wheelchairs")));
	strbuf_addf(sb, "<tr><th>住房</th><td>%" PRId64 " 套，建筑面积 ",
		    num(a, "residential_count"));
	add_x100(sb, num(a, "residential_area_m2x100"));
	strbuf_addstr(sb, " ㎡，人均 ");
	add_x100(sb, num(a, "per_capita_area_m2x100"));
	strbuf_addf(sb, " ㎡</td></tr><tr><th>商铺</th><td>%" PRId64 " 处</td></tr>"
		    "<tr><th>企业（法定代表人或股东）</th><td>%" PRId64 " 家</td></tr>",
		    num(a, "shop_count"), num(a, "companies"));
	strbuf_addstr(sb, "<tr><th>存款</th><td>");
	add_yuan(sb, num(a, "deposits_fen"));
	strbuf_addstr(sb, " 元（限额 ");
	add_yuan(sb, num(a, "deposit_limit_fen"));
	strbuf_addstr(sb, " 元）</td></tr></table>");
}

static void rigid_section(struct strbuf *sb, json_t *r)
{
	json_t *g = json_object_get(r, "rigid");
	strbuf_addstr(sb, "<h2>五、刚性支出（近 12 个月）</h2><table>");
	money_row(sb, "医疗自付（申报与医保结算较高者）", num(g, "medical_fen"));
	money_row(sb, "教育", num(g, "education_fen"));
	money_row(sb, "康复", num(g, "rehabilitation_fen"));
	money_row(sb, "基本生活", num(g, "basic_living_fen"));
	money_row(sb, "合计", num(g, "total_fen"));
	strbuf_addstr(sb, "</table>");
}

static void standards_section(struct strbuf *sb, json_t *r)
{
	json_t *s = json_object_get(r, "standards");
	strbuf_addstr(sb, "<h2>六、适用标准</h2><table>");
	strbuf_addf(sb, "<tr><th>低保标准（%s，%" PRId64 " 年适用）</th><td>",
		    strcmp(str(s, "area_kind"), "urban") == 0 ? "城市" : "农村", num(s, "year"));
	add_yuan(sb, num(s, "dibao_fen"));
	strbuf_addstr(sb, " 元/人·月（");
	strbuf_add_html(sb, str(s, "dibao_label"));
	strbuf_addstr(sb, "）</td></tr>");
	strbuf_addf(sb, "<tr><th>低保边缘标准（%" PRId64 "%%）</th><td>", num(s, "edge_factor_percent"));
	add_yuan(sb, num(s, "edge_fen"));
	strbuf_addstr(sb, " 元/人·月</td></tr><tr><th>存款限额</th><td>");
	add_yuan(sb, num(s, "deposit_limit_fen"));
	strbuf_addstr(sb, " 元（家庭人口 × 低保标准 × 12）</td></tr><tr><th>住房限制</th><td>两套及以上且人均超过 ");
	add_x100(sb, num(s, "housing_minimum_m2x100") * num(s, "housing_area_factor"));
	strbuf_addstr(sb, " ㎡</td></tr><tr><th>城乡居民基本养老金（不计入）</th><td>月额不超过 ");
	add_yuan(sb, num(s, "residents_pension_max_fen"));
	strbuf_addstr(sb, " 元</td></tr><tr><th>上年人均可支配收入</th><td>");
	add_yuan(sb, num(s, "disposable_income_fen_per_year"));
	strbuf_addf(sb, " 元/年；刚性支出超过家庭收入 %" PRId64 "%%</td></tr>",
		    num(s, "rigid_share_percent"));
	strbuf_addstr(sb, "<tr><th>核对标准</th><td>自 ");
	strbuf_add_html(sb, str(s, "effective_from"));
	strbuf_addstr(sb, " 起施行（");
	strbuf_add_html(sb, str(s, "label"));
	strbuf_addstr(sb, "）</td></tr></table>");
}

char *verify_html(json_t *result, size_t *len)
{
	struct strbuf sb;
	strbuf_init(&sb, 16384);
	head_section(&sb, result);
	verdict_section(&sb, result);
	members_section(&sb, result);
	income_section(&sb, result);
	assets_section(&sb, result);
	rigid_section(&sb, result);
	standards_section(&sb, result);
	strbuf_addstr(&sb, "<div class=\"sign\"><span>核对人（签字）：__________</span>"
		      "<span>复核人（签字）：__________</span><span>日期：__________</span></div>"
		      "<p class=\"en\">数据来自部门共享数据与入户调查，经家庭书面授权核对。"
		      "Generated by civicare from department records and the home visit, with the household's written authorization.</p>"
		      "</body></html>\n");
	return strbuf_detach(&sb, len);
}
