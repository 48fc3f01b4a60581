/*
 * test_serve_target.c - `concbench serve`: the serve workload as a server
 * that runs until stopped, on any model. Each model answers the bundled
 * target's /work with the right body (httpbody_digest) no sooner than its
 * delay, /stats counts across a fork model's processes, rounds reuse the
 * socket, --work answers the work's digest, a model that cannot start ends
 * it with exit 1, bad options are exit 2, and SIGTERM stops it promptly.
 *
 * No timing thresholds but sanity bounds ("a 100 ms delay took >= 100 ms",
 * "stopped within 5 s"); every read has a 10 s guard.
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "workloads/http/httpbody.h"
#include "workloads/workload.h"
#include "workloads/wlparse.h"

typedef struct {
	pid_t pid;
	int out, err;
	int port;
} server;

/* concbench serve ARGS... --listen 127.0.0.1:0, once it listens. */
static server serve_start(const char *const *args)
{
	const char *argv[24] = { "serve", "--listen", "127.0.0.1:0" };
	size_t k = 3;
	for (size_t j = 0; args[j] && k < 23; j++)
		argv[k++] = args[j];
	argv[k] = NULL;
	server s;
	static result r;
	memset(&r, 0, sizeof r);
	s.pid = start(argv, &s.out, &s.err);
	drain(s.out, s.err, &r, "\n");
	const char *at = strstr(r.out, "listening on 127.0.0.1:");
	if (!at)
		fail_msg("serve did not listen: '%s' '%s'", r.out, r.err);
	s.port = atoi(at + 23);
	assert_true(s.port > 0);
	return s;
}
#define SERVE(...) serve_start((const char *const[]){ __VA_ARGS__, NULL })

/* SIGTERM: it must end, at once and well. */
static void serve_stop(server *s)
{
	uint64_t t0 = wl_now_ns();
	assert_int_equal(kill(s->pid, SIGTERM), 0);
	assert_int_equal(finish(s->pid), 0);
	assert_true(wl_now_ns() - t0 < 5000000000ull);
	close(s->out);
	close(s->err);
}

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

typedef struct {
	int status;
	char head[1024];
	unsigned char *body;
	size_t len;
} answer;

/* Send req on fd, read one whole answer (by its Content-Length). */
static void ask(int fd, const char *req, answer *a)
{
	size_t n = 0, want = 0;
	char *end = NULL;
	memset(a, 0, sizeof *a);
	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	while (!end) { /* the head, a byte at a time: the body is read apart */
		assert_true(n + 1 < sizeof a->head);
		assert_int_equal(recv(fd, a->head + n, 1, 0), 1);
		a->head[++n] = '\0';
		end = strstr(a->head, "\r\n\r\n");
	}
	const char *cl = strstr(a->head, "Content-Length: ");
	assert_non_null(cl);
	want = strtoull(cl + 16, NULL, 10);
	a->status = atoi(a->head + 9);
	a->body = malloc(want + 1);
	assert_non_null(a->body);
	while (a->len < want) {
		ssize_t got = recv(fd, a->body + a->len, want - a->len, 0);
		assert_true(got > 0);
		a->len += (size_t)got;
	}
	a->body[a->len] = '\0';
}

/* /work on a connection of its own: 200, the body httpbody_fill(seed) makes,
 * no sooner than its delay. */
static void check_work(int port, unsigned delay_ms, size_t size, uint64_t seed)
{
	char req[160];
	answer a;
	int fd = dial(port);
	snprintf(req, sizeof req, "GET /work?delay_ms=%u&size=%zu&seed=%llu HTTP/1.1\r\n\r\n",
		 delay_ms, size, (unsigned long long)seed);
	uint64_t t0 = wl_now_ns();
	ask(fd, req, &a);
	assert_true(wl_now_ns() - t0 >= (uint64_t)delay_ms * 1000000u);
	assert_int_equal(a.status, 200);
	assert_int_equal(a.len, size);
	assert_true(wl_digest_bytes(a.body, a.len) == httpbody_digest(seed, size));
	free(a.body);
	close(fd);
}

