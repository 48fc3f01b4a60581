/* test_rows.c - a run as a results.csv row (RFC 4180, no exponents) and as a JSON object. */
/* The JSON writer itself is tested in test_json.c; the results directory in test_report.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "tests/report_fixture.h"

/* Everything written to a memstream by fn, as a malloc'd string. */
static char *capture(int (*fn)(FILE *, const void *), const void *arg, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	*rc = fn(f, arg);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* One RFC 4180 record from *p into fields; returns the field count. */
static int csv_split(const char **p, char fields[][512], int max)
{
	const char *s = *p;
	int n = 0;
	for (;;) {
		char *out = fields[n];
		size_t k = 0;
		if (*s == '"') {
			for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
				if (*s == '"')
					s++;
				out[k++] = *s;
			}
			assert_true(*s == '"');
			s++;
		} else {
			while (*s && *s != ',' && *s != '\n')
				out[k++] = *s++;
		}
		out[k] = '\0';
		assert_true(++n <= max);
		if (*s != ',')
			break;
		s++;
	}
	assert_true(*s == '\n');
	*p = s + 1;
	return n;
}

static int write_header(FILE *f, const void *arg)
{
	return rows_csv_header(f);
}
static int write_row(FILE *f, const void *arg)
{
	return rows_csv_row(f, arg);
}

static void test_csv_header(void **state)
{
	int rc;
	char *s = capture(write_header, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, HEADER);
	free(s);
}

static void test_csv_row(void **state)
{
	res_run r = sample_run();
	char fields[48][512];
	int rc;
	char *s = capture(write_row, &r, &rc);
	assert_int_equal(rc, 0);
	const char *p = s;
	assert_int_equal(csv_split(&p, fields, 48), 43);
	assert_int_equal(*p, '\0');
	assert_string_equal(fields[0], "book");
	assert_string_equal(fields[1], "threads:stack=64k");
	assert_string_equal(fields[3], "algo=sha256,bytes=1024");
	assert_string_equal(fields[4], "8");
	assert_string_equal(fields[5], "4");
	assert_string_equal(fields[6], "2");
	assert_string_equal(fields[7], "error: task 3: \"bad\", really");
	assert_string_equal(fields[8], "1.5");
	assert_string_equal(fields[9], "1234.5");
	assert_string_equal(fields[10], "0.000015"); /* decimals, no exponent */
	assert_string_equal(fields[12], "");         /* NaN */
	assert_string_equal(fields[13], "2");
	assert_string_equal(fields[14], "123.456789012");
	assert_string_equal(fields[19], "0");
	assert_string_equal(fields[20], "10");
	assert_string_equal(fields[21], ""); /* no count */
	assert_string_equal(fields[22], "2048");
	assert_string_equal(fields[23], "1");
	assert_string_equal(fields[24], "");      /* a failed run has no digest */
	assert_string_equal(fields[25], "1.234"); /* pace, to three decimals */
	assert_string_equal(fields[26], "4096");
	assert_string_equal(fields[27], "lab-vm");
	assert_string_equal(fields[28], "0.1.0");
	assert_string_equal(fields[29], "2026-11-30T06:12:27Z");
	/* The quoting itself, as RFC 4180 spells it. */
	assert_non_null(strstr(s, ",\"algo=sha256,bytes=1024\","));
	assert_non_null(strstr(s, ",\"error: task 3: \"\"bad\"\", really\","));
	free(s);

	strcpy(r.status, "partial\nsecond line");
	s = capture(write_row, &r, &rc);
	p = s;
	assert_int_equal(csv_split(&p, fields, 48), 43);
	assert_string_equal(fields[7], "partial\nsecond line");
	assert_string_equal(fields[24], "");
	free(s);
}

/* The digest cell: the 16 hex digits for a run that did its work (ok, or
 * slowed and run again), empty for one that failed: zeros would read as a
 * digest. */
static void test_csv_digest(void **state)
{
	static const struct {
		const char *status, *digest;
	} cases[] = {
		{ "ok", "00000000deadbeef" },
		{ "slowed: a CPU did fixed work 1.40x slower", "00000000deadbeef" },
		{ "error: task 3: EIO", "" },
		{ "error: digest mismatch: 1 where the sweep has 2", "" },
		{ "limit: pthread_create EAGAIN at 31211 threads", "" },
		{ "partial", "" },
		{ "okay", "" },
	};
	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		res_run r = sample_run();
		char fields[48][512];
		int rc;
		snprintf(r.status, sizeof r.status, "%s", cases[k].status);
		char *s = capture(write_row, &r, &rc);
		const char *p = s;
		assert_int_equal(csv_split(&p, fields, 48), 43);
		assert_string_equal(fields[24], cases[k].digest);
		free(s);
	}
}

static void test_json_run(void **state)
{
	res_run r = sample_run();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	jw w;
	jw_init(&w, f);
	assert_int_equal(rows_json_run(&w, &r), 0);
	assert_int_equal(jw_done(&w), 0);
	fclose(f);
	assert_true(is_valid_json(text));
	assert_non_null(strstr(text, "\"params\": \"algo=sha256,bytes=1024\""));
	assert_non_null(strstr(text, "\"status\": \"error: task 3: \\\"bad\\\", really\""));
	assert_non_null(strstr(text, "\"tasks\": 8,"));
	assert_non_null(strstr(text, "\"makespan_s\": 1.5,"));
	assert_non_null(strstr(text, "\"lat_p90_s\": null,"));
	assert_non_null(strstr(text, "\"ctx_involuntary\": null,"));
	assert_non_null(strstr(text, "\"max_rss_kib\": 2048,"));
	assert_non_null(strstr(text, "\"digest\": null,")); /* failed: no digest */
	assert_non_null(strstr(text, "\"host\": \"lab-vm\","));
	assert_non_null(strstr(text, "\"concbench_version\": \"0.1.0\","));
	assert_non_null(strstr(text, "\"started_utc\": \"2026-11-30T06:12:27Z\""));
	/* every CSV column is a key, in order */
	const char *at = text;
	char cols[] = HEADER;
	cols[strlen(cols) - 1] = '\0';
	for (char *c = strtok(cols, ","); c; c = strtok(NULL, ",")) {
		char key[64];
		snprintf(key, sizeof key, "\"%s\": ", c);
		at = strstr(at, key);
		if (!at)
			fail_msg("key %s missing or out of order", c);
	}
	free(text);

	/* a run that did its work: the digest as a 16-digit string */
	strcpy(r.status, "ok");
	text = NULL;
	f = open_memstream(&text, &len);
	jw_init(&w, f);
	assert_int_equal(rows_json_run(&w, &r), 0);
	assert_int_equal(jw_done(&w), 0);
	fclose(f);
	assert_true(is_valid_json(text));
	assert_non_null(strstr(text, "\"digest\": \"00000000deadbeef\""));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_header),
		cmocka_unit_test(test_csv_row),
		cmocka_unit_test(test_csv_digest),
		cmocka_unit_test(test_json_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
