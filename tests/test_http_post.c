/*
 * test_http_post.c - the HTTP client's POST (httpcfg.body), both ends: the
 * bytes a server receives are the body, whatever its size (a body bigger
 * than a socket holds is sent on as the socket takes it); the bundled
 * target answers a POST as a GET, and the client's digest of its reply is
 * httpbody_digest; a POST is repeated on a fresh connection only when not
 * one byte of it was written; a server that does not read the body costs a
 * timeout, not a hang.
 *
 * The bytes-checking server is a thread here (plain blocking sockets); the
 * bundled target is target_spawn's. No timing thresholds.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/run/target_spawn.h"
#include "workloads/http/httpbody.h"
#include "workloads/http/httpclient.h"

/* ---- a server thread that checks what it receives ---- */

enum { ANSWER, FIN_AFTER_1ST, RST_AFTER_1ST, NO_READ };

typedef struct {
	int lfd, port, mode;
	int accepts, requests; /* read after the thread is joined */
	uint64_t digest;       /* of the last request's body */
	size_t body_len;
} tsrv;

/* Read one request (head, then Content-Length bytes) from fd; 0 at EOF. */
static int read_request(tsrv *s, int fd)
{
	char head[4096];
	size_t n = 0;
	char *end = NULL;
	while (!end) {
		ssize_t got = recv(fd, head + n, 1, 0); /* byte by byte: no body read here */
		if (got <= 0)
			return 0;
		head[++n] = '\0';
		end = n >= 4 && !memcmp(head + n - 4, "\r\n\r\n", 4) ? head + n : NULL;
		assert_true(n < sizeof head - 1);
	}
	const char *cl = strcasestr(head, "Content-Length: ");
	size_t len = cl ? strtoull(cl + 16, NULL, 10) : 0, k = 0;
	char buf[65536];
	XXH3_state_t *st = XXH3_createState();
	XXH3_64bits_reset(st);
	while (k < len) {
		ssize_t got = recv(fd, buf, len - k < sizeof buf ? len - k : sizeof buf, 0);
		if (got <= 0)
			break;
		XXH3_64bits_update(st, buf, (size_t)got);
		k += (size_t)got;
	}
	s->digest = XXH3_64bits_digest(st);
	s->body_len = k;
	XXH3_freeState(st);
	s->requests++;
	return k == len;
}

static void *tsrv_main(void *arg)
{
	tsrv *s = arg;
	int fd;
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	while ((fd = accept(s->lfd, NULL, NULL)) >= 0) {
		int first = s->accepts++ == 0;
		if (s->mode == NO_READ) {
			char c;
			while (recv(fd, &c, 1, MSG_PEEK) > 0 && s->mode == NO_READ)
				usleep(10000); /* until the client gives up */
		}
		while (s->mode != NO_READ && read_request(s, fd)) {
			assert_int_equal(send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL), sizeof ok - 1);
			if (first && s->mode == RST_AFTER_1ST) {
				struct linger lg = { 1, 0 };
				setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			}
			if (first && s->mode != ANSWER)
				break;
		}
		close(fd);
	}
	return NULL;
}

static pthread_t tsrv_start(tsrv *s, int mode)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	pthread_t t;
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s->lfd, 16), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&t, NULL, tsrv_main, s), 0);
	return t;
}

static void tsrv_stop(tsrv *s, pthread_t t)
{
	shutdown(s->lfd, SHUT_RDWR); /* accept() returns */
	assert_int_equal(pthread_join(t, NULL), 0);
	close(s->lfd);
}

/* ---- the client ---- */

