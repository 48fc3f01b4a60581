/*
 * test_cli.c - the concbench binary as a user meets it: help for every
 * command, exit codes, and messages that name the bad argument.
 * (test_cli_sweep.c: a real sweep's files, limits and Ctrl-C;
 * test_cli_http.c: the http workload and the bundled target.)
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <stdio.h>
#include <string.h>

static void test_basics(void **st)
{
	result *r = RUN("--version");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "concbench "));
	r = RUN("--help");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "run"));
	const char *cmds[] = { "run", "list", "topo", "bench", "serve" };
	for (size_t i = 0; i < N_ELEMS(cmds); i++) {
		r = RUN(cmds[i], "--help");
		assert_int_equal(r->code, 0);
		assert_non_null(strstr(r->out, "usage: concbench"));
	}
	r = RUN("list");
	assert_int_equal(r->code, 0);
	for (const char *const *n =
		     (const char *const[]){ "sequential", "threads", "pool", "fork", "prefork",
					    "fib", "hash", "sleep", "spin", "null", NULL };
	     *n; n++)
		assert_non_null(strstr(r->out, *n));
	/* the flags a model takes, under it: threads has +gil, fork has none */
	const char *th = strstr(r->out, "\n  threads "), *fk = strstr(r->out, "\n  fork ");
	assert_non_null(th);
	assert_non_null(fk);
	const char *flag = strstr(th, "      +gil ");
	assert_true(flag && flag < strstr(th, "\n  pool "));
	assert_true(strstr(fk, "      +gil ") == NULL ||
		    strstr(fk, "      +gil ") > strstr(fk, "\n  hybrid "));
	r = RUN("topo");
	assert_int_equal(r->code, 0);
	assert_true(strlen(r->out) > 0);
	r = run((const char *const[]){ NULL });
	assert_int_equal(r->code, 2);
}

static void test_usage_errors(void **st)
{
	USAGE("unknown command 'frobnicate'", "frobnicate");
	USAGE("'nope'", "list", "nope");
	USAGE("-w", "run");
	USAGE("unknown workload 'nope'", "run", "-w", "nope");
	USAGE("unknown parameter 'x'", "run", "-w", "fib:x=1");
	USAGE("'abc'", "run", "-w", "fib:n=abc");
	USAGE("--force", "run", "-w", "fib:n=50");
	USAGE("unknown model 'bogus'", "run", "-w", "null", "-m", "bogus");
	USAGE("-n", "run", "-w", "null", "-n", "0");
	USAGE("-n", "run", "-w", "null", "-n", "-3");
	USAGE("-n", "run", "-w", "null", "-n", "many");
	USAGE("-c", "run", "-w", "null", "-c", "0");
	USAGE("-c", "run", "-w", "null", "-c", "8..2");
	USAGE("--reps", "run", "-w", "null", "--reps", "0");
	USAGE("--bogus", "run", "-w", "null", "--bogus");
	USAGE("-n", "run", "-w", "null", "-n");
	USAGE("--cpus", "run", "-w", "null", "-m", "sequential", "-n", "1", "-c", "1", "-o", tmpdir,
	      "--cpus", "4096");
	USAGE("--cpus", "run", "-w", "null", "-m", "sequential", "-n", "1", "-c", "1", "-o", tmpdir,
	      "--cpus", "zero");
	/* bench --only: a part not among them, or an empty one, before anything runs */
	USAGE("--only nope: each part is one of tasks, scale, switch, timeline, load", "bench",
	      "--only", "nope");
	USAGE("--only tasks,,scale: each part", "bench", "--only", "tasks,,scale");
	USAGE("--only scale,: each part", "bench", "--only", "scale,");
}

/* Values that no run could take are usage errors before any run (exit 2,
 * no results directory), not the same failure repeated by every run. */
