/*
 * httpreq.c - an HTTP/1.x request head in, what it asks for out.
 *
 * The head is whole before we look at it (the connection code waits for the
 * empty line), so this is a pure function of bytes: easy to test, and no
 * state to carry between reads. It is strict where sloppiness would let two
 * parties disagree about where a request ends (folded headers, spaces before
 * the colon, two different Content-Lengths, transfer codings: 411) and
 * lenient where RFC 9112 asks for it (bare LF line ends, absolute-form
 * targets, unknown query keys). Anything it cannot stand behind is a 400,
 * after which the connection is closed. A body is only measured here (its
 * Content-Length); the connection code reads it past the head.
 */
#include "workloads/http/httpreq.h"

#include <string.h>
#include <strings.h>

size_t httpreq_head_end(const char *buf, size_t len, size_t from)
{
	const char *p = buf + from, *end = buf + len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		if (p + 1 < end && p[1] == '\n')
			return (size_t)(p + 2 - buf);
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return (size_t)(p + 3 - buf);
		p++;
	}
	return 0;
}

/* The next line of [*p, end) without its CRLF or LF; 0 when none is left. */
static int next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl = *p < end ? memchr(*p, '\n', (size_t)(end - *p)) : NULL;
	if (!nl)
		return 0;
	*line = *p;
	*len = (size_t)(nl - *p);
	if (*len > 0 && nl[-1] == '\r')
		(*len)--;
	*p = nl + 1;
	return 1;
}

static int is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int is_token(const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++)
		if (!is_tchar((unsigned char)s[k]))
			return 0;
	return len > 0;
}

/* Visible characters only (no spaces, no controls): a request target. */
static int is_visible(const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] <= ' ' || s[k] == 0x7f)
			return 0;
	return len > 0;
}

static int same(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !strncasecmp(s, word, len);
}

/* A decimal number no larger than max; 0 if it is not one. */
static int number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0)
		return 0;
	for (size_t k = 0; k < len; k++) {
		if (s[k] < '0' || s[k] > '9' || v > (UINT64_MAX - (uint64_t)(s[k] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[k] - '0');
	}
	*out = v;
	return v <= max;
}

/* delay_ms, size and seed from "k=v&k=v"; other keys are ignored. 200 or 400. */
static int parse_query(const char *q, size_t len, httpreq *req)
{
	const char *end = q + len;
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q)), *stop = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(stop - q));
		size_t klen = (size_t)((eq ? eq : stop) - q),
		       vlen = eq ? (size_t)(stop - eq - 1) : 0;
		int ok = 1;
		if (same(q, klen, "delay_ms"))
			ok = eq && number(eq + 1, vlen, HTTPREQ_MAX_DELAY_MS, &req->delay_ms);
		else if (same(q, klen, "size"))
			ok = eq && number(eq + 1, vlen, HTTPREQ_MAX_SIZE, &req->size);
		else if (same(q, klen, "seed"))
			ok = eq && number(eq + 1, vlen, UINT64_MAX, &req->seed);
		if (!ok)
			return 400;
		q = stop + 1;
	}
	return 200;
}

/* Route the target: origin-form "/path?query", or absolute-form
 * "http://host/path?query" (RFC 9112 3.2.2 asks servers to accept it).
 * any: every path but /stats is /work (the serve workload's digest API). */
static int parse_target(const char *t, size_t len, int any, httpreq *req)
{
	static const char *const schemes[] = { "http://", "https://" };
	const char *end = t + len, *q;
	for (size_t k = 0; k < 2; k++) {
		size_t n = strlen(schemes[k]);
		if (len > n && !strncasecmp(t, schemes[k], n)) {
			t = memchr(t + n, '/', len - n); /* skip the authority */
			if (!t)
				t = "/", end = t + 1;
			break;
		}
	}
	q = memchr(t, '?', (size_t)(end - t));
	size_t plen = (size_t)((q ? q : end) - t);
	if (plen == 6 && !memcmp(t, "/stats", 6))
		req->route = HTTPREQ_STATS;
	else if (any || (plen == 5 && !memcmp(t, "/work", 5)))
		req->route = HTTPREQ_WORK;
	else
		return 404;
	if (q && req->route == HTTPREQ_WORK)
		return parse_query(q + 1, (size_t)(end - q - 1), req);
	return 200;
}

