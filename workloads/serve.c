/*
 * serve.c - serve:work=SPEC, the workload that makes every model a server.
 *
 * A task is one connection: accept it on the run's listening socket, then
 * answer its HTTP/1.1 requests (keep-alive) until the client closes. Each
 * request runs one task of the `work` workload - task K for ?seed=K - and
 * is answered 200 with the work's digest as 16 hex digits and a newline,
 * so a load generator can check every body; the task's own digest is its
 * first request's. The socket is opened before t0 (by the harness, which
 * then drives a load against it, or by begin() from listen=), so fork and
 * prefork children inherit it. With no change to the model interface,
 * each model becomes a classic server design (see serve_help below).
 *
 * The two forms share one connection machine (serveconn.c): run() drives
 * it straight-line, waiting through the model's wl_io and running the work
 * with that same io (so +gil's checkpoints and waits work); step() returns
 * its waits to an event loop and runs the work through the work's own step
 * when it has one (sleep, http), else - fib, hash: CPU - says OFFLOAD first,
 * so hybrid runs it on a worker while a plain loop runs it inline, holding
 * up every other connection: the lesson of CPU work on an event loop.
 *
 * api=target answers as the bundled target does (workloads/http/httpreq.h)
 * and runs no work: the connection machine waits out each delay_ms and
 * streams the body itself, so `concbench serve` and a sweep's target are
 * this workload on a model. /stats answers under both APIs from counters
 * in the run's shared mapping, which fork and prefork children add to.
 *
 * reuseport=1 gives each loop thread a listening socket of its own in one
 * SO_REUSEPORT group (servelisten.c): the thread that ran begin() keeps
 * the run's socket, any other opens a sibling when its first task starts.
 * Blocking models ignore it: they share the one socket behind the mutex.
 */
#define _GNU_SOURCE
#include "workloads/serve.h"
#include "workloads/http/httpclient.h"
#include "workloads/serveconn.h"
#include "workloads/servelisten.h"
#include "workloads/serveparams.h"
#include "workloads/servesock.h"
#include "workloads/wlparse.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

typedef struct {
	wl_spec work;                               /* the parsed, prepared work */
	serveconn_cfg nocount;                      /* api and timeout, for a run without begin() */
	uint64_t stall_from, stall_ns, stall_every; /* serve_stall; every 0: none */
} serve_state;

/* One run's shared part, mapped before t0 so that fork and prefork
 * children share it: the socket begin() opened, the accept mutex, and the
 * counters /stats reports, which every process of the run adds to. */
typedef struct {
	int fd; /* the listening socket begin() opened, or -1 */
	pthread_mutex_t accept_mu;
	serveconn_cfg cfg; /* api, timeout, and stats -> the counters below */
	serveconn_stats stats; /* and stats.ls: reuseport=1's listeners */
	unsigned long run;     /* which begin() of this process made it */
	pthread_t begun_by;    /* keeps listener 0 under reuseport=1 */
} serve_sock;

/* The accept baton is for the tasks that share one thread (servegate.h):
 * a loop's, or a coroutine scheduler's. With a loop per core (epoll:loops=K)
 * each loop thread has a baton of its own, in a copy of the run's settings
 * that the thread's tasks point to; all accept on the one listening socket
 * (a connection wakes one waiter per loop, and the losers find EAGAIN), or
 * with reuseport=1 each on its own (lfd). The copy is made anew for each
 * run (its number), so a thread's next run starts with a fresh baton. */
static atomic_ulong serve_runs;
static _Thread_local struct {
	unsigned long run;
	serveconn_cfg cfg;
	servegate gate;
	int lfd; /* the listening socket this thread's tasks wait on */
} thread_cfg;

/* One task's step state: the connection, then the work's. */
typedef struct {
	serveconn c;
	int working; /* 1: the work's step runs; 2: OFFLOAD said, work next */
	_Alignas(16) unsigned char work[SERVE_WORK_STATE];
} serve_task;

