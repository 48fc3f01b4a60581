/*
 * httpresp.h - an incremental HTTP/1.1 response parser.
 *
 * Bytes arrive in whatever pieces the network chose; the parser takes each
 * piece as it comes and never asks for the whole message, so a 64 MiB body
 * needs no 64 MiB buffer and the same code serves a blocking read loop and an
 * event loop's callback. It reads only what a client needs to find the end of
 * a reply (status, Content-Length, Transfer-Encoding: chunked, Connection)
 * and hands body bytes back as spans of the caller's own input, dechunked.
 * It is strict, since a benchmark that counted a garbled reply as done work
 * would lie: each malformed input stops it with a message naming the fault.
 *
 * Memory is the struct alone: of each line it keeps the first HTTPRESP_LINE_KEEP
 * bytes (every header it reads fits; longer lines of other headers are only
 * counted), and the header section may not pass HTTPRESP_HEAD_MAX bytes.
 * One parser reads one reply: nothing may follow it (no pipelining).
 */
#ifndef CB_HTTPPARSE_H
#define CB_HTTPPARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTPRESP_HEAD_MAX       16384 /* status line + headers; trailers alike */
#define HTTPRESP_LINE_KEEP      256   /* bytes of a line kept, with its NUL */
#define HTTPRESP_CHUNK_LINE_MAX 4096  /* a chunk-size line, extensions and all */

/* What httpresp_parse returns. */
enum { HTTPRESP_ERROR = -1, HTTPRESP_MORE = 0, HTTPRESP_BODY = 1, HTTPRESP_DONE = 2 };

typedef struct {
	/* Found so far; status .. close are final once head_done is set. */
	int status;             /* 200 */
	int minor;              /* 1 for HTTP/1.1 */
	char reason[48];        /* "Not Found", shortened, non-printables as '?' */
	int64_t content_length; /* -1: none given */
	unsigned char head_done;
	unsigned char chunked;
	unsigned char close; /* the server will close: do not reuse */
	uint64_t body;       /* body bytes handed out */
	uint64_t seen;       /* bytes taken in, all told */
	char err[128];       /* why, after HTTPRESP_ERROR */

	/* The parser's own. */
	unsigned char state, keep_alive;
	unsigned char cr;                  /* a CR after chunk data was seen */
	unsigned char last_cr;             /* the current line's last byte so far is a CR */
	unsigned char truncated;           /* the line read is longer than what was kept */
	uint64_t left;                     /* bytes left in the body or the current chunk */
	size_t count;                      /* bytes of the header (or trailer) section so far */
	size_t linelen;                    /* bytes of the current line so far, kept or not */
	char line[HTTPRESP_LINE_KEEP + 1]; /* + 1: a CR that may end it */
} httpresp;

void httpresp_init(httpresp *p);

/*
 * Take bytes from *buf (*len of them), advancing both. Returns
 *   HTTPRESP_BODY  *span, *spanlen hold body bytes (inside the input): use them
 *               and call again with what is left;
 *   HTTPRESP_MORE  the input is used up and the reply is not complete;
 *   HTTPRESP_DONE  the reply is complete and the input used up;
 *   HTTPRESP_ERROR p->err says why (bytes after a complete reply are an error).
 * An error is final: later calls return HTTPRESP_ERROR again.
 */
int httpresp_parse(httpresp *p, const char **buf, size_t *len, const char **span, size_t *spanlen);

/* The connection closed: HTTPRESP_DONE if that completes the reply (a body
 * without length ends there), else HTTPRESP_ERROR ("truncated body: ..."). */
int httpresp_eof(httpresp *p);

#endif
