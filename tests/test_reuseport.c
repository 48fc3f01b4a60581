/* test_reuseport.c - serve:reuseport=1: a listening socket per loop thread (servelisten.c). */
/* On epoll:loops=2 and coro:loops=2 every connection is served once, each task's digest its
 * connection's first answer's (as on sequential), from two listeners whose accepts add up to N.
 * Connections the kernel queues all on one loop's listener (steered there by a reuseport BPF
 * program, or by chance with one lane per loop) still reach the other loop's tasks, which look at
 * every listener: the run ends, no error, no hang. A listener shut under waiting tasks ends them
 * all. A listener made without SO_REUSEPORT is shared (and counted as such); blocking models and
 * reuseport=0 make none; /stats shows the spread; the harness's listener allows siblings; a bad
 * value is a usage error; a sweep's rows have one digest. Every run leaves no fd or thread. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/clirun.h"

#include "harness/report/csvread.h"
#include "harness/run/peerload.h"
#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"
#include "workloads/serve.h"
#include "workloads/serveans.h"
#include "workloads/servelisten.h"
#include "workloads/servesock.h"

#include "tests/serve_fixture.h"

static const char *const loops2[] = { "epoll:loops=2", "coro:loops=2" };

/* Beside serve_fixture.h's modes: all connections first, then each one's
 * requests answered, and only then are they closed (and, HOLD_SHUT, the
 * run's socket shut): with C = N every lane holds a connection at once,
 * so each loop has tasks, whichever loop starts first. */
enum { CL_HOLD = 100, CL_HOLD_SHUT };

static void hold_main(client *c)
{
	int fd[8];
	for (int j = 0; j < c->nconn; j++)
		fd[j] = cl_connect(c);
	for (int j = 0; j < c->nconn && !c->why[0]; j++) {
		c->first[j] = c->want[j * c->nreq];
		for (int k = 0; k < c->nreq; k++) {
			cl_ask(c, fd[j], (uint64_t)(j * c->nreq + k), 0);
			cl_answer(c, fd[j], (uint64_t)(j * c->nreq + k));
		}
	}
	if (c->mode == CL_HOLD_SHUT)
		shutdown(c->lfd, SHUT_RDWR);
	for (int j = 0; j < c->nconn; j++)
		if (fd[j] >= 0)
			close(fd[j]);
}

/* How a run's connections were spread. */
typedef struct {
	int listeners, shared;
	long accepts[4];
} spread;

static int steered = 1; /* 0: the kernel refused a reuseport BPF program */

/* A listening socket as the harness makes one, with SO_REUSEPORT when
 * reuse is set; steer >= 0: a reuseport BPF program that puts every new
 * connection on listener `steer` of the group (0: this one). */
static int listener(int reuse, int steer)
{
	char err[256];
	int fd = servesock_listen_on("127.0.0.1:0", reuse, err, sizeof err);
	if (fd < 0)
		fail_msg("listen: %s", err);
	if (steer >= 0) {
		struct sock_filter code[] = { { BPF_RET | BPF_K, 0, 0, (uint32_t)steer } };
		struct sock_fprog prog;
		memset(&prog, 0, sizeof prog); /* its padding too: valgrind reads it */
		prog.len = 1;
		prog.filter = code;
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) < 0 &&
		    steered) {
			steered = 0; /* a seccomp filter, say: the hash spreads them */
			fprintf(stderr, "note: SO_ATTACH_REUSEPORT_CBPF: %s: not steered\n",
				strerror(errno));
		}
	}
	return fd;
}

/* serve_make's spec, on a listener of ours instead of its own. */
static void make(wl_spec *w, const char *spec, uint64_t *want, size_t nwant, int lfd)
{
	serve_make(w, spec, want, nwant);
	close(w->listen_fd);
	w->listen_fd = lfd;
}

/* serve_fixture.h's serve_run, reading the spread before the run's end. */
static model_table *run_spread(const char *model, wl_spec *w, size_t n, unsigned c, client *cl,
			       spread *sp, int *rc)
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
	cl->lfd = w->listen_fd;
	client *shared =
		mmap(NULL, sizeof *cl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(shared != MAP_FAILED);
	*shared = *cl;
	if ((pid = fork()) == 0) {
		if (shared->mode >= CL_HOLD)
			hold_main(shared);
		else
			client_main(shared);
		_exit(0);
	}
	assert_true(pid > 0);
	model_run r = { .model = &m, .wl = &run, .n = n, .c = c, .table = t };
	t->t0_ns = wl_now_ns();
	*rc = m.kind->run(&r);
	waitpid(pid, NULL, 0);
	*cl = *shared;
	munmap(shared, sizeof *cl);
	memset(sp, 0, sizeof *sp);
	sp->listeners = serve_listeners(&run, sp->accepts, 4, &sp->shared);
	wl_end(&run);
	return t;
}

