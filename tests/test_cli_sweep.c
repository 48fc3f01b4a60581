/*
 * test_cli_sweep.c - `concbench run` end to end: a sweep's files, a limit
 * met mid-sweep, Ctrl-C, warm-ups and model order, --cpus, --timeout.
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness/report/csvread.h"
#include "harness/run/meta.h"
#include "models/model.h"
#include "models/registry.h"

static void test_sweep_files(void **st)
{
	result *r = RUN("run", "-w", "fib:n=15", "-m", "all", "-n", "4", "-c", "1,3", "--reps", "2",
			"-o", tmpdir, "--name", "sweep", "--timeline");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "summary"));
	assert_non_null(strstr(r->out, "prefork"));
	int models = 0;
	for (const model_kind *const *k = model_all(); *k; k++) {
		assert_non_null(strstr(r->out, (*k)->name));
		models++;
	}
	int want = models * 2 * 2; /* every model x 2 concurrency values x 2 reps */
	char p[256], statuses[128][64], digests[128][20];
	path_in(p, sizeof p, "sweep", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 128), want);
	for (int i = 0; i < want; i++) {
		assert_string_equal(statuses[i], "ok");
		assert_string_equal(digests[i], digests[0]); /* one digest for every model */
	}
	path_in(p, sizeof p, "sweep", "results.json");
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_true(sb.st_size > 100);
	path_in(p, sizeof p, "sweep", "tasks");
	DIR *d = opendir(p);
	assert_non_null(d);
	int files = 0, lanes = 0, events = 0;
	for (struct dirent *e; (e = readdir(d));) {
		files += e->d_name[0] != '.';
		lanes += strstr(e->d_name, ".lanes.csv") != NULL;
		events += strstr(e->d_name, ".events.csv") != NULL;
	}
	closedir(d);
	/* each run: its tasks, and the lanes and state events of --timeline */
	assert_int_equal(files, 3 * want);
	assert_int_equal(lanes, want);
	assert_int_equal(events, want);

	/* Every row says where it came from: host, version, the sweep's UTC
	 * start - the results directory's own stamp. */
	res_run *rows;
	size_t n;
	char err[256], host[64] = "", link[64], stamp[32];
	path_in(p, sizeof p, "sweep", "results.csv");
	assert_int_equal(csv_read_results(p, &rows, &n, err, sizeof err), 0);
	assert_int_equal(n, (size_t)want);
	gethostname(host, sizeof host - 1);
	snprintf(p, sizeof p, "%s/sweep/latest", tmpdir);
	ssize_t l = readlink(p, link, sizeof link - 1);
	assert_true(l > 0);
	link[l] = '\0';
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(rows[i].host, host);
		assert_string_equal(rows[i].concbench_version, CB_VERSION);
		assert_string_equal(rows[i].started_utc, rows[0].started_utc);
	}
	const char *u = rows[0].started_utc; /* 2026-11-30T06:12:27Z */
	assert_int_equal(strlen(u), 20);
	snprintf(stamp, sizeof stamp, "%.4s%.2s%.2s-%.2s%.2s%.2s", u, u + 5, u + 8, u + 11, u + 14,
		 u + 17);
	assert_non_null(strstr(link, stamp));
	free(rows);
}

/* A thread limit mid-sweep marks that run and the sweep goes on. */
static void test_limit(void **st)
{
	setenv("CONCBENCH_FAULT_SPAWN", "2", 1);
	result *r = RUN("run", "-w", "null", "-m", "threads,sequential", "-n", "6", "-c", "3",
			"--reps", "1", "-o", tmpdir, "--name", "limit");
	unsetenv("CONCBENCH_FAULT_SPAWN");
	assert_int_equal(r->code, 1);
	char p[256], statuses[4][64], digests[4][20];
	path_in(p, sizeof p, "limit", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 4), 2);
	assert_non_null(strstr(statuses[0], "limit: pthread_create EAGAIN"));
	assert_string_equal(statuses[1], "ok");
	assert_string_equal(digests[0], ""); /* a failed run has no digest, not zeros */
	assert_int_equal(strlen(digests[1]), 16);
}

