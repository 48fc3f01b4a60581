/* test_coro_model.c - the coro model runs each task once, as sequential does, or fails cleanly. */
/* It resumes a coroutine from readiness or its deadline, turns a stack overflow into a clean
 * message and exit 70 under each kind of guard page, on loop 1's thread of loops=2 too, runs
 * 100,000 coroutines on the default stacks, and names vm.max_map_count when mprotect guards
 * run out of mappings. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "models/coroutine.h"

#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"

#ifndef MANY_IDLE
#define MANY_IDLE 100000 /* -DMANY_IDLE=... to try the test where maps are few */
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

static int memcheck(void)
{
	return getenv("CB_MEMCHECK") != NULL;
}

/* Every task once, on a lane below C, with no error; returns the digest. */
static uint64_t run_checked(const char *model, const wl_spec *w, size_t n, unsigned c)
{
	model_spec m;
	int rc;
	model_make(&m, model, 0);
	model_table *t = run_spec(&m, w, n, c, &rc);
	check_all_once(t, model, n, c, rc);
	uint64_t d = run_digest(t);
	model_table_free(t);
	return d;
}

/* The coro model agrees with sequential at each C in cs (0-terminated). */
static void same_as_sequential(const char *name, const char *key, const char *val, size_t n,
			       const unsigned *cs)
{
	wl_spec w;
	spec_make(&w, name, key, val, NULL);
	spec_prepare(&w);
	uint64_t want = run_checked("sequential", &w, n, 1);
	for (; *cs; cs++) {
		assert_int_equal(run_checked("coro", &w, n, *cs), want);
		assert_int_equal(run_checked("coro:loops=2", &w, n, *cs), want);
	}
	wl_release(&w);
}

static void test_model_sleep(void **state)
{
	size_t n = memcheck() ? 100 : 1000;
	const unsigned cs[] = { (unsigned)n, 7, 0 };
	size_t fds = count_dir("/proc/self/fd");
	struct sigaction sa0, sa1;
	stack_t ss0, ss1;

	sigaction(SIGSEGV, NULL, &sa0);
	sigaltstack(NULL, &ss0);
	same_as_sequential("sleep", "ms", "5", n, cs); /* sequential: n * 5 ms */
	sigaction(SIGSEGV, NULL, &sa1);
	sigaltstack(NULL, &ss1);
	assert_ptr_equal(sa1.sa_sigaction, sa0.sa_sigaction); /* handler put back */
	assert_int_equal(ss1.ss_flags, ss0.ss_flags);
	if (!(ss0.ss_flags & SS_DISABLE))
		assert_ptr_equal(ss1.ss_sp, ss0.ss_sp);
	assert_int_equal(count_dir("/proc/self/fd"), fds); /* the epoll fd closed */
}

static void test_model_cpu(void **state)
{
	const unsigned cs[] = { 1, 7, 1000, 0 };
	same_as_sequential("null", NULL, NULL, 1000, cs);
	same_as_sequential("fib", "n", "12", 200, cs);
}

/* ---- wait_fd: woken by readiness, or by the deadline ---- */

/* Task i: i%3 == 0 sleeps 5 ms and writes to pipe i/3; 1 waits to read it;
 * 2 waits on a pipe nobody writes, until a deadline 5 ms away. */
static void pipes_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const int(*fd)[4] = w->state;
	const int *p = fd[i / 3];
	uint64_t now = wl_now_ns();
	char b = 'x';
	int got = 0;

	if (i % 3 == 0) {
		io->sleep_until(io, now + 5000000);
		got = (int)write(p[1], &b, 1);
	} else if (i % 3 == 1) {
		got = io->wait_fd(io, p[0], WL_READ, now + 10000000000u);
		if (got == WL_READ && read(p[0], &b, 1) != 1)
			got = -1;
	} else {
		got = io->wait_fd(io, p[2], WL_READ, now + 5000000);
	}
	int want = i % 3 == 0 ? 1 : i % 3 == 1 ? WL_READ : -ETIMEDOUT;
	if (got != want)
		wl_fail(r, EPROTO, "task %zu: got %d, want %d", i, got, want);
	r->digest = wl_digest_u64(i * 16 + (uint64_t)(got & 15));
}

static void test_model_wait_fd(void **state)
{
	static const wl_param_def none[] = { { 0 } };
	static const wl_kind pipes = {
		.name = "pipes", .summary = "", .cls = "io", .params = none, .run = pipes_run
	};
	enum { P = 20 };
	int fd[P][4];
	wl_spec w = { .kind = &pipes, .state = fd };
	unsigned cs[] = { 3 * P, 3, 1 };

	for (size_t k = 0; k < N_ELEMS(cs); k++) {
		for (int j = 0; j < P; j++) {
			assert_int_equal(pipe(fd[j]), 0);
			assert_int_equal(pipe(fd[j] + 2), 0);
		}
		run_checked(k % 2 ? "coro:loops=2" : "coro", &w, 3 * P, cs[k]);
		for (int j = 0; j < P; j++)
			for (int e = 0; e < 4; e++)
				close(fd[j][e]);
	}
}

