/*
 * httpresp.c - an incremental HTTP/1.1 response parser (see httpresp.h).
 *
 * A reply is lines, then a body. Lines (status, headers, chunk sizes,
 * trailers) are gathered into p->line across pieces of input, up to the
 * newline, and read when whole; body bytes are never copied, only pointed
 * at. How the body ends is decided once the headers are in (RFC 9112 6.3):
 * no body for 1xx/204/304, else chunks if chunked, else Content-Length
 * bytes, else everything up to the close. What is ambiguous there, and a
 * known way to smuggle one reply into another (Content-Length together with
 * chunked, two different lengths, folded header lines), is refused.
 */
#include "workloads/http/httpresp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
	S_STATUS,
	S_HEADER,
	S_BODY,       /* Content-Length bytes */
	S_EOF_BODY,   /* everything until the connection closes */
	S_CHUNK_SIZE, /* a chunk-size line */
	S_CHUNK_DATA,
	S_CHUNK_END, /* the CRLF after a chunk's data */
	S_TRAILER,
	S_DONE,
	S_ERROR,
};

static int fail(httpresp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(httpresp *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	p->state = S_ERROR;
	return HTTPRESP_ERROR;
}

/* Up to 40 bytes of s, fit to quote in a message. */
static const char *quote(const char *s, char out[44])
{
	size_t k;

	for (k = 0; s[k] && k < 40; k++)
		out[k] = s[k] >= 0x20 && s[k] < 0x7f ? s[k] : '?';
	strcpy(out + k, s[k] ? "..." : "");
	return out;
}

void httpresp_init(httpresp *p)
{
	memset(p, 0, sizeof *p);
	p->content_length = -1;
}

static void advance(httpresp *p, const char **buf, size_t *len, size_t n)
{
	*buf += n;
	*len -= n;
	p->seen += n;
}

static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	for (n = strlen(s); n && (s[n - 1] == ' ' || s[n - 1] == '\t'); n--)
		s[n - 1] = '\0';
	return s;
}

/* The next element of a comma-separated header value, trimmed (maybe
 * empty), or NULL after the last. Cuts the string as it goes. */
static char *next_elem(char **rest)
{
	char *s = *rest, *comma;

	if (!s)
		return NULL;
	comma = strchr(s, ',');
	if (comma)
		*comma = '\0';
	*rest = comma ? comma + 1 : NULL;
	return trim(s);
}

static int status_line(httpresp *p)
{
	const char *s = p->line;
	char q[44];

	if (strncmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
	    (s[12] != ' ' && s[12] != '\0'))
		return fail(p, "garbage status line: '%s'", quote(s, q));
	p->minor = s[7] - '0';
	p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	quote(s[12] ? s + 13 : "", q);
	snprintf(p->reason, sizeof p->reason, "%s", q);
	p->state = S_HEADER;
	return HTTPRESP_MORE;
}

static int content_length(httpresp *p, char *v)
{
	char *e, q[44];

	while ((e = next_elem(&v))) {
		int64_t n = 0;
		if (!*e)
			return fail(p, "empty Content-Length");
		if (*e == '-')
			return fail(p, "negative Content-Length: '%s'", quote(e, q));
		for (const char *d = e; *d; d++) {
			if (*d < '0' || *d > '9')
				return fail(p, "bad Content-Length: '%s'", quote(e, q));
			if (n > (INT64_MAX - (*d - '0')) / 10)
				return fail(p, "Content-Length too large: '%s'", quote(e, q));
			n = n * 10 + (*d - '0');
		}
		if (p->content_length >= 0 && n != p->content_length)
			return fail(p, "conflicting Content-Length: %lld and %lld",
				    (long long)p->content_length, (long long)n);
		p->content_length = n;
	}
	return HTTPRESP_MORE;
}

/* Only chunked is understood: a body in any other coding could not be
 * told from a truncated one, so it is refused rather than miscounted. */
static int transfer_encoding(httpresp *p, char *v)
{
	char *e, q[44];

	while ((e = next_elem(&v))) {
		if (!*e)
			continue;
		if (strcasecmp(e, "chunked") != 0)
			return fail(p, "unsupported Transfer-Encoding: '%s'", quote(e, q));
		if (p->chunked)
			return fail(p, "Transfer-Encoding: chunked twice");
		p->chunked = 1;
	}
	return HTTPRESP_MORE;
}

static int connection(httpresp *p, char *v)
{
	char *e;

	while ((e = next_elem(&v))) {
		if (strcasecmp(e, "close") == 0)
			p->close = 1;
		else if (strcasecmp(e, "keep-alive") == 0)
			p->keep_alive = 1;
	}
	return HTTPRESP_MORE;
}

