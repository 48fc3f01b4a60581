/*
 * hash.c - hash a buffer with OpenSSL, the library under Python's hashlib.
 *
 * It is the book's CPU-bound work that threads do speed up: hashlib lets go of
 * the GIL while it hashes a large buffer, and always inside scrypt (the book's
 * password hashing, hashlib.scrypt(pw, salt=salt, n=2048, r=8, p=1)). Task i
 * hashes (i as 8 little-endian bytes, then the buffer); every further round
 * hashes (the previous digest, then the buffer), so rounds chain and cannot be
 * skipped. scrypt takes those same bytes as its password, salt
 * "concbench-salt16" and a 64-byte output; a round's output is the next
 * round's password. The buffer is built once: byte j is (j*31 + 17) % 251.
 * bytes and rounds may be per-task lists (bytes=1k|1m): the buffer is built
 * for the largest, and a task hashes the prefix its own bytes asks for.
 *
 * Under an emulated GIL it lets go where hashlib does: around the update
 * with the buffer when that is HASH_GIL_MINSIZE bytes or more (CPython's
 * HASHLIB_GIL_MINSIZE, `len >= 2048` in _hashopenssl.c), and around every
 * scrypt call; small buffers keep it and pass a check point every round.
 */
#include "workloads/workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#define HASH_SCRYPT      4    /* index of "scrypt" in the algo choices */
#define HASH_DKLEN       64   /* scrypt output bytes */
#define HASH_GIL_MINSIZE 2048 /* hashlib hashes this much without the GIL */

/* OpenSSL names of the algo choices, in order; scrypt is no EVP_MD. */
static const char *const hash_md_names[] = {
	"SHA256",
	"SHA1",
	"MD5",
	"SHA512",
};
static const char hash_salt[] = "concbench-salt16";

/* n, r and p are scrypt's: they apply only with algo=scrypt. */
static int hash_is_scrypt(const wl_spec *w)
{
	return wl_param(w, "algo") == HASH_SCRYPT;
}

static const wl_param_def hash_params[] = {
	{ .name = "algo",
	  .type = WL_ENUM,
	  .def = "sha256",
	  .choices = "sha256|sha1|md5|sha512|scrypt",
	  .help = "digest (OpenSSL EVP, as hashlib), or scrypt as hashlib.scrypt" },
	{ .name = "bytes",
	  .type = WL_SIZE,
	  .def = "1024",
	  .min = 0,
	  .max = 1 << 30,
	  .per_task = 1,
	  .help = "buffer hashed in every round (4k, 1m, 1g)" },
	{ .name = "rounds",
	  .type = WL_INT,
	  .def = "1",
	  .min = 1,
	  .max = 1000000000,
	  .per_task = 1,
	  .help = "chained rounds per task" },
	{ .name = "n",
	  .type = WL_INT,
	  .def = "2048",
	  .min = 2,
	  .max = 1 << 20,
	  .help = "scrypt only: CPU/memory cost, a power of two",
	  .applies = hash_is_scrypt },
	{ .name = "r",
	  .type = WL_INT,
	  .def = "8",
	  .min = 1,
	  .max = 64,
	  .help = "scrypt only: block size (memory is 128 * r * n bytes)",
	  .applies = hash_is_scrypt },
	{ .name = "p",
	  .type = WL_INT,
	  .def = "1",
	  .min = 1,
	  .max = 16,
	  .help = "scrypt only: parallelisation (run serially here)",
	  .applies = hash_is_scrypt },
	{ 0 },
};

/* Built by init, shared read-only by every task. */
struct hash_state {
	EVP_MD *md; /* NULL for scrypt */
	unsigned char *buf;
	size_t len; /* the largest bytes of any task */
	uint64_t n, r, p, maxmem;
};

static void hash_le64(unsigned char *b, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(v >> (8 * k));
}

/* Describe the oldest OpenSSL error of this thread, and forget them all. */
static void hash_ssl_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "unknown OpenSSL error");
	ERR_clear_error();
}

static void hash_fail(wl_result *r, const char *what)
{
	char ssl[120];

	hash_ssl_error(ssl, sizeof ssl);
	wl_fail(r, EIO, "%s: %s", what, ssl);
}

static void hash_free(struct hash_state *s)
{
	if (!s)
		return;
	EVP_MD_free(s->md);
	free(s->buf);
	free(s);
}

/* Parameters OpenSSL will take: 0, or -1 with err set (wl_kind.check, and
 * init again for callers that skip it). */
static int hash_check(const wl_spec *w, size_t ntasks, unsigned min_c, char *err, size_t errlen)
{
	int64_t algo = wl_param(w, "algo");
	int64_t n = wl_param(w, "n"), r = wl_param(w, "r");

	if (algo < 0 || algo > HASH_SCRYPT) {
		snprintf(err, errlen, "hash: no algo number %lld", (long long)algo);
		return -1;
	}
	if (n < 2 || (n & (n - 1)) != 0) {
		snprintf(err, errlen, "hash: n=%lld is not a power of two", (long long)n);
		return -1;
	}
	if (algo == HASH_SCRYPT && r < 4 && n >= (int64_t)1 << (16 * r)) {
		snprintf(err, errlen, "hash: scrypt needs n < 2^(16*r): n=%lld, r=%lld",
			 (long long)n, (long long)r);
		return -1;
	}
	return 0;
}

