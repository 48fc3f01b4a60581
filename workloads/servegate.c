/*
 * servegate.c - the accept baton: no thundering herd on one thread.
 *
 * Tasks that wait to accept, each on its own dup of the listening socket,
 * are all woken by each new connection, and all but one find nothing: on
 * an event loop with C tasks in flight, C callbacks and accept4 calls per
 * connection - milliseconds at C = 1000. Tasks that share one thread need
 * not race: here one holds the turn and waits on the socket, the others
 * wait in line, each on an eventfd of its own that no connection wakes.
 * A task that accepted (or ends) hands the turn to the first in line by
 * ringing its bell: a write, a wake-up and a registration per connection.
 * It is the event-loop form of Apache's accept mutex; the blocking models
 * take that mutex itself (serve.c), across threads and processes.
 *
 * Everything here runs on the one thread the tasks share: no locks.
 */
#define _GNU_SOURCE
#include "workloads/servegate.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

int servegate_join(servegate *g, servegate_node *n)
{
	n->bell = -1;
	if (!g->busy) {
		g->busy = n->holder = 1;
		return 1;
	}
	if ((n->bell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	n->next = NULL;
	n->queued = 1;
	if (g->last)
		g->last->next = n;
	else
		g->first = n;
	g->last = n;
	return 0;
}

int servegate_woken(servegate_node *n)
{
	uint64_t v;
	if (n->queued)
		return 0;
	if (n->bell >= 0)
		while (read(n->bell, &v, sizeof v) < 0 && errno == EINTR)
			;
	return 1;
}

void servegate_leave(servegate *g, servegate_node *n)
{
	if (n->queued) { /* out of the line, wherever it stands */
		servegate_node **p = &g->first, *prev = NULL;
		while (*p && *p != n)
			prev = *p, p = &(*p)->next;
		if (*p)
			*p = n->next;
		if (g->last == n)
			g->last = prev;
		n->queued = 0;
		return;
	}
	if (!n->holder)
		return;
	n->holder = 0;
	servegate_node *h = g->first;
	if (!h) {
		g->busy = 0;
		return;
	}
	g->first = h->next;
	if (!g->first)
		g->last = NULL;
	h->queued = 0;
	h->holder = 1;
	uint64_t one = 1;
	while (write(h->bell, &one, sizeof one) < 0 && errno == EINTR)
		;
}
