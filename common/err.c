/*
 * common/err.c — sup_strerror(): one renderer for every sup_err.
 *
 * Plain codes map to fixed strings. Tagged codes are rendered by the
 * library they came from: errno by libc here; nng and SQLite codes by
 * ipc/ and state/, which provide the weak hooks below when they are
 * linked in (common/ includes neither library).
 */
#include <string.h>

#include "sup/err.h"

const char *ipc_err_str(int code) __attribute__((weak));
const char *st_err_str(int code) __attribute__((weak));

static const char *const plain[] = {
	[SUP_OK] = "success",
	[SUP_EINVAL] = "invalid argument",
	[SUP_ENOMEM] = "out of memory",
	[SUP_ENOTFOUND] = "not found",
	[SUP_ETIMEDOUT] = "timed out",
	[SUP_EDOWN] = "peer is down",
	[SUP_EBUSY] = "busy",
	[SUP_EPROTO] = "protocol error",
	[SUP_ETOOBIG] = "too big",
	[SUP_EREFUSED] = "refused",
	[SUP_ECLOSED] = "closed",
	[SUP_EEXIST] = "already exists",
	[SUP_ESTATE] = "not allowed in the current state",
	[SUP_EFAILED] = "operation failed",
	[SUP_ENOKEY] = "no such key",
};

const char *
sup_strerror(sup_err e)
{
	int code = SUP_ERR_CODE(e);

	switch (SUP_ERR_TAG(e)) {
	case 0:
		if (e >= 0 && (size_t)e < sizeof(plain) / sizeof(plain[0]) &&
		    plain[e] != NULL)
			return plain[e];
		return "unknown error";
	case SUP_ESYS:
		return strerror(code);
	case SUP_EIPC:
		return ipc_err_str ? ipc_err_str(code) : "ipc error";
	case SUP_EDB:
		return st_err_str ? st_err_str(code) : "database error";
	default:
		return "unknown error";
	}
}