static unsigned char *hash_buffer(size_t len)
{
	unsigned char *b = malloc(len ? len : 1);

	for (size_t j = 0; b && j < len; j++)
		b[j] = (unsigned char)(((uint64_t)j * 31 + 17) % 251);
	return b;
}

static int hash_init(wl_spec *w, char *err, size_t errlen)
{
	int64_t algo = wl_param(w, "algo");
	struct hash_state *s;
	char ssl[120];

	if (hash_check(w, 0, 0, err, errlen))
		return -1;
	if (!(s = calloc(1, sizeof *s))) {
		snprintf(err, errlen, "hash: out of memory");
		return -1;
	}
	for (int k = 0; k < wl_param_count(w, "bytes"); k++)
		if ((size_t)wl_param_at(w, "bytes", (size_t)k) > s->len)
			s->len = (size_t)wl_param_at(w, "bytes", (size_t)k);
	s->n = (uint64_t)wl_param(w, "n");
	s->r = (uint64_t)wl_param(w, "r");
	s->p = (uint64_t)wl_param(w, "p");
	/* What OpenSSL's scrypt allocates, 128 * r * (n + p + 2), and room. */
	s->maxmem = 128 * s->r * (s->n + s->p + 2) + (1u << 20);
	if (!(s->buf = hash_buffer(s->len))) {
		snprintf(err, errlen, "hash: cannot allocate bytes=%zu", s->len);
		hash_free(s);
		return -1;
	}
	if (algo != HASH_SCRYPT && !(s->md = EVP_MD_fetch(NULL, hash_md_names[algo], NULL))) {
		hash_ssl_error(ssl, sizeof ssl);
		snprintf(err, errlen, "hash: %s: %s", hash_md_names[algo], ssl);
		hash_free(s);
		return -1;
	}
	w->state = s;
	return 0;
}

static void hash_fini(wl_spec *w)
{
	hash_free(w->state);
}

/* What task i hashes: a prefix of the buffer, so many rounds. */
struct hash_job {
	size_t i, len;
	uint64_t rounds;
};

/* The round's update with the buffer, without the GIL if it is large. */
static int hash_update_buf(EVP_MD_CTX *ctx, const struct hash_state *s, size_t len, wl_io *io)
{
	int big = len >= HASH_GIL_MINSIZE;

	if (big)
		wl_nogil_begin(io);
	int ok = EVP_DigestUpdate(ctx, s->buf, len);
	if (big)
		wl_nogil_end(io);
	return ok;
}

static void hash_md_task(const struct hash_state *s, struct hash_job j, wl_io *io, wl_result *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 8;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx) {
		hash_fail(r, "EVP_MD_CTX_new");
		return;
	}
	hash_le64(md, j.i);
	for (uint64_t k = 0; k < j.rounds; k++) {
		if (!EVP_DigestInit_ex2(ctx, s->md, NULL) || !EVP_DigestUpdate(ctx, md, mdlen) ||
		    !hash_update_buf(ctx, s, j.len, io) || !EVP_DigestFinal_ex(ctx, md, &mdlen)) {
			hash_fail(r, EVP_MD_get0_name(s->md));
			EVP_MD_CTX_free(ctx);
			return;
		}
		wl_checkpoint(io);
	}
	EVP_MD_CTX_free(ctx);
	r->digest = wl_digest_bytes(md, mdlen);
}

static void hash_scrypt_task(const struct hash_state *s, struct hash_job j, wl_io *io, wl_result *r)
{
	unsigned char out[2][HASH_DKLEN];
	size_t passlen = 8 + j.len;
	unsigned char *first = malloc(passlen);
	const unsigned char *pass = first;

	if (!first) {
		wl_fail(r, ENOMEM, "scrypt: cannot allocate %zu bytes", passlen);
		return;
	}
	hash_le64(first, j.i);
	memcpy(first + 8, s->buf, j.len);
	for (uint64_t k = 0; k < j.rounds; k++) {
		unsigned char *key = out[k & 1];
		wl_nogil_begin(io); /* hashlib.scrypt always lets go */
		int ok = EVP_PBE_scrypt((const char *)pass, passlen,
					(const unsigned char *)hash_salt, sizeof hash_salt - 1,
					s->n, s->r, s->p, s->maxmem, key, HASH_DKLEN);
		wl_nogil_end(io);
		if (!ok) {
			hash_fail(r, "scrypt");
			free(first);
			return;
		}
		pass = key;
		passlen = HASH_DKLEN;
	}
	free(first);
	r->digest = wl_digest_bytes(pass, HASH_DKLEN);
}

static void hash_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const struct hash_state *s = w->state;
	struct hash_job j = { i, (size_t)wl_param_at(w, "bytes", i),
			      (uint64_t)wl_param_at(w, "rounds", i) };

	if (s->md)
		hash_md_task(s, j, io, r);
	else
		hash_scrypt_task(s, j, io, r);
}

const wl_kind wl_hash = {
	.name = "hash",
	.summary = "OpenSSL digests or scrypt over a buffer, as Python's hashlib",
	.cls = "cpu",
	.params = hash_params,
	.check = hash_check,
	.init = hash_init,
	.fini = hash_fini,
	.run = hash_run,
};
