/*
 * test_gil.c - the emulated GIL, deterministically: a fake clock decides
 * when a switch is due, and the threads are ordered by the GIL's own waiter
 * count and an event log, never by sleeping. The only waits are bounded polls
 * for a condition that must come true.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "tests/testutil.h"

#include "models/gil.h"

#define IVL        5000000ull /* the interval the tests use, ns */
#define POLL_LIMIT 20         /* seconds a polled condition may take */
#define LOG_MAX    512

/* A clock that moves only when a test moves it. */
static uint64_t fake_now(void *arg)
{
	return atomic_load((atomic_uint_least64_t *)arg);
}

/* What happened, in order, from any thread. */
typedef struct {
	pthread_mutex_t mu;
	int ev[LOG_MAX];
	int n;
} event_log;

static void log_init(event_log *l)
{
	pthread_mutex_init(&l->mu, NULL);
	l->n = 0;
}

static void log_add(event_log *l, int ev)
{
	pthread_mutex_lock(&l->mu);
	if (l->n < LOG_MAX)
		l->ev[l->n++] = ev;
	pthread_mutex_unlock(&l->mu);
}

static int log_len(event_log *l)
{
	pthread_mutex_lock(&l->mu);
	int n = l->n;
	pthread_mutex_unlock(&l->mu);
	return n;
}

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Poll until the GIL reports n waiters; 0 if that never happens. */
static int await_waiters(gil *g, unsigned n)
{
	uint64_t end = real_ns() + POLL_LIMIT * 1000000000ull;
	struct timespec tick = { 0, 50000 };

	while (gil_waiters(g) != n) {
		if (real_ns() > end)
			return 0;
		nanosleep(&tick, NULL);
	}
	return 1;
}

/* Poll until the log holds n events; 0 if it never does. */
static int await_log(event_log *l, int n)
{
	uint64_t end = real_ns() + POLL_LIMIT * 1000000000ull;
	struct timespec tick = { 0, 50000 };

	while (log_len(l) < n) {
		if (real_ns() > end)
			return 0;
		nanosleep(&tick, NULL);
	}
	return 1;
}

/* Shared by a test and its threads. */
typedef struct {
	gil *g;
	atomic_uint_least64_t now;
	event_log log;
	int rounds;
	atomic_int held; /* times a thread saw itself as the holder */
} fixture;

static void fixture_init(fixture *f, uint64_t interval)
{
	atomic_init(&f->now, 0);
	log_init(&f->log);
	f->rounds = 1;
	atomic_init(&f->held, 0);
	f->g = gil_new(interval, fake_now, &f->now);
	assert_non_null(f->g);
}

static void fixture_fini(fixture *f)
{
	gil_free(f->g);
	pthread_mutex_destroy(&f->log.mu);
}

enum { W_GOT = 1, W_REL, H_BACK, H_IO, T_RUN, H_IO_DONE };

/* (1) waits, takes the lock from the holder, and gives it back only once the
 * old holder is queued for it. */
static void *waiter_then_release(void *arg)
{
	fixture *f = arg;

	gil_acquire(f->g);
	atomic_store(&f->held, gil_held_by_me(f->g));
	log_add(&f->log, W_GOT);
	await_waiters(f->g, 1);
	log_add(&f->log, W_REL);
	gil_release(f->g);
	return NULL;
}

static void test_switch_at_interval_not_before(void **state)
{
	fixture f;
	pthread_t t;

	fixture_init(&f, IVL);
	gil_acquire(f.g);
	/* Held long, but uncontended: the interval counts from the wait. */
	atomic_store(&f.now, 7 * IVL);
	assert_int_equal(gil_checkpoint(f.g), 0);
	assert_int_equal(pthread_create(&t, NULL, waiter_then_release, &f), 0);
	assert_true(await_waiters(f.g, 1));

	atomic_store(&f.now, 8 * IVL - 1);
	assert_int_equal(gil_checkpoint(f.g), 0);
	assert_true(gil_held_by_me(f.g));
	assert_int_equal(gil_switches(f.g), 0);
	assert_int_equal(log_len(&f.log), 0);

	atomic_store(&f.now, 8 * IVL);
	assert_int_equal(gil_checkpoint(f.g), 1); /* back only after W_REL */
	log_add(&f.log, H_BACK);
	assert_true(gil_held_by_me(f.g));
	assert_int_equal(gil_switches(f.g), 1);
	gil_release(f.g);
	pthread_join(t, NULL);

	assert_true(atomic_load(&f.held));
	assert_int_equal(f.log.n, 3);
	assert_int_equal(f.log.ev[0], W_GOT);
	assert_int_equal(f.log.ev[1], W_REL);
	assert_int_equal(f.log.ev[2], H_BACK);
	fixture_fini(&f);
}

