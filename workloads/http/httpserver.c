/*
 * httpserver.c - one connection of the bundled HTTP target, as a small state
 * machine; the loop that waits for it is someone else's:
 *
 *   READ -+-> BODY -+-> DELAY -+-> WRITE ---> READ (keep-alive) ...
 *         \_________\__________^         \--> LINGER ---> over
 *
 * READ gathers a request head (pipelined bytes beyond it stay buffered for
 * the next round); BODY reads a request's body (a POST's, by its
 * Content-Length) and drops it, never reading past its end, so the next
 * request's bytes stay where READ finds them; DELAY waits for its deadline
 * while only the peer hanging up may wake it, so a client that leaves
 * mid-delay is freed at once; WRITE sends as much as the socket takes and
 * waits for WL_WRITE for the rest. The answer's body is never held in
 * memory: it is a pure function of (seed, offset), made 64 KiB at a time
 * into one buffer shared by all connections, and whatever the socket did
 * not take is simply made again. So a slow reader of a 64 MiB answer costs
 * a few hundred bytes, not 64 MiB; a 64 MiB request body is read into that
 * same buffer and dropped.
 *
 * A step never allocates but to keep pipelined bytes, and makes no system
 * call beyond the reads and writes the answer needs: a keep-alive request is
 * one recv and one sendmsg.
 */
#define _GNU_SOURCE
#include "workloads/http/httpserver.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "workloads/http/httpbody.h"
#include "workloads/http/httpreq.h"

void httpserver_open(httpserver *s, httpserver_conn *c, int fd, wl_wait *next)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->state = HTTPSERVER_READ;
	c->deadline = wl_now_ns() + HTTPSERVER_IDLE_NS;
	s->connections++;
	*next = (wl_wait){ .fd = fd, .events = WL_READ, .deadline_ns = c->deadline };
}

void httpserver_close(httpserver *s, httpserver_conn *c)
{
	if (c->state == HTTPSERVER_DELAY)
		s->delayed--;
	free(c->in);
	c->in = NULL;
	c->inlen = 0;
	s->connections--;
}

/* Put the head (and a small text body) of the answer in c->out. */
static int put_head(httpserver_conn *c, const httpreq *req, const char *type, uint64_t length,
		    const char *text)
{
	const char *conn = !req->keep        ? "Connection: close\r\n"
			   : req->minor == 0 ? "Connection: keep-alive\r\n"
					     : "";
	int n = snprintf(c->out, sizeof c->out,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %llu\r\n%s%s\r\n%s",
			 req->status, httpreq_reason(req->status), type, (unsigned long long)length,
			 req->status == 405 ? "Allow: GET, HEAD, POST\r\n" : "", conn,
			 req->head_only ? "" : text);
	c->outlen = (uint16_t)n;
	c->outoff = 0;
	return n > 0 && (size_t)n < sizeof c->out ? 0 : -1;
}

/* The request is whole (its body too): answer at once, or after its delay. */
static void request_done(httpserver *s, httpserver_conn *c)
{
	c->state = HTTPSERVER_WRITE;
	if (c->delay_ms == 0)
		return;
	/* Only a hang-up wakes a waiting connection; pipelined requests stay
	 * in the kernel's buffer until this one is answered. */
	c->state = HTTPSERVER_DELAY;
	s->delayed++;
	c->deadline = wl_now_ns() + (uint64_t)c->delay_ms * 1000000u;
}

/* Make the answer to req, to send once its body (c->skip bytes still to
 * come) is read: then at once, or after its delay. 0, or -1 to close. */
static int start_answer(httpserver *s, httpserver_conn *c, const httpreq *req)
{
	char text[128];
	int rc;
	s->requests++;
	c->keep = (unsigned char)req->keep;
	c->body_len = c->body_off = 0;
	c->delay_ms = 0;
	c->cont = 0;
	if (req->status != 200) {
		snprintf(text, sizeof text, "%d %s\n", req->status, httpreq_reason(req->status));
		rc = put_head(c, req, "text/plain", strlen(text), text);
	} else if (req->route == HTTPREQ_STATS) {
		snprintf(text, sizeof text, "connections %zu\ndelayed %zu\nrequests %llu\n",
			 s->connections, s->delayed, (unsigned long long)s->requests);
		rc = put_head(c, req, "text/plain", strlen(text), text);
	} else {
		c->body_len = req->head_only ? 0 : req->size;
		c->seed = req->seed;
		c->delay_ms = (uint32_t)req->delay_ms;
		rc = put_head(c, req, "application/octet-stream", req->size, "");
	}
	if (rc < 0)
		return -1;
	/* A client that asked may be waiting for leave to send the body: put
	 * a 100 Continue before the answer, sent before the body is read
	 * (unless some of the body came anyway). */
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (req->expect_continue && c->skip == req->body_len) {
		if (c->outlen + sizeof cont - 1 > sizeof c->out)
			return -1;
		memmove(c->out + sizeof cont - 1, c->out, c->outlen);
		memcpy(c->out, cont, sizeof cont - 1);
		c->cont = sizeof cont - 1;
		c->outlen = (uint16_t)(c->outlen + c->cont);
	}
	if (c->skip) {
		c->state = HTTPSERVER_BODY;
		c->deadline = wl_now_ns() + HTTPSERVER_IDLE_NS;
	} else {
		request_done(s, c);
	}
	return 0;
}

