/* test_workloads.c - every workload computes what it claims, through the task interface alone. */
/* Known fib values, hash digests checked against Python's hashlib, spin burning CPU, null doing
 * nothing, the run digest's order independence, the registry's tables (sleep: test_sleep.c).
 * The spec parser is not under test here: specs are built by hand (wl_fixture.h). */
#include "tests/testutil.h"

#include "tests/wl_fixture.h"
#include "workloads/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void test_fib_values(void **state)
{
	/* The book's fib(1) = 0, fib(2) = 1; fib(40), fib(41) as listing 1-5
	 * prints them. */
	static const struct {
		const char *n;
		uint64_t value;
		int slow;
	} known[] = {
		{ "1", 0, 0 },         { "2", 1, 0 },          { "3", 1, 0 },
		{ "10", 34, 0 },       { "20", 4181, 0 },      { "30", 514229, 0 },
		{ "40", 63245986, 1 }, { "41", 102334155, 1 },
	};
	int memcheck = getenv("CB_MEMCHECK") != NULL;
	wl_spec w;

	for (size_t k = 0; k < N_ELEMS(known); k++) {
		uint64_t d;
		if (known[k].slow && memcheck)
			continue; /* ten seconds and more under valgrind */
		spec_make(&w, "fib", "n", known[k].n, NULL);
		spec_prepare(&w);
		d = task_digest(&w, 0);
		assert_int_equal(d, wl_digest_u64(known[k].value));
		assert_int_not_equal(d, wl_digest_u64(known[k].value + 1));
		wl_release(&w);
	}
}

static void test_fib_same_every_task(void **state)
{
	wl_spec w;

	spec_make(&w, "fib", "n", "15", NULL);
	spec_prepare(&w);
	assert_int_equal(task_digest(&w, 0), wl_digest_u64(377));
	assert_int_equal(task_digest(&w, 0), task_digest(&w, 12345));
	wl_release(&w);
}

/* n=10|20: tasks alternate between fib(10) = 34 and fib(20) = 4181. */
static void test_fib_per_task(void **state)
{
	wl_spec w;

	spec_make(&w, "fib", "n", "10|20", NULL);
	assert_int_equal(wl_param_count(&w, "n"), 2);
	assert_int_equal(wl_param_at(&w, "n", 0), 10);
	assert_int_equal(wl_param_at(&w, "n", 3), 20);
	spec_prepare(&w);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(task_digest(&w, i), wl_digest_u64(i % 2 ? 4181 : 34));
	wl_release(&w);
}

static size_t hex_bytes(const char *hex, unsigned char *out, size_t cap)
{
	size_t len;

	for (len = 0; hex[2 * len]; len++) {
		unsigned int b;
		assert_true(len < cap);
		assert_int_equal(sscanf(hex + 2 * len, "%2x", &b), 1);
		out[len] = (unsigned char)b;
	}
	return len;
}

/*
 * Expected final digests of task i, computed independently with Python's
 * hashlib (python3.11, OpenSSL 3.0) by:
 *
 *   buf = bytes((j*31 + 17) % 251 for j in range(nbytes))
 *   d = i.to_bytes(8, 'little')
 *   for _ in range(rounds): d = hashlib.new(algo, d + buf).digest()
 *
 * and for scrypt (d starts as i.to_bytes(8, 'little') + buf):
 *
 *   for _ in range(rounds): d = hashlib.scrypt(d, salt=b'concbench-salt16',
 *                                              n=n, r=r, p=p, dklen=64)
 */
