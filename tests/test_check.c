/* test_check.c - the machine check (harness/run/check*.c): its advice and
 * warning from fixed figures, its JSON and context, and a real quick check
 * within sanity bounds (never a speed). test_check_cli.c: the command and a
 * sweep's context. */
#define _GNU_SOURCE /* open_memstream */
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report/json.h"
#include "harness/run/check.h"
#include "harness/run/check_procs.h"
#include "harness/run/check_report.h"

/* A quiet 2-core machine, every figure set. */
static check_result quiet(void)
{
	check_result r = { .online = 2, .allowed = 2, .eff_cores = 1.95, .spin_s = 0.05 };
	r.syscall_ns = 100, r.switch_ns = 2000, r.thread_ns = 30000, r.fork_ns = 200000;
	r.epoll_ns = 300, r.timer_res_ns = 1, r.slack_ns = 60000;
	r.load[0] = 0.3, r.load[1] = 0.2, r.load[2] = NAN;
	r.ntop = 1;
	r.top[0] = (check_proc){ .pid = 42, .comm = "spinner \"x\"", .cpu_pct = 97 };
	strcpy(r.governor, "performance");
	strcpy(r.turbo, "unknown");
	strcpy(r.smt, "off");
	r.max_map_count = 2000000, r.nofile = 1048576, r.nproc = -1;
	return r;
}

/* The advice of the row named item ("" when it has none); NULL: no such row. */
static const char *advice(const check_result *r, const char *item)
{
	static check_row rows[CHECK_ROWS];
	size_t n = check_rows(r, rows, CHECK_ROWS);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].item, item))
			return rows[i].advice;
	return NULL;
}

