/*
 * client.c - a load run (see client.h): a thread per -t, each with its
 * share of the connections (conn.c), started together at one t0 a little
 * ahead, joined, and their histograms and counts merged into one result.
 */
#define _GNU_SOURCE
#include "harness/load/client.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness/load/conn.h"

/* Room for every connection's fd: raise the soft limit to the hard one. */
static int enough_fds(unsigned conns, char *err, size_t errlen)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)conns + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur >= need)
		return 0;
	snprintf(err, errlen,
		 "%u connections need %llu file descriptors; the limit is %llu "
		 "(raise it: ulimit -n %llu, or LimitNOFILE= for a service)",
		 conns, (unsigned long long)need, (unsigned long long)rl.rlim_max,
		 (unsigned long long)need);
	return -1;
}

int load_run(const load_cfg *c, load_result *r, char *err, size_t errlen)
{
	unsigned nt = c->threads ? c->threads : 1, started = 0;
	lthread *th = calloc(nt, sizeof *th);
	lconn *conns = calloc(c->conns, sizeof *conns);
	_Atomic uint64_t tickets = 0;
	load_body body = { 0 };
	int rc = 0;

	if (c->expect_set) { /* the reference is known before the first reply */
		body.digest = c->expect;
		atomic_store(&body.state, 2);
	}

	if (c->idle && (c->idle >= c->conns || !c->duration_ns)) {
		snprintf(err, errlen,
			 "%u idle connections need more connections than that (%u) "
			 "and a duration",
			 c->idle, c->conns);
		rc = -1;
	} else if (enough_fds(c->conns, err, errlen) < 0)
		rc = -2;
	else if (!th || !conns) {
		snprintf(err, errlen, "out of memory for %u connections", c->conns);
		rc = -1;
	}
	/* t0 a little ahead, so every thread is up before the first request */
	uint64_t t0 = wl_now_ns() + 20000000ull, t_measure = t0 + c->warmup_ns;
	for (unsigned i = 0, first = 0; rc == 0 && i < nt; i++) {
		unsigned n = c->conns / nt + (i < c->conns % nt);
		th[i] = (lthread){ .c = c,
				   .conn = conns + first,
				   .nconn = n,
				   .first = first,
				   .t0 = t0,
				   .t_measure = t_measure,
				   .tickets = &tickets,
				   .body = &body };
		th[i].t_end = c->duration_ns ? t_measure + c->duration_ns : 0;
		first += n;
		if (load_result_init(&th[i].res, c->exact) < 0) {
			snprintf(err, errlen, "out of memory for the histograms");
			rc = -1;
		} else if ((errno = pthread_create(&th[i].tid, NULL, load_conn_thread, &th[i]))) {
			snprintf(err, errlen, "pthread_create: %s", strerror(errno));
			load_result_free(&th[i].res);
			rc = -1;
		} else {
			started++;
		}
	}
	uint64_t last = 0;
	for (unsigned i = 0; i < started; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].rc && !rc) {
			snprintf(err, errlen, "%s", th[i].err);
			rc = -1;
		}
		if (load_result_merge(r, &th[i].res) < 0 && !rc) {
			snprintf(err, errlen, "out of memory merging the histograms");
			rc = -1;
		}
		last = th[i].last_done > last ? th[i].last_done : last;
		load_result_free(&th[i].res);
	}
	uint64_t end = last, now = wl_now_ns();
	if (c->duration_ns)
		end = r->interrupted && now < t_measure + c->duration_ns
			      ? now
			      : t_measure + c->duration_ns;
	r->body_checked = c->check_body && atomic_load(&body.state) == 2;
	r->body_digest = body.digest;
	r->window_s = end > t_measure ? (double)(end - t_measure) / 1e9 : 0;
	free(th);
	free(conns);
	return rc;
}
