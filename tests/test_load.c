/*
 * test_load.c - the load generator's arithmetic, without a network: the
 * histogram's error bound, merge and percentiles; the open loop's schedule
 * and the coordinated-omission correction on a fake clock; error kinds;
 * --check-body's reference digest.
 * (test_load_run.c: the client against canned servers; test_load_cli.c:
 * the command.)
 */
#include "tests/testutil.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "harness/load/body.h"
#include "harness/load/errors.h"
#include "harness/load/hist.h"
#include "harness/load/sched.h"

#define MS 1000000ull
#define S  1000000000ull

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every value from 1 ns to 2^40 ns lands in a bucket whose middle is within
 * 0.1 % of it, and between the bucket's bounds; indexes grow with values. */
static void test_error_bound(void **st)
{
	double worst = 0;
	for (double v = 1; v < (double)(1ull << 40); v *= 1.0007) {
		for (uint64_t x = (uint64_t)v; x <= (uint64_t)v + 1 && x < (1ull << 40); x++) {
			size_t i = load_hist_index(x);
			uint64_t lo = load_hist_lowest(i), hi = load_hist_highest(i);
			assert_true(lo <= x && x <= hi);
			assert_true(i >= load_hist_index(x - 1)); /* indexes grow with values */
			double mid = (double)lo + (double)(hi - lo) / 2;
			double err = fabs(mid - (double)x) / (double)x;
			worst = err > worst ? err : worst;
		}
	}
	for (int k = 0; k < 100000; k++) {
		uint64_t x = 1 + xorshift() % ((1ull << 40) - 1);
		size_t i = load_hist_index(x);
		assert_true(load_hist_lowest(i) <= x && x <= load_hist_highest(i));
		/* a bucket is never wider than 1/1024 of its lowest value */
		assert_true((double)(load_hist_highest(i) - load_hist_lowest(i)) <=
			    (double)load_hist_lowest(i) / 1024);
	}
	assert_true(worst <= 0.001);
	assert_true(load_hist_index(1ull << 50) == LOAD_HIST_BUCKETS - 1);
	assert_true(load_hist_index((1ull << 40) - 1) == LOAD_HIST_BUCKETS - 2);
	assert_true(load_hist_highest(LOAD_HIST_BUCKETS - 2) == (1ull << 40) - 1);

	/* through the histogram: each percentile within 0.1 % of the sample of
	 * that rank (a wide spread of values, 1 us .. 100 s) */
	load_hist h, e;
	assert_int_equal(load_hist_init(&h, 0), 0);
	assert_int_equal(load_hist_init(&e, 1), 0);
	for (int k = 0; k < 20000; k++) {
		uint64_t x = 1000 + xorshift() % (100 * S) / (1 + xorshift() % 100000);
		load_hist_record(&h, x);
		load_hist_record(&e, x);
	}
	for (double p = 0; p <= 100; p += 0.5) {
		double exact = (double)load_hist_value_at(&e, p);
		double approx = (double)load_hist_value_at(&h, p);
		assert_true(fabs(approx - exact) / exact <= 0.001);
	}
	assert_int_equal(load_hist_value_at(&h, 100), e.max);
	assert_int_equal(load_hist_value_at(&h, 0), e.min);
	load_hist_free(&h);
	load_hist_free(&e);
}

/* Three threads' histograms merged equal one that recorded everything. */
static void test_merge(void **st)
{
	load_hist part[3], all, sum;
	assert_int_equal(load_hist_init(&all, 0), 0);
	assert_int_equal(load_hist_init(&sum, 0), 0);
	for (int t = 0; t < 3; t++)
		assert_int_equal(load_hist_init(&part[t], 0), 0);
	for (int k = 0; k < 30000; k++) {
		uint64_t x = xorshift() % (1ull << (10 + k % 30));
		load_hist_record(&part[k % 3], x);
		load_hist_record(&all, x);
	}
	for (int t = 0; t < 3; t++)
		assert_int_equal(load_hist_merge(&sum, &part[t]), 0);
	assert_memory_equal(sum.count, all.count, LOAD_HIST_BUCKETS * sizeof *all.count);
	assert_true(sum.n == all.n && sum.min == all.min && sum.max == all.max);
	assert_true(fabs(load_hist_mean(&sum) - load_hist_mean(&all)) <=
		    1e-6 * load_hist_mean(&all));
	assert_true(fabs(load_hist_stddev(&sum) - load_hist_stddev(&all)) <=
		    1e-6 * load_hist_stddev(&all));
	for (double p = 0; p <= 100; p += 0.1)
		assert_int_equal(load_hist_value_at(&sum, p), load_hist_value_at(&all, p));
	/* exact mode merges samples */
	load_hist a, b;
	assert_int_equal(load_hist_init(&a, 1), 0);
	assert_int_equal(load_hist_init(&b, 1), 0);
	for (uint64_t v = 1; v <= 10; v++)
		load_hist_record(v % 2 ? &a : &b, v * 1000003);
	assert_int_equal(load_hist_merge(&a, &b), 0);
	assert_int_equal(a.n, 10);
	assert_int_equal(load_hist_value_at(&a, 50), 5 * 1000003);
	assert_int_equal(load_hist_value_at(&a, 90), 9 * 1000003);
	load_hist_free(&a);
	load_hist_free(&b);
	for (int t = 0; t < 3; t++)
		load_hist_free(&part[t]);
	load_hist_free(&all);
	load_hist_free(&sum);
}

