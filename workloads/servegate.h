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
	int rung;             /* its bell rang and was not read yet */
};

#define SERVEGATE_BELLS 64

typedef struct {
	int busy; /* a task holds the turn */
	servegate_node *first, *last;
	/* What the turns reuse, as their system calls cost more than the
	 * accept: the holders' one dup of the listening socket (+1; 0: none
	 * yet) and the bells no task holds now. Zeroed: nothing yet. */
	int lfd1;
	int nbells;
	int bells[SERVEGATE_BELLS];
} servegate;

/* A zeroed node wants to accept: 1 when the turn is its own now, 0 when it
 * is in line (wait for n->bell to be readable: one of the gate's spare
 * bells, or a new eventfd), -errno when no bell could be made. */
int servegate_join(servegate *g, servegate_node *n);
/* n's bell rang, or a wait on it ended: 1 when the turn is n's now (the
 * bell drained), 0 when it is still in line. */
int servegate_woken(servegate_node *n);
/* n is done with accepting (it accepted, or it ends): out of the line, or
 * its turn goes to the first in line, whose bell rings. Its bell stays
 * open: the caller closes it once no loop watches it. */
void servegate_leave(servegate *g, servegate_node *n);
/* The holder's dup of the listening socket `listen`, the same for every
 * holder (made at the first call): >= 0, or -errno. Only one task at a
 * time waits on it, so one registration on a loop serves them all in turn;
 * it stays open until servegate_close. g NULL: a new dup, the caller's. */
int servegate_dup(servegate *g, int listen);
/* n is done with its bell, and no loop watches it any more: drained if it
 * rang unread, back among the spares (closed if there is no room, or g is
 * NULL). */
void servegate_bell_done(servegate *g, servegate_node *n);
/* Close the dup and the spare bells (the gate's run is over). */
void servegate_close(servegate *g);

#endif
