/* h_feed.c - placeholder until its helper lands; replaced wholesale. */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_feed_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_feed_import(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_batch_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_batch_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}
