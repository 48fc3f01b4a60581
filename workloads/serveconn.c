/*
 * serveconn.c - one connection of the serve workload: accept, then request
 * after request (HTTP/1.1 keep-alive) until the client closes.
 *
 * Accepting: every task waits on its own dup of the listening socket. Event
 * loops keep one callback per fd, so tasks waiting on one shared fd would
 * take each other's registration; a dup is a second fd on the same socket,
 * and every task that wakes tries accept4: one gets the connection, the
 * others EAGAIN and wait again (the thundering herd of a prefork server).
 * A dup must not close while a loop still watches it: epoll forgets a
 * registration only when the socket's last fd closes, which the listening
 * fd never is during a run. So the dup closes at the first step after the
 * task waited on something else, or after a one-turn timer at the end.
 *
 * Reading: the head of a request must arrive within timeout_ns of the
 * first wait for it, however slowly it trickles in; its body (a POST) is
 * read and dropped. The head is parsed by the bundled target's parser
 * (workloads/http/httpreq.c), every path taken as /work?seed=K.
 *
 * Ending: a client that closes between requests ends the task with what it
 * did; one that closes, stalls or vanishes before any answer is the task's
 * error, since its digest (the first request's work) was never made. Sends
 * use MSG_NOSIGNAL: a client gone mid-answer is an EPIPE, not a SIGPIPE.
 */
#define _GNU_SOURCE
#include "workloads/serveconn.h"
#include "workloads/http/httpreq.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { SC_START, SC_ACCEPT, SC_READ, SC_BODY, SC_WORK, SC_WRITE, SC_END };
#define SC_ON (-1) /* a phase handler moved on: run the next phase now */

int serveconn_returned(serveconn *c, int rc, const wl_wait *next)
{
	if (rc == WL_STEP_WAIT)
		c->lreg = !c->straight && c->lfd >= 0 && next->fd == c->lfd;
	return rc; /* OFFLOAD: a plain loop keeps what it watched, so keep lreg */
}

static int wait_on(serveconn *c, wl_wait *next, int fd, int events, uint64_t deadline)
{
	*next = (wl_wait){ .fd = fd, .events = events, .deadline_ns = deadline };
	return serveconn_returned(c, WL_STEP_WAIT, next);
}

/* The task is over: close the connection and the dup (after one more turn
 * of the loop if it may still watch the dup), and say how it went. */
static int done(serveconn *c, wl_wait *next, wl_result *r)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->lfd >= 0 && c->lreg) {
		c->phase = SC_END;
		return wait_on(c, next, -1, 0, wl_now_ns());
	}
	if (c->lfd >= 0)
		close(c->lfd);
	c->lfd = -1;
	if (!c->fail.err && !c->nreq)
		wl_fail(&c->fail, EPROTO, "serve: client closed without a request");
	*r = c->fail;
	r->digest = c->digest;
	return WL_STEP_DONE;
}

