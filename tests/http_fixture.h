/*
 * http_fixture.h - what test_http.c and test_http_conn.c share: a canned-reply
 * HTTP server, and a driver that runs a task in both of its forms.
 *
 * srv_start forks a server on a free 127.0.0.1 port; it forks again for each
 * connection (so a connection kept alive never holds up the next) and
 * answers every request with the reply its scene scripts: a correct one,
 * chunked, 404, garbage, a truncated or too long body, a reset, silence.
 * It counts, on a pipe, a byte per accepted connection and per request
 * before it answers, so once a task is done its counts are there to read.
 * Its processes die with the test (PR_SET_PDEATHSIG) even when a failed
 * assertion skips srv_stop.
 *
 * Each task runs twice: through run() with the blocking wl_io, and through
 * step() driven by a small poll() loop here that also moves the task state
 * between steps, as a model may. Both forms must agree on the digest or on
 * the error. Include it after testutil.h.
 */
#ifndef CB_HTTP_FIXTURE_H
#define CB_HTTP_FIXTURE_H

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/wl_fixture.h"

enum scene {
	OK,        /* 200 with BODY and Content-Length; keep-alive if asked */
	OK_CLOSE,  /* the same, then the server closes without saying so */
	DROP_2ND,  /* OK to a connection's first request, a close to the next */
	RESET_2ND, /* OK to a connection's first request, a reset to the next */
	CHUNKED,   /* BODY in chunks with extensions and a trailer */
	EOF_BODY,  /* BODY without a length, then the close */
	BIG,       /* BIG_LEN bytes of big_byte() */
	ECHO,      /* the request head as the body */
	NOT_FOUND, /* 404 */
	GARBAGE,   /* not HTTP */
	TRUNCATED, /* Content-Length 100, 10 bytes, close */
	LONGER,    /* Content-Length 5, 15 bytes, close */
	RESET,     /* read the request, then RST */
	SILENT,    /* read the request, never answer */
};

#define BODY    "the body of a correct reply"
#define BIG_LEN (1u << 20)

static inline unsigned char big_byte(size_t j)
{
	return (unsigned char)((j * 7 + 3) ^ (j >> 9));
}

/* The digest of a correct reply's body. */
static inline uint64_t body_digest(void)
{
	return wl_digest_bytes(BODY, strlen(BODY));
}

struct srv {
	pid_t pid;
	int port;
	int pipe;    /* read end: 'a' per accepted connection, 'r' per request */
	int accepts; /* counted so far */
	int requests;
};

static inline void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			_exit(1);
		p += n;
		len -= (size_t)n;
	}
}

static inline void write_str(int fd, const char *s)
{
	write_all(fd, s, strlen(s));
}

/* Read one request head into buf; its length, or 0 at EOF. */
static inline size_t read_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return len;
	}
	return 0;
}

static inline void reply_big(int fd)
{
	unsigned char *b = malloc(BIG_LEN);
	char head[64];

	if (!b)
		_exit(1);
	for (size_t j = 0; j < BIG_LEN; j++)
		b[j] = big_byte(j);
	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", BIG_LEN);
	write_str(fd, head);
	for (size_t off = 0; off < BIG_LEN; off += 100000)
		write_all(fd, b + off, BIG_LEN - off < 100000 ? BIG_LEN - off : 100000);
	free(b);
}

/* Answer request nth (0, 1, ...) of a connection; whether it stays open. */
static inline int reply(int fd, enum scene scene, int nth, const char *req, size_t reqlen)
{
	char head[128];
	struct linger lg = { 1, 0 };
	int keep = !strstr(req, "Connection: close");

	if ((scene == DROP_2ND || scene == RESET_2ND) && nth == 0)
		scene = OK;
	switch (scene) {
	case OK:
	case OK_CLOSE:
		write_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n" BODY);
		return keep && scene == OK;
	case CHUNKED:
		write_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "4;ext=1\r\nthe \r\n");
		write_str(fd, "17\r\nbody of a correct reply\r\n0\r\nX-Trailer: t\r\n\r\n");
		return keep;
	case ECHO:
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			 reqlen);
		write_str(fd, head);
		write_all(fd, req, reqlen);
		return keep;
	case EOF_BODY: write_str(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" BODY); break;
	case BIG: reply_big(fd); break;
	case NOT_FOUND:
		write_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
		break;
	case GARBAGE: write_str(fd, "SPAM 200 OK\r\n\r\n"); break;
	case TRUNCATED:
		write_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
		break;
	case LONGER:
		write_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more");
		break;
	case RESET:
	case RESET_2ND: setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg); break;
	case DROP_2ND: break;
	case SILENT:
		while (read(fd, head, sizeof head) > 0) /* until the client gives up */
			;
		break;
	}
	return 0;
}

