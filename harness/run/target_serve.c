/*
 * target_serve.c - `concbench serve`: one server code base, the serve
 * workload, run on any model, forever.
 *
 * A model runs N tasks and returns; a server runs until it is stopped. So
 * the server runs in rounds: a round is one run of the model over N
 * connections (a task each), in a child process leading its own group, as
 * the runner's runs are; when it ends another starts on the same listening
 * socket, which this process opened before the first and keeps. A round
 * ends only once its last connection closed, so at a round boundary new
 * connections wait in the socket's backlog (they are not refused) until the
 * previous round's last clients leave: with keep-alive clients that never
 * leave, after N connections the next wait. N is large (2^20), and the
 * task table (models/model.c) is O(N) shared memory: about 40 MiB.
 *
 * This process watches: a stop flag (a signal) kills the round's whole
 * group at once, open connections and all; a round whose model failed (a
 * limit: out of threads, processes or fds) is killed and its reason is the
 * error. A stall on purpose is the serve workload's (serve_stall), so
 * that the thread that would answer is the one that sleeps.
 */
#define _GNU_SOURCE
#include "harness/run/target_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/spec.h"
#include "models/model.h"
#include "workloads/serve.h"
#include "workloads/servesock.h"

#define ERR(...)    (snprintf(err, errlen, __VA_ARGS__), -1)
#define WATCH_NS    10000000L /* how soon a stop, or a round's end, is seen */
#define SELECT_MAXC 1000      /* select() watches fds below FD_SETSIZE (1024) */

static const struct {
	const char *model;
	unsigned c;
} default_c[] = {
	{ "sequential", 1 }, { "threads", 512 }, { "pool", 64 },    { "fork", 64 },
	{ "prefork", 16 },   { "select", 500 },  { "poll", 1024 },  { "epoll", 1024 },
	{ "coro", 1024 },    { "hybrid", 1024 }, { "uring", 1024 }, { "uv", 1024 },
};

unsigned target_default_c(const char *model_name)
{
	for (size_t k = 0; k < sizeof default_c / sizeof *default_c; k++)
		if (!strcmp(default_c[k].model, model_name))
			return default_c[k].c;
	return 64; /* a model added since: a modest server */
}

/* The serve workload's spec: the target API, or the digest API's work. */
static void serve_text(const target_opts *o, char *buf, size_t len)
{
	if (o->work)
		snprintf(buf, len, "serve:work=%s", o->work);
	else
		snprintf(buf, len, "serve:api=target");
}

/* Parse what o names; 0, or -1 with err set. */
static int parse(const target_opts *o, model_spec *m, wl_spec *w, unsigned *c, char *err,
		 size_t errlen)
{
	char text[512], msg[256];
	struct sockaddr_storage ss;
	socklen_t sl;

	if (spec_model(o->model ? o->model : "epoll", m, msg, sizeof msg) < 0)
		return ERR("-m: %s", msg);
	*c = o->c ? o->c : target_default_c(m->kind->name);
	if (!strcmp(m->kind->name, "sequential") && *c != 1)
		return ERR("-c %u: sequential serves one connection at a time (-c 1)", *c);
	if (!strcmp(m->kind->name, "select") && *c > SELECT_MAXC)
		return ERR("-c %u: select watches fds below FD_SETSIZE (1024) only: -c at most %d",
			   *c, SELECT_MAXC);
	serve_text(o, text, sizeof text);
	if (strlen(text) >= sizeof w->p[0].text)
		return ERR("--work: '%s' is too long", o->work);
	if (spec_workload(text, 0, w, msg, sizeof msg) < 0)
		return o->work ? ERR("--work: %s", msg) : ERR("%s", msg);
	if (w->kind->needs_target && w->kind->needs_target(w))
		return ERR("--work: '%s' names no url= to fetch, and a server has no bundled "
			   "target of its own to point it at",
			   o->work);
	if (servesock_addr(o->listen ? o->listen : "127.0.0.1:8080", &ss, &sl, msg, sizeof msg) < 0)
		return ERR("--listen: %s", msg);
	return 0;
}

int target_check(const target_opts *o, char *err, size_t errlen)
{
	model_spec m;
	wl_spec w;
	unsigned c;
	return parse(o, &m, &w, &c, err, errlen);
}

/* Many connections want many fds: take all the process may have. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* "127.0.0.1:8080" or "[::1]:8080" for a bound socket. */
static void address_text(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ip[INET6_ADDRSTRLEN] = "?";
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(v6->sin6_port));
	} else {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(v4->sin_port));
	}
}

/* One round, in its own process group, as the runner's run child: begin,
 * prepare, run the model, end. It dies with the process that watches it. */
