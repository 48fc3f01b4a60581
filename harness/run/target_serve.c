/*
 * target_serve.c - the bundled HTTP target: listen, accept, and glue each
 * connection's state machine (workloads/http/httpserver.c) to the project's
 * one event loop (models/loop.c, on epoll).
 *
 * This is how nginx, Redis or Node serve tens of thousands of clients from
 * one thread: every socket is non-blocking, epoll says which ones can make
 * progress, and a request that must wait (delay_ms) is not a sleeping thread
 * but a timer in the loop's heap. A waiting request costs a few hundred
 * bytes; 20,000 of them cost a few megabytes and no context switches.
 *
 * The glue keeps a keep-alive request down to the system calls the answer
 * needs (one recv, one sendmsg, a share of one epoll wait): a watch stays set
 * while a connection waits for the same event again, and a connection's
 * timer is re-armed only when its deadline moves earlier; a later deadline
 * (the next idle timeout) is looked at when the timer fires. A periodic tick
 * looks at the stop flag, so a signal is seen within 100 ms.
 *
 * A stall (--stall) is a timer on a fixed grid whose callback simply sleeps:
 * the whole loop stops, as it does when a handler blocks it, and requests
 * pile up in the kernel's queues until it wakes.
 */
#define _GNU_SOURCE
#include "harness/run/target_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "models/epoll.h"
#include "workloads/http/httpserver.h"
#include "workloads/servesock.h"

#define TICK_NS         100000000ull /* how soon *stop is seen */
#define ACCEPT_PAUSE_NS 100000000ull /* out of fds: wait before accepting again */

typedef struct conn conn;
typedef struct srv {
	loop *l;
	int lfd, paused;
	volatile sig_atomic_t *stop;
	conn *live; /* every open connection, for the end */
	target_stall stall;
	uint64_t stall_at; /* when the next stall is due */
	httpserver hs;
} srv;

struct conn {
	srv *s;
	conn *prev, *next;
	int64_t timer;     /* 0: none armed */
	uint64_t armed;    /* the timer's deadline: never later than... */
	uint64_t deadline; /* ...the one the connection waits for */
	httpserver_conn hc;
};

static void on_conn(loop *l, int fd, int ready, void *arg);
static void on_deadline(loop *l, void *arg);

/* The stall, if one is due: the one thread sleeps (in slices, so a stop is
 * still seen within a tick); the next is due one period after this one was.
 * The loop hands out a turn's ready fds before its due timers, so the fd
 * callbacks ask too: nothing is answered once a stall is due. */
static void stall_if_due(srv *s)
{
	uint64_t now = wl_now_ns(), until = now + s->stall.stall_ns;
	if (!s->stall.every_ns || now < s->stall_at)
		return;
	while (!*s->stop && (now = wl_now_ns()) < until) {
		uint64_t d = until - now < TICK_NS ? until - now : TICK_NS;
		struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
		nanosleep(&ts, NULL);
	}
	do /* past ones, had the loop been late by a period, are skipped */
		s->stall_at += s->stall.every_ns;
	while (s->stall_at <= wl_now_ns());
}

/* The stall's timer: at its time, unless an fd callback began it already. */
static void on_stall(loop *l, void *arg)
{
	srv *s = arg;
	stall_if_due(s);
	if (loop_timer(l, s->stall_at, on_stall, s) < 0)
		loop_stop(l);
}

