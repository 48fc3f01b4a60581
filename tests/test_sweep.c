/* test_sweep.c - a run that did different work is an error, whatever its speed. */
#include "tests/testutil.h"

#include <string.h>

#include "harness/run/sweep.h"

static void test_digest_reference(void **st)
{
	int have = 0;
	uint64_t ref = 0;
	res_run a = { .status = "ok", .digest = 0x1234 };
	res_run failed = { .status = "error: task 1: boom", .digest = 0x9999 };
	res_run b = { .status = "ok", .digest = 0x1234 };
	res_run c = { .status = "ok", .digest = 0xbeef };

	/* a failed run sets no reference: its digest covers only some tasks */
	sweep_check_digest(&failed, &have, &ref);
	assert_int_equal(have, 0);
	assert_string_equal(failed.status, "error: task 1: boom");

	sweep_check_digest(&a, &have, &ref);
	assert_int_equal(have, 1);
	assert_int_equal(ref, 0x1234);
	assert_string_equal(a.status, "ok");

	sweep_check_digest(&b, &have, &ref);
	assert_string_equal(b.status, "ok");

	sweep_check_digest(&c, &have, &ref);
	assert_non_null(strstr(c.status, "error: digest mismatch"));
	assert_non_null(strstr(c.status, "000000000000beef"));
	assert_non_null(strstr(c.status, "0000000000001234"));
	assert_int_equal(ref, 0x1234); /* the reference stays */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_reference),
	};
	return cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
}
