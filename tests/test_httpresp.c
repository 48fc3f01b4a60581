/*
 * test_httpresp.c - the incremental HTTP response parser, on replies that
 * are well formed (Content-Length, chunked with extensions and trailers,
 * empty bodies, bodies up to the close, interim 1xx replies) and on each
 * malformed reply it must refuse, with the message that names the fault.
 *
 * The network cuts a reply wherever it likes, so every case is also fed in
 * pieces of 1, 2, 3 and 7 bytes and cut in two at every point: the outcome
 * may not depend on where the cuts fall.
 */
#include "tests/testutil.h"

#include "workloads/http/httpresp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct outcome {
	int rc;         /* the last result: HTTPRESP_DONE, HTTPRESP_MORE, HTTPRESP_ERROR */
	char body[256]; /* what the body spans held */
	size_t bodylen;
	httpresp p;
};

/* Feed one piece; collect body spans. */
static int feed_piece(struct outcome *o, const char *buf, size_t len)
{
	const char *span;
	size_t n;
	int rc;

	while ((rc = httpresp_parse(&o->p, &buf, &len, &span, &n)) == HTTPRESP_BODY) {
		assert_true(n > 0);
		assert_true(o->bodylen + n <= sizeof o->body);
		memcpy(o->body + o->bodylen, span, n);
		o->bodylen += n;
	}
	if (rc == HTTPRESP_MORE)
		assert_int_equal(len, 0);
	return rc;
}

/* Feed text in pieces of `piece` bytes (0: whole), then the close if eof. */
static struct outcome run_pieces(const char *text, size_t len, size_t piece, int eof)
{
	struct outcome o = { 0 };
	size_t off = 0;

	httpresp_init(&o.p);
	if (piece == 0)
		piece = len ? len : 1;
	o.rc = HTTPRESP_MORE;
	while (off < len && o.rc != HTTPRESP_ERROR) {
		size_t n = len - off < piece ? len - off : piece;
		o.rc = feed_piece(&o, text + off, n);
		off += n;
	}
	if (eof && o.rc != HTTPRESP_ERROR)
		o.rc = httpresp_eof(&o.p);
	return o;
}

/* Cut in two at `at`. */
static struct outcome run_split(const char *text, size_t len, size_t at, int eof)
{
	struct outcome o = { 0 };

	httpresp_init(&o.p);
	o.rc = feed_piece(&o, text, at);
	if (o.rc != HTTPRESP_ERROR)
		o.rc = feed_piece(&o, text + at, len - at);
	if (eof && o.rc != HTTPRESP_ERROR)
		o.rc = httpresp_eof(&o.p);
	return o;
}

/* Every way of cutting text ends in rc with body; returns one outcome. */
static struct outcome expect_ok(const char *text, int eof, int rc, const char *body)
{
	static const size_t pieces[] = { 0, 1, 2, 3, 7 };
	size_t len = strlen(text);
	struct outcome o = { 0 };

	for (size_t k = 0; k <= len + N_ELEMS(pieces); k++) {
		o = k < N_ELEMS(pieces) ? run_pieces(text, len, pieces[k], eof)
					: run_split(text, len, k - N_ELEMS(pieces), eof);
		if (o.rc != rc)
			fail_msg("case %zu: rc %d, not %d (%s) for:\n%s", k, o.rc, rc, o.p.err,
				 text);
		if (o.bodylen != strlen(body) || memcmp(o.body, body, o.bodylen) != 0)
			fail_msg("case %zu: body '%.*s', not '%s'", k, (int)o.bodylen, o.body,
				 body);
	}
	return o;
}

/* Every way of cutting text fails with a message containing needle. */
static void expect_err(const char *text, size_t len, int eof, const char *needle)
{
	static const size_t pieces[] = { 0, 1, 2, 3, 7 };

	for (size_t k = 0; k <= len + N_ELEMS(pieces); k++) {
		struct outcome o = k < N_ELEMS(pieces)
					   ? run_pieces(text, len, pieces[k], eof)
					   : run_split(text, len, k - N_ELEMS(pieces), eof);
		if (o.rc != HTTPRESP_ERROR)
			fail_msg("case %zu: rc %d, not an error, for:\n%.*s", k, o.rc, (int)len,
				 text);
		if (!strstr(o.p.err, needle))
			fail_msg("case %zu: error '%s' lacks '%s'", k, o.p.err, needle);
		/* an error is final */
		const char *more = "x", *span;
		size_t n = 1, spanlen;
		assert_int_equal(httpresp_parse(&o.p, &more, &n, &span, &spanlen), HTTPRESP_ERROR);
		assert_int_equal(httpresp_eof(&o.p), HTTPRESP_ERROR);
	}
}