/* One run of model, n connections at c, keep-alive, nreq requests each
 * (held all at once when c == n): each served once, the digests right, no
 * fd or thread left. */
static spread served(const char *model, const char *spec, size_t n, unsigned c, int nreq, int lfd)
{
	uint64_t want[16];
	size_t fds = count_dir("/proc/self/fd"), threads = count_dir("/proc/self/task");
	client cl = { .mode = c == n ? CL_HOLD : CL_KEEP, .nconn = (int)n, .nreq = nreq,
		      .want = want };
	wl_spec w;
	spread sp;
	int rc;

	make(&w, spec, want, N_ELEMS(want), lfd);
	model_table *t = run_spread(model, &w, n, c, &cl, &sp, &rc);
	if (cl.why[0])
		fail_msg("%s %s: client: %s", model, spec, cl.why);
	check_all_once(t, model, n, c, rc);
	check_digests(t, &cl, model);
	model_table_free(t);
	serve_free(&w);
	assert_int_equal(count_dir("/proc/self/fd"), fds - 1); /* lfd too */
	assert_int_equal(threads_settle(threads), threads);
	return sp;
}

static long sum(const spread *sp)
{
	return sp->accepts[0] + sp->accepts[1] + sp->accepts[2] + sp->accepts[3];
}

/* Two listeners, every connection once, as on sequential and one loop.
 * Below C = N a loop may serve them all before the other starts. */
static void test_every_connection_once(void **st)
{
	const char *spec = "serve:reuseport=1,work=hash:bytes=64";
	alarm(60);
	spread sp = served("sequential", spec, 8, 1, 2, listener(1, -1));
	assert_int_equal(sp.listeners, 1); /* blocking: ignored */
	sp = served("epoll", spec, 8, 8, 2, listener(1, -1));
	assert_int_equal(sp.listeners, 1); /* one loop: its socket only */
	assert_int_equal(sum(&sp), 8);
	for (size_t m = 0; m < N_ELEMS(loops2); m++)
		for (unsigned c = 2; c <= 8; c *= 2) {
			sp = served(loops2[m], spec, 8, c, 2, listener(1, -1));
			if (c == 8 ? sp.listeners != 2 : sp.listeners < 1 || sp.listeners > 2)
				fail_msg("%s c=%u: %d listeners", loops2[m], c, sp.listeners);
			assert_int_equal(sp.shared, 0);
			assert_int_equal(sum(&sp), 8);
		}
	alarm(0);
	assert_no_zombies();
}

/* All connections on one listener: the other loop's tasks take them from
 * it. Steered to the run's socket, every accept counts there. */
static void test_stranded_connections(void **st)
{
	const char *spec = "serve:reuseport=1,work=null";
	alarm(60);
	for (size_t m = 0; m < N_ELEMS(loops2); m++) {
		spread sp = served(loops2[m], spec, 4, 4, 1, listener(1, 0));
		assert_int_equal(sp.listeners, 2);
		assert_int_equal(sp.accepts[0], steered ? 4 : sum(&sp));
		assert_int_equal(sp.accepts[1], steered ? 0 : sum(&sp) - sp.accepts[0]);
		assert_int_equal(sum(&sp), 4);
		sp = served(loops2[m], spec, 4, 4, 1, listener(1, 1)); /* on the sibling */
		assert_int_equal(sp.listeners, 2);
		assert_int_equal(sum(&sp), 4);
		/* one lane a loop: by chance, half the time both on one listener */
		for (int k = 0; k < 6; k++)
			assert_int_equal(sum((spread[]){ served(loops2[m], spec, 2, 2, 1,
								listener(1, -1)) }),
					 2);
	}
	alarm(0);
}

/* The run's socket shut (the harness's end of a run) under a task waiting
 * on its own (three connections held: the second loop has one too): it
 * ends with the shut's error, within a rescan if it waits on a sibling. */
static void test_shut_under_waiters(void **st)
{
	static uint64_t want[4];
	alarm(60);
	for (size_t m = 0; m < N_ELEMS(loops2); m++) {
		client cl = { .mode = CL_HOLD_SHUT, .nconn = 3, .nreq = 1, .want = want };
		wl_spec w;
		spread sp;
		int rc;
		make(&w, "serve:reuseport=1,work=hash:bytes=64", want, N_ELEMS(want), listener(1, 0));
		model_table *t = run_spread(loops2[m], &w, 4, 4, &cl, &sp, &rc);
		if (cl.why[0])
			fail_msg("%s: client: %s", loops2[m], cl.why);
		assert_int_equal(atomic_load(&t->nerr), 1);
		if (!strstr(t->msg, "no client connected before the listening socket closed"))
			fail_msg("%s: %s", loops2[m], t->msg);
		assert_int_equal(sp.listeners, 2);
		model_table_free(t);
		serve_free(&w);
	}
	alarm(0);
}

