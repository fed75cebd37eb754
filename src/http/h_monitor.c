/* h_monitor.c - placeholder until its helper lands; replaced wholesale. */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_monitor_start(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_monitor_runs(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_alert_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_alert_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_alert_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_person_monitoring(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}

int h_person_monitoring_set(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}