static _Noreturn void round_main(const model_spec *m, wl_spec *w, size_t n, unsigned c,
				 model_table *t, pid_t parent)
{
	char err[WL_ERRLEN] = "";
	model_run r = { .model = m, .wl = w, .n = n, .c = c, .table = t };
	sigset_t none;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN); /* a client gone is an EPIPE, never the server's end */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	int rc = wl_begin(w, n, err, sizeof err);
	if (rc != 0) {
		model_fail(&r, rc == EMFILE || rc == ENFILE ? MODEL_LIMIT : MODEL_ERROR, "%s", err);
		_exit(0);
	}
	if (m->kind->prepare && m->kind->prepare(&r) != MODEL_OK)
		_exit(0); /* it said why through model_fail */
	t->t0_ns = wl_now_ns();
	rc = m->kind->run(&r);
	if (rc != MODEL_OK)
		model_fail(&r, rc, "the model gave up without saying why");
	wl_end(w);
	_exit(0);
}

static void kill_round(pid_t pid)
{
	kill(-pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Watch a round: 0 when it ended well, 1 on a stop, -1 with err set. */
static int watch(pid_t pid, model_table *t, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	for (;;) {
		int wst = 0, code = atomic_load(&t->status);
		pid_t r = waitpid(pid, &wst, WNOHANG);
		if (*stop || code != MODEL_OK || (r < 0 && errno != EINTR)) {
			if (r != pid)
				kill_round(pid);
			else
				kill(-pid, SIGKILL); /* what it forked and left behind */
			if (*stop)
				return 1;
			if (code == MODEL_OK)
				return ERR("cannot wait for the server: %s", strerror(errno));
			return ERR("%s: %s", code == MODEL_LIMIT ? "limit" : "error",
				   t->why[0] ? t->why : "the model failed");
		}
		if (r == pid) {
			kill(-pid, SIGKILL);
			if (WIFSIGNALED(wst))
				return ERR("the server's round was killed by signal %d (%s)",
					   WTERMSIG(wst), strsignal(WTERMSIG(wst)));
			if (WEXITSTATUS(wst) != 0)
				return ERR("the server's round exited with %d", WEXITSTATUS(wst));
			return 0;
		}
		struct timespec ts = { 0, WATCH_NS };
		nanosleep(&ts, NULL);
	}
}

/* Rounds on lfd until a stop or a failure. */
static int serve_rounds(const target_opts *o, const model_spec *m, wl_spec *w, unsigned c,
			volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	size_t n = o->round ? o->round : TARGET_ROUND;
	model_table *t = model_table_new(n);
	int rc = 0;

	if (!t)
		return ERR("cannot map a task table for %zu connections", n);
	pid_t self = getpid();
	while (rc == 0 && !*stop) {
		model_table_use(t, n);
		fflush(NULL); /* nothing buffered may be written twice by the child */
		pid_t pid = fork();
		if (pid < 0) {
			rc = ERR("cannot start a round: fork: %s", strerror(errno));
			break;
		}
		if (pid == 0)
			round_main(m, w, n, c, t, self);
		setpgid(pid, pid); /* as the child does: whichever runs first */
		rc = watch(pid, t, stop, err, errlen);
	}
	model_table_free(t);
	return rc < 0 ? -1 : 0;
}

int target_serve_opts(const target_opts *o, volatile sig_atomic_t *stop, FILE *announce, char *err,
		      size_t errlen)
{
	static volatile sig_atomic_t never;
	model_spec m;
	wl_spec w;
	unsigned c;
	char msg[WL_ERRLEN];

	if (parse(o, &m, &w, &c, err, errlen) < 0)
		return -1;
	raise_nofile();
	int lfd = servesock_listen(o->listen ? o->listen : "127.0.0.1:8080", err, errlen);
	if (lfd < 0)
		return -1;
	if (wl_prepare(&w, msg, sizeof msg) < 0) {
		close(lfd);
		return ERR("%s", msg);
	}
	w.listen_set = 1;
	w.listen_fd = lfd;
	if (o->stall.stall_ns > 0 && o->stall.stall_ns < o->stall.every_ns)
		serve_stall(&w, wl_now_ns(), o->stall.stall_ns, o->stall.every_ns);
	if (announce) {
		char addr[80];
		address_text(lfd, addr, sizeof addr);
		fprintf(announce, "listening on %s\n", addr);
		fflush(announce);
	}
	int rc = serve_rounds(o, &m, &w, c, stop ? stop : &never, err, errlen);
	wl_release(&w);
	close(lfd);
	return rc;
}

int target_serve(const char *listen, volatile sig_atomic_t *stop, FILE *announce, char *err,
		 size_t errlen)
{
	return target_serve_stalling(listen, NULL, stop, announce, err, errlen);
}

int target_serve_stalling(const char *listen, const target_stall *stall,
			  volatile sig_atomic_t *stop, FILE *announce, char *err, size_t errlen)
{
	target_opts o = { .listen = listen };
	if (stall)
		o.stall = *stall;
	return target_serve_opts(&o, stop, announce, err, errlen);
}
