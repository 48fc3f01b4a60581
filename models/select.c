/*
 * select.c - the select() backend, and the "select" model on it.
 *
 * select() is the oldest readiness call (4.2BSD, 1983): hand the kernel
 * bitmaps of the fds you care about, sleep until one is ready, get the
 * bitmaps back with the ready bits left on. Old servers and portable code
 * use it; so does Python's selectors.SelectSelector, the fallback where
 * nothing better exists. It wins at a handful of fds: no kernel object to
 * set up, one call per round. What it costs: each call copies the bitmaps in
 * and out and both kernel and caller scan every fd up to the highest one,
 * O(maxfd) per round however few are ready; and the bitmaps are fixed at
 * FD_SETSIZE (1024) bits, so a process with more fds open simply cannot
 * watch the higher ones: this model stops with a limit there.
 *
 * The model: loop_run_tasks on this backend (see looptasks.c).
 */
#include "models/select.h"
#include "models/looptasks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

typedef struct {
	fd_set rd, wr; /* the interest; select() gets copies */
	int maxfd;     /* highest fd with any interest; -1: none */
} sel_state;

static int sel_create(loop *l, size_t max_fds, char *err, size_t errlen)
{
	sel_state *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "select: out of memory");
		return -1;
	}
	FD_ZERO(&s->rd);
	FD_ZERO(&s->wr);
	s->maxfd = -1;
	loop_set_backend_state(l, s);
	return 0;
}

static void sel_destroy(loop *l)
{
	free(loop_backend_state(l));
}

static int sel_set(loop *l, int fd, int old, int now)
{
	sel_state *s = loop_backend_state(l);

	if (fd >= FD_SETSIZE) {
		if (!now)
			return 0;
		loop_set_error(l,
			       "select: fd %d is past FD_SETSIZE (%d): select() cannot watch it; "
			       "use poll or epoll",
			       fd, FD_SETSIZE);
		return -EMFILE;
	}
	if (now & WL_READ)
		FD_SET(fd, &s->rd);
	else
		FD_CLR(fd, &s->rd);
	if (now & WL_WRITE)
		FD_SET(fd, &s->wr);
	else
		FD_CLR(fd, &s->wr);
	if (now && fd > s->maxfd)
		s->maxfd = fd;
	while (s->maxfd >= 0 && !FD_ISSET(s->maxfd, &s->rd) && !FD_ISSET(s->maxfd, &s->wr))
		s->maxfd--;
	return 0;
}

static int sel_wait(loop *l, int64_t timeout_ns, loop_event *ev, int max)
{
	sel_state *s = loop_backend_state(l);
	fd_set rd = s->rd, wr = s->wr;
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
	int n = pselect(s->maxfd + 1, &rd, &wr, NULL, timeout_ns < 0 ? NULL : &ts, NULL);

	if (n < 0) {
		int err = errno;
		if (err == EINTR)
			return 0;
		loop_set_error(l, "select: %s", strerror(err));
		return -err;
	}
	/* The O(maxfd) scan: select says how many, not which. */
	int k = 0;
	for (int fd = 0; fd <= s->maxfd && k < n && k < max; fd++) {
		int ready = (FD_ISSET(fd, &rd) ? WL_READ : 0) | (FD_ISSET(fd, &wr) ? WL_WRITE : 0);
		if (ready)
			ev[k++] = (loop_event){ fd, ready };
	}
	return k;
}

const loop_backend loop_backend_select = {
	.name = "select",
	.create = sel_create,
	.destroy = sel_destroy,
	.set = sel_set,
	.wait = sel_wait,
};

static int select_run(model_run *r)
{
	return loop_run_tasks(r, &loop_backend_select);
}

static int select_prepare(model_run *r)
{
	return loop_tasks_prepare(r, &loop_backend_select); /* warm: looptasks.c */
}

const model_kind model_select = {
	.name = "select",
	.summary = "event loop on select(): O(maxfd) per round, fds below FD_SETSIZE only",
	.opts = NULL,
	.run = select_run,
	.prepare = select_prepare,
};
