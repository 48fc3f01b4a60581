/*
 * serve_client.h - the client test_serve.c drives a serve run with, from a
 * process of its own (as the harness's load generator is): what it does
 * (mode) and what it found, in memory shared with the test. It asserts
 * nothing itself: the first thing that went wrong goes to why, and the
 * listening socket is shut so that the run ends rather than hangs.
 */
#ifndef CB_SERVE_CLIENT_H
#define CB_SERVE_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { KEEP, CLOSE, SILENT, VANISH, SHUT, HOLDUP };

/* What the client does, and what it found. */
typedef struct {
	int mode, port, lfd;
	int nconn, nreq;
	const uint64_t *want; /* the work's digest per seed */
	uint64_t first[8];    /* each connection's first seed's digest */
	int answered_before;  /* HOLDUP: the long answer was in when the short one came */
	char why[256];        /* "" or the first thing that went wrong */
} client;

static inline void bad(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void bad(client *c, const char *fmt, ...)
{
	va_list ap;
	if (c->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	shutdown(c->lfd, SHUT_RDWR); /* the tasks still waiting end, not hang */
}

static inline int cl_connect(client *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		bad(c, "connect: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static inline void cl_send(client *c, int fd, const char *text)
{
	if (send(fd, text, strlen(text), MSG_NOSIGNAL) != (ssize_t)strlen(text))
		bad(c, "send: %s", strerror(errno));
}

static inline void cl_ask(client *c, int fd, uint64_t seed, int close_it)
{
	char req[160];
	snprintf(req, sizeof req, "GET /any/path?x=1&seed=%llu HTTP/1.1\r\nHost: t\r\n%s\r\n",
		 (unsigned long long)seed, close_it ? "Connection: close\r\n" : "");
	cl_send(c, fd, req);
}

/* Read one answer and check it is 200 with the digest of seed; 1 if it
 * says Connection: close. */
static inline int cl_answer(client *c, int fd, uint64_t seed)
{
	char buf[1024], want[32];
	size_t len = 0;
	char *end = NULL, *cl;

	while (!(end = strstr(buf, "\r\n\r\n")) || len < (size_t)(end - buf) + 4 + 17) {
		ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
		if (n <= 0) {
			bad(c, "seed %llu: no whole answer (%zd: %s)", (unsigned long long)seed, n,
			    n < 0 ? strerror(errno) : "closed");
			return 1;
		}
		len += (size_t)n;
		buf[len] = '\0';
	}
	snprintf(want, sizeof want, "%016llx\n", (unsigned long long)c->want[seed]);
	if (strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) != 0 || !(cl = strstr(buf, "Content-Length: 17")) ||
	    strcmp(end + 4, want) != 0)
		bad(c, "seed %llu: answer '%s', want body %s", (unsigned long long)seed, buf, want);
	return strstr(buf, "Connection: close") != NULL;
}

/* The server closed: recv sees the end. */
static inline void cl_closed(client *c, int fd)
{
	char ch;
	if (recv(fd, &ch, 1, 0) != 0)
		bad(c, "the server kept the connection after Connection: close");
}

/* All connections first (they wait in the backlog), then each in turn. */
static inline void cl_keep_or_close(client *c)
{
	int fd[8];
	for (int j = 0; j < c->nconn; j++)
		fd[j] = cl_connect(c);
	for (int j = 0; j < c->nconn && !c->why[0]; j++) {
		c->first[j] = c->want[j * c->nreq];
		for (int k = 0; k < c->nreq; k++) {
			int last = c->mode == CLOSE && k == c->nreq - 1;
			cl_ask(c, fd[j], (uint64_t)(j * c->nreq + k), last);
			if (cl_answer(c, fd[j], (uint64_t)(j * c->nreq + k)) != last)
				bad(c, "Connection: close %s", last ? "missing" : "unasked");
		}
		if (c->mode == CLOSE)
			cl_closed(c, fd[j]);
		close(fd[j]); /* an iterative server takes the next one then */
		fd[j] = -1;
	}
	for (int j = 0; j < c->nconn; j++)
		if (fd[j] >= 0)
			close(fd[j]);
}

/* Two connections, each answered once (so both are accepted); then a long
 * request (seed 0) on the first and a short one (seed 1) on the second:
 * when the short answer comes, is the long one in already? */
static inline void cl_holdup(client *c)
{
	int a = cl_connect(c), b = cl_connect(c);
	struct timespec settle = { 0, 50000000 };
	struct pollfd p = { a, POLLIN, 0 };

	for (int k = 0; k < 2; k++) {
		cl_ask(c, k ? b : a, 1, 0);
		cl_answer(c, k ? b : a, 1);
	}
	c->first[0] = c->first[1] = c->want[1];
	nanosleep(&settle, NULL); /* the loop back in its wait: a, then b, become ready */
	cl_ask(c, a, 0, 0);
	cl_ask(c, b, 1, 0);
	cl_answer(c, b, 1);
	c->answered_before = poll(&p, 1, 0) == 1;
	cl_answer(c, a, 0);
	close(a);
	close(b);
}

static inline void client_main(client *c)
{
	int fd;

	switch (c->mode) {
	case KEEP:
	case CLOSE: cl_keep_or_close(c); break;
	case HOLDUP: cl_holdup(c); break;
	case SILENT: /* connect and close without a request */
		if ((fd = cl_connect(c)) >= 0)
			close(fd);
		break;
	case VANISH: /* one request, then half of one, then gone */
		if ((fd = cl_connect(c)) < 0)
			break;
		c->first[0] = c->want[2];
		cl_ask(c, fd, 2, 0);
		cl_answer(c, fd, 2);
		cl_send(c, fd, "GET /?seed=1 HTTP/1.1\r\nHo");
		close(fd);
		break;
	case SHUT: /* one connection served; then the harness's end of the run */
		if ((fd = cl_connect(c)) < 0)
			break;
		c->first[0] = c->want[0];
		cl_ask(c, fd, 0, 1);
		cl_answer(c, fd, 0);
		cl_closed(c, fd);
		close(fd);
		shutdown(c->lfd, SHUT_RDWR);
		break;
	}
}

#endif