static void cfg(struct httpcfg *c, int port, const char *path, const void *body, size_t len)
{
	char url[256], err[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	assert_int_equal(httpcfg_url(c, url, "url", err, sizeof err), 0);
	c->keepalive = 1;
	c->hold = 1; /* as concbench load's connections */
	c->timeout_ms = 30000;
	c->body = body;
	c->body_len = len;
}

/* One request on t (which may hold a connection from the last), stepped
 * with poll() as an event loop would. */
static wl_result fetch(const struct httpcfg *c, struct httpclient_task *t)
{
	wl_result r = { 0 };
	wl_wait next;
	int ready = 0;
	while (httpclient_step(c, 0, t, ready, &next, &r) != WL_STEP_DONE) {
		struct pollfd p = { next.fd,
				    (short)((next.events & WL_READ ? POLLIN : 0) |
					    (next.events & WL_WRITE ? POLLOUT : 0)),
				    0 };
		uint64_t now = wl_now_ns();
		int ms = next.deadline_ns > now ? (int)((next.deadline_ns - now) / 1000000 + 1) : 0;
		int n = poll(&p, 1, ms);
		ready = n == 0 ? WL_TIMEOUT
			       : (p.revents & (POLLIN | POLLHUP | POLLERR) ? WL_READ : 0) |
					 (p.revents & (POLLOUT | POLLERR) ? WL_WRITE : 0);
	}
	return r;
}

static void release(struct httpclient_task *t)
{
	if (t->held)
		close(t->fd);
	t->held = 0;
}

/* The server receives the body's very bytes: empty, small, and more than a
 * socket holds (sent on as the socket takes it), on one held connection. */
static void test_post_bytes(void **st)
{
	static const size_t sizes[] = { 0, 5, 3u << 20, 70000 };
	unsigned char *body = malloc(3u << 20);
	struct httpclient_task t = { 0 };
	struct httpcfg c;
	tsrv s;
	assert_non_null(body);
	httpbody_fill(42, 0, body, 3u << 20);
	pthread_t th = tsrv_start(&s, ANSWER);
	for (size_t k = 0; k < N_ELEMS(sizes); k++) {
		cfg(&c, s.port, "/upload", body, sizes[k]);
		wl_result r = fetch(&c, &t);
		if (r.err)
			fail_msg("size %zu: %s", sizes[k], r.msg);
		assert_int_equal(r.digest, wl_digest_bytes("ok", 2));
		assert_int_equal(s.body_len, sizes[k]);
		assert_int_equal(s.digest, wl_digest_bytes(body, sizes[k]));
	}
	release(&t);
	tsrv_stop(&s, th);
	assert_int_equal(s.accepts, 1);
	assert_int_equal(s.requests, 4);
	free(body);
}

/* A held connection the server closed after its first answer. A GET is
 * sent again on a fresh connection; a POST whose bytes were written (the
 * kernel takes them: only the server's reset says it is gone) is not
 * repeated, it fails. One the server reset before the POST was written
 * (so its first write fails) is repeated on a fresh connection. */
static void test_post_retry(void **st)
{
	static const struct {
		int mode, post, ok, accepts, requests;
	} cases[] = {
		{ FIN_AFTER_1ST, 0, 1, 2, 2 },
		{ FIN_AFTER_1ST, 1, 0, 1, 1 }, /* the server never read it */
		{ RST_AFTER_1ST, 1, 1, 2, 2 },
	};
	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		struct httpclient_task t = { 0 };
		struct httpcfg c;
		tsrv s;
		pthread_t th = tsrv_start(&s, cases[k].mode);
		cfg(&c, s.port, "/x", cases[k].post ? "body" : NULL, cases[k].post ? 4 : 0);
		wl_result r = fetch(&c, &t);
		assert_int_equal(r.err, 0);
		assert_true(t.held);
		/* until the server's close (or reset) has reached us */
		struct pollfd p = { t.fd, POLLIN, 0 };
		assert_int_equal(poll(&p, 1, 10000), 1);
		r = fetch(&c, &t);
		if (cases[k].ok && r.err)
			fail_msg("case %zu: %s", k, r.msg);
		if (!cases[k].ok)
			assert_true(r.err != 0);
		release(&t);
		tsrv_stop(&s, th);
		assert_int_equal(s.accepts, cases[k].accepts);
		assert_int_equal(s.requests, cases[k].requests);
	}
}

/* A server that never reads the body: the POST times out while sending. */
static void test_post_unread(void **st)
{
	size_t len = 16u << 20;
	char *body = calloc(1, len);
	struct httpclient_task t = { 0 };
	struct httpcfg c;
	tsrv s;
	assert_non_null(body);
	pthread_t th = tsrv_start(&s, NO_READ);
	cfg(&c, s.port, "/x", body, len);
	c.timeout_ms = 300;
	wl_result r = fetch(&c, &t);
	assert_int_equal(r.err, ETIMEDOUT);
	assert_non_null(strstr(r.msg, "sending"));
	s.mode = ANSWER; /* let the server thread go */
	tsrv_stop(&s, th);
	free(body);
}

/* The bundled target: a POST is answered as the GET, and the client's
 * digest of either is httpbody_digest (sizes around its 64 KiB chunk); a
 * body over 64 MiB is refused with 413. */
static void test_post_bundled(void **st)
{
	static const struct {
		uint64_t seed, size;
	} cases[] = { { 0, 0 }, { 1, 1 }, { 7, 65535 }, { 8, 65536 }, { 9, 65537 }, { 3, 200003 } };
	char hostport[64], err[256], path[128];
	pid_t server;
	char body[1000];
	memset(body, 'x', sizeof body);
	assert_int_equal(
		target_spawn(NULL, NULL, &server, hostport, sizeof hostport, err, sizeof err), 0);
	int port = atoi(strrchr(hostport, ':') + 1);
	struct httpclient_task t = { 0 };
	for (size_t k = 0; k < N_ELEMS(cases); k++)
		for (int post = 0; post < 2; post++) {
			struct httpcfg c;
			snprintf(path, sizeof path, "/work?size=%llu&seed=%llu",
				 (unsigned long long)cases[k].size,
				 (unsigned long long)cases[k].seed);
			cfg(&c, port, path, post ? body : NULL, post ? sizeof body : 0);
			wl_result r = fetch(&c, &t);
			if (r.err)
				fail_msg("%s post %d: %s", path, post, r.msg);
			assert_int_equal(r.digest, httpbody_digest(cases[k].seed, cases[k].size));
		}
	release(&t);
	if (!getenv("CB_MEMCHECK")) { /* 64 MiB through valgrind: minutes */
		size_t len = (64u << 20) + 1;
		char *big = calloc(1, len);
		struct httpcfg c;
		assert_non_null(big);
		cfg(&c, port, "/work", big, len);
		wl_result r = fetch(&c, &t);
		assert_int_equal(r.err, EPROTO);
		assert_non_null(strstr(r.msg, "HTTP 413"));
		release(&t);
		free(big);
	}
	assert_int_equal(target_spawn_stop(server, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_bytes),
		cmocka_unit_test(test_post_retry),
		cmocka_unit_test(test_post_unread),
		cmocka_unit_test(test_post_bundled),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("http_post", tests, NULL, NULL);
}