/* "METHOD SP target SP HTTP/1.x"; 200, 400, 405 or 505. *minor gets x. */
static int parse_request_line(const char *s, size_t len, httpreq *req, const char **target,
			      size_t *tlen, int *minor)
{
	const char *end = s + len, *sp1 = memchr(s, ' ', len), *sp2;
	if (!sp1 || !(sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1))))
		return 400;
	const char *v = sp2 + 1;
	size_t mlen = (size_t)(sp1 - s);
	*target = sp1 + 1;
	*tlen = (size_t)(sp2 - sp1 - 1);
	if (!is_token(s, mlen) || !is_visible(*target, *tlen) || end - v != 8 ||
	    memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9')
		return 400;
	if (v[5] != '1')
		return 505;
	*minor = v[7] - '0';
	req->head_only = mlen == 4 && !memcmp(s, "HEAD", 4);
	if (!req->head_only && !(mlen == 3 && !memcmp(s, "GET", 3)) &&
	    !(mlen == 4 && !memcmp(s, "POST", 4)))
		return 405;
	return 200;
}

/* Note "close" and "keep-alive" among a Connection header's tokens. */
static void connection_tokens(const char *v, size_t len, int *close, int *keep_alive)
{
	const char *end = v + len;
	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v)), *stop = comma ? comma : end;
		const char *a = v, *b = stop;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (same(a, (size_t)(b - a), "close"))
			*close = 1;
		else if (same(a, (size_t)(b - a), "keep-alive"))
			*keep_alive = 1;
		v = stop + 1;
	}
}

/* What the headers said, beyond the request line. */
typedef struct {
	int close, keep_alive, has_length, expect_continue;
	uint64_t length;
} headers;

/* One "Name: value" line. 200, 400 or 411. */
static int parse_header(const char *s, size_t len, headers *h)
{
	const char *colon = memchr(s, ':', len), *v, *end = s + len;
	if (!colon || !is_token(s, (size_t)(colon - s)))
		return 400; /* also a folded line, or a space before the colon */
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (const char *p = v; p < end; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') || *p == 0x7f)
			return 400;
	size_t nlen = (size_t)(colon - s), vlen = (size_t)(end - v);
	uint64_t n;
	if (same(s, nlen, "Connection"))
		connection_tokens(v, vlen, &h->close, &h->keep_alive);
	else if (same(s, nlen, "Content-Length")) {
		/* two that differ: where the body ends is a guess (RFC 9112 6.3) */
		if (!number(v, vlen, UINT64_MAX, &n) || (h->has_length && h->length != n))
			return 400;
		h->has_length = 1;
		h->length = n;
	} else if (same(s, nlen, "Expect") && same(v, vlen, "100-continue")) {
		h->expect_continue = 1;
	} else if (same(s, nlen, "Transfer-Encoding"))
		return 411; /* with or without a Content-Length: ask for one */
	return 200;
}

static void parse(const char *head, size_t len, int any, httpreq *req)
{
	const char *p = head, *end = head + len, *line, *target = NULL;
	size_t llen, tlen = 0;
	int minor = 1, st, hst;
	headers h = { 0 };

	memset(req, 0, sizeof *req);
	if (!next_line(&p, end, &line, &llen))
		st = 400;
	else
		st = parse_request_line(line, llen, req, &target, &tlen, &minor);
	while (st != 400 && next_line(&p, end, &line, &llen) && llen > 0)
		if ((hst = parse_header(line, llen, &h)) != 200 && (st == 200 || hst == 400))
			st = hst;
	if (st == 200 && h.length > HTTPREQ_MAX_SIZE)
		st = 413;
	if (st == 200)
		st = parse_target(target, tlen, any, req);
	req->status = st;
	req->minor = minor;
	req->keep = (st == 200 || st == 404) && !h.close && (minor >= 1 || h.keep_alive);
	req->body_len = st == 200 || st == 404 ? h.length : 0;
	/* HTTP/1.0 clients know no 100 Continue (RFC 9110 10.1.1) */
	req->expect_continue = h.expect_continue && minor >= 1 && req->body_len > 0;
}

void httpreq_parse(const char *head, size_t len, httpreq *req)
{
	parse(head, len, 0, req);
}

void httpreq_parse_any(const char *head, size_t len, httpreq *req)
{
	parse(head, len, 1, req);
}

const char *httpreq_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}
