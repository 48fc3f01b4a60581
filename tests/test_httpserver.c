/*
 * test_httpserver.c - one connection of the bundled target as a state
 * machine on a socketpair: no loop, no listening socket. Stepped by hand
 * and driven straight-line it sends the same bytes; a delay waits for its
 * deadline and a hang-up ends it; a POST's body is read past, however long;
 * an idle connection times out. The whole
 * server from the outside: test_httptarget.c.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "workloads/http/httpbody.h"
#include "workloads/http/httpserver.h"

typedef struct {
	char *buf;
	size_t len;
} bytes;

/* A connected pair: sv[0] the server's end (non-blocking), sv[1] the client's. */
static void pair(int sv[2], const char *request, int shut)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	size_t len = strlen(request);
	assert_int_equal(send(sv[1], request, len, MSG_NOSIGNAL), (ssize_t)len);
	if (shut)
		shutdown(sv[1], SHUT_WR);
}

/* Everything the client end got until EOF (the server's end is closed). */
static bytes collect(int fd)
{
	bytes b = { NULL, 0 };
	char chunk[4096];
	ssize_t got;
	while ((got = recv(fd, chunk, sizeof chunk, 0)) > 0) {
		b.buf = realloc(b.buf, b.len + (size_t)got + 1);
		assert_non_null(b.buf);
		memcpy(b.buf + b.len, chunk, (size_t)got);
		b.len += (size_t)got;
		b.buf[b.len] = '\0';
	}
	assert_int_equal(got, 0);
	close(fd);
	return b;
}

/* The resumable form, stepped by hand: the client has said all and shut its
 * side, so a read never waits; answers are small, so a write never does. */
static bytes stepped(const char *request)
{
	httpserver *s = calloc(1, sizeof *s);
	httpserver_conn c;
	wl_wait w;
	int sv[2], rc = WL_STEP_WAIT, k;
	assert_non_null(s);
	pair(sv, request, 1);
	httpserver_open(s, &c, sv[0], &w);
	assert_int_equal(s->connections, 1);
	for (k = 0; k < 10000 && rc == WL_STEP_WAIT; k++) {
		assert_int_equal(w.fd, sv[0]);
		assert_true(w.deadline_ns > 0);
		rc = httpserver_step(s, &c, w.events & (WL_READ | WL_WRITE), &w);
	}
	assert_int_equal(rc, WL_STEP_DONE);
	assert_int_equal(s->connections, 0);
	close(sv[0]);
	free(s);
	return collect(sv[1]);
}

/* The straight-line form over the same machine. */
static bytes driven(const char *request)
{
	httpserver *s = calloc(1, sizeof *s);
	int sv[2];
	assert_non_null(s);
	pair(sv, request, 1);
	httpserver_drive(s, sv[0]);
	assert_int_equal(s->connections, 0);
	close(sv[0]);
	free(s);
	return collect(sv[1]);
}