/* ---- stack overflow: a clean message and exit 70 ---- */

__attribute__((noinline)) static int deep(int n)
{
	volatile char buf[256];
	buf[0] = (char)n;
	int r = n == 0 ? 0 : deep(n - 1);
	__asm__ volatile("" : : "r"(buf) : "memory"); /* no tail call, no loop */
	return r + buf[0];
}

static void deep_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	r->digest = (uint64_t)deep(1 << 20);
}

/* With loops=2 and two tasks, deterministically on loop 1: the task on the
 * calling thread (loop 0) waits, holding loop 0's one lane, so loop 1's
 * thread takes the other and recurses, or with fault writes far from any
 * stack (a plain crash). */
static void off_main(int fault)
{
	if (syscall(SYS_gettid) == getpid()) {
		for (int k = 0; k < 20000; k++) /* 20 s at most: loop 1 ends the run */
			usleep(1000);
		return;
	}
	volatile char *volatile nowhere = NULL;
	if (fault)
		nowhere[16] = 1;
	else
		deep(1 << 20);
}

static void deep_loop1(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	off_main(0);
}

static void fault_loop1(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	off_main(1);
}

/* Run `run` n times on c lanes in a child; its wait status, and its
 * stderr in msg. With no_madv, the kernel is taken to lack
 * MADV_GUARD_INSTALL: mprotect guards. */
static int child_run(const char *model, int no_madv,
		     void (*run)(const wl_spec *, size_t, wl_io *, wl_result *), size_t n,
		     unsigned c, char *msg, size_t size)
{
	static const wl_param_def none[] = { { 0 } };
	wl_kind kind = {
		.name = "recurse", .summary = "", .cls = "cpu", .params = none, .run = run
	};
	wl_spec w = { .kind = &kind };
	int pfd[2], status;
	size_t len = 0;
	ssize_t k;

	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		model_spec m;
		int rc;
		dup2(pfd[1], 2);
		signal(SIGSEGV, SIG_DFL); /* not cmocka's: what a run child has */
		if (no_madv)
			setenv("CONCBENCH_FAULT_NO_MADV_GUARD", "1", 1);
		model_make(&m, model, 0);
		model_table_free(run_spec(&m, &w, n, c, &rc));
		_exit(0); /* not reached: the overflow ends the process */
	}
	close(pfd[1]);
	while ((k = read(pfd[0], msg + len, size - 1 - len)) > 0)
		len += (size_t)k;
	msg[len] = 0;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* One overflow in a child: its stderr must hold want, its exit be 70. */
static void overflow_case(const char *model, int no_madv, const char *want)
{
	char msg[512];
	int status = child_run(model, no_madv, deep_run, 1, 1, msg, sizeof msg);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 70)
		fail_msg("%s%s: child: status %#x, stderr: %s", model, no_madv ? " (mprotect)" : "",
			 status, msg);
	if (!strstr(msg, want))
		fail_msg("%s: stderr: %s", model, msg);
}

/* Each kind of guard page: madvise's where the kernel has it, mprotect's. */
static void test_stack_overflow(void **state)
{
	const char *want16 = "concbench: coroutine stack overflow (stack=16k): raise coro:stack=";
	overflow_case("coro:stack=16k", 0, want16);
	overflow_case("coro:stack=16k", 1, want16);
	overflow_case("coro:stack=4k", 0,
		      "concbench: coroutine stack overflow (stack=4k): raise coro:stack= "
		      "(e.g. coro:stack=8k)");
}

/* loops=2: an overflow on loop 1's thread (its own pool, its own signal
 * stack) ends the run as one on loop 0 does, with the very same stderr;
 * a fault elsewhere on loop 1 is still a crash, not an overflow. */
static void test_stack_overflow_loop1(void **state)
{
	char msg0[512], msg1[512];
	for (int no_madv = 0; no_madv <= 1; no_madv++) {
		int st0 = child_run("coro:stack=16k", no_madv, deep_run, 1, 1, msg0, sizeof msg0);
		int st1 = child_run("coro:stack=16k,loops=2", no_madv, deep_loop1, 2, 2, msg1,
				    sizeof msg1);
		assert_true(WIFEXITED(st0) && WEXITSTATUS(st0) == 70);
		if (!WIFEXITED(st1) || WEXITSTATUS(st1) != 70)
			fail_msg("loop 1%s: child: status %#x, stderr: %s",
				 no_madv ? " (mprotect)" : "", st1, msg1);
		assert_string_equal(msg1, msg0);
	}
	int st = child_run("coro:stack=16k,loops=2", 0, fault_loop1, 2, 2, msg1, sizeof msg1);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 70)
		fail_msg("a stray fault on loop 1 taken for an overflow: %s", msg1);
	assert_null(strstr(msg1, "stack overflow"));
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
		fail_msg("a stray fault on loop 1: status %#x, stderr: %s", st, msg1);
}

/* ---- many coroutines; and what happens when the kernel's maps run out ---- */

static long map_limit(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long m = -1;
	if (f && fscanf(f, "%ld", &m) != 1)
		m = -1;
	if (f)
		fclose(f);
	return m;
}

