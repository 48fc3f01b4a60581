/*
 * test_models.c - every blocking model runs every task exactly once, agrees on
 * the run digest, keeps at most C tasks in flight, and cleans up after itself
 * on the limit and crash paths (no zombies, no leaked threads or fds).
 *
 * Runs call kind->run() in this process, as the harness does in its run child.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "../models/model.h"

static const char *const all_models[] = { "sequential", "threads", "pool", "fork", "prefork" };
static const char *const spawners[] = { "threads", "pool", "fork", "prefork" };

/* Under ASan a fork copies page tables for the whole shadow map, and valgrind
 * runs every forked child under it too: keep the large N modest there. */
#if defined(__SANITIZE_ADDRESS__)
#define SLOW_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW_FORK 1
#endif
#endif
#ifndef SLOW_FORK
#define SLOW_FORK 0
#endif

static size_t big_n(void)
{
	return getenv("CB_MEMCHECK") ? 100 : SLOW_FORK ? 250 : 1000;
}

/* ---- building specs by hand, as spec.c would ---- */

static int64_t param_value(const wl_param_def *d, const char *text)
{
	if (d->type == WL_ENUM) {
		int64_t k = 0;
		for (const char *c = d->choices; c; k++) {
			const char *bar = strchr(c, '|');
			size_t len = bar ? (size_t)(bar - c) : strlen(c);
			if (strlen(text) == len && strncmp(c, text, len) == 0)
				return k;
			c = bar ? bar + 1 : NULL;
		}
		fail_msg("%s: %s is not a choice", d->name, text);
	}
	char *end;
	int64_t v = strtoll(text, &end, 10);
	switch (*end) {
	case 'k':
	case 'K': return v << 10;
	case 'm':
	case 'M': return v << 20;
	case 'g':
	case 'G': return v << 30;
	}
	return v;
}

/* Workload `name` with its defaults, and key=val if key is not NULL. */
static void wl_make(wl_spec *w, const char *name, const char *key, const char *val)
{
	char err[WL_ERRLEN];

	memset(w, 0, sizeof *w);
	w->kind = wl_find(name);
	assert_non_null(w->kind);
	for (const wl_param_def *d = w->kind->params; d && d->name; d++) {
		const char *text = key && strcmp(key, d->name) == 0 ? val : d->def;
		assert_true(w->nparams < WL_MAX_PARAMS);
		w->p[w->nparams].def = d;
		w->p[w->nparams].num = param_value(d, text);
		snprintf(w->p[w->nparams].text, sizeof w->p[0].text, "%s", text);
		w->nparams++;
	}
	assert_int_equal(wl_prepare(w, err, sizeof err), 0);
}

/* Model `name`, with stack=`stack` when that is not 0. */
static void model_make(model_spec *m, const char *name, int64_t stack)
{
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

/* One run as the harness makes it: t0, then run(), on a fresh table. */
static int run_in(const model_spec *m, const wl_spec *w, model_table *t, unsigned c)
{
	model_run r = { .model = m, .wl = w, .n = t->n, .c = c, .table = t };
	t->t0_ns = wl_now_ns();
	return m->kind->run(&r);
}

static model_table *run_spec(const model_spec *m, const wl_spec *w, size_t n, unsigned c, int *rc)
{
	model_table *t = model_table_new(n);
	assert_non_null(t);
	*rc = run_in(m, w, t, c);
	return t;
}

static model_table *run_model(const char *name, const wl_spec *w, size_t n, unsigned c, int *rc)
{
	model_spec m;
	model_make(&m, name, 0);
	return run_spec(&m, w, n, c, rc);
}

/* ---- what every good run looks like ---- */

static void check_all_once(model_table *t, const char *model, size_t n, unsigned c, int rc)
{
	size_t lanes = c < n ? c : n;

	if (rc != MODEL_OK)
		fail_msg("%s n=%zu c=%u: rc %d: %s", model, n, c, rc, t->msg);
	assert_int_equal(atomic_load(&t->status), MODEL_OK);
	assert_int_equal(atomic_load(&t->nerr), 0);
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

static uint64_t run_digest(model_table *t)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < t->n; i++)
		acc = wl_run_digest_add(acc, i, t->task[i].digest);
	return acc;
}

static size_t count_dir(const char *path)
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
static size_t threads_settle(size_t want)
{
	struct timespec ms = { 0, 1000000 };
	size_t now = count_dir("/proc/self/task");
	for (int k = 0; k < 2000 && now != want; k++) {
		nanosleep(&ms, NULL);
		now = count_dir("/proc/self/task");
	}
	return now;
}

