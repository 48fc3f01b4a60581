/*
 * servelisten.c - serve:reuseport=1, nginx's `listen ... reuseport`: each
 * loop thread accepts on a listening socket of its own.
 *
 * With a loop per core sharing one listening socket, a new connection
 * wakes a waiter on every loop and all but one find EAGAIN. SO_REUSEPORT
 * (Linux 3.9) lets several sockets bind one address: the kernel puts each
 * new connection in one of their queues by a hash of the client's address
 * and port, so it wakes one loop only. The thread that ran the run's
 * begin() keeps the run's socket (listener 0); any other loop thread opens
 * a sibling when its first task starts (servesock_sibling) and registers
 * it here; the run's end closes them.
 *
 * The catch is that a task is one connection and a run has exactly N: the
 * kernel may queue a connection on a loop that has no task left to take
 * it, while another loop's tasks wait on an empty socket - a deadlock. So
 * the task that holds a loop's accept turn, finding its own listener empty,
 * tries every other one (a non-blocking accept4 each), and waits on its own
 * for at most SERVELISTEN_RESCAN_NS before it tries them again. Under load
 * its own listener is readable and none of this runs; a connection
 * stranded on a loop with no task waiting waits up to one such period.
 *
 * The table is shared by the threads of one process, which only add to it
 * (an fd is published once, closed only after the run): atomics, no lock.
 */
#define _GNU_SOURCE
#include "workloads/servelisten.h"
#include "workloads/servesock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct servelisten {
	atomic_int n;      /* listeners 0..n-1 (n past MAX: the rest share 0) */
	atomic_int shared; /* threads that share listener 0 for want of their own */
	atomic_flag why_taken;
	char why[160];
	struct {
		_Alignas(64) atomic_int fd; /* -1 until published */
		atomic_long accepts;        /* a line each: every loop counts its own */
	} l[SERVELISTEN_MAX];
};

servelisten *servelisten_new(int fd)
{
	servelisten *ls = aligned_alloc(64, sizeof *ls);

	if (!ls)
		return NULL;
	memset(ls, 0, sizeof *ls);
	atomic_flag_clear(&ls->why_taken);
	for (int i = 0; i < SERVELISTEN_MAX; i++)
		atomic_init(&ls->l[i].fd, -1);
	atomic_init(&ls->l[0].fd, fd);
	atomic_init(&ls->n, 1);
	return ls;
}

void servelisten_free(servelisten *ls)
{
	if (!ls)
		return;
	for (int i = 1; i < SERVELISTEN_MAX; i++)
		if (atomic_load(&ls->l[i].fd) >= 0)
			close(atomic_load(&ls->l[i].fd));
	free(ls);
}

static int count_of(const servelisten *ls)
{
	int n = atomic_load(&ls->n);
	return n < SERVELISTEN_MAX ? n : SERVELISTEN_MAX;
}

int servelisten_open(servelisten *ls)
{
	char err[128];
	int fd = servesock_sibling(servelisten_fd(ls, 0), err, sizeof err);

	if (fd >= 0) {
		int i = atomic_fetch_add(&ls->n, 1);
		if (i < SERVELISTEN_MAX) {
			atomic_store(&ls->l[i].fd, fd);
			return i;
		}
		close(fd);
		snprintf(err, sizeof err, "over %d listeners", SERVELISTEN_MAX);
	}
	atomic_fetch_add(&ls->shared, 1);
	if (!atomic_flag_test_and_set(&ls->why_taken))
		snprintf(ls->why, sizeof ls->why, "%s", err);
	return 0;
}

int servelisten_fd(const servelisten *ls, int i)
{
	return atomic_load(&ls->l[i].fd);
}

/* One non-blocking accept on fd: the connection, or -errno (-EAGAIN). */
static int take_one(int fd)
{
	int c;
	while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	return c;
}

static int took(servelisten *ls, int i, int fd)
{
	atomic_fetch_add_explicit(&ls->l[i].accepts, 1, memory_order_relaxed);
	return fd;
}

int servelisten_take(servelisten *ls, int own, int lfd)
{
	int rc = take_one(lfd), shut, n, fd;

	if (!ls || rc >= 0)
		return ls ? took(ls, own, rc) : rc;
	if (rc != -EAGAIN && rc != -EINVAL)
		return rc;
	shut = rc == -EINVAL;
	n = count_of(ls);
	/* the others, from the next one on: the loops do not all pile on one */
	for (int k = 1; k < n; k++) {
		int i = (own + k) % n;
		if ((fd = servelisten_fd(ls, i)) < 0)
			continue;
		if ((rc = take_one(fd)) >= 0)
			return took(ls, i, rc);
		if (rc == -EINVAL) /* shut: listener 0 by the harness, at the run's end */
			shut |= i == 0;
		else if (rc != -EAGAIN)
			return rc;
	}
	return shut ? -EINVAL : -EAGAIN;
}

servelisten_count servelisten_counts(const servelisten *ls, long *accepts, int max)
{
	servelisten_count k = { count_of(ls), atomic_load(&ls->shared), -1, 0 };

	for (int i = 0; i < k.listeners || (accepts && i < max); i++) {
		long a = i < k.listeners ? atomic_load(&ls->l[i].accepts) : 0;
		if (accepts && i < max)
			accepts[i] = a;
		if (i < k.listeners) {
			k.accepts_min = k.accepts_min < 0 || a < k.accepts_min ? a : k.accepts_min;
			k.accepts_max = a > k.accepts_max ? a : k.accepts_max;
		}
	}
	return k;
}

const char *servelisten_why(const servelisten *ls)
{
	return atomic_load(&ls->shared) ? ls->why : "";
}
