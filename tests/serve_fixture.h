/*
 * serve_fixture.h - what test_serve.c and test_serve_http.c share: a serve
 * spec over a fresh listening socket, one run of a model on it, and the
 * client that drives the run from a process of its own (as the harness's
 * load generator is: a client thread's sockets would live on in the fork
 * model's children). The client asserts nothing itself: the first thing
 * that went wrong goes to why, and the listening socket is shut so that the
 * run ends rather than hangs. Include it after model_fixture.h and
 * wl_fixture.h.
 */
#ifndef CB_SERVE_FIXTURE_H
#define CB_SERVE_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "workloads/serve.h"
#include "workloads/servesock.h"

enum {
	CL_KEEP,
	CL_CLOSE,
	CL_SILENT,
	CL_VANISH,
	CL_SHUT,
	CL_HOLDUP,
	CL_SLOW,
	CL_PIPELINE,
	CL_CONTINUE
};

/* What the client does, and what it found. */
typedef struct {
	int mode, port, lfd;
	int nconn, nreq;
	const uint64_t *want; /* the work's digest per seed */
	uint64_t first[8];    /* each connection's first seed's digest */
	int answered_before;  /* CL_HOLDUP: the long answer was in when the short one came */
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

/* Read one answer, exactly (answers may come pipelined), and check it is
 * 200 with the digest of seed; 1 if it says Connection: close. */
static inline int cl_answer(client *c, int fd, uint64_t seed)
{
	char buf[1024], want[32];
	size_t len = 0, body = 0;
	char *end = NULL;

	while (!end || len < (size_t)(end - buf) + 4 + body) {
		size_t ask = end ? (size_t)(end - buf) + 4 + body - len : 1;
		ssize_t n = len + ask < sizeof buf ? recv(fd, buf + len, ask, 0) : -1;
		if (n <= 0) {
			bad(c, "seed %llu: no whole answer (%zd: %s)", (unsigned long long)seed, n,
			    n < 0 ? strerror(errno) : "closed");
			return 1;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n")))
			body = strstr(buf, "Content-Length: 17") ? 17 : 0;
	}
	snprintf(want, sizeof want, "%016llx\n", (unsigned long long)c->want[seed]);
	if (strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) != 0 || body != 17 ||
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
			int last = c->mode == CL_CLOSE && k == c->nreq - 1;
			cl_ask(c, fd[j], (uint64_t)(j * c->nreq + k), last);
			if (cl_answer(c, fd[j], (uint64_t)(j * c->nreq + k)) != last)
				bad(c, "Connection: close %s", last ? "missing" : "unasked");
		}
		if (c->mode == CL_CLOSE)
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
	case CL_KEEP:
	case CL_CLOSE: cl_keep_or_close(c); break;
	case CL_HOLDUP: cl_holdup(c); break;
	case CL_SILENT: /* connect and close without a request */
		if ((fd = cl_connect(c)) >= 0)
			close(fd);
		break;
	case CL_VANISH: /* one request, then half of one, then gone */
		if ((fd = cl_connect(c)) < 0)
			break;
		c->first[0] = c->want[2];
		cl_ask(c, fd, 2, 0);
		cl_answer(c, fd, 2);
		cl_send(c, fd, "GET /?seed=1 HTTP/1.1\r\nHo");
		close(fd);
		break;
	case CL_SLOW: /* a byte every 20 ms: the head's deadline still holds */
		if ((fd = cl_connect(c)) < 0)
			break;
		for (int k = 0; k < 150; k++) {
			struct timespec tick = { 0, 20000000 };
			char ch;
			if (send(fd, "G", 1, MSG_NOSIGNAL) != 1 ||
			    recv(fd, &ch, 1, MSG_DONTWAIT) == 0)
				break;
			if (k == 149)
				bad(c, "a trickling client was kept past timeout_ms");
			nanosleep(&tick, NULL);
		}
		close(fd);
		break;
	case CL_PIPELINE: /* three requests in one send, a POST's body among them */
		if ((fd = cl_connect(c)) < 0)
			break;
		c->first[0] = c->want[0];
		cl_send(c, fd,
			"GET /?seed=0 HTTP/1.1\r\n\r\nPOST /p?seed=1 HTTP/1.1\r\nContent-Length: "
			"5\r\n\r\nhelloGET /?seed=2 HTTP/1.1\r\nConnection: close\r\n\r\n");
		for (int k = 0; k < 3; k++)
			if (cl_answer(c, fd, (uint64_t)k) != (k == 2))
				bad(c, "pipelined answer %d: Connection: close misplaced", k);
		cl_closed(c, fd);
		close(fd);
		break;
	case CL_CONTINUE: /* a POST whose body waits for "100 Continue" */
		if ((fd = cl_connect(c)) < 0)
			break;
		c->first[0] = c->want[3];
		cl_send(c, fd,
			"POST /?seed=3 HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: "
			"5\r\n\r\n");
		char cont[26] = "";
		if (recv(fd, cont, 25, MSG_WAITALL) != 25 ||
		    strcmp(cont, "HTTP/1.1 100 Continue\r\n\r\n") != 0)
			bad(c, "no 100 Continue: '%s'", cont);
		cl_send(c, fd, "hello");
		cl_answer(c, fd, 3);
		close(fd);
		break;
	case CL_SHUT: /* one connection served; then the harness's end of the run */
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

/* The serve spec over a fresh listening socket, and its work's digests for
 * seeds 0..nwant-1 run directly. work: the work's spec, or all of serve's
 * ("serve:timeout_ms=200,work=..."). */
static inline void serve_make(wl_spec *w, const char *work, uint64_t *want, size_t nwant)
{
	char text[200], err[256];
	wl_spec inner;

	snprintf(text, sizeof text, "%s%s", strncmp(work, "serve:", 6) ? "serve:work=" : "", work);
	if (spec_workload(text, 0, w, err, sizeof err) < 0)
		fail_msg("%s: %s", text, err);
	work = strstr(text, "work=") + 5;
	w->listen_set = 1;
	w->listen_fd = servesock_listen("127.0.0.1:0", err, sizeof err);
	assert_true(w->listen_fd >= 0);
	spec_prepare(w);
	if (spec_workload(work, 0, &inner, err, sizeof err) < 0)
		fail_msg("%s: %s", work, err);
	spec_prepare(&inner);
	for (size_t k = 0; k < nwant; k++)
		want[k] = task_digest(&inner, k);
	wl_release(&inner);
}

static inline void serve_free(wl_spec *w)
{
	close(w->listen_fd);
	wl_release(w);
}

/* One run of model on w, n connections at c, with the client doing cl. */
static inline model_table *serve_run(const char *model, wl_spec *w, size_t n, unsigned c,
				     client *cl, int *rc)
{
	model_spec m;
	model_table *t = model_table_new(n);
	wl_spec run = *w;
	char err[WL_ERRLEN] = "";
	pid_t pid;

	model_make(&m, model, 0);
	assert_non_null(t);
	if (wl_begin(&run, n, err, sizeof err) != 0)
		fail_msg("begin: %s", err);
	cl->port = serve_port(&run);
	cl->lfd = w->listen_set ? w->listen_fd : -1;
	assert_true(cl->port > 0);
	/* A process, as the harness's load is: a client thread's sockets would
	 * live on in the fork model's children, and no connection would end. */
	client *shared =
		mmap(NULL, sizeof *cl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(shared != MAP_FAILED);
	*shared = *cl;
	if ((pid = fork()) == 0) {
		client_main(shared);
		_exit(0);
	}
	assert_true(pid > 0);
	model_run r = { .model = &m, .wl = &run, .n = n, .c = c, .table = t };
	t->t0_ns = wl_now_ns();
	*rc = m.kind->run(&r);
	waitpid(pid, NULL, 0); /* or the fork model reaped it: it has exited */
	*cl = *shared;
	munmap(shared, sizeof *cl);
	wl_end(&run);
	return t;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Each task's digest is one connection's first answer, each once. */
static inline void check_digests(const model_table *t, const client *cl, const char *model)
{
	uint64_t got[8], want[8];

	for (size_t i = 0; i < t->n; i++) {
		got[i] = t->task[i].digest;
		want[i] = cl->first[i];
	}
	qsort(got, t->n, sizeof got[0], cmp_u64);
	qsort(want, t->n, sizeof want[0], cmp_u64);
	for (size_t i = 0; i < t->n; i++)
		if (got[i] != want[i])
			fail_msg("%s: task digests are not the connections' first answers", model);
}

#endif