/* (2) Without a waiter, no amount of time makes the holder let go. */
static void test_no_waiter_never_switches(void **state)
{
	static const uint64_t times[] = { 0, IVL, 1000 * IVL, UINT64_MAX / 2, UINT64_MAX };
	fixture f;

	fixture_init(&f, IVL);
	gil_acquire(f.g);
	for (size_t k = 0; k < N_ELEMS(times); k++) {
		atomic_store(&f.now, times[k]);
		assert_int_equal(gil_checkpoint(f.g), 0);
		assert_true(gil_held_by_me(f.g));
	}
	assert_int_equal(gil_switches(f.g), 0);
	assert_int_equal(gil_waiters(f.g), 0);
	gil_release(f.g);
	assert_false(gil_held_by_me(f.g));
	fixture_fini(&f);
}

/* (3) runs as soon as the holder starts its "I/O". */
static void *run_once(void *arg)
{
	fixture *f = arg;

	gil_acquire(f->g);
	log_add(&f->log, T_RUN);
	gil_release(f->g);
	return NULL;
}

static void test_release_around_io_runs_other_at_once(void **state)
{
	fixture f;
	pthread_t t;

	fixture_init(&f, IVL);
	gil_acquire(f.g);
	assert_int_equal(pthread_create(&t, NULL, run_once, &f), 0);
	assert_true(await_waiters(f.g, 1));
	log_add(&f.log, H_IO);
	gil_release(f.g); /* the clock stays at 0: no interval passes */
	assert_true(await_log(&f.log, 2));
	gil_acquire(f.g);
	log_add(&f.log, H_IO_DONE);
	assert_int_equal(gil_switches(f.g), 0);
	gil_release(f.g);
	pthread_join(t, NULL);

	assert_int_equal(f.log.n, 3);
	assert_int_equal(f.log.ev[0], H_IO);
	assert_int_equal(f.log.ev[1], T_RUN);
	assert_int_equal(f.log.ev[2], H_IO_DONE);
	fixture_fini(&f);
}

/* (4) takes the lock `rounds` times, logging each time it has it. */
static void *take_rounds(void *arg)
{
	fixture *f = arg;

	for (int k = 0; k < f->rounds; k++) {
		gil_acquire(f->g);
		if (gil_held_by_me(f->g))
			atomic_fetch_add(&f->held, 1);
		log_add(&f->log, W_GOT);
		gil_release(f->g);
	}
	return NULL;
}

static void test_force_switching_no_regrab(void **state)
{
	fixture f;
	pthread_t t;

	fixture_init(&f, IVL);
	f.rounds = 100;
	gil_acquire(f.g);
	assert_int_equal(pthread_create(&t, NULL, take_rounds, &f), 0);
	for (int k = 0; k < f.rounds; k++) {
		assert_true(await_waiters(f.g, 1));
		atomic_fetch_add(&f.now, IVL);
		assert_int_equal(gil_checkpoint(f.g), 1);
		log_add(&f.log, H_BACK);
	}
	gil_release(f.g);
	pthread_join(t, NULL);

	assert_int_equal(atomic_load(&f.held), f.rounds);
	assert_int_equal(gil_switches(f.g), f.rounds);
	assert_int_equal(f.log.n, 2 * f.rounds);
	for (int k = 0; k < f.log.n; k++)
		assert_int_equal(f.log.ev[k], k % 2 ? H_BACK : W_GOT);
	fixture_fini(&f);
}