/* Keep buf[0..n) for the next round of reading. */
static int keep_input(httpserver_conn *c, const char *buf, size_t n)
{
	free(c->in);
	c->in = NULL;
	c->inlen = 0;
	if (n == 0)
		return 0;
	if (!(c->in = malloc(n)))
		return -1;
	memcpy(c->in, buf, n);
	c->inlen = n;
	return 0;
}

/* READ: gather one request head, then start its answer. 1 when the state
 * moved on, 0 to wait for more bytes, -1 to close. */
static int take_request(httpserver *s, httpserver_conn *c)
{
	char *b = s->rbuf;
	size_t n = c->inlen, end = 0, from = 0, blank;
	int eof = 0;
	if (n)
		memcpy(b, c->in, n);
	for (;;) {
		/* empty lines before a request line are allowed (RFC 9112 2.2) */
		for (blank = 0; blank < n && (b[blank] == '\r' || b[blank] == '\n'); blank++)
			;
		if (blank) {
			memmove(b, b + blank, n - blank);
			n -= blank;
			from = 0;
		}
		if ((end = httpreq_head_end(b, n, from)) || n == HTTPSERVER_MAX_HEAD)
			break;
		ssize_t got = recv(c->fd, b + n, HTTPSERVER_MAX_HEAD - n, 0);
		if (got == 0 || (got < 0 && errno != EINTR)) {
			eof = got == 0;
			if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			break;
		}
		if (got > 0) {
			from = n > 3 ? n - 3 : 0;
			n += (size_t)got;
		}
	}
	httpreq req;
	if (end) {
		/* the body's first bytes may have come with the head: drop them */
		httpreq_parse(b, end, &req);
		size_t rest = n - end, drop = req.body_len < rest ? (size_t)req.body_len : rest;
		c->skip = req.body_len - drop;
		if (keep_input(c, b + end + drop, rest - drop) < 0)
			return -1;
	} else if (n == HTTPSERVER_MAX_HEAD) {
		req = (httpreq){ .status = 431, .minor = 1 };
	} else if (eof) {
		return -1; /* the peer is gone, between requests or within one */
	} else {
		return keep_input(c, b, n) < 0 ? -1 : 0;
	}
	return start_answer(s, c, &req) < 0 ? -1 : 1;
}

/* BODY: read and drop the rest of the request's body, never past its end:
 * what follows is the next request's, for READ. 1 when the body is in (the
 * state moved on), 0 to wait for more, -1 to close. */
static int skip_body(httpserver *s, httpserver_conn *c)
{
	while (c->outoff < c->cont) { /* the 100 Continue first */
		ssize_t w = send(c->fd, c->out + c->outoff, c->cont - c->outoff, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->deadline = wl_now_ns() + HTTPSERVER_IDLE_NS;
			return 0; /* waits for WL_WRITE (httpserver_step) */
		}
		if (w < 0)
			return -1;
		c->outoff = (uint16_t)(c->outoff + w);
	}
	for (int k = 0; k < 16 && c->skip > 0; k++) { /* 1 MiB, then the others' turn */
		size_t want = c->skip < sizeof s->wbuf ? (size_t)c->skip : sizeof s->wbuf;
		ssize_t got = recv(c->fd, s->wbuf, want, 0);
		if (got > 0)
			c->skip -= (uint64_t)got;
		else if (got < 0 && errno == EINTR)
			continue;
		else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		else
			return -1; /* the peer left mid-body */
	}
	if (c->skip > 0) {
		c->deadline = wl_now_ns() + HTTPSERVER_IDLE_NS;
		return 0;
	}
	request_done(s, c);
	return 1;
}

/* WRITE: send what the socket takes. 1 when the answer is out (the state
 * moved on), 0 to wait for WL_WRITE, -1 to close. */
