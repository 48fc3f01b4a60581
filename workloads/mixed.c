/*
 * mixed.c - fetch, then compute on the result: I/O and CPU in one task.
 *
 * The book opens with this shape (listing 1-1): a requests.get, then a
 * CPU-bound loop over the response. Real handlers look like it too, and it
 * is what tells the models apart most: an event loop overlaps the fetches
 * but runs the computing parts one at a time on its thread, unless it hands
 * them to workers (the hybrid model; the book's run_in_executor).
 *
 * The fetch is http's (the same parameters, the same state machine in
 * httpclient.c); the computing runs inline when the body is in: the book's
 * fib(n) (fib=0: none), then `rounds` chained SHA-256s seeded with the body's
 * digest, so the work depends on the reply and cannot be skipped. With
 * B = the body's XXH3 digest, F = fib(n), h0 = B as 8 little-endian bytes
 * and h(k) = SHA-256(h(k-1)), the task digest is
 *     wl_digest_bytes(LE64(B) || LE64(F) || first 8 bytes of h(rounds)).
 * delay_ms, size, fib and rounds may be per-task lists (fib=20|30);
 * blocking=1 is http's pitfall switch (see http.c). The resumable form says
 * WL_STEP_OFFLOAD when the body is in and computes on the next call, so
 * hybrid computes on a worker while its loop goes on fetching.
 */
#include "workloads/http/httpcfg.h"
#include "workloads/http/httpclient.h"
#include "workloads/http/httppool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

static const wl_param_def mixed_params[] = {
	HTTPCFG_PARAMS,
	{ .name = "fib",
	  .type = WL_INT,
	  .def = "25",
	  .min = 0,
	  .max = 45,
	  .force_max = 90,
	  .per_task = 1,
	  .help = "compute the book's fib(n) on each reply (0: none)" },
	{ .name = "rounds",
	  .type = WL_INT,
	  .def = "0",
	  .min = 0,
	  .max = 1000000000,
	  .per_task = 1,
	  .help = "then chain this many SHA-256s, starting from the body's digest" },
	{ 0 },
};

struct mixed_state {
	struct httpcfg http;
	EVP_MD *sha256;
};

/* A task's state: the fetch's first (httpclient_step_blocking wants it there). */
struct mixed_task {
	struct httpclient_task http;
	uint64_t body; /* the body's digest, once fetched */
	int computing; /* fetched; WL_STEP_OFFLOAD returned */
};

/* The book's fib, as in fib.c: noinline keeps its call tree real. */
static __attribute__((noinline)) uint64_t mixed_fib(unsigned n)
{
	if (n <= 1)
		return 0;
	if (n == 2)
		return 1;
	return mixed_fib(n - 1) + mixed_fib(n - 2);
}

/* Under an emulated GIL, fib with a check point between subtrees of
 * n <= 22 (tens of us), as fib.c does: a CPU-bound reply handler lets a
 * waiting thread in every switch interval, as CPython code does. */
static uint64_t mixed_fib_gil(unsigned n, wl_io *io)
{
	if (n <= 22)
		return mixed_fib(n);
	uint64_t a = mixed_fib_gil(n - 1, io);
	wl_checkpoint(io);
	return a + mixed_fib_gil(n - 2, io);
}

static void le64(unsigned char *b, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(v >> (8 * k));
}

/* h(rounds) of the chain into h (h holds h0 on entry). 0, or -1. */
static int sha_chain(const EVP_MD *md, uint64_t rounds, unsigned char h[EVP_MAX_MD_SIZE])
{
	EVP_MD_CTX *ctx;
	unsigned int len = 8;
	int ok = 1;

	if (rounds == 0)
		return 0;
	if (!(ctx = EVP_MD_CTX_new()))
		return -1;
	for (uint64_t k = 0; k < rounds && ok; k++)
		ok = EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, h, len) &&
		     EVP_DigestFinal_ex(ctx, h, &len);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The computing half: from the body's digest to the task's digest. */
static void mixed_compute(const wl_spec *w, size_t i, wl_result *r)
{
	const struct mixed_state *s = w->state;
	unsigned char h[EVP_MAX_MD_SIZE], buf[24];

	le64(buf, r->digest);
	unsigned n = (unsigned)wl_param_at(w, "fib", i);
	wl_io *io = wl_offload_backend(); /* the model's, where it runs */
	le64(buf + 8, io->checkpoint ? mixed_fib_gil(n, io) : mixed_fib(n));
	le64(h, r->digest);
	if (sha_chain(s->sha256, (uint64_t)wl_param_at(w, "rounds", i), h) < 0) {
		wl_fail(r, EIO, "mixed: SHA-256 failed");
		return;
	}
	memcpy(buf + 16, h, 8);
	r->digest = wl_digest_bytes(buf, sizeof buf);
}

static int mixed_plain_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
			    wl_result *r)
{
	const struct mixed_state *s = w->state;
	struct mixed_task *m = state;
	int rc;

	if (m->computing) {
		if (ready & WL_TIMEOUT) {
			wl_fail(r, ECANCELED, "mixed: cancelled before it computed");
			return WL_STEP_DONE;
		}
		r->digest = m->body;
		mixed_compute(w, i, r);
		return WL_STEP_DONE;
	}
	rc = httpclient_step(&s->http, i, &m->http, ready, next, r);
	if (rc == WL_STEP_DONE && !r->err) {
		m->body = r->digest;
		m->computing = 1;
		return WL_STEP_OFFLOAD;
	}
	return rc;
}

static int mixed_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		      wl_result *r)
{
	const struct mixed_state *s = w->state;

	if (s->http.blocking)
		return httpclient_step_blocking(&s->http, w, i, state, mixed_plain_step, ready, r);
	return mixed_plain_step(w, i, state, ready, next, r);
}

static void mixed_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const struct mixed_state *s = w->state;
	struct mixed_task t;

	memset(&t, 0, sizeof t);
	httpclient_drive(&s->http, w, i, io, &t, mixed_plain_step, r);
}

static int mixed_init(wl_spec *w, char *err, size_t errlen)
{
	struct mixed_state *s = calloc(1, sizeof *s);

	if (!s) {
		snprintf(err, errlen, "mixed: out of memory");
		return -1;
	}
	if (httpcfg_init(&s->http, w, "mixed", err, errlen) < 0) {
		free(s);
		return -1;
	}
	if (!(s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
		snprintf(err, errlen, "mixed: OpenSSL has no SHA256");
		free(s);
		return -1;
	}
	w->state = s;
	return 0;
}

static void mixed_fini(wl_spec *w)
{
	struct mixed_state *s = w->state;

	httppool_drain();
	if (s)
		EVP_MD_free(s->sha256);
	free(s);
}

const wl_kind wl_mixed = {
	.name = "mixed",
	.summary = "an HTTP GET, then fib(n) and SHA-256 rounds on the reply (listing 1-1)",
	.cls = "io",
	.params = mixed_params,
	.init = mixed_init,
	.fini = mixed_fini,
	.run = mixed_run,
	.step = mixed_step,
	.state_size = sizeof(struct mixed_task),
	.needs_target = httpcfg_needs_target,
};
