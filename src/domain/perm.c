/*
 * perm.c - who may do what, and where.
 *
 * Two tables: role names, and the role x permission grid.  Nothing else in
 * civicare decides permissions: routes name a permission, domain functions
 * call perm_require / perm_require_region.  The grid is written as one row
 * per permission so that reading down a column shows what a role can do.
 */
#include <stdio.h>
#include <string.h>
#include "perm.h"
#include "../core/division.h"
#include "../core/banned.h"

static const struct {
	const char *name;
	const char *label_zh;
} roles[ROLE_COUNT] = {
	[ROLE_COURIER]   = { "courier",   "救助快递员" },
	[ROLE_ASSISTANT] = { "assistant", "救助协理员" },
	[ROLE_COMMANDER] = { "commander", "救助指挥员" },
	[ROLE_REVIEWER]  = { "reviewer",  "部门审核员" },
	[ROLE_ADMIN]     = { "admin",     "民政局管理员" },
	[ROLE_INSPECTOR] = { "inspector", "纪检监察员" },
	[ROLE_ELDERCARE] = { "eldercare", "养老机构人员" },
};

#define C (1u << ROLE_COURIER)
#define A (1u << ROLE_ASSISTANT)
#define M (1u << ROLE_COMMANDER)
#define R (1u << ROLE_REVIEWER)
#define D (1u << ROLE_ADMIN)
#define I (1u << ROLE_INSPECTOR)
#define E (1u << ROLE_ELDERCARE)
#define ALL (C | A | M | R | D | I | E)

static const struct {
	const char *name;
	const char *label_zh;
	unsigned roles;
} perms[PERM_COUNT] = {
	[PERM_PUBLIC]          = { "public",          "公开",           ALL },
	[PERM_SIGNED_IN]       = { "signed_in",       "已登录",         ALL },
	[PERM_DIVISION_READ]   = { "division.read",   "查看区划",       ALL },
	[PERM_PERSON_READ]     = { "person.read",     "查看人员",       C | A | M | R | D | I },
	[PERM_PERSON_WRITE]    = { "person.write",    "登记人员",       A | M | D },
	[PERM_PERSON_ID_FULL]  = { "person.id_full",  "查看完整身份证号", M | R | D | I },
	[PERM_HOUSEHOLD_READ]  = { "household.read",  "查看家庭",       C | A | M | R | D | I },
	[PERM_HOUSEHOLD_WRITE] = { "household.write", "登记家庭",       A | M | D },
	[PERM_USER_READ]       = { "user.read",       "查看账号",       M | D | I },
	[PERM_USER_WRITE]      = { "user.write",      "管理账号",       D },
	[PERM_AUDIT_READ]      = { "audit.read",      "查看审计日志",   D | I },
	[PERM_REPORT_CREATE]   = { "report.create",   "上报困难群众",   C | A | M | D },
	[PERM_REPORT_READ]     = { "report.read",     "查看上报",       C | A | M | D | I },
	[PERM_REPORT_TRIAGE]   = { "report.triage",   "受理上报",       A | M | D },
	[PERM_CASE_READ]       = { "case.read",       "查看案件",       A | M | R | D | I },
	[PERM_CASE_WORK]       = { "case.work",       "办理案件",       A | M | D },
	[PERM_REFERRAL_READ]   = { "referral.read",   "查看转介",       A | M | R | D | I },
	[PERM_REFERRAL_ACT]    = { "referral.act",    "办理转介",       A | M | R | D },
	[PERM_ENROLLMENT_READ] = { "enrollment.read", "查看救助对象",   A | M | R | D | I },
	[PERM_ENROLLMENT_MANAGE] = { "enrollment.manage", "管理救助对象", R | D },
	[PERM_FIGURES_READ]    = { "figures.read",    "查看统计",       M | R | D | I },
	[PERM_ESCALATION_READ] = { "escalation.read", "查看超期预警",   M | D | I },
	[PERM_OUTBOX_MANAGE]   = { "outbox.manage",   "管理消息推送",   D },
	[PERM_FEED_IMPORT]     = { "feed.import",     "导入部门数据",   D },
	[PERM_FEED_READ]       = { "feed.read",       "查看数据批次",   D | I },
	[PERM_MONITOR_RUN]     = { "monitor.run",     "运行动态监测",   D },
	[PERM_ALERT_READ]      = { "alert.read",      "查看预警",       A | M | D | I },
	[PERM_ALERT_ACT]       = { "alert.act",       "处置预警",       A | M | D },
	[PERM_VERIFY_READ]     = { "verify.read",     "家庭经济状况核对", A | M | R | D | I },
	[PERM_MONITORING_WRITE] = { "monitoring.write", "调整监测类别", R | D },
	[PERM_PAYMENT_READ]    = { "payment.read",    "查看资金发放",   M | R | D | I },
	[PERM_PAYMENT_MANAGE]  = { "payment.manage",  "管理资金发放",   D },
	[PERM_NOTICE_MANAGE]   = { "notice.manage",   "发布公示",       M | D },
	[PERM_RELATIVE_READ]   = { "relative.read",   "查看近亲属备案", A | M | R | D | I },
	[PERM_FILING_WRITE]    = { "filing.write",    "近亲属备案登记", A | M | D },
	[PERM_FILING_VISIT]    = { "filing.visit",    "备案家庭县级入户", R | D },
	[PERM_CROSSCHECK_RUN]  = { "crosscheck.run",  "运行监督比对",   D | I },
	[PERM_FINDING_READ]    = { "finding.read",    "查看监督发现",   R | D | I },
	[PERM_FINDING_ACT]     = { "finding.act",     "办理监督发现",   R | I },
};