static int send_answer(httpserver *s, httpserver_conn *c)
{
	for (;;) {
		struct iovec iov[2];
		size_t k = 0, head = (size_t)(c->outlen - c->outoff), total = head;
		if (head)
			iov[k++] = (struct iovec){ c->out + c->outoff, head };
		if (c->body_off < c->body_len) {
			size_t chunk = c->body_len - c->body_off;
			if (chunk > HTTPSERVER_CHUNK)
				chunk = HTTPSERVER_CHUNK;
			httpbody_fill(c->seed, c->body_off, s->wbuf, chunk);
			iov[k++] = (struct iovec){ s->wbuf, chunk };
			total += chunk;
		}
		if (k == 0)
			break;
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = k };
		ssize_t w = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		size_t sent = w < 0 ? 0 : (size_t)w, h = sent < head ? sent : head;
		c->outoff = (uint16_t)(c->outoff + h);
		c->body_off += sent - h;
		if (sent < total) { /* the socket is full: wait, and not forever */
			c->deadline = wl_now_ns() + HTTPSERVER_IDLE_NS;
			return 0;
		}
	}
	if (!c->keep) {
		/* Close gently: shut our side, then read until the peer closes
		 * too. Closing with unread bytes would send a reset, and a reset
		 * can destroy the answer before the peer has read it. */
		shutdown(c->fd, SHUT_WR);
		c->state = HTTPSERVER_LINGER;
		c->deadline = wl_now_ns() + HTTPSERVER_LINGER_NS;
		return 1;
	}
	c->state = HTTPSERVER_READ;
	c->deadline = wl_now_ns() + HTTPSERVER_IDLE_NS;
	return c->inlen ? 1 : 0; /* 1: a pipelined request is already here */
}

/* LINGER: read and drop until EOF. 0 to wait, -1 to close. */
static int drain(httpserver *s, httpserver_conn *c)
{
	for (int k = 0; k < 16; k++) {
		ssize_t got = recv(c->fd, s->rbuf, sizeof s->rbuf, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (got <= 0)
			return -1;
	}
	return 0;
}

/* Run the state machine until it has to wait (0) or the connection ends (-1). */
static int advance(httpserver *s, httpserver_conn *c)
{
	for (;;) {
		int rc;
		if (c->state == HTTPSERVER_READ)
			rc = take_request(s, c);
		else if (c->state == HTTPSERVER_BODY)
			rc = skip_body(s, c);
		else if (c->state == HTTPSERVER_WRITE)
			rc = send_answer(s, c);
		else if (c->state == HTTPSERVER_LINGER)
			rc = drain(s, c);
		else
			return 0; /* DELAY: its deadline will move it on */
		if (rc <= 0)
			return rc;
	}
}

int httpserver_step(httpserver *s, httpserver_conn *c, int ready, wl_wait *next)
{
	static const int wants[] = {
		[HTTPSERVER_READ] = WL_READ,
		[HTTPSERVER_BODY] = WL_READ,
		[HTTPSERVER_DELAY] = HTTPSERVER_HUP,
		[HTTPSERVER_WRITE] = WL_WRITE,
		[HTTPSERVER_LINGER] = WL_READ,
	};
	if (ready & WL_TIMEOUT) {
		if (c->state != HTTPSERVER_DELAY) /* idle, stalled, or done lingering */
			goto over;
		s->delayed--;
		c->state = HTTPSERVER_WRITE;
		/* until a full socket sets a fresh one, the idle timeout guards it */
		c->deadline = wl_now_ns() + HTTPSERVER_IDLE_NS;
	} else if (c->state == HTTPSERVER_DELAY) {
		goto over; /* gone mid-delay: only a hang-up wakes a delay */
	}
	if (advance(s, c) < 0)
		goto over;
	int events = wants[c->state];
	if (c->state == HTTPSERVER_BODY && c->outoff < c->cont)
		events = WL_WRITE; /* the 100 Continue has to go first */
	*next = (wl_wait){ .fd = c->fd, .events = events, .deadline_ns = c->deadline };
	return WL_STEP_WAIT;
over:
	httpserver_close(s, c);
	return WL_STEP_DONE;
}

/* Wait as w says; what became ready, or WL_TIMEOUT. */
static int wait_poll(const wl_wait *w)
{
	struct pollfd p = { w->fd,
			    (short)((w->events & WL_READ ? POLLIN : 0) |
				    (w->events & WL_WRITE ? POLLOUT : 0) |
				    (w->events & HTTPSERVER_HUP ? POLLRDHUP : 0)),
			    0 };
	for (;;) {
		uint64_t now = wl_now_ns();
		if (now >= w->deadline_ns)
			return WL_TIMEOUT;
		if (poll(&p, 1, (int)((w->deadline_ns - now + 999999) / 1000000)) <= 0)
			continue; /* EINTR, or the deadline check above decides */
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
			return w->events; /* the step finds out what went wrong */
		int ready = (p.revents & POLLIN ? WL_READ : 0) |
			    (p.revents & POLLOUT ? WL_WRITE : 0) |
			    (p.revents & POLLRDHUP ? HTTPSERVER_HUP : 0);
		if (ready & w->events)
			return ready & w->events;
	}
}

void httpserver_drive(httpserver *s, int fd)
{
	httpserver_conn c;
	wl_wait w;
	httpserver_open(s, &c, fd, &w);
	while (httpserver_step(s, &c, wait_poll(&w), &w) == WL_STEP_WAIT)
		;
}
