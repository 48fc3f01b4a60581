/* test_fetchfloor.c - the bench's fetch floor: a bare client and a bare server that really fetch.
 */
/* The bare server answers every request after its delay; the bare client gets N answers from it,
 * so its makespan is at least one delay; a client whose server is gone says why (no crash, no
 * hang), and the server child is reaped when stopped. */
#define _GNU_SOURCE
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "harness/bench/fetchfloor.h"

static void test_bare_fetches(void **state)
{
	char hp[64], why[160] = "";
	int pid = fetchfloor_server_start(NULL, NULL, 30, hp, sizeof hp, why, sizeof why);
	if (pid < 0)
		fail_msg("%s", why);
	assert_non_null(strstr(hp, "127.0.0.1:"));
	double v = fetchfloor_client(NULL, NULL, hp, "/work?delay_ms=30", 50, why, sizeof why);
	if (v < 0)
		fail_msg("%s", why);
	assert_true(v >= 0.030); /* every answer came after the delay */
	assert_true(isfinite(v));
	fetchfloor_server_stop(pid);
	assert_int_equal(kill(pid, 0), -1); /* reaped */
	/* the server gone: the client fails with a reason, at once */
	v = fetchfloor_client(NULL, NULL, hp, "/", 5, why, sizeof why);
	assert_true(v < 0);
	assert_true(strstr(why, "Connection refused") || strstr(why, "no answer"));
	v = fetchfloor_client(NULL, NULL, "nonsense", "/", 5, why, sizeof why);
	assert_true(v < 0);
	assert_non_null(strstr(why, "bad address nonsense"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_fetches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
