/*
 * switch.c - hand the CPU to a peer, rounds times: the cost of a switch.
 *
 * mode=yield: each task calls wl_yield. Between coroutines that is a
 * user-space stack switch: save a few callee-saved registers and the stack
 * pointer, load the other coroutine's, go on - no kernel at all. Between
 * threads it is sched_yield(), which promises no hand-off: on a free CPU, or
 * with one task, it returns at once, and the scheduler may pick the yielder
 * again, so it measures less than a context switch.
 * mode=pipe: tasks pair up (0-1, 2-3, ...) and pass a byte back and forth
 * through two pipes - lmbench's lat_ctx, the classic measure. A read of an
 * empty pipe blocks, so on one CPU every hand-off is a kernel context switch
 * (plus a write and a read): what a thread per connection pays. Coroutines
 * wait for the pipe through their loop instead. Run two tasks on ONE CPU
 * (--cpus 0, -n 2 -c 2): the makespan divided by 2 x rounds is then about
 * the cost of one switch. Both modes hand the CPU over rounds times per task
 * and give the same digest.
 */
#define _GNU_SOURCE
#include "workloads/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { MODE_YIELD, MODE_PIPE };

/* How long a task's first read waits for its peer. Past the first byte the
 * peer is known to run, so blocking backends then read without a deadline:
 * an extra poll per switch would be measured too. */
static const unsigned switch_first_wait_s = 5;

static const wl_param_def switch_params[] = {
	{ .name = "rounds",
	  .type = WL_INT,
	  .def = "10000",
	  .min = 1,
	  .max = 100000000,
	  .help = "times each task hands the CPU to a peer" },
	{ .name = "mode",
	  .type = WL_ENUM,
	  .def = "yield",
	  .choices = "yield|pipe",
	  .help = "yield: give the CPU up (sched_yield between threads); pipe: tasks 0-1, "
		  "2-3, ... pass a byte back and forth through two pipes, lmbench's lat_ctx "
		  "(even -n; -c >= 2 so both of a pair run at once)" },
	{ 0 },
};

/* ---- mode=pipe: the pipes of one run ---- */

/* Per pair: pipe A (even task to odd) then pipe B (odd to even), each
 * { read end, write end }. */
typedef struct {
	size_t npairs;
	int fd[][4];
} switch_pipes;

/* Bytes on the pipes: a hand-off, or "I gave up" - which a task that fails
 * sends its peer, so that the peer fails too instead of waiting forever. */
enum { BYTE_PING = 'p', BYTE_QUIT = 'q' };

static void pipes_close(switch_pipes *p)
{
	for (size_t k = 0; k < p->npairs; k++)
		for (int e = 0; e < 4; e++)
			close(p->fd[k][e]);
	free(p);
}

