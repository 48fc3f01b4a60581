/*
 * conn.h - the connections of one load thread (conn.c): what each holds
 * and what its thread shares, for the run (client.c) that starts the
 * threads and merges what they measured.
 */
#ifndef CB_LOAD_CONN_H
#define CB_LOAD_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "harness/load/body.h"
#include "harness/load/client.h"
#include "harness/load/sched.h"
#include "models/loop.h"
#include "workloads/http/httpclient.h"

typedef struct lthread lthread;

/* One connection: its schedule and the request out on it. */
typedef struct {
	lthread *th;
	load_sched s;
	struct httpclient_task t;
	int fd, events; /* registered with the loop; fd -1: none */
	int64_t timer;  /* the deadline of the request out, or the next send */
	uint64_t armed; /* the timer's time */
	int busy;       /* a request is out */
	int measured;   /* and it counts */
	int done;       /* this connection sends no more */
	int idle;       /* one unmeasured request at the start, then quiet (idle) */
	int spoke;      /* an idle connection's request went out */
} lconn;

/* One thread: its loop, its connections, what they measured. */
struct lthread {
	const load_cfg *c;
	loop *l;
	lconn *conn;
	unsigned nconn, first;
	uint64_t t0, t_measure, t_end; /* t_end 0: no end time (-n) */
	uint64_t last_done;            /* the last measured completion */
	_Atomic uint64_t *tickets;
	load_body *body; /* check_body's reference, shared */
	int64_t tick, end_timer;
	unsigned active; /* connections not done */
	int ending;
	load_result res;
	char err[256];
	int rc;
	pthread_t tid;
};

/* A load thread's body (pthread_create's start routine): run th's
 * connections on a loop of their own until the run ends. */
void *load_conn_thread(void *th);

#endif