/* Ctrl-C: the finished runs are kept, the sweep is marked partial, exit 130. */
static void test_interrupt(void **st)
{
	int o, e;
	static result r;
	memset(&r, 0, sizeof r);
	pid_t pid = start((const char *const[]){ "run", "-w", "sleep:ms=100", "-m", "sequential",
						 "-n", "2", "-c", "1", "--reps", "100", "-o",
						 tmpdir, "--name", "intr", NULL },
			  &o, &e);
	drain(o, e, &r, "rep 2 "); /* two runs finished */
	kill(pid, SIGINT);
	drain(o, e, &r, NULL);
	assert_int_equal(finish(pid), 130);
	assert_non_null(strstr(r.err, "interrupted"));
	char p[256], statuses[128][64], digests[128][20];
	path_in(p, sizeof p, "intr", "results.csv");
	int rows = csv_rows(p, statuses, digests, 128);
	assert_true(rows >= 3 && rows < 100);
	assert_string_equal(statuses[0], "ok");
	assert_string_equal(statuses[1], "ok");
	assert_string_equal(statuses[rows - 1], "partial");
	/* the partial run is kept, but not counted as finished */
	char want[128];
	snprintf(want, sizeof want, "interrupted: kept %d finished runs and the partial one in ",
		 rows - 1);
	assert_non_null(strstr(r.err, want));
	/* nothing left behind: no child of ours remains */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Warm-ups are dropped; model order rotates from rep to rep. */
static void test_warmup_and_order(void **st)
{
	result *r = RUN("run", "-w", "null", "-m", "sequential,pool,prefork", "-n", "3", "-c", "2",
			"--reps", "2", "--warmup", "2", "-o", tmpdir, "--name", "order");
	assert_int_equal(r->code, 0);
	char p[256];
	path_in(p, sizeof p, "order", "results.csv");
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	char line[1024], order[8][16];
	int n = -1;
	while (fgets(line, sizeof line, f)) {
		if (n >= 0 && n < 8) /* model is the second column; suite is empty */
			snprintf(order[n], sizeof order[n], "%.*s", (int)strcspn(line + 1, ","),
				 line + 1);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 6); /* 3 models x 2 reps; the 6 warm-ups are gone */
	const char *want[] = { "sequential", "pool", "prefork", "pool", "prefork", "sequential" };
	for (int i = 0; i < 6; i++)
		assert_string_equal(order[i], want[i]);
}

/* --cpus binds every task of the run: with one CPU, all start there. */
static void test_cpus(void **st)
{
	result *r = RUN("run", "-w", "spin:us=200", "-m", "threads,prefork", "-n", "6", "-c", "3",
			"--reps", "1", "--cpus", "0", "--timeline", "-o", tmpdir, "--name", "pin");
	assert_int_equal(r->code, 0);
	char p[256];
	path_in(p, sizeof p, "pin", "tasks");
	DIR *d = opendir(p);
	assert_non_null(d);
	int files = 0, tasks = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char f[600], line[256];
		snprintf(f, sizeof f, "%s/%s", p, e->d_name);
		FILE *fp = fopen(f, "r");
		assert_non_null(fp);
		assert_non_null(fgets(line, sizeof line, fp)); /* header */
		if (strstr(e->d_name, ".lanes.csv")) {
			fclose(fp);
			continue;
		}
		if (strstr(e->d_name, ".events.csv")) { /* lane,t_ns,event,task,cpu */
			int runs = 0;
			while (fgets(line, sizeof line, fp)) {
				char ev[16];
				int cpu;
				assert_int_equal(sscanf(line, "%*d,%*d,%15[a-z],%*d,%d", ev, &cpu), 2);
				if (strcmp(ev, "run") == 0) {
					assert_int_equal(cpu, 0); /* pinned: every run segment on CPU 0 */
					runs++;
				}
			}
			assert_true(runs >= 6); /* one per task at least */
			fclose(fp);
			continue;
		}
		while (fgets(line, sizeof line, fp)) {
			/* task,submit_s,start_s,end_s,worker,cpu,... */
			char *c = line;
			for (int k = 0; k < 5; k++)
				c = strchr(c, ',') + 1;
			assert_int_equal(atoi(c), 0);
			tasks++;
		}
		fclose(fp);
		files++;
	}
	closedir(d);
	assert_int_equal(files, 2);
	assert_int_equal(tasks, 12);
	path_in(p, sizeof p, "pin", "results.json");
	FILE *fp = fopen(p, "r");
	char buf[65536];
	size_t len = fread(buf, 1, sizeof buf - 1, fp);
	buf[len] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, "\"cpus\": \"0\""));
}

/* A run past --timeout is killed and reported; the sweep still ends. */
static void test_timeout(void **st)
{
	result *r = RUN("run", "-w", "sleep:ms=5000", "-m", "fork", "-n", "2", "-c", "2", "--reps",
			"1", "--timeout", "1", "-o", tmpdir, "--name", "slow");
	assert_int_equal(r->code, 1);
	char p[256], statuses[2][64], digests[2][20];
	path_in(p, sizeof p, "slow", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 2), 1);
	assert_string_equal(statuses[0], "error: timed out after 1 s");
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_files), cmocka_unit_test(test_limit),
		cmocka_unit_test(test_interrupt),   cmocka_unit_test(test_warmup_and_order),
		cmocka_unit_test(test_cpus),        cmocka_unit_test(test_timeout),
	};
	return cmocka_run_group_tests_name("cli_sweep", tests, setup, teardown);
}