static int serve_init(wl_spec *w, char *err, size_t errlen)
{
	serve_state *s = calloc(1, sizeof *s);
	char msg[WL_ERRLEN];

	if (!s)
		return ERR("serve: out of memory");
	/* checked at parse time, with --force if it was given */
	if (wl_parse(wl_param_text(w, "work"), 1, &s->work, msg, sizeof msg) < 0) {
		free(s);
		return ERR("serve: work: %s", msg);
	}
	memcpy(s->work.target, w->target, sizeof w->target);
	if (wl_prepare(&s->work, msg, sizeof msg) < 0) {
		free(s);
		return ERR("serve: work: %s", msg);
	}
	s->nocount.api = (int)wl_param(w, "api");
	s->nocount.timeout_ns = (uint64_t)wl_param(w, "timeout_ms") * 1000000u;
	w->state = s;
	return 0;
}

static void serve_fini(wl_spec *w)
{
	serve_state *s = w->state;

	if (s)
		wl_release(&s->work);
	free(s);
}

static int serve_needs_target(const wl_spec *w)
{
	wl_spec work;
	char msg[WL_ERRLEN];

	if (wl_parse(wl_param_text(w, "work"), 1, &work, msg, sizeof msg) < 0)
		return 0;
	return work.kind->needs_target && work.kind->needs_target(&work);
}

/* Before t0: the shared part, and our own socket unless the harness gave
 * one. The mutex is robust: a process that dies holding it (a fork child
 * killed) hands it on instead of stopping every other acceptor. */
static int serve_begin(wl_spec *w, size_t ntasks, char *err, size_t errlen)
{
	serve_sock *s =
		mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;

	if (s == MAP_FAILED) {
		snprintf(err, errlen, "serve: mmap: %s", strerror(errno));
		return ENOMEM;
	}
	s->fd = -1;
	if (wl_param(w, "stall_ms") > 0) /* windows from now: the run's start */
		serve_stall(w, wl_now_ns(), (uint64_t)wl_param(w, "stall_ms") * 1000000u,
			    (uint64_t)wl_param(w, "stall_every_ms") * 1000000u);
	s->cfg = ((const serve_state *)w->state)->nocount;
	s->cfg.stats = &s->stats;
	s->run = atomic_fetch_add(&serve_runs, 1) + 1;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&s->accept_mu, &a);
	pthread_mutexattr_destroy(&a);
	s->begun_by = pthread_self();
	int e = 0, reuse = (int)wl_param(w, "reuseport");
	if (!w->listen_set &&
	    (s->fd = servesock_listen_on(wl_param_text(w, "listen"), reuse, err, errlen)) < 0)
		e = -s->fd;
	else if (reuse && !(s->stats.ls = servelisten_new(w->listen_set ? w->listen_fd : s->fd))) {
		e = ENOMEM;
		snprintf(err, errlen, "serve: out of memory for reuseport's listeners");
	}
	if (e) {
		if (s->fd >= 0)
			close(s->fd);
		pthread_mutex_destroy(&s->accept_mu);
		munmap(s, sizeof *s);
		return e;
	}
	w->run = s;
	return 0;
}

static void serve_end(wl_spec *w)
{
	serve_sock *s = w->run;

	if (!s)
		return;
	servelisten_free(s->stats.ls); /* the siblings; listener 0 is below */
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->accept_mu);
	munmap(s, sizeof *s);
}

static int listen_fd(const wl_spec *w)
{
	const serve_sock *s = w->run;
	return w->listen_set ? w->listen_fd : s ? s->fd : -1;
}

/* Blocking models wait to accept one task at a time, as Apache's
 * AcceptMutex has them: every thread polling the socket would be woken by
 * each new connection (the thundering herd), a cost of C per connection.
 * Taken without the GIL, under +gil: the holder may need it to go on. */