/* The empty line after the headers: decide how the body ends. */
static int end_of_head(httpresp *p)
{
	int s = p->status;

	if (s < 200 && s != 101) { /* interim (100 Continue, 103): the reply follows */
		p->content_length = -1;
		p->chunked = p->close = p->keep_alive = 0;
		p->state = S_STATUS;
		return HTTPRESP_MORE;
	}
	p->head_done = 1;
	if (p->chunked && p->content_length >= 0)
		return fail(p, "both Content-Length and Transfer-Encoding: chunked");
	if (p->minor == 0 && !p->keep_alive)
		p->close = 1;
	if (s < 200 || s == 204 || s == 304)
		p->state = S_DONE;
	else if (p->chunked)
		p->state = S_CHUNK_SIZE;
	else if (p->content_length >= 0)
		p->state = (p->left = (uint64_t)p->content_length) ? S_BODY : S_DONE;
	else
		p->state = S_EOF_BODY, p->close = 1;
	return HTTPRESP_MORE;
}

static int header_line(httpresp *p)
{
	char *line = p->line, *colon = strchr(line, ':'), q[44];
	size_t namelen = colon ? (size_t)(colon - line) : 0;
	static const char *const known[] = { "Content-Length", "Transfer-Encoding", "Connection" };
	int (*const parse[])(httpresp *, char *) = { content_length, transfer_encoding,
						     connection };

	if (!*line && !p->truncated)
		return end_of_head(p);
	if (*line == ' ' || *line == '\t')
		return fail(p, "folded header line (obsolete line folding)");
	if (!colon)
		return p->truncated ? HTTPRESP_MORE
				    : fail(p, "header line without ':': '%s'", quote(line, q));
	for (size_t k = 0; k < namelen; k++)
		if (!is_tchar(line[k]))
			return fail(p, "bad header name: '%s'", quote(line, q));
	if (namelen == 0)
		return fail(p, "header line without a name: '%s'", quote(line, q));
	*colon = '\0';
	for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
		if (strcasecmp(line, known[k]) != 0)
			continue;
		if (p->truncated)
			return fail(p, "%s header longer than %d bytes", known[k],
				    HTTPRESP_LINE_KEEP - 1);
		return parse[k](p, trim(colon + 1));
	}
	return HTTPRESP_MORE;
}

static int chunk_size_line(httpresp *p)
{
	const char *s = p->line;
	uint64_t n = 0;
	size_t digits = 0;
	char q[44];

	for (;; s++, digits++) {
		int d = *s >= '0' && *s <= '9'   ? *s - '0'
			: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
			: *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
						 : -1;
		if (d < 0)
			break;
		if (n >> 59)
			return fail(p, "chunk size too large: '%s'", quote(p->line, q));
		n = n * 16 + (uint64_t)d;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!digits || (*s && *s != ';') || (p->truncated && *s != ';'))
		return fail(p, "bad chunk size: '%s'", quote(p->line, q));
	p->left = n;
	p->count = 0;
	p->state = n ? S_CHUNK_DATA : S_TRAILER;
	return HTTPRESP_MORE;
}

/* Trailer fields are read past, not used: they may not change the body. */
static int trailer_line(httpresp *p)
{
	if (!p->line[0] && !p->truncated)
		p->state = S_DONE;
	return HTTPRESP_MORE;
}

/* The state's limit on one line (chunk sizes) or on its section. */
static int over_limit(httpresp *p)
{
	if (p->state == S_CHUNK_SIZE)
		return p->linelen > HTTPRESP_CHUNK_LINE_MAX
			       ? fail(p, "chunk size line longer than %d bytes",
				      HTTPRESP_CHUNK_LINE_MAX)
			       : 0;
	if (p->count > HTTPRESP_HEAD_MAX)
		return fail(p, "%s section longer than %d bytes",
			    p->state == S_TRAILER ? "trailer" : "header", HTTPRESP_HEAD_MAX);
	return 0;
}

/* A status line shows itself early: refuse garbage before its newline
 * (a whole line is judged by status_line). */
static int bad_status_start(httpresp *p)
{
	size_t kept = strlen(p->line);
	char q[44];

	if (p->state != S_STATUS || strncmp(p->line, "HTTP/1.", kept < 7 ? kept : 7) == 0)
		return 0;
	return fail(p, "garbage status line: '%s'", quote(p->line, q));
}

