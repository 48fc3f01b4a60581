/*
 * test_httpd.c - the bundled HTTP target, from the outside: a server made by
 * httpd_spawn, real sockets, and the bytes that come back. Also the request
 * parser and the body generator on their own, and httpd_serve in a thread.
 *
 * No timing thresholds but sanity bounds ("a 200 ms delay took >= 200 ms");
 * every read has a 10 s guard, so a hang fails instead of hanging.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workloads/http/httpd.h"
#include "workloads/http/httpd_int.h"

static pid_t server;
static char hostport[64];
static uint16_t port;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- a small blocking client ---- */

typedef struct {
	int fd;
	char buf[65536]; /* received, not yet consumed; one more for a '\0' */
	size_t n;
} client;

typedef struct {
	int status;
	long long length; /* Content-Length, -1 if none */
	int close, keep_alive;
	char type[64], allow[64];
	unsigned char *body;
	size_t blen;
} resp;

static client *dial(void)
{
	client *c = calloc(1, sizeof *c);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 10, 0 };
	assert_non_null(c);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
	return c;
}

static void hangup(client *c)
{
	close(c->fd);
	free(c);
}

static void say(client *c, const char *text)
{
	size_t len = strlen(text);
	assert_int_equal(send(c->fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read more into c->buf; the count (0 at EOF). A hang fails the test. */
static size_t more(client *c)
{
	assert_true(c->n + 1 < sizeof c->buf);
	ssize_t got = recv(c->fd, c->buf + c->n, sizeof c->buf - 1 - c->n, 0);
	assert_true(got >= 0); /* -1 with EAGAIN: the 10 s guard ran out */
	c->n += (size_t)got;
	return (size_t)got;
}

static void consume(client *c, size_t k)
{
	memmove(c->buf, c->buf + k, c->n - k);
	c->n -= k;
}

static void header_value(const char *head, const char *name, char *out, size_t len)
{
	out[0] = '\0';
	for (const char *p = strstr(head, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n"))
		if (!strncasecmp(p + 2, name, strlen(name)) && p[2 + strlen(name)] == ':')
			snprintf(out, len, "%.*s", (int)strcspn(p + 4 + strlen(name), "\r"),
				 p + 4 + strlen(name));
}

/* One response off the connection; the body unless it answers a HEAD. */
static void receive(client *c, resp *r, int head_only)
{
	char *end, v[64];
	memset(r, 0, sizeof *r);
	while (!(c->buf[c->n] = '\0', end = strstr(c->buf, "\r\n\r\n")))
		assert_true(more(c) > 0);
	end[2] = '\0';
	assert_int_equal(strncmp(c->buf, "HTTP/1.1 ", 9), 0);
	r->status = atoi(c->buf + 9);
	header_value(c->buf, "Content-Length", v, sizeof v);
	r->length = v[0] ? atoll(v) : -1;
	header_value(c->buf, "Connection", v, sizeof v);
	r->close = !strcasecmp(v, "close");
	r->keep_alive = !strcasecmp(v, "keep-alive");
	header_value(c->buf, "Content-Type", r->type, sizeof r->type);
	header_value(c->buf, "Allow", r->allow, sizeof r->allow);
	consume(c, (size_t)(end + 4 - c->buf));
	if (head_only || r->length <= 0)
		return;
	r->body = malloc((size_t)r->length + 1);
	assert_non_null(r->body);
	while (r->blen < (size_t)r->length) {
		if (c->n == 0)
			assert_true(more(c) > 0);
		size_t k = c->n < (size_t)r->length - r->blen ? c->n : (size_t)r->length - r->blen;
		memcpy(r->body + r->blen, c->buf, k);
		r->blen += k;
		consume(c, k);
	}
	r->body[r->blen] = '\0';
}

static void expect_eof(client *c)
{
	assert_int_equal(c->n, 0);
	assert_int_equal(more(c), 0);
}

/* The body /work must send for (size, seed). */
static void check_body(const resp *r, size_t size, uint64_t seed)
{
	unsigned char *want = malloc(size + 1);
	assert_non_null(want);
	httpd_body(seed, 0, want, size);
	assert_int_equal(r->blen, size);
	assert_memory_equal(r->body, want, size);
	free(want);
}

static void work(client *c, size_t size, uint64_t seed, const char *extra, resp *r)
{
	char req[256];
	snprintf(req, sizeof req, "GET /work?size=%zu&seed=%llu HTTP/1.1\r\nHost: t\r\n%s\r\n",
		 size, (unsigned long long)seed, extra);
	say(c, req);
	receive(c, r, 0);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->length, (long long)size);
	assert_string_equal(r->type, "application/octet-stream");
	check_body(r, size, seed);
	free(r->body);
}

/* ---- tests ---- */

static void test_body(void **st)
{
	unsigned char a[4099], b[64], c[64];
	httpd_body(7, 0, a, sizeof a);
	for (size_t off = 0; off < 40; off++) { /* any slice stands on its own */
		httpd_body(7, off + 3000, b, 37);
		assert_memory_equal(b, a + off + 3000, 37);
	}
	httpd_body(8, 0, b, sizeof b);
	httpd_body(7, 0, c, sizeof c);
	assert_memory_not_equal(b, c, sizeof b);
	assert_memory_equal(a, c, sizeof c);
	httpd_body(0, 0, b, 8); /* pinned: http workloads' digests depend on it */
	uint64_t w = 0;
	for (int k = 7; k >= 0; k--)
		w = w << 8 | b[k];
	assert_int_equal(w, 0xf678ea47a65c974cull);
}

static void test_parse(void **st)
{
	static const struct {
		const char *head;
		int status, keep;
	} cases[] = {
		{ "GET /work HTTP/1.1\r\n\r\n", 200, 1 },
		{ "GET /work HTTP/1.1\n\n", 200, 1 },
		{ "GET http://h:1/work?size=2 HTTP/1.1\r\n\r\n", 200, 1 },
		{ "GET /work?x&size=2&seed=18446744073709551615 HTTP/1.1\r\n\r\n", 200, 1 },
		{ "GET /work?seed=18446744073709551616 HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET /work?delay_ms=600001 HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET /work?size=67108865 HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET /work?size= HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET /work?size HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET /work?size=-1 HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET /work HTTP/1.0\r\n\r\n", 200, 0 },
		{ "GET /work HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 200, 1 },
		{ "GET /work HTTP/1.1\r\nConnection: foo, close\r\n\r\n", 200, 0 },
		{ "GET /workx HTTP/1.1\r\n\r\n", 404, 1 },
		{ "GET /stats HTTP/1.1\r\n\r\n", 200, 1 },
		{ "DELETE /work HTTP/1.1\r\n\r\n", 405, 0 },
		{ "GET /work HTTP/2.0\r\n\r\n", 505, 0 },
		{ "GET /work HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400, 0 },
		{ "GET /work HTTP/1.1\r\nX : a\r\n\r\n", 400, 0 },
		{ "GET /work HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 400, 0 },
		{ "GET /work HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 200, 1 },
		{ "GET /work HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, 0 },
		{ "GET  /work HTTP/1.1\r\n\r\n", 400, 0 },
		{ "GET /work\r\n\r\n", 400, 0 },
		{ "\x01\x02\r\n\r\n", 400, 0 },
	};
	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		httpd_req req;
		size_t len = strlen(cases[k].head);
		assert_int_equal(httpd_head_end(cases[k].head, len, 0), len);
		httpd_parse(cases[k].head, len, &req);
		if (req.status != cases[k].status || req.keep != cases[k].keep)
			fail_msg("case %zu: %d keep %d for %s", k, req.status, req.keep,
				 cases[k].head);
	}
	httpd_req req;
	const char *h = "HEAD /work?delay_ms=5&size=6&seed=7 HTTP/1.1\r\nHost: x\r\n\r\n";
	httpd_parse(h, strlen(h), &req);
	assert_true(req.head_only);
	assert_true(req.delay_ms == 5 && req.size == 6 && req.seed == 7);
	assert_int_equal(httpd_head_end("GET / HTTP/1.1\r\nHost: x\r\n", 25, 0), 0);
}

static void test_work(void **st)
{
	static const struct {
		size_t size;
		uint64_t seed;
	} cases[] = {
		{ 0, 0 }, { 1, 0 }, { 7, 1 }, { 4096, 42 }, { 65537, 3 }, { 2100003, ~0ull }
	};
	client *c = dial();
	resp r;
	for (size_t k = 0; k < N_ELEMS(cases); k++)
		work(c, cases[k].size, cases[k].seed, "", &r);
	hangup(c);
	c = dial(); /* defaults: delay 0, size 0 */
	say(c, "GET /work HTTP/1.1\r\n\r\n");
	receive(c, &r, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.length, 0);
	hangup(c);
}

static void test_head(void **st)
{
	client *c = dial();
	resp r;
	say(c, "HEAD /work?size=1000&seed=3 HTTP/1.1\r\nHost: t\r\n\r\n");
	receive(c, &r, 1);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.length, 1000);
	work(c, 5, 3, "", &r); /* no body came after the HEAD's head */
	hangup(c);
}

static void test_keepalive_and_pipelining(void **st)
{
	client *c = dial();
	resp r;
	work(c, 10, 1, "", &r);
	assert_false(r.close);
	work(c, 20, 2, "", &r);
	/* three at once, the first delayed: answered in order all the same */
	say(c, "GET /work?delay_ms=100&size=11&seed=1 HTTP/1.1\r\n\r\n"
	       "GET /work?size=12&seed=2 HTTP/1.1\r\n\r\n"
	       "\r\nGET /work?size=13&seed=3 HTTP/1.1\r\n\r\n");
	for (int k = 1; k <= 3; k++) {
		receive(c, &r, 0);
		assert_int_equal(r.status, 200);
		check_body(&r, 10 + (size_t)k, (uint64_t)k);
		free(r.body);
	}
	hangup(c);
	/* HTTP/1.0 keeps the connection only when asked */
	c = dial();
	say(c, "GET /work?size=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	receive(c, &r, 0);
	assert_true(r.keep_alive);
	free(r.body);
	work(c, 3, 0, "", &r);
	hangup(c);
}

static void test_close(void **st)
{
	client *c = dial();
	resp r;
	work(c, 100, 9, "Connection: close\r\n", &r);
	assert_true(r.close);
	expect_eof(c);
	hangup(c);
	c = dial();
	say(c, "GET /work?size=4 HTTP/1.0\r\n\r\n");
	receive(c, &r, 0);
	assert_true(r.close);
	free(r.body);
	expect_eof(c);
	hangup(c);
}

/* Send `req`, expect `status`; every error but 404 closes the connection. */
static void expect_error(const char *req, int status)
{
	client *c = dial();
	resp r;
	say(c, req);
	receive(c, &r, 0);
	assert_int_equal(r.status, status);
	if (status == 405)
		assert_string_equal(r.allow, "GET, HEAD");
	free(r.body);
	if (status == 404) {
		assert_false(r.close);
		work(c, 1, 1, "", &r);
	} else {
		assert_true(r.close);
		expect_eof(c);
	}
	hangup(c);
}

static void test_errors(void **st)
{
	expect_error("GET /nope HTTP/1.1\r\n\r\n", 404);
	expect_error("HELLO\r\n\r\n", 400);
	expect_error("GET /work?delay_ms=abc HTTP/1.1\r\n\r\n", 400);
	expect_error("GET /work?size=67108865 HTTP/1.1\r\n\r\n", 400);
	expect_error("POST /work HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405);
	char big[9 * 1024 + 64];
	int n = snprintf(big, sizeof big, "GET /work HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 9 * 1024);
	strcpy(big + n + 9 * 1024, "\r\n\r\n");
	expect_error(big, 431);
}

/* 2,000 delayed requests at once from one thread: epoll on our side too. */
static void test_concurrent(void **st)
{
	size_t n = getenv("CB_MEMCHECK") ? 200 : 2000;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		print_message("only %zu sockets allowed (ulimit -Hn)\n", (size_t)rl.rlim_cur - 64);
		n = (size_t)rl.rlim_cur - 64;
	}
	struct {
		int fd, sent;
		char buf[512];
		size_t got;
		uint64_t t_sent, t_done;
	} *cl = calloc(n, sizeof *cl);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_non_null(cl);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (size_t i = 0; i < n; i++) {
		cl[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(cl[i].fd >= 0);
		int rc = connect(cl[i].fd, (struct sockaddr *)&a, sizeof a);
		assert_true(rc == 0 || errno == EINPROGRESS);
		struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = i };
		assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev), 0);
	}
	size_t done = 0;
	uint64_t guard = now_ns() + 60000000000ull;
	while (done < n) {
		struct epoll_event ev[64];
		int k = epoll_wait(ep, ev, 64, 1000);
		assert_true(now_ns() < guard);
		for (int e = 0; e < k; e++) {
			size_t i = ev[e].data.u64;
			if (!cl[i].sent) { /* connected: one request, all at once */
				char req[128];
				int len = snprintf(req, sizeof req,
						   "GET /work?delay_ms=200&size=%zu&seed=%zu "
						   "HTTP/1.1\r\nConnection: close\r\n\r\n",
						   i % 97 + 1, i * 7919);
				/* the time before sending: the server may well answer
				 * before send() returns to a busy machine's client */
				cl[i].t_sent = now_ns();
				assert_int_equal(send(cl[i].fd, req, (size_t)len, MSG_NOSIGNAL),
						 len);
				cl[i].sent = 1;
				struct epoll_event in = { .events = EPOLLIN, .data.u64 = i };
				assert_int_equal(epoll_ctl(ep, EPOLL_CTL_MOD, cl[i].fd, &in), 0);
				continue;
			}
			ssize_t got = recv(cl[i].fd, cl[i].buf + cl[i].got,
					   sizeof cl[i].buf - 1 - cl[i].got, 0);
			assert_true(got >= 0 || errno == EAGAIN);
			if (got > 0)
				cl[i].got += (size_t)got;
			if (got == 0) { /* the server closed: the answer is whole */
				cl[i].t_done = now_ns();
				close(cl[i].fd);
				done++;
			}
		}
	}
	close(ep);
	for (size_t i = 0; i < n; i++) {
		size_t size = i % 97 + 1;
		unsigned char want[128];
		cl[i].buf[cl[i].got] = '\0';
		char *body = strstr(cl[i].buf, "\r\n\r\n");
		assert_int_equal(strncmp(cl[i].buf, "HTTP/1.1 200 ", 13), 0);
		assert_non_null(body);
		assert_int_equal(cl[i].buf + cl[i].got - (body + 4), size);
		httpd_body(i * 7919, 0, want, size);
		assert_memory_equal(body + 4, want, size);
		assert_true(cl[i].t_done - cl[i].t_sent >= 200000000u); /* sanity */
	}
	free(cl);
}

/* The server's own count of connections and delayed requests (keep-alive). */
static void stats(client *c, size_t *conns, size_t *delayed)
{
	resp r;
	say(c, "GET /stats HTTP/1.1\r\n\r\n");
	receive(c, &r, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(sscanf((char *)r.body, "connections %zu\ndelayed %zu", conns, delayed), 2);
	free(r.body);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };
	nanosleep(&ts, NULL);
}

/* A client that leaves mid-delay is forgotten at once, and nobody else
 * notices: its 10-minute timer must go with it. */
static void test_disconnect_mid_delay(void **st)
{
	client *a = dial(), *b = dial(), *s = dial();
	size_t conns = 0, delayed = 0;
	uint64_t guard = now_ns() + 10000000000ull, t0 = now_ns();
	resp r;
	say(a, "GET /work?delay_ms=600000&size=10 HTTP/1.1\r\n\r\n");
	say(b, "GET /work?delay_ms=300&size=1000&seed=5 HTTP/1.1\r\n\r\n");
	while (stats(s, &conns, &delayed), delayed < 2) {
		assert_true(now_ns() < guard);
		sleep_ms(5);
	}
	hangup(a);
	receive(b, &r, 0);
	assert_int_equal(r.status, 200);
	check_body(&r, 1000, 5);
	free(r.body);
	assert_true(now_ns() - t0 >= 300000000u);
	hangup(b);
	while (stats(s, &conns, &delayed), conns > 1 || delayed > 0) {
		assert_true(now_ns() < guard); /* a's timer still there */
		sleep_ms(5);
	}
	hangup(s);
}

/* httpd_serve on its own, as `concbench serve` runs it, stopped by a flag. */
static volatile sig_atomic_t serve_stop;
static char serve_err[256];
static FILE *serve_announce;

static void *serve_thread(void *arg)
{
	return (void *)(intptr_t)httpd_serve("localhost:0", &serve_stop, serve_announce, serve_err,
					     sizeof serve_err);
}

static void test_serve(void **st)
{
	int p[2];
	pthread_t t;
	char line[128] = "";
	void *rc;
	assert_int_equal(pipe(p), 0);
	serve_announce = fdopen(p[1], "w");
	assert_non_null(serve_announce);
	FILE *in = fdopen(p[0], "r");
	assert_int_equal(pthread_create(&t, NULL, serve_thread, NULL), 0);
	assert_non_null(fgets(line, sizeof line, in));
	assert_int_equal(strncmp(line, "listening on 127.0.0.1:", 23), 0);
	uint16_t shared = port;
	port = (uint16_t)atoi(line + 23);
	assert_true(port > 0);
	client *c = dial();
	resp r;
	work(c, 33, 33, "", &r);
	port = shared;
	serve_stop = 1; /* c still open: stopping must not wait for it */
	assert_int_equal(pthread_join(t, &rc), 0);
	assert_int_equal((intptr_t)rc, 0);
	expect_eof(c);
	hangup(c);
	fclose(serve_announce);
	fclose(in);
}

static void test_serve_bad_address(void **st)
{
	static volatile sig_atomic_t stop = 1;
	char err[256], inuse[64];
	assert_int_equal(httpd_serve("nonsense", &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "'nonsense'"));
	assert_int_equal(httpd_serve("127.0.0.1:99999", &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "127.0.0.1:99999"));
	assert_int_equal(httpd_serve("example.com:80", &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "example.com:80"));
	snprintf(inuse, sizeof inuse, "127.0.0.1:%u", port);
	assert_int_equal(httpd_serve(inuse, &stop, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot bind"));
	assert_non_null(strstr(err, inuse));
}

/* Stopping gives CPU times and leaves no child behind: run last. */
static void test_stop(void **st)
{
	double user = -1, sys = -1;
	pid_t other;
	char hp[64], err[256];
	assert_int_equal(httpd_spawn(NULL, NULL, &other, hp, sizeof hp, err, sizeof err), 0);
	assert_string_not_equal(hp, hostport);
	assert_int_equal(httpd_stop(other, NULL, NULL), 0);
	assert_int_equal(httpd_stop(server, &user, &sys), 0);
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
	if (httpd_spawn(NULL, NULL, &server, hostport, sizeof hostport, err, sizeof err) < 0) {
		fprintf(stderr, "httpd_spawn: %s\n", err);
		return -1;
	}
	const char *colon = strrchr(hostport, ':');
	port = colon ? (uint16_t)atoi(colon + 1) : 0;
	return strncmp(hostport, "127.0.0.1:", 10) || !port ? -1 : 0;
}

static int teardown(void **st)
{
	if (server > 0)
		httpd_stop(server, NULL, NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_work),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_keepalive_and_pipelining),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_disconnect_mid_delay),
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_serve_bad_address),
		cmocka_unit_test(test_stop),
	};
	return cmocka_run_group_tests_name("httpd", tests, setup, teardown);
}
