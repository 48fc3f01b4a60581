/* test_report.c - the results directory: layout, atomic writes, suffixes, `latest`, task files. */
/* The rows written into it are test_rows.c's. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "tests/report_fixture.h"

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *text = calloc(1, 1 << 20);
	assert_non_null(text);
	size_t n = fread(text, 1, (1 << 20) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- the results directory ---- */

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		char sub[4096];
		while (d && (e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* The entries of dir, sorted, joined by spaces. */
static void listing(const char *dir, char *out, size_t len)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *e = names[i]->d_name;
		if (strcmp(e, ".") != 0 && strcmp(e, "..") != 0)
			snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? " " : "", e);
		free(names[i]);
	}
	free(names);
}

static int setup_tmp(void **state)
{
	static char tmpl[64];
	strcpy(tmpl, "/tmp/cb_test_report.XXXXXX");
	if (!mkdtemp(tmpl))
		return -1;
	*state = tmpl;
	return 0;
}

static int teardown_tmp(void **state)
{
	rm_rf(*state);
	return 0;
}

#define WHEN ((time_t)1735787045) /* 2025-01-02 03:04:05 UTC */

static void test_dir_layout(void **state)
{
	const char *root = *state;
	char err[256], path[4096], want[4096], list[1024];
	res_run runs[2] = { sample_run(), sample_run() };
	runs[1].rep = 3;

	snprintf(want, sizeof want, "%s/results/tour/20250102-030405", root);
	snprintf(path, sizeof path, "%s/results", root); /* not there yet: mkdir -p */
	rep_dir *d = rep_open_at(path, "tour", WHEN, err, sizeof err);
	assert_non_null(d);
	assert_string_equal(rep_path(d), want);

	assert_int_equal(rep_write(d, runs, 1, "{\"host\": \"x\"}"), 0);
	assert_int_equal(rep_write(d, runs, 2, "{\n  \"host\": \"x\"\n}\n"), 0);
	listing(rep_path(d), list, sizeof list);
	assert_string_equal(list, "results.csv results.json"); /* no temp files */

	snprintf(path, sizeof path, "%s/results.csv", rep_path(d));
	char *csv = read_file(path);
	assert_int_equal(count_lines(csv), 3);
	assert_memory_equal(csv, HEADER, strlen(HEADER));
	free(csv);

	snprintf(path, sizeof path, "%s/results.json", rep_path(d));
	char *json = read_file(path);
	assert_true(is_valid_json(json));
	const char *head = "{\n  \"schema\": 1,\n  \"context\": {\n    \"host\": \"x\"\n  },\n";
	assert_memory_equal(json, head, strlen(head));
	assert_non_null(strstr(json, "\"runs\": ["));
	assert_non_null(strstr(json, "\"rep\": 3,"));
	free(json);

	/* Same second: -2, then -3. */
	rep_dir *d2 = rep_open_at(rep_path(d), "..", WHEN, err, sizeof err);
	assert_null(d2);
	snprintf(path, sizeof path, "%s/results", root);
	d2 = rep_open_at(path, "tour", WHEN, err, sizeof err);
	rep_dir *d3 = rep_open_at(path, "tour", WHEN, err, sizeof err);
	assert_non_null(d2);
	assert_non_null(d3);
	snprintf(want, sizeof want, "%s/results/tour/20250102-030405-2", root);
	assert_string_equal(rep_path(d2), want);
	snprintf(want, sizeof want, "%s/results/tour/20250102-030405-3", root);
	assert_string_equal(rep_path(d3), want);

	/* latest follows whichever finished last, as a relative link. */
	char link[4096], target[256];
	snprintf(link, sizeof link, "%s/results/tour/latest", root);
	assert_int_equal(rep_finish(d), 0);
	ssize_t n = readlink(link, target, sizeof target - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "20250102-030405");
	assert_int_equal(rep_finish(d3), 0);
	n = readlink(link, target, sizeof target - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "20250102-030405-3");
	snprintf(path, sizeof path, "%s/results/tour", root);
	listing(path, list, sizeof list);
	assert_string_equal(list, "20250102-030405 20250102-030405-2 20250102-030405-3 latest");

	rep_close(d);
	rep_close(d2);
	rep_close(d3);
}