/* Nearest rank, as stats.h defines it: 1..10 gives p0 = 1, p50 = 5,
 * p90 = 9, p99 = 10; the same from the buckets (exact below 2048 ns) and
 * from the samples; mean and sample stdev of a textbook set. */
static void test_percentiles(void **st)
{
	for (int exact = 0; exact < 2; exact++) {
		load_hist h;
		assert_int_equal(load_hist_init(&h, exact), 0);
		assert_int_equal(load_hist_value_at(&h, 50), 0);
		assert_true(isnan(load_hist_mean(&h)));
		for (uint64_t v = 10; v >= 1; v--)
			load_hist_record(&h, v);
		assert_int_equal(load_hist_value_at(&h, 0), 1);
		assert_int_equal(load_hist_value_at(&h, 10), 1);
		assert_int_equal(load_hist_value_at(&h, 11), 2);
		assert_int_equal(load_hist_value_at(&h, 50), 5);
		assert_int_equal(load_hist_value_at(&h, 90), 9);
		assert_int_equal(load_hist_value_at(&h, 99), 10);
		assert_int_equal(load_hist_value_at(&h, 100), 10);
		load_hist_free(&h);

		assert_int_equal(load_hist_init(&h, exact), 0);
		const uint64_t v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
		for (size_t k = 0; k < N_ELEMS(v); k++)
			load_hist_record(&h, v[k]);
		assert_true(fabs(load_hist_mean(&h) - 5) < 1e-9);
		assert_true(fabs(load_hist_stddev(&h) - sqrt(32.0 / 7)) < 1e-9);
		load_hist_free(&h);

		/* 1..100000 us: p99.9 is the 99900th value, p99.99 the 99990th */
		assert_int_equal(load_hist_init(&h, exact), 0);
		for (uint64_t k = 1; k <= 100000; k++)
			load_hist_record(&h, k * 1000);
		double p999 = (double)load_hist_value_at(&h, 99.9);
		double p9999 = (double)load_hist_value_at(&h, 99.99);
		assert_true(fabs(p999 - 99900e3) / 99900e3 <= 0.001);
		assert_true(fabs(p9999 - 99990e3) / 99990e3 <= 0.001);
		if (exact)
			assert_true(p999 == 99900e3 && p9999 == 99990e3);
		load_hist_free(&h);
	}
}

/* The spectrum: from p0, percentiles rising by halves (50, 75, 87.5 ...
 * all present), values never falling, ending at 100 % with the max. */
static void test_spectrum(void **st)
{
	load_hist h;
	load_pctl p[256];
	assert_int_equal(load_hist_init(&h, 0), 0);
	assert_int_equal(load_hist_spectrum(&h, 5, p, N_ELEMS(p)), 0);
	for (uint64_t v = 1; v <= 1000; v++)
		load_hist_record(&h, v);
	size_t n = load_hist_spectrum(&h, 5, p, N_ELEMS(p));
	assert_true(n > 20 && n < N_ELEMS(p));
	assert_true(p[0].pct == 0 && p[0].value == 1 && p[0].rank == 1);
	int saw50 = 0, saw75 = 0, saw875 = 0;
	for (size_t i = 1; i < n; i++) {
		assert_true(p[i].pct > p[i - 1].pct);
		assert_true(p[i].value >= p[i - 1].value && p[i].rank >= p[i - 1].rank);
		saw50 |= fabs(p[i].pct - 50) < 1e-9 && p[i].value == 500;
		saw75 |= fabs(p[i].pct - 75) < 1e-9 && p[i].value == 750;
		saw875 |= fabs(p[i].pct - 87.5) < 1e-9 && p[i].value == 875;
	}
	assert_true(saw50 && saw75 && saw875);
	assert_true(p[n - 1].pct == 100 && p[n - 1].value == 1000 && p[n - 1].rank == 1000);
	assert_int_equal(load_hist_spectrum(&h, 5, p, 3), 3);
	load_hist_free(&h);
}

/* --rate 1000 over 4 connections: connection k's request j is intended at
 * t0 + (4j + k) ms, so together they are one even stream, 1 ms apart. */
