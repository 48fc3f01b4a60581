/*
 * serveconn.c - one connection of the serve workload: accept, then request
 * after request (keep-alive, pipelined ones in order) until the client closes.
 *
 *   ACCEPT -> READ -> BODY -> WORK (digest API: serve.c runs the work) -> WRITE
 *                          -> DELAY (target API: its delay_ms) --------> WRITE
 *                 (an error: its 4xx at once) -----------------------> WRITE
 *   WRITE -> READ (keep-alive), or LINGER (Connection: close) -> over
 *
 * Accepting: a task waits on its own dup of the listening socket (a loop
 * keeps one callback per fd). Tasks on one thread (gated) take turns at it
 * (servegate.c), the others wait on a bell each; blocking models take
 * serve.c's accept mutex; with reuseport=1 a gated task's socket is its
 * thread's own listener, the others tried too (servelisten.c). A dup or a
 * bell must not close while a loop still watches it (epoll forgets a
 * registration only with its file's last fd), so it closes at the first
 * step after the task waited on something else, or after a one-turn timer
 * at the end.
 *
 * Reading, delays and endings: see serveconn.h.
 */
#define _GNU_SOURCE
#include "workloads/serveconn.h"
#include "workloads/http/httpreq.h"
#include "workloads/serveans.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { SC_START, SC_ACCEPT, SC_READ, SC_BODY, SC_WORK, SC_DELAY, SC_WRITE, SC_LINGER, SC_END };
#define SC_ON (-1) /* a phase handler moved on: run the next phase now */

static void count(serveconn *c, int which, long d)
{
	if (c->cfg->stats)
		atomic_fetch_add(&c->cfg->stats->n[which], d);
}

int serveconn_returned(serveconn *c, int rc, const wl_wait *next)
{
	if (rc == WL_STEP_WAIT) {
		c->lreg = !c->straight && c->lfd >= 0 && next->fd == c->lfd;
		c->breg = !c->straight && c->gn.bell >= 0 && next->fd == c->gn.bell;
	}
	return rc; /* OFFLOAD: a plain loop keeps what it watched, so keep lreg */
}

static int wait_on(serveconn *c, wl_wait *next, int fd, int events, uint64_t deadline)
{
	*next = (wl_wait){ .fd = fd, .events = events, .deadline_ns = deadline };
	return serveconn_returned(c, WL_STEP_WAIT, next);
}

/* The task is over: close all (the dup and bell after one more loop turn
 * if the loop may still watch them), and say how it went. */
static int done(serveconn *c, wl_wait *next, wl_result *r)
{
	count(c, SERVECONN_DELAYED, -c->delaying);
	count(c, SERVECONN_CONNECTIONS, -c->counted);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1, c->delaying = c->counted = 0;
	free(c->in);
	c->in = NULL, c->inlen = c->incap = 0;
	if (c->gated && c->cfg->gate)
		servegate_leave(c->cfg->gate, &c->gn);
	if ((c->lfd >= 0 && c->lreg) || (c->gn.bell >= 0 && c->breg)) {
		c->phase = SC_END;
		return wait_on(c, next, -1, 0, wl_now_ns());
	}
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->gn.bell >= 0)
		close(c->gn.bell);
	c->lfd = c->gn.bell = -1;
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
		       c->inlen || c->phase != SC_READ ? " mid-request, before any answer"
						       : " without a request");
}

/* Queue an answer of n head bytes (-1: it did not fit) and body_len body
 * bytes; keep: read the next request after it. */
static void queue(serveconn *c, int n, int keep, uint64_t body_len)
{
	c->outlen = n < 0 ? 0 : (uint32_t)n;
	c->outoff = 0;
	c->keep = keep && n >= 0;
	c->body_len = n < 0 ? 0 : body_len;
	c->body_off = 0;
	c->phase = SC_WRITE;
	c->deadline = wl_now_ns() + c->cfg->timeout_ns;
}

static void answer_error(serveconn *c, int status, int keep)
{
	serveans_req q = { status, keep, c->minor, c->head_only };
	queue(c, serveans_error(c->out, sizeof c->out, &q), keep, 0);
}

enum { OK_DIGEST, OK_WORK, OK_STATS };

/* A 200: the digest API's work digest, the target API's /work (its delay
 * over: S bytes of httpbody_fill(K)), or /stats. The task's digest is its
 * first work's. */
static void answer_ok(serveconn *c, int what, uint64_t digest)
{
	serveans_req q = { 200, c->keep, c->minor, c->head_only };
	int n = what == OK_DIGEST ? serveans_digest(c->out, sizeof c->out, &q, digest)
		: what == OK_WORK ? serveans_head(c->out, sizeof c->out, &q,
						  "application/octet-stream", c->size, "")
				  : serveans_stats(c->out, sizeof c->out, &q, c->cfg->stats);
	if (what != OK_STATS && !c->worked++)
		c->digest = what == OK_DIGEST ? digest : wl_digest_u64(c->seed);
	c->nreq++;
	queue(c, n, c->keep, what == OK_WORK && !c->head_only ? c->size : 0);
}

