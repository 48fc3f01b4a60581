/*
 * httpd_int.h - the inside of the bundled HTTP target, shared by its files:
 *
 *   httpd.c        the loop: listening socket, epoll, the timer heap, accept
 *   httpd_conn.c   one connection's life: read a request, wait, answer
 *   httpd_parse.c  a request head in, a parsed request (or a status) out
 *   httpd_body.c   the bytes of a /work answer, from (seed, offset)
 *   httpd_spawn.c  the server as a child process: start, probe, stop
 *
 * Every live connection sits in the timer heap: its deadline is the end of
 * its delay, or the moment it is given up for idleness or a stalled peer.
 * So the heap alone is the list of connections, and one epoll_wait timeout
 * (the earliest deadline) wakes the loop for all of them.
 */
#ifndef CB_HTTPD_INT_H
#define CB_HTTPD_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPD_MAX_HEAD  8192           /* request line + headers; more is a 431 */
#define HTTPD_CHUNK     65536          /* body bytes generated per send */
#define HTTPD_IDLE_NS   60000000000ull /* keep-alive idle, stalled writes */
#define HTTPD_LINGER_NS 2000000000ull  /* draining a closing connection */
#define HTTPD_TICK_MS   100            /* longest epoll_wait: how soon *stop is seen */

enum httpd_state {
	HTTPD_READ,   /* waiting for (the rest of) a request head */
	HTTPD_DELAY,  /* request taken; its timer runs */
	HTTPD_WRITE,  /* sending the answer as the socket takes it */
	HTTPD_LINGER, /* answered and shut for writing; reading to EOF so the
		       * peer's unread bytes do not turn our close into a reset */
};

typedef struct httpd_conn {
	int fd;
	unsigned char state; /* enum httpd_state */
	unsigned char keep;  /* keep the connection after this answer */
	uint32_t events;     /* epoll interest now registered */
	size_t slot;         /* index in the timer heap */
	uint64_t deadline;   /* CLOCK_MONOTONIC ns */
	char *in;            /* bytes read but not yet parsed (pipelining) */
	size_t inlen;
	/* The answer: a small head (with the whole body when it is text), then
	 * body_len bytes of httpd_body(seed), made as the socket takes them. */
	uint64_t body_len, body_off, seed;
	uint16_t outlen, outoff;
	char out[320];
} httpd_conn;

typedef struct {
	int ep, lfd;
	volatile sig_atomic_t *stop;
	httpd_conn **heap; /* min-heap on deadline; holds every connection */
	size_t nheap, cap;
	size_t ndelayed;           /* connections in HTTPD_DELAY */
	uint64_t requests;         /* answers begun */
	uint64_t accept_paused_to; /* out of fds: accept again at this time */
	char rbuf[HTTPD_MAX_HEAD];
	unsigned char wbuf[HTTPD_CHUNK];
} httpd_srv;

/* What a request asks for. */
enum httpd_route { HTTPD_WORK, HTTPD_STATS };
typedef struct {
	int status; /* 200, or the error status to answer with */
	int route;
	int head_only, keep;
	int minor; /* HTTP/1.minor */
	uint64_t delay_ms, size, seed;
} httpd_req;

/* httpd.c */
uint64_t httpd_now_ns(void);
void httpd_timer_set(httpd_srv *s, httpd_conn *c, uint64_t deadline);
void httpd_timer_clear(httpd_srv *s, httpd_conn *c);
int httpd_want(httpd_srv *s, httpd_conn *c, uint32_t events); /* epoll interest */

/* httpd_conn.c */
/* A new connection (fd non-blocking); -1 when out of memory (fd closed). */
int httpd_conn_open(httpd_srv *s, int fd);
void httpd_conn_event(httpd_srv *s, httpd_conn *c, uint32_t events);
void httpd_conn_expire(httpd_srv *s, httpd_conn *c); /* its deadline passed */
void httpd_conn_close(httpd_srv *s, httpd_conn *c);

/* httpd_parse.c */
/* Find the end of a request head in buf[0..len): the offset just past the
 * empty line, or 0 if it has not arrived. Looks from `from` on. */
size_t httpd_head_end(const char *buf, size_t len, size_t from);
/* Parse a whole request head (request line, headers, the empty line). */
void httpd_parse(const char *head, size_t len, httpd_req *req);

#endif