static void assert_no_zombies(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* ---- every task exactly once ---- */

static void test_every_task_once(void **state)
{
	size_t ns[] = { 0, 1, 7, big_n() };
	wl_spec w;

	wl_make(&w, "null", NULL, NULL);
	for (size_t m = 0; m < N_ELEMS(all_models); m++)
		for (size_t a = 0; a < N_ELEMS(ns); a++) {
			size_t n = ns[a];
			unsigned cs[] = { 1, 3, (unsigned)n, (unsigned)(2 * n) };
			for (size_t b = 0; b < N_ELEMS(cs); b++) {
				int rc;
				if (cs[b] == 0)
					continue;
				model_table *t = run_model(all_models[m], &w, n, cs[b], &rc);
				check_all_once(t, all_models[m], n, cs[b], rc);
				model_table_free(t);
			}
		}
	wl_release(&w);
	assert_no_zombies();
}

static void test_fib_every_task_once(void **state)
{
	struct {
		size_t n;
		unsigned c;
	} runs[] = { { 7, 1 }, { 7, 3 }, { 50, 4 } };
	wl_spec w;

	wl_make(&w, "fib", "n", "10");
	for (size_t m = 0; m < N_ELEMS(all_models); m++)
		for (size_t k = 0; k < N_ELEMS(runs); k++) {
			int rc;
			model_table *t = run_model(all_models[m], &w, runs[k].n, runs[k].c, &rc);
			check_all_once(t, all_models[m], runs[k].n, runs[k].c, rc);
			model_table_free(t);
		}
	wl_release(&w);
}

/* ---- the same work, the same digest ---- */

/* The digest of running every task right here, with no model at all. */
static uint64_t direct_digest(const wl_spec *w, size_t n)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < n; i++) {
		wl_result res = { 0 };
		w->kind->run(w, i, &wl_io_blocking, &res);
		assert_int_equal(res.err, 0);
		acc = wl_run_digest_add(acc, i, res.digest);
	}
	return acc;
}

static void digests_agree(const char *name, const char *key, const char *val)
{
	const size_t n = 7;
	wl_spec w;

	wl_make(&w, name, key, val);
	uint64_t want = direct_digest(&w, n);
	for (size_t m = 0; m < N_ELEMS(all_models); m++) {
		int rc;
		model_table *t = run_model(all_models[m], &w, n, 3, &rc);
		check_all_once(t, all_models[m], n, 3, rc);
		if (run_digest(t) != want)
			fail_msg("%s on %s: digest %016llx, want %016llx", all_models[m], name,
				 (unsigned long long)run_digest(t), (unsigned long long)want);
		model_table_free(t);
	}
	wl_release(&w);
}

static void test_digests_fib(void **state)
{
	digests_agree("fib", "n", "15");
}

static void test_digests_hash(void **state)
{
	digests_agree("hash", NULL, NULL);
}

/* ---- at most C in flight: a lane runs one task at a time ---- */

static void test_lanes_serial(void **state)
{
	const size_t n = 12;
	const unsigned c = 3;
	wl_spec w;

	wl_make(&w, "sleep", "ms", "5");
	for (size_t m = 0; m < N_ELEMS(all_models); m++) {
		int rc, used[3] = { 0 };
		model_table *t = run_model(all_models[m], &w, n, c, &rc);
		check_all_once(t, all_models[m], n, c, rc);
		for (size_t a = 0; a < n; a++) {
			model_task *x = &t->task[a];
			used[x->worker] = 1;
			for (size_t b = 0; b < n; b++) {
				model_task *y = &t->task[b];
				if (a == b || x->worker != y->worker)
					continue;
				if (!(x->end_ns <= y->start_ns || y->end_ns <= x->start_ns))
					fail_msg("%s: tasks %zu and %zu overlap on lane %d",
						 all_models[m], a, b, x->worker);
			}
		}
		assert_true(used[0] + used[1] + used[2] <= (int)c);
		model_table_free(t);
	}
	wl_release(&w);
}

/* ---- the limit path: a spawn fails, everything in flight is waited for ---- */

static const char *spawn_call(const char *model)
{
	return strcmp(model, "threads") == 0 || strcmp(model, "pool") == 0
		       ? "pthread_create EAGAIN at %zu threads"
		       : "fork EAGAIN at %zu processes";
}

/* Spawn number `fault` fails; `ran` tasks (or, for pools, at most n) run. */
static void limit_case(const char *model, const char *fault, size_t n, unsigned c, size_t alive,
		       size_t ran)
{
	size_t threads0 = count_dir("/proc/self/task");
	char want[128];
	wl_spec w;
	int rc;

	wl_make(&w, "null", NULL, NULL);
	setenv("CONCBENCH_FAULT_SPAWN", fault, 1);
	model_table *t = run_model(model, &w, n, c, &rc);
	unsetenv("CONCBENCH_FAULT_SPAWN");

	snprintf(want, sizeof want, spawn_call(model), alive);
	if (rc != MODEL_LIMIT || strcmp(t->msg, want) != 0)
		fail_msg("%s: rc %d, msg \"%s\", want limit \"%s\"", model, rc, t->msg, want);
	assert_int_equal(atomic_load(&t->status), MODEL_LIMIT);
	for (size_t i = 0; i < n; i++) {
		unsigned runs = atomic_load(&t->task[i].runs);
		assert_true(runs <= 1);
		if (ran != (size_t)-1) /* one task per spawn: exactly the first ran */
			assert_int_equal(runs, i < ran);
	}
	assert_int_equal(atomic_load(&t->nerr), 0);
	model_table_free(t);
	wl_release(&w);
	assert_no_zombies();
	assert_int_equal(threads_settle(threads0), threads0);
}

