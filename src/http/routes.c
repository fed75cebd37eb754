/*
 * routes.c - the route table: every endpoint, the permission it needs and
 * its handler.  The OpenAPI document and the permission matrix are
 * generated from this table; adding an endpoint is adding a line here.
 */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

#define PAGING "page:页码（从1开始）,per_page:每页条数（默认20，最多200）"

const struct route http_routes[] = {
	{ "GET", "/healthz", PERM_PUBLIC, h_healthz, ROUTE_NO_IDEMPOTENCY, "system",
	  "健康检查", "Health check: status, version and schema", NULL },
	{ "GET", "/api/openapi.json", PERM_PUBLIC, h_openapi, 0, "system",
	  "接口文档（OpenAPI 3）", "This API as an OpenAPI 3 document", NULL },

	{ "POST", "/api/auth/login", PERM_PUBLIC, h_login,
	  ROUTE_JSON_BODY | ROUTE_NO_CSRF | ROUTE_NO_IDEMPOTENCY, "auth",
	  "登录", "Sign in: a session cookie (with a CSRF token) or a bearer token", NULL },
	{ "POST", "/api/auth/logout", PERM_SIGNED_IN, h_logout, ROUTE_NO_IDEMPOTENCY, "auth",
	  "退出登录", "Sign out: end this session", NULL },
	{ "GET", "/api/me", PERM_SIGNED_IN, h_me, 0, "auth",
	  "当前用户", "The signed-in user, region and permissions", NULL },

	{ "GET", "/api/divisions/{code}", PERM_DIVISION_READ, h_division_get, 0, "divisions",
	  "区划及其下级", "A division with its full name and children", NULL },

	{ "GET", "/api/persons", PERM_PERSON_READ, h_person_search, 0, "registry",
	  "查询人员", "Search persons in your region (ID numbers masked)",
	  "id_number:身份证号码（精确）,name:姓名（部分）,region:区划代码前缀,household_id:家庭编号," PAGING },
	{ "POST", "/api/persons", PERM_PERSON_WRITE, h_person_create, ROUTE_JSON_BODY, "registry",
	  "登记人员", "Register a person; a known ID number answers 409 with existing_id", NULL },
	{ "GET", "/api/persons/{id}", PERM_PERSON_READ, h_person_get, 0, "registry",
	  "人员详情", "One person; full_id=1 with a reason shows the full ID number (audited)",
	  "full_id:1 显示完整身份证号（需权限，记入审计）,reason:查看完整号码的事由" },
	{ "PATCH", "/api/persons/{id}", PERM_PERSON_WRITE, h_person_update, ROUTE_JSON_BODY, "registry",
	  "修改人员信息", "Change a person's fields (not the ID number)", NULL },

	{ "GET", "/api/households", PERM_HOUSEHOLD_READ, h_household_search, 0, "registry",
	  "查询家庭", "Search households in your region",
	  "region:区划代码前缀,address:地址（部分）," PAGING },
	{ "POST", "/api/households", PERM_HOUSEHOLD_WRITE, h_household_create, ROUTE_JSON_BODY, "registry",
	  "登记家庭", "Register a household in a village or community", NULL },
	{ "GET", "/api/households/{id}", PERM_HOUSEHOLD_READ, h_household_get, 0, "registry",
	  "家庭详情", "A household with its members", NULL },
	{ "POST", "/api/households/{id}/head", PERM_HOUSEHOLD_WRITE, h_household_set_head,
	  ROUTE_JSON_BODY, "registry", "设置户主", "Make a member the head of the household", NULL },

	{ "GET", "/api/users", PERM_USER_READ, h_user_list, 0, "accounts",
	  "账号列表", "Accounts in your region", PAGING },
	{ "POST", "/api/users", PERM_USER_WRITE, h_user_create, ROUTE_JSON_BODY, "accounts",
	  "新建账号", "Create an account with one role and one region", NULL },
	{ "POST", "/api/users/{id}/reset-password", PERM_USER_WRITE, h_user_reset_password,
	  ROUTE_JSON_BODY, "accounts", "重置密码", "Set a new password and end the user's sessions", NULL },

	{ "GET", "/api/audit", PERM_AUDIT_READ, h_audit_search, 0, "audit",
	  "查询审计日志", "Search the audit trail (newest first)",
	  "username:用户名,action:操作（前缀）,entity:对象类型,entity_id:对象编号,"
	  "from:起始时间（UTC）,to:截止时间（UTC）," PAGING },

	/* === proactive discovery (docs/DISCOVERY.md) === */
	{ "POST", "/api/photos", PERM_REPORT_CREATE, h_photo_upload, ROUTE_IMAGE_BODY, "discovery",
	  "上传照片", "Upload a JPEG or PNG photo (stored once by content hash)", NULL },
	{ "GET", "/api/photos/{sha256}", PERM_SIGNED_IN, h_photo_get, 0, "discovery",
	  "查看照片", "A photo, to whoever may see a report or visit naming it", NULL },
	{ "POST", "/api/reports", PERM_REPORT_CREATE, h_report_create, ROUTE_JSON_BODY, "discovery",
	  "上报困难群众", "Report a person in difficulty; a person with open work answers with it", NULL },
	{ "GET", "/api/reports", PERM_REPORT_READ, h_report_list, 0, "discovery",
	  "上报列表", "Reports in your region, newest first",
	  "status:状态,mine:1 只看我上报的,region:区划代码前缀," PAGING },
	{ "GET", "/api/reports/{id}", PERM_REPORT_READ, h_report_get, 0, "discovery",
	  "上报详情", "One report with the actions allowed now", NULL },
	{ "POST", "/api/reports/{id}/{action}", PERM_REPORT_TRIAGE, h_report_action, ROUTE_JSON_BODY,
	  "discovery", "受理或不予受理", "Accept (opens a case) or dismiss a report", NULL },
	{ "POST", "/api/public/reports", PERM_PUBLIC, h_public_report_create,
	  ROUTE_JSON_BODY | ROUTE_NO_CSRF | ROUTE_NO_IDEMPOTENCY, "discovery",
	  "群众自主申报", "Resident self-report (unverified, rate-limited per address)", NULL },
	{ "GET", "/api/cases", PERM_CASE_READ, h_case_list, 0, "discovery",
	  "案件列表", "Cases in your region", "status:状态,mine:1 只看我承办的,region:区划代码前缀," PAGING },
	{ "GET", "/api/cases/{id}", PERM_CASE_READ, h_case_get, 0, "discovery",
	  "案件详情", "A case with its report, visits, referrals and allowed actions", NULL },
	{ "POST", "/api/cases/{id}/visits", PERM_CASE_WORK, h_case_visit, ROUTE_JSON_BODY, "discovery",
	  "入户调查", "Record the home visit", NULL },
	{ "GET", "/api/cases/{id}/routing", PERM_CASE_WORK, h_case_routing, 0, "discovery",
	  "分办建议", "The programs the routing rules propose, with the rules that fired", NULL },
	{ "POST", "/api/cases/{id}/route", PERM_CASE_WORK, h_case_route, ROUTE_JSON_BODY, "discovery",
	  "确认分办", "Confirm the programs: one referral each to its department", NULL },
	{ "POST", "/api/cases/{id}/{action}", PERM_CASE_WORK, h_case_action, ROUTE_JSON_BODY, "discovery",
	  "移交、改派或结案", "Hand over, reassign or close a case", NULL },
	{ "GET", "/api/referrals", PERM_REFERRAL_READ, h_referral_list, 0, "discovery",
	  "转介队列", "A department's queue by deadline",
	  "department:部门,status:状态,overdue:1 只看超期," PAGING },
	{ "GET", "/api/referrals/{id}", PERM_REFERRAL_READ, h_referral_get, 0, "discovery",
	  "转介详情", "A referral with its case, household and visit facts", NULL },
	{ "POST", "/api/referrals/{id}/{action}", PERM_REFERRAL_ACT, h_referral_action, ROUTE_JSON_BODY,
	  "discovery", "审核转介", "Decide, return, or move a referral through its procedure", NULL },
	{ "GET", "/api/enrollments", PERM_ENROLLMENT_READ, h_enrollment_list, 0, "discovery",
	  "救助对象", "Enrollments in your region",
	  "household_id:家庭编号,program:救助项目,status:状态," PAGING },
	{ "POST", "/api/enrollments/{id}/{action}", PERM_ENROLLMENT_MANAGE, h_enrollment_action,
	  ROUTE_JSON_BODY, "discovery", "暂停、恢复或退出", "Suspend, resume or end an enrollment", NULL },
	{ "GET", "/api/households/{id}/timeline", PERM_HOUSEHOLD_READ, h_household_timeline, 0,
	  "discovery", "救助链时间线", "Every step of the household's assistance chain", NULL },
	{ "GET", "/api/escalations", PERM_ESCALATION_READ, h_escalations, 0, "discovery",
	  "超期预警", "Overdue referrals and unvisited cases in your region", NULL },
	{ "GET", "/api/figures", PERM_FIGURES_READ, h_figures, 0, "discovery",
	  "工作统计", "Discovered and enrolled by township and month", "year:年份,region:区划代码前缀" },
	{ "GET", "/api/figures/items", PERM_FIGURES_READ, h_figure_items, 0, "discovery",
	  "统计明细", "The records behind one number",
	  "metric:指标,township:乡镇代码,month:月份 YYYY-MM" },
	{ "GET", "/api/programs", PERM_SIGNED_IN, h_programs, 0, "discovery",
	  "救助项目", "The assistance programs and their departments", NULL },
	{ "GET", "/api/inbox", PERM_SIGNED_IN, h_inbox_list, 0, "notifications",
	  "我的消息", "Your messages, unread first", PAGING },
	{ "POST", "/api/inbox/{id}/read", PERM_SIGNED_IN, h_inbox_read, 0, "notifications",
	  "标记已读", "Mark a message read", NULL },
	{ "GET", "/api/outbox", PERM_OUTBOX_MANAGE, h_outbox_list, 0, "notifications",
	  "推送队列", "Outgoing messages by webhook state", "state:pending|sent|parked," PAGING },
	{ "POST", "/api/outbox/{id}/retry", PERM_OUTBOX_MANAGE, h_outbox_retry, 0, "notifications",
	  "重新推送", "Queue a parked message again", NULL },
};

const size_t http_routes_count = sizeof(http_routes) / sizeof(http_routes[0]);
