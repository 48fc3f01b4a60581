/*
 * uring.c - the io_uring backend, and the "uring" model on it.
 *
 * io_uring (Jens Axboe, Linux 5.1, 2019) is a pair of rings shared with the
 * kernel: the program writes requests into the submission ring and reads
 * results from the completion ring, and one io_uring_enter both hands over
 * a batch and waits. liburing wraps it; Tokio's tokio-uring, glommio, QEMU
 * and RocksDB run on it. It wins where system calls dominate: many
 * operations per call, batched, and truly asynchronous file I/O, which
 * epoll cannot give. What it costs: a large kernel surface, often switched
 * off (kernel.io_uring_disabled, seccomp in containers, Docker's default
 * profile): the model probes first and ends as a limit where it is missing.
 * Here it serves readiness only (IORING_OP_POLL_ADD), like for like with
 * epoll: a change of interest is an entry in the ring that reaches the
 * kernel with the next wait, so a loop turn is one system call however
 * many fds changed. Completion-based socket I/O (recv/send) is not this.
 *
 * A multishot poll (Linux 5.13+) stays armed and reports each wake-up: edge-
 * triggered, like epoll:et=1 (looptasks.c's steps read until EAGAIN). With
 * multishot=0, or on an older kernel, a poll fires once and is re-armed at
 * the next wait: level-triggered, like poll(). A poll holds its file, so a
 * closed fd is still polled until removed; each fd's polls carry a
 * generation in their user_data, and a completion of an older one (removed,
 * or for a number since reused) is dropped.
 */
#define _GNU_SOURCE
#include "models/uring.h"
#include "models/looptasks.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* user_data of a poll: UD_POLL | generation << 32 | fd; of its removal the
 * same with UD_REMOVE. liburing's own timeout's (all ones) is dropped. */
#define UD_POLL (1ull << 62)
#define UD_REMOVE (2ull << 62)
#define UD_TAG (3ull << 62)
#define UD_GEN 0x3fffffffu

typedef struct {
	uint32_t gen; /* bumped whenever the fd's poll is dropped */
	int events;   /* what the loop wants: WL_READ | WL_WRITE | LOOP_HUP */
	int armed;    /* a poll of this generation is in, or on its way to, the kernel */
	int at;       /* while harvesting: 1 + its index in ev, else 0 */
} ur_fd;

typedef struct {
	struct io_uring ring;
	ur_fd *fd;
	size_t nfd;
	int multishot, skip; /* skip: removals that succeed post nothing */
} ur_state;

/* CONCBENCH_FAULT_URING=1: io_uring_setup fails with EPERM, for the tests
 * of the limit path. Read at each ring made, so once per run. */
static int ur_fault(void)
{
	const char *s = getenv("CONCBENCH_FAULT_URING");
	return s && *s && strcmp(s, "0") != 0;
}

static const char *ur_hint(int err)
{
	switch (err) {
	case ENOSYS:
		return "the kernel has no io_uring (Linux 5.1+), or a seccomp filter hides it";
	case EPERM:
		return "kernel.io_uring_disabled is set, or a seccomp filter forbids it "
		       "(containers, Docker's default profile)";
	case ENOMEM:
		return "the rings count against RLIMIT_MEMLOCK before Linux 5.12: raise ulimit -l";
	case EMFILE:
	case ENFILE:
		return "out of file descriptors";
	default:
		return "see io_uring_setup(2)";
	}
}

static int ur_unavailable(int err, int fault, char *why, size_t len)
{
	snprintf(why, len, "io_uring unavailable (io_uring_setup: %s: %s%s)", model_errname(err),
		 ur_hint(err), fault ? "; injected by CONCBENCH_FAULT_URING" : "");
	return -err;
}

/* A ring of `entries` submissions and `cq` completions, with the cheapest
 * set-up flags the kernel takes (single issuer, task work deferred to our
 * waits: Linux 6.1+). 0, or -errno with the reason in err. */
static int ur_ring(struct io_uring *ring, unsigned entries, unsigned cq, unsigned *features,
		   char *err, size_t errlen)
{
	static const unsigned flags[] = {
		IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SINGLE_ISSUER |
			IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
		0,
	};
	int rc = -EINVAL;

	if (ur_fault())
		return ur_unavailable(EPERM, 1, err, errlen);
	for (size_t k = 0; rc == -EINVAL && k < sizeof flags / sizeof *flags; k++) {
		struct io_uring_params p = { .flags = flags[k], .cq_entries = cq };
		rc = io_uring_queue_init_params(entries, ring, &p);
		*features = p.features;
	}
	return rc < 0 ? ur_unavailable(-rc, 0, err, errlen) : 0;
}

/* The machine's answer, learnt once per process (0: not yet, 1: there,
 * else the errno); the fault hook is read at each call. */
static atomic_int ur_probed;