static void test_schedule(void **st)
{
	load_sched s[4];
	uint64_t t0 = 5 * S, seen[400] = { 0 };
	for (unsigned k = 0; k < 4; k++)
		load_sched_init(&s[k], t0, 1000, k, 4);
	for (uint64_t j = 0; j < 100; j++)
		for (unsigned k = 0; k < 4; k++) {
			uint64_t at = load_sched_intended(&s[k], j);
			assert_int_equal(at, t0 + (4 * j + k) * MS);
			seen[at / MS - t0 / MS] = 1;
		}
	for (int i = 0; i < 400; i++)
		assert_int_equal(seen[i], 1);
	/* a free connection waits for its time; a late one goes at once and
	 * is charged from its intended time */
	uint64_t c, u;
	assert_int_equal(load_sched_due(&s[1], t0), t0 + 1 * MS);
	load_sched_send(&s[1], t0 + 1 * MS);
	load_sched_done(&s[1], t0 + 3 * MS, &c, &u);
	assert_int_equal(c, 2 * MS);
	assert_int_equal(u, 2 * MS);
	assert_int_equal(load_sched_due(&s[1], t0 + 3 * MS), t0 + 5 * MS);
	load_sched_send(&s[1], t0 + 9 * MS); /* the connection was busy till then */
	load_sched_done(&s[1], t0 + 10 * MS, &c, &u);
	assert_int_equal(c, 5 * MS);
	assert_int_equal(u, 1 * MS);
	/* a million requests on: no drift (computed from the number, not summed) */
	assert_int_equal(load_sched_intended(&s[3], 1000000), t0 + 4000003 * MS);
	load_sched_init(&s[0], t0, 3, 0, 1);
	assert_int_equal(load_sched_intended(&s[0], 3000), t0 + 1000 * S);
	/* a closed loop sends at once and both latencies are the same */
	load_sched_init(&s[0], t0, 0, 0, 1);
	assert_int_equal(load_sched_due(&s[0], 7 * S), 7 * S);
	load_sched_send(&s[0], 7 * S);
	load_sched_done(&s[0], 7 * S + 42, &c, &u);
	assert_true(c == 42 && u == 42);
}

/*
 * Coordinated omission, on a fake clock. The server answers in 100 us, but
 * stalls from 1 s to 2 s: whatever arrives then is answered at 2 s + 100 us.
 * Two connections at 1000 requests/s for 3 s: every request intended during
 * the stall is charged its wait in the corrected latency (the tail shows a
 * second-long outage: p90 and p99 in the hundreds of ms), while the latency
 * from the actual send stays 100 us for all but the two requests the stall
 * caught in flight. A closed loop on the same server reports the same small
 * p99: it stopped sending while the server stalled.
 */
#define STALL_FROM (1 * S)
#define STALL_TO   (2 * S)
#define SERVICE    100000ull

/* When the fake server answers a request that arrives at t. */
static uint64_t fake_server(uint64_t t)
{
	return (t >= STALL_FROM && t < STALL_TO ? STALL_TO : t) + SERVICE;
}

/* Drive connection k of nconn for 3 s of fake time; returns requests done. */
static uint64_t fake_run(double rate, unsigned k, unsigned nconn, load_hist *corr, load_hist *unc)
{
	load_sched s;
	uint64_t t0 = 0, end = 3 * S, now = t0, n = 0, c, u;

	load_sched_init(&s, t0, rate, k, nconn);
	for (;;) {
		uint64_t due = load_sched_due(&s, now);
		if (due >= end)
			return n;
		now = due > now ? due : now; /* the fake clock moves to the send */
		load_sched_send(&s, now);
		uint64_t intended = s.intended;
		now = fake_server(now); /* ... and to the reply */
		load_sched_done(&s, now, &c, &u);
		assert_int_equal(u, now - s.sent);
		assert_int_equal(c, now - intended);
		if (intended >= STALL_FROM && intended < STALL_TO)
			assert_true(c >= STALL_TO - intended); /* charged its wait */
		load_hist_record(corr, c);
		load_hist_record(unc, u);
		n++;
	}
}