static void test_dir_tasks(void **state)
{
	char err[256], name[320], path[4096], list[1024];
	rep_dir *d = rep_open_at(*state, "t", WHEN, err, sizeof err);
	assert_non_null(d);
	res_run r = sample_run();
	assert_int_equal(rows_tasks_name(&r, name, sizeof name), 0);
	assert_string_equal(name, "threads-stack-64k_hash-algo-sha256-bytes-1024_n8_c4_r2.csv");

	model_table *t = model_table_new(3);
	assert_non_null(t);
	t->t0_ns = 1000000000;
	t->task[0].start_ns = t->t0_ns + 1500;
	t->task[0].end_ns = t->t0_ns + 2000000;
	t->task[0].worker = 1;
	t->task[0].cpu = 0;
	atomic_store(&t->task[0].runs, 1);
	t->task[2].start_ns = t->t0_ns;
	t->task[2].end_ns = t->t0_ns + 3000000000u;
	t->task[2].worker = 0;
	t->task[2].err = 110;
	atomic_store(&t->task[2].runs, 1);
	r.tasks = 3;
	assert_int_equal(rep_write_tasks(d, &r, t, NULL), 0);
	assert_int_equal(rows_tasks_name(&r, name, sizeof name), 0);
	snprintf(path, sizeof path, "%s/tasks/%s", rep_path(d), name);
	char *csv = read_file(path);
	assert_string_equal(csv, "task,submit_s,start_s,end_s,worker,cpu,runs,err\n"
				 "0,0,0.0000015,0.002,1,0,1,0\n"
				 "1,0,,,,,0,0\n"
				 "2,0,0,3,0,,1,110\n");
	assert_int_equal(count_lines(csv), 4);
	free(csv);
	snprintf(path, sizeof path, "%s/tasks", rep_path(d));
	listing(path, list, sizeof list);
	assert_string_equal(list, name);

	/* Long parameters and models are cut, with a hash to keep names apart,
	 * and a name stays near 60 characters. */
	memset(r.params, 'x', sizeof r.params - 1);
	snprintf(r.model, sizeof r.model, "threads+gil:stack=65536,gil_interval_ms=5");
	assert_int_equal(rows_tasks_name(&r, name, sizeof name), 0);
	assert_true(strlen(name) <= 70);
	assert_int_equal(strncmp(name, "threads+gil-sta-", 16), 0); /* cut, then a hash */
	char other[320];
	r.params[100] = 'y';
	assert_int_equal(rows_tasks_name(&r, other, sizeof other), 0);
	assert_string_not_equal(name, other);

	assert_int_equal(rep_write_text(d, "bench.csv", "a,b\n1,2\n", 8), 0);
	snprintf(path, sizeof path, "%s/bench.csv", rep_path(d));
	csv = read_file(path);
	assert_string_equal(csv, "a,b\n1,2\n");
	free(csv);
	assert_int_equal(rep_write_text(d, "../x", "", 0), -1);
	assert_non_null(strstr(rep_error(d), "plain name"));
	model_table_free(t);
	rep_close(d);
}

static void test_dir_errors(void **state)
{
	const char *root = *state;
	char err[256] = "", path[4096];
	static const char *bad[] = { "", "a/b", "..", "." };
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		assert_null(rep_open(root, bad[i], err, sizeof err));
		assert_non_null(strstr(err, "results name"));
	}
	assert_null(rep_open(root, NULL, err, sizeof err));

	/* A file where a directory should be: the message names the path. */
	snprintf(path, sizeof path, "%s/plainfile", root);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_null(rep_open(path, "x", err, sizeof err));
	assert_non_null(strstr(err, "plainfile"));
	assert_non_null(strstr(err, strerror(ENOTDIR)));

	/* The run directory vanishing under us is reported, not ignored. */
	rep_dir *d = rep_open(root, "gone", err, sizeof err);
	assert_non_null(d);
	res_run r = sample_run();
	assert_int_equal(rep_write(d, &r, 1, "[1]"), -1); /* context not an object */
	assert_non_null(strstr(rep_error(d), "context"));
	assert_int_equal(rep_write(d, &r, 1, "{\"a\":"), -1);
	assert_non_null(strstr(rep_error(d), "invalid JSON"));
	/* A full disk, played by RLIMIT_FSIZE: the write fails, the message
	 * says why, the previous results.csv survives and no temp file stays. */
	char list[256], *before, *after;
	assert_int_equal(rep_write(d, &r, 1, NULL), 0);
	snprintf(path, sizeof path, "%s/results.csv", rep_path(d));
	before = read_file(path);
	struct rlimit old, small = { 300, 300 };
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	res_run many[4] = { r, r, r, r };
	int rc = rep_write(d, many, 4, NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(rep_error(d), "results.csv"));
	assert_non_null(strstr(rep_error(d), strerror(EFBIG)));
	after = read_file(path);
	assert_string_equal(before, after);
	listing(rep_path(d), list, sizeof list);
	assert_string_equal(list, "results.csv results.json");
	free(before);
	free(after);

	rm_rf(rep_path(d));
	assert_int_equal(rep_write(d, &r, 1, NULL), -1);
	assert_non_null(strstr(rep_error(d), rep_path(d)));
	assert_non_null(strstr(rep_error(d), strerror(ENOENT)));
	rep_close(d);
	rep_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dir_layout, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dir_tasks, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dir_errors, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
