/*
 * test_loadcmp.c - bench's load rows without measuring anything: reading
 * wrk's output (a captured sample) and concbench load's table (a captured
 * one and one printed by load_table itself, so a change of its layout
 * fails here and not silently in make bench), the nginx config the bench
 * writes, and the rows skipped in a sentence when wrk is not on PATH. No
 * test here asserts a speed.
 */
#include "tests/testutil.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/bench/loadcmp.h"
#include "harness/bench/loadparse.h"
#include "harness/load/table.h"

static const char wrk_sample[] =
	"Running 1s test @ http://127.0.0.1:18099/index.html\n"
	"  1 threads and 100 connections\n"
	"  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
	"    Latency     3.90ms    1.64ms  16.96ms   72.65%\n"
	"    Req/Sec    23.04k     1.90k   26.08k    80.00%\n"
	"  Latency Distribution\n"
	"     50%    3.65ms\n"
	"     75%    4.50ms\n"
	"     90%    6.00ms\n"
	"     99%  932.00us\n"
	"  22999 requests in 1.02s, 95.10MB read\n"
	"Requests/sec:  22533.30\n"
	"Transfer/sec:     93.18MB\n";

static const char ours_sample[] =
	"concbench load http://127.0.0.1:18099/index.html\n"
	"  closed loop, 100 connections on 1 thread, keep-alive\n"
	"  requests   29769 in 1.00 s: 29769 ok, 0 errors; 123.10 MiB read\n"
	"  rate       29769.0 req/s completed\n"
	"  percentiles of the 29769 ok replies, from a log-linear histogram (within 0.1 %)\n"
	"  latency\n"
	"    p50           2.94 ms\n"
	"    p90           5.84 ms\n"
	"    p99            931 us\n"
	"    p99.9         11.2 ms\n"
	"    max           11.3 ms\n"
	"  errors     connect 0, timeout 0, reset 0, status 0, body 0\n";

static void test_parse_wrk(void **state)
{
	(void)state;
	loadparse_fig f;
	assert_int_equal(loadparse_wrk(wrk_sample, &f), 0);
	assert_true(fabs(f.rps - 22533.30) < 1e-6);
	assert_true(fabs(f.p50_s - 3.65e-3) < 1e-12);
	assert_true(fabs(f.p99_s - 932e-6) < 1e-12);
	/* a run that printed no distribution (no --latency, or it failed) */
	char cut[sizeof wrk_sample];
	snprintf(cut, sizeof cut, "%s", wrk_sample);
	*strstr(cut, "  Latency Distribution") = 0;
	assert_int_equal(loadparse_wrk(cut, &f), -1);
	assert_int_equal(loadparse_wrk("unable to connect to 127.0.0.1:9 Connection refused\n", &f),
			 -1);
}

static void test_parse_ours_sample(void **state)
{
	(void)state;
	loadparse_fig f;
	assert_int_equal(loadparse_ours(ours_sample, &f), 0);
	assert_true(fabs(f.rps - 29769.0) < 1e-6);
	assert_true(fabs(f.p50_s - 2.94e-3) < 1e-12);
	assert_true(fabs(f.p99_s - 931e-6) < 1e-12);
	/* p99.9 is not p99 */
	assert_int_equal(loadparse_ours("  rate  10.0 req/s\n    p99.9  1 ms\n    p50  1 ms\n", &f),
			 -1);
	assert_int_equal(loadparse_ours("concbench load: cannot connect: nothing measured\n", &f),
			 -1);
}

/* The table as load_table prints it: 98 replies at 2 ms, 2 at 50 ms, in 1 s. */
static void test_parse_ours_printed(void **state)
{
	(void)state;
	load_cfg c;
	load_result r;
	memset(&c, 0, sizeof c);
	c.conns = 100;
	c.threads = 1;
	c.duration_ns = 1000000000ull;
	assert_int_equal(load_result_init(&r, 1), 0);
	for (int i = 0; i < 100; i++) {
		uint64_t ns = i < 98 ? 2000000 : 50000000;
		assert_int_equal(load_hist_record(&r.corrected, ns), 0);
		assert_int_equal(load_hist_record(&r.uncorrected, ns), 0);
	}
	r.ok = 100;
	r.window_s = 1.0;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	load_table(f, "http://127.0.0.1:1/", &c, &r, 0);
	fclose(f);
	loadparse_fig g;
	assert_int_equal(loadparse_ours(text, &g), 0);
	assert_true(fabs(g.rps - 100.0) < 1e-9);
	assert_true(fabs(g.p50_s - 2e-3) < 1e-12);
	assert_true(fabs(g.p99_s - 50e-3) < 1e-12);
	assert_true(g.digest == 0); /* no --check-body */
	free(text);

	/* with the body checked, its digest; a run with any error is no figure */
	r.body_checked = 1;
	r.body_digest = 0x24f7e319011d2517ull;
	f = open_memstream(&text, &len);
	load_table(f, "http://127.0.0.1:1/", &c, &r, 0);
	fclose(f);
	assert_int_equal(loadparse_ours(text, &g), 0);
	assert_true(g.digest == 0x24f7e319011d2517ull);
	free(text);
	r.errors[LOAD_ERR_BODY] = 1;
	f = open_memstream(&text, &len);
	load_table(f, "http://127.0.0.1:1/", &c, &r, 0);
	fclose(f);
	assert_int_equal(loadparse_ours(text, &g), -1);
	free(text);
	load_result_free(&r);
}

