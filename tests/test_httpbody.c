/* test_httpbody.c - the body of /work answers: any slice stands on its own, and is pinned;
 * its digest is the one of its bytes (the client's, from the target: test_http_post.c). */
#include "tests/testutil.h"

#include <stdlib.h>

#include "workloads/http/httpbody.h"
#include "workloads/workload.h"

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

/* httpbody_digest is wl_digest_bytes over the whole body (what the client
 * reports), for sizes around its slices and the server's 64 KiB chunk. */
static void test_digest(void **st)
{
	static const uint64_t sizes[] = { 0, 1, 7, 8, 16383, 16384, 16385, 65536, 65537, 200003 };
	static const uint64_t seeds[] = { 0, 1, UINT64_MAX };
	unsigned char *buf = malloc(200003);
	assert_non_null(buf);
	for (size_t k = 0; k < N_ELEMS(seeds); k++)
		for (size_t j = 0; j < N_ELEMS(sizes); j++) {
			httpbody_fill(seeds[k], 0, buf, sizes[j]);
			assert_int_equal(httpbody_digest(seeds[k], sizes[j]),
					 wl_digest_bytes(buf, sizes[j]));
		}
	assert_int_not_equal(httpbody_digest(0, 100), httpbody_digest(1, 100));
	assert_int_equal(httpbody_digest(5, 0), wl_digest_bytes("", 0));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_digest),
	};
	return cmocka_run_group_tests_name("httpbody", tests, NULL, NULL);
}