static void test_coordinated_omission(void **st)
{
	load_hist corr, unc, closed, closed2;
	assert_int_equal(load_hist_init(&corr, 1), 0);
	assert_int_equal(load_hist_init(&unc, 1), 0);
	assert_int_equal(load_hist_init(&closed, 0), 0);
	assert_int_equal(load_hist_init(&closed2, 0), 0);

	uint64_t n = fake_run(1000, 0, 2, &corr, &unc) + fake_run(1000, 1, 2, &corr, &unc);
	assert_int_equal(n, 3000); /* the open loop sent every request it meant to */
	assert_int_equal(corr.n, 3000);
	uint64_t p90 = load_hist_value_at(&corr, 90), p99 = load_hist_value_at(&corr, 99);
	assert_true(p90 >= 600 * MS && p90 <= 800 * MS); /* ~1000 requests waited 0..1 s */
	assert_true(p99 >= 900 * MS && p99 <= 1000 * MS);
	assert_true(corr.max >= 1 * S);
	assert_int_equal(load_hist_value_at(&unc, 99), SERVICE);
	assert_int_equal(load_hist_value_at(&unc, 50), SERVICE);
	assert_true(unc.max >= 990 * MS); /* the two requests caught in flight */

	/* the closed loop on the same server: tens of thousands of fast replies
	 * and the stall in two of them; its p99 hides the outage */
	uint64_t m = fake_run(0, 0, 2, &closed, &closed2) + fake_run(0, 1, 2, &closed, &closed2);
	assert_true(m > 20000);
	assert_true(load_hist_value_at(&closed, 99) <= SERVICE + SERVICE / 1000);
	assert_true(closed.max >= 1 * S);
	assert_memory_equal(closed.count, closed2.count, LOAD_HIST_BUCKETS * sizeof *closed.count);
	load_hist_free(&corr);
	load_hist_free(&unc);
	load_hist_free(&closed);
	load_hist_free(&closed2);
}

/* The five kinds, from the errno and how far the reply got. */
static void test_error_kinds(void **st)
{
	assert_int_equal(load_err_kind(ECONNREFUSED, 0, 0), LOAD_ERR_CONNECT);
	assert_int_equal(load_err_kind(EHOSTUNREACH, 0, 0), LOAD_ERR_CONNECT);
	assert_int_equal(load_err_kind(EMFILE, 0, 0), LOAD_ERR_CONNECT);
	assert_int_equal(load_err_kind(ETIMEDOUT, 0, 0), LOAD_ERR_TIMEOUT);
	assert_int_equal(load_err_kind(ETIMEDOUT, 200, 100), LOAD_ERR_TIMEOUT);
	assert_int_equal(load_err_kind(ECONNRESET, 0, 0), LOAD_ERR_RESET);
	assert_int_equal(load_err_kind(EPIPE, 0, 0), LOAD_ERR_RESET);
	assert_int_equal(load_err_kind(EPROTO, 0, 0), LOAD_ERR_RESET); /* closed unanswered */
	assert_int_equal(load_err_kind(EPROTO, 404, 60), LOAD_ERR_STATUS);
	assert_int_equal(load_err_kind(EPROTO, 503, 60), LOAD_ERR_STATUS);
	assert_int_equal(load_err_kind(EPROTO, 200, 60), LOAD_ERR_BODY); /* truncated */
	assert_int_equal(load_err_kind(EPROTO, 0, 16), LOAD_ERR_BODY);   /* not HTTP */
	assert_string_equal(load_err_name(LOAD_ERR_CONNECT), "connect");
	assert_string_equal(load_err_name(LOAD_ERR_BODY), "body");
	assert_string_equal(load_err_name(99), "?");
}

/* --check-body's reference: the first digest sets it, the same passes, a
 * different one fails and names the reference; threads racing to set it
 * agree on one. */
static load_body race;
static void *racer(void *arg)
{
	uint64_t ref;
	load_body_check(&race, (uint64_t)(uintptr_t)arg, &ref);
	return (void *)(uintptr_t)ref;
}

static void test_body_check(void **st)
{
	load_body b = { 0 };
	uint64_t ref = 0;
	assert_int_equal(load_body_check(&b, 42, &ref), 1);
	assert_int_equal(ref, 42);
	assert_int_equal(load_body_check(&b, 42, &ref), 1);
	assert_int_equal(load_body_check(&b, 43, &ref), 0);
	assert_int_equal(ref, 42);
	assert_int_equal(load_body_check(&b, 0, &ref), 0);

	pthread_t t[4];
	void *got[4];
	for (uintptr_t k = 0; k < 4; k++)
		assert_int_equal(pthread_create(&t[k], NULL, racer, (void *)(k + 100)), 0);
	for (int k = 0; k < 4; k++)
		assert_int_equal(pthread_join(t[k], &got[k]), 0);
	for (int k = 1; k < 4; k++)
		assert_ptr_equal(got[k], got[0]);
	assert_int_equal((uint64_t)(uintptr_t)got[0], race.digest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_bound), cmocka_unit_test(test_merge),
		cmocka_unit_test(test_percentiles), cmocka_unit_test(test_spectrum),
		cmocka_unit_test(test_schedule),    cmocka_unit_test(test_coordinated_omission),
		cmocka_unit_test(test_error_kinds), cmocka_unit_test(test_body_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
