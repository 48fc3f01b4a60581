/* test_corostack.c - coroutine stacks come from an arena: few mappings, guard pages that know their
 * place. */
/* 50,000 stacks add a handful of kernel mappings, not 100,000 (each guard mode that does
 * not split mappings); coroutine_pool_is_guard finds exactly the page below every stack,
 * in reserved and in later chunks; an access there faults; the coro model takes guard=0,
 * refuses guard=2, and runs sleeps on 4k stacks with the digest sequential gets. The
 * overflow message under each guard mode: test_coro_model.c. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "models/coroutine.h"
#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"

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

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Mappings this process has now: the lines of /proc/self/maps. */
static long maps_now(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int ch;
	assert_non_null(f);
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* A pool with guard g, or NULL (a message said why) where this kernel cannot. */
static coroutine_pool *pool_or_skip(size_t stack, coroutine_guard g)
{
	coroutine_pool *p = coroutine_pool_new_guard(stack, g);
	if (!p && g == COROUTINE_GUARD_MADVISE)
		print_message("no MADV_GUARD_INSTALL on this kernel (before Linux 6.13): "
			      "madvise guards not checked\n");
	else
		assert_non_null(p);
	return p;
}

/* The lowest usable byte of c's stack: its record sits in the top page. */
static char *stack_lo(const coroutine_pool *p, const coroutine *c)
{
	size_t pg = page_size();
	uintptr_t top = ((uintptr_t)c + pg - 1) / pg * pg;
	return (char *)(top - coroutine_pool_stack_size(p));
}

static void nothing(void *arg)
{
}

/* ---- a stack is not a mapping ---- */

static void maps_for(coroutine_guard g, size_t n)
{
	coroutine_pool *p = pool_or_skip(16 << 10, g);
	coroutine **c = calloc(n, sizeof *c);
	if (!p) {
		free(c);
		return;
	}
	assert_non_null(c);
	long before = maps_now();
	for (size_t i = 0; i < n; i++)
		assert_non_null(c[i] = coroutine_create(p, nothing, NULL));
	long grown = maps_now() - before;
	/* chunks double: about log2(n / 64) of them, each one mapping or two */
	if (grown > 64)
		fail_msg("guard %d: %zu stacks added %ld mappings", (int)g, n, grown);
	assert_int_equal(coroutine_pool_mapped(p), n);
	assert_int_equal(coroutine_pool_guard(p), g);
	for (size_t i = 0; i < n; i++) {
		assert_true(coroutine_pool_in_arena(p, c[i]));
		coroutine_free(c[i]);
	}
	coroutine_pool_free(p);
	assert_true(maps_now() <= before + 2); /* all of it given back */
	free(c);
}

static void test_stacks_share_mappings(void **state)
{
	size_t n = memcheck() ? 2000 : 50000;
	maps_for(COROUTINE_GUARD_NONE, n);
	maps_for(COROUTINE_GUARD_MADVISE, n);
}

/* mprotect guards do split the arena: two mappings a stack, as the limit
 * message says. */
static void test_mprotect_splits(void **state)
{
	enum { N = 100 };
	coroutine_pool *p = pool_or_skip(16 << 10, COROUTINE_GUARD_MPROTECT);
	coroutine *c[N];
	coroutine_pool_reserve(p, N, 0);
	long before = maps_now();
	for (int i = 0; i < N; i++)
		assert_non_null(c[i] = coroutine_create(p, nothing, NULL));
	assert_int_equal(maps_now(), before); /* reserved: no new mapping */
	assert_true(before >= 2 * N);
	for (int i = 0; i < N; i++)
		coroutine_free(c[i]);
	coroutine_pool_free(p);
}

/* Is the page holding addr in memory? */
static int resident(const void *addr)
{
	size_t pg = page_size();
	unsigned char v = 0;
	void *at = (void *)((uintptr_t)addr / pg * pg);
	assert_int_equal(mincore(at, pg, &v), 0);
	return v & 1;
}

/* reserve's depth: the pages below a record that it touches ahead (the
 * workload's stack_bytes), and no more. */
static void test_reserve_depth(void **state)
{
	enum { K = 8 };
	size_t pg = page_size();
	for (int deep = 0; deep < 2; deep++) {
		coroutine_pool *p = pool_or_skip(64 << 10, COROUTINE_GUARD_NONE);
		coroutine *c[K];
		assert_int_equal(coroutine_pool_reserve(p, K, deep ? 2 * pg : 0), K);
		for (int i = 0; i < K; i++) {
			assert_non_null(c[i] = coroutine_create(p, nothing, NULL));
			char *top = stack_lo(p, c[i]) + coroutine_pool_stack_size(p);
			assert_true(resident(top - 1)); /* the record's page: always */
			assert_int_equal(resident(top - pg - 1), deep);
			assert_int_equal(resident(top - 2 * pg - 1), deep);
			assert_false(resident(top - 4 * pg - 1)); /* never asked for */
		}
		for (int i = 0; i < K; i++)
			coroutine_free(c[i]);
		coroutine_pool_free(p);
	}
}

/* ---- the guard page: where is_guard says, and only there ---- */

static void guards_for(coroutine_guard g)
{
	enum { K = 100, N = 300 }; /* reserved, then two more chunks */
	coroutine_pool *p = pool_or_skip(8 << 10, g);
	coroutine *c[N];
	size_t pg = page_size();
	int heap = 0;
	if (!p)
		return;
	assert_int_equal(coroutine_pool_reserve(p, K, 0), K);
	for (int i = 0; i < N; i++) {
		assert_non_null(c[i] = coroutine_create(p, nothing, NULL));
		char *lo = stack_lo(p, c[i]);
		int guarded = g != COROUTINE_GUARD_NONE;
		assert_int_equal(coroutine_pool_is_guard(p, lo - 1), guarded);
		assert_int_equal(coroutine_pool_is_guard(p, lo - pg), guarded);
		assert_false(coroutine_pool_is_guard(p, lo));
		assert_false(coroutine_pool_is_guard(p, lo + pg - 1));
		assert_false(coroutine_pool_is_guard(p, c[i]));
		assert_true(coroutine_pool_in_arena(p, lo));
	}
	assert_false(coroutine_pool_is_guard(p, &heap));
	assert_false(coroutine_pool_is_guard(p, c));
	assert_false(coroutine_pool_in_arena(p, &heap));
	/* a coroutine really runs there, and its own frames are no guard */
	for (int i = 0; i < N; i++) {
		coroutine_switch(coroutine_main(p), c[i]);
		assert_true(coroutine_done(c[i]));
		coroutine_free(c[i]);
	}
	coroutine_pool_free(p);
}

static void test_is_guard(void **state)
{
	guards_for(COROUTINE_GUARD_NONE);
	guards_for(COROUTINE_GUARD_MADVISE);
	guards_for(COROUTINE_GUARD_MPROTECT);
}

/* Touching the page below a stack faults, with the faulting address in it:
 * what the overflow handler relies on. */
static void fault_for(coroutine_guard g)
{
	coroutine_pool *p = pool_or_skip(8 << 10, g);
	int status;
	if (!p)
		return;
	coroutine *c = coroutine_create(p, nothing, NULL);
	volatile char *below = stack_lo(p, c) - 100;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*below = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		fail_msg("guard %d: a write below the stack did not fault (status %#x)", (int)g,
			 status);
	coroutine_free(c);
	coroutine_pool_free(p);
}

static void test_guard_faults(void **state)
{
	fault_for(COROUTINE_GUARD_MADVISE);
	fault_for(COROUTINE_GUARD_MPROTECT);
}

/* AUTO takes madvise where the kernel has it; the fault hook says it has not. */
static void test_auto_guard(void **state)
{
	coroutine_pool *p = coroutine_pool_new(0);
	coroutine_pool *q = coroutine_pool_new_guard(0, COROUTINE_GUARD_MADVISE);
	assert_int_equal(coroutine_pool_guard(p),
			 q ? COROUTINE_GUARD_MADVISE : COROUTINE_GUARD_MPROTECT);
	coroutine_pool_free(p);
	coroutine_pool_free(q);
	setenv("CONCBENCH_FAULT_NO_MADV_GUARD", "1", 1);
	p = coroutine_pool_new(0);
	q = coroutine_pool_new_guard(0, COROUTINE_GUARD_MADVISE);
	unsetenv("CONCBENCH_FAULT_NO_MADV_GUARD");
	assert_int_equal(coroutine_pool_guard(p), COROUTINE_GUARD_MPROTECT);
	assert_null(q);
	coroutine_pool_free(p);
	/* a 4k stack is one page: taken as it is */
	p = coroutine_pool_new(4 << 10);
	assert_int_equal(coroutine_pool_stack_size(p), page_size() > 4096 ? page_size() : 4096);
	coroutine_pool_free(p);
}

/* ---- the coro model's options ---- */

static void test_guard_option(void **state)
{
	model_spec m;
	char err[256] = "";
	assert_int_equal(spec_model("coro:guard=0", &m, err, sizeof err), 0);
	assert_int_equal(model_opt(&m, "guard"), 0);
	assert_int_equal(spec_model("coro", &m, err, sizeof err), 0);
	assert_int_equal(model_opt(&m, "guard"), 1); /* the default */
	assert_int_equal(spec_model("coro:stack=4k", &m, err, sizeof err), 0);
	assert_int_not_equal(spec_model("coro:guard=2", &m, err, sizeof err), 0);
	if (!strstr(err, "guard") || !strstr(err, "'2' is out of range 0..1"))
		fail_msg("message: %s", err);
}

static uint64_t digest_of(const char *model, const wl_spec *w, size_t n)
{
	model_spec m;
	int rc;
	model_make(&m, model, 0);
	model_table *t = run_spec(&m, w, n, (unsigned)n, &rc);
	check_all_once(t, model, n, (unsigned)n, rc);
	uint64_t d = run_digest(t);
	model_table_free(t);
	return d;
}

/* 4k stacks hold a sleeping task's frames, with and without guard pages.
 * AddressSanitizer's redzones make every frame bigger: 8k there. */
static void test_small_stacks(void **state)
{
	size_t n = memcheck() ? 50 : 2000;
	const char *small = ASAN ? "coro:stack=8k" : "coro:stack=4k";
	char noguard[64];
	wl_spec w;
	model_spec m;
	int rc;

	if (ASAN)
		print_message("ASan's redzones overflow a 4k stack: 8k stacks checked\n");
	snprintf(noguard, sizeof noguard, "%s,guard=0", small);
	spec_make(&w, "sleep", "ms", "20", NULL);
	spec_prepare(&w);
	model_make(&m, "sequential", 0);
	model_table *t = run_spec(&m, &w, 20, 1, &rc); /* 20 sleeps: 0.4 s */
	uint64_t seq = run_digest(t);
	model_table_free(t);
	assert_int_equal(digest_of(small, &w, 20), seq);
	assert_int_equal(digest_of(noguard, &w, 20), seq);
	digest_of(small, &w, n); /* many at once: every task once */
	wl_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stacks_share_mappings),
		cmocka_unit_test(test_mprotect_splits),
		cmocka_unit_test(test_reserve_depth),
		cmocka_unit_test(test_is_guard),
		cmocka_unit_test(test_guard_faults),
		cmocka_unit_test(test_auto_guard),
		cmocka_unit_test(test_guard_option),
		cmocka_unit_test(test_small_stacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
