/*
 * epoll.c - the epoll backend, and the "epoll" model on it.
 *
 * epoll (Linux 2.6, 2002) keeps the interest list in the kernel: an fd is
 * added once (epoll_ctl) and stays, and a wait returns only the fds that
 * are ready, so a round costs O(ready), not O(watched). That is what lets
 * one thread hold 100,000 mostly idle connections: nginx, Redis, HAProxy,
 * libuv (Node.js) and asyncio's default loop on Linux all sit on it (BSD's
 * kqueue is the same idea). What it costs: a system call for every change
 * of interest, which a loop with short-lived fds pays per task, so with few
 * fds poll can be as fast; and Linux only.
 *
 * Level-triggered (the default) reports an fd as long as it is ready, like
 * poll. Option et=1 asks for edge-triggered (EPOLLET): an fd is reported
 * once per change, which saves wake-ups but obliges the task to read or
 * write until EAGAIN each time (see loop_run_tasks in looptasks.c).
 *
 * Option loops=K runs K such loops, each on a thread of its own with its
 * own epoll fd, sharing the run's tasks (loopgroup.c): a loop per core, the
 * shape of nginx's worker processes, of Node.js or uvloop behind gunicorn's
 * workers, of Seastar's shard per core. CPU-bound work then uses every core.
 * What it costs is sharing nothing: a loop's slow tasks cannot move to an
 * idle one, and each loop needs a listener of its own (SO_REUSEPORT, Linux
 * 3.9, lets the kernel spread connections: serve:reuseport=1) or a turn at
 * a shared one (the default).
 */
#define _GNU_SOURCE
#include "models/epoll.h"
#include "models/loopgroup.h"
#include "models/looptasks.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

typedef struct {
	int epfd, et;
	struct epoll_event *buf;
	int cap;
} ep_state;

/* Whether the kernel lacks epoll_pwait2 (Linux < 5.11, or valgrind): a fact
 * about the machine, learnt once per process rather than once per loop. The
 * fallback, epoll_wait, counts in whole milliseconds. */
static atomic_int no_pwait2;

static int ep_create(loop *l, size_t max_fds, char *err, size_t errlen, int et)
{
	ep_state *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "epoll: out of memory");
		return -1;
	}
	s->et = et;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		int e = errno;
		snprintf(err, errlen, "epoll: epoll_create1: %s", strerror(e));
		free(s);
		errno = e;
		return -1;
	}
	loop_set_backend_state(l, s);
	return 0;
}

static int ep_create_lt(loop *l, size_t max_fds, char *err, size_t errlen)
{
	return ep_create(l, max_fds, err, errlen, 0);
}

static int ep_create_et(loop *l, size_t max_fds, char *err, size_t errlen)
{
	return ep_create(l, max_fds, err, errlen, 1);
}

static void ep_destroy(loop *l)
{
	ep_state *s = loop_backend_state(l);
	close(s->epfd);
	free(s->buf);
	free(s);
}

static int ep_set(loop *l, int fd, int old, int now)
{
	ep_state *s = loop_backend_state(l);
	struct epoll_event e = { .data.fd = fd };
	int op = !now ? EPOLL_CTL_DEL : old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	e.events = (now & WL_READ ? EPOLLIN : 0) | (now & WL_WRITE ? EPOLLOUT : 0) |
		   (now & LOOP_HUP ? EPOLLRDHUP : 0) | (s->et ? EPOLLET : 0);
	if (epoll_ctl(s->epfd, op, fd, &e) == 0)
		return 0;
	/* Closing an fd removes it from the set: nothing left to delete; and
	 * a number closed and reused since is new to the set. */
	if (op == EPOLL_CTL_DEL && (errno == EBADF || errno == ENOENT))
		return 0;
	if (op == EPOLL_CTL_MOD && errno == ENOENT &&
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e) == 0)
		return 0;
	if (op == EPOLL_CTL_ADD && errno == EEXIST &&
	    epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &e) == 0)
		return 0;
	int err = errno;
	if (err == ENOSPC)
		loop_set_error(l, "epoll: fd %d: ENOSPC: past fs.epoll.max_user_watches", fd);
	else
		loop_set_error(l, "epoll: epoll_ctl fd %d: %s", fd, strerror(err));
	return -err;
}

static int ep_wait(loop *l, int64_t timeout_ns, loop_event *ev, int max)
{
	ep_state *s = loop_backend_state(l);
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
	int n = -1;

	if (max > s->cap) {
		struct epoll_event *b = realloc(s->buf, (size_t)max * sizeof *b);
		if (!b) {
			loop_set_error(l, "epoll: out of memory for %d events", max);
			return -ENOMEM;
		}
		s->buf = b;
		s->cap = max;
	}
	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		n = epoll_pwait2(s->epfd, s->buf, max, timeout_ns < 0 ? NULL : &ts, NULL);
		if (n < 0 && errno == ENOSYS)
			atomic_store_explicit(&no_pwait2, 1, memory_order_relaxed);
	}
	if (atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		/* Round up: waking before the deadline would spin. */
		int64_t ms = timeout_ns < 0 ? -1 : (timeout_ns + 999999) / 1000000;
		n = epoll_wait(s->epfd, s->buf, max, ms > 1000000000 ? 1000000000 : (int)ms);
	}
	if (n < 0) {
		int err = errno;
		if (err == EINTR)
			return 0;
		loop_set_error(l, "epoll: epoll_wait: %s", strerror(err));
		return -err;
	}
	/* O(ready): only the ready fds come back. An error or hang-up makes the
	 * fd ready for whatever it waits for; the loop masks the rest. */
	for (int k = 0; k < n; k++) {
		uint32_t e = s->buf[k].events;
		if (e & (EPOLLERR | EPOLLHUP))
			e |= EPOLLIN | EPOLLOUT | EPOLLRDHUP;
		ev[k] = (loop_event){ s->buf[k].data.fd, (e & EPOLLIN ? WL_READ : 0) |
								 (e & EPOLLOUT ? WL_WRITE : 0) |
								 (e & EPOLLRDHUP ? LOOP_HUP : 0) };
	}
	return n;
}

const loop_backend loop_backend_epoll = {
	.name = "epoll",
	.create = ep_create_lt,
	.destroy = ep_destroy,
	.set = ep_set,
	.wait = ep_wait,
	.forgets_closed = 1,
};

const loop_backend loop_backend_epoll_et = {
	.name = "epoll",
	.create = ep_create_et,
	.destroy = ep_destroy,
	.set = ep_set,
	.wait = ep_wait,
	.forgets_closed = 1,
};

static const model_opt_def epoll_opts[] = {
	{ "et", 0, "0", 0, 1, "1: edge-triggered (EPOLLET)", NULL },
	LOOPGROUP_OPT,
	{ 0 },
};

static const loop_backend *epoll_backend(const model_run *r)
{
	return model_opt(r->model, "et") ? &loop_backend_epoll_et : &loop_backend_epoll;
}

static int epoll_run(model_run *r)
{
	return loop_run_tasks(r, epoll_backend(r));
}

/* Before t0: the loop and its lanes (a warm executor, looptasks.c). */
static int epoll_prepare(model_run *r)
{
	return loop_tasks_prepare(r, epoll_backend(r));
}

const model_kind model_epoll = {
	.name = "epoll",
	.summary = "event loop on epoll: O(ready) per round (et=1: edge-triggered; loops=K: "
		   "one per core)",
	.opts = epoll_opts,
	.run = epoll_run,
	.prepare = epoll_prepare,
};
