/* test_sweep.c - a run that did different work is an error, whatever its speed; --cpus and
 * the CPUs left for a peer (cpus.c). */
#define _GNU_SOURCE /* sched_getaffinity */
#include "tests/testutil.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/run/cpus.h"
#include "harness/run/sweep.h"

static void test_digest_reference(void **st)
{
	int have = 0;
	uint64_t ref = 0;
	res_run a = { .status = "ok", .digest = 0x1234 };
	res_run failed = { .status = "error: task 1: boom", .digest = 0x9999 };
	res_run b = { .status = "ok", .digest = 0x1234 };
	res_run c = { .status = "ok", .digest = 0xbeef };

	/* a failed run sets no reference: its digest covers only some tasks */
	sweep_check_digest(&failed, &have, &ref);
	assert_int_equal(have, 0);
	assert_string_equal(failed.status, "error: task 1: boom");

	sweep_check_digest(&a, &have, &ref);
	assert_int_equal(have, 1);
	assert_int_equal(ref, 0x1234);
	assert_string_equal(a.status, "ok");

	sweep_check_digest(&b, &have, &ref);
	assert_string_equal(b.status, "ok");

	sweep_check_digest(&c, &have, &ref);
	assert_non_null(strstr(c.status, "error: digest mismatch"));
	assert_non_null(strstr(c.status, "000000000000beef"));
	assert_non_null(strstr(c.status, "0000000000001234"));
	assert_int_equal(ref, 0x1234); /* the reference stays */
}

/* --cpus: no list binds nothing; a list outside the machine is refused with
 * the CPUs it has; a good list leaves the other CPUs spare for a peer. */
static void test_cpus_placement(void **st)
{
	cpus_plan p;
	char err[256] = "";

	assert_int_equal(cpus_choose(&p, NULL, err, sizeof err), 0);
	assert_null(p.run);
	assert_null(cpus_spare(p.topo, p.run));
	assert_int_equal(cpus_bind(p.topo, p.run), 0); /* nothing to bind */
	cpus_free(&p);

	assert_int_equal(cpus_choose(&p, "4096", err, sizeof err), -1);
	assert_non_null(strstr(err, "--cpus '4096' is not a list of this machine's CPUs ("));
	cpus_free(&p);
	assert_int_equal(cpus_choose(&p, "zero", err, sizeof err), -1);
	cpus_free(&p);

	/* the first allowed CPU for the runs, the rest for a peer */
	cpus_choose_first(&p);
	assert_non_null(p.topo);
	hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(p.topo);
	int ncpus = hwloc_bitmap_weight(allowed), first = hwloc_bitmap_first(allowed);
	hwloc_bitmap_t spare = cpus_spare(p.topo, p.run);
	if (ncpus < 2) {
		assert_null(p.run);
		assert_null(spare);
	} else {
		assert_int_equal(hwloc_bitmap_weight(p.run), 1);
		assert_int_equal(hwloc_bitmap_first(p.run), first);
		assert_int_equal(hwloc_bitmap_weight(spare), ncpus - 1);
		assert_false(hwloc_bitmap_isset(spare, (unsigned)first));
		hwloc_bitmap_free(spare);
	}
	cpus_free(&p);

	/* the same CPU by --cpus, and a bound child runs there only */
	char list[16];
	snprintf(list, sizeof list, "%d", first);
	assert_int_equal(cpus_choose(&p, list, err, sizeof err), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cpu_set_t set;
		int ok = cpus_bind(p.topo, p.run) == 0 &&
			 sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1 &&
			 CPU_ISSET(first, &set);
		_exit(ok ? 0 : 1);
	}
	int wst;
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	cpus_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_reference),
		cmocka_unit_test(test_cpus_placement),
	};
	return cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
}
