/*
 * serveans.h - what the serve workload answers (serveans.c): the head of an
 * answer with a short text body, and an answer's bytes sent as the socket
 * takes them, its body made on the way (httpbody_fill), never held whole.
 */
#ifndef CB_SERVEANS_H
#define CB_SERVEANS_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/serveconn.h"

/* What an answer's head says of the request it answers. */
typedef struct {
	int status;    /* 200, or the error status */
	int keep;      /* keep the connection after it */
	int minor;     /* HTTP/1.minor of the request */
	int head_only; /* HEAD: the head without its body */
} serveans_req;

/* The head of an answer to q into out (cap bytes), with Content-Type type
 * and Content-Length length, then text (the whole body, when it is a short
 * text; "" when the body is sent apart). Error statuses carry the bundled
 * target's headers (405: Allow). The length written, or -1 if it does not
 * fit. */
int serveans_head(char *out, size_t cap, const serveans_req *q, const char *type, uint64_t length,
		  const char *text);

/* An error answer: the status and its reason as a text body. */
int serveans_error(char *out, size_t cap, const serveans_req *q);
/* The digest API's answer: the work's digest, 16 hex digits and "\n". */
int serveans_digest(char *out, size_t cap, const serveans_req *q, uint64_t digest);
/* /stats: the counters (NULL: all 0) as "connections N\ndelayed N\nrequests N\n",
 * under reuseport=1 then "listeners N\nshared N\naccepts_min N\naccepts_max N\n". */
int serveans_stats(char *out, size_t cap, const serveans_req *q, serveconn_stats *s);

/* What is left to send of an answer: head[*off..len), then body bytes
 * [*body_off, body_len) of httpbody_fill(seed). */
typedef struct {
	const char *head;
	uint32_t len, *off;
	uint64_t seed, body_len, *body_off;
} serveans_out;

/* Send what the socket takes (MSG_NOSIGNAL). 1 when all is out, 0 when the
 * socket is full (wait for WL_WRITE), -1 with errno when the client is gone. */
int serveans_send(int fd, const serveans_out *o);

#endif
