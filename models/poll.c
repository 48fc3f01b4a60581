/*
 * poll.c - the poll() backend, and the "poll" model on it.
 *
 * poll() (System V, 1986; POSIX) fixes select's worst flaws: the caller
 * passes an array of {fd, events} and gets revents back, so any fd number
 * works and the cost follows the number of fds watched, not the highest fd.
 * It is the portable workhorse: Python's selectors.PollSelector, curl's
 * multi interface, OpenSSH, and countless daemons with a few dozen fds.
 * What it costs: the whole array crosses into the kernel on every call and
 * the kernel checks every entry, so a round is O(n) in the fds watched, not
 * in the fds ready: with 10,000 idle connections and one busy one, each
 * wake-up still touches all 10,000. Then the caller scans the array again.
 *
 * Here the array is kept dense (a removed entry is filled by the last one),
 * with a map from fd to its index. ppoll() is poll() with a nanosecond
 * timeout, so timers are as precise here as on the other backends.
 * The model: loop_run_tasks on this backend (see looptasks.c).
 */
#define _GNU_SOURCE
#include "models/poll.h"
#include "models/looptasks.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	struct pollfd *pfd; /* dense: [0, n) */
	size_t n, cap;
	int *at; /* fd -> index in pfd, or -1 */
	size_t nat;
} poll_state;

static int poll_create(loop *l, size_t max_fds, char *err, size_t errlen)
{
	poll_state *s = calloc(1, sizeof *s);
	size_t cap = max_fds < 16 ? 16 : max_fds;

	if (s) {
		s->cap = s->nat = cap;
		s->pfd = malloc(cap * sizeof *s->pfd);
		s->at = malloc(cap * sizeof *s->at);
	}
	if (!s || !s->pfd || !s->at) {
		snprintf(err, errlen, "poll: out of memory for %zu fds", max_fds);
		if (s) {
			free(s->pfd);
			free(s->at);
		}
		free(s);
		return -1;
	}
	memset(s->at, -1, cap * sizeof *s->at);
	loop_set_backend_state(l, s);
	return 0;
}

static void poll_destroy(loop *l)
{
	poll_state *s = loop_backend_state(l);
	free(s->pfd);
	free(s->at);
	free(s);
}

static short to_poll(int events)
{
	return (short)((events & WL_READ ? POLLIN : 0) | (events & WL_WRITE ? POLLOUT : 0));
}

/* Make room for fd in the map and one more entry in the array. */
static int reserve(poll_state *s, int fd)
{
	if ((size_t)fd >= s->nat) {
		size_t n = s->nat * 2 > (size_t)fd ? s->nat * 2 : (size_t)fd + 1;
		int *at = realloc(s->at, n * sizeof *at);
		if (!at)
			return -ENOMEM;
		memset(at + s->nat, -1, (n - s->nat) * sizeof *at);
		s->at = at;
		s->nat = n;
	}
	if (s->n == s->cap) {
		struct pollfd *p = realloc(s->pfd, 2 * s->cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		s->pfd = p;
		s->cap *= 2;
	}
	return 0;
}

static int poll_set(loop *l, int fd, int old, int now)
{
	poll_state *s = loop_backend_state(l);
	int i = (size_t)fd < s->nat ? s->at[fd] : -1, rc;

	if (now && i >= 0) {
		s->pfd[i].events = to_poll(now);
	} else if (now) {
		if ((rc = reserve(s, fd)) < 0) {
			loop_set_error(l, "poll: out of memory for fd %d", fd);
			return rc;
		}
		s->pfd[s->n] = (struct pollfd){ .fd = fd, .events = to_poll(now) };
		s->at[fd] = (int)s->n++;
	} else if (i >= 0) {
		s->pfd[i] = s->pfd[--s->n];
		s->at[s->pfd[i].fd] = i;
		s->at[fd] = -1;
	}
	return 0;
}

static int poll_wait(loop *l, int64_t timeout_ns, loop_event *ev, int max)
{
	poll_state *s = loop_backend_state(l);
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
	int n = ppoll(s->pfd, s->n, timeout_ns < 0 ? NULL : &ts, NULL);

	if (n < 0) {
		int err = errno;
		if (err == EINTR)
			return 0;
		loop_set_error(l, "poll: %s", strerror(err));
		return -err;
	}
	/* The O(n) scan: poll says how many, the caller finds which. An error
	 * or hang-up makes the fd ready for whatever it waits for, so the task
	 * sees it on its next read or write. */
	int k = 0;
	for (size_t i = 0; i < s->n && k < n && k < max; i++) {
		short re = s->pfd[i].revents, want = s->pfd[i].events;
		int ready = 0;
		if (!re)
			continue;
		if (re & (POLLERR | POLLHUP | POLLNVAL))
			re |= want;
		ready = (re & POLLIN ? WL_READ : 0) | (re & POLLOUT ? WL_WRITE : 0);
		if (ready)
			ev[k++] = (loop_event){ s->pfd[i].fd, ready };
	}
	return k;
}

const loop_backend loop_backend_poll = {
	.name = "poll",
	.create = poll_create,
	.destroy = poll_destroy,
	.set = poll_set,
	.wait = poll_wait,
};

static int poll_run(model_run *r)
{
	return loop_run_tasks(r, &loop_backend_poll);
}

static int poll_prepare(model_run *r)
{
	return loop_tasks_prepare(r, &loop_backend_poll); /* warm: looptasks.c */
}

const model_kind model_poll = {
	.name = "poll",
	.summary = "event loop on poll(): any fd number, O(fds watched) per round",
	.opts = NULL,
	.run = poll_run,
	.prepare = poll_prepare,
};
