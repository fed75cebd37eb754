/* h_report.c - placeholder until its helper lands; replaced wholesale. */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_photo_upload(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_photo_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_report_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_report_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_report_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_report_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_public_report_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_case_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_case_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_case_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}