static void test_warning(void **st)
{
	char buf[512];
	check_result a = quiet(), b = quiet();
	assert_int_equal(check_warning(&a, &b, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(check_warning(NULL, NULL, buf, sizeof buf), 0);

	b.eff_cores = 1.1; /* a core taken away during the sweep */
	assert_int_equal(check_warning(&a, &b, buf, sizeof buf), 1);
	assert_non_null(strstr(buf, "1.10 of 2 cores"));
	assert_non_null(strstr(buf, "after"));
	assert_null(strchr(buf, '\n'));
	assert_int_equal(check_warning(NULL, &b, buf, sizeof buf), 1);

	b = quiet();
	a.load[0] = 2.5; /* load at or above the core count, all cores delivered */
	assert_int_equal(check_warning(&a, &b, buf, sizeof buf), 1);
	assert_non_null(strstr(buf, "load 2.50 >= 2 cores"));
	assert_non_null(strstr(buf, "before"));
	a.load[0] = 1.99;
	assert_int_equal(check_warning(&a, NULL, buf, sizeof buf), 0);
	a.eff_cores = 1.79; /* just under 90 % */
	assert_int_equal(check_warning(&a, NULL, buf, sizeof buf), 1);
	a.eff_cores = NAN; /* not measured: no warning from it */
	assert_int_equal(check_warning(&a, NULL, buf, sizeof buf), 0);
	/* a short buffer stays terminated */
	a.eff_cores = 0.5;
	assert_int_equal(check_warning(&a, NULL, buf, 12), 1);
	assert_int_equal(strlen(buf), 11);
}

static void test_advice(void **st)
{
	check_result r = quiet();
	assert_string_equal(advice(&r, "cores delivered"), "");
	assert_string_equal(advice(&r, "load average"), "");
	assert_string_equal(advice(&r, "cpu governor"), "");
	assert_string_equal(advice(&r, "turbo"), "");
	assert_string_equal(advice(&r, "vm.max_map_count"), "");
	assert_string_equal(advice(&r, "ulimit -u"), "");
	assert_non_null(strstr(advice(&r, "busiest others"), "97%"));

	r.eff_cores = 1.1, r.load[0] = 2.3, r.allowed = 1;
	strcpy(r.governor, "powersave");
	strcpy(r.turbo, "on");
	strcpy(r.smt, "on");
	r.max_map_count = 65530, r.nofile = 1024, r.nproc = 4096, r.slack_ns = 2e6;
	r.top[0].cpu_pct = 3;
	assert_non_null(strstr(advice(&r, "cores delivered"), "delivered 1.10 of 2 cores"));
	assert_non_null(strstr(advice(&r, "cores delivered"), "understated"));
	assert_non_null(strstr(advice(&r, "load average"), "load 2.30 >= 2 cores"));
	assert_non_null(strstr(advice(&r, "cores"), "only 1 of 2"));
	assert_non_null(strstr(advice(&r, "cpu governor"), "governor powersave"));
	assert_non_null(strstr(advice(&r, "turbo"), "turbo on"));
	assert_non_null(strstr(advice(&r, "smt"), "SMT on"));
	assert_non_null(strstr(advice(&r, "vm.max_map_count"), "~32k"));
	/* guard pages without a mapping each (Linux 6.13+): the count limits nothing */
	r.madv_guard = 1;
	assert_string_equal(advice(&r, "vm.max_map_count"), "");
	r.madv_guard = 0;
	assert_non_null(strstr(advice(&r, "ulimit -n"), "1024"));
	assert_non_null(strstr(advice(&r, "ulimit -u"), "4096"));
	assert_non_null(strstr(advice(&r, "timer slack"), "2.00 ms"));
	assert_string_equal(advice(&r, "busiest others"), "");
	strcpy(r.governor, "unknown");
	assert_string_equal(advice(&r, "cpu governor"), "");

	/* the printed table has every row, its advice beside it */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	check_print(f, &r);
	fclose(f);
	assert_non_null(strstr(text, "item"));
	assert_non_null(strstr(text, "delivered 1.10 of 2 cores"));
	assert_non_null(strstr(text, "ulimit -u"));
	free(text);
}

/* check_json(r) as text, checked to be one JSON value. */
static char *json_of(const check_result *r)
{
	char *text = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	jw w;
	jw_init(&w, f);
	assert_int_equal(check_json(&w, r), 0);
	assert_int_equal(jw_done(&w), 0);
	fclose(f);
	assert_int_equal(json_check(text, len, err, sizeof err), 0);
	return text;
}

static void test_json(void **st)
{
	check_result r = quiet();
	r.eff_cores = 1.1;
	char *text = json_of(&r);
	const char *keys[] = { "\"effective_cores\": 1.1,",
			       "\"cores_online\": 2,",
			       "\"syscall_ns\": 100,",
			       "\"thread_switch_ns\"",
			       "\"thread_start_join_ns\"",
			       "\"fork_wait_ns\"",
			       "\"epoll_wait_ns\"",
			       "\"timer_resolution_ns\"",
			       "\"timer_slack_ns\"",
			       "\"load\"",
			       "\"busiest\"",
			       "\"comm\": \"spinner \\\"x\\\"\"",
			       "\"governor\": \"performance\"",
			       "\"turbo\": \"unknown\"",
			       "\"smt\": \"off\"",
			       "\"max_map_count\": 2000000",
			       "\"ulimit_nofile\": 1048576",
			       "\"ulimit_nproc\": null",
			       "\"advice\"",
			       "delivered 1.10 of 2 cores",
			       "null\n" /* the NaN load */ };
	for (size_t i = 0; i < N_ELEMS(keys); i++)
		assert_non_null(strstr(text, keys[i]));
	free(text);
}

static void test_context(void **st)
{
	char err[128];
	check_result a = quiet(), b = quiet();
	b.eff_cores = 0.9;
	char *c = check_context("{\n  \"host\": \"h\"\n}\n", &a, &b);
	assert_non_null(c);
	assert_int_equal(json_check(c, strlen(c), err, sizeof err), 0);
	assert_non_null(strstr(c, "\"host\": \"h\",\n  \"check\": {\n    \"before\": {"));
	assert_non_null(strstr(c, "\"effective_cores\": 0.9"));
	free(c);
	c = check_context("{}", &a, NULL);
	assert_non_null(c);
	assert_int_equal(json_check(c, strlen(c), err, sizeof err), 0);
	assert_non_null(strstr(c, "\"after\": null"));
	free(c);
	assert_null(check_context("not an object", &a, NULL));
	assert_null(check_context(NULL, &a, NULL));
}

/* The busiest others from two fixed snapshots, one second apart. */
static void test_busiest(void **st)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	long long t = (long long)hz; /* one second of CPU */
	check_procs_snap a[] = { { 1, 100, "idle" },
				 { 2, 100, "half" },
				 { 3, 100, "full" },
				 { 4, 100, "quarter" },
				 { 5, 100, "gone" } };
	check_procs_snap b[] = { { 1, 100, "idle" },
				 { 2, 100 + t / 2, "half" },
				 { 3, 100 + t, "full" },
				 { 4, 100 + t / 4, "quarter" },
				 { 6, t / 10 * 3, "born" } };
	check_result r;
	memset(&r, 0, sizeof r);
	check_procs_top(&r, a, N_ELEMS(a), b, N_ELEMS(b), 1.0);
	assert_int_equal(r.ntop, 3);
	assert_string_equal(r.top[0].comm, "full");
	assert_int_equal(r.top[0].pid, 3);
	assert_true(fabs(r.top[0].cpu_pct - 100) < 1);
	assert_string_equal(r.top[1].comm, "half");
	assert_string_equal(r.top[2].comm, "born"); /* 30 %, born in the window */
	check_procs_top(&r, a, N_ELEMS(a), a, N_ELEMS(a), 1.0);
	assert_int_equal(r.ntop, 0);
	/* a real snapshot never lists this process */
	check_procs_snap *snap;
	size_t n = check_procs_read(&snap);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		assert_true(snap[i].pid != getpid() && snap[i].ticks >= 0);
	free(snap);
}

/* A real quick check: sane values only, no speed asserted. */
static void test_real_quick(void **st)
{
	check_result r;
	assert_int_equal(check_run(&r, 1), 0);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	assert_int_equal(r.online, online);
	assert_true(r.allowed >= 1 && r.allowed <= r.online);
	assert_true(r.eff_cores > 0 && r.eff_cores <= online * 1.1 + 0.1);
	assert_true(r.syscall_ns > 0);
	assert_true(r.switch_ns > 0);
	assert_true(r.thread_ns > 0);
	assert_true(r.fork_ns > 0);
	assert_true(r.epoll_ns > 0);
	assert_true(r.timer_res_ns > 0);
	assert_true(r.slack_ns > -1e6); /* nanosleep(1 ms) took >= 0 */
	assert_true(r.load[0] >= 0);
	assert_true(r.ntop >= 0 && r.ntop <= CHECK_TOP);
	for (int i = 0; i < r.ntop; i++) {
		assert_true(r.top[i].pid != getpid());
		assert_true(r.top[i].cpu_pct > 0);
		if (i)
			assert_true(r.top[i].cpu_pct <= r.top[i - 1].cpu_pct);
	}
	assert_true(r.governor[0] && r.turbo[0] && r.smt[0]);
	assert_true(r.quick == 1 && r.took_s > 0);
	free(json_of(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warning), cmocka_unit_test(test_advice),
		cmocka_unit_test(test_json),    cmocka_unit_test(test_context),
		cmocka_unit_test(test_busiest), cmocka_unit_test(test_real_quick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
