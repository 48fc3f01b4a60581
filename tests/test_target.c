/* test_target.c - the bundled target's CPU time lands in the context, as JSON. */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "harness/report/json.h"
#include "harness/run/target.h"

static void check_json(const char *s)
{
	char err[128];
	assert_int_equal(json_check(s, strlen(s), err, sizeof err), 0);
}

static void test_context(void **st)
{
	target t = { .pid = -42, .hostport = "127.0.0.1:4242", .cpus = "1", .user_s = 0.5,
		     .sys_s = 0.25 };
	char *s = target_context(&t, "{\n  \"host\": \"x\"\n}");
	assert_non_null(s);
	check_json(s);
	assert_non_null(strstr(s, "\"target_server\": {\"address\": \"127.0.0.1:4242\""));
	assert_non_null(strstr(s, "\"cpus\": \"1\""));
	assert_non_null(strstr(s, "\"cpu_user_s\": 0.500000"));
	assert_non_null(strstr(s, "\"host\": \"x\""));
	free(s);

	/* an empty context takes no leading comma; unbound cpus are null */
	t.cpus[0] = '\0';
	s = target_context(&t, "{}");
	assert_non_null(s);
	check_json(s);
	assert_non_null(strstr(s, "\"cpus\": null"));
	free(s);

	/* a server whose stop failed has no CPU figures */
	t.user_s = t.sys_s = -1;
	s = target_context(&t, "{\"a\": 1}");
	check_json(s);
	assert_non_null(strstr(s, "\"cpu_user_s\": null"));
	free(s);
}

static void test_no_server(void **st)
{
	target t;
	memset(&t, 0, sizeof t);
	assert_null(target_context(&t, "{\"a\": 1}"));
	target_stop(&t); /* harmless */
	assert_null(target_context(&t, "{\"a\": 1}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_no_server),
	};
	return cmocka_run_group_tests_name("target", tests, NULL, NULL);
}