static int end_err(serveconn *c, wl_wait *next, wl_result *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int end_err(serveconn *c, wl_wait *next, wl_result *r, int err, const char *fmt, ...)
{
	va_list ap;
	if (!c->fail.err) {
		c->fail.err = err ? err : EIO;
		va_start(ap, fmt);
		vsnprintf(c->fail.msg, sizeof c->fail.msg, fmt, ap);
		va_end(ap);
	}
	return done(c, next, r);
}

/* The client left (closed, reset, stalled): fine between requests, the
 * task's error before its first answer. */
static int left(serveconn *c, wl_wait *next, wl_result *r, const char *how)
{
	if (c->nreq)
		return done(c, next, r);
	return end_err(c, next, r, EPROTO, "serve: client %s%s", how,
		       c->inlen ? " mid-request, before any answer" : " without a request");
}

/* Queue an answer with no body and close after it. */
static void answer_empty(serveconn *c, int status)
{
	int n = snprintf(c->out, sizeof c->out,
			 "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status,
			 httpreq_reason(status));
	c->outlen = (uint32_t)n;
	c->outoff = 0;
	c->keep = 0;
	c->phase = SC_WRITE;
	c->deadline = wl_now_ns() + c->timeout_ns;
}

void serveconn_answer(serveconn *c, const wl_result *res)
{
	if (res->err) {
		if (!c->fail.err) {
			c->fail.err = res->err;
			snprintf(c->fail.msg, sizeof c->fail.msg, "serve: work: %.140s", res->msg);
		}
		answer_empty(c, 500);
		return;
	}
	if (!c->nreq++)
		c->digest = res->digest;
	const char *conn = !c->keep        ? "Connection: close\r\n"
			   : c->minor == 0 ? "Connection: keep-alive\r\n"
					   : "";
	int n = snprintf(c->out, sizeof c->out,
			 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n"
			 "%s\r\n%016llx\n",
			 conn, (unsigned long long)res->digest);
	c->outlen = (uint32_t)n - (c->head_only ? 17 : 0);
	c->outoff = 0;
	c->phase = SC_WRITE;
	c->deadline = wl_now_ns() + c->timeout_ns;
}

static int do_accept(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	static const int one = 1;
	int fd;

	if (ready & WL_TIMEOUT)
		return end_err(c, next, r, ECANCELED, "serve: cancelled while waiting to accept");
	while ((fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return wait_on(c, next, c->lfd, WL_READ, 0);
		if (errno == EINVAL)
			return end_err(c, next, r, EINVAL,
				       "serve: no client connected before the listening socket "
				       "closed");
		return end_err(c, next, r, errno, "serve: accept: %s", strerror(errno));
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	if (!c->lreg) { /* nothing watches the dup: done with it */
		close(c->lfd);
		c->lfd = -1;
	}
	c->phase = SC_READ;
	c->deadline = wl_now_ns() + c->timeout_ns;
	return SC_ON;
}

static void consume(serveconn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= (uint32_t)n;
}

/* A whole head is in c->in[0..h): parse it and go on to its body. */
static int take_request(serveconn *c, size_t h)
{
	httpreq req;

	httpreq_parse_any(c->in, h, &req);
	consume(c, h);
	c->head_only = req.head_only;
	c->minor = req.minor;
	if (req.status != 200) {
		if (!c->nreq)
			wl_fail(&c->fail, EPROTO, "serve: the client's request was a %d",
				req.status);
		answer_empty(c, req.status);
		return SC_ON;
	}
	c->seed = req.seed;
	c->keep = req.keep;
	c->skip = req.body_len;
	c->phase = SC_BODY;
	/* A client that waits to be told to send its body (curl's Expect:
	 * 100-continue) gets it at once; so short a line on a socket with nothing
	 * left to send fits its buffer, and if not, the client goes on
	 * after its own wait, as RFC 9110 10.1.1 has it. */
	if (req.expect_continue && c->skip > c->inlen)
		send(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, MSG_NOSIGNAL);
	return SC_ON;
}

static int do_read(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	size_t h, from = 0;

	while (!(h = httpreq_head_end(c->in, c->inlen, from))) {
		if (c->inlen == SERVECONN_IN) {
			if (!c->nreq)
				wl_fail(&c->fail, EPROTO, "serve: request head over %d bytes",
					SERVECONN_IN);
			answer_empty(c, 431);
			return SC_ON;
		}
		from = c->inlen > 3 ? c->inlen - 3 : 0;
		ssize_t n = recv(c->fd, c->in + c->inlen, SERVECONN_IN - c->inlen, 0);
		if (n > 0) {
			c->inlen += (uint32_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return left(c, next, r, "closed");
		if (ready & WL_TIMEOUT)
			return c->nreq && !c->inlen
				       ? done(c, next, r)
				       : end_err(c, next, r, ETIMEDOUT,
						 "serve: no whole request within "
						 "timeout_ms (%llu ms)",
						 (unsigned long long)(c->timeout_ns / 1000000));
		return wait_on(c, next, c->fd, WL_READ, c->deadline);
	}
	return take_request(c, h);
}

/* Read and drop the request's body, then hand the request out. */
static int do_body(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	size_t take = c->skip < c->inlen ? (size_t)c->skip : c->inlen;

	consume(c, take);
	c->skip -= take;
	while (c->skip) {
		size_t want = c->skip < SERVECONN_IN ? (size_t)c->skip : SERVECONN_IN;
		ssize_t n = recv(c->fd, c->in, want, 0);
		if (n > 0) {
			c->skip -= (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || (ready & WL_TIMEOUT))
			return left(c, next, r, "went away");
		return wait_on(c, next, c->fd, WL_READ, c->deadline);
	}
	c->phase = SC_WORK;
	return SERVECONN_WORK;
}

static int do_write(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (uint32_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !(ready & WL_TIMEOUT))
			return wait_on(c, next, c->fd, WL_WRITE, c->deadline);
		return done(c, next, r); /* gone or stalled mid-answer */
	}
	if (!c->keep)
		return done(c, next, r);
	c->phase = SC_READ;
	c->deadline = wl_now_ns() + c->timeout_ns;
	return SC_ON;
}

int serveconn_step(serveconn *c, int lfd, uint64_t timeout_ns, int ready, wl_wait *next,
		   wl_result *r)
{
	int rc;

	if (c->phase == SC_START) {
		c->fd = -1;
		c->timeout_ns = timeout_ns;
		c->phase = SC_ACCEPT;
		if ((c->lfd = fcntl(lfd, F_DUPFD_CLOEXEC, 0)) < 0)
			return end_err(c, next, r, errno, "serve: dup of the listening socket: %s",
				       strerror(errno));
	} else if (c->lfd >= 0 && !c->lreg && c->phase != SC_ACCEPT) {
		close(c->lfd);
		c->lfd = -1;
	}
	if (ready < 0)
		return end_err(c, next, r, -ready, "serve: waiting: %s", strerror(-ready));
	do {
		switch (c->phase) {
		case SC_ACCEPT: rc = do_accept(c, ready, next, r); break;
		case SC_READ: rc = do_read(c, ready, next, r); break;
		case SC_BODY: rc = do_body(c, ready, next, r); break;
		case SC_WRITE: rc = do_write(c, ready, next, r); break;
		case SC_WORK:
			rc = ready & WL_TIMEOUT ? end_err(c, next, r, ECANCELED,
							  "serve: cancelled before the work ran")
						: SERVECONN_WORK;
			break;
		default: rc = done(c, next, r); break; /* SC_END */
		}
		ready = 0;
	} while (rc == SC_ON);
	return rc;
}