static void test_impossible_values(void **st)
{
	char sys_min[32], want[160];
	snprintf(sys_min, sizeof sys_min, "%ld bytes", sysconf(_SC_THREAD_STACK_MIN));
	const char *stacks[] = { "threads:stack=1k", "threads+gil:stack=1k", "pool:stack=8k",
				 "hybrid:stack=1024" };
	for (size_t k = 0; k < N_ELEMS(stacks); k++) {
		char name[16];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(stacks[k], ":+"), stacks[k]);
		snprintf(want, sizeof want, "-m: model %s: stack=%s: ", name,
			 strchr(stacks[k], '=') + 1);
		USAGE(want, "run", "-w", "null", "-m", stacks[k], "-o", tmpdir);
		USAGE("below the smallest stack pthreads accepts here (PTHREAD_STACK_MIN", "run",
		      "-w", "null", "-m", stacks[k], "-o", tmpdir);
		USAGE(sys_min, "run", "-w", "null", "-m", stacks[k], "-o", tmpdir);
	}
	USAGE("model coro: stack: '1k' is out of range 4096..", "run", "-w", "null", "-m",
	      "coro:stack=1k", "-o", tmpdir);
	USAGE("model coro: guard: '2' is out of range 0..1", "run", "-w", "null", "-m",
	      "coro:guard=2", "-o", tmpdir);
	USAGE("-w: switch:mode=pipe pairs tasks 0-1, 2-3, ...: give an even number of tasks (-n), "
	      "not 3",
	      "run", "-w", "switch:mode=pipe", "-m", "threads", "-n", "3", "-c", "2", "-o", tmpdir);
	USAGE("-w: switch:mode=pipe needs both tasks of a pair in flight at once: give -c 2 or more",
	      "run", "-w", "switch:mode=pipe", "-m", "threads", "-n", "4", "-c", "1,2", "-o",
	      tmpdir);
	USAGE("-w: hash: n=1000 is not a power of two", "run", "-w", "hash:algo=scrypt,n=1000",
	      "-m", "pool", "-o", tmpdir);
	USAGE("-w: hash: scrypt needs n < 2^(16*r)", "run", "-w", "hash:algo=scrypt,n=65536,r=1",
	      "-m", "pool", "-o", tmpdir);
	/* nothing ran: no results directory for any of them */
	char p[256];
	const char *names[] = { "null", "switch", "hash" };
	for (size_t k = 0; k < N_ELEMS(names); k++) {
		snprintf(p, sizeof p, "%s/%s", tmpdir, names[k]);
		assert_int_equal(access(p, F_OK), -1);
	}
	/* what works still does: yield mode takes any -n and -c */
	result *r = RUN("run", "-w", "switch:rounds=10", "-m", "threads", "-n", "3", "-c", "1",
			"--reps", "1", "--no-plot", "-o", tmpdir);
	assert_int_equal(r->code, 0);
}

/* The top-level help lists every command of main.c's table (and the ones
 * this test knows of), and `help NAME` is `NAME --help` for each. */
static void test_help_every_command(void **st)
{
	static result top, help;
	top = *RUN("--help");
	assert_int_equal(top.code, 0);
	const char *known[] = { "run",  "list",  "suite", "reproduce", "plot",
				"topo", "check", "bench", "serve",     "help" };
	for (size_t i = 0; i < N_ELEMS(known); i++) {
		char line[32];
		snprintf(line, sizeof line, "\n  %s ", known[i]);
		assert_non_null(strstr(top.out, line));
	}
	const char *p = strstr(top.out, "commands:\n");
	assert_non_null(p);
	int listed = 0;
	for (p = strchr(p, '\n') + 1; !strncmp(p, "  ", 2); p = strchr(p, '\n') + 1) {
		char name[32], usage[64];
		assert_int_equal(sscanf(p, "%31s", name), 1);
		listed++;
		help = *RUN("help", name);
		assert_int_equal(help.code, 0);
		assert_string_equal(help.err, "");
		result *r = RUN(name, "--help");
		assert_int_equal(r->code, 0);
		assert_string_equal(help.out, r->out);
		if (!strcmp(name, "help"))
			snprintf(usage, sizeof usage, "usage: concbench COMMAND");
		else
			snprintf(usage, sizeof usage, "usage: concbench %s", name);
		assert_memory_equal(help.out, usage, strlen(usage));
	}
	assert_true(listed >= (int)N_ELEMS(known));
	USAGE("unknown command 'frobnicate'", "help", "frobnicate");
	USAGE("'extra'", "help", "run", "extra");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_impossible_values),
		cmocka_unit_test(test_help_every_command),
	};
	return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
