/*
 * model_fixture.h - what the model tests (test_models.c, test_model_faults.c,
 * test_looptasks.c, test_coro_model.c) share: making a model spec by hand,
 * running it as the harness does, checking that a run ran every task once,
 * and that it left no thread, fd or child behind. Include it after testutil.h.
 */
#ifndef CB_MODEL_FIXTURE_H
#define CB_MODEL_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "harness/run/spec.h"
#include "models/model.h"
#include "models/registry.h"

/* Model `name`, with stack=`stack` when that is not 0. A name with flags or
 * options ("threads+gil:gil_interval_ms=1") goes through the parser. */
static inline void model_make(model_spec *m, const char *name, int64_t stack)
{
	if (strpbrk(name, "+:")) {
		char err[160];
		if (spec_model(name, m, err, sizeof err) != 0)
			fail_msg("%s: %s", name, err);
		assert_int_equal(stack, 0);
		return;
	}
	memset(m, 0, sizeof *m);
	m->kind = model_find(name);
	assert_non_null(m->kind);
	snprintf(m->text, sizeof m->text, "%s", name);
	if (!stack)
		return;
	for (const model_opt_def *d = m->kind->opts; d && d->name; d++)
		if (strcmp(d->name, "stack") == 0)
			m->o[m->nopts].def = d;
	assert_non_null(m->o[0].def);
	m->o[0].num = stack;
	m->nopts = 1;
}

/* One run as the harness makes it: the workload's begin on a copy of w (a
 * failure recorded as the runner records it), the model's prepare, t0,
 * run(), end, on a fresh table. */
static inline int run_in(const model_spec *m, const wl_spec *w, model_table *t, unsigned c)
{
	wl_spec run = *w;
	char err[WL_ERRLEN] = "";
	model_run r = { .model = m, .wl = &run, .n = t->n, .c = c, .table = t };
	int rc = wl_begin(&run, t->n, err, sizeof err);
	if (rc != 0)
		return model_fail(&r, rc == EMFILE || rc == ENFILE ? MODEL_LIMIT : MODEL_ERROR,
				  "%s", err);
	if (m->kind->prepare && (rc = m->kind->prepare(&r)) != MODEL_OK) {
		wl_end(&run);
		return rc;
	}
	t->t0_ns = wl_now_ns();
	rc = m->kind->run(&r);
	wl_end(&run);
	return rc;
}

static inline model_table *run_spec(const model_spec *m, const wl_spec *w, size_t n, unsigned c,
				    int *rc)
{
	model_table *t = model_table_new(n);
	assert_non_null(t);
	*rc = run_in(m, w, t, c);
	return t;
}

static inline model_table *run_model(const char *name, const wl_spec *w, size_t n, unsigned c,
				     int *rc)
{
	model_spec m;
	model_make(&m, name, 0);
	return run_spec(&m, w, n, c, rc);
}

/* What every good run looks like: each task ran once, on a lane below
 * min(C, N), after t0, without an error. */
static inline void check_all_once(model_table *t, const char *model, size_t n, unsigned c, int rc)
{
	size_t lanes = c < n ? c : n;

	if (rc != MODEL_OK)
		fail_msg("%s n=%zu c=%u: rc %d: %s / %s", model, n, c, rc, t->why, t->msg);
	assert_int_equal(atomic_load(&t->status), MODEL_OK);
	assert_int_equal(atomic_load(&t->nerr), 0);
	assert_string_equal(t->why, "");
	for (size_t i = 0; i < n; i++) {
		model_task *k = &t->task[i];
		if (atomic_load(&k->runs) != 1)
			fail_msg("%s n=%zu c=%u: task %zu ran %u times", model, n, c, i,
				 atomic_load(&k->runs));
		assert_true(k->worker >= 0 && (size_t)k->worker < lanes);
		assert_true(k->start_ns >= t->t0_ns);
		assert_true(k->end_ns >= k->start_ns);
		assert_int_equal(k->err, 0);
	}
}

/* A lane runs one task at a time: no two tasks on one worker overlap. */
static inline void assert_lanes_serial(const model_table *t, const char *model)
{
	for (size_t a = 0; a < t->n; a++) {
		const model_task *x = &t->task[a];
		for (size_t b = 0; b < t->n; b++) {
			const model_task *y = &t->task[b];
			if (a == b || x->worker != y->worker)
				continue;
			if (!(x->end_ns <= y->start_ns || y->end_ns <= x->start_ns))
				fail_msg("%s: tasks %zu and %zu overlap on lane %d", model, a, b,
					 x->worker);
		}
	}
}

/* The run digest of every task's digest, as the harness reports it. */
static inline uint64_t run_digest(const model_table *t)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < t->n; i++)
		acc = wl_run_digest_add(acc, i, t->task[i].digest);
	return acc;
}

static inline size_t count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A joined thread may linger in /proc for a moment while the kernel finishes
 * its exit: poll (up to 2 s, a sanity bound) rather than race it. */
static inline size_t threads_settle(size_t want)
{
	struct timespec ms = { 0, 1000000 };
	size_t now = count_dir("/proc/self/task");
	for (int k = 0; k < 2000 && now != want; k++) {
		nanosleep(&ms, NULL);
		now = count_dir("/proc/self/task");
	}
	return now;
}

static inline void assert_no_zombies(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

#endif