/* A socket without SO_REUSEPORT: the second loop shares it, and says so;
 * reuseport=0 and blocking models make no listener. */
static void test_shared_and_ignored(void **st)
{
	alarm(60);
	for (size_t m = 0; m < N_ELEMS(loops2); m++) {
		spread sp = served(loops2[m], "serve:reuseport=1,work=null", 4, 4, 1,
				   listener(0, -1));
		assert_int_equal(sp.listeners, 1);
		assert_int_equal(sp.shared, 1);
		assert_int_equal(sp.accepts[0], 4);
		sp = served(loops2[m], "serve:work=null", 4, 4, 1, listener(1, -1));
		assert_int_equal(sp.listeners, 0);
	}
	const char *const blocking[] = { "threads", "pool", "prefork", "fork" };
	for (size_t m = 0; m < N_ELEMS(blocking); m++) {
		spread sp = served(blocking[m], "serve:reuseport=1,work=null", 4, 2, 1,
				   listener(1, -1));
		assert_int_equal(sp.listeners, 1);
		assert_int_equal(sp.shared, 0);
	}
	alarm(0);
	assert_no_zombies();
}

/* The pieces: a sibling only of a SO_REUSEPORT socket, on its port; the
 * harness's listener has the option; /stats shows the spread and fits. */
static void test_sockets_and_stats(void **st)
{
	char err[256], out[320];
	int port, on = 0, plain = listener(0, -1), reuse = listener(1, -1);
	socklen_t ol = sizeof on;

	assert_int_equal(servesock_sibling(plain, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "SO_REUSEPORT"));
	int sib = servesock_sibling(reuse, err, sizeof err);
	assert_true(sib >= 0);
	assert_int_equal(servesock_port(sib), servesock_port(reuse));
	int pl = peerload_listen(4, &port, err, sizeof err);
	assert_true(pl >= 0);
	assert_int_equal(getsockopt(pl, SOL_SOCKET, SO_REUSEPORT, &on, &ol), 0);
	assert_int_equal(on, 1);

	servelisten *ls = servelisten_new(reuse);
	assert_non_null(ls);
	assert_int_equal(servelisten_open(ls), 1);
	serveconn_stats s = { .ls = ls };
	serveans_req q = { 200, 1, 0, 0 };
	assert_true(serveans_stats(out, sizeof out, &q, &s) > 0);
	assert_non_null(strstr(out, "requests 0\nlisteners 2\nshared 0\naccepts_min 0\n"
				    "accepts_max 0\n"));
	servelisten_free(ls);
	ls = servelisten_new(plain); /* no sibling: the thread shares, and why */
	assert_int_equal(servelisten_open(ls), 0);
	assert_non_null(strstr(servelisten_why(ls), "SO_REUSEPORT"));
	servelisten_free(ls);
	close(sib);
	close(pl);
	close(plain);
	close(reuse);
}

/* Through the CLI: a usage error for a bad value; a sweep on the harness's
 * listener, every row ok with one digest and no client error. */
static void test_cli(void **st)
{
	USAGE("reuseport", "run", "-w", "serve:reuseport=2,work=null", "-m", "epoll:loops=2");
	USAGE("reuseport", "run", "-w", "serve:reuseport=yes,work=null", "-m", "epoll:loops=2");
	result *r = RUN("run", "-w", "serve:reuseport=1,work=null", "-m",
			"epoll,epoll:loops=2,coro:loops=2", "-c", "4", "--connections", "4",
			"--duration", "200ms", "--reps", "1", "-o", tmpdir, "--name", "reuse",
			"--no-plot");
	if (r->code != 0)
		fail_msg("exit %d: %s", r->code, r->err);
	char p[256], err[256];
	res_run *rows;
	size_t n;
	path_in(p, sizeof p, "reuse", "results.csv");
	assert_int_equal(csv_read_results(p, &rows, &n, err, sizeof err), 0);
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		assert_true(!strcmp(rows[i].status, "ok") || res_slowed(&rows[i]));
		assert_true(strstr(rows[i].params, "reuseport=1") != NULL);
		assert_true(rows[i].digest == rows[0].digest);
		assert_int_equal(rows[i].client_errors, 0);
		assert_int_equal(rows[i].errors, 0);
	}
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_connection_once),
		cmocka_unit_test(test_stranded_connections),
		cmocka_unit_test(test_shut_under_waiters),
		cmocka_unit_test(test_shared_and_ignored),
		cmocka_unit_test(test_sockets_and_stats),
		cmocka_unit_test(test_cli),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
