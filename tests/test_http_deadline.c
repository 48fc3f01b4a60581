/*
 * test_http_deadline.c - timeout_ms holds against a server that keeps sending.
 *
 * A server that answers with a huge Content-Length and then keeps the body
 * coming (fast, so recv never says EAGAIN, or a byte every few ms, so the fd
 * is ready whenever anyone looks) must not keep a task past its deadline.
 * The server is a thread of this test on 127.0.0.1: it serves one
 * connection at a time, and stops sending after STREAM_CAP_S seconds, so a
 * client that ignores its deadline fails these tests instead of hanging them.
 *
 * Three views: a driver that reports the fd ready and never a timeout (the
 * step itself must notice); both forms against the fast stream; and every
 * model through the binary, each run's status a timeout and its makespan far
 * below the cap (a bound on a hang, not a speed claim).
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include "tests/http_fixture.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/model.h"
#include "models/registry.h"

extern const wl_kind wl_http;

#define STREAM_CAP_S 8 /* a connection gets body bytes for at most this long */

/* A 200 ms timeout that took this long hung (longer under valgrind, which
 * runs this test's threads one at a time; still below the cap). */
static uint64_t hang_ns(void)
{
	return getenv("CB_MEMCHECK") ? 6000000000ull : 2000000000ull;
}

struct streamer {
	int lfd, port;
	int trickle; /* 1: a byte every 2 ms; 0: 64 KiB sends as fast as they go */
	pthread_t th;
};

/* Read a request head (or give up after 5 s), answer with a head promising
 * a terabyte, then send body bytes until the client leaves or the cap. */
static void stream_conn(struct streamer *s, int fd)
{
	static char body[65536];
	char req[4096];
	size_t len = 0;
	struct timeval tv = { 5, 0 };
	struct timespec gap = { 0, 2000000 };
	uint64_t end = wl_now_ns() + STREAM_CAP_S * 1000000000ull;

	memset(body, 'x', sizeof body);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (len < sizeof req - 1) {
		ssize_t n = recv(fd, req + len, sizeof req - 1 - len, 0);
		if (n <= 0)
			return;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n";
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) < 0)
		return;
	while (wl_now_ns() < end) {
		if (send(fd, body, s->trickle ? 1 : sizeof body, MSG_NOSIGNAL) < 0)
			return;
		if (s->trickle)
			nanosleep(&gap, NULL);
	}
}

static void *stream_serve(void *arg)
{
	struct streamer *s = arg;

	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return NULL; /* stream_stop shut the socket */
		stream_conn(s, fd);
		close(fd);
	}
}

static void stream_start(struct streamer *s, int trickle)
{
	s->trickle = trickle;
	s->lfd = listen_any(&s->port);
	assert_int_equal(pthread_create(&s->th, NULL, stream_serve, s), 0);
}