void serveconn_answer(serveconn *c, const wl_result *res)
{
	if (!res->err) {
		answer_ok(c, OK_DIGEST, res->digest);
		return;
	}
	if (!c->fail.err) {
		c->fail.err = res->err;
		snprintf(c->fail.msg, sizeof c->fail.msg, "serve: work: %.140s", res->msg);
	}
	answer_error(c, 500, 0);
}

static int do_accept(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	static const int one = 1;
	int fd;

	if ((ready & WL_TIMEOUT) && !(c->rescan && wl_now_ns() >= c->rescan))
		return end_err(c, next, r, ECANCELED, "serve: cancelled while waiting to accept");
	if (c->lfd < 0 && !servegate_woken(&c->gn)) /* in line for the baton */
		return wait_on(c, next, c->gn.bell, WL_READ, 0);
	if (c->lfd < 0 && (c->lfd = fcntl(c->listen, F_DUPFD_CLOEXEC, 0)) < 0)
		return end_err(c, next, r, errno, "serve: dup of the listening socket: %s",
			       strerror(errno));
	/* reuseport: the other listeners too, now and each rescan period */
	c->rescan = c->cfg->ls ? wl_now_ns() + SERVELISTEN_RESCAN_NS : 0;
	if ((fd = servelisten_take(c->cfg->ls, c->cfg->li, c->lfd)) == -EAGAIN)
		return wait_on(c, next, c->lfd, WL_READ, c->rescan);
	if (fd == -EINVAL)
		return end_err(c, next, r, EINVAL,
			       "serve: no client connected before the listening socket closed");
	if (fd < 0)
		return end_err(c, next, r, -fd, "serve: accept: %s", strerror(-fd));
	c->rescan = 0;
	/* answers go out whole, so Nagle would only add delayed-ACK stalls */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	c->counted = 1;
	count(c, SERVECONN_CONNECTIONS, 1);
	if (c->gated && c->cfg->gate) /* the next in line accepts */
		servegate_leave(c->cfg->gate, &c->gn);
	if (!c->lreg) { /* nothing watches the dup: done with it */
		close(c->lfd);
		c->lfd = -1;
	}
	if (!(c->in = malloc(SERVECONN_IN)))
		return end_err(c, next, r, ENOMEM, "serve: out of memory for a connection");
	c->incap = SERVECONN_IN;
	c->phase = SC_READ;
	c->deadline = wl_now_ns() + c->cfg->timeout_ns;
	return SC_ON;
}

static void consume(serveconn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= (uint32_t)n;
}

/* The head does not fit what was read so far: room for a longer one, as
 * far as the API allows it. 0 when there is none. */
static int grow(serveconn *c)
{
	uint32_t max = c->cfg->api == SERVECONN_TARGET ? SERVECONN_IN_MAX : SERVECONN_IN;
	char *in = c->incap < max ? realloc(c->in, max) : NULL;
	if (!in)
		return 0;
	c->in = in;
	c->incap = max;
	return 1;
}

/* The request (its body read too) is whole: answer it, or hand it out. */
static int request_in(serveconn *c)
{
	if (c->status == 404) {
		c->nreq++;
		answer_error(c, 404, c->keep);
	} else if (c->route == HTTPREQ_STATS) {
		answer_ok(c, OK_STATS, 0);
	} else if (c->cfg->api == SERVECONN_DIGEST) {
		c->phase = SC_WORK;
		return SERVECONN_WORK;
	} else if (c->delay_ms) {
		c->phase = SC_DELAY;
		c->delay_end = wl_now_ns() + c->delay_ms * 1000000u;
		c->delaying = 1;
		c->peeked = 0;
		count(c, SERVECONN_DELAYED, 1);
	} else {
		answer_ok(c, OK_WORK, 0);
	}
	return SC_ON;
}

/* A whole head is in c->in[0..h): parse it and go on to its body. */
static int take_request(serveconn *c, size_t h)
{
	httpreq req;

	if (c->cfg->api == SERVECONN_TARGET)
		httpreq_parse(c->in, h, &req);
	else
		httpreq_parse_any(c->in, h, &req);
	consume(c, h);
	count(c, SERVECONN_REQUESTS, 1);
	c->head_only = req.head_only, c->minor = req.minor;
	c->status = req.status, c->route = req.route;
	if (req.status != 200 && req.status != 404) {
		if (!c->nreq)
			wl_fail(&c->fail, EPROTO, "serve: the client's request was a %d",
				req.status);
		answer_error(c, req.status, 0);
		return SC_ON;
	}
	c->seed = req.seed, c->size = req.size, c->delay_ms = req.delay_ms;
	c->keep = req.keep, c->skip = req.body_len;
	c->phase = SC_BODY;
	/* Expect: 100-continue (curl) gets it at once: so short a line fits an
	 * idle socket, and if not, the client goes on after its own wait. */
	if (req.expect_continue && c->skip > c->inlen)
		send(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, MSG_NOSIGNAL);
	return SC_ON;
}

