/* test_meta.c - the context object is valid JSON with every documented key,
 * and the topology probes answer something sane on whatever machine runs
 * the tests (values are not checked: they differ per machine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "harness/report/json.h"
#include "harness/run/meta.h"

static void assert_valid_json(const char *s)
{
	char err[128];
	if (json_check(s, strlen(s), err, sizeof err) < 0)
		fail_msg("%s\n%s", err, s);
}

static void test_context_keys(void **state)
{
	char *argv[] = { "concbench", "run", "--name", "a \"quoted\" arg\n", NULL };
	char *s = meta_context_json(4, argv, "0");
	assert_non_null(s);
	assert_valid_json(s);
	assert_int_equal(s[0], '{');
	static const char *keys[] = {
		"concbench_version",
		"git",
		"command_line",
		"date",
		"host",
		"os",
		"kernel",
		"sysname",
		"release",
		"version",
		"machine",
		"cpu_model",
		"packages",
		"cores",
		"pus",
		"numa_nodes",
		"memory_kib",
		"caches",
		"cpus",
		"governor",
		"loadavg",
		"compiler",
		"cc",
		"cflags",
		"libraries",
		"libc",
		"hwloc",
		"openssl",
		"xxhash",
		"clock",
		"resolution_ns",
	};
	for (size_t i = 0; i < N_ELEMS(keys); i++) {
		char k[64];
		snprintf(k, sizeof k, "\"%s\": ", keys[i]);
		if (!strstr(s, k))
			fail_msg("key %s missing from\n%s", keys[i], s);
	}
	assert_non_null(strstr(s, "\"concbench_version\": \"" CB_VERSION "\""));
	assert_non_null(strstr(s, "\"a \\\"quoted\\\" arg\\n\""));
	assert_non_null(strstr(s, "\"cpus\": \"0\""));
	assert_non_null(strstr(s, "\"name\": \"CLOCK_MONOTONIC\""));
	free(s);

	s = meta_context_json(0, NULL, NULL);
	assert_non_null(s);
	assert_valid_json(s);
	assert_non_null(strstr(s, "\"cpus\": null"));
	assert_non_null(strstr(s, "\"command_line\": []"));
	free(s);
}

static void test_cores(void **state)
{
	assert_true(meta_cores() >= 1);
}

static void test_cpu_model(void **state)
{
	char buf[256], tiny[4];
	const char *m = meta_cpu_model(buf, sizeof buf);
	if (m) { /* some machines do not say */
		assert_ptr_equal(m, buf);
		assert_true(strlen(m) > 0);
		m = meta_cpu_model(tiny, sizeof tiny);
		assert_non_null(m);
		assert_true(strlen(m) < sizeof tiny);
	}
}

/* The model string as firmware pads it reaches every chart subtitle: tidied
 * to single spaces, none at either end. */
static void test_tidy(void **state)
{
	char a[] = "  Oxide Virtual Turin-like Processor             ";
	char b[] = "Intel(R)  Xeon(R)\tCPU   @ 2.20GHz";
	char c[] = " \t ";
	char d[] = "";
	assert_string_equal(meta_tidy(a), "Oxide Virtual Turin-like Processor");
	assert_string_equal(meta_tidy(b), "Intel(R) Xeon(R) CPU @ 2.20GHz");
	assert_string_equal(meta_tidy(c), "");
	assert_string_equal(meta_tidy(d), "");

	char buf[256];
	const char *m = meta_cpu_model(buf, sizeof buf);
	if (m) {
		assert_true(m[0] != ' ' && m[strlen(m) - 1] != ' ');
		assert_null(strstr(m, "  "));
		assert_null(strchr(m, '\t'));
	}
	char *s = meta_context_json(0, NULL, NULL);
	assert_non_null(s);
	const char *k = strstr(s, "\"cpu_model\": \"");
	if (k) {
		const char *end = strchr(k + 14, '"');
		assert_non_null(end);
		assert_true(end[-1] != ' ');
	}
	free(s);
}

/* A row's provenance: this host, this build, the start in ISO 8601 UTC. */
static void test_stamp(void **state)
{
	res_run r;
	char host[64] = "";
	memset(&r, 0, sizeof r);
	meta_stamp(&r, (time_t)1796019147); /* 2026-11-30 06:12:27 UTC */
	gethostname(host, sizeof host - 1);
	assert_string_equal(r.host, host);
	assert_string_equal(r.concbench_version, CB_VERSION);
	assert_string_equal(r.started_utc, "2026-11-30T06:12:27Z");
}

static void test_topo_print(void **state)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(meta_topo_print(f), 0);
	rewind(f);
	char text[1 << 14];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "CPU model"));
	assert_non_null(strstr(text, "cores"));
	assert_non_null(strstr(text, "PUs"));
	assert_non_null(strstr(text, "NUMA nodes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_keys), cmocka_unit_test(test_cores),
		cmocka_unit_test(test_cpu_model),    cmocka_unit_test(test_tidy),
		cmocka_unit_test(test_stamp),        cmocka_unit_test(test_topo_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
