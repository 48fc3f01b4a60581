/*
 * workload.c - what every workload shares: parameter lookup, prepare and
 * release, begin and end of a run, the digests, and the blocking I/O backend.
 *
 * The run digest is the sum mod 2^64 of XXH3(task digest, seed = task index):
 * it does not depend on the order tasks finished in, yet it changes if any
 * task computed something else, or if a task's result landed in another slot.
 */
#define _GNU_SOURCE
#include "workloads/workload.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

static const wl_param_def *find_def(const wl_spec *w, const char *name, int *k)
{
	for (*k = 0; *k < w->nparams; (*k)++)
		if (strcmp(w->p[*k].def->name, name) == 0)
			return w->p[*k].def;
	return NULL;
}

int64_t wl_param(const wl_spec *w, const char *name)
{
	int k;
	return find_def(w, name, &k) ? w->p[k].num : 0;
}

int64_t wl_param_at(const wl_spec *w, const char *name, size_t i)
{
	int k;

	if (!find_def(w, name, &k))
		return 0;
	return w->p[k].nvals > 1 ? w->p[k].vals[i % (size_t)w->p[k].nvals] : w->p[k].num;
}

int wl_param_count(const wl_spec *w, const char *name)
{
	int k;
	return find_def(w, name, &k) && w->p[k].nvals > 1 ? w->p[k].nvals : 1;
}

const char *wl_param_text(const wl_spec *w, const char *name)
{
	int k;
	return find_def(w, name, &k) ? w->p[k].text : "";
}

/* Append to buf (of len, used so far *used) without overrunning it. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	if (*used >= len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	*used += n > 0 ? (size_t)n : 0;
}

void wl_params_string(const wl_spec *w, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < w->nparams; k++) {
		const wl_param_def *d = w->p[k].def;
		if (d->type == WL_STR && !w->p[k].text[0])
			continue; /* an empty text means "not given": url= says nothing */
		if (d->applies && !d->applies(w))
			continue;
		put(buf, len, &used, "%s%s=", used ? "," : "", d->name);
		if (d->type == WL_STR || d->type == WL_ENUM) {
			put(buf, len, &used, "%s", w->p[k].text);
			continue;
		}
		/* numbers from their values, not as written: 4k and 4096 agree */
		int nv = w->p[k].nvals > 1 ? w->p[k].nvals : 1;
		for (int v = 0; v < nv; v++)
			put(buf, len, &used, "%s%lld", v ? "|" : "",
			    (long long)(nv > 1 ? w->p[k].vals[v] : w->p[k].num));
	}
	if (used >= len && len > 0)
		buf[len - 1] = '\0';
}

int wl_check(const wl_spec *w, size_t ntasks, unsigned min_c, char *err, size_t errlen)
{
	return w->kind->check ? w->kind->check(w, ntasks, min_c, err, errlen) : 0;
}

int wl_prepare(wl_spec *w, char *err, size_t errlen)
{
	w->state = NULL;
	return w->kind->init ? w->kind->init(w, err, errlen) : 0;
}

void wl_release(wl_spec *w)
{
	if (w->kind->fini)
		w->kind->fini(w);
	w->state = NULL;
}

int wl_begin(wl_spec *w, size_t ntasks, char *err, size_t errlen)
{
	w->run = NULL;
	return w->kind->begin ? w->kind->begin(w, ntasks, err, errlen) : 0;
}

void wl_end(wl_spec *w)
{
	if (w->kind->end)
		w->kind->end(w);
	w->run = NULL;
}

uint64_t wl_digest_bytes(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

uint64_t wl_digest_u64(uint64_t v)
{
	unsigned char b[8];
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(v >> (8 * k));
	return XXH3_64bits(b, sizeof b);
}

uint64_t wl_run_digest_add(uint64_t acc, size_t i, uint64_t task_digest)
{
	unsigned char b[8];
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(task_digest >> (8 * k));
	return acc + XXH3_64bits_withSeed(b, sizeof b, (XXH64_hash_t)i);
}

void wl_fail(wl_result *r, int err, const char *fmt, ...)
{
	va_list ap;
	r->err = err ? err : EIO;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
}

uint64_t wl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The blocking backend: the calling thread sleeps; signals do not cut it short. */
static int blocking_sleep_until(wl_io *io, uint64_t deadline_ns)
{
	(void)io;
	struct timespec ts = { (time_t)(deadline_ns / 1000000000u),
			       (long)(deadline_ns % 1000000000u) };
	int rc;
	while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
		;
	return -rc;
}

/* poll() the one fd until it is ready or the deadline passes. */
static int blocking_wait_fd(wl_io *io, int fd, int events, uint64_t deadline_ns)
{
	(void)io;
	struct pollfd p = {
		fd, (short)((events & WL_READ ? POLLIN : 0) | (events & WL_WRITE ? POLLOUT : 0)), 0
	};
	for (;;) {
		int timeout_ms = -1;
		if (deadline_ns) {
			uint64_t now = wl_now_ns();
			if (now >= deadline_ns)
				return -ETIMEDOUT;
			timeout_ms = (int)((deadline_ns - now + 999999) / 1000000);
		}
		int rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			continue; /* the deadline check above decides */
		int ready = (p.revents & (POLLIN | POLLHUP | POLLERR) ? WL_READ : 0) |
			    (p.revents & (POLLOUT | POLLERR) ? WL_WRITE : 0);
		if (ready & events)
			return ready & events;
		if (p.revents & POLLNVAL)
			return -EBADF;
	}
}

/* The backend an offloaded step's blocking calls use on this thread: hybrid's
 * workers set it (the GIL's backend under +gil); elsewhere it stays NULL and
 * wl_offload_backend() gives wl_io_blocking. */
_Thread_local wl_io *wl_offload_io;

wl_io wl_io_blocking = { .sleep_until = blocking_sleep_until,
			 .wait_fd = blocking_wait_fd,
			 .blocking = 1 };
