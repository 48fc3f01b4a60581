/*
 * fuzz_httpparse.c - libFuzzer target for the HTTP response parser.
 *
 * The parser reads whatever a server sends, so arbitrary bytes must never
 * crash it, overrun its line buffer or loop. Beyond the sanitizers there is
 * an oracle: where the network cuts a reply must not change the outcome, so
 * each input is parsed whole and again in pieces (the first two bytes choose
 * the piece size and whether the connection then closes); both runs must
 * agree on the result and on every body byte. Spans must lie inside the
 * input, and a body may not outgrow its Content-Length.
 *
 * Run it with `make fuzz` (see README.md here).
 */
#include "workloads/http/httpresp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct run {
	httpresp p;
	int rc;
	uint64_t sum; /* of the body bytes, position-weighted */
	uint64_t n;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static int feed(struct run *r, const char *buf, size_t len)
{
	const char *start = buf, *end = buf + len, *span;
	size_t n;
	int rc;

	while ((rc = httpresp_parse(&r->p, &buf, &len, &span, &n)) == HTTPRESP_BODY) {
		check(n > 0 && span >= start && span + n <= end && buf == span + n);
		for (size_t k = 0; k < n; k++)
			r->sum = r->sum * 31 + (unsigned char)span[k] + ++r->n;
	}
	check(rc == HTTPRESP_ERROR || len == 0);
	check(rc != HTTPRESP_ERROR || (r->p.err[0] && memchr(r->p.err, 0, sizeof r->p.err)));
	return rc;
}

/* Parse data in pieces of `piece` bytes (0: whole), then maybe the close. */
static void parse(struct run *r, const uint8_t *data, size_t len, size_t piece, int eof)
{
	size_t off = 0;

	memset(r, 0, sizeof *r);
	httpresp_init(&r->p);
	r->rc = HTTPRESP_MORE;
	if (piece == 0)
		piece = len ? len : 1;
	while (off < len && r->rc != HTTPRESP_ERROR) {
		size_t n = len - off < piece ? len - off : piece;
		r->rc = feed(r, (const char *)data + off, n);
		off += n;
	}
	if (eof && r->rc != HTTPRESP_ERROR)
		r->rc = httpresp_eof(&r->p);
	check(r->p.body == r->n);
	if (r->p.content_length >= 0 && !r->p.chunked)
		check(r->p.body <= (uint64_t)r->p.content_length);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, cut; /* big: keep them off the stack */
	size_t piece;
	int eof;

	if (size < 2)
		return 0;
	piece = data[0] % 32; /* 0: the whole input at once */
	eof = data[1] & 1;
	data += 2;
	size -= 2;
	parse(&whole, data, size, 0, eof);
	parse(&cut, data, size, piece, eof);
	check(whole.rc == cut.rc);
	if (whole.rc != HTTPRESP_ERROR)
		check(whole.n == cut.n && whole.sum == cut.sum);
	return 0;
}
