/*
 * servegate.h - the accept baton of the serve workload's tasks that share
 * one thread (an event loop's, or coroutines'): one of them at a time waits
 * on the listening socket, the others in line, each on a bell of its own.
 */
#ifndef CB_SERVEGATE_H
#define CB_SERVEGATE_H

typedef struct servegate_node servegate_node;
struct servegate_node {
	servegate_node *next; /* in line */
	int bell;             /* an eventfd the turn rings; -1: none */
	int queued;           /* in line */
	int holder;           /* its turn: it waits on the listening socket */
};

typedef struct {
	int busy; /* a task holds the turn */
	servegate_node *first, *last;
} servegate;

/* A zeroed node wants to accept: 1 when the turn is its own now, 0 when it
 * is in line (wait for n->bell to be readable), -errno when no bell could
 * be made. */
int servegate_join(servegate *g, servegate_node *n);
/* n's bell rang, or a wait on it ended: 1 when the turn is n's now (the
 * bell drained), 0 when it is still in line. */
int servegate_woken(servegate_node *n);
/* n is done with accepting (it accepted, or it ends): out of the line, or
 * its turn goes to the first in line, whose bell rings. Its bell stays
 * open: the caller closes it once no loop watches it. */
void servegate_leave(servegate *g, servegate_node *n);

#endif
