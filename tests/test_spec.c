/* test_spec.c - parsing what users write: numbers, lists, workload and model specs. */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "harness/run/spec.h"
#include "models/registry.h"

static char err[256];

static void test_int(void **st)
{
	int64_t v;
	assert_int_equal(spec_int("42", 0, 100, 0, &v, err, sizeof err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(spec_int("64k", 0, 1 << 30, 1, &v, err, sizeof err), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(spec_int("2M", 0, 1 << 30, 1, &v, err, sizeof err), 0);
	assert_int_equal(v, 2 << 20);
	assert_int_equal(spec_int("1g", 0, INT64_MAX, 1, &v, err, sizeof err), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(spec_int("-3", -5, 5, 0, &v, err, sizeof err), 0);
	assert_int_equal(v, -3);
	/* units only where allowed */
	assert_int_equal(spec_int("64k", 0, 1 << 30, 0, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "'64k'"));
	assert_int_equal(spec_int("", 0, 10, 0, &v, err, sizeof err), -1);
	assert_int_equal(spec_int("abc", 0, 10, 0, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "'abc' is not a whole number"));
	assert_int_equal(spec_int("1.5", 0, 10, 0, &v, err, sizeof err), -1);
	assert_int_equal(spec_int("12x", 0, 100, 1, &v, err, sizeof err), -1);
	assert_int_equal(spec_int("1kk", 0, 1 << 30, 1, &v, err, sizeof err), -1);
	assert_int_equal(spec_int(" 1", 0, 10, 0, &v, err, sizeof err), -1);
	assert_int_equal(spec_int("11", 0, 10, 0, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "out of range 0..10"));
	assert_int_equal(spec_int("99999999999999999999", 0, INT64_MAX, 0, &v, err, sizeof err),
			 -1);
	assert_int_equal(spec_int("9999999999999999g", 0, INT64_MAX, 1, &v, err, sizeof err), -1);
}

static void expect_counts(const char *text, const int64_t *want, size_t nwant)
{
	int64_t *v;
	size_t n;
	assert_int_equal(spec_counts(text, 1, 1000000, &v, &n, err, sizeof err), 0);
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i], want[i]);
	free(v);
}

static void test_counts(void **st)
{
	expect_counts("4", (int64_t[]){ 4 }, 1);
	expect_counts("1,2,4", (int64_t[]){ 1, 2, 4 }, 3);
	expect_counts("1..1024x2", (int64_t[]){ 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 }, 11);
	expect_counts("1..100x10", (int64_t[]){ 1, 10, 100 }, 3);
	expect_counts("3..7", (int64_t[]){ 3, 4, 5, 6, 7 }, 5);
	expect_counts("2..9+3", (int64_t[]){ 2, 5, 8 }, 3);
	expect_counts("1,8..32x2,100", (int64_t[]){ 1, 8, 16, 32, 100 }, 5);

	int64_t *v = (int64_t *)1;
	size_t n = 99;
	const char *bad[] = { "",      "0",   "-1",  "a",      "4..1",    "1..8x1",
			      "1..8x", "1..", "..4", "1..8y2", "2000000", "1..2000000" };
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		assert_int_equal(spec_counts(bad[i], 1, 1000000, &v, &n, err, sizeof err), -1);
		assert_null(v);
		assert_int_equal(n, 0);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(spec_counts("4..1", 1, 100, &v, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "backwards"));
}

static void test_workload(void **st)
{
	wl_spec w;
	assert_int_equal(spec_workload("fib", 0, &w, err, sizeof err), 0);
	assert_string_equal(w.kind->name, "fib");
	assert_int_equal(wl_param(&w, "n"), 30); /* the default */
	assert_int_equal(spec_workload("fib:n=32", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_param(&w, "n"), 32);

	char buf[128];
	assert_int_equal(spec_workload("hash:bytes=64k,algo=md5", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_param(&w, "bytes"), 65536);
	assert_string_equal(wl_param_text(&w, "algo"), "md5");
	wl_params_string(&w, buf, sizeof buf);
	assert_non_null(strstr(buf, "algo=md5"));
	assert_non_null(strstr(buf, "bytes=65536")); /* sizes in bytes */

	assert_int_equal(spec_workload("nope:n=1", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown workload 'nope'"));
	assert_int_equal(spec_workload("fib:x=1", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown parameter 'x'"));
	assert_int_equal(spec_workload("fib:n=abc", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "n"));
	assert_int_equal(spec_workload("fib:n=0", 0, &w, err, sizeof err), -1);
	assert_int_equal(spec_workload("fib:n", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "key=value"));
	assert_int_equal(spec_workload("fib:", 0, &w, err, sizeof err), -1);
	assert_int_equal(spec_workload("fib:n=", 0, &w, err, sizeof err), -1);
	assert_int_equal(spec_workload("hash:algo=crc", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "not one of"));

	/* n above 45 needs --force, and says so */
	assert_int_equal(spec_workload("fib:n=50", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(spec_workload("fib:n=50", 1, &w, err, sizeof err), 0);
	assert_int_equal(wl_param(&w, "n"), 50);
	assert_int_equal(spec_workload("fib:n=1000", 1, &w, err, sizeof err), -1);
}

/* Per-task lists: each value checked alone, tasks cycling through them. */
static void test_workload_lists(void **st)
{
	wl_spec w;
	char buf[128];

	assert_int_equal(spec_workload("fib:n=40|41", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_param(&w, "n"), 40); /* the first value */
	assert_int_equal(wl_param_count(&w, "n"), 2);
	assert_int_equal(wl_param_at(&w, "n", 0), 40);
	assert_int_equal(wl_param_at(&w, "n", 1), 41);
	assert_int_equal(wl_param_at(&w, "n", 2), 40);
	assert_int_equal(wl_param_at(&w, "n", 7), 41);
	assert_string_equal(wl_param_text(&w, "n"), "40|41");
	wl_params_string(&w, buf, sizeof buf);
	assert_string_equal(buf, "n=40|41");

	/* one value: every task takes it */
	assert_int_equal(spec_workload("fib:n=12", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_param_count(&w, "n"), 1);
	assert_int_equal(wl_param_at(&w, "n", 5), 12);
	assert_int_equal(wl_param_at(&w, "nope", 5), 0);

	/* sizes take units in each value; three values cycle by three */
	assert_int_equal(spec_workload("hash:bytes=1k|0|2m,algo=md5", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_param_count(&w, "bytes"), 3);
	assert_int_equal(wl_param_at(&w, "bytes", 3), 1024);
	assert_int_equal(wl_param_at(&w, "bytes", 4), 0);
	assert_int_equal(wl_param_at(&w, "bytes", 5), 2 << 20);

	/* sixteen values at most */
	assert_int_equal(spec_workload("spin:us=1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16", 0, &w, err,
				       sizeof err),
			 0);
	assert_int_equal(wl_param_at(&w, "us", 31), 16);
	assert_int_equal(spec_workload("spin:us=1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17", 0, &w,
				       err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "more than 16"));

	/* one bad value spoils the list, and is named */
	assert_int_equal(spec_workload("fib:n=40|0", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "'0' is out of range"));
	assert_int_equal(spec_workload("fib:n=40|50", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(spec_workload("fib:n=40|50", 1, &w, err, sizeof err), 0);
	assert_int_equal(wl_param_at(&w, "n", 1), 50);
	assert_int_equal(spec_workload("fib:n=40|x", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "'x' is not a whole number"));
	const char *empty[] = { "fib:n=40||41", "fib:n=|40", "fib:n=40|", "fib:n=|" };
	for (size_t k = 0; k < N_ELEMS(empty); k++) {
		assert_int_equal(spec_workload(empty[k], 0, &w, err, sizeof err), -1);
		assert_non_null(strstr(err, "empty value"));
	}

	/* enums and parameters that are not per task take no lists */
	assert_int_equal(spec_workload("hash:algo=md5|sha1", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "algo takes one value"));
	assert_int_equal(spec_workload("hash:n=16|32", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "n takes one value"));
	assert_int_equal(spec_workload("sleep:blocking=0|1", 0, &w, err, sizeof err), -1);
	assert_non_null(strstr(err, "blocking takes one value"));
}

static void test_model(void **st)
{
	model_spec m;
	assert_int_equal(spec_model("threads", &m, err, sizeof err), 0);
	assert_string_equal(m.kind->name, "threads");
	assert_int_equal(spec_model("threads:stack=64k", &m, err, sizeof err), 0);
	assert_int_equal(model_opt(&m, "stack"), 65536);
	assert_string_equal(m.text, "threads:stack=64k");
	assert_int_equal(spec_model("threads:bogus=1", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown option 'bogus'"));
	assert_int_equal(model_flag(&m, "gil"), 0);
	assert_int_equal(spec_model("greenlets", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown model 'greenlets'"));
	assert_int_equal(spec_model("sequential:stack=64k", &m, err, sizeof err), -1);
	/* in range, but below what pthreads takes: refused here, not per run */
	assert_int_equal(spec_model("threads:stack=1k", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "model threads: stack=1k: 1024 is below the smallest stack"));
	assert_int_equal(spec_model("pool:stack=0", &m, err, sizeof err), 0); /* the default */
	assert_int_equal(spec_model("hybrid:stack=1m", &m, err, sizeof err), 0);
}

/* NAME[+FLAG...][:key=value,...]: flags first, text kept as written. */
static void test_model_flags(void **st)
{
	model_spec m;
	assert_int_equal(spec_model("threads+gil", &m, err, sizeof err), 0);
	assert_string_equal(m.kind->name, "threads");
	assert_string_equal(m.text, "threads+gil");
	assert_int_equal(model_flag(&m, "gil"), 1);
	assert_int_equal(model_flag(&m, "nope"), 0);
	assert_int_equal(model_opt(&m, "gil_interval_ms"), 5);

	assert_int_equal(spec_model("pool+gil:gil_interval_ms=1,stack=64k", &m, err, sizeof err),
			 0);
	assert_string_equal(m.kind->name, "pool");
	assert_string_equal(m.text, "pool+gil:gil_interval_ms=1,stack=64k");
	assert_int_equal(model_flag(&m, "gil"), 1);
	assert_int_equal(model_opt(&m, "gil_interval_ms"), 1);
	assert_int_equal(model_opt(&m, "stack"), 65536);
	assert_int_equal(spec_model("threads+gil+gil:gil_interval_ms=0", &m, err, sizeof err), 0);
	assert_int_equal(model_opt(&m, "gil_interval_ms"), 0);

	/* Without +gil, an option no plain thread uses. */
	assert_int_equal(spec_model("threads:gil_interval_ms=1", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "only applies with +gil"));
	/* The other order. */
	assert_int_equal(spec_model("threads:gil_interval_ms=1+gil", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "flags go before options"));
	assert_int_equal(spec_model("threads+gil:gil_interval_ms=1001", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "gil_interval_ms"));

	assert_int_equal(spec_model("sequential+gil", &m, err, sizeof err), -1);
	assert_string_equal(err, "model sequential: unknown flag 'gil'");
	assert_int_equal(spec_model("threads+nope", &m, err, sizeof err), -1);
	assert_string_equal(err, "model threads: unknown flag 'nope'");
	assert_int_equal(spec_model("threads+gil+foo:stack=64k", &m, err, sizeof err), -1);
	assert_string_equal(err, "model threads: unknown flag 'foo'");
	assert_int_equal(spec_model("threads+", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty flag"));
	assert_int_equal(spec_model("threads+:stack=64k", &m, err, sizeof err), -1);
	assert_int_equal(spec_model("fork+gil", &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown flag 'gil'"));
}

static void test_models(void **st)
{
	model_spec *ms;
	size_t n;
	assert_int_equal(spec_models("all", &ms, &n, err, sizeof err), 0);
	size_t count = 0;
	for (const model_kind *const *k = model_all(); *k; k++)
		assert_string_equal(ms[count++].kind->name, (*k)->name);
	assert_int_equal(n, count);
	free(ms);

	/* all+gil: every model, and after each that takes +gil its variant */
	assert_int_equal(spec_models("all+gil", &ms, &n, err, sizeof err), 0);
	size_t gils = 0, at = 0;
	for (const model_kind *const *k = model_all(); *k; k++) {
		assert_string_equal(ms[at].text, (*k)->name);
		assert_false(model_flag(&ms[at], "gil"));
		at++;
		if (at < n && strstr(ms[at].text, "+gil")) {
			assert_string_equal(ms[at].kind->name, (*k)->name);
			assert_true(model_flag(&ms[at], "gil"));
			at++;
			gils++;
		}
	}
	assert_int_equal(at, n);
	assert_int_equal(gils, 3); /* threads, pool, hybrid */
	free(ms);

	assert_int_equal(spec_models("threads:stack=64k,pool,fork", &ms, &n, err, sizeof err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ms[0].text, "threads:stack=64k");
	assert_int_equal(model_opt(&ms[0], "stack"), 65536);
	assert_string_equal(ms[1].kind->name, "pool");
	assert_string_equal(ms[2].kind->name, "fork");
	free(ms);

	assert_int_equal(spec_models("threads:stack=64k,pool:stack=32k", &ms, &n, err, sizeof err),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(model_opt(&ms[0], "stack"), 65536);
	assert_string_equal(ms[1].text, "pool:stack=32k");
	assert_int_equal(model_opt(&ms[1], "stack"), 32768);
	free(ms);

	assert_int_equal(
		spec_models("threads+gil,pool+gil:gil_interval_ms=2", &ms, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ms[0].text, "threads+gil");
	assert_int_equal(model_flag(&ms[0], "gil"), 1);
	assert_int_equal(model_opt(&ms[0], "gil_interval_ms"), 5);
	assert_string_equal(ms[1].text, "pool+gil:gil_interval_ms=2");
	assert_int_equal(model_flag(&ms[1], "gil"), 1);
	assert_int_equal(model_opt(&ms[1], "gil_interval_ms"), 2);
	free(ms);

	assert_int_equal(spec_models("pool+gil:gil_interval_ms=2,stack=64k,threads,sequential", &ms,
				     &n, err, sizeof err),
			 0);
	assert_int_equal(n, 3);
	assert_string_equal(ms[0].text, "pool+gil:gil_interval_ms=2,stack=64k");
	assert_int_equal(model_opt(&ms[0], "stack"), 65536);
	assert_int_equal(model_flag(&ms[1], "gil"), 0);
	assert_string_equal(ms[2].kind->name, "sequential");
	free(ms);

	const char *bad[] = { "",
			      "threads,,pool",
			      "threads,",
			      "threads,nope",
			      "pool+gil,sequential+gil",
			      "threads+gil,pool+nope" };
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		ms = (model_spec *)1;
		assert_int_equal(spec_models(bad[i], &ms, &n, err, sizeof err), -1);
		assert_null(ms);
	}
}

/* What results record as params: only the parameters that apply to the
 * instance, numbers as plain integers and sizes in bytes, whatever units
 * were written; parsing still takes every form it took. */
static void test_params_string(void **st)
{
	static const struct {
		const char *spec, *params;
	} cases[] = {
		{ "fib:n=32", "n=32" },
		{ "fib:n=040|41", "n=40|41" },
		{ "hash", "algo=sha256,bytes=1024,rounds=1" },
		{ "hash:algo=sha256,n=4096,r=4,p=2", "algo=sha256,bytes=1024,rounds=1" },
		{ "hash:algo=scrypt,n=2048,r=8,p=1",
		  "algo=scrypt,bytes=1024,rounds=1,n=2048,r=8,p=1" },
		{ "hash:algo=scrypt,bytes=2k,n=1024",
		  "algo=scrypt,bytes=2048,rounds=1,n=1024,r=8,p=1" },
		{ "hash:bytes=64k|1k|0,rounds=2", "algo=sha256,bytes=65536|1024|0,rounds=2" },
		{ "sleep:ms=20", "ms=20,blocking=0" },
		{ "spin:us=2000", "us=2000" },
		{ "null", "" },
		{ "http:delay_ms=20,size=4k",
		  "delay_ms=20,size=4096,keepalive=0,timeout_ms=30000,blocking=0" },
		{ "http:url=http://127.0.0.1:8080/x,size=4k,delay_ms=5",
		  "url=http://127.0.0.1:8080/x,keepalive=0,timeout_ms=30000,blocking=0" },
		{ "mixed:delay_ms=20|1,size=1k,fib=20",
		  "delay_ms=20|1,size=1024,keepalive=0,timeout_ms=30000,blocking=0,fib=20,rounds=0" },
		{ "mixed:url=http://example.com/,fib=20",
		  "url=http://example.com/,keepalive=0,timeout_ms=30000,blocking=0,fib=20,rounds=0" },
		{ "switch:mode=pipe,rounds=200000", "rounds=200000,mode=pipe" },
	};
	wl_spec w;
	char buf[160];
	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		if (spec_workload(cases[k].spec, 0, &w, err, sizeof err) < 0)
			fail_msg("%s: %s", cases[k].spec, err);
		wl_params_string(&w, buf, sizeof buf);
		if (strcmp(buf, cases[k].params) != 0)
			fail_msg("%s: params '%s', want '%s'", cases[k].spec, buf, cases[k].params);
	}
	/* wl_check: what no run could take, known once N and C are */
	assert_int_equal(spec_workload("switch:mode=pipe", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_check(&w, 4, 2, err, sizeof err), 0);
	assert_int_equal(wl_check(&w, 3, 2, err, sizeof err), -1);
	assert_non_null(strstr(err, "even number of tasks (-n), not 3"));
	assert_int_equal(wl_check(&w, 4, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "give -c 2 or more"));
	assert_int_equal(spec_workload("switch:mode=yield", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_check(&w, 3, 1, err, sizeof err), 0);
	assert_int_equal(spec_workload("hash:algo=scrypt,n=1000", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_check(&w, 1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a power of two"));
	assert_int_equal(spec_workload("fib", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_check(&w, 3, 1, err, sizeof err), 0);

	/* a buffer too small is cut, still a string */
	assert_int_equal(spec_workload("hash:bytes=64k", 0, &w, err, sizeof err), 0);
	wl_params_string(&w, buf, 12);
	assert_string_equal(buf, "algo=sha256");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int),      cmocka_unit_test(test_counts),
		cmocka_unit_test(test_workload), cmocka_unit_test(test_workload_lists),
		cmocka_unit_test(test_model),    cmocka_unit_test(test_model_flags),
		cmocka_unit_test(test_models),   cmocka_unit_test(test_params_string),
	};
	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