/* (5) A CPU-bound thread: logs its id, lets the interval pass, checks. */
typedef struct {
	fixture *f;
	int id;
	int switched;
} cpu_thread;

static void *cpu_bound(void *arg)
{
	cpu_thread *c = arg;
	fixture *f = c->f;

	gil_acquire(f->g);
	for (int k = 0; k < f->rounds; k++) {
		log_add(&f->log, c->id);
		atomic_fetch_add(&f->now, IVL);
		c->switched += gil_checkpoint(f->g);
	}
	gil_release(f->g);
	return NULL;
}

static void test_three_threads_take_turns(void **state)
{
	enum { NT = 3 };
	fixture f;
	cpu_thread c[NT];
	pthread_t t[NT];

	fixture_init(&f, IVL);
	f.rounds = 50;
	gil_acquire(f.g); /* hold it until all three queue */
	for (int k = 0; k < NT; k++) {
		c[k] = (cpu_thread){ .f = &f, .id = k + 1 };
		assert_int_equal(pthread_create(&t[k], NULL, cpu_bound, &c[k]), 0);
	}
	assert_true(await_waiters(f.g, NT));
	gil_release(f.g);
	for (int k = 0; k < NT; k++)
		pthread_join(t[k], NULL);

	assert_int_equal(f.log.n, NT * f.rounds);
	assert_int_not_equal(f.log.ev[0], f.log.ev[1]);
	assert_int_not_equal(f.log.ev[1], f.log.ev[2]);
	assert_int_not_equal(f.log.ev[0], f.log.ev[2]);
	for (int k = NT; k < f.log.n; k++)
		assert_int_equal(f.log.ev[k], f.log.ev[k - NT]);
	for (int k = 0; k < NT; k++)
		assert_int_equal(c[k].switched, f.rounds);
	assert_int_equal(gil_switches(f.g), NT * f.rounds);
	fixture_fini(&f);
}

/* (6) Freeing an idle GIL is clean; NULL is "no GIL". */
static void test_free_and_null(void **state)
{
	gil *g = gil_new(GIL_INTERVAL_DEFAULT_NS, NULL, NULL);

	assert_non_null(g);
	gil_free(g);
	g = gil_new(GIL_INTERVAL_DEFAULT_NS, NULL, NULL);
	assert_non_null(g);
	gil_acquire(g);
	assert_true(gil_held_by_me(g));
	gil_release(g);
	gil_free(g);

	gil_free(NULL);
	gil_acquire(NULL);
	assert_int_equal(gil_checkpoint(NULL), 0);
	assert_false(gil_held_by_me(NULL));
	gil_release(NULL);
	assert_int_equal(gil_waiters(NULL), 0);
	assert_int_equal(gil_switches(NULL), 0);
}

/* The real clock with interval 0: a waiter gets the lock at the holder's very
 * next check point. A non-holder's check point never switches. */
static void test_real_clock_interval_zero(void **state)
{
	fixture f;
	pthread_t t;

	log_init(&f.log);
	atomic_init(&f.now, 0);
	atomic_init(&f.held, 0);
	f.g = gil_new(0, NULL, NULL);
	assert_non_null(f.g);
	assert_int_equal(gil_checkpoint(f.g), 0); /* not the holder */
	gil_acquire(f.g);
	assert_int_equal(pthread_create(&t, NULL, waiter_then_release, &f), 0);
	assert_true(await_waiters(f.g, 1));
	assert_int_equal(gil_checkpoint(f.g), 1);
	assert_true(gil_held_by_me(f.g));
	gil_release(f.g);
	pthread_join(t, NULL);
	assert_true(atomic_load(&f.held));
	assert_int_equal(f.log.n, 2);
	fixture_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_at_interval_not_before),
		cmocka_unit_test(test_no_waiter_never_switches),
		cmocka_unit_test(test_release_around_io_runs_other_at_once),
		cmocka_unit_test(test_force_switching_no_regrab),
		cmocka_unit_test(test_three_threads_take_turns),
		cmocka_unit_test(test_free_and_null),
		cmocka_unit_test(test_real_clock_interval_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
