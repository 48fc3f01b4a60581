/*
 * test_plot_server.c - a server sweep's charts from its rows: connections on
 * x, a block per model holding the medians over reps at the model's largest
 * C; the rate chart only for an open-loop sweep; nothing for batch rows.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/plot/plot.h"
#include "harness/report/report.h"

/* A row of model m at `conns` connections, rep k: rps 1000*conns*(m+1)+k. */
static res_run row(const char *model, unsigned c, size_t conns, int k, double rate)
{
	res_run r;
	res_init(&r);
	snprintf(r.model, sizeof r.model, "%s", model);
	snprintf(r.workload, sizeof r.workload, "serve");
	snprintf(r.params, sizeof r.params, "work=null");
	snprintf(r.status, sizeof r.status, "ok");
	r.tasks = conns;
	r.concurrency = c;
	r.rep = k;
	r.makespan_s = 1;
	r.cpu_user_s = 0.5;
	r.cpu_sys_s = 0.5;
	r.max_rss_kib = 1000;
	r.rate_requested = rate;
	r.client_requests = 1000;
	r.client_errors = 0;
	r.client_rps = 1000.0 * (double)conns * (strcmp(model, "epoll") ? 1 : 2) + k;
	r.client_p50_s = 0.001 * (double)conns;
	r.client_p99_s = 0.002 * (double)conns;
	r.client_max_s = 0.003 * (double)conns;
	return r;
}

static char *dir_with(const res_run *rows, size_t n, char *root)
{
	char err[256];
	strcpy(root, "/tmp/cb-plotsrv-XXXXXX");
	assert_non_null(mkdtemp(root));
	rep_dir *d = rep_open_at(root, "srv", 1, err, sizeof err);
	assert_non_null(d);
	assert_int_equal(rep_write(d, rows, n, NULL), 0);
	char *path = strdup(rep_path(d));
	rep_close(d);
	return path;
}

static int exists(const char *dir, const char *file)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, file);
	return access(p, R_OK) == 0;
}

static void cleanup(const char *root)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_closed_sweep(void **st)
{
	res_run rows[24];
	size_t n = 0;
	for (int k = 1; k <= 3; k++)
		for (size_t conns = 1; conns <= 4; conns *= 2) {
			rows[n++] = row("threads", 4, conns, k, __builtin_nan(""));
			rows[n++] = row("epoll", 1, conns, k, __builtin_nan(""));
		}
	char root[64], err[256];
	char *dir = dir_with(rows, n, root);
	FILE *diag = fopen("/dev/null", "w");
	assert_true(plot_dir(dir, NULL, diag, err, sizeof err) >= 0);
	fclose(diag);
	assert_true(exists(dir, "server_throughput.dat"));
	assert_true(exists(dir, "server_latency.gp"));
	assert_true(exists(dir, "server_cost.dat"));
	assert_false(exists(dir, "server_rate.dat")); /* no rates: no hockey stick */

	/* the medians over the three reps (k = 1, 2, 3: the middle is 2) */
	char p[512], line[256];
	snprintf(p, sizeof p, "%s/server_throughput.dat", dir);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	int seen = 0;
	while (fgets(line, sizeof line, f)) {
		double x, y;
		if (line[0] == '#' || sscanf(line, "%lf %lf", &x, &y) != 2)
			continue;
		assert_true(y == 1000 * x + 2 || y == 2000 * x + 2);
		seen++;
	}
	fclose(f);
	assert_int_equal(seen, 6); /* 3 connection counts x 2 models */
	free(dir);
	cleanup(root);
}

/* A model that hit a limit at one x has no point there; the chart says so
 * once, and not where another rep of it made the point. */
static void test_limit_note(void **st)
{
	res_run rows[8];
	size_t n = 0;
	for (size_t conns = 1; conns <= 4; conns *= 2)
		rows[n++] = row("epoll", 1, conns, 1, __builtin_nan(""));
	for (size_t conns = 1; conns <= 4; conns *= 2) {
		rows[n] = row("select", 1, conns, 1, __builtin_nan(""));
		if (conns >= 2)
			snprintf(rows[n].status, sizeof rows[n].status,
				 "limit: select: fd 1024 is past FD_SETSIZE (1024): use poll");
		n++;
	}
	rows[n] = rows[n - 1]; /* a second limited rep at 4 */
	n++;
	rows[n] = row("select", 1, 2, 2, __builtin_nan("")); /* an ok rep at 2 */
	n++;
	char root[64], err[256], p[512], text[8192];
	char *dir = dir_with(rows, n, root);
	FILE *diag = fopen("/dev/null", "w");
	assert_true(plot_dir(dir, NULL, diag, err, sizeof err) >= 0);
	fclose(diag);
	snprintf(p, sizeof p, "%s/server_latency.gp", dir);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	size_t len = fread(text, 1, sizeof text - 1, f);
	text[len] = 0;
	fclose(f);
	assert_non_null(strstr(
		text, "select at 4 (limit: select: fd 1024 is past FD\\\\_SETSIZE (1024)...)"));
	assert_null(strstr(text, "select at 2 ("));
	const char *at = strstr(text, "select at 4");
	assert_null(strstr(at + 1, "select at 4")); /* once */
	free(dir);
	cleanup(root);
}

