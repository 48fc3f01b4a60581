/*
 * model.c - what every model shares: the shared task table, option lookup,
 * and model_exec(), the one place a task is timed and recorded.
 *
 * Keeping the timing here means no model can measure differently from another:
 * two clock reads per task (start and end), the CPU the task started on, and
 * an atomic count of how many times the task ran, so a test can prove that
 * every task ran exactly once under every model.
 */
#define _GNU_SOURCE
#include "model.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static size_t table_bytes(size_t n)
{
	return sizeof(model_table) + n * sizeof(model_task);
}

model_table *model_table_new(size_t n)
{
	if (n > (SIZE_MAX - sizeof(model_table)) / sizeof(model_task))
		return NULL;
	void *p = mmap(NULL, table_bytes(n), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	model_table *t = p; /* fresh anonymous pages are zero */
	t->n = n;
	model_table_reset(t);
	return t;
}

void model_table_free(model_table *t)
{
	if (t)
		munmap(t, table_bytes(t->n));
}

void model_table_reset(model_table *t)
{
	size_t n = t->n;
	memset(t, 0, table_bytes(n));
	t->n = n;
	atomic_flag_clear(&t->msg_taken);
	atomic_flag_clear(&t->why_taken);
	for (size_t i = 0; i < n; i++)
		t->task[i].worker = t->task[i].cpu = -1;
}

int64_t model_opt(const model_spec *m, const char *name)
{
	for (int k = 0; k < m->nopts; k++)
		if (strcmp(m->o[k].def->name, name) == 0)
			return m->o[k].num;
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

void model_exec(model_run *r, size_t i, int worker, wl_io *io)
{
	model_task *t = &r->table->task[i];
	wl_result res = { 0 };

	t->worker = worker;
	t->cpu = sched_getcpu();
	t->start_ns = wl_now_ns();
	r->wl->kind->run(r->wl, i, io, &res);
	t->end_ns = wl_now_ns();
	t->digest = res.digest;
	t->err = res.err;
	atomic_fetch_add(&t->runs, 1);
	if (res.err) {
		atomic_fetch_add(&r->table->nerr, 1);
		task_msgf(r->table, "task %zu: %s", i, res.msg);
	}
}

int model_fault_spawn(size_t spawned)
{
	const char *s = getenv("CONCBENCH_FAULT_SPAWN");
	return s && *s && spawned >= (size_t)strtoull(s, NULL, 10);
}
