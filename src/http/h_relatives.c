/*
 * h_relatives.c - close-relative register, filings, public notices.  PLACEHOLDER: being written.
 */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_notice_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_notice_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_notice_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_notice_public(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_relative_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_filing_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_filing_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_filing_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_filing_visit(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}
