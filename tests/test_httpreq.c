/* test_httpreq.c - the bundled target's request parser: a head in, a route or a status out
 * (and a body's length to read). */
#include "tests/testutil.h"

#include <string.h>

#include "workloads/http/httpreq.h"

static void test_parse(void **st)
{
	static const struct {
		const char *head;
		int status, keep;
		uint64_t body_len;
	} cases[] = {
		{ "GET /work HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "GET /work HTTP/1.1\n\n", 200, 1, 0 },
		{ "GET http://h:1/work?size=2 HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "GET /work?x&size=2&seed=18446744073709551615 HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "GET /work?seed=18446744073709551616 HTTP/1.1\r\n\r\n", 400, 0, 0 },
		{ "GET /work?delay_ms=600001 HTTP/1.1\r\n\r\n", 400, 0, 0 },
		{ "GET /work?size=67108865 HTTP/1.1\r\n\r\n", 400, 0, 0 },
		{ "GET /work?size= HTTP/1.1\r\n\r\n", 400, 0, 0 },
		{ "GET /work?size HTTP/1.1\r\n\r\n", 400, 0, 0 },
		{ "GET /work?size=-1 HTTP/1.1\r\n\r\n", 400, 0, 0 },
		{ "GET /work HTTP/1.0\r\n\r\n", 200, 0, 0 },
		{ "GET /work HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 200, 1, 0 },
		{ "GET /work HTTP/1.1\r\nConnection: foo, close\r\n\r\n", 200, 0, 0 },
		{ "GET /workx HTTP/1.1\r\n\r\n", 404, 1, 0 },
		{ "GET /stats HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "DELETE /work HTTP/1.1\r\n\r\n", 405, 0, 0 },
		{ "GET /work HTTP/2.0\r\n\r\n", 505, 0, 0 },
		{ "GET /work HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400, 0, 0 },
		{ "GET /work HTTP/1.1\r\nX : a\r\n\r\n", 400, 0, 0 },
		{ "GET /work HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 200, 1, 5 },
		{ "GET /work HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 200, 1, 0 },
		{ "GET /work HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411, 0, 0 },
		/* POST: as GET, its body measured (the connection reads it) */
		{ "POST /work?size=3 HTTP/1.1\r\nContent-Length: 67108864\r\n\r\n", 200, 1,
		  67108864 },
		{ "POST /work HTTP/1.1\r\nContent-Length: 67108865\r\n\r\n", 413, 0, 0 },
		{ "POST /work HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, 0,
		  0 },
		{ "POST /work HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n", 200, 1,
		  4 },
		{ "POST /work HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", 400, 0,
		  0 },
		{ "POST /work HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\n", 400, 0, 0 },
		{ "POST /work HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, 0, 0 },
		{ "POST /work HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n",
		  411, 0, 0 },
		{ "POST /work HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX y: z\r\n\r\n", 400, 0,
		  0 },
		{ "POST /work HTTP/1.1\r\nContent-Length: 9\r\nConnection: close\r\n\r\n", 200, 0,
		  9 },
		{ "POST /nope HTTP/1.1\r\nContent-Length: 9\r\n\r\n", 404, 1, 9 },
		{ "POST /work?size=x HTTP/1.1\r\nContent-Length: 9\r\n\r\n", 400, 0, 0 },
		{ "PUT /work HTTP/1.1\r\nContent-Length: 9\r\n\r\n", 405, 0, 0 },
		{ "POST /work HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "GET  /work HTTP/1.1\r\n\r\n", 400, 0, 0 },
		{ "GET /work\r\n\r\n", 400, 0, 0 },
		{ "\x01\x02\r\n\r\n", 400, 0, 0 },
	};
	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		httpreq req;
		size_t len = strlen(cases[k].head);
		assert_int_equal(httpreq_head_end(cases[k].head, len, 0), len);
		httpreq_parse(cases[k].head, len, &req);
		if (req.status != cases[k].status || req.keep != cases[k].keep ||
		    req.body_len != cases[k].body_len)
			fail_msg("case %zu: %d keep %d body %llu for %s", k, req.status, req.keep,
				 (unsigned long long)req.body_len, cases[k].head);
	}
	httpreq req;
	const char *h = "HEAD /work?delay_ms=5&size=6&seed=7 HTTP/1.1\r\nHost: x\r\n\r\n";
	httpreq_parse(h, strlen(h), &req);
	assert_true(req.head_only);
	assert_true(req.delay_ms == 5 && req.size == 6 && req.seed == 7);
	assert_int_equal(httpreq_head_end("GET / HTTP/1.1\r\nHost: x\r\n", 25, 0), 0);

	/* Expect: 100-continue counts for HTTP/1.1 with a body to read */
	static const struct {
		const char *head;
		int expect;
	} expects[] = {
		{ "POST /work HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", 1 },
		{ "POST /work HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", 0 },
		{ "POST /work HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", 0 },
		{ "POST /work HTTP/1.1\r\nExpect: other\r\nContent-Length: 3\r\n\r\n", 0 },
		{ "POST /work?size=x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
		  0 },
	};
	for (size_t k = 0; k < N_ELEMS(expects); k++) {
		httpreq_parse(expects[k].head, strlen(expects[k].head), &req);
		if (req.expect_continue != expects[k].expect)
			fail_msg("expect case %zu: %d", k, req.expect_continue);
	}
}

/* The serve workload's parse: every path but /stats is /work, its seed read
 * from any; /stats answers under every API. */
static void test_parse_any(void **st)
{
	static const struct {
		const char *head;
		int status;
		uint64_t seed;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 200, 0 },
		{ "GET /a/b?seed=42 HTTP/1.1\r\n\r\n", 200, 42 },
		{ "GET /statsx?seed=3 HTTP/1.1\r\n\r\n", 200, 3 },
		{ "GET /stats HTTP/1.1\r\n\r\n", 200, 0 },
		{ "GET http://h:1/x?y=z&seed=7 HTTP/1.1\r\n\r\n", 200, 7 },
		{ "GET /x?seed=y HTTP/1.1\r\n\r\n", 400, 0 },
		{ "DELETE /x HTTP/1.1\r\n\r\n", 405, 0 },
	};
	httpreq req;

	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		httpreq_parse_any(cases[k].head, strlen(cases[k].head), &req);
		if (req.status != cases[k].status || req.seed != cases[k].seed)
			fail_msg("case %zu: %d seed %llu for %s", k, req.status,
				 (unsigned long long)req.seed, cases[k].head);
		assert_true(req.status != 200 ||
			    req.route == (strstr(cases[k].head, "/stats ") ? HTTPREQ_STATS
									   : HTTPREQ_WORK));
	}
	/* the target's own parse still routes */
	httpreq_parse(cases[1].head, strlen(cases[1].head), &req);
	assert_int_equal(req.status, 404);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_any),
	};
	return cmocka_run_group_tests_name("httpreq", tests, NULL, NULL);
}
