/*
 * test_httpserve.c - the bundled HTTP target under many clients and at its
 * end: 2,000 delayed requests at once, the addresses target_serve refuses,
 * and a stop that gives the server's CPU time and leaves no child behind.
 * One request at a time: test_httptarget.c.
 *
 * No timing thresholds but sanity bounds ("a 200 ms delay took >= 200 ms");
 * every wait has a guard, so a hang fails instead of hanging.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/target_serve.h"
#include "models/epoll.h"
#include "harness/run/target_spawn.h"
#include "workloads/http/httpbody.h"

static pid_t server;
static char hostport[64];
static uint16_t port;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One of test_concurrent's clients. */
typedef struct {
	int fd, sent;
	char buf[512];
	size_t i, n, got, *done;
	uint64_t t_sent, t_done;
} cclient;

static void on_client(loop *l, int fd, int ready, void *arg)
{
	cclient *c = arg;
	if (!c->sent) { /* connected: one request, all at once */
		char req[128];
		int len = snprintf(req, sizeof req,
				   "GET /work?delay_ms=200&size=%zu&seed=%zu "
				   "HTTP/1.1\r\nConnection: close\r\n\r\n",
				   c->i % 97 + 1, c->i * 7919);
		/* the time before sending: the server may well answer
		 * before send() returns to a busy machine's client */
		c->t_sent = now_ns();
		assert_int_equal(send(fd, req, (size_t)len, MSG_NOSIGNAL), len);
		c->sent = 1;
		assert_int_equal(loop_watch(l, fd, WL_READ, on_client, c), 0);
		return;
	}
	ssize_t got = recv(fd, c->buf + c->got, sizeof c->buf - 1 - c->got, 0);
	assert_true(got >= 0 || errno == EAGAIN);
	if (got > 0)
		c->got += (size_t)got;
	if (got == 0) { /* the server closed: the answer is whole */
		c->t_done = now_ns();
		loop_watch_close(l, fd);
		if (++*c->done == c->n)
			loop_stop(l);
	}
}

static void on_guard(loop *l, void *arg)
{
	loop_stop(l);
}

/* 2,000 delayed requests at once from one thread: an event loop on our side
 * too (the project's own, on epoll). */
static void test_concurrent(void **st)
{
	size_t n = getenv("CB_MEMCHECK") ? 200 : 2000, done = 0;
	struct rlimit rl;
	char err[256];
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		print_message("only %zu sockets allowed (ulimit -Hn)\n", (size_t)rl.rlim_cur - 64);
		n = (size_t)rl.rlim_cur - 64;
	}
	cclient *cl = calloc(n, sizeof *cl);
	loop *l = loop_new(&loop_backend_epoll, n + 16, 16, err, sizeof err);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_non_null(cl);
	assert_non_null(l);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (size_t i = 0; i < n; i++) {
		cl[i].i = i;
		cl[i].done = &done;
		cl[i].n = n;
		cl[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(cl[i].fd >= 0);
		int rc = connect(cl[i].fd, (struct sockaddr *)&a, sizeof a);
		assert_true(rc == 0 || errno == EINPROGRESS);
		assert_int_equal(loop_watch(l, cl[i].fd, WL_WRITE, on_client, &cl[i]), 0);
	}
	int64_t guard = loop_timer(l, now_ns() + 60000000000ull, on_guard, NULL);
	assert_true(guard > 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(done, n); /* or the guard stopped a hang */
	loop_cancel(l, guard);
	loop_free(l);
	for (size_t i = 0; i < n; i++) {
		size_t size = i % 97 + 1;
		unsigned char want[128];
		cl[i].buf[cl[i].got] = '\0';
		char *body = strstr(cl[i].buf, "\r\n\r\n");
		assert_int_equal(strncmp(cl[i].buf, "HTTP/1.1 200 ", 13), 0);
		assert_non_null(body);
		assert_int_equal(cl[i].buf + cl[i].got - (body + 4), size);
		httpbody_fill(i * 7919, 0, want, size);
		assert_memory_equal(body + 4, want, size);
		assert_true(cl[i].t_done - cl[i].t_sent >= 200000000u); /* sanity */
	}
	free(cl);
}

static void test_serve_bad_address(void **st)
{
	static volatile sig_atomic_t stop = 1;
	char err[256], inuse[64];
	assert_int_equal(target_serve("nonsense", &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "'nonsense'"));
	assert_int_equal(target_serve("127.0.0.1:99999", &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "127.0.0.1:99999"));
	assert_int_equal(target_serve("example.com:80", &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "example.com:80"));
	snprintf(inuse, sizeof inuse, "127.0.0.1:%u", port);
	assert_int_equal(target_serve(inuse, &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot bind"));
	assert_non_null(strstr(err, inuse));
}

/* Stopping gives CPU times and leaves no child behind: run last. */
static void test_stop(void **st)
{
	double user = -1, sys = -1;
	pid_t other;
	char hp[64], err[256];
	assert_int_equal(target_spawn(NULL, NULL, &other, hp, sizeof hp, err, sizeof err), 0);
	assert_string_not_equal(hp, hostport);
	assert_int_equal(target_spawn_stop(other, NULL, NULL), 0);
	assert_int_equal(target_spawn_stop(server, &user, &sys), 0);
	server = 0;
	assert_true(user >= 0 && sys >= 0);
	assert_true(user + sys > 0); /* it did serve all of the above */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static int setup(void **st)
{
	char err[256];
	struct rlimit rl; /* for test_concurrent's 2,000 sockets */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (target_spawn(NULL, NULL, &server, hostport, sizeof hostport, err, sizeof err) < 0) {
		fprintf(stderr, "target_spawn: %s\n", err);
		return -1;
	}
	const char *colon = strrchr(hostport, ':');
	port = colon ? (uint16_t)atoi(colon + 1) : 0;
	return strncmp(hostport, "127.0.0.1:", 10) || !port ? -1 : 0;
}

static int teardown(void **st)
{
	if (server > 0)
		target_spawn_stop(server, NULL, NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_serve_bad_address),
		cmocka_unit_test(test_stop),
	};
	return cmocka_run_group_tests_name("httpserve", tests, setup, teardown);
}
