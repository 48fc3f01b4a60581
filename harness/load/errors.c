/*
 * errors.c - a failed request's kind (see errors.h).
 *
 * The HTTP client says EPROTO for every reply it will not accept; the
 * parser's state tells them apart: a status line that came and is not 200
 * is a bad status; no byte at all is a connection closed unanswered (as
 * good as a reset); anything else is a malformed reply. ETIMEDOUT is a
 * timeout in whatever phase; ECONNRESET, EPIPE and ECONNABORTED are the
 * server tearing the connection down; every other errno comes from
 * socket() or connect().
 */
#include "harness/load/errors.h"

#include <errno.h>

int load_err_kind(int err, int status, uint64_t seen)
{
	switch (err) {
	case ETIMEDOUT: return LOAD_ERR_TIMEOUT;
	case ECONNRESET:
	case EPIPE:
	case ECONNABORTED: return LOAD_ERR_RESET;
	case EPROTO:
		if (status && status != 200)
			return LOAD_ERR_STATUS;
		return seen ? LOAD_ERR_BODY : LOAD_ERR_RESET;
	default: return LOAD_ERR_CONNECT;
	}
}

const char *load_err_name(int kind)
{
	static const char *const names[LOAD_ERR_KINDS] = { "connect", "timeout", "reset", "status",
							   "body" };
	return kind >= 0 && kind < LOAD_ERR_KINDS ? names[kind] : "?";
}
