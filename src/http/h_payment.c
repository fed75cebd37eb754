/*
 * h_payment.c - payment runs, rolls, bank files, bank accounts.  PLACEHOLDER: being written.
 */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_payment_run_list(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_payment_run_create(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_payment_run_get(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_payment_run_lines(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_payment_run_roll(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_payment_run_bank_file(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_payment_run_bank_return(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_payment_run_action(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_household_payments(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}

int h_household_bank_account(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_INTERNAL, NULL, "todo", "尚未实现", "not implemented yet");
}
