/*
 * httpd.c - the bundled HTTP target's event loop: one thread, epoll, and a
 * heap of timers.
 *
 * This is how nginx, Redis or Node serve tens of thousands of clients from
 * one thread: every socket is non-blocking, epoll says which ones can make
 * progress, and a request that must wait (delay_ms) is not a sleeping thread
 * but an entry in a min-heap ordered by deadline. The loop sleeps in
 * epoll_wait until the earliest deadline (at most 100 ms, so a stop request
 * is seen promptly without relying on EINTR), handles what is ready, then
 * fires the timers that are due. A waiting request costs a few hundred bytes;
 * 20,000 of them cost a few megabytes and no context switches.
 *
 * What a connection does with its events lives in httpd_conn.c.
 */
#define _GNU_SOURCE
#include "workloads/http/httpd.h"
#include "workloads/http/httpd_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NO_SLOT         SIZE_MAX
#define ACCEPT_PAUSE_NS 100000000ull /* out of fds: wait before accepting again */

uint64_t httpd_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The timer heap: heap[0] has the earliest deadline; each connection knows
 * its slot, so its timer can be moved or removed in O(log n). */

static void heap_put(httpd_srv *s, size_t i, httpd_conn *c)
{
	s->heap[i] = c;
	c->slot = i;
}

static void sift_up(httpd_srv *s, size_t i)
{
	httpd_conn *c = s->heap[i];
	while (i > 0 && c->deadline < s->heap[(i - 1) / 2]->deadline) {
		heap_put(s, i, s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(s, i, c);
}

static void sift_down(httpd_srv *s, size_t i)
{
	httpd_conn *c = s->heap[i];
	for (size_t k; (k = 2 * i + 1) < s->nheap; i = k) {
		if (k + 1 < s->nheap && s->heap[k + 1]->deadline < s->heap[k]->deadline)
			k++;
		if (s->heap[k]->deadline >= c->deadline)
			break;
		heap_put(s, i, s->heap[k]);
	}
	heap_put(s, i, c);
}

/* Room is made before a connection is accepted (heap_reserve), so setting a
 * timer never allocates and never fails. */
void httpd_timer_set(httpd_srv *s, httpd_conn *c, uint64_t deadline)
{
	c->deadline = deadline;
	if (c->slot == NO_SLOT) {
		c->slot = s->nheap++;
		s->heap[c->slot] = c;
	}
	sift_up(s, c->slot);
	sift_down(s, c->slot);
}

void httpd_timer_clear(httpd_srv *s, httpd_conn *c)
{
	size_t i = c->slot;
	if (i == NO_SLOT)
		return;
	c->slot = NO_SLOT;
	httpd_conn *last = s->heap[--s->nheap];
	if (last != c) {
		heap_put(s, i, last);
		sift_up(s, i);
		sift_down(s, last->slot);
	}
}

static int heap_reserve(httpd_srv *s)
{
	if (s->nheap < s->cap)
		return 0;
	size_t cap = s->cap ? 2 * s->cap : 1024;
	httpd_conn **h = realloc(s->heap, cap * sizeof *h);
	if (!h)
		return -1;
	s->heap = h;
	s->cap = cap;
	return 0;
}

int httpd_want(httpd_srv *s, httpd_conn *c, uint32_t events)
{
	if (c->events == events)
		return 0;
	struct epoll_event ev = { .events = events, .data.ptr = c };
	if (epoll_ctl(s->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev) < 0)
		return -1;
	c->events = events;
	return 0;
}

/* Out of fds or memory: stop watching the listening socket for a moment,
 * or its pending connections would wake us in a busy loop. */
static void accept_pause(httpd_srv *s, int pause)
{
	struct epoll_event ev = { .events = pause ? 0 : EPOLLIN, .data.ptr = NULL };
	epoll_ctl(s->ep, EPOLL_CTL_MOD, s->lfd, &ev);
	s->accept_paused_to = pause ? httpd_now_ns() + ACCEPT_PAUSE_NS : 0;
}

static void accept_some(httpd_srv *s)
{
	static const int one = 1;
	for (int k = 0; k < 64; k++) { /* then let the others have a turn */
		if (heap_reserve(s) < 0) {
			accept_pause(s, 1);
			return;
		}
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				accept_pause(s, 1);
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			return; /* EAGAIN: no more waiting */
		}
		/* answers go out whole, so Nagle would only add delayed-ACK stalls */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		httpd_conn_open(s, fd);
	}
}

/* How long epoll_wait may sleep: to the earliest deadline, at most a tick. */
static int wait_ms(const httpd_srv *s)
{
	uint64_t now = httpd_now_ns(), next = now + HTTPD_TICK_MS * 1000000ull;
	if (s->nheap && s->heap[0]->deadline < next)
		next = s->heap[0]->deadline;
	if (s->accept_paused_to && s->accept_paused_to < next)
		next = s->accept_paused_to;
	return next <= now ? 0 : (int)((next - now + 999999) / 1000000);
}

static int run(httpd_srv *s, char *err, size_t errlen)
{
	struct epoll_event ev[256];
	while (!*s->stop) {
		int n = epoll_wait(s->ep, ev, 256, wait_ms(s));
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (int k = 0; k < n; k++) {
			if (ev[k].data.ptr)
				httpd_conn_event(s, ev[k].data.ptr, ev[k].events);
			else
				accept_some(s);
		}
		uint64_t now = httpd_now_ns();
		while (s->nheap && s->heap[0]->deadline <= now) {
			httpd_conn *c = s->heap[0];
			httpd_timer_clear(s, c);
			httpd_conn_expire(s, c); /* sets only deadlines after now */
		}
		if (s->accept_paused_to && now >= s->accept_paused_to)
			accept_pause(s, 0);
	}
	return 0;
}

/* "HOST:PORT", "[V6]:PORT" or "PORT" into an address. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char host[64] = "127.0.0.1";
	const char *port = spec, *colon = strrchr(spec, ':');
	if (spec[0] == '[' && colon && colon > spec && colon[-1] == ']') {
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec - 2), spec + 1);
		port = colon + 1;
	} else if (colon) {
		if (colon > spec)
			snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	size_t plen = strlen(port);
	if (plen == 0 || plen > 5 || strspn(port, "0123456789") != plen) {
		snprintf(err, errlen, "bad listen address '%s': expected HOST:PORT", spec);
		return -1;
	}
	if (atoi(port) > 65535) {
		snprintf(err, errlen, "bad listen address '%s': port must be 0..65535", spec);
		return -1;
	}
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)atoi(port));
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)atoi(port));
	} else {
		snprintf(err, errlen,
			 "bad listen address '%s': HOST must be a numeric IP address or localhost",
			 spec);
		return -1;
	}
	return 0;
}

/* "127.0.0.1:8080" or "[::1]:8080" for a bound socket. */
static void address_text(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ip[INET6_ADDRSTRLEN] = "?";
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(v6->sin6_port));
	} else {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(v4->sin_port));
	}
}