#undef C
#undef A
#undef M
#undef R
#undef D
#undef I
#undef E
#undef ALL

const char *perm_role_name(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].name : "?";
}

const char *perm_role_label_zh(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].label_zh : "?";
}

int perm_role_parse(const char *name, enum role *out)
{
	for (int r = 0; name && r < ROLE_COUNT; r++) {
		if (strcmp(name, roles[r].name) == 0) {
			*out = (enum role)r;
			return 0;
		}
	}
	return -1;
}

const char *perm_name(enum perm p)
{
	return (unsigned)p < PERM_COUNT ? perms[p].name : "?";
}

const char *perm_label_zh(enum perm p)
{
	return (unsigned)p < PERM_COUNT ? perms[p].label_zh : "?";
}

int perm_role_has(enum role r, enum perm p)
{
	if ((unsigned)r >= ROLE_COUNT || (unsigned)p >= PERM_COUNT)
		return 0;
	return (perms[p].roles >> r) & 1u;
}

int perm_region_allows(const struct actor *a, const char *record_region)
{
	return a && record_region && division_contains(a->region, record_region);
}

const char *perm_region_narrow(const struct actor *a, const char *want)
{
	if (!want || !*want || division_contains(want, a->region))
		return a->region;
	if (division_contains(a->region, want))
		return want;
	return "-";
}

int perm_require(const struct actor *a, enum perm p, struct err *e)
{
	if (a && perm_role_has(a->role, p))
		return 0;
	return err_setf(e, ERR_FORBIDDEN, NULL, "permission",
			"没有权限：需要“%s”（%s）", "not permitted: needs %.0s%s",
			perm_label_zh(p), perm_name(p));
}

int perm_require_region(const struct actor *a, const char *record_region,
			struct err *e)
{
	if (perm_region_allows(a, record_region))
		return 0;
	return err_set(e, ERR_NOT_FOUND, NULL, "not_found", "记录不存在或不在您的辖区内",
		       "no such record in your region");
}

int perm_require_target(const struct actor *a, const char *target_region,
			const char *field, struct err *e)
{
	if (perm_region_allows(a, target_region))
		return 0;
	return err_setf(e, ERR_FORBIDDEN, field, "region",
			"%s 不在您的辖区（%s）内", "%s is outside your region (%s)",
			target_region ? target_region : "", a ? a->region : "");
}

void perm_system_actor(struct actor *a, const char *region)
{
	memset(a, 0, sizeof(*a));
	a->user_id = 0;
	snprintf(a->username, sizeof(a->username), "%s", "system");
	a->role = ROLE_ADMIN;
	snprintf(a->region, sizeof(a->region), "%s", region ? region : "500231");
}