static const struct {
	const char *algo, *bytes, *rounds, *n, *r, *p;
	size_t i;
	const char *hex;
} hash_known[] = {
	{ "sha256", "1024", "1", "2048", "8", "1", 0,
	  "3e0a105ece738265a4ca6278fa02429961c2654e8b234e18a1a1d4e2eb60c419" },
	{ "sha256", "1024", "1", "2048", "8", "1", 5,
	  "85a3b505aad3d24333a529343b1849440f83e311d3d637fd189c028115840b30" },
	{ "sha256", "1024", "3", "2048", "8", "1", 0,
	  "8897b22151dc8b11524e0920f7cf3699814588d0084600a3099f1adc3122b01c" },
	{ "sha256", "1024", "3", "2048", "8", "1", 5,
	  "350f88b4893a65d74bc440e8dc8084cc7aa01e80f1325bdea2092b5ab2aee1eb" },
	{ "sha256", "0", "1", "2048", "8", "1", 7,
	  "aae89fc0f03e2959ae4d701a80cc3915918c950b159f6abb6c92c1433b1a8534" },
	{ "sha256", "4k", "2", "2048", "8", "1", 1,
	  "2608f612aa5713c18ab9c15eb60751a776df1642c04e107adc58f69ecce8145c" },
	{ "sha1", "1024", "1", "2048", "8", "1", 5, "c44414f6f5d653225a5d5b6d9c0415f88bc69bf2" },
	{ "md5", "1024", "1", "2048", "8", "1", 5, "1d1f7dd9ad667b58f7d9209e1b95252c" },
	{ "md5", "100", "4", "2048", "8", "1", 9, "227c887f89898323d573d5d3b33848df" },
	{ "sha512", "1024", "1", "2048", "8", "1", 5,
	  "4a7f215e28c827604f91425c68d67c158e989de4cd9f4a0d4c220f7f1386cff14322113c2a0faf704a4d8511"
	  "6f4668b79db53823322b7dc2ac73f960f08412ff" },
	{ "sha512", "1024", "2", "2048", "8", "1", 0,
	  "b94d1ce7aa0e4378334dbbdf9b1be0b2adeb271a5422fa1846ea1aa975960b9df89ca62abe06bccdd4f626de"
	  "896650b001d757af8bf91ba9d3da2763ef2304ae" },
	{ "scrypt", "1024", "1", "16", "1", "1", 0,
	  "a06f2b7f044cf39c272ea0d6617b967c81ee6aa6255b279bd3cef12b7502599ffe6fb0d58f398f025636c4a4"
	  "6fc5f4ac3c10bdb4374b92ee0b1d44f3664d08d9" },
	{ "scrypt", "1024", "1", "16", "1", "1", 5,
	  "f20a16d4c4a502c4cb0dfff3b0f99e73f76fd4cb51b9fef13ea8941bed91fcea433833bfe7d2482b5a2e0b21"
	  "a207054d9739ad88aac1d8ac636520d01419347c" },
	{ "scrypt", "32", "2", "16", "1", "1", 3,
	  "25b79d62c066016d4df27d06bbe6905069f0033513e41e35cf0c3a2c73155a0f368df76096e31d641238bce8"
	  "abaff6733ca0192fb04dfc3031611f305ee43d94" },
	{ "scrypt", "1024", "1", "32", "2", "2", 2,
	  "eef9ba4cc3eb9bd4bbd6efd04df25e7f627d5127f9e5e722f7ef00f91e1fdcfb53cafec47dc40f82e02ea3d3"
	  "bb78bf788cdb7fa4fbae105f2b5d933cb518a257" },
	/* the book's parameters, which are also the defaults */
	{ "scrypt", "1024", "1", "2048", "8", "1", 0,
	  "c80229cf13aeb0485ae71bd9edb6294fb7af51c733cdb8c3560769e6d2e247fc75557efc40f6f3f4098906b2"
	  "6ada1a293dc55dd0140af7ada3be1c377572535a" },
};

static void test_hash_matches_hashlib(void **state)
{
	for (size_t k = 0; k < N_ELEMS(hash_known); k++) {
		unsigned char md[64];
		size_t len = hex_bytes(hash_known[k].hex, md, sizeof md);
		wl_spec w;

		spec_make(&w, "hash", "algo", hash_known[k].algo, "bytes", hash_known[k].bytes,
			  "rounds", hash_known[k].rounds, "n", hash_known[k].n, "r",
			  hash_known[k].r, "p", hash_known[k].p, NULL);
		spec_prepare(&w);
		if (task_digest(&w, hash_known[k].i) != wl_digest_bytes(md, len))
			fail_msg("hash case %zu (%s) differs from hashlib", k, hash_known[k].algo);
		wl_release(&w);
	}
}

/* bytes=1024|0: the buffer is built for 1024, task 7 hashes none of it;
 * both match hashlib (the first and the fifth case above). */
static void test_hash_per_task(void **state)
{
	unsigned char md[64];
	size_t len;
	wl_spec w;

	spec_make(&w, "hash", "bytes", "1024|0", NULL);
	spec_prepare(&w);
	len = hex_bytes(hash_known[0].hex, md, sizeof md);
	assert_int_equal(task_digest(&w, 0), wl_digest_bytes(md, len));
	len = hex_bytes(hash_known[4].hex, md, sizeof md);
	assert_int_equal(task_digest(&w, 7), wl_digest_bytes(md, len));
	wl_release(&w);

	spec_make(&w, "hash", "bytes", "1024", "rounds", "1|3", NULL);
	spec_prepare(&w);
	len = hex_bytes(hash_known[3].hex, md, sizeof md); /* 3 rounds, task 5 */
	assert_int_equal(task_digest(&w, 5), wl_digest_bytes(md, len));
	wl_release(&w);
}

static void expect_prepare_error(wl_spec *w, const char *needle)
{
	char err[160] = "";

	assert_int_not_equal(wl_prepare(w, err, sizeof err), 0);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not name \"%s\"", err, needle);
	wl_release(w); /* harmless after a failed prepare */
}

