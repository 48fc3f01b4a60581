/* test_memsample.c - a process tree's memory from /proc: statm's text, a
 * tree of children that each hold private memory, a pid that is gone. */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/run/memsample.h"

static void test_parse(void **st)
{
	long res, shr;
	assert_int_equal(memsample_parse_statm("1000 300 100 10 0 200 0\n", 4, &res, &shr), 0);
	assert_int_equal(res, 1200);
	assert_int_equal(shr, 400);
	assert_int_equal(memsample_parse_statm("garbage", 4, &res, &shr), -1);
	assert_int_equal(memsample_parse_statm("1000 100 300 1 0 1 0", 4, &res, &shr), -1);
}

/* meminfo's "Key: N kB" lines; the machine's KernelStack grows with
 * threads: 200 blocked threads add at least 8 KiB each (THREAD_SIZE is 16
 * KiB on x86-64 and arm64, never under 8 on a 64-bit kernel); asserted at
 * half that, since the figure is the whole machine's. */
static pthread_barrier_t hold;

static void *held(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&hold); /* every thread alive */
	pthread_barrier_wait(&hold); /* measured: go */
	return NULL;
}

static void test_kernel_stack(void **st)
{
	const char text[] = "MemTotal:       24000000 kB\nKernelStack:        1792 kB\n"
			    "PageTables:         100 kB\n";
	assert_int_equal(memsample_parse_meminfo(text, "KernelStack"), 1792);
	assert_int_equal(memsample_parse_meminfo(text, "Kernel"), -1);
	assert_int_equal(memsample_parse_meminfo(text, "Stack"), -1);
	assert_int_equal(memsample_parse_meminfo("KernelStack: lots\n", "KernelStack"), -1);

	enum { T = 200 };
	pthread_t t[T];
	long before = memsample_kernel_stack_kib();
	assert_true(before > 0);
	assert_int_equal(pthread_barrier_init(&hold, NULL, T + 1), 0);
	for (int i = 0; i < T; i++)
		assert_int_equal(pthread_create(&t[i], NULL, held, NULL), 0);
	pthread_barrier_wait(&hold);
	long during = memsample_kernel_stack_kib();
	pthread_barrier_wait(&hold);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&hold);
	assert_true(during - before >= T * 4);
}

#define KIDS 3
#define HELD (8 << 20) /* bytes each child writes, so they are its own */

/* Children that each write HELD bytes, say so on the pipe, and wait. */
static void test_tree(void **st)
{
	pid_t kids[KIDS];
	int p[2];
	assert_int_equal(pipe(p), 0);
	long alone = memsample_tree_kib(getpid());
	assert_true(alone > 0);
	for (int k = 0; k < KIDS; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			volatile char *m = malloc(HELD); /* volatile: the writes stay */
			if (!m)
				_exit(1);
			for (size_t i = 0; i < HELD; i += 512)
				m[i] = (char)i;
			if (write(p[1], "x", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	char c;
	for (int k = 0; k < KIDS; k++)
		assert_int_equal(read(p[0], &c, 1), 1);
	long all = memsample_tree_kib(getpid());
	for (int k = 0; k < KIDS; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	close(p[0]);
	close(p[1]);
	/* every child's private pages count, not just the largest process */
	assert_true(all - alone >= (long)KIDS * (HELD / 1024));
}

static void test_gone(void **st)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	assert_int_equal(memsample_tree_kib(pid), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_kernel_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