/* Why pipe() failed, with what to do about a limit. */
static void pipe_error(char *err, size_t errlen, size_t pair, int e)
{
	char hint[96] = "";
	struct rlimit rl = { 0, 0 };

	if (e == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(hint, sizeof hint,
			 " (4 fds per pair; RLIMIT_NOFILE %llu: raise it with ulimit -n)",
			 (unsigned long long)rl.rlim_cur);
	else if (e == ENFILE)
		snprintf(hint, sizeof hint, " (the system's limit: fs.file-max)");
	snprintf(err, errlen, "switch:mode=pipe: pipe() for tasks %zu-%zu: %s%s", 2 * pair,
		 2 * pair + 1, strerror(e), hint);
}

/* Both pipes of a pair, or neither: 0 or an errno. */
static int pair_open(int f[4])
{
	if (pipe2(f, O_CLOEXEC) < 0)
		return errno;
	if (pipe2(f + 2, O_CLOEXEC) == 0)
		return 0;
	int e = errno;
	close(f[0]);
	close(f[1]);
	return e;
}

/* mode=pipe pairs tasks 0-1, 2-3, ... and the two of a pair must be in
 * flight at once: an even -n and -c >= 2 (min_c 0: not known yet). Anything
 * else fails every run after the first read's deadline, so the CLI asks this
 * (wl_check) before any run. 0, or -1 with err set. */
static int switch_check(const wl_spec *w, size_t ntasks, unsigned min_c, char *err, size_t errlen)
{
	if (wl_param(w, "mode") != MODE_PIPE)
		return 0;
	if (ntasks % 2) {
		snprintf(err, errlen,
			 "switch:mode=pipe pairs tasks 0-1, 2-3, ...: give an even number of "
			 "tasks (-n), not %zu",
			 ntasks);
		return -1;
	}
	if (min_c == 1) {
		snprintf(err, errlen,
			 "switch:mode=pipe needs both tasks of a pair in flight at once: "
			 "give -c 2 or more, not 1");
		return -1;
	}
	return 0;
}

static int switch_begin(wl_spec *w, size_t ntasks, char *err, size_t errlen)
{
	if (wl_param(w, "mode") != MODE_PIPE)
		return 0;
	if (switch_check(w, ntasks, 0, err, errlen) < 0)
		return EINVAL;
	switch_pipes *p = malloc(sizeof *p + ntasks / 2 * sizeof p->fd[0]);
	if (!p) {
		snprintf(err, errlen, "switch:mode=pipe: out of memory for %zu pipes", ntasks);
		return ENOMEM;
	}
	for (p->npairs = 0; p->npairs < ntasks / 2; p->npairs++) {
		int e = pair_open(p->fd[p->npairs]);
		if (e) {
			pipe_error(err, errlen, p->npairs, e);
			pipes_close(p);
			return e;
		}
	}
	w->run = p;
	return 0;
}

static void switch_end(wl_spec *w)
{
	if (w->run)
		pipes_close(w->run);
}

/* ---- mode=pipe: one task's side ---- */

typedef struct {
	int in, out; /* the pipe it reads, the pipe it writes */
	size_t peer; /* the other task of the pair */
	wl_io *io;
	wl_result *r;
} pipe_side;

/* One byte from fd into *b: 1, 0 at end of file, or -errno. */
static ssize_t read_byte(int fd, unsigned char *b)
{
	ssize_t n;
	while ((n = read(fd, b, 1)) < 0 && errno == EINTR)
		;
	return n < 0 ? -errno : n;
}

/* Wait for the pipe through the backend; 0, or fail r. */
static int side_wait(pipe_side *s, uint64_t deadline_ns)
{
	int rc = s->io->wait_fd(s->io, s->in, WL_READ, deadline_ns);
	if (rc == -ETIMEDOUT)
		wl_fail(s->r, ETIMEDOUT,
			"no answer from task %zu in %u s: mode=pipe needs both tasks of a pair in "
			"flight at once (threads, fork, pool, prefork, coro; -c >= 2)",
			s->peer, switch_first_wait_s);
	else if (rc < 0)
		wl_fail(s->r, -rc, "waiting for task %zu: %s", s->peer, strerror(-rc));
	return rc < 0 ? -1 : 0;
}

/* Read the peer's byte, or fail r. A blocking backend reads straight away
 * (deadline 0): that read, which puts the thread to sleep until the peer
 * writes, is the switch being measured - with no poll beside it. Otherwise
 * the backend waits for the pipe first (a coroutine parks on its loop), and
 * so does every task's first read, against a deadline: a peer that does not
 * run at the same time gives a clear error instead of a hang. */
static int side_recv(pipe_side *s, uint64_t deadline_ns)
{
	unsigned char b = 0;
	ssize_t n;

	if (deadline_ns || !s->io->blocking) {
		if (side_wait(s, deadline_ns) < 0)
			return -1;
		n = read_byte(s->in, &b); /* ready: it does not block */
	} else {
		wl_nogil_begin(s->io);
		n = read_byte(s->in, &b);
		wl_nogil_end(s->io);
	}
	if (n == 1 && b == BYTE_PING)
		return 0;
	if (n == 1)
		wl_fail(s->r, ECANCELED, "task %zu gave up (see its error)", s->peer);
	else if (n == 0)
		wl_fail(s->r, EPIPE, "read from task %zu: end of file", s->peer);
	else
		wl_fail(s->r, (int)-n, "read from task %zu: %s", s->peer, strerror((int)-n));
	return -1;
}

/* Write one byte: a pipe never holds more than two here, so it never blocks. */
static int side_send(pipe_side *s, unsigned char b)
{
	ssize_t n;
	while ((n = write(s->out, &b, 1)) < 0 && errno == EINTR)
		;
	if (n == 1)
		return 0;
	if (b == BYTE_PING) /* a quit that cannot be sent has nothing left to say */
		wl_fail(s->r, n < 0 ? errno : EIO, "write to task %zu: %s", s->peer,
			n < 0 ? strerror(errno) : "nothing written");
	return -1;
}

/* The even task writes first and the odd one reads first; then both go
 * read, write, read, ... so the CPU passes back and forth. */
static void pipe_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const int *f = ((const switch_pipes *)w->run)->fd[i / 2];
	int even = i % 2 == 0;
	pipe_side s = { even ? f[2] : f[0], even ? f[1] : f[3], i ^ 1, io, r };
	int64_t rounds = wl_param(w, "rounds");
	uint64_t deadline = wl_now_ns() + switch_first_wait_s * 1000000000ull;

	for (int64_t k = 0; k < rounds; k++, deadline = 0) {
		if ((even && side_send(&s, BYTE_PING) < 0) || side_recv(&s, deadline) < 0 ||
		    (!even && side_send(&s, BYTE_PING) < 0)) {
			side_send(&s, BYTE_QUIT);
			return;
		}
	}
	r->digest = wl_digest_u64((uint64_t)rounds);
}

/* ---- mode=yield ---- */

static void yield_run(const wl_spec *w, wl_io *io, wl_result *r)
{
	int64_t rounds = wl_param(w, "rounds");

	for (int64_t k = 0; k < rounds; k++) {
		int rc = wl_yield(io);
		if (rc < 0) {
			wl_fail(r, -rc, "yield: %s", strerror(-rc));
			return;
		}
	}
	r->digest = wl_digest_u64((uint64_t)rounds);
}

static void switch_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	if (wl_param(w, "mode") != MODE_PIPE)
		yield_run(w, io, r);
	else if (!w->run) /* run() without begin(): a caller's mistake, not a hang */
		wl_fail(r, EINVAL, "switch:mode=pipe: no pipes (wl_begin was not called)");
	else
		pipe_run(w, i, io ? io : &wl_io_blocking, r);
}

const wl_kind wl_switch = {
	.name = "switch",
	.summary = "hand the CPU to a peer rounds times (yield or pipe): a switch's cost",
	.cls = "cpu",
	.params = switch_params,
	.check = switch_check,
	.begin = switch_begin,
	.end = switch_end,
	.run = switch_run,
};