int uring_available(char *why, size_t len)
{
	struct io_uring ring;
	unsigned features;
	int rc = atomic_load(&ur_probed);

	if (ur_fault())
		return ur_unavailable(EPERM, 1, why, len);
	if (rc == 0) {
		rc = -ur_ring(&ring, 4, 8, &features, why, len);
		if (rc == 0) {
			io_uring_queue_exit(&ring);
			rc = 1;
		}
		atomic_store(&ur_probed, rc);
	}
	return rc == 1 ? 0 : ur_unavailable(rc, 0, why, len);
}

static int ur_create(loop *l, size_t max_fds, char *err, size_t errlen, int multishot)
{
	ur_state *s = calloc(1, sizeof *s);
	unsigned entries = 64, features = 0;
	int rc;

	if (!s) {
		snprintf(err, errlen, "uring: out of memory");
		errno = ENOMEM;
		return -1;
	}
	while (entries < max_fds && entries < 4096)
		entries *= 2;
	/* Completions: room for several wake-ups per fd; more wait in the
	 * kernel (IORING_FEAT_NODROP) until there is room. */
	while ((rc = ur_ring(&s->ring, entries, 4 * entries, &features, err, errlen)) == -ENOMEM &&
	       entries > 64)
		entries /= 2; /* RLIMIT_MEMLOCK on old kernels: try smaller rings */
	if (rc < 0) {
		free(s);
		errno = -rc;
		return -1;
	}
	s->multishot = multishot;
	s->skip = !!(features & IORING_FEAT_CQE_SKIP);
	loop_set_backend_state(l, s);
	return 0;
}

static int ur_create_multi(loop *l, size_t max_fds, char *err, size_t errlen)
{
	return ur_create(l, max_fds, err, errlen, 1);
}

static int ur_create_once(loop *l, size_t max_fds, char *err, size_t errlen)
{
	return ur_create(l, max_fds, err, errlen, 0);
}

static void ur_destroy(loop *l)
{
	ur_state *s = loop_backend_state(l);
	io_uring_queue_exit(&s->ring); /* cancels every poll still armed */
	free(s->fd);
	free(s);
}

/* A free submission entry; when the ring is full, what is in it goes to
 * the kernel first (a system call a loop turn would otherwise save). */
static struct io_uring_sqe *ur_sqe(loop *l, ur_state *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
	int rc;

	if (!sqe && (rc = io_uring_submit(&s->ring)) < 0)
		loop_set_error(l, "uring: io_uring_enter: %s", strerror(-rc));
	else if (!sqe && !(sqe = io_uring_get_sqe(&s->ring)))
		loop_set_error(l, "uring: the submission ring stays full");
	return sqe;
}

/* Queue a poll of fd for what the loop wants, in its current generation. */
static int ur_arm(loop *l, ur_state *s, int fd)
{
	ur_fd *f = &s->fd[fd];
	struct io_uring_sqe *sqe = ur_sqe(l, s);
	unsigned mask = (f->events & WL_READ ? POLLIN : 0) | (f->events & WL_WRITE ? POLLOUT : 0) |
			(f->events & LOOP_HUP ? POLLRDHUP : 0);

	if (!sqe)
		return -EBUSY;
	if (s->multishot)
		io_uring_prep_poll_multishot(sqe, fd, mask);
	else
		io_uring_prep_poll_add(sqe, fd, mask);
	io_uring_sqe_set_data64(sqe, UD_POLL | (uint64_t)f->gen << 32 | (uint32_t)fd);
	f->armed = 1;
	return 0;
}

/* Queue the removal of fd's poll of generation gen. A removal that succeeds
 * posts nothing where the kernel can skip it (5.17+). */
static int ur_remove(loop *l, ur_state *s, int fd, uint64_t gen)
{
	struct io_uring_sqe *sqe = ur_sqe(l, s);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_remove(sqe, UD_POLL | gen << 32 | (uint32_t)fd);
	io_uring_sqe_set_data64(sqe, UD_REMOVE | gen << 32 | (uint32_t)fd);
	if (s->skip)
		io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
	return 0;
}

static int ur_set(loop *l, int fd, int old, int now)
{
	ur_state *s = loop_backend_state(l);

	if ((size_t)fd >= s->nfd) {
		size_t n = s->nfd ? s->nfd : 64;
		while (n <= (size_t)fd)
			n *= 2;
		ur_fd *p = realloc(s->fd, n * sizeof *p);
		if (!p) {
			loop_set_error(l, "uring: out of memory for fd %d", fd);
			return -ENOMEM;
		}
		memset(p + s->nfd, 0, (n - s->nfd) * sizeof *p);
		s->fd = p;
		s->nfd = n;
	}
	ur_fd *f = &s->fd[fd];
	if (f->armed) {
		if (ur_remove(l, s, fd, f->gen) < 0)
			return -EBUSY;
		f->armed = 0;
	}
	f->gen = (f->gen + 1) & UD_GEN; /* whatever the old poll still says is stale */
	f->events = now;
	return now ? ur_arm(l, s, fd) : 0;
}