static void test_limit(void **state)
{
	const size_t any = (size_t)-1;

	/* Spawn 2 of 4 fails: two were alive. */
	limit_case("threads", "2", 10, 4, 2, 2);
	limit_case("fork", "2", 10, 4, 2, 2);
	limit_case("pool", "2", 10, 4, 2, any);
	limit_case("prefork", "2", 10, 4, 2, any);
	/* In the steady state a slot was just freed: C - 1 alive. */
	limit_case("threads", "5", 10, 2, 1, 5);
	limit_case("fork", "5", 10, 2, 1, 5);
	/* A pool with no worker at all runs nothing. */
	limit_case("pool", "0", 10, 4, 0, 0);
	limit_case("prefork", "0", 10, 4, 0, 0);
}

/* A pool that cannot be built runs nothing new. To see it without timing,
 * every task waits until the queue's head (the table's next, in both pools)
 * reaches n: only closing the queue lets the tasks already taken finish. The
 * wait gives up after about 2 s so that a broken model fails, not hangs. */
static void gate_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	model_table *t = *(model_table *const *)w->state;
	struct timespec pause = { 0, 100000 };

	for (int k = 0; atomic_load(&t->next) < t->n; k++) {
		if (k == 20000) {
			wl_fail(r, ETIMEDOUT, "the queue was never closed");
			return;
		}
		nanosleep(&pause, NULL);
	}
	r->digest = wl_digest_u64(i);
}

static const wl_param_def no_params[] = { { 0 } };
static const wl_kind gate_kind = {
	"gate", "waits for the queue to close", "io", no_params, NULL, NULL, gate_run
};

static void test_limit_closes_pool(void **state)
{
	const char *const names[] = { "pool", "prefork" };

	for (size_t k = 0; k < N_ELEMS(names); k++) {
		model_table *t = model_table_new(10);
		wl_spec w = { .kind = &gate_kind, .state = &t };
		model_spec m;
		size_t ran = 0;

		assert_non_null(t);
		model_make(&m, names[k], 0);
		setenv("CONCBENCH_FAULT_SPAWN", "2", 1);
		int rc = run_in(&m, &w, t, 4);
		unsetenv("CONCBENCH_FAULT_SPAWN");
		if (rc != MODEL_LIMIT || atomic_load(&t->nerr) != 0)
			fail_msg("%s: rc %d, %d errors: %s", names[k], rc, atomic_load(&t->nerr),
				 t->msg);
		for (size_t i = 0; i < t->n; i++)
			ran += atomic_load(&t->task[i].runs);
		assert_true(ran <= 2); /* at most one per worker made */
		model_table_free(t);
		assert_no_zombies();
	}
}

/* ---- a task's process dies ---- */

typedef struct {
	pid_t parent; /* never die in the test process itself */
	int how;      /* 0: SIGKILL, else _exit(how) */
} crash_state;

/* Task 3 takes its process down; the others return their index's digest. */
static void crash_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const crash_state *cs = w->state;

	if (i == 3 && getpid() == cs->parent) {
		wl_fail(r, EINVAL, "task 3 ran in the test process");
		return;
	}
	if (i == 3 && cs->how == 0)
		raise(SIGKILL);
	if (i == 3)
		_exit(cs->how);
	r->digest = wl_digest_u64(i);
}

static const wl_kind crash_kind = {
	"crash", "task 3 dies", "cpu", no_params, NULL, NULL, crash_run
};

static model_table *run_crash(const char *model, int how, size_t n, unsigned c, int *rc)
{
	crash_state cs = { getpid(), how };
	wl_spec w = { .kind = &crash_kind, .state = &cs };
	return run_model(model, &w, n, c, rc);
}

static void assert_crashed(model_table *t, int rc, const char *want)
{
	if (rc != MODEL_ERROR || strcmp(t->msg, want) != 0)
		fail_msg("rc %d, msg \"%s\", want error \"%s\"", rc, t->msg, want);
	assert_int_equal(atomic_load(&t->status), MODEL_ERROR);
	assert_int_equal(atomic_load(&t->task[3].runs), 0);
	assert_int_equal(t->task[3].err, ECHILD);
	assert_no_zombies();
}