static void stream_stop(struct streamer *s)
{
	shutdown(s->lfd, SHUT_RDWR); /* accept() returns EINVAL */
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static void expect_timeout(const wl_result *r, uint64_t t0)
{
	uint64_t took = wl_now_ns() - t0;

	if (r->err != ETIMEDOUT || strcmp(r->msg, "timed out after 200 ms (reading the body)") != 0)
		fail_msg("got %d '%s' after %.0f ms", r->err, r->msg, (double)took / 1e6);
	if (took >= hang_ns())
		fail_msg("timed out, but only after %.0f ms", (double)took / 1e6);
}

/* A driver that waits for readiness only, as a loop would that dispatched
 * the fd before the timer: the step itself must find its deadline passed. */
static void test_step_checks_its_deadline(void **st)
{
	struct streamer s;
	wl_spec w;
	wl_result r = { 0 };
	wl_wait next;
	int ready = 0, fds = count_fds();
	void *mem;

	stream_start(&s, 1);
	http_spec(&w, &wl_http, s.port, "timeout_ms", "200", NULL);
	spec_prepare(&w);
	mem = calloc(1, w.kind->state_size);
	assert_non_null(mem);
	uint64_t t0 = wl_now_ns();
	for (int rc; (rc = w.kind->step(&w, 0, mem, ready, &next, &r)) != WL_STEP_DONE;) {
		struct pollfd p = { next.fd, next.events & WL_READ ? POLLIN : POLLOUT, 0 };
		assert_int_equal(rc, WL_STEP_WAIT);
		assert_int_equal(poll(&p, 1, STREAM_CAP_S * 1000), 1);
		ready = next.events;
	}
	expect_timeout(&r, t0);
	free(mem);
	wl_release(&w);
	stream_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* Both forms against a fast stream, each timed. */
static void test_forms_against_a_stream(void **st)
{
	struct streamer s;
	wl_spec w;
	int fds = count_fds();

	stream_start(&s, 0);
	http_spec(&w, &wl_http, s.port, "timeout_ms", "200", NULL);
	spec_prepare(&w);
	uint64_t t0 = wl_now_ns();
	wl_result r = run_form(&w, 0);
	expect_timeout(&r, t0);
	t0 = wl_now_ns();
	r = step_form(&w, 0);
	expect_timeout(&r, t0);
	wl_release(&w);
	stream_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* -m: every model, and NAME+gil for each that takes the flag. */
static void every_model(char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (const model_kind *const *k = model_all(); *k; k++) {
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? "," : "", (*k)->name);
		for (const char *const *f = (*k)->flags; f && *f; f++)
			if (strcmp(*f, "gil") == 0)
				at += (size_t)snprintf(buf + at, len - at, ",%s+gil", (*k)->name);
		assert_true(at < len);
	}
}

/* Every model through the binary: a timeout, well before the cap. */
static void every_model_times_out(int trickle, const char *name)
{
	struct streamer s;
	char url[128], models[512], p[256], line[2048];
	int rows = 0;

	stream_start(&s, trickle);
	every_model(models, sizeof models);
	snprintf(url, sizeof url, "http:url=http://127.0.0.1:%d/,timeout_ms=200", s.port);
	result *r = RUN("run", "-w", url, "-m", models, "-n", "1", "-c", "1", "--reps", "1", "-o",
			tmpdir, "--name", name);
	stream_stop(&s);
	assert_int_equal(r->code, 1);
	path_in(p, sizeof p, name, "results.csv");
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f)); /* the header */
	while (fgets(line, sizeof line, f)) {
		const char *model = csv_field(line, 2), *status = csv_field(line, 8);
		const char *makespan = csv_field(line, 9);
		assert_true(model && status && makespan);
		static const char want_status[] =
			"error: task 0: timed out after 200 ms (reading the body)";
		char *end;
		double secs = strtod(makespan, &end);
		assert_true(end > makespan); /* a figure, or the bound below says nothing */
		print_message("  %s %.*s: %.0f ms\n", name, (int)strcspn(model, ","), model,
			      secs * 1e3);
		if (strncmp(status, want_status, strlen(want_status)) != 0)
			fail_msg("%.*s: %.*s", (int)strcspn(model, ","), model,
				 (int)strcspn(status, ","), status);
		if (!(secs < (double)hang_ns() / 1e9))
			fail_msg("%.*s took %.3f s", (int)strcspn(model, ","), model, secs);
		rows++;
	}
	fclose(f);
	int want = 1;
	for (const char *c = models; *c; c++)
		want += *c == ',';
	assert_int_equal(rows, want);
}

static void test_every_model_stream(void **st)
{
	every_model_times_out(0, "stream");
}

static void test_every_model_trickle(void **st)
{
	every_model_times_out(1, "trickle");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_checks_its_deadline),
		cmocka_unit_test(test_forms_against_a_stream),
		cmocka_unit_test(test_every_model_stream),
		cmocka_unit_test(test_every_model_trickle),
	};
	return cmocka_run_group_tests_name("http_deadline", tests, setup, teardown);
}