static int do_read(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	size_t h, from = 0, blank;

	for (;;) {
		/* empty lines before a request line are allowed (RFC 9112 2.2) */
		for (blank = 0; blank < c->inlen && (c->in[blank] == '\r' || c->in[blank] == '\n');
		     blank++)
			;
		if (blank) {
			consume(c, blank);
			from = 0;
		}
		if ((h = httpreq_head_end(c->in, c->inlen, from)))
			return take_request(c, h);
		if (c->inlen == c->incap && !grow(c)) {
			if (!c->nreq)
				wl_fail(&c->fail, EPROTO, "serve: request head over %u bytes",
					c->incap);
			c->minor = 1;
			c->head_only = 0;
			answer_error(c, 431, 0);
			return SC_ON;
		}
		from = c->inlen > 3 ? c->inlen - 3 : 0;
		ssize_t n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
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
						 (unsigned long long)(c->cfg->timeout_ns /
								      1000000));
		return wait_on(c, next, c->fd, WL_READ, c->deadline);
	}
}

/* Read and drop the request's body, then answer it or hand it out. */
static int do_body(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	size_t take = c->skip < c->inlen ? (size_t)c->skip : c->inlen;

	consume(c, take);
	c->skip -= take;
	while (c->skip) {
		size_t want = c->skip < c->incap ? (size_t)c->skip : c->incap;
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
	return request_in(c);
}

/* The target API's delay: a wait on the connection, or on the clock alone. */
static int do_delay(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	if ((ready & WL_TIMEOUT) || wl_now_ns() >= c->delay_end) {
		c->delaying = 0;
		count(c, SERVECONN_DELAYED, -1);
		answer_ok(c, OK_WORK, 0);
		return SC_ON;
	}
	if (!c->peeked && (ready & WL_READ)) {
		char ch;
		ssize_t n = recv(c->fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return left(c, next, r, "went away");
		c->peeked = n > 0;
	}
	return wait_on(c, next, c->peeked ? -1 : c->fd, WL_READ, c->delay_end);
}

static int do_write(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	serveans_out o = { c->out, c->outlen, &c->outoff, c->seed, c->body_len, &c->body_off };
	int rc = serveans_send(c->fd, &o);

	if (rc == 0 && !(ready & WL_TIMEOUT))
		return wait_on(c, next, c->fd, WL_WRITE, c->deadline);
	if (rc <= 0)
		return done(c, next, r); /* gone or stalled mid-answer */
	if (!c->keep) {
		shutdown(c->fd, SHUT_WR);
		c->phase = SC_LINGER;
		c->deadline =
			wl_now_ns() + (c->cfg->timeout_ns < SERVECONN_LINGER ? c->cfg->timeout_ns
									     : SERVECONN_LINGER);
		return SC_ON;
	}
	c->phase = SC_READ;
	c->deadline = wl_now_ns() + c->cfg->timeout_ns;
	return SC_ON;
}

/* Read and drop until the client's end, or the linger deadline. */
static int do_linger(serveconn *c, int ready, wl_wait *next, wl_result *r)
{
	for (int k = 0; k < 16; k++) {
		ssize_t n = recv(c->fd, c->in, c->incap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return done(c, next, r);
	}
	if (ready & WL_TIMEOUT)
		return done(c, next, r);
	return wait_on(c, next, c->fd, WL_READ, c->deadline);
}

int serveconn_step(serveconn *c, const serveconn_cfg *cfg, int lfd, int ready, wl_wait *next,
		   wl_result *r)
{
	int rc;

	if (c->phase == SC_START) {
		c->cfg = cfg;
		c->fd = c->lfd = c->gn.bell = -1;
		c->listen = lfd;
		c->phase = SC_ACCEPT;
		if (c->gated && cfg->gate && (rc = servegate_join(cfg->gate, &c->gn)) <= 0)
			return rc < 0 ? end_err(c, next, r, -rc, "serve: eventfd: %s",
						strerror(-rc))
				      : wait_on(c, next, c->gn.bell, WL_READ, 0);
		ready = 0; /* the turn is ours: dup the socket and accept */
	} else if (c->lfd >= 0 && !c->lreg && c->phase != SC_ACCEPT) {
		close(c->lfd);
		c->lfd = -1;
	}
	if (c->gn.bell >= 0 && !c->breg && !c->gn.queued) { /* the baton came: done with it */
		close(c->gn.bell);
		c->gn.bell = -1;
	}
	if (ready < 0)
		return end_err(c, next, r, -ready, "serve: waiting: %s", strerror(-ready));
	do {
		switch (c->phase) {
		case SC_ACCEPT: rc = do_accept(c, ready, next, r); break;
		case SC_READ: rc = do_read(c, ready, next, r); break;
		case SC_BODY: rc = do_body(c, ready, next, r); break;
		case SC_DELAY: rc = do_delay(c, ready, next, r); break;
		case SC_WRITE: rc = do_write(c, ready, next, r); break;
		case SC_LINGER: rc = do_linger(c, ready, next, r); break;
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
