/* h_verify.c - placeholder until its helper lands; replaced wholesale. */
#include "http.h"
#include "handlers.h"
#include "../core/banned.h"

int h_household_verification(struct http_req *req, struct http_resp *resp, struct err *e)
{
	(void)req;
	(void)resp;
	return err_set(e, ERR_UNAVAILABLE, NULL, "pending", "开发中", "in progress");
}
