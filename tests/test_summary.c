/* test_summary.c - the spread in the end-of-sweep table (a noisy group flagged
 * with why, a quiet one not, one rep bare) and the aggregates of results.json,
 * on a fixture sweep built by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "harness/report/summary.h"
#include "tests/report_fixture.h"

static res_run fix(const char *model, unsigned c, int rep, double makespan)
{
	res_run r;
	memset(&r, 0, sizeof r);
	strcpy(r.model, model);
	strcpy(r.workload, "fib");
	strcpy(r.params, "n=30");
	r.tasks = 8;
	r.concurrency = c;
	r.rep = rep;
	strcpy(r.status, "ok");
	r.makespan_s = makespan;
	r.throughput_per_s = 8 / makespan;
	r.lat_p50_s = makespan / 2;
	r.lat_p99_s = makespan;
	r.cpu_user_s = makespan;
	r.max_rss_kib = 1000 + rep;
	return r;
}

/* sequential: quiet (within 1 %); epoll: 0.8 s among four ~0.5 s reps, CV 24 %
 * (deviations -.06 -.05 -.07 -.06 .24: sample variance .0722 / 4); threads:
 * one rep; pool: a rep that failed and does not count. */
#define FIXTURE                                                                                    \
	fix("sequential", 2, 1, 1.00), fix("epoll", 2, 1, 0.50), fix("threads", 2, 1, 0.6),        \
		fix("pool", 2, 1, 0.7), fix("sequential", 2, 2, 1.01), fix("epoll", 2, 2, 0.51),   \
		fix("pool", 2, 2, 9), fix("sequential", 2, 3, 0.99), fix("epoll", 2, 3, 0.49),     \
		fix("epoll", 2, 4, 0.50), fix("epoll", 2, 5, 0.80)

static char *summary_text(const res_run *runs, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	summary_print(f, runs, n);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* The line of text that starts with prefix, copied into line. */
static void line_of(const char *text, const char *prefix, char *line, size_t len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			size_t k = strcspn(p, "\n");
			snprintf(line, len, "%.*s", (int)k, p);
			return;
		}
	print_error("no line starting \"%s\" in:\n%s\n", prefix, text);
	fail();
}

static void test_summary_spread(void **state)
{
	res_run runs[] = { FIXTURE };
	strcpy(runs[6].status, "error: task 1 failed");
	char *text = summary_text(runs, N_ELEMS(runs)), line[256];

	assert_non_null(strstr(text, "summary: fib:n=30, 8 tasks (median over ok reps, ± the "
				     "farthest rep from it, ! noisy)\n"));
	/* Quiet: ±1 % and no flag. */
	line_of(text, "  sequential ", line, sizeof line);
	assert_string_equal(line, "  sequential           2  3/3      1.00 s ±1%   8.00/s ±1%   "
				  "500 ms ±1%   1.00 s ±1%    1.00x ok");
	/* Noisy: flagged, and the farthest rep is 60 % above the median. */
	line_of(text, "  epoll ", line, sizeof line);
	assert_string_equal(line, "  epoll                2  5/5  !  500 ms ±60%  16.0/s ±38%  "
				  "250 ms ±60%  500 ms ±60%    2.00x ok");
	/* One rep: the figure alone. */
	line_of(text, "  threads ", line, sizeof line);
	assert_string_equal(line, "  threads              2  1/1          600 ms       13.3/s     "
				  "  300 ms       600 ms    1.67x ok");
	/* A failed rep counts in neither the spread nor the flag. */
	line_of(text, "  pool ", line, sizeof line);
	assert_non_null(strstr(line, "1/2          700 ms       11.4/s"));
	assert_non_null(strstr(line, "error: task 1 failed"));

	/* Under the table: which group, why, and what to do; nothing on the others. */
	line_of(text, "  ! epoll", line, sizeof line);
	assert_string_equal(line, "  ! epoll c=2: CV 24 %, 1 outlier of 5 reps");
	assert_null(strstr(text, "! sequential"));
	assert_null(strstr(text, "! threads"));
	assert_null(strstr(text, "! pool"));
	assert_non_null(strstr(text, "may be distorted by other load"));
	assert_non_null(strstr(text, "rerun with more --reps or on a quieter machine"));

	/* Readable in 100 columns (± is one column, two bytes), but for a long
	 * status, which is the last column and says what went wrong. */
	for (const char *p = text; *p;) {
		size_t cols = 0;
		const char *start = p;
		for (; *p && *p != '\n'; p++)
			cols += ((unsigned char)*p & 0xc0) != 0x80;
		assert_true(cols <= 100 || strncmp(start, "  pool ", 7) == 0);
		p += *p == '\n';
	}
	free(text);
}