static pthread_mutex_t *accept_lock(const wl_spec *w, wl_io *io)
{
	serve_sock *s = w->run;

	if (!s || !io->blocking)
		return NULL; /* coroutines: a mutex would stop their one thread */
	wl_nogil_begin(io);
	if (pthread_mutex_lock(&s->accept_mu) == EOWNERDEAD)
		pthread_mutex_consistent(&s->accept_mu);
	wl_nogil_end(io);
	return &s->accept_mu;
}

/* The run's connection settings for a task's first step: counted in the
 * shared mapping when begin() made one, with this thread's accept baton,
 * and in *lfd the listening socket to wait on. Under reuseport=1 a loop
 * thread's first (gated) task opens the thread's own listener, unless the
 * thread ran begin(). */
static const serveconn_cfg *conn_cfg(const wl_spec *w, int gated, int *lfd)
{
	serve_sock *s = w->run;
	*lfd = listen_fd(w);
	if (!s)
		return &((const serve_state *)w->state)->nocount;
	if (thread_cfg.run != s->run) {
		thread_cfg.run = s->run;
		thread_cfg.cfg = s->cfg;
		thread_cfg.gate = (servegate){ 0 };
		thread_cfg.cfg.gate = &thread_cfg.gate;
		thread_cfg.lfd = *lfd;
		if (gated && (thread_cfg.cfg.ls = s->stats.ls)) {
			int own = pthread_equal(pthread_self(), s->begun_by);
			thread_cfg.cfg.li = own ? 0 : servelisten_open(s->stats.ls);
			thread_cfg.lfd = servelisten_fd(s->stats.ls, thread_cfg.cfg.li);
		}
	}
	*lfd = thread_cfg.lfd;
	return &thread_cfg.cfg;
}

int serve_port(const wl_spec *w)
{
	return servesock_port(listen_fd(w));
}

int serve_listeners(const wl_spec *w, long *accepts, int max, int *shared)
{
	const serve_sock *s = w->run;
	servelisten_count k = { 0, 0, 0, 0 };

	if (s && s->stats.ls)
		k = servelisten_counts(s->stats.ls, accepts, max);
	if (shared)
		*shared = k.shared;
	return k.listeners;
}

void serve_stall(wl_spec *w, uint64_t from_ns, uint64_t stall_ns, uint64_t every_ns)
{
	serve_state *s = w->state;
	s->stall_from = from_ns;
	s->stall_ns = stall_ns;
	s->stall_every = every_ns;
}

/* Inside a stall window, the calling thread sleeps to its end: a blocking
 * sleep on purpose, so that on a loop or coroutines the one thread stops. */
static void stall_hold(const serve_state *s)
{
	uint64_t now = wl_now_ns(), into, d;

	if (!s->stall_every || now < s->stall_from + s->stall_every)
		return;
	if ((into = (now - s->stall_from) % s->stall_every) >= s->stall_ns)
		return;
	d = s->stall_ns - into;
	struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The straight-line form: the machine, waiting through io. */
static void serve_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const serve_state *s = w->state;
	serveconn c;
	wl_wait next;
	int ready = 0, rc, lfd;
	pthread_mutex_t *mu;

	if (!s) {
		wl_fail(r, EINVAL, "serve: not prepared");
		return;
	}
	memset(&c, 0, sizeof c);
	c.straight = 1;
	c.gated = !io->blocking; /* coroutines: one thread */
	const serveconn_cfg *cfg = conn_cfg(w, c.gated, &lfd);
	mu = accept_lock(w, io);
	for (;;) {
		stall_hold(s);
		if ((rc = serveconn_step(&c, cfg, lfd, ready, &next, r)) == WL_STEP_DONE)
			break;
		if (mu && (rc != WL_STEP_WAIT || next.fd != c.lfd)) {
			pthread_mutex_unlock(mu); /* accepted: the next may wait */
			mu = NULL;
		}
		if (rc == SERVECONN_WORK) {
			wl_result res = { 0 };
			s->work.kind->run(&s->work, (size_t)c.seed, io, &res);
			serveconn_answer(&c, &res);
			ready = 0;
		} else if (next.fd >= 0) {
			ready = io->wait_fd(io, next.fd, next.events, next.deadline_ns);
			ready = ready == -ETIMEDOUT ? WL_TIMEOUT : ready;
		} else {
			ready = io->sleep_until(io, next.deadline_ns);
			ready = ready < 0 ? ready : WL_TIMEOUT;
		}
	}
	if (mu)
		pthread_mutex_unlock(mu);
}

