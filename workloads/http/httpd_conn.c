/*
 * httpd_conn.c - one connection of the bundled HTTP target, as a small state
 * machine driven by the loop in httpd.c:
 *
 *   READ ---> DELAY ---> WRITE ---> READ (keep-alive) ... or LINGER -> closed
 *     \___________________^
 *
 * READ gathers a request head (pipelined bytes beyond it stay buffered for
 * the next round); DELAY waits for the request's timer while epoll watches
 * only for the peer hanging up, so a client that leaves mid-delay is freed at
 * once; WRITE sends as much as the socket takes and waits for EPOLLOUT for
 * the rest. The body is never held in memory: it is a pure function of
 * (seed, offset), made 64 KiB at a time into one buffer shared by all
 * connections, and whatever the socket did not take is simply made again.
 * So a slow reader of a 64 MiB answer costs a few hundred bytes, not 64 MiB.
 */
#define _GNU_SOURCE
#include "workloads/http/httpd.h"
#include "workloads/http/httpd_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int httpd_conn_open(httpd_srv *s, int fd)
{
	httpd_conn *c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->slot = SIZE_MAX;
	c->state = HTTPD_READ;
	if (httpd_want(s, c, EPOLLIN) < 0) {
		close(fd);
		free(c);
		return -1;
	}
	httpd_timer_set(s, c, httpd_now_ns() + HTTPD_IDLE_NS);
	return 0;
}

void httpd_conn_close(httpd_srv *s, httpd_conn *c)
{
	httpd_timer_clear(s, c);
	if (c->state == HTTPD_DELAY)
		s->ndelayed--;
	close(c->fd); /* also takes it out of the epoll set */
	free(c->in);
	free(c);
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

/* Put the head (and a small text body) of the answer in c->out. */
static int put_head(httpd_conn *c, const httpd_req *req, const char *type, uint64_t length,
		    const char *text)
{
	const char *conn = !req->keep        ? "Connection: close\r\n"
			   : req->minor == 0 ? "Connection: keep-alive\r\n"
					     : "";
	int n = snprintf(c->out, sizeof c->out,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %llu\r\n%s%s\r\n%s",
			 req->status, reason(req->status), type, (unsigned long long)length,
			 req->status == 405 ? "Allow: GET, HEAD\r\n" : "", conn,
			 req->head_only ? "" : text);
	c->outlen = (uint16_t)n;
	c->outoff = 0;
	return n > 0 && (size_t)n < sizeof c->out ? 0 : -1;
}

/* Begin the answer to req: at once, or after its delay. 0, or -1 to close. */
static int start_answer(httpd_srv *s, httpd_conn *c, const httpd_req *req)
{
	char text[128];
	s->requests++;
	c->keep = (unsigned char)req->keep;
	c->body_len = c->body_off = 0;
	c->state = HTTPD_WRITE;
	if (req->status != 200) {
		snprintf(text, sizeof text, "%d %s\n", req->status, reason(req->status));
		return put_head(c, req, "text/plain", strlen(text), text);
	}
	if (req->route == HTTPD_STATS) {
		snprintf(text, sizeof text, "connections %zu\ndelayed %zu\nrequests %llu\n",
			 s->nheap, s->ndelayed, (unsigned long long)s->requests);
		return put_head(c, req, "text/plain", strlen(text), text);
	}
	c->body_len = req->head_only ? 0 : req->size;
	c->seed = req->seed;
	if (put_head(c, req, "application/octet-stream", req->size, "") < 0)
		return -1;
	if (req->delay_ms == 0)
		return 0;
	/* Only a hang-up wakes a waiting connection; pipelined requests stay
	 * in the kernel's buffer until this one is answered. */
	c->state = HTTPD_DELAY;
	s->ndelayed++;
	httpd_timer_set(s, c, httpd_now_ns() + req->delay_ms * 1000000u);
	return httpd_want(s, c, EPOLLRDHUP);
}

/* Keep buf[0..n) for the next round of reading. */
static int keep_input(httpd_conn *c, const char *buf, size_t n)
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
static int take_request(httpd_srv *s, httpd_conn *c)
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
		if ((end = httpd_head_end(b, n, from)) || n == HTTPD_MAX_HEAD)
			break;
		ssize_t got = recv(c->fd, b + n, HTTPD_MAX_HEAD - n, 0);
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
	httpd_req req;
	if (end) {
		if (keep_input(c, b + end, n - end) < 0)
			return -1;
		httpd_parse(b, end, &req);
	} else if (n == HTTPD_MAX_HEAD) {
		req = (httpd_req){ .status = 431, .minor = 1 };
	} else if (eof) {
		return -1; /* the peer is gone, between requests or within one */
	} else {
		return keep_input(c, b, n) < 0 || httpd_want(s, c, EPOLLIN) < 0 ? -1 : 0;
	}
	return start_answer(s, c, &req) < 0 ? -1 : 1;
}

