/*
 * serveconn.h - one connection of the serve workload, as a resumable state
 * machine: accept on the run's listening socket, read a request head, hand
 * the request out (or answer it itself), write the answer, and again until
 * the client closes.
 *
 * The machine knows sockets, not the work or the event loop: serve.c runs
 * the work between SERVECONN_WORK and serveconn_answer, and either drives
 * the machine straight-line through a wl_io (serve's run) or returns its
 * waits to a loop (serve's step). So the two forms cannot drift apart.
 *
 * Two APIs (serve's api=): digest, where every path is /work?seed=K and the
 * work of task K is done, answered with its digest; and target, the bundled
 * target's (workloads/http/httpreq.h): /work?delay_ms=D&size=S&seed=K
 * answered after a wait of D ms with S bytes of httpbody_fill(K), which the
 * machine does alone. /stats answers under both.
 *
 * Reading: a head must arrive within timeout_ns of the first wait for it,
 * however slowly it trickles in; a body is read and dropped, never past
 * its end. A delay is a wait, never a sleep: on the connection (a hang-up
 * ends it at once), or once pipelined bytes wait behind the request, on
 * the clock alone. Ending: a client that closes between requests ends the
 * task with what it did; one that leaves before any answer is the task's
 * error. After a Connection: close answer the machine shuts its side and
 * reads to the client's end (LINGER), so unread bytes do not turn the close
 * into a reset that destroys the answer. A client gone is an EPIPE (sends
 * use MSG_NOSIGNAL), never a SIGPIPE.
 */
#ifndef CB_SERVECONN_H
#define CB_SERVECONN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "workloads/servegate.h"
#include "workloads/servelisten.h"
#include "workloads/workload.h"

#define SERVECONN_IN     1024          /* a request head and pipelined bytes, at first */
#define SERVECONN_IN_MAX 8192          /* the target API's largest head; more is a 431 */
#define SERVECONN_LINGER 2000000000ull /* draining a connection we close */

/* What serveconn_step returns beside WL_STEP_WAIT and WL_STEP_DONE: a
 * request is in; run the work of task c->seed, then serveconn_answer. */
enum { SERVECONN_WORK = 3 };

enum { SERVECONN_DIGEST, SERVECONN_TARGET };

/* A server's live counters, as /stats reports them: in memory every
 * process of the run shares, so atomics. */
enum {
	SERVECONN_CONNECTIONS, /* accepted and not yet closed */
	SERVECONN_DELAYED,     /* waiting out a delay_ms */
	SERVECONN_REQUESTS,    /* answers begun */
};
typedef struct {
	atomic_long n[3]; /* by the names above */
	servelisten *ls;  /* reuseport=1: the listeners, their accepts; else NULL */
} serveconn_stats;

/* What every connection of a run shares. */
typedef struct {
	int api;                /* SERVECONN_DIGEST or SERVECONN_TARGET */
	uint64_t timeout_ns;    /* per request head, per answer, idle keep-alive */
	serveconn_stats *stats; /* NULL: nothing counted (/stats says 0) */
	servegate *gate;        /* the accept baton of gated tasks; NULL: none */
	servelisten *ls;        /* reuseport=1, gated tasks: every listener; else NULL */
	int li;                 /* with ls: the index of this thread's own listener */
} serveconn_cfg;

/* Zeroed before its first step; serve.c sets gated (and straight). */
typedef struct {
	const serveconn_cfg *cfg; /* set at the first step */
	int phase;
	int straight;                 /* driven by serve's run: no loop holds a registration */
	int gated;                    /* one of many tasks on one thread: take the accept baton */
	servegate_node gn;            /* its place at the baton */
	int breg;                     /* a loop may still watch gn.bell: close it only later */
	int listen;                   /* the listening socket, to dup when the turn comes */
	int lfd;                      /* this task's own dup of the listening socket, or -1 */
	int lreg;                     /* a loop may still watch lfd: close it only later */
	int fd;                       /* the connection, or -1 */
	int status, route;            /* of the request being answered */
	int keep, head_only, minor;   /* of the request being answered */
	int counted;                  /* in stats->connections */
	int delaying;                 /* in stats->delayed */
	int peeked;                   /* delayed, with pipelined bytes waiting: a timer only */
	int worked;                   /* the digest API's work was done once: digest is set */
	uint64_t deadline;            /* of the request being read or the answer written */
	uint64_t rescan;              /* with cfg->ls: when to look at the other listeners */
	uint64_t delay_ms, delay_end; /* the target API's delay, and when it ends */
	uint64_t seed;                /* the request's ?seed=K: the work's task index */
	uint64_t size;                /* the target API's ?size=S */
	uint64_t skip;                /* request body bytes still to read and drop */
	uint64_t nreq;                /* answers given */
	uint64_t digest;              /* the first request's work digest: the task's */
	uint64_t body_len, body_off;  /* of the answer being written */
	wl_result fail;               /* why the task ends with an error, if it does */
	uint32_t inlen, incap, outlen, outoff;
	char *in; /* incap bytes: the head being read, pipelined bytes */
	char out[320];
} serveconn;

/* One step: from a zeroed c with ready == 0 (accept on a dup of lfd), then
 * with what became ready (WL_READ, WL_WRITE, WL_TIMEOUT, or -errno: the
 * waiting failed). Returns WL_STEP_WAIT with *next filled, SERVECONN_WORK,
 * or WL_STEP_DONE with r filled and every fd closed and buffer freed. */
int serveconn_step(serveconn *c, const serveconn_cfg *cfg, int lfd, int ready, wl_wait *next,
		   wl_result *r);
/* The work of the request is done (res: its digest or error): queue the
 * answer. serveconn_step with ready == 0 writes it. */
void serveconn_answer(serveconn *c, const wl_result *res);
/* Tell the machine what the task returned to its loop (rc, *next): a wait
 * elsewhere lets the loop forget the listening dup, which may then close. */
int serveconn_returned(serveconn *c, int rc, const wl_wait *next);

#endif
