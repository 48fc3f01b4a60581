/* test_httpbody.c - the body of /work answers: any slice stands on its own, and is pinned. */
#include "tests/testutil.h"

#include "workloads/http/httpbody.h"

static void test_body(void **st)
{
	unsigned char a[4099], b[64], c[64];
	httpbody_fill(7, 0, a, sizeof a);
	for (size_t off = 0; off < 40; off++) { /* any slice stands on its own */
		httpbody_fill(7, off + 3000, b, 37);
		assert_memory_equal(b, a + off + 3000, 37);
	}
	httpbody_fill(8, 0, b, sizeof b);
	httpbody_fill(7, 0, c, sizeof c);
	assert_memory_not_equal(b, c, sizeof b);
	assert_memory_equal(a, c, sizeof c);
	httpbody_fill(0, 0, b, 8); /* pinned: http workloads' digests depend on it */
	uint64_t w = 0;
	for (int k = 7; k >= 0; k--)
		w = w << 8 | b[k];
	assert_int_equal(w, 0xf678ea47a65c974cull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
	};
	return cmocka_run_group_tests_name("httpbody", tests, NULL, NULL);
}