/* The counters /stats reports. */
static void stats(int port, long *conns, long *delayed, long *requests)
{
	answer a;
	int fd = dial(port);
	ask(fd, "GET /stats HTTP/1.1\r\nConnection: close\r\n\r\n", &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(sscanf((char *)a.body, "connections %ld\ndelayed %ld\nrequests %ld", conns,
				delayed, requests),
			 3);
	free(a.body);
	close(fd);
}

static void test_models(void **st)
{
	static const char *const models[] = { "epoll", "threads", "prefork",
					      "fork",  "coro",    "sequential" };
	for (size_t m = 0; m < N_ELEMS(models); m++) {
		server s = SERVE("-m", models[m]);
		check_work(s.port, 0, 0, 0);
		check_work(s.port, 100, 70000, 42);
		check_work(s.port, 0, 5, 7);
		/* a POST's body is read and dropped; a keep-alive GET follows */
		int fd = dial(s.port);
		answer a;
		ask(fd, "POST /work?size=3&seed=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", &a);
		assert_int_equal(a.status, 200);
		assert_true(wl_digest_bytes(a.body, a.len) == httpbody_digest(1, 3));
		free(a.body);
		ask(fd, "GET /nope HTTP/1.1\r\n\r\n", &a); /* 404 keeps the connection */
		assert_int_equal(a.status, 404);
		free(a.body);
		ask(fd, "GET /work?size=2&seed=2 HTTP/1.1\r\n\r\n", &a);
		assert_int_equal(a.status, 200);
		free(a.body);
		close(fd);
		serve_stop(&s);
	}
}

/* Everything a connection sends, then its end: every byte that comes back. */
static size_t converse(int port, const char *req, size_t reqlen, char *buf, size_t cap)
{
	int fd = dial(port);
	size_t n = 0;
	ssize_t got;
	for (size_t off = 0; off < reqlen; off += (size_t)got) {
		got = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
		assert_true(got > 0);
	}
	shutdown(fd, SHUT_WR);
	while (n + 1 < cap && (got = recv(fd, buf + n, cap - 1 - n, 0)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	close(fd);
	return n;
}

static size_t answers(const char *buf, size_t len)
{
	size_t k = 0;
	for (const char *p = buf; (p = memmem(p, len - (size_t)(p - buf), "HTTP/1.1 ", 9)); p++)
		k++;
	return k;
}

/* The straight-line form (threads, coroutines) and the resumable one (a
 * loop) answer the same bytes: pipelining, HEAD, 404, errors that close, a
 * POST body never taken for a request, clients that leave mid-way. */
static void test_forms_agree(void **st)
{
	static const struct {
		const char *request;
		size_t answers;
	} cases[] = {
		{ "GET /work?size=5&seed=1 HTTP/1.1\r\n\r\nHEAD /work?size=7 HTTP/1.1\r\n\r\n"
		  "GET /nope HTTP/1.1\r\n\r\n\r\nGET /work?size=70000&seed=2 HTTP/1.0\r\n\r\n",
		  4 },
		{ "GET /work?size=3 HTTP/1.1\r\nConnection: close\r\n\r\nGET /work HTTP/1.1\r\n\r\n",
		  1 },
		{ "BAD\r\n\r\n", 1 },
		{ "GET /work?size=1 HTTP/1.1\r\n", 0 }, /* the client left mid-head */
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
	static const char *const models[] = { "epoll", "threads", "coro" };
	static char first[N_ELEMS(cases)][80000], buf[80000];
	size_t len[N_ELEMS(cases)];
	for (size_t m = 0; m < N_ELEMS(models); m++) {
		server s = SERVE("-m", models[m]);
		for (size_t k = 0; k < N_ELEMS(cases); k++) {
			size_t n = converse(s.port, cases[k].request, strlen(cases[k].request),
					    m ? buf : first[k], sizeof buf);
			if (answers(m ? buf : first[k], n) != cases[k].answers)
				fail_msg("%s case %zu: %zu answers, not %zu", models[m], k,
					 answers(m ? buf : first[k], n), cases[k].answers);
			if (!m)
				len[k] = n;
			else if (n != len[k] || memcmp(buf, first[k], n))
				fail_msg("%s case %zu: not epoll's bytes", models[m], k);
		}
		serve_stop(&s);
	}
}

/* A POST body more than a socket holds is read and dropped as it comes,
 * never taken for a request; the pipelined GET behind it is answered; a
 * client that asks for 100 Continue gets it before it sends its body. */
static void test_post(void **st)
{
	enum { BIG = 3 << 20 };
	server s = SERVE("-m", "epoll");
	char head[128], *req = malloc(BIG + 256);
	assert_non_null(req);
	int n = snprintf(
		head, sizeof head,
		"POST /work?size=7&seed=3&delay_ms=1 HTTP/1.1\r\nContent-Length: %d\r\n\r\n", BIG);
	memcpy(req, head, (size_t)n);
	memset(req + n, 'G', BIG); /* not a request, whatever it looks like */
	strcpy(req + n + BIG, "GET /work?size=4&seed=5 HTTP/1.1\r\nConnection: close\r\n\r\n");
	static char buf[4096];
	size_t len =
		converse(s.port, req, strlen(req + n + BIG) + (size_t)n + BIG, buf, sizeof buf);
	free(req);
	assert_int_equal(answers(buf, len), 2);
	char *body = memmem(buf, len, "\r\n\r\n", 4) + 4;
	unsigned char want[7];
	httpbody_fill(3, 0, want, 7);
	assert_memory_equal(body, want, 7);
	httpbody_fill(5, 0, want, 4);
	assert_memory_equal(buf + len - 4, want, 4);

	int fd = dial(s.port);
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const char *ask_ =
		"POST /work?size=2 HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
	assert_int_equal(send(fd, ask_, strlen(ask_), 0), (ssize_t)strlen(ask_));
	assert_int_equal(recv(fd, buf, sizeof cont - 1, MSG_WAITALL), (ssize_t)sizeof cont - 1);
	assert_memory_equal(buf, cont, sizeof cont - 1);
	answer a;
	ask(fd, "body", &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(a.len, 2);
	free(a.body);
	close(fd);
	serve_stop(&s);
}

/* Every connection its own process: the counters still add up. */
static void test_stats_across_processes(void **st)
{
	static const char *const models[] = { "fork", "prefork" };
	for (size_t m = 0; m < N_ELEMS(models); m++) {
		server s = SERVE("-m", models[m], "-c", "4");
		long conns, delayed, requests;
		for (int k = 0; k < 5; k++)
			check_work(s.port, 0, 10, (uint64_t)k);
		/* a delayed one held open while /stats is asked */
		int fd = dial(s.port);
		const char *req = "GET /work?delay_ms=60000&size=1 HTTP/1.1\r\n\r\n";
		assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
		uint64_t guard = wl_now_ns() + 10000000000ull;
		do {
			assert_true(wl_now_ns() < guard);
			stats(s.port, &conns, &delayed, &requests);
		} while (delayed < 1);
		assert_true(conns >= 2); /* the delayed one and our /stats */
		assert_true(requests >= 7);
		serve_stop(&s); /* at once, the delayed connection still open */
		char ch;
		assert_true(recv(fd, &ch, 1, 0) <= 0);
		close(fd);
	}
}

/* Rounds of 2 connections: the fifth is served all the same. */
static void test_rounds(void **st)
{
	server s = SERVE("-m", "epoll", "--round", "2");
	for (int k = 0; k < 5; k++)
		check_work(s.port, 0, 100, (uint64_t)k);
	serve_stop(&s);
}

/* --work: every path runs the work's task K and answers its digest. */
static void test_work_api(void **st)
{
	server s = SERVE("-m", "threads", "-c", "2", "--work", "fib:n=10|20");
	wl_spec w;
	char err[256], want[32];
	assert_int_equal(wl_parse("fib:n=10|20", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_prepare(&w, err, sizeof err), 0);
	for (uint64_t k = 0; k < 2; k++) {
		wl_result r = { 0 };
		char req[64];
		answer a;
		w.kind->run(&w, (size_t)k, &wl_io_blocking, &r);
		snprintf(want, sizeof want, "%016llx\n", (unsigned long long)r.digest);
		snprintf(req, sizeof req, "GET /x?seed=%llu HTTP/1.1\r\n\r\n",
			 (unsigned long long)k);
		int fd = dial(s.port);
		ask(fd, req, &a);
		assert_int_equal(a.status, 200);
		assert_string_equal((char *)a.body, want);
		free(a.body);
		close(fd);
	}
	long conns, delayed, requests; /* /stats answers under this API too */
	stats(s.port, &conns, &delayed, &requests);
	assert_int_equal(requests, 3);
	assert_int_equal(delayed, 0);
	/* concbench load --check-body on /work?seed=1 (no size=: not the
	 * target's API) checks the replies against the first, the work's */
	char url[64], line[80];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/work?seed=1", s.port);
	snprintf(line, sizeof line, "every ok reply the same bytes: digest %016llx",
		 (unsigned long long)wl_digest_bytes(want, strlen(want)));
	result *l = RUN("load", url, "-n", "20", "-c", "2", "--check-body");
	assert_int_equal(l->code, 0);
	assert_non_null(strstr(l->out, ": 20 ok, 0 errors"));
	assert_non_null(strstr(l->out, line));
	wl_release(&w);
	serve_stop(&s);
}

/* A model that cannot serve C connections ends the server: exit 1, why. */
static void test_limit(void **st)
{
	setenv("CONCBENCH_FAULT_SPAWN", "2", 1);
	result *r = RUN("serve", "--listen", "127.0.0.1:0", "-m", "threads", "-c", "8");
	unsetenv("CONCBENCH_FAULT_SPAWN");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->err, "limit: pthread_create EAGAIN"));
}

static void test_usage(void **st)
{
	USAGE("-m", "serve", "-m", "nope");
	USAGE("-c", "serve", "-c", "0");
	USAGE("sequential", "serve", "-m", "sequential", "-c", "2");
	USAGE("FD_SETSIZE", "serve", "-m", "select", "-c", "5000");
	USAGE("--work", "serve", "--work", "nope");
	USAGE("a server cannot be the work", "serve", "--work", "serve");
	USAGE("--work", "serve", "--work", "fib:n=0");
	USAGE("names no url", "serve", "--work", "http:delay_ms=5");
	USAGE("--listen", "serve", "--listen", "example.com:80");
	USAGE("--round", "serve", "--round", "0");
	result *r = RUN("serve", "--help");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "-m, --model"));
	assert_non_null(strstr(r->out, "round"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_models), cmocka_unit_test(test_forms_agree),
		cmocka_unit_test(test_post),   cmocka_unit_test(test_stats_across_processes),
		cmocka_unit_test(test_rounds), cmocka_unit_test(test_work_api),
		cmocka_unit_test(test_limit),  cmocka_unit_test(test_usage),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("serve_target", tests, setup, teardown);
}