static void test_nginx_conf(void **state)
{
	(void)state;
	char buf[4096];
	int n = loadparse_nginx_conf(buf, sizeof buf, "/tmp/cb-x", 18099);
	assert_true(n > 0 && n < (int)sizeof buf);
	static const char *const want[] = {
		"worker_processes 1;\n",  "daemon off;\n",
		"master_process off;\n",  "error_log /tmp/cb-x/error.log;\n",
		"pid /tmp/cb-x/nginx.pid;\n", "\taccess_log off;\n",
		"\t\tlisten 127.0.0.1:18099;\n", "\t\troot /tmp/cb-x/www;\n",
		"\tclient_body_temp_path /tmp/cb-x/tmp-body;\n",
	};
	for (size_t i = 0; i < N_ELEMS(want); i++)
		if (!strstr(buf, want[i]))
			fail_msg("no %s in:\n%s", want[i], buf);
	/* every absolute path it names is inside the dir */
	for (const char *p = strchr(buf, '/'); p; p = strchr(p + 1, '/'))
		if (p[-1] == ' ' && strncmp(p, "/tmp/cb-x/", 10))
			fail_msg("a path outside the dir: %.40s", p);
	/* too small a buffer is reported as snprintf does */
	assert_true(loadparse_nginx_conf(buf, 16, "/tmp/cb-x", 1) >= 16);
}

static void test_which(void **state)
{
	(void)state;
	char path[512];
	const char *old = getenv("PATH");
	char *save = old ? strdup(old) : NULL;
	setenv("PATH", "/nonexistent-cb:/bin:/usr/bin", 1);
	assert_int_equal(loadparse_which("sh", path, sizeof path), 0);
	assert_true(!strcmp(path, "/bin/sh") || !strcmp(path, "/usr/bin/sh"));
	assert_int_equal(loadparse_which("no-such-program-cb", path, sizeof path), -1);
	assert_int_equal(loadparse_which("bin/sh", path, sizeof path), -1);
	if (save)
		setenv("PATH", save, 1);
	free(save);
}

/* bench_loadcmp with PATH set to dir alone: its table and CSV (caller frees). */
static void loadcmp_in(const char *dir, int reps, char **text, char **csv, size_t *clen)
{
	const char *old = getenv("PATH");
	char *save = old ? strdup(old) : NULL;
	size_t len = 0;
	setenv("PATH", dir, 1);
	FILE *f = open_memstream(text, &len), *c = open_memstream(csv, clen);
	assert_true(f && c);
	volatile sig_atomic_t stop = 0;
	assert_int_equal(bench_loadcmp(f, c, "/nonexistent-cb/concbench", reps, &stop), 0);
	fclose(f);
	fclose(c);
	if (save)
		setenv("PATH", save, 1);
	free(save);
}

/* PATH an empty dir: one line says the rows are skipped, nothing runs, 0. */
static void test_skipped_without_wrk(void **state)
{
	(void)state;
	char dir[] = "/tmp/cb-loadcmp-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *text = NULL, *csv = NULL;
	size_t clen = 0;
	loadcmp_in(dir, 3, &text, &csv, &clen);
	rmdir(dir);
	if (!strstr(text, "  skipped: wrk is not on PATH"))
		fail_msg("no skip line in:\n%s", text);
	assert_null(strstr(text, "concbench serve")); /* no rows */
	assert_int_equal(strchr(csv, '\n') - csv + 1, (long)clen); /* the CSV's header only */
	free(text);
	free(csv);
}

static void write_script(const char *dir, const char *name, const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/* An nginx that will not start: its rows are skipped in a sentence, the
 * bundled target's still run (a wrk and a concbench that fail: rows of
 * failed runs, not of zeros), and the bench is not failed. */
static void test_nginx_fails(void **state)
{
	(void)state;
	char dir[] = "/tmp/cb-loadcmp-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	write_script(dir, "nginx", "echo 'nginx: [emerg] no' >&2; exit 1");
	write_script(dir, "wrk", "echo 'unable to connect'; exit 1");
	char *text = NULL, *csv = NULL;
	size_t clen = 0;
	loadcmp_in(dir, 1, &text, &csv, &clen);
	snprintf(path, sizeof path, "%s/nginx", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/wrk", dir);
	unlink(path);
	rmdir(dir);
	if (!strstr(text, "  nginx rows skipped: nginx exited at start") ||
	    strstr(text, "nginx 4 KiB ") || strstr(text, "nginx 17 B ") ||
	    !strstr(text, "  concbench serve  wrk ") || !strstr(text, "0 ok, 1 failed"))
		fail_msg("unexpected:\n%s", text);
	assert_non_null(strstr(csv, "concbench serve,concbench load,0,1,"));
	/* a concbench that cannot start serve:work=null: its rows skipped, said */
	assert_non_null(strstr(text, "  serve work=null rows skipped: /nonexistent-cb/concbench "
				     "serve -m epoll --work null exited at start"));
	assert_null(strstr(text, " / nginx 17 B"));
	free(text);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_wrk),	  cmocka_unit_test(test_parse_ours_sample),
		cmocka_unit_test(test_parse_ours_printed), cmocka_unit_test(test_nginx_conf),
		cmocka_unit_test(test_which),		  cmocka_unit_test(test_skipped_without_wrk),
		cmocka_unit_test(test_nginx_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