/* WRITE: send what the socket takes. 1 when the answer is out (the state
 * moved on), 0 to wait for EPOLLOUT, -1 to close. */
static int send_answer(httpd_srv *s, httpd_conn *c)
{
	for (;;) {
		struct iovec iov[2];
		size_t k = 0, head = (size_t)(c->outlen - c->outoff), total = head;
		if (head)
			iov[k++] = (struct iovec){ c->out + c->outoff, head };
		if (c->body_off < c->body_len) {
			size_t chunk = c->body_len - c->body_off;
			if (chunk > HTTPD_CHUNK)
				chunk = HTTPD_CHUNK;
			httpd_body(c->seed, c->body_off, s->wbuf, chunk);
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
			httpd_timer_set(s, c, httpd_now_ns() + HTTPD_IDLE_NS);
			return httpd_want(s, c, EPOLLOUT);
		}
	}
	if (!c->keep) {
		/* Close gently: shut our side, then read until the peer closes
		 * too. Closing with unread bytes would send a reset, and a reset
		 * can destroy the answer before the peer has read it. */
		shutdown(c->fd, SHUT_WR);
		c->state = HTTPD_LINGER;
		httpd_timer_set(s, c, httpd_now_ns() + HTTPD_LINGER_NS);
		return 1;
	}
	c->state = HTTPD_READ;
	httpd_timer_set(s, c, httpd_now_ns() + HTTPD_IDLE_NS);
	if (c->inlen) /* a pipelined request is already here */
		return 1;
	return httpd_want(s, c, EPOLLIN) < 0 ? -1 : 0;
}

/* LINGER: read and drop until EOF. 0 to wait, -1 to close. */
static int drain(httpd_srv *s, httpd_conn *c)
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
	return httpd_want(s, c, EPOLLIN);
}

/* Run the state machine until it has to wait (or the connection ends). */
static void advance(httpd_srv *s, httpd_conn *c)
{
	for (;;) {
		int rc;
		if (c->state == HTTPD_READ)
			rc = take_request(s, c);
		else if (c->state == HTTPD_WRITE)
			rc = send_answer(s, c);
		else if (c->state == HTTPD_LINGER)
			rc = drain(s, c);
		else
			return; /* DELAY: its timer will move it on */
		if (rc < 0)
			httpd_conn_close(s, c);
		if (rc <= 0)
			return;
	}
}

void httpd_conn_event(httpd_srv *s, httpd_conn *c, uint32_t events)
{
	if ((events & EPOLLERR) || (c->state == HTTPD_DELAY && (events & (EPOLLRDHUP | EPOLLHUP))))
		httpd_conn_close(s, c); /* gone mid-delay: its timer goes with it */
	else
		advance(s, c);
}

void httpd_conn_expire(httpd_srv *s, httpd_conn *c)
{
	if (c->state != HTTPD_DELAY) { /* idle, stalled, or done lingering */
		httpd_conn_close(s, c);
		return;
	}
	s->ndelayed--;
	c->state = HTTPD_WRITE;
	/* until a full socket sets a fresh one, the idle timeout guards it */
	httpd_timer_set(s, c, httpd_now_ns() + HTTPD_IDLE_NS);
	advance(s, c);
}