/* No group noisy, or one rep each: no flag, no warning. */
static void test_summary_quiet(void **state)
{
	res_run quiet[] = { fix("sequential", 2, 1, 1.00), fix("sequential", 2, 2, 1.01),
			    fix("epoll", 2, 1, 0.5), fix("epoll", 2, 2, 0.5) };
	char *text = summary_text(quiet, N_ELEMS(quiet));
	assert_null(strstr(text, "!  "));
	assert_null(strstr(text, "  ! "));
	assert_non_null(strstr(text, "500 ms ±0.0%"));
	free(text);
	res_run once[] = { fix("sequential", 2, 1, 1.00), fix("epoll", 2, 1, 0.1) };
	text = summary_text(once, N_ELEMS(once));
	assert_non_null(strstr(text, "summary: fib:n=30, 8 tasks (median over ok reps)\n"));
	assert_null(strstr(text, "  ! "));
	assert_null(strstr(strstr(text, "  sequential"), "±"));
	free(text);
}

/* Display columns of a line: UTF-8 continuation bytes take none. */
static size_t cols(const char *s)
{
	size_t n = 0;
	for (; *s && *s != '\n'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A wide figure ("10.0 ms ±150%") or model name shifts the next column, not the row. */
static void test_summary_wide(void **state)
{
	res_run runs[] = { fix("sequential", 2, 1, 1.00), fix("fork", 2, 1, 0.01),
			   fix("fork", 2, 2, 0.01), fix("fork", 2, 3, 0.025),
			   fix("threads:stack=64k,x=1", 2, 1, 0.5),
			   /* CV alone (1 2 3 4: CV 52 %), an outlier alone (CV 2.5 %) */
			   fix("poll", 2, 1, 0.1), fix("poll", 2, 2, 0.2), fix("poll", 2, 3, 0.3),
			   fix("poll", 2, 4, 0.4), fix("select", 2, 1, 1.08),
			   fix("select", 2, 2, 1), fix("select", 2, 3, 1), fix("select", 2, 4, 1),
			   fix("select", 2, 5, 1), fix("select", 2, 6, 1), fix("select", 2, 7, 1),
			   fix("select", 2, 8, 1), fix("select", 2, 9, 1),
			   fix("select", 2, 10, 1) };
	char *text = summary_text(runs, N_ELEMS(runs)), line[256], seq[256];
	line_of(text, "  sequential ", seq, sizeof seq);
	line_of(text, "  fork ", line, sizeof line);
	assert_non_null(strstr(line, " 10.0 ms ±150%"));
	assert_non_null(strstr(line, "100.00x ok"));
	assert_int_equal(cols(line), cols(seq) + 1); /* the 3 columns over, less 2 of slack */
	line_of(text, "  threads:", line, sizeof line);
	assert_non_null(strstr(line, "  threads:stack=64k,x=1     2  1/1     500 ms"));
	assert_int_equal(cols(line), cols(seq));
	line_of(text, "  ! fork", line, sizeof line);
	assert_string_equal(line, "  ! fork c=2: CV 58 %, 1 outlier of 3 reps");
	line_of(text, "  ! poll", line, sizeof line);
	assert_string_equal(line, "  ! poll c=2: CV 52 % over 4 reps");
	line_of(text, "  ! select", line, sizeof line);
	assert_string_equal(line, "  ! select c=2: 1 outlier of 10 reps");
	line_of(text, "  select ", line, sizeof line);
	assert_non_null(strstr(line, "10/10 !   1.00 s ±8%"));
	free(text);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *text = calloc(1, 1 << 20);
	assert_non_null(text);
	text[fread(text, 1, (1 << 20) - 1, f)] = '\0';
	fclose(f);
	return text;
}

/* The text of the aggregate for `model`: from its "model" key to the next group. */
static const char *aggregate_of(const char *aggs, const char *model, char *buf, size_t len)
{
	char key[96];
	snprintf(key, sizeof key, "\"model\": \"%s\",", model);
	const char *p = strstr(aggs, key);
	assert_non_null(p);
	const char *end = strstr(p + 1, "\"model\": ");
	snprintf(buf, len, "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p);
	return buf;
}

static void test_aggregates_json(void **state)
{
	res_run runs[] = { FIXTURE };
	strcpy(runs[6].status, "error: task 1 failed");
	char tmpl[] = "/tmp/cb_test_summary.XXXXXX", err[256], path[4200], g[8192];
	assert_non_null(mkdtemp(tmpl));
	rep_dir *d = rep_open_at(tmpl, "s", 1735787045, err, sizeof err);
	assert_non_null(d);
	assert_int_equal(rep_write(d, runs, N_ELEMS(runs), "{\"host\": \"x\"}"), 0);

	snprintf(path, sizeof path, "%s/results.json", rep_path(d));
	char *json = read_all(path);
	assert_true(is_valid_json(json));
	const char *aggs = strstr(json, "\n  \"aggregates\": [\n");
	assert_non_null(aggs);
	assert_true(aggs > strstr(json, "\"runs\": [")); /* after the runs, as plot reads */
	/* One object per group, in the order the groups first ran. */
	const char *order[] = { "sequential", "epoll", "threads", "pool" }, *at = aggs;
	for (size_t i = 0; i < N_ELEMS(order); i++) {
		char key[96];
		snprintf(key, sizeof key, "\"model\": \"%s\",", order[i]);
		assert_non_null(at = strstr(at, key));
	}

	aggregate_of(aggs, "epoll", g, sizeof g);
	assert_non_null(strstr(g, "\"concurrency\": 2,\n      \"tasks\": 8,\n      \"runs\": 5,\n"
				  "      \"ok\": 5,\n      \"noisy\": true,\n"));
	assert_non_null(
		strstr(g, "\"makespan\": {\n        \"n\": 5,\n        \"median\": 0.5,\n"
			  "        \"min\": 0.49,\n        \"max\": 0.8,\n        \"mean\": "));
	assert_true(fabs(strtod(strstr(g, "\"mean\": ") + 8, NULL) - 0.56) < 1e-12);
	assert_non_null(strstr(g, "\"outliers\": 1\n"));
	const char *keys[] = { "\"throughput\": {", "\"p50\": {",   "\"p99\": {",    "\"cpu\": {",
			       "\"rss\": {",        "\"stddev\": ", "\"cv\": 0.2399" };
	for (size_t i = 0; i < N_ELEMS(keys); i++)
		assert_non_null(strstr(g, keys[i]));
	assert_non_null(strstr(g, "\"rss\": {\n        \"n\": 5,\n        \"median\": 1003,"));

	aggregate_of(aggs, "pool", g, sizeof g); /* the failed rep is a run, not an ok one */
	assert_non_null(
		strstr(g, "\"runs\": 2,\n      \"ok\": 1,\n      \"noisy\": false,\n"
			  "      \"makespan\": {\n        \"n\": 1,\n        \"median\": 0.7,"));
	aggregate_of(aggs, "sequential", g, sizeof g);
	assert_non_null(strstr(g, "\"noisy\": false,"));
	aggregate_of(aggs, "threads", g, sizeof g); /* one rep: no stddev, CV */
	assert_non_null(strstr(g, "\"stddev\": null,\n        \"cv\": null,\n"));
	assert_non_null(strstr(g, "\"params\": \"n=30\"") || strstr(json, "\"params\": \"n=30\""));

	/* results.csv does not change: the header and one row per run. */
	snprintf(path, sizeof path, "%s/results.csv", rep_path(d));
	char *csv = read_all(path);
	assert_memory_equal(csv, HEADER, strlen(HEADER));
	assert_null(strstr(csv, "aggregate"));
	size_t lines = 0;
	for (const char *p = csv; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + N_ELEMS(runs));

	free(csv);
	free(json);
	unlink(path);
	snprintf(path, sizeof path, "%s/results.json", rep_path(d));
	unlink(path);
	rmdir(rep_path(d));
	snprintf(path, sizeof path, "%s/s", tmpl);
	rmdir(path);
	rmdir(tmpl);
	rep_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_spread),
		cmocka_unit_test(test_summary_quiet),
		cmocka_unit_test(test_summary_wide),
		cmocka_unit_test(test_aggregates_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