/* The resumable form: the machine's waits go to the loop; a request's work
 * runs through its step, or after an OFFLOAD when it has none. */
static int serve_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		      wl_result *r)
{
	const serve_state *s = w->state;
	const wl_spec *work = &s->work;
	serve_task *t = state;
	wl_result res = { 0 };
	const serveconn_cfg *cfg = t->c.cfg;
	int rc, lfd = -1;

	stall_hold(s);
	if (!cfg) { /* the first step: a loop's tasks share its thread (later ones
		     * may run on hybrid's workers, whose thread_cfg is not ours) */
		t->c.gated = 1;
		cfg = conn_cfg(w, 1, &lfd);
	}
	for (;;) {
		if (t->working == 2) { /* the call after OFFLOAD: on a worker, in hybrid */
			if (ready & WL_TIMEOUT)
				wl_fail(&res, ECANCELED, "cancelled before the work ran");
			else
				work->kind->run(work, (size_t)t->c.seed, wl_offload_backend(),
						&res);
			t->working = 0;
			serveconn_answer(&t->c, &res);
			ready = 0;
		} else if (t->working == 1) {
			rc = work->kind->step(work, (size_t)t->c.seed, t->work, ready, next, &res);
			if (rc != WL_STEP_DONE)
				return serveconn_returned(&t->c, rc, next);
			t->working = 0;
			serveconn_answer(&t->c, &res);
			ready = 0;
		}
		rc = serveconn_step(&t->c, cfg, lfd, ready, next, r);
		if (rc != SERVECONN_WORK)
			return rc;
		ready = 0;
		if (!work->kind->step) {
			t->working = 2;
			return serveconn_returned(&t->c, WL_STEP_OFFLOAD, next);
		}
		memset(t->work, 0, work->kind->state_size);
		t->working = 1;
	}
}

static const char serve_help[] =
	"Each task accepts one connection and serves it; N is the connections, C the\n"
	"connections served at once. So each model is a classic server: sequential an\n"
	"iterative server (one client at a time), threads a thread per connection, pool\n"
	"a prethreaded server, fork a process per connection (inetd, CGI), prefork\n"
	"Apache's prefork, select/poll/epoll a single-threaded event loop (nginx, Redis;\n"
	"a CPU-bound work holds up every connection), coro a coroutine per connection\n"
	"(gevent, Go), hybrid a loop handing each request's work to worker threads\n"
	"(waitress, run_in_executor), +gil a Python threaded server\n"
	"(socketserver.ThreadingMixIn). Answers: 200, body = the work's digest in hex;\n"
	"api=target: the bundled target's /work?delay_ms=D&size=S&seed=K instead.\n"
	"reuseport=1 with epoll:loops=K or coro:loops=K: a listening socket per loop\n"
	"(SO_REUSEPORT, nginx's `listen ... reuseport`) instead of one they share.";

const wl_kind wl_serve = {
	.name = "serve",
	.summary = "an HTTP server: each task serves one connection, work per request",
	.cls = "io",
	.params = serve_params,
	.check = serve_check,
	.init = serve_init,
	.fini = serve_fini,
	.begin = serve_begin,
	.end = serve_end,
	.run = serve_run,
	.step = serve_step,
	.state_size = sizeof(serve_task),
	.needs_target = serve_needs_target,
	.server = 1,
	.help = serve_help,
};