#define ERR_CASE(text, eof, needle) expect_err(text, sizeof(text) - 1, eof, needle)

static void test_content_length(void **state)
{
	struct outcome o = expect_ok("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n"
				     "X-Other:  spaced  \r\n\r\nhello",
				     0, HTTPRESP_DONE, "hello");

	assert_int_equal(o.p.status, 200);
	assert_int_equal(o.p.minor, 1);
	assert_string_equal(o.p.reason, "OK");
	assert_int_equal(o.p.content_length, 5);
	assert_int_equal(o.p.body, 5);
	assert_true(o.p.head_done && !o.p.chunked && !o.p.close);
	/* the close after a complete reply changes nothing */
	expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 1, HTTPRESP_DONE, "hello");
	/* header names are case-blind; a repeated equal length is allowed */
	expect_ok("HTTP/1.1 200 OK\r\ncontent-LENGTH: 3\r\nContent-Length: 3, 3\r\n\r\nabc", 0,
		  HTTPRESP_DONE, "abc");
	/* a bare LF ends lines as well as CRLF */
	expect_ok("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 0, HTTPRESP_DONE, "hi");
	/* more to come */
	o = expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhalf", 0, HTTPRESP_MORE, "half");
	assert_int_equal(o.p.body, 4);
	o = expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n", 0, HTTPRESP_MORE, "");
	assert_false(o.p.head_done);
}

static void test_chunked(void **state)
{
	struct outcome o = expect_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				     "5;name=value\r\nhello\r\n6 ; ext=\"q\"\r\n world\r\n"
				     "A\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n",
				     0, HTTPRESP_DONE, "hello world0123456789");

	assert_true(o.p.chunked);
	assert_int_equal(o.p.content_length, -1);
	assert_int_equal(o.p.body, 21);
	/* list form, case, bare LFs, upper-case hex */
	expect_ok("HTTP/1.1 200 OK\nTransfer-Encoding: , Chunked\n\n1F\n"
		  "0123456789012345678901234567890\n0\n\n",
		  0, HTTPRESP_DONE, "0123456789012345678901234567890");
	expect_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab", 0, HTTPRESP_MORE,
		  "ab");
}

static void test_empty_bodies(void **state)
{
	struct outcome o =
		expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, HTTPRESP_DONE, "");

	assert_int_equal(o.p.body, 0);
	expect_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
		  HTTPRESP_DONE, "");
	/* 204 and 304 have no body, whatever the headers say */
	expect_ok("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", 0, HTTPRESP_DONE, "");
	o = expect_ok("HTTP/1.1 304 Not Modified\r\n\r\n", 0, HTTPRESP_DONE, "");
	assert_int_equal(o.p.status, 304);
	/* no length at all: the body is what comes before the close */
	o = expect_ok("HTTP/1.1 200 OK\r\n\r\n", 1, HTTPRESP_DONE, "");
	assert_true(o.p.close);
}

static void test_body_until_close(void **state)
{
	struct outcome o = expect_ok("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc", 0,
				     HTTPRESP_MORE, "abc");

	assert_true(o.p.close);
	o = expect_ok("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc", 1, HTTPRESP_DONE, "abc");
	assert_int_equal(o.p.body, 3);
}

