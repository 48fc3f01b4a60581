/*
 * httpreq.h - the request parser of the bundled HTTP target: an HTTP/1.x
 * request head in, what it asks for (or the error status to answer) out.
 *
 *   GET /work?delay_ms=D&size=S&seed=K   200 after D ms (0..600000) with S
 *                                        bytes (0..64 MiB) of httpbody(K)
 *   GET /stats                           the server's live counters
 *
 * HEAD works on both; other paths are 404, other methods 405, bad numbers or
 * a malformed request 400, HTTP/2+ 505.
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
} httpreq;

/* Find the end of a request head in buf[0..len): the offset just past the
 * empty line, or 0 if it has not arrived. Looks from `from` on. */
size_t httpreq_head_end(const char *buf, size_t len, size_t from);
/* Parse a whole request head (request line, headers, the empty line). */
void httpreq_parse(const char *head, size_t len, httpreq *req);

#endif
