/*
 * conn.c - connections that send request after request, on the
 * project's one event loop (see client.h; the schedule is sched.c's;
 * client.c starts the threads and merges what they measured).
 *
 * A connection is a small driver around the HTTP client's resumable form,
 * as the epoll model drives any task: httpclient_step says which fd and
 * event it waits for next, with its deadline, and the connection registers
 * exactly that with the loop (a watch that stays set while the wait does
 * not change, so a keep-alive request costs send, epoll_wait and recv, as
 * in wrk). Between requests the connection is idle: at once in a closed
 * loop, until its next intended time (a timer) in an open loop. With
 * keep-alive the socket stays in the connection (httpcfg.hold); one that
 * turns readable while idle was closed by the server and is dropped, and
 * the next request connects again.
 *
 * The run ends when -n requests were taken (a ticket counter shared by the
 * threads), when the duration is over (requests still out then are counted
 * as unfinished, not as latencies: their wait is unknown), or on Ctrl-C,
 * which a 100 ms tick looks at. A failed request is followed by the next
 * on the loop's next turn, never inline, so refused connects cannot starve
 * the others or recurse.
 */
#define _GNU_SOURCE
#include "harness/load/conn.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "models/epoll.h"

#define TICK_NS 100000000ull /* how soon *stop is seen */

static void drive(lconn *cn, int ready);

static void on_fd(loop *l, int fd, int ready, void *arg)
{
	lconn *cn = arg;
	if (cn->busy) {
		drive(cn, ready);
		return;
	}
	/* Idle and readable: the server closed a kept connection (or said
	 * something unasked). Drop it; the next request connects afresh. */
	loop_watch_close(l, fd);
	cn->fd = cn->t.fd = -1;
	cn->events = cn->t.held = 0;
}

static void on_timer(loop *l, void *arg)
{
	lconn *cn = arg;
	cn->timer = 0;
	drive(cn, cn->busy ? WL_TIMEOUT : 0);
}

static void cancel_timer(lconn *cn)
{
	if (cn->timer > 0)
		loop_cancel(cn->th->l, cn->timer);
	cn->timer = 0;
}

static void set_timer(lconn *cn, uint64_t at)
{
	if (cn->timer > 0 && cn->armed == at)
		return;
	cancel_timer(cn);
	int64_t id = loop_timer(cn->th->l, at, on_timer, cn);
	cn->timer = id > 0 ? id : 0;
	cn->armed = at;
}

/* A request is over: forget the registration of the fd the HTTP client
 * closed (the loop would otherwise think a new socket that reuses the
 * number is already watched); a held one stays watched for the next. */
static void forget_fd(lconn *cn)
{
	if (cn->t.held && cn->t.fd == cn->fd)
		return;
	if (cn->fd >= 0)
		loop_watch(cn->th->l, cn->fd, 0, NULL, NULL);
	cn->fd = -1;
	cn->events = 0;
}

/* Register what the request waits for next. 0 or -errno. */
static int arm(lconn *cn, const wl_wait *w)
{
	int events = w->fd >= 0 ? w->events & (WL_READ | WL_WRITE) : 0;
	int fd = events ? w->fd : -1, rc;

	if (fd != cn->fd || events != cn->events) {
		if (cn->fd >= 0 && cn->fd != fd)
			loop_watch(cn->th->l, cn->fd, 0, NULL, NULL);
		cn->fd = -1;
		cn->events = 0;
		if (fd >= 0 && (rc = loop_watch(cn->th->l, fd, events, on_fd, cn)) < 0)
			return rc;
		cn->fd = fd;
		cn->events = events;
	}
	set_timer(cn, w->deadline_ns);
	return 0;
}

/* The connection sends no more: close what it holds. */
static void conn_end(lconn *cn)
{
	lthread *th = cn->th;
	if (cn->done)
		return;
	cancel_timer(cn);
	if (cn->t.held && cn->t.fd >= 0)
		loop_watch_close(th->l, cn->t.fd);
	else if (cn->fd >= 0)
		loop_watch(th->l, cn->fd, 0, NULL, NULL);
	cn->fd = cn->t.fd = -1;
	cn->t.held = 0;
	cn->done = 1;
	if (--th->active == 0) {
		if (th->tick > 0)
			loop_cancel(th->l, th->tick);
		if (th->end_timer > 0)
			loop_cancel(th->l, th->end_timer);
		th->tick = th->end_timer = 0;
		loop_stop(th->l);
	}
}

/* A request came back (r->err set if it failed), at now. */
static void record(lconn *cn, const wl_result *r, uint64_t now)
{
	lthread *th = cn->th;
	load_result *res = &th->res;
	uint64_t ref;
	wl_result differs;
	if (!r->err && th->c->check_body && !load_body_check(th->body, r->digest, &ref)) {
		differs = *r;
		wl_fail(&differs, EPROTO, "body differs from %s (digest %016llx, not %016llx)",
			th->c->expect_set ? "the one the target must send" : "the first reply's",
			(unsigned long long)r->digest, (unsigned long long)ref);
		r = &differs;
	}
	if (!cn->measured && !(cn->idle && r->err))
		return; /* an idle connection's request is measured only if it failed */
	th->last_done = now > th->last_done ? now : th->last_done;
	if (r->err) {
		const httpresp *p = &cn->t.parser;
		int kind = load_err_kind(r->err, p->head_done ? p->status : 0, p->seen);
		if (!res->errors[kind]++)
			snprintf(res->first_error[kind], sizeof res->first_error[kind], "%s",
				 r->msg);
		return;
	}
	if (!cn->measured)
		return;
	uint64_t corrected, uncorrected;
	load_sched_done(&cn->s, now, &corrected, &uncorrected);
	res->ok++;
	res->bytes += cn->t.parser.seen;
	load_hist_record(&res->corrected, corrected);
	load_hist_record(&res->uncorrected, uncorrected);
	if (cn->s.rate > 0)
		load_hist_record(&res->send_delay, corrected - uncorrected);
}

