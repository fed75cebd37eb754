/*
 * h_finding.c - cross-checks, findings, recovery, figures.  PLACEHOLDER: being written.
 */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_crosscheck_start(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_crosscheck_runs(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_finding_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_finding_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_finding_recovery(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_finding_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_supervision_figures(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}
