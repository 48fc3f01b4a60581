/*
 * serveans.c - what the serve workload answers, byte for byte.
 *
 * One format for every answer, the bundled target's: a status line, a
 * Content-Type and a Content-Length, Connection: close when the connection
 * ends after it (keep-alive for an HTTP/1.0 client that asked to keep it),
 * then the body. Errors answer their status and reason as text; a 405 says
 * which methods there are.
 *
 * A /work?size=S body is a pure function of (seed, offset), so it is never
 * held: each send makes the next slice into a buffer on the stack and hands
 * the kernel the head's rest and that slice in one sendmsg; what the socket
 * did not take is made again next time. A slow reader of a 64 MiB answer
 * costs its connection a few counters, not 64 MiB. The slice is 8 KiB: it
 * fits a coroutine's smallest stack beside the task's own frames.
 */
#define _GNU_SOURCE
#include "workloads/serveans.h"
#include "workloads/http/httpbody.h"
#include "workloads/http/httpreq.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define SERVEANS_SLICE 8192 /* body bytes made per send */

int serveans_head(char *out, size_t cap, const serveans_req *q, const char *type, uint64_t length,
		  const char *text)
{
	const char *conn = !q->keep        ? "Connection: close\r\n"
			   : q->minor == 0 ? "Connection: keep-alive\r\n"
					   : "";
	int n = snprintf(out, cap,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %llu\r\n%s%s\r\n%s",
			 q->status, httpreq_reason(q->status), type, (unsigned long long)length,
			 q->status == 405 ? "Allow: GET, HEAD, POST\r\n" : "", conn,
			 q->head_only ? "" : text);
	return n > 0 && (size_t)n < cap ? n : -1;
}

int serveans_error(char *out, size_t cap, const serveans_req *q)
{
	char text[64];
	snprintf(text, sizeof text, "%d %s\n", q->status, httpreq_reason(q->status));
	return serveans_head(out, cap, q, "text/plain", strlen(text), text);
}

int serveans_digest(char *out, size_t cap, const serveans_req *q, uint64_t digest)
{
	char text[20];
	snprintf(text, sizeof text, "%016llx\n", (unsigned long long)digest);
	return serveans_head(out, cap, q, "text/plain", 17, text);
}

int serveans_stats(char *out, size_t cap, const serveans_req *q, serveconn_stats *s)
{
	char text[224];
	int n = snprintf(text, sizeof text, "connections %ld\ndelayed %ld\nrequests %ld\n",
			 s ? atomic_load(&s->n[SERVECONN_CONNECTIONS]) : 0L,
			 s ? atomic_load(&s->n[SERVECONN_DELAYED]) : 0L,
			 s ? atomic_load(&s->n[SERVECONN_REQUESTS]) : 0L);
	if (s && s->ls) { /* reuseport=1: how the connections were spread */
		servelisten_count k = servelisten_counts(s->ls, NULL, 0);
		snprintf(text + n, sizeof text - (size_t)n,
			 "listeners %d\nshared %d\naccepts_min %ld\naccepts_max %ld\n", k.listeners,
			 k.shared, k.accepts_min, k.accepts_max);
	}
	return serveans_head(out, cap, q, "text/plain", strlen(text), text);
}

int serveans_send(int fd, const serveans_out *o)
{
	unsigned char slice[SERVEANS_SLICE];

	for (;;) {
		struct iovec iov[2];
		size_t k = 0, head = o->len - *o->off, total = head;
		if (head)
			iov[k++] = (struct iovec){ (char *)o->head + *o->off, head };
		if (*o->body_off < o->body_len) {
			uint64_t left = o->body_len - *o->body_off;
			size_t chunk = left < SERVEANS_SLICE ? (size_t)left : SERVEANS_SLICE;
			httpbody_fill(o->seed, *o->body_off, slice, chunk);
			iov[k++] = (struct iovec){ slice, chunk };
			total += chunk;
		}
		if (k == 0)
			return 1;
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = k };
		ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		size_t sent = w < 0 ? 0 : (size_t)w, h = sent < head ? sent : head;
		*o->off += (uint32_t)h;
		*o->body_off += sent - h;
		if (sent < total)
			return 0; /* the socket is full */
	}
}