/* Start the next request if one is due; 1 when one went out. */
static int next_request(lconn *cn)
{
	lthread *th = cn->th;
	uint64_t now = wl_now_ns();
	uint64_t due = load_sched_due(&cn->s, now);

	if (cn->idle) { /* one request at once, then quiet until the end */
		if (cn->spoke || th->ending)
			return 0;
		cn->spoke = cn->busy = 1;
		cn->measured = 0;
		return 1;
	}
	if (th->ending || (th->t_end && due >= th->t_end)) {
		conn_end(cn);
		return 0;
	}
	if (due < th->t0)
		due = th->t0;
	if (due > now) {
		set_timer(cn, due);
		return 0;
	}
	cn->measured = (cn->s.rate > 0 ? due : now) >= th->t_measure;
	if (cn->measured && th->c->requests &&
	    atomic_fetch_add(th->tickets, 1) >= th->c->requests) {
		conn_end(cn);
		return 0;
	}
	load_sched_send(&cn->s, now);
	cn->busy = 1;
	return 1;
}

static void drive(lconn *cn, int ready)
{
	lthread *th = cn->th;

	for (;;) {
		if (!cn->busy) {
			if (!next_request(cn))
				return;
			ready = 0;
		}
		wl_wait w;
		wl_result r = { 0 };
		if (httpclient_step(&th->c->http, 0, &cn->t, ready, &w, &r) == WL_STEP_WAIT) {
			int rc = arm(cn, &w);
			if (rc == 0)
				return;
			httpclient_step(&th->c->http, 0, &cn->t, WL_TIMEOUT, &w, &r);
			wl_fail(&r, -rc, "loop: %s",
				*loop_error(th->l) ? loop_error(th->l) : strerror(-rc));
		}
		cn->busy = 0;
		record(cn, &r, wl_now_ns());
		forget_fd(cn);
		cancel_timer(cn);
		if (r.err) { /* the next one on the loop's next turn */
			set_timer(cn, wl_now_ns());
			return;
		}
		ready = 0;
	}
}

/* Open loop, at the end of the duration: how many of cn's requests were
 * due before it, never sent (the connection was still behind). */
static uint64_t unsent(const lconn *cn, uint64_t t_end)
{
	const load_sched *s = &cn->s;
	double due = ((double)(t_end - s->t0) * s->rate / 1e9 - s->k) / s->nconn;
	uint64_t n = due > 0 ? (uint64_t)ceil(due) : 0;
	return n > s->j ? n - s->j : 0;
}

/* The end (of the duration, or Ctrl-C): requests out are unfinished. */
static void end_all(lthread *th)
{
	for (unsigned i = 0;
	     i < th->nconn && !th->ending && th->t_end && th->c->rate > 0 && !th->res.interrupted;
	     i++)
		if (!th->conn[i].idle)
			th->res.unsent += unsent(&th->conn[i], th->t_end);
	th->ending = 1;
	for (unsigned i = 0; i < th->nconn; i++) {
		lconn *cn = &th->conn[i];
		if (cn->busy) {
			wl_wait w;
			wl_result r = { 0 };
			th->res.unfinished += cn->measured;
			if (cn->measured && th->c->count_unfinished) {
				uint64_t now = wl_now_ns(), corr, unc;
				load_sched_done(&cn->s, now, &corr, &unc);
				load_hist_record(&th->res.corrected, corr);
				load_hist_record(&th->res.uncorrected, unc);
			}
			httpclient_step(&th->c->http, 0, &cn->t, WL_TIMEOUT, &w, &r);
			cn->busy = 0;
			forget_fd(cn);
		}
		conn_end(cn);
	}
}

static void on_end(loop *l, void *arg)
{
	lthread *th = arg;
	th->end_timer = 0;
	end_all(th);
}

static void on_tick(loop *l, void *arg)
{
	lthread *th = arg;
	th->tick = 0;
	if (th->c->stop && *th->c->stop) {
		th->res.interrupted = 1;
		end_all(th);
		return;
	}
	th->tick = loop_timer(l, wl_now_ns() + TICK_NS, on_tick, th);
}

void *load_conn_thread(void *arg)
{
	lthread *th = arg;
	char err[256] = "";

	/* Wake for an intended send time as close to it as the kernel can:
	 * the default 50 us of timer slack would land in every corrected
	 * latency. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	th->l = loop_new(&loop_backend_epoll, th->nconn * 2 + 8, th->nconn * 2 + 8, err,
			 sizeof err);
	if (!th->l) {
		snprintf(th->err, sizeof th->err, "%s", err);
		th->rc = -1;
		return NULL;
	}
	th->active = th->nconn;
	for (unsigned i = 0; i < th->nconn; i++) {
		lconn *cn = &th->conn[i];
		unsigned k = th->first + i, busy = th->c->conns - th->c->idle;
		*cn = (lconn){ .th = th, .fd = -1, .idle = k >= busy };
		cn->t.fd = -1;
		load_sched_init(&cn->s, th->t0, th->c->rate, cn->idle ? 0 : k, busy);
		set_timer(cn, th->t0);
	}
	th->tick = loop_timer(th->l, wl_now_ns() + TICK_NS, on_tick, th);
	if (th->t_end)
		th->end_timer = loop_timer(th->l, th->t_end, on_end, th);
	int rc = loop_run(th->l);
	if (rc < 0) {
		snprintf(th->err, sizeof th->err, "loop: %s", loop_error(th->l));
		th->rc = -1;
	}
	end_all(th);
	loop_free(th->l);
	return NULL;
}
