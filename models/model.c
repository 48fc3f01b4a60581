/*
 * model.c - what every model shares: the shared task table, option lookup,
 * and model_exec(), the one place a task is timed and recorded; then what the
 * models that spawn threads or processes share, so that each reports a limit,
 * a stack size or a dead child in the same words.
 *
 * Keeping the timing here means no model can measure differently from another:
 * two clock reads per task (start and end), the CPU the task started on, and
 * an atomic count of how many times the task ran, so a test can prove that
 * every task ran exactly once under every model.
 */
#define _GNU_SOURCE
#include "models/model.h"
#include "models/timeline.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t table_bytes(size_t n)
{
	return sizeof(model_table) + n * sizeof(model_task);
}

model_table *model_table_new(size_t n)
{
	if (n > (SIZE_MAX - sizeof(model_table)) / sizeof(model_task))
		return NULL;
	void *p = mmap(NULL, table_bytes(n), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		       0);
	if (p == MAP_FAILED)
		return NULL;
	model_table *t = p; /* fresh anonymous pages are zero */
	t->n = t->cap = n;
	model_table_reset(t);
	return t;
}

void model_table_free(model_table *t)
{
	if (t)
		munmap(t, table_bytes(t->cap));
}

void model_table_reset(model_table *t)
{
	size_t n = t->n, cap = t->cap;
	memset(t, 0, table_bytes(n));
	t->n = n;
	t->cap = cap;
	atomic_flag_clear(&t->msg_taken);
	atomic_flag_clear(&t->why_taken);
	for (size_t i = 0; i < n; i++)
		t->task[i].worker = t->task[i].cpu = -1;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; Debian 12's headers have it, older ones not */
#endif

/* Map [p, p+bytes) writable now: one madvise (MADV_POPULATE_WRITE, where
 * the kernel has it), then a write to each page from user space. The
 * madvise does the kernel's half of every fault at once; the writes are
 * for a VM whose hypervisor shadows the page tables (as the one this was
 * built on does): there a page's first touch from user space still costs
 * ~11 us after the madvise (~20 us without it), and is better paid here. */
static void populate(void *p, size_t bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(pg - 1);
	if (!bytes)
		return;
	madvise((void *)lo, (uintptr_t)p + bytes - lo, MADV_POPULATE_WRITE);
	for (volatile char *c = p; c < (char *)p + bytes; c += pg)
		*c = *c;
}

void model_table_populate(model_table *t)
{
	populate(t, table_bytes(t->n));
}

void model_mem_populate(void *p, size_t bytes)
{
	if (p)
		populate(p, bytes);
}

void model_table_use(model_table *t, size_t n)
{
	t->n = n < t->cap ? n : t->cap;
	model_table_reset(t);
}

int64_t model_opt(const model_spec *m, const char *name)
{
	for (int k = 0; k < m->nopts; k++)
		if (strcmp(m->o[k].def->name, name) == 0)
			return m->o[k].num;
	return 0;
}

int model_flag(const model_spec *m, const char *flag)
{
	const char *const *f = m->kind ? m->kind->flags : NULL;
	for (unsigned k = 0; f && f[k] && k < 32; k++)
		if (strcmp(f[k], flag) == 0)
			return (m->flags >> k) & 1u;
	return 0;
}

/* Keep only the first message: later failures are usually its echoes. */
static void first_msg(atomic_flag *taken, char *buf, const char *fmt, va_list ap)
{
	if (atomic_flag_test_and_set(taken))
		return;
	vsnprintf(buf, MODEL_MSGLEN, fmt, ap);
}

static void task_msgf(model_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	first_msg(&t->msg_taken, t->msg, fmt, ap);
	va_end(ap);
}

int model_fail(model_run *r, int code, const char *fmt, ...)
{
	va_list ap;
	int expected = MODEL_OK;
	va_start(ap, fmt);
	first_msg(&r->table->why_taken, r->table->why, fmt, ap);
	va_end(ap);
	atomic_compare_exchange_strong(&r->table->status, &expected, code);
	return code;
}

void model_task_begin(model_run *r, size_t i, int worker)
{
	model_task *t = &r->table->task[i];
	t->worker = worker;
	t->cpu = sched_getcpu();
	t->start_ns = wl_now_ns();
	tl_event_at(TL_RUN, (int64_t)i);
}

void model_task_end(model_run *r, size_t i, const wl_result *res)
{
	model_task *t = &r->table->task[i];
	t->end_ns = wl_now_ns();
	tl_event_at(TL_END, (int64_t)i);
	t->digest = res->digest;
	t->err = res->err;
	atomic_fetch_add(&t->runs, 1);
	if (!res->err)
		return;
	atomic_fetch_add(&r->table->nerr, 1);
	task_msgf(r->table, "task %zu: %s", i, res->msg);
	if (res->err == EMFILE || res->err == ENFILE) {
		struct rlimit rl = { 0, 0 };
		getrlimit(RLIMIT_NOFILE, &rl);
		model_fail(r, MODEL_LIMIT,
			   "open files: %s at task %zu (RLIMIT_NOFILE %llu; raise it with "
			   "ulimit -n, or fs.file-max for ENFILE)",
			   model_errname(res->err), i, (unsigned long long)rl.rlim_cur);
	}
}

/* With --timeline, a blocking backend inside one that records: its waits
 * are the lane's io state, and its check points tick (timeline.h). */
static int tl_io_sleep_until(wl_io *io, uint64_t deadline_ns)
{
	wl_io *in = io->ctx;
	tl_state(TL_IO);
	int rc = in->sleep_until(in, deadline_ns);
	tl_state(TL_RUN);
	return rc;
}

static int tl_io_wait_fd(wl_io *io, int fd, int events, uint64_t deadline_ns)
{
	wl_io *in = io->ctx;
	tl_state(TL_IO);
	int rc = in->wait_fd(in, fd, events, deadline_ns);
	tl_state(TL_RUN);
	return rc;
}

static void tl_io_checkpoint(wl_io *io)
{
	wl_checkpoint(io->ctx);
	tl_tick();
}

static void tl_io_nogil_begin(wl_io *io)
{
	wl_nogil_begin(io->ctx);
}

static void tl_io_nogil_end(wl_io *io)
{
	wl_nogil_end(io->ctx);
}

static int tl_io_yield(wl_io *io)
{
	return wl_yield(io->ctx);
}

wl_io *model_timeline_io(wl_io *tmp, wl_io *io)
{
	if (!tl_active || !io->blocking)
		return io;
	*tmp = (wl_io){ .sleep_until = tl_io_sleep_until,
			.wait_fd = tl_io_wait_fd,
			.ctx = io,
			.blocking = 1,
			.checkpoint = tl_io_checkpoint,
			.nogil_begin = tl_io_nogil_begin,
			.nogil_end = tl_io_nogil_end,
			.yield = tl_io_yield };
	return tmp;
}

void model_exec(model_run *r, size_t i, int worker, wl_io *io)
{
	wl_result res = { 0 };
	wl_io tio;
	io = model_timeline_io(&tio, io);
	model_task_begin(r, i, worker);
	r->wl->kind->run(r->wl, i, io, &res);
	model_task_end(r, i, &res);
}

int model_fault_spawn(size_t spawned)
{
	const char *s = getenv("CONCBENCH_FAULT_SPAWN");
	return s && *s && spawned >= (size_t)strtoull(s, NULL, 10);
}

/* ---- for the models that spawn ---- */

const char *model_errname(int err)
{
	const char *s = strerrorname_np(err);
	return s ? s : "unknown error";
}

int model_spawn_failed(model_run *r, const char *call, int err, size_t alive, const char *unit)
{
	int code = err == EAGAIN || err == ENOMEM ? MODEL_LIMIT : MODEL_ERROR;
	const char *hint = "";
	if (code == MODEL_LIMIT && strcmp(unit, "threads") == 0)
		hint = " (raise ulimit -u, kernel.threads-max or vm.max_map_count, or use a "
		       "smaller :stack=)";
	else if (code == MODEL_LIMIT)
		hint = " (raise ulimit -u or kernel.pid_max)";
	return model_fail(r, code, "%s %s at %zu %s%s", call, model_errname(err), alive, unit,
			  hint);
}

int model_stack_check(int64_t v, char *msg, size_t len)
{
	long min = sysconf(_SC_THREAD_STACK_MIN);

	if (v == 0 || min <= 0 || v >= min)
		return 0;
	snprintf(msg, len,
		 "%lld is below the smallest stack pthreads accepts here (PTHREAD_STACK_MIN, "
		 "%ld bytes; 0: the system default)",
		 (long long)v, min);
	return -1;
}

int model_thread_attr(model_run *r, pthread_attr_t *attr)
{
	int64_t stack = model_opt(r->model, "stack");
	int err = pthread_attr_init(attr);
	if (err)
		return model_fail(r, MODEL_ERROR, "pthread_attr_init: %s", strerror(err));
	if (stack > 0 && (err = pthread_attr_setstacksize(attr, (size_t)stack))) {
		pthread_attr_destroy(attr);
		if (err == EINVAL)
			return model_fail(r, MODEL_ERROR,
					  "stack=%lld is below this system's minimum of %ld",
					  (long long)stack, sysconf(_SC_THREAD_STACK_MIN));
		return model_fail(r, MODEL_ERROR, "stack=%lld: pthread_attr_setstacksize: %s",
				  (long long)stack, strerror(err));
	}
	return MODEL_OK;
}

/* Scanning C pids for the one that ended costs far less than the fork and
 * exit that preceded it. */
int model_reap(model_run *r, pid_t *pid, size_t lanes, int *wstatus)
{
	for (;;) {
		pid_t got = waitpid(-1, wstatus, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			/* ECHILD: someone else reaps our children (SIGCHLD ignored). */
			model_fail(r, MODEL_ERROR, "waitpid: %s", strerror(errno));
			return -1;
		}
		for (size_t k = 0; k < lanes; k++) {
			if (pid[k] == got) {
				pid[k] = 0;
				return (int)k;
			}
		}
		/* Not one of ours; a run's process has no others, but be safe. */
	}
}

void model_describe_exit(char *buf, size_t len, int wstatus)
{
	if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
}

void model_task_lost(model_run *r, size_t i)
{
	model_task *t = &r->table->task[i];
	if (!t->err) {
		t->err = ECHILD;
		atomic_fetch_add(&r->table->nerr, 1);
	}
}

/* ---- the emulated GIL ---- */

const char *const model_gil_flags[] = { "gil", NULL };

int model_gil_start(model_run *r, gil **g)
{
	*g = NULL;
	if (!model_flag(r->model, "gil"))
		return MODEL_OK;
	uint64_t ms = (uint64_t)model_opt(r->model, "gil_interval_ms");
	if (!(*g = gil_new(ms * 1000000u, NULL, NULL)))
		return model_fail(r, MODEL_LIMIT, "gil_new: out of memory");
	return MODEL_OK;
}

void model_gil_stop(model_run *r, gil *g)
{
	if (!g)
		return;
	r->table->gil_switches = gil_switches(g);
	gil_free(g);
}

/* Waiting drops the lock, as CPython's sleep, select and socket calls do
 * (Py_BEGIN_ALLOW_THREADS), and takes it back before returning. */
static int gil_sleep_until(wl_io *io, uint64_t deadline_ns)
{
	gil_release(io->ctx);
	int rc = wl_io_blocking.sleep_until(&wl_io_blocking, deadline_ns);
	gil_acquire(io->ctx);
	return rc;
}

static int gil_wait_fd(wl_io *io, int fd, int events, uint64_t deadline_ns)
{
	gil_release(io->ctx);
	int rc = wl_io_blocking.wait_fd(&wl_io_blocking, fd, events, deadline_ns);
	gil_acquire(io->ctx);
	return rc;
}

static void gil_io_checkpoint(wl_io *io)
{
	gil_checkpoint(io->ctx);
}

static void gil_io_release(wl_io *io)
{
	gil_release(io->ctx);
}

static void gil_io_acquire(wl_io *io)
{
	gil_acquire(io->ctx);
}

void model_gil_io(wl_io *io, gil *g)
{
	*io = (wl_io){ .sleep_until = gil_sleep_until,
		       .wait_fd = gil_wait_fd,
		       .ctx = g,
		       .blocking = 1, /* a blocking call made between nogil_begin/end */
		       .checkpoint = gil_io_checkpoint,
		       .nogil_begin = gil_io_release,
		       .nogil_end = gil_io_acquire };
}