/* One completion: readiness for its fd (coalesced into ev), re-arming a
 * poll that ended. 1 taken, 0 room needed in ev, -errno. */
static int ur_take(loop *l, ur_state *s, const struct io_uring_cqe *c, loop_event *ev, int *k,
		   int max)
{
	uint64_t u = c->user_data;
	int fd = (int)(uint32_t)u, res = c->res, ready;

	/* EALREADY: the poll was busy posting a wake-up and is still armed,
	 * holding its file open (a socket never closed): remove it again. */
	if ((u & UD_TAG) == UD_REMOVE && res == -EALREADY)
		return ur_remove(l, s, fd, (u >> 32) & UD_GEN) < 0 ? -EBUSY : 1;
	if ((u & UD_TAG) != UD_POLL || (size_t)fd >= s->nfd || s->fd[fd].gen != ((u >> 32) & UD_GEN))
		return 1; /* a removal's, a timeout's, or a stale poll's */
	ur_fd *f = &s->fd[fd];
	if (!f->at && *k == max)
		return 0;
	if (!(c->flags & IORING_CQE_F_MORE)) { /* the poll is over */
		f->armed = 0;
		if (res == -EINVAL && s->multishot) { /* a kernel before multishot */
			s->multishot = 0;
			return ur_arm(l, s, fd) < 0 ? -EBUSY : 1;
		}
		if (res >= 0 && ur_arm(l, s, fd) < 0) /* one-shot, or ended by the kernel */
			return -EBUSY;
	}
	/* An error or hang-up makes the fd ready for whatever it waits for;
	 * so does a failed poll, and the task's next call finds out why. */
	if (res < 0 || res & (POLLERR | POLLHUP))
		res = POLLIN | POLLOUT | POLLRDHUP;
	ready = ((res & POLLIN ? WL_READ : 0) | (res & POLLOUT ? WL_WRITE : 0) |
		 (res & POLLRDHUP ? LOOP_HUP : 0)) &
		f->events;
	if (!ready)
		return 1;
	if (!f->at) {
		ev[*k] = (loop_event){ fd, 0 };
		f->at = ++*k;
	}
	ev[f->at - 1].ready |= ready;
	return 1;
}

static int ur_wait(loop *l, int64_t timeout_ns, loop_event *ev, int max)
{
	ur_state *s = loop_backend_state(l);
	struct __kernel_timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	int rc, k = 0;

	/* The one system call of the turn: submit what changed, and wait. */
	if (timeout_ns == 0)
		rc = io_uring_submit_and_get_events(&s->ring);
	else if (timeout_ns < 0)
		rc = io_uring_submit_and_wait(&s->ring, 1);
	else
		rc = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, &ts, NULL);
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
		loop_set_error(l, "uring: io_uring_enter: %s", strerror(-rc));
		return rc;
	}
	rc = 0;
	io_uring_for_each_cqe(&s->ring, head, cqe)
	{
		if ((rc = ur_take(l, s, cqe, ev, &k, max)) <= 0)
			break;
		seen++;
	}
	io_uring_cq_advance(&s->ring, seen);
	for (int j = 0; j < k; j++)
		s->fd[ev[j].fd].at = 0;
	return rc < 0 ? rc : k;
}

const loop_backend loop_backend_uring = {
	.name = "uring",
	.create = ur_create_multi,
	.destroy = ur_destroy,
	.set = ur_set,
	.wait = ur_wait,
};

const loop_backend loop_backend_uring_once = {
	.name = "uring",
	.create = ur_create_once,
	.destroy = ur_destroy,
	.set = ur_set,
	.wait = ur_wait,
};

static const model_opt_def uring_opts[] = {
	{ "multishot", 0, "1", 0, 1, "0: one-shot polls re-armed each time (level-triggered)",
	  NULL },
	{ 0 },
};

static const loop_backend *uring_backend(const model_run *r)
{
	return model_opt(r->model, "multishot") ? &loop_backend_uring : &loop_backend_uring_once;
}

/* Is io_uring there at all? Not: the run is a limit. */
static int uring_check(model_run *r)
{
	char why[MODEL_MSGLEN];
	if (uring_available(why, sizeof why) < 0)
		return model_fail(r, MODEL_LIMIT, "%s", why);
	return MODEL_OK;
}

/* Before t0: the check, then the ring and the lanes (warm: looptasks.c). */
static int uring_prepare(model_run *r)
{
	int rc = uring_check(r);
	return rc == MODEL_OK ? loop_tasks_prepare(r, uring_backend(r)) : rc;
}

static int uring_run(model_run *r)
{
	int rc = uring_check(r); /* known by now: no system call */
	if (rc != MODEL_OK)
		return rc;
	return loop_run_tasks(r, uring_backend(r));
}

const model_kind model_uring = {
	.name = "uring",
	.summary = "event loop on io_uring polls: one system call per turn (multishot=0: one-shot)",
	.opts = uring_opts,
	.run = uring_run,
	.prepare = uring_prepare,
};