static size_t count(const bytes *b, const char *what)
{
	size_t n = 0;
	for (const char *p = b->buf; p && (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_step_and_drive_agree(void **st)
{
	static const struct {
		const char *request;
		size_t answers;
	} cases[] = {
		{ "GET /work?size=5&seed=1 HTTP/1.1\r\n\r\nHEAD /work?size=7 HTTP/1.1\r\n\r\n"
		  "GET /stats HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"
		  "\r\nGET /work?size=70000&seed=2 HTTP/1.0\r\n\r\n",
		  5 },
		{ "GET /work?size=3 HTTP/1.1\r\nConnection: close\r\n\r\nGET /work HTTP/1.1\r\n\r\n",
		  1 },
		{ "BAD\r\n\r\n", 1 },
		{ "GET /work?size=1 HTTP/1.1\r\n\r\n", 1 },
		{ "GET /work?size=1 HTTP/1.1\r\n", 0 }, /* the peer left mid-head */
		/* a POST's body is read and dropped, never taken for a request */
		{ "POST /work?size=2 HTTP/1.1\r\nContent-Length: 26\r\n\r\n"
		  "GET /stats HTTP/1.1\r\n\r\nGET /work?size=3 HTTP/1.1\r\n\r\n",
		  2 },
		{ "POST /work HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", 0 }, /* left mid-body */
		{ "POST /work HTTP/1.1\r\nContent-Length: 67108865\r\n\r\nGET /work HTTP/1.1\r\n\r\n",
		  1 }, /* 413, then closed */
		{ "POST /work HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "1a\r\nGET /stats HTTP/1.1\r\n\r\n\r\n0\r\n\r\n",
		  1 }, /* 411, then closed */
	};
	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		bytes a = stepped(cases[k].request), b = driven(cases[k].request);
		if (count(&a, "HTTP/1.1 ") != cases[k].answers)
			fail_msg("case %zu: %zu answers, not %zu", k, count(&a, "HTTP/1.1 "),
				 cases[k].answers);
		assert_int_equal(a.len, b.len);
		if (a.len)
			assert_memory_equal(a.buf, b.buf, a.len);
		free(a.buf);
		free(b.buf);
	}
}

/* A POST's body may be the server's whole answer, then the body comes;
 * more than a socket holds, so a thread writes it while the server reads. */
#define BIG_BODY (3u << 20)
static void *write_post(void *arg)
{
	int fd = *(int *)arg;
	char head[128];
	int n = snprintf(head, sizeof head,
			 "POST /work?size=7&seed=3&delay_ms=1 HTTP/1.1\r\nContent-Length: %u\r\n\r\n",
			 BIG_BODY);
	char *body = malloc(BIG_BODY);
	assert_non_null(body);
	memset(body, 'G', BIG_BODY); /* not a request, whatever it looks like */
	assert_int_equal(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
	for (size_t off = 0; off < BIG_BODY;) {
		ssize_t w = send(fd, body + off, BIG_BODY - off, MSG_NOSIGNAL);
		assert_true(w > 0);
		off += (size_t)w;
	}
	const char *next = "GET /work?size=4&seed=5 HTTP/1.1\r\nConnection: close\r\n\r\n";
	assert_int_equal(send(fd, next, strlen(next), MSG_NOSIGNAL), (ssize_t)strlen(next));
	free(body);
	return NULL;
}

static void test_post_body(void **st)
{
	httpserver *s = calloc(1, sizeof *s);
	int sv[2];
	pthread_t t;
	unsigned char want[7];
	assert_non_null(s);
	pair(sv, "", 0);
	assert_int_equal(pthread_create(&t, NULL, write_post, &sv[1]), 0);
	httpserver_drive(s, sv[0]);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s->requests, 2);
	assert_int_equal(s->connections, 0);
	close(sv[0]);
	bytes b = collect(sv[1]);
	/* the answers' bodies are binary: memmem, not strstr */
	char *first = memmem(b.buf, b.len, "\r\n\r\n", 4);
	assert_non_null(first);
	assert_int_equal(strncmp(b.buf, "HTTP/1.1 200 OK\r\n", 17), 0);
	assert_int_equal(strncmp(first + 11, "HTTP/1.1 200 OK\r\n", 17), 0);
	char *second = memmem(first + 11, b.len - (size_t)(first + 11 - b.buf), "\r\n\r\n", 4);
	assert_non_null(second);
	httpbody_fill(3, 0, want, 7);
	assert_memory_equal(first + 4, want, 7);
	assert_int_equal(b.len - (size_t)(second + 4 - b.buf), 4);
	httpbody_fill(5, 0, want, 4);
	assert_memory_equal(second + 4, want, 4);
	free(b.buf);
	free(s);
}

/* Expect: 100-continue: the 100 goes out before the body is read, then the
 * answer once it is in; a body already sent with the head needs none. */
static void test_continue(void **st)
{
	httpserver *s = calloc(1, sizeof *s);
	httpserver_conn c;
	wl_wait w;
	int sv[2];
	char buf[512];
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	assert_non_null(s);
	pair(sv, "POST /work?size=2 HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
	     0);
	httpserver_open(s, &c, sv[0], &w);
	assert_int_equal(httpserver_step(s, &c, WL_READ, &w), WL_STEP_WAIT);
	assert_int_equal(w.events, WL_READ); /* the body, the 100 being out */
	ssize_t got = recv(sv[1], buf, sizeof buf - 1, MSG_DONTWAIT);
	assert_int_equal(got, (ssize_t)sizeof cont - 1);
	assert_memory_equal(buf, cont, sizeof cont - 1);
	assert_int_equal(send(sv[1], "body", 4, 0), 4);
	assert_int_equal(httpserver_step(s, &c, WL_READ, &w), WL_STEP_WAIT);
	got = recv(sv[1], buf, sizeof buf - 1, MSG_DONTWAIT);
	assert_true(got > 17);
	assert_int_equal(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17), 0);
	httpserver_close(s, &c);
	close(sv[0]);
	close(sv[1]);

	bytes b = driven("POST /work?size=2 HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n"
			 "\r\nbody");
	assert_int_equal(strncmp(b.buf, "HTTP/1.1 200 OK\r\n", 17), 0);
	free(b.buf);
	free(s);
}

/* A delay waits for its deadline, watching only for a hang-up. */
static void test_delay(void **st)
{
	httpserver *s = calloc(1, sizeof *s);
	httpserver_conn c;
	wl_wait w;
	int sv[2];
	char buf[256];
	unsigned char want[4];
	assert_non_null(s);
	pair(sv, "GET /work?delay_ms=30&size=4&seed=9 HTTP/1.1\r\n\r\n", 0);
	httpserver_open(s, &c, sv[0], &w);
	uint64_t t0 = wl_now_ns();
	assert_int_equal(httpserver_step(s, &c, WL_READ, &w), WL_STEP_WAIT);
	assert_int_equal(w.events, HTTPSERVER_HUP);
	assert_true(w.deadline_ns >= t0 + 30000000u && w.deadline_ns < t0 + 5000000000u);
	assert_int_equal(s->delayed, 1);
	assert_int_equal(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), -1); /* nothing yet */
	assert_int_equal(httpserver_step(s, &c, WL_TIMEOUT, &w), WL_STEP_WAIT);
	assert_int_equal(w.events, WL_READ);
	assert_int_equal(s->delayed, 0);
	assert_int_equal(s->requests, 1);
	ssize_t got = recv(sv[1], buf, sizeof buf - 1, 0);
	assert_true(got > 4);
	buf[got] = '\0';
	assert_int_equal(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17), 0);
	httpbody_fill(9, 0, want, 4);
	assert_memory_equal(buf + got - 4, want, 4);

	/* a hang-up mid-delay ends the connection at once */
	const char *again = "GET /work?delay_ms=600000 HTTP/1.1\r\n\r\n";
	assert_int_equal(send(sv[1], again, strlen(again), 0), (ssize_t)strlen(again));
	assert_int_equal(httpserver_step(s, &c, WL_READ, &w), WL_STEP_WAIT);
	assert_int_equal(s->delayed, 1);
	close(sv[1]);
	assert_int_equal(httpserver_step(s, &c, HTTPSERVER_HUP, &w), WL_STEP_DONE);
	assert_int_equal(s->delayed, 0);
	assert_int_equal(s->connections, 0);
	close(sv[0]);

	/* the same, straight-line: poll() sees the hang-up, not the deadline */
	pair(sv, again, 0);
	close(sv[1]);
	t0 = wl_now_ns();
	httpserver_drive(s, sv[0]);
	assert_true(wl_now_ns() - t0 < 5000000000ull);
	assert_int_equal(s->connections, 0);
	assert_int_equal(s->delayed, 0);
	close(sv[0]);
	free(s);
}

/* Its deadline passed while waiting for a request: the connection is over. */
static void test_idle(void **st)
{
	httpserver *s = calloc(1, sizeof *s);
	httpserver_conn c;
	wl_wait w;
	int sv[2];
	assert_non_null(s);
	pair(sv, "GET /wo", 0);
	httpserver_open(s, &c, sv[0], &w);
	assert_true(w.deadline_ns >= wl_now_ns() + HTTPSERVER_IDLE_NS / 2);
	assert_int_equal(httpserver_step(s, &c, WL_READ, &w), WL_STEP_WAIT); /* half a head */
	assert_int_equal(w.events, WL_READ);
	assert_int_equal(httpserver_step(s, &c, WL_TIMEOUT, &w), WL_STEP_DONE);
	assert_int_equal(s->connections, 0);
	close(sv[0]);
	close(sv[1]);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_and_drive_agree),
		cmocka_unit_test(test_post_body),
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_idle),
	};
	return cmocka_run_group_tests_name("httpserver", tests, NULL, NULL);
}