static void conn_free(conn *c)
{
	srv *s = c->s;
	loop_cancel(s->l, c->timer);
	loop_watch_close(s->l, c->hc.fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->live = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

static int arm(conn *c, uint64_t deadline)
{
	loop_cancel(c->s->l, c->timer);
	c->armed = deadline;
	c->timer = loop_timer(c->s->l, deadline, on_deadline, c);
	return c->timer < 0 ? -1 : 0;
}

/* Do what a step said: wait for its fd and deadline, or end. */
static void follow(conn *c, int rc, const wl_wait *w)
{
	srv *s = c->s;
	int events =
		(w->events & (WL_READ | WL_WRITE)) | (w->events & HTTPSERVER_HUP ? LOOP_HUP : 0);
	if (rc == WL_STEP_WAIT) {
		c->deadline = w->deadline_ns;
		if (loop_watch(s->l, c->hc.fd, events, on_conn, c) == 0 &&
		    ((c->timer && c->armed <= c->deadline) || arm(c, c->deadline) == 0))
			return;
		httpserver_close(&s->hs, &c->hc); /* out of memory or fds */
	}
	conn_free(c);
}

static void on_conn(loop *l, int fd, int ready, void *arg)
{
	conn *c = arg;
	wl_wait w;
	int r = (ready & (WL_READ | WL_WRITE)) | (ready & LOOP_HUP ? HTTPSERVER_HUP : 0);
	stall_if_due(c->s);
	follow(c, httpserver_step(&c->s->hs, &c->hc, r, &w), &w);
}

static void on_deadline(loop *l, void *arg)
{
	conn *c = arg;
	wl_wait w;
	c->timer = 0;
	if (wl_now_ns() < c->deadline) { /* it moved on since the timer was armed */
		if (arm(c, c->deadline) < 0) {
			httpserver_close(&c->s->hs, &c->hc);
			conn_free(c);
		}
		return;
	}
	follow(c, httpserver_step(&c->s->hs, &c->hc, WL_TIMEOUT, &w), &w);
}

static void on_listen(loop *l, int fd, int ready, void *arg);

static void on_resume(loop *l, void *arg)
{
	srv *s = arg;
	s->paused = 0;
	loop_watch(l, s->lfd, WL_READ, on_listen, s);
}

/* Out of fds or memory: stop watching the listening socket for a moment,
 * or its pending connections would wake us in a busy loop. */
static void accept_pause(srv *s)
{
	if (s->paused)
		return;
	s->paused = 1;
	loop_watch(s->l, s->lfd, 0, NULL, NULL);
	loop_timer(s->l, wl_now_ns() + ACCEPT_PAUSE_NS, on_resume, s);
}

static void on_listen(loop *l, int lfd, int ready, void *arg)
{
	static const int one = 1;
	srv *s = arg;
	stall_if_due(s);
	for (int k = 0; k < 64; k++) { /* then let the others have a turn */
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				accept_pause(s);
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			return; /* EAGAIN: no more waiting */
		}
		/* answers go out whole, so Nagle would only add delayed-ACK stalls */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		conn *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			accept_pause(s);
			return;
		}
		wl_wait w;
		c->s = s;
		c->next = s->live;
		if (s->live)
			s->live->prev = c;
		s->live = c;
		httpserver_open(&s->hs, &c->hc, fd, &w);
		follow(c, WL_STEP_WAIT, &w);
	}
}

static void on_tick(loop *l, void *arg)
{
	srv *s = arg;
	if (*s->stop || loop_timer(l, wl_now_ns() + TICK_NS, on_tick, s) < 0)
		loop_stop(l);
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

/* The listening socket, as the serve workload opens its own. */
static int open_listener(srv *s, const char *spec, char *err, size_t errlen)
{
	s->lfd = servesock_listen(spec, err, errlen);
	return s->lfd < 0 ? -1 : 0;
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

static void srv_free(srv *s)
{
	while (s->live) {
		httpserver_close(&s->hs, &s->live->hc);
		conn_free(s->live);
	}
	loop_free(s->l);
	if (s->lfd >= 0)
		close(s->lfd);
	free(s);
}

int target_serve(const char *listen, volatile sig_atomic_t *stop, FILE *announce, char *err,
		 size_t errlen)
{
	return target_serve_stalling(listen, NULL, stop, announce, err, errlen);
}

int target_serve_stalling(const char *listen, const target_stall *stall,
			  volatile sig_atomic_t *stop, FILE *announce, char *err, size_t errlen)
{
	static volatile sig_atomic_t never;
	srv *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->stop = stop ? stop : &never;
	s->lfd = -1;
	if (stall && stall->stall_ns > 0 && stall->stall_ns < stall->every_ns)
		s->stall = *stall;
	raise_nofile();
	if (open_listener(s, listen, err, errlen) < 0 ||
	    !(s->l = loop_new(&loop_backend_epoll, 1024, 1024, err, errlen))) {
		srv_free(s);
		return -1;
	}
	int rc = loop_watch(s->l, s->lfd, WL_READ, on_listen, s);
	int64_t tick = rc < 0 ? rc : loop_timer(s->l, wl_now_ns(), on_tick, s);
	if (tick >= 0 && s->stall.every_ns) { /* listening began with the loop */
		s->stall_at = wl_now_ns() + s->stall.every_ns;
		tick = loop_timer(s->l, s->stall_at, on_stall, s);
	}
	if (tick < 0) {
		snprintf(err, errlen, "epoll: %s", strerror((int)-tick));
		srv_free(s);
		return -1;
	}
	if (announce) {
		char addr[80];
		address_text(s->lfd, addr, sizeof addr);
		fprintf(announce, "listening on %s\n", addr);
		fflush(announce);
	}
	rc = loop_run(s->l);
	if (rc < 0)
		snprintf(err, errlen, "%s", loop_error(s->l)[0] ? loop_error(s->l) : strerror(-rc));
	srv_free(s);
	return rc < 0 ? -1 : 0;
}
