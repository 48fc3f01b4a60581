/*
 * errors.h - why a request of a load run failed, in the five kinds a
 * reader of the table can act on (wrk's "Socket errors" and "Non-2xx"):
 *
 *   connect  no connection: refused, unreachable, out of fds or ports
 *   timeout  no whole reply within --timeout (connect, send and receive)
 *   reset    the server reset or closed the connection before any reply
 *   status   a reply whose status is not 200
 *   body     a malformed reply: not HTTP, a truncated or too long body
 *
 * The HTTP client (workloads/http/httpclient.c) fails a request with an
 * errno and a message; the kind follows from the errno and from how far
 * the reply got (its status, and whether any byte of it came).
 */
#ifndef CB_LOAD_ERRORS_H
#define CB_LOAD_ERRORS_H

#include <stdint.h>

enum {
	LOAD_ERR_CONNECT,
	LOAD_ERR_TIMEOUT,
	LOAD_ERR_RESET,
	LOAD_ERR_STATUS,
	LOAD_ERR_BODY,
	LOAD_ERR_KINDS
};

/* The kind of a failure with err (> 0), a reply status (0: no status line
 * parsed) and the reply bytes seen. */
int load_err_kind(int err, int status, uint64_t seen);
/* "connect", "timeout", "reset", "status", "body". */
const char *load_err_name(int kind);

#endif
