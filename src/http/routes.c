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
};

const size_t http_routes_count = sizeof(http_routes) / sizeof(http_routes[0]);