static int open_listener(httpd_srv *s, const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	static const int one = 1;
	if (parse_listen(spec, &ss, err, errlen) < 0)
		return -1;
	s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		snprintf(err, errlen, "cannot listen on %s: socket: %s", spec, strerror(errno));
		return -1;
	}
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	socklen_t sl =
		ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (bind(s->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(s->lfd, 65535) < 0) {
		snprintf(err, errlen, "cannot bind %s: %s", spec, strerror(errno));
		return -1;
	}
	return 0;
}

/* Many connections want many fds: take all the process may have. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void srv_free(httpd_srv *s)
{
	while (s->nheap) /* every connection is in the heap */
		httpd_conn_close(s, s->heap[0]);
	if (s->ep >= 0)
		close(s->ep);
	if (s->lfd >= 0)
		close(s->lfd);
	free(s->heap);
	free(s);
}

int httpd_serve(const char *listen, volatile sig_atomic_t *stop, FILE *announce, char *err,
		size_t errlen)
{
	static volatile sig_atomic_t never;
	httpd_srv *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->stop = stop ? stop : &never;
	s->lfd = s->ep = -1;
	raise_nofile();
	if (open_listener(s, listen, err, errlen) < 0) {
		srv_free(s);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		srv_free(s);
		return -1;
	}
	if (announce) {
		char addr[80];
		address_text(s->lfd, addr, sizeof addr);
		fprintf(announce, "listening on %s\n", addr);
		fflush(announce);
	}
	int rc = run(s, err, errlen);
	srv_free(s);
	return rc;
}
