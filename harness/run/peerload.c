/* peerload.c - the load a server run is measured under (see peerload.h). */
#define _GNU_SOURCE
#include "harness/run/peerload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <hwloc.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/load/client.h"
#include "harness/run/cpus.h"

struct peerload {
	load_cfg c;
	load_result res;
	int listen_fd, rc;
	volatile sig_atomic_t stop;
	hwloc_topology_t topo;
	hwloc_bitmap_t cpus; /* where the load runs; NULL: anywhere */
	char err[256];
	pthread_t tid;
};

int peerload_listen(size_t backlog, int *port, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int n = backlog > 65535 ? 65535 : backlog < 128 ? 128 : (int)backlog;
	static const int one = 1;

	/* so that serve:reuseport=1 can bind siblings to it; harmless otherwise:
	 * a port the kernel picks (0) is never one another socket's group holds,
	 * and only a socket of the same user with the option can join ours */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, n) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		snprintf(err, errlen, "the server run's listening socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void *load_main(void *arg)
{
	peerload *pl = arg;
	if (pl->cpus)
		hwloc_set_cpubind(pl->topo, pl->cpus, HWLOC_CPUBIND_THREAD);
	pl->rc = load_run(&pl->c, &pl->res, pl->err, sizeof pl->err);
	/* Connections the server has not accepted yet (a model with fewer
	 * workers than connections) wait in the accept queue, their client
	 * gone: let the run take them first (each ends at once), then shut the
	 * socket, so a task still waiting to accept gets EINVAL and ends. A
	 * listening socket's tcpi_unacked is its accept queue's length. */
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	while (!pl->stop && getsockopt(pl->listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	       ti.tcpi_unacked > 0)
		usleep(2000);
	shutdown(pl->listen_fd, SHUT_RDWR);
	return NULL;
}

peerload *peerload_start(const run_peer *p, size_t conns, int listen_fd, int port,
			 const void *topology, const void *run_cpus, char *err, size_t errlen)
{
	char url[256];
	peerload *pl = calloc(1, sizeof *pl);
	if (!pl) {
		snprintf(err, errlen, "out of memory for the load");
		return NULL;
	}
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, p->path ? p->path : "/");
	if (httpcfg_url(&pl->c.http, url, "the load's URL", err, errlen) < 0) {
		free(pl);
		return NULL;
	}
	pl->c.http.keepalive = pl->c.http.hold = 1;
	pl->c.http.timeout_ms = 10000;
	pl->c.conns = (unsigned)conns;
	pl->c.threads = 1;
	pl->c.rate = p->rate;
	pl->c.duration_ns = p->duration_ns;
	pl->c.requests = p->requests;
	pl->c.idle = (unsigned)p->idle;
	/* the idle connections open and speak during a first second not measured */
	pl->c.warmup_ns = p->idle ? 1000000000u : 0;
	pl->c.exact = p->requests && p->requests <= 1000000;
	pl->c.check_body = 1;       /* every answer the same work's digest */
	pl->c.count_unfinished = 1; /* a connection never served shows in the tail */
	pl->c.stop = &pl->stop;
	pl->listen_fd = listen_fd;
	pl->topo = (hwloc_topology_t)topology;
	pl->cpus = cpus_spare(pl->topo, run_cpus);
	if (load_result_init(&pl->res, pl->c.exact) < 0 ||
	    (errno = pthread_create(&pl->tid, NULL, load_main, pl))) {
		snprintf(err, errlen, "cannot start the load: %s",
			 strerror(errno ? errno : ENOMEM));
		load_result_free(&pl->res);
		if (pl->cpus)
			hwloc_bitmap_free(pl->cpus);
		free(pl);
		return NULL;
	}
	return pl;
}

void peerload_stop(peerload *pl)
{
	pl->stop = 1;
}

int peerload_finish(peerload *pl, res_run *r, char *why, size_t whylen)
{
	load_result *x = &pl->res;
	int limit;
	pthread_join(pl->tid, NULL);
	snprintf(why, whylen, "%s", pl->rc < 0 ? pl->err : "");
	r->rate_requested = pl->c.rate > 0 ? pl->c.rate : NAN;
	r->client_errors = (long)load_result_errors(x);
	r->client_requests = (long)x->ok + r->client_errors;
	r->client_unfinished = (long)x->unfinished;
	r->client_idle = (long)pl->c.idle;
	r->client_rps = x->window_s > 0 ? (double)r->client_requests / x->window_s : NAN;
	int any = x->corrected.n > 0; /* ok replies, and the unfinished' waits */
	r->client_p50_s = any ? (double)load_hist_value_at(&x->corrected, 50) / 1e9 : NAN;
	r->client_p90_s = any ? (double)load_hist_value_at(&x->corrected, 90) / 1e9 : NAN;
	r->client_p99_s = any ? (double)load_hist_value_at(&x->corrected, 99) / 1e9 : NAN;
	r->client_max_s = any ? (double)x->corrected.max / 1e9 : NAN;
	r->client_p99_uncorrected_s =
		x->uncorrected.n ? (double)load_hist_value_at(&x->uncorrected, 99) / 1e9 : NAN;
	if (x->body_checked && x->ok)
		snprintf(r->body_digest, sizeof r->body_digest, "%016llx",
			 (unsigned long long)x->body_digest);
	load_result_free(x);
	if (pl->cpus)
		hwloc_bitmap_free(pl->cpus);
	limit = pl->rc == -2;
	free(pl);
	return limit;
}
