/* test_json.c - the JSON writer (layout, escapes, numbers, misuse, raw
 * values) and the validator it relies on. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "harness/report/json.h"

/* What fn writes through a fresh writer on a memstream, as a malloc'd
 * string; fn's result in *rc. */
static char *capture(int (*fn)(jw *, const void *), const void *arg, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	jw w;
	jw_init(&w, f);
	*rc = fn(&w, arg);
	assert_int_equal(fclose(f), 0);
	return text;
}

static int write_scalars(jw *w, const void *arg)
{
	jw_obj_begin(w);
	jw_kv_str(w, "s", "q\" b\\ nl\n tab\t c\001 del\x7f é \xff end");
	jw_kv_double(w, "nan", NAN);
	jw_kv_double(w, "inf", -INFINITY);
	jw_kv_double(w, "one", 1.0);
	jw_kv_double(w, "tenth", 0.1);
	jw_kv_double(w, "third", 1.0 / 3);
	jw_kv_double(w, "big", 1e300);
	jw_kv_int(w, "min", INT64_MIN);
	jw_kv_uint(w, "max", UINT64_MAX);
	jw_kv_bool(w, "yes", 1);
	jw_kv_null(w, "none");
	jw_kv_str(w, "null_str", NULL);
	jw_key(w, "empty");
	jw_arr_begin(w);
	jw_arr_end(w);
	jw_key(w, "list");
	jw_arr_begin(w);
	jw_int(w, 1);
	jw_obj_begin(w);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_obj_end(w);
	return jw_done(w);
}

static void test_json_writer(void **state)
{
	int rc;
	char *s = capture(write_scalars, NULL, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(
		s, "{\n"
		   "  \"s\": \"q\\\" b\\\\ nl\\n tab\\t c\\u0001 del\x7f é \\ufffd end\",\n"
		   "  \"nan\": null,\n"
		   "  \"inf\": null,\n"
		   "  \"one\": 1,\n"
		   "  \"tenth\": 0.1,\n"
		   "  \"third\": 0.3333333333333333,\n"
		   "  \"big\": 1e+300,\n"
		   "  \"min\": -9223372036854775808,\n"
		   "  \"max\": 18446744073709551615,\n"
		   "  \"yes\": true,\n"
		   "  \"none\": null,\n"
		   "  \"null_str\": null,\n"
		   "  \"empty\": [],\n"
		   "  \"list\": [\n"
		   "    1,\n"
		   "    {}\n"
		   "  ]\n"
		   "}\n");
	assert_int_equal(json_check(s, strlen(s), NULL, 0), 0);
	free(s);
}

static int write_misuse(jw *w, const void *arg)
{
	int which = *(const int *)arg;
	jw_obj_begin(w);
	if (which == 0) /* a value without a key */
		jw_int(w, 1);
	else if (which == 1) /* closing the wrong kind */
		jw_arr_end(w);
	else if (which == 2) /* a key whose value never comes */
		jw_key(w, "k"), jw_obj_end(w);
	/* which == 3: never closed */
	if (jw_done(w) == 0)
		return 0;
	return w->err;
}

static void test_json_misuse(void **state)
{
	for (int which = 0; which < 4; which++) {
		int rc;
		free(capture(write_misuse, &which, &rc));
		assert_int_equal(rc, EINVAL);
	}
}

static int write_raw(jw *w, const void *arg)
{
	jw_obj_begin(w);
	jw_key(w, "ctx");
	jw_raw(w, arg);
	jw_obj_end(w);
	return jw_done(w) < 0 ? w->err : 0;
}

static void test_json_raw(void **state)
{
	int rc;
	char *s = capture(write_raw, "{\n  \"a\": [\n    1\n  ]\n}\n", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "{\n  \"ctx\": {\n    \"a\": [\n      1\n    ]\n  }\n}\n");
	free(s);
	free(capture(write_raw, "{\"a\": }", &rc));
	assert_int_equal(rc, EINVAL);
}

static void test_json_check(void **state)
{
	/* clang-format off */
	static const char *good[] = {
		"{}", " [ ] ", "0", "-0.5e+10", "\"\\u00e9\\n\"", "true", "null", "[1,\n2]",
		"{\"a\": [1, 2, {\"b\": false}], \"c\": \"x\"}",
	};
	static const char *bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "{\"a\": 1,}", "01", "1.", "-", ".5", "\"\\x\"",
		"\"\\u12\"", "\"a\nb\"", "tru", "{} {}", "[1 2]", "{1: 2}", "nul", "- 1", "1e",
		"[1,,2]", "\"\\u00\"", "\"open", "{\"a\": 1 \"b\": 2}",
	};
	/* clang-format on */
	char err[128];
	for (size_t i = 0; i < N_ELEMS(good); i++)
		assert_int_equal(json_check(good[i], strlen(good[i]), err, sizeof err), 0);
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		if (json_check(bad[i], strlen(bad[i]), err, sizeof err) == 0)
			fail_msg("accepted bad JSON: %s", bad[i]);
		assert_non_null(strstr(err, "invalid JSON at byte"));
	}
	char deep[2000];
	memset(deep, '[', 1000);
	memset(deep + 1000, ']', 1000);
	assert_int_equal(json_check(deep, sizeof deep, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_json_misuse),
		cmocka_unit_test(test_json_raw),
		cmocka_unit_test(test_json_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
