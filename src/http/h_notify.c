/* h_notify.c - placeholder until its helper lands; replaced wholesale. */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_household_timeline(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_figures(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_figure_items(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_inbox_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_inbox_read(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_outbox_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_outbox_retry(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}