static void test_connection(void **state)
{
	struct outcome o;

	o = expect_ok("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n"
		      "\r\nx",
		      0, HTTPRESP_DONE, "x");
	assert_true(o.p.close);
	/* HTTP/1.0 closes unless it says keep-alive */
	o = expect_ok("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, HTTPRESP_DONE, "x");
	assert_int_equal(o.p.minor, 0);
	assert_true(o.p.close);
	o = expect_ok("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", 0,
		      HTTPRESP_DONE, "x");
	assert_false(o.p.close);
}

static void test_status(void **state)
{
	struct outcome o;

	/* interim replies are read past */
	o = expect_ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
		      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		      0, HTTPRESP_DONE, "ok");
	assert_int_equal(o.p.status, 200);
	o = expect_ok("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", 0, HTTPRESP_DONE,
		      "nope");
	assert_int_equal(o.p.status, 404);
	assert_string_equal(o.p.reason, "Not Found");
	/* no reason phrase; an odd one is made printable */
	o = expect_ok("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, HTTPRESP_DONE, "");
	assert_string_equal(o.p.reason, "");
	o = expect_ok("HTTP/1.1 500 a\x01z\r\nContent-Length: 0\r\n\r\n", 0, HTTPRESP_DONE, "");
	assert_string_equal(o.p.reason, "a?z");
}

/* Long lines of headers we do not read are counted, not kept. */
static void test_long_headers(void **state)
{
	size_t cap = HTTPRESP_HEAD_MAX + 256;
	char *text = malloc(cap), *pad = malloc(cap);
	int len;

	assert_non_null(text);
	assert_non_null(pad);
	memset(pad, 'v', 1000);
	pad[1000] = '\0';
	len = snprintf(text, cap, "HTTP/1.1 200 OK\r\nX-Long: %s\r\nContent-Length: 1\r\n\r\nz",
		       pad);
	assert_true(len > 0 && (size_t)len < cap);
	expect_ok(text, 0, HTTPRESP_DONE, "z");
	/* a header section of exactly HTTPRESP_HEAD_MAX bytes is allowed... */
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-Pad: ";
	size_t fill = HTTPRESP_HEAD_MAX - strlen(head) - 4;
	memset(pad, 'p', fill);
	pad[fill] = '\0';
	len = snprintf(text, cap, "%s%s\r\n\r\nz", head, pad);
	assert_int_equal(len, HTTPRESP_HEAD_MAX + 1);
	expect_ok(text, 0, HTTPRESP_DONE, "z");
	/* ...one byte more is not */
	len = snprintf(text, cap, "%sp%s\r\n\r\nz", head, pad);
	expect_err(text, (size_t)len, 0, "header section longer than 16384 bytes");
	free(text);
	free(pad);
}

static void test_garbage_status(void **state)
{
	ERR_CASE("SPAM/1.1 200 OK\r\n\r\n", 0, "garbage status line");
	ERR_CASE("HTTP/2 200 OK\r\n\r\n", 0, "garbage status line");
	ERR_CASE("HTTP/1.1 20 OK\r\n\r\n", 0, "garbage status line: 'HTTP/1.1 20 OK'");
	ERR_CASE("HTTP/1.1 2000 OK\r\n\r\n", 0, "garbage status line");
	ERR_CASE("HTTP/1.1 abc\r\n\r\n", 0, "garbage status line");
	ERR_CASE("HTTP/1.1 099 Low\r\n\r\n", 0, "garbage status line");
	ERR_CASE("HTTP/1.1  200 OK\r\n\r\n", 0, "garbage status line");
	ERR_CASE("\r\nHTTP/1.1 200 OK\r\n\r\n", 0, "garbage status line");
	/* garbage shows before its newline: no need to wait for 16 KiB */
	ERR_CASE("<html>", 0, "garbage status line: '<");
}

static void test_bad_content_length(void **state)
{
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", 0, "bad Content-Length: 'abc'");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", 0, "bad Content-Length");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", 0, "bad Content-Length");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", 0,
		 "negative Content-Length: '-5'");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", 0,
		 "Content-Length too large");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0,
		 "Content-Length too large");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 0,
		 "conflicting Content-Length: 5 and 6");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 5, 7\r\n\r\n", 0,
		 "conflicting Content-Length: 5 and 7");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, "empty Content-Length");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n", 0, "empty Content-Length");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
		 "both Content-Length and Transfer-Encoding: chunked");
}

