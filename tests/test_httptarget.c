/*
 * test_httptarget.c - the bundled HTTP target, from the outside: a server
 * made by target_spawn, real sockets, and the bytes that come back; and
 * target_serve in a thread, stopped by its flag. Every model as this
 * server: test_serve_target.c; many clients and the end: test_httpserve.c.
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/target_serve.h"
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
	httpbody_fill(seed, 0, want, size);
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
		assert_string_equal(r.allow, "GET, HEAD, POST");
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
	expect_error("PUT /work HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405);
	expect_error("POST /work HTTP/1.1\r\nContent-Length: 67108865\r\n\r\n", 413);
	expect_error("POST /work HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411);
	char big[9 * 1024 + 64];
	int n = snprintf(big, sizeof big, "GET /work HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 9 * 1024);
	strcpy(big + n + 9 * 1024, "\r\n\r\n");
	expect_error(big, 431);
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

/* target_serve on its own, as `concbench serve` runs it, stopped by a flag. */
static volatile sig_atomic_t serve_stop;
static char serve_err[256];
static FILE *serve_announce;

static void *serve_thread(void *arg)
{
	return (void *)(intptr_t)target_serve("localhost:0", &serve_stop, serve_announce, serve_err,
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

static int setup(void **st)
{
	char err[256];
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
		cmocka_unit_test(test_work),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_keepalive_and_pipelining),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_disconnect_mid_delay),
		cmocka_unit_test(test_serve),
	};
	return cmocka_run_group_tests_name("httptarget", tests, setup, teardown);
}