static void assert_others_once(model_table *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 3)
			continue;
		assert_int_equal(atomic_load(&t->task[i].runs), 1);
		assert_int_equal(t->task[i].err, 0);
		assert_int_equal(t->task[i].digest, wl_digest_u64(i));
	}
	assert_int_equal(atomic_load(&t->nerr), 1);
}

static void test_fork_crash(void **state)
{
	const size_t n = 10;
	int rc;

	model_table *t = run_crash("fork", 0, n, 3, &rc);
	assert_crashed(t, rc, "task 3: worker process killed by signal 9 (Killed)");
	assert_others_once(t, n);
	model_table_free(t);

	t = run_crash("fork", 7, n, 3, &rc);
	assert_crashed(t, rc, "task 3: worker process exited with status 7");
	assert_others_once(t, n);
	model_table_free(t);
}

static void test_prefork_crash(void **state)
{
	const size_t n = 10;
	int rc;

	/* The other workers drain the queue: only task 3 is lost. */
	model_table *t = run_crash("prefork", 0, n, 3, &rc);
	assert_crashed(t, rc, "task 3: worker process killed by signal 9 (Killed)");
	assert_others_once(t, n);
	model_table_free(t);

	/* The only worker dies: what it had not reached fails with it. */
	t = run_crash("prefork", 7, n, 1, &rc);
	assert_crashed(t, rc, "task 3: worker process exited with status 7");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(atomic_load(&t->task[i].runs), i < 3);
		assert_int_equal(t->task[i].err, i < 3 ? 0 : ECHILD);
	}
	assert_int_equal(atomic_load(&t->nerr), n - 3);
	model_table_free(t);
}

/* ---- options and bad arguments ---- */

static void test_stack_option(void **state)
{
	const char *const names[] = { "threads", "pool" };
	size_t threads0 = count_dir("/proc/self/task");
	wl_spec w;

	wl_make(&w, "fib", "n", "10");
	for (size_t k = 0; k < N_ELEMS(names); k++) {
		model_spec m;
		int rc;
		model_make(&m, names[k], 256 * 1024);
		assert_int_equal(m.o[0].def->is_size, 1);
		model_table *t = run_spec(&m, &w, 20, 4, &rc);
		check_all_once(t, names[k], 20, 4, rc);
		model_table_free(t);

		/* Below the system's minimum: an error that names the option. */
		model_make(&m, names[k], 1);
		t = run_spec(&m, &w, 20, 4, &rc);
		assert_int_equal(rc, MODEL_ERROR);
		assert_non_null(strstr(t->msg, "stack=1"));
		assert_int_equal(atomic_load(&t->task[0].runs), 0);
		model_table_free(t);
	}
	wl_release(&w);
	assert_int_equal(threads_settle(threads0), threads0);
}

static void test_zero_concurrency(void **state)
{
	wl_spec w;

	wl_make(&w, "null", NULL, NULL);
	for (size_t m = 0; m < N_ELEMS(spawners); m++) {
		int rc;
		model_table *t = run_model(spawners[m], &w, 5, 0, &rc);
		assert_int_equal(rc, MODEL_ERROR);
		assert_non_null(strstr(t->msg, "concurrency"));
		for (size_t i = 0; i < 5; i++)
			assert_int_equal(atomic_load(&t->task[i].runs), 0);
		model_table_free(t);
	}
	wl_release(&w);
}

/* ---- nothing leaks ---- */

static void test_no_fd_leak(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");
	size_t threads0 = count_dir("/proc/self/task");
	wl_spec w;

	wl_make(&w, "fib", "n", "10");
	for (int rep = 0; rep < 3; rep++)
		for (size_t m = 0; m < N_ELEMS(all_models); m++) {
			int rc;
			model_table *t = run_model(all_models[m], &w, 40, 8, &rc);
			check_all_once(t, all_models[m], 40, 8, rc);
			model_table_free(t);
		}
	wl_release(&w);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
	assert_int_equal(threads_settle(threads0), threads0);
	assert_no_zombies();
}

int main(void)
{
	/* The crash tests come first: their children leave from deep inside a
	 * task, and valgrind, which follows them, then reports glibc's cache of
	 * joined threads' stacks (left by the thread models) as possibly lost. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_crash),
		cmocka_unit_test(test_prefork_crash),
		cmocka_unit_test(test_every_task_once),
		cmocka_unit_test(test_fib_every_task_once),
		cmocka_unit_test(test_digests_fib),
		cmocka_unit_test(test_digests_hash),
		cmocka_unit_test(test_lanes_serial),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_limit_closes_pool),
		cmocka_unit_test(test_stack_option),
		cmocka_unit_test(test_zero_concurrency),
		cmocka_unit_test(test_no_fd_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