static void test_hash_rejects_bad_n(void **state)
{
	wl_spec w;

	spec_make(&w, "hash", "n", "3000", NULL);
	expect_prepare_error(&w, "n=3000");
	spec_make(&w, "hash", "algo", "scrypt", "n", "6", NULL);
	expect_prepare_error(&w, "n=6");
	/* OpenSSL's scrypt wants n < 2^(16 r) */
	spec_make(&w, "hash", "algo", "scrypt", "n", "65536", "r", "1", NULL);
	expect_prepare_error(&w, "n=65536");
	/* which does not concern the digests */
	spec_make(&w, "hash", "algo", "sha1", "n", "65536", "r", "1", NULL);
	spec_prepare(&w);
	wl_release(&w);
}

/* A run digest ignores order, but not which slot a digest landed in. */
static void test_run_digest_order(void **state)
{
	uint64_t d[8], fwd = 0, rev = 0, swapped = 0;
	wl_spec w;

	spec_make(&w, "hash", NULL);
	spec_prepare(&w);
	for (size_t i = 0; i < N_ELEMS(d); i++)
		d[i] = task_digest(&w, i);
	wl_release(&w);
	assert_int_not_equal(d[0], d[1]);
	for (size_t i = 0; i < N_ELEMS(d); i++) {
		size_t j = N_ELEMS(d) - 1 - i;
		fwd = wl_run_digest_add(fwd, i, d[i]);
		rev = wl_run_digest_add(rev, j, d[j]);
		swapped = wl_run_digest_add(swapped, i, d[i < 2 ? 1 - i : i]);
	}
	assert_int_equal(fwd, rev);
	assert_int_not_equal(fwd, swapped);
}

static void test_null(void **state)
{
	wl_spec w;

	spec_make(&w, "null", NULL);
	assert_int_equal(w.nparams, 0);
	spec_prepare(&w);
	assert_int_equal(task_digest(&w, 0), 0);
	assert_int_equal(task_digest(&w, 999), 0);
	wl_release(&w);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_spin(void **state)
{
	wl_spec w;
	uint64_t c0, c1;

	spec_make(&w, "spin", "us", "2000", NULL);
	spec_prepare(&w);
	c0 = thread_cpu_ns();
	assert_int_equal(task_digest(&w, 0), wl_digest_u64(2000));
	c1 = thread_cpu_ns();
	assert_true(c1 - c0 >= 2000 * 1000u); /* a sanity bound only */
	wl_release(&w);

	spec_make(&w, "spin", "us", "0", NULL);
	spec_prepare(&w);
	assert_int_equal(task_digest(&w, 1), wl_digest_u64(0));
	wl_release(&w);
}

static void check_param_def(const wl_kind *kind, const wl_param_def *d)
{
	int64_t v;

	assert_non_null(d->def);
	v = wl_param_value(d, d->def);
	if (d->per_task && d->type != WL_INT && d->type != WL_SIZE)
		fail_msg("%s:%s: only numbers are per task", kind->name, d->name);
	if (!d->help || !*d->help)
		fail_msg("%s:%s has no help", kind->name, d->name);
	if (d->type == WL_ENUM) {
		assert_non_null(d->choices);
		if (v < 0)
			fail_msg("%s:%s default not a choice", kind->name, d->name);
		return;
	}
	if (v < d->min || v > d->max)
		fail_msg("%s:%s default out of range", kind->name, d->name);

	assert_true(d->force_max == 0 || d->force_max > d->max);
}

/* Every registered kind is complete and runs one task with its defaults. */
static void test_registry(void **state)
{
	const wl_kind *const *all = wl_all();

	assert_non_null(all[0]);
	for (const wl_kind *const *k = all; *k; k++) {
		const wl_kind *kind = *k;
		wl_spec w;

		assert_true(kind->name && *kind->name);
		assert_true(kind->summary && *kind->summary);
		assert_non_null(kind->cls);
		assert_true(strcmp(kind->cls, "cpu") == 0 || strcmp(kind->cls, "io") == 0);
		assert_non_null(kind->run);
		assert_non_null(kind->params);
		assert_ptr_equal(wl_find(kind->name), kind);
		for (const wl_param_def *d = kind->params; d->name; d++)
			check_param_def(kind, d);

		if (kind->server)
			continue; /* a task waits for a client: covered by test_serve.c */
		spec_make(&w, kind->name, NULL);
		if (kind->needs_target && kind->needs_target(&w))
			continue; /* needs the bundled target: covered by test_http.c */
		spec_prepare(&w);
		task_digest(&w, 1);
		wl_release(&w);
	}
	assert_null(wl_find("no-such-workload"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fib_values),
		cmocka_unit_test(test_fib_same_every_task),
		cmocka_unit_test(test_fib_per_task),
		cmocka_unit_test(test_hash_matches_hashlib),
		cmocka_unit_test(test_hash_per_task),
		cmocka_unit_test(test_hash_rejects_bad_n),
		cmocka_unit_test(test_run_digest_order),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_spin),
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
