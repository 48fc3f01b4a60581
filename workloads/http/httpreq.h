/*
 * httpreq.h - the request parser of the bundled HTTP target: an HTTP/1.x
 * request head in, what it asks for (or the error status to answer) out.
 *
 *   GET /work?delay_ms=D&size=S&seed=K   200 after D ms (0..600000) with S
 *                                        bytes (0..64 MiB) of httpbody(K)
 *   GET /stats                           the server's live counters
 *
 * HEAD works on both, and POST as GET: a request of any of the three may
 * carry a body with a Content-Length (up to 64 MiB, more is 413), which the
 * server reads and drops before it answers. A Transfer-Encoding (a chunked
 * body) is 411 Length Required: finding a chunked body's end takes a chunk
 * parser the target does without, so it asks for a Content-Length and
 * closes. "Expect: 100-continue" is noted (the connection answers it).
 * Other paths are 404, other methods 405, bad numbers or a
 * malformed request 400, HTTP/2+ 505.
 */
#ifndef CB_HTTPREQ_H
#define CB_HTTPREQ_H

#include <stddef.h>
#include <stdint.h>

#define HTTPREQ_MAX_DELAY_MS 600000u
#define HTTPREQ_MAX_SIZE     (64u << 20)

/* What a request asks for. */
enum httpreq_route { HTTPREQ_WORK, HTTPREQ_STATS };
typedef struct {
	int status; /* 200, or the error status to answer with */
	int route;
	int head_only, keep;
	int minor; /* HTTP/1.minor */
	uint64_t delay_ms, size, seed;
	/* Body bytes after the head to read (and drop) before answering: the
	 * Content-Length of a request that is answered 200 or 404; 0 for the
	 * error answers, which close the connection without reading it. */
	uint64_t body_len;
	/* "Expect: 100-continue" from HTTP/1.1 with a body to read: the client
	 * may wait for a "100 Continue" before it sends the body. */
	int expect_continue;
} httpreq;

/* Find the end of a request head in buf[0..len): the offset just past the
 * empty line, or 0 if it has not arrived. Looks from `from` on. */
size_t httpreq_head_end(const char *buf, size_t len, size_t from);
/* Parse a whole request head (request line, headers, the empty line). */
void httpreq_parse(const char *head, size_t len, httpreq *req);
/* The same, with every path but /stats routed to /work: the serve
 * workload's digest API answers any path, and reads ?seed=K from it. */
void httpreq_parse_any(const char *head, size_t len, httpreq *req);

/* The reason phrase of a status the servers answer with ("Not Found"). */
const char *httpreq_reason(int status);

#endif