static void test_open_sweep_and_batch(void **st)
{
	res_run rows[8];
	size_t n = 0;
	for (double rate = 100; rate <= 400; rate *= 2)
		rows[n++] = row("epoll", 1, 8, 1, rate);
	char root[64], err[256];
	char *dir = dir_with(rows, n, root);
	FILE *diag = fopen("/dev/null", "w");
	assert_true(plot_dir(dir, NULL, diag, err, sizeof err) >= 0);
	assert_true(exists(dir, "server_rate.dat"));
	assert_false(exists(dir, "server_throughput.dat")); /* one connections value */
	free(dir);
	cleanup(root);

	/* batch rows (another workload, no client figures): no server chart */
	for (size_t i = 0; i < n; i++) {
		rows[i].client_rps = __builtin_nan("");
		rows[i].client_requests = -1;
		snprintf(rows[i].workload, sizeof rows[i].workload, "fib");
	}
	dir = dir_with(rows, n, root);
	assert_true(plot_dir(dir, NULL, diag, err, sizeof err) >= 0);
	fclose(diag);
	assert_false(exists(dir, "server_rate.dat"));
	free(dir);
	cleanup(root);
}

/* One connections value per model, a closed and an open loop: no line to
 * draw, so server_steps holds a bar group per step, the medians over reps,
 * the uncorrected p99 beside the corrected one; too many steps: none. */
static void test_steps(void **st)
{
	res_run rows[64];
	size_t n = 0;
	for (int k = 1; k <= 3; k++) {
		rows[n++] = row("threads", 10, 10, k, __builtin_nan(""));
		rows[n++] = row("epoll", 10, 10, k, 1000);
	}
	for (size_t i = 0; i < n; i++)
		rows[i].client_p99_uncorrected_s = rows[i].client_p99_s / 4;
	rows[0].rss_sum_kib = 500; /* threads rep 1: 50 KiB a connection */
	snprintf(rows[2].status, sizeof rows[2].status, "slowed: x"); /* left out */
	rows[2].client_rps = 1e9;
	char root[64], err[256];
	char *dir = dir_with(rows, n, root);
	FILE *diag = fopen("/dev/null", "w");
	assert_true(plot_dir(dir, NULL, diag, err, sizeof err) >= 0);
	assert_true(exists(dir, "server_steps.gp"));
	assert_false(exists(dir, "server_throughput.dat"));
	char p[512], line[256], lab[128];
	snprintf(p, sizeof p, "%s/server_steps.dat", dir);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	int seen = 0;
	while (fgets(line, sizeof line, f)) {
		double x, rps, p99, p99u, kib;
		if (line[0] == '#' || sscanf(line, "%lf \"%127[^\"]\" %lf %lf %lf %lf", &x, lab,
					     &rps, &p99, &p99u, &kib) != 6)
			continue;
		if (x == 1) {
			assert_string_equal(lab, "threads C=10, 10 conns, closed loop");
			assert_true(rps == 10002); /* reps 1 and 3 */
			assert_true(kib == 75);    /* median of 50 and 100 */
		} else {
			assert_string_equal(lab, "epoll C=10, 10 conns, 1000/s");
			assert_true(rps == 20002);
			assert_true(p99 == 20 && p99u == 5);
		}
		seen++;
	}
	fclose(f);
	assert_int_equal(seen, 2);
	free(dir);
	cleanup(root);

	n = 0; /* 30 steps: no bars */
	for (size_t conns = 1; conns <= 30; conns++)
		rows[n++] = row("epoll", 1, conns, 1, __builtin_nan(""));
	dir = dir_with(rows, n, root);
	assert_true(plot_dir(dir, NULL, diag, err, sizeof err) >= 0);
	fclose(diag);
	assert_false(exists(dir, "server_steps.dat"));
	assert_true(exists(dir, "server_throughput.dat"));
	free(dir);
	cleanup(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_sweep),
		cmocka_unit_test(test_open_sweep_and_batch),
		cmocka_unit_test(test_limit_note),
		cmocka_unit_test(test_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
