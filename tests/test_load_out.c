/*
 * test_load_out.c - a load step as a row: load_step_fill's figures from a
 * result with known latencies (ms, nearest rank), what applies only to an
 * open loop left empty in a closed one, the status of a failed or
 * interrupted step, and the CSV header and row having the same columns.
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/load/out.h"

/* The result of 100 ok requests taking 1..100 ms (corrected) and half
 * that (uncorrected), in a run of 2 s. */
static void result_of(load_result *r, int exact)
{
	assert_int_equal(load_result_init(r, exact), 0);
	for (uint64_t i = 1; i <= 100; i++) {
		load_hist_record(&r->corrected, i * 1000000);
		load_hist_record(&r->uncorrected, i * 500000);
		load_hist_record(&r->send_delay, i * 500000);
	}
	r->ok = 100;
	r->errors[LOAD_ERR_STATUS] = 4;
	r->window_s = 2;
	r->unfinished = 2;
}

/* Column `name` of the row, as text; the header is read with the row. */
static void column(const char *csv, const char *name, char *out, size_t len)
{
	const char *nl = strchr(csv, '\n');
	assert_non_null(nl);
	int col = 0;
	for (const char *h = csv; h < nl; h += strcspn(h, ",\n") + 1, col++)
		if (strncmp(h, name, strlen(name)) == 0 && strchr(",\n", h[strlen(name)])) {
			const char *v = nl + 1;
			for (int k = 0; k < col; k++)
				v += strcspn(v, ",\n") + 1;
			snprintf(out, len, "%.*s", (int)strcspn(v, ",\n"), v);
			return;
		}
	fail_msg("no column %s", name);
}

static char *csv_of(const load_step *s)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	load_out_csv_header(f);
	load_out_csv_row(f, s, "host", "0.1.0", "2026-11-30T00:00:00Z");
	fclose(f);
	return buf;
}

static void test_open_step(void **st)
{
	load_result r;
	load_cfg c = { .conns = 4, .threads = 2, .rate = 50, .duration_ns = 2000000000 };
	static load_step s;
	char v[64];
	result_of(&r, 1);
	r.body_checked = 1;
	r.body_digest = 0x0123456789abcdefull;
	load_step_fill(&s, 3, "http://x/", &c, &r, NULL);
	assert_string_equal(s.status, "ok");
	assert_int_equal(s.done, 104);
	assert_true(s.achieved_rps == 52);
	assert_true(s.sent_rps == 53);
	assert_true(s.rate_ratio == 53.0 / 50);
	assert_true(s.corrected.p[0] == 50 && s.corrected.p[2] == 99 && s.corrected.max == 100);
	assert_true(s.uncorrected.p[0] == 25);
	assert_true(fabs(s.delay_p50 - 25) <= 25 * 0.001); /* histogram: within 0.1 % */
	assert_int_equal(s.nspec[0], s.nspec[1]);
	assert_true(s.spec[0][s.nspec[0] - 1].pct == 100);

	char *csv = csv_of(&s);
	int header = 0, row = 0;
	for (const char *p = csv; *p && *p != '\n'; p++)
		header += *p == ',';
	for (const char *p = strchr(csv, '\n') + 1; *p && *p != '\n'; p++)
		row += *p == ',';
	assert_int_equal(header, row); /* no cell here holds a comma */
	column(csv, "step", v, sizeof v);
	assert_string_equal(v, "3");
	column(csv, "loop", v, sizeof v);
	assert_string_equal(v, "open");
	column(csv, "rate_requested", v, sizeof v);
	assert_string_equal(v, "50.000");
	column(csv, "p99_ms", v, sizeof v);
	assert_string_equal(v, "99.000000");
	column(csv, "unc_p50_ms", v, sizeof v);
	assert_string_equal(v, "25.000000");
	column(csv, "err_status", v, sizeof v);
	assert_string_equal(v, "4");
	column(csv, "digest", v, sizeof v);
	assert_string_equal(v, "0123456789abcdef");
	column(csv, "requests_asked", v, sizeof v);
	assert_string_equal(v, ""); /* ran for a duration */
	column(csv, "started_utc", v, sizeof v);
	assert_string_equal(v, "2026-11-30T00:00:00Z");
	free(csv);
	load_result_free(&r);
}

/* A closed loop has no rate, no uncorrected figures, no send delay; a
 * step that failed or measured nothing says so. */
static void test_closed_and_failed(void **st)
{
	load_result r;
	load_cfg c = { .conns = 1, .threads = 1, .requests = 100 };
	static load_step s;
	char v[64];
	result_of(&r, 0);
	load_hist_free(&r.send_delay); /* a closed loop records none */
	assert_int_equal(load_hist_init(&r.send_delay, 0), 0);
	load_step_fill(&s, 1, "http://x/", &c, &r, NULL);
	char *csv = csv_of(&s);
	for (const char *const *k = (const char *const[]){ "rate_requested", "unc_p50_ms",
							    "unc_max_ms", "sent_rps", "rate_ratio",
							    "send_delay_p50_ms", "digest", NULL };
	     *k; k++) {
		column(csv, *k, v, sizeof v);
		assert_string_equal(v, "");
	}
	column(csv, "loop", v, sizeof v);
	assert_string_equal(v, "closed");
	column(csv, "requests_asked", v, sizeof v);
	assert_string_equal(v, "100");
	free(csv);

	load_step_fill(&s, 2, "http://x/", &c, &r, "loop: out of fds");
	assert_string_equal(s.status, "failed: loop: out of fds");
	r.interrupted = 1;
	load_step_fill(&s, 2, "http://x/", &c, &r, NULL);
	assert_string_equal(s.status, "interrupted");
	load_result_free(&r);

	assert_int_equal(load_result_init(&r, 0), 0); /* nothing came back */
	load_step_fill(&s, 3, "http://x/", &c, &r, NULL);
	assert_string_equal(s.status, "failed: no request succeeded");
	csv = csv_of(&s);
	column(csv, "p50_ms", v, sizeof v);
	assert_string_equal(v, "");
	free(csv);
	load_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_step),
		cmocka_unit_test(test_closed_and_failed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
