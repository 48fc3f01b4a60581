/*
 * servelisten.h - serve:reuseport=1: a listening socket per loop thread,
 * all in one SO_REUSEPORT group, and the accept that takes a connection
 * from whichever of them has one (servelisten.c).
 */
#ifndef CB_SERVELISTEN_H
#define CB_SERVELISTEN_H

#include <stdint.h>

#define SERVELISTEN_MAX 1024 /* as many as loops=K allows; more share listener 0 */

/* How long a task waiting to accept waits on its own listener before it
 * looks at the others again: a connection the kernel queued on a loop that
 * has no task left to take it waits at most this long (see servelisten.c). */
#define SERVELISTEN_RESCAN_NS 5000000ull /* 5 ms */

typedef struct servelisten servelisten;

/* A run's table around its listening socket fd (listener 0), or NULL when
 * out of memory. Threads of one process share it. */
servelisten *servelisten_new(int fd);
/* After the run: close the listeners it opened (never listener 0), free. */
void servelisten_free(servelisten *ls);
/* For the calling thread: a listener of its own beside listener 0 (same
 * address, SO_REUSEPORT): its index, or 0 when none could be made (the
 * thread shares listener 0; counted, with the first reason in why). */
int servelisten_open(servelisten *ls);
/* The fd of listener i (-1: none). */
int servelisten_fd(const servelisten *ls, int i);

/* A connection for a task of listener own, waiting on lfd (a dup of its
 * listener): accepted from lfd, or else, with ls, from any other listener
 * (non-blocking, each in turn). The connection's fd (non-blocking,
 * close-on-exec), -EAGAIN when none has one, -EINVAL when listener 0 (or
 * lfd) was shut and none has one: the run is over, or -errno. */
int servelisten_take(servelisten *ls, int own, int lfd);

/* What /stats and serve_listeners report: listeners made (1 + those
 * opened), threads that share listener 0 for want of their own, the fewest
 * and most connections accepted from one listener, and (accepts, unless
 * NULL) those accepted from each of the first max listeners. */
typedef struct {
	int listeners, shared;
	long accepts_min, accepts_max;
} servelisten_count;
servelisten_count servelisten_counts(const servelisten *ls, long *accepts, int max);
/* Why the first thread that wanted a listener of its own got none ("" if
 * none failed). */
const char *servelisten_why(const servelisten *ls);

#endif