static void test_bad_headers(void **state)
{
	char text[600];
	int len;

	ERR_CASE("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0,
		 "unsupported Transfer-Encoding: 'gzip'");
	ERR_CASE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
		 "\r\n",
		 0, "chunked twice");
	ERR_CASE("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", 0, "folded header line");
	ERR_CASE("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", 0, "header line without ':'");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello", 0, "bad header name");
	ERR_CASE("HTTP/1.1 200 OK\r\n: 5\r\n\r\n", 0, "header line without a name");
	ERR_CASE("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n", 0, "NUL byte");
	len = snprintf(text, sizeof text, "HTTP/1.1 200 OK\r\nContent-Length: %0300d\r\n\r\n", 5);
	expect_err(text, (size_t)len, 0, "Content-Length header longer than 255 bytes");
	/* 255 bytes are kept: the longest line read is one byte shorter */
	len = snprintf(text, sizeof text, "HTTP/1.1 200 OK\r\nContent-Length: %0239d\r\n\r\n5", 1);
	expect_ok(text, 0, HTTPRESP_DONE, "5");
	len = snprintf(text, sizeof text, "HTTP/1.1 200 OK\r\nContent-Length: %0240d\r\n\r\n5", 1);
	expect_err(text, (size_t)len, 0, "Content-Length header longer than 255 bytes");
}

static void test_bad_chunks(void **state)
{
#define CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	ERR_CASE(CHUNKED "zz\r\n", 0, "bad chunk size: 'zz'");
	ERR_CASE(CHUNKED "\r\n", 0, "bad chunk size: ''");
	ERR_CASE(CHUNKED "5x\r\nhello\r\n", 0, "bad chunk size: '5x'");
	ERR_CASE(CHUNKED "-5\r\n", 0, "bad chunk size");
	ERR_CASE(CHUNKED "10000000000000000\r\n", 0, "chunk size too large");
	ERR_CASE(CHUNKED "5\r\nhelloX\r\n", 0, "no CRLF after chunk data");
	ERR_CASE(CHUNKED "5\r\nhello\r\r\n", 0, "no CRLF after chunk data");
	ERR_CASE(CHUNKED "0\r\n\r\nextra", 0, "bytes after the last chunk");
	ERR_CASE(CHUNKED "5\r\nhel", 1,
		 "truncated body: connection closed inside the chunked body after 3 bytes");
	ERR_CASE(CHUNKED "0\r\nTrailer: x\r\n", 1, "truncated body");

	char *text = malloc(2 * HTTPRESP_HEAD_MAX);
	assert_non_null(text);
	int len = snprintf(text, 2 * HTTPRESP_HEAD_MAX, CHUNKED "1;%05000d\r\n", 7);
	expect_err(text, (size_t)len, 0, "chunk size line longer than 4096 bytes");
	len = snprintf(text, 2 * HTTPRESP_HEAD_MAX, CHUNKED "0\r\nX: %017000d\r\n\r\n", 7);
	expect_err(text, (size_t)len, 0, "trailer section longer than 16384 bytes");
	free(text);
#undef CHUNKED
}

static void test_wrong_lengths(void **state)
{
	/* extra bytes: all arrive in one piece only when fed whole */
	const char *longer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
	struct outcome o = run_pieces(longer, strlen(longer), 0, 0);

	assert_int_equal(o.rc, HTTPRESP_ERROR);
	assert_string_equal(o.p.err, "body longer than Content-Length 5 (5 more bytes)");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", 0,
		 "body longer than Content-Length 5");
	ERR_CASE("HTTP/1.1 204 No Content\r\n\r\nbody", 0, "after a reply without body");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", 1,
		 "truncated body: got 10 of 100 bytes");
	ERR_CASE("HTTP/1.1 200 OK\r\nContent-Le", 1,
		 "truncated reply: connection closed inside the headers after 27 bytes");
	ERR_CASE("", 1, "connection closed before any reply");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),     cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_empty_bodies),       cmocka_unit_test(test_body_until_close),
		cmocka_unit_test(test_connection),         cmocka_unit_test(test_status),
		cmocka_unit_test(test_long_headers),       cmocka_unit_test(test_garbage_status),
		cmocka_unit_test(test_bad_content_length), cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_chunks),         cmocka_unit_test(test_wrong_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