/* Does this kernel give guard pages without mappings (MADV_GUARD_INSTALL)? */
static int madv_guards(void)
{
	coroutine_pool *p = coroutine_pool_new(0);
	int yes = coroutine_pool_guard(p) == COROUTINE_GUARD_MADVISE;
	coroutine_pool_free(p);
	return yes;
}

/* 100,000 coroutines on the default stacks, under the default
 * vm.max_map_count: stacks are not mappings. */
static void test_many_idle(void **state)
{
	size_t n = memcheck() ? 10000 : ASAN ? 20000 : MANY_IDLE;
	long maps = map_limit();
	wl_spec w;
	model_spec m;
	int rc;

	if (!madv_guards() && (maps < 0 || (size_t)maps < 2 * n + 10000)) {
		print_message("skipped: no MADV_GUARD_INSTALL here, so %zu guard pages need 2 "
			      "maps each, and vm.max_map_count is %ld\n",
			      n, maps);
		skip();
	}
	spec_make(&w, "sleep", "ms", "50", NULL);
	spec_prepare(&w);
	model_make(&m, "coro", 0);
	model_table *t = run_spec(&m, &w, n, (unsigned)n, &rc);
	if (rc != MODEL_OK)
		fail_msg("rc %d: %s / %s", rc, t->why, t->msg);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(atomic_load(&t->task[i].runs), 1);
	model_table_free(t);
	wl_release(&w);
}

/* Guard pages by mprotect (the kernel is taken to lack MADV_GUARD_INSTALL)
 * cost two mappings a stack: the run meets vm.max_map_count and says so. */
static void test_map_limit(void **state)
{
	long maps = map_limit();
	char want[64];
	wl_spec w;
	model_spec m;
	int rc;

	if (memcheck() || ASAN) {
		print_message("skipped: ASan's or valgrind's own mmaps fail near the limit\n");
		skip();
	}
	if (maps < 0 || maps > 150000) {
		print_message("skipped: vm.max_map_count is %ld (too many stacks to reach)\n",
			      maps);
		skip();
	}
	size_t n = (size_t)maps / 2 + 1000, ran = 0;
	spec_make(&w, "sleep", "ms", "20", NULL);
	spec_prepare(&w);
	model_make(&m, "coro", 16 << 10);
	setenv("CONCBENCH_FAULT_NO_MADV_GUARD", "1", 1);
	model_table *t = run_spec(&m, &w, n, (unsigned)n, &rc);
	unsetenv("CONCBENCH_FAULT_NO_MADV_GUARD");
	assert_int_equal(rc, MODEL_LIMIT);
	if (!strstr(t->why, "coroutine stacks: ENOMEM at ") ||
	    !strstr(t->why, "mprotect guard pages: 2 mappings a stack") ||
	    !strstr(t->why, "or coro:guard=0"))
		fail_msg("why: %s", t->why);
	snprintf(want, sizeof want, "vm.max_map_count is %ld", maps);
	assert_non_null(strstr(t->why, want));
	for (size_t i = 0; i < n; i++) { /* what started, finished cleanly */
		unsigned runs = atomic_load(&t->task[i].runs);
		assert_true(runs <= 1);
		assert_int_equal(t->task[i].err, 0);
		ran += runs;
	}
	assert_true(ran > 0 && ran < n);
	model_table_free(t);
	wl_release(&w);
}

/* A stack that cannot be had, anywhere, through the fault hook: the 6th
 * fails. The message names what runs out: memory or address space where
 * stacks share mappings, vm.max_map_count where each guard page is one. */
static void spawn_fault(int no_madv, const char *want)
{
	wl_spec w;
	model_spec m;
	int rc;

	spec_make(&w, "sleep", "ms", "5", NULL);
	spec_prepare(&w);
	model_make(&m, "coro", 0);
	setenv("CONCBENCH_FAULT_SPAWN", "5", 1);
	if (no_madv)
		setenv("CONCBENCH_FAULT_NO_MADV_GUARD", "1", 1);
	model_table *t = run_spec(&m, &w, 20, 20, &rc);
	unsetenv("CONCBENCH_FAULT_SPAWN");
	unsetenv("CONCBENCH_FAULT_NO_MADV_GUARD");
	assert_int_equal(rc, MODEL_LIMIT);
	if (!strstr(t->why, "coroutine stacks: ENOMEM at ") || !strstr(t->why, want))
		fail_msg("why: %s", t->why);
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(atomic_load(&t->task[i].runs), i < 5);
		assert_int_equal(t->task[i].err, 0);
	}
	model_table_free(t);
	wl_release(&w);
}

static void test_spawn_fault(void **state)
{
	spawn_fault(1, "raise it with sysctl -w vm.max_map_count=");
	if (madv_guards())
		spawn_fault(0, "out of memory or address space");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_sleep),
		cmocka_unit_test(test_model_cpu),
		cmocka_unit_test(test_model_wait_fd),
		cmocka_unit_test(test_stack_overflow),
		cmocka_unit_test(test_stack_overflow_loop1),
		cmocka_unit_test(test_many_idle),
		cmocka_unit_test(test_map_limit),
		cmocka_unit_test(test_spawn_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