static inline void serve_conn(int fd, int counts, enum scene scene)
{
	char req[4096];
	size_t len;
	int nth = 0;

	while ((len = read_head(fd, req, sizeof req)) > 0) {
		write_all(counts, "r", 1);
		if (!reply(fd, scene, nth++, req, len))
			break;
	}
	close(fd);
	_exit(0);
}

/* The server process: a child process per connection, so a connection kept
 * alive never holds up the next. */
static inline void serve(int lfd, int counts, enum scene scene)
{
	signal(SIGCHLD, SIG_IGN); /* reap them unasked */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		write_all(counts, "a", 1);
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(lfd);
			serve_conn(fd, counts, scene);
		}
		close(fd);
	}
}

static inline int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static inline struct srv srv_start(enum scene scene)
{
	struct srv s = { 0 };
	int p[2], lfd = listen_any(&s.port);

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	s.pid = fork();
	assert_true(s.pid >= 0);
	if (s.pid == 0) {
		/* a failed assertion skips srv_stop: die with the test, then */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		close(p[0]);
		serve(lfd, p[1], scene);
	}
	setpgid(s.pid, s.pid); /* whichever runs first: the group exists to kill */
	close(lfd);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	s.pipe = p[0];
	return s;
}

/* Bring s->accepts and s->requests up to date. The server counts before it
 * answers, so a finished task's connection and request are counted. */
static inline void srv_count(struct srv *s)
{
	char buf[64];
	ssize_t n;

	while ((n = read(s->pipe, buf, sizeof buf)) > 0)
		for (ssize_t k = 0; k < n; k++)
			*(buf[k] == 'a' ? &s->accepts : &s->requests) += 1;
}

static inline void srv_stop(struct srv *s)
{
	kill(-s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->pipe);
}

/* A port nobody listens on: bound, then closed. */
static inline int closed_port(void)
{
	int port, fd = listen_any(&port);

	close(fd);
	return port;
}

static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---- specs ---- */

/* kind with defaults, the bundled target at port (0: none), then key, val... */
static inline void __attribute__((sentinel))
http_spec(wl_spec *w, const wl_kind *kind, int port, ...)
{
	va_list ap;

	va_start(ap, port);
	spec_vmake(w, kind, ap);
	va_end(ap);
	if (port)
		snprintf(w->target, sizeof w->target, "127.0.0.1:%d", port);
}

/* ---- the two forms ---- */

static inline wl_result run_form(const wl_spec *w, size_t i)
{
	wl_result r = { 0 };

	w->kind->run(w, i, &wl_io_blocking, &r);
	return r;
}

/* What a poll() event loop would report for one wl_wait. */
static inline int poll_wait(const wl_wait *next)
{
	struct pollfd p = { next->fd,
			    (short)((next->events & WL_READ ? POLLIN : 0) |
				    (next->events & WL_WRITE ? POLLOUT : 0)),
			    0 };

	assert_true(next->fd >= 0 && next->events && next->deadline_ns);
	for (;;) {
		uint64_t now = wl_now_ns();
		if (now >= next->deadline_ns)
			return WL_TIMEOUT;
		int ms = (int)((next->deadline_ns - now + 999999) / 1000000);
		if (poll(&p, 1, ms) <= 0)
			continue;
		int ready = (p.revents & (POLLIN | POLLHUP | POLLERR) ? WL_READ : 0) |
			    (p.revents & (POLLOUT | POLLERR) ? WL_WRITE : 0);
		if (ready & next->events)
			return ready & next->events;
	}
}

/* The resumable form, driven by poll(); the state moves between steps. */
static inline wl_result step_form(const wl_spec *w, size_t i)
{
	size_t size = w->kind->state_size, off = 0;
	unsigned char *mem = calloc(1, size + 128);
	wl_result r = { 0 };
	wl_wait next;
	int ready = 0;

	assert_non_null(mem);
	for (int rc; (rc = w->kind->step(w, i, mem + off, ready, &next, &r)) != WL_STEP_DONE;) {
		ready = 0;
		if (rc == WL_STEP_OFFLOAD)
			continue;             /* the next step, at once, as a plain loop does */
		size_t to = (off + 40) % 120; /* 8-byte aligned, any 64-byte phase */
		memmove(mem + to, mem + off, size);
		off = to;
		ready = poll_wait(&next);
	}
	free(mem);
	return r;
}

/* Task i in both forms; they must agree. Returns run()'s result. */
static inline wl_result both_forms(const wl_spec *w, size_t i)
{
	wl_result a = run_form(w, i), b = step_form(w, i);

	if (a.err != b.err || strcmp(a.msg, b.msg) != 0 || (!a.err && a.digest != b.digest))
		fail_msg("forms differ: run %d '%s' %llx, step %d '%s' %llx", a.err, a.msg,
			 (unsigned long long)a.digest, b.err, b.msg, (unsigned long long)b.digest);
	return a;
}

#endif