/* A line is in: cut it to what is kept, without its line ending; read it. */
static int end_line(httpresp *p)
{
	size_t content = p->linelen - 1 - p->last_cr;
	int rc;

	p->truncated = content > HTTPRESP_LINE_KEEP - 1;
	p->line[p->truncated ? HTTPRESP_LINE_KEEP - 1 : content] = '\0';
	rc = p->state == S_STATUS       ? status_line(p)
	     : p->state == S_HEADER     ? header_line(p)
	     : p->state == S_CHUNK_SIZE ? chunk_size_line(p)
					: trailer_line(p);
	p->line[0] = '\0';
	p->linelen = 0;
	p->last_cr = 0;
	return rc;
}

/* Gather the current line, up to its newline. A line's last byte before the
 * newline may be a CR that arrived on its own: it is kept (the line has
 * room for one more byte) until the newline shows it was the line ending. */
static int line_state(httpresp *p, const char **buf, size_t *len)
{
	const char *nl = memchr(*buf, '\n', *len);
	size_t take = nl ? (size_t)(nl - *buf) + 1 : *len;
	size_t data = nl ? take - 1 : take, kept = strlen(p->line);
	size_t copy = data < HTTPRESP_LINE_KEEP - kept ? data : HTTPRESP_LINE_KEEP - kept;

	if (memchr(*buf, '\0', data))
		return fail(p, "NUL byte in a %s line",
			    p->state == S_CHUNK_SIZE ? "chunk" : "header");
	memcpy(p->line + kept, *buf, copy);
	p->line[kept + copy] = '\0';
	if (data)
		p->last_cr = (*buf)[data - 1] == '\r';
	p->linelen += take;
	if (p->state != S_CHUNK_SIZE)
		p->count += take;
	advance(p, buf, len, take);
	if (over_limit(p) || (!nl && bad_status_start(p)))
		return HTTPRESP_ERROR;
	return nl ? end_line(p) : HTTPRESP_MORE;
}

/* CRLF (or a bare LF) must close each chunk's data. */
static int chunk_end(httpresp *p, const char **buf, size_t *len)
{
	char c = **buf;

	advance(p, buf, len, 1);
	if (c == '\r' && !p->cr) {
		p->cr = 1;
		return HTTPRESP_MORE;
	}
	if (c != '\n')
		return fail(p, "no CRLF after chunk data (byte 0x%02x)", (unsigned char)c);
	p->cr = 0;
	p->state = S_CHUNK_SIZE;
	return HTTPRESP_MORE;
}

static int body_span(httpresp *p, const char **buf, size_t *len, const char **span, size_t *n)
{
	size_t take = *len;

	if (p->state != S_EOF_BODY && take > p->left)
		take = (size_t)p->left;
	*span = *buf;
	*n = take;
	advance(p, buf, len, take);
	p->body += take;
	if (p->state != S_EOF_BODY && (p->left -= take) == 0)
		p->state = p->state == S_BODY ? S_DONE : S_CHUNK_END;
	return HTTPRESP_BODY;
}

/* Bytes after a complete reply: we never pipeline, so they are wrong. */
static int extra(httpresp *p, size_t n)
{
	if (p->status < 200 || p->status == 204 || p->status == 304)
		return fail(p, "%zu bytes after a reply without body", n);
	if (p->chunked)
		return fail(p, "%zu bytes after the last chunk", n);
	return fail(p, "body longer than Content-Length %lld (%zu more bytes)",
		    (long long)p->content_length, n);
}

int httpresp_parse(httpresp *p, const char **buf, size_t *len, const char **span, size_t *spanlen)
{
	while (p->state != S_ERROR) {
		if (p->state == S_DONE)
			return *len ? extra(p, *len) : HTTPRESP_DONE;
		if (*len == 0)
			return HTTPRESP_MORE;
		switch (p->state) {
		case S_BODY:
		case S_EOF_BODY:
		case S_CHUNK_DATA: return body_span(p, buf, len, span, spanlen);
		case S_CHUNK_END: chunk_end(p, buf, len); break;
		default: line_state(p, buf, len); break;
		}
	}
	return HTTPRESP_ERROR;
}

int httpresp_eof(httpresp *p)
{
	switch (p->state) {
	case S_DONE: return HTTPRESP_DONE;
	case S_EOF_BODY: p->state = S_DONE; return HTTPRESP_DONE;
	case S_ERROR: return HTTPRESP_ERROR;
	case S_STATUS:
	case S_HEADER:
		if (p->seen == 0)
			return fail(p, "connection closed before any reply");
		return fail(p,
			    "truncated reply: connection closed inside the headers after %llu "
			    "bytes",
			    (unsigned long long)p->seen);
	case S_BODY:
		return fail(p, "truncated body: got %llu of %lld bytes",
			    (unsigned long long)p->body, (long long)p->content_length);
	default:
		return fail(p,
			    "truncated body: connection closed inside the chunked body after "
			    "%llu bytes",
			    (unsigned long long)p->body);
	}
}
