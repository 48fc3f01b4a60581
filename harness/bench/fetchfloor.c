/*
 * fetchfloor.c - the floor under the scale bench's fetch rows: N concurrent
 * fetches with nothing of concbench in the way.
 *
 * The fetch rows ask how close an executor comes to one delay for 1,000
 * requests in flight at once. On a VM whose system calls and cross-CPU
 * wake-ups are slow, part of the answer is the machine's, not the
 * executor's: every connection costs a handshake, a request and an answer
 * through the kernel's TCP, and over loopback the sender's CPU runs the
 * receiver's half too. So two reference rows are measured in the same run:
 *
 *  - a bare client: one loop that opens N sockets, connects and sends each
 *    request at once, then reads every answer to its end through one epoll
 *    set (no tasks, no lanes, no timer), against the bundled target; what
 *    any client could do against that server;
 *  - the same client against a bare server: accept4 until EAGAIN, read the
 *    request, answer 1 KiB after the delay from a FIFO (every delay is the
 *    same), close. What this machine's kernel allows at all.
 *
 * Client and server each run in a child process bound where the rows' run
 * and target are, so the figures compare like with like.
 */
#define _GNU_SOURCE
#include "harness/bench/fetchfloor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workloads/workload.h"

#define FLOOR_BODY 1024

static int addr_of(const char *hostport, struct sockaddr_in *a)
{
	const char *colon = strrchr(hostport, ':');
	char host[64];
	if (!colon || (size_t)(colon - hostport) >= sizeof host)
		return -1;
	snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(atoi(colon + 1)) };
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* In the client child: n fetches of path, all at once. The makespan in s,
 * or -1 with why: a connection that failed, or an answer that was not 200. */
static double client(const struct sockaddr_in *a, const char *hostport, const char *path, size_t n,
		     char *why, size_t len)
{
	char req[512], buf[8192];
	int rl = snprintf(req, sizeof req,
			  "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path,
			  hostport);
	int ep = epoll_create1(EPOLL_CLOEXEC), one = 1;
	size_t left = n;
	uint64_t t0 = wl_now_ns();
	struct epoll_event ev[256];

	for (size_t i = 0; i < n && ep >= 0; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLONESHOT,
					 .data.u64 = 0 };
		if (fd < 0)
			return snprintf(why, len, "socket: %s", strerror(errno)), -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(fd, (const struct sockaddr *)a, sizeof *a) < 0 && errno != EINPROGRESS)
			return snprintf(why, len, "connect: %s", strerror(errno)), -1;
		e.data.u64 = (uint64_t)fd << 1; /* bit 0: the request went out */
		if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) == rl)
			e = (struct epoll_event){ .events = EPOLLIN,
						  .data.u64 = ((uint64_t)fd << 1) | 1 };
		else if (errno != EAGAIN)
			return snprintf(why, len, "send: %s", strerror(errno)), -1;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	}
	while (left) {
		int k = epoll_wait(ep, ev, 256, 30000);
		if (k <= 0)
			return snprintf(why, len, "no answer for 30 s (%zu left)", left), -1;
		for (int j = 0; j < k; j++) {
			int fd = (int)(ev[j].data.u64 >> 1);
			ssize_t r;
			if (!(ev[j].data.u64 & 1)) { /* connected now: send */
				struct epoll_event e = { .events = EPOLLIN,
							 .data.u64 = ev[j].data.u64 | 1 };
				if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl)
					return snprintf(why, len, "send: %s", strerror(errno)), -1;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
				continue;
			}
			while ((r = read(fd, buf, sizeof buf)) > 0)
				if (strncmp(buf, "HTTP/1.", 7) == 0 &&
				    strncmp(buf + 8, " 200", 4) != 0)
					return snprintf(why, len, "answer: %.20s", buf), -1;
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				close(fd);
				left--;
			}
		}
	}
	close(ep);
	return (double)(wl_now_ns() - t0) / 1e9;
}

/* The client runs in a child bound to `where`; its figure comes back through
 * a pipe. */
double fetchfloor_client(hwloc_topology_t topo, hwloc_const_cpuset_t where, const char *hostport,
			 const char *path, size_t n, char *why, size_t len)
{
	struct sockaddr_in a;
	int p[2];
	double v = -1;
	char msg[160] = "";

	if (addr_of(hostport, &a) < 0)
		return snprintf(why, len, "bad address %s", hostport), -1;
	if (pipe(p) < 0)
		return snprintf(why, len, "pipe: %s", strerror(errno)), -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		cpus_bind(topo, where);
		v = client(&a, hostport, path, n, msg, sizeof msg);
		if (write(p[1], &v, sizeof v) != sizeof v || write(p[1], msg, sizeof msg) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &v, sizeof v) != sizeof v || read(p[0], msg, sizeof msg) < 0) {
		v = -1;
		snprintf(msg, sizeof msg, "the client child failed");
	}
	close(p[0]);
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (v < 0)
		snprintf(why, len, "%s", msg);
	return v;
}

/* The bare server's loop, in its child: forever, until killed. */
static _Noreturn void serve(int l, uint64_t delay_ns)
{
	static char resp[FLOOR_BODY + 128], buf[4096];
	size_t cap = 1 << 16, head = 0, tail = 0;
	int *qfd = malloc(cap * sizeof *qfd), ep = epoll_create1(0);
	uint64_t *qdue = malloc(cap * sizeof *qdue);
	int rl = snprintf(resp, sizeof resp,
			  "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
			  FLOOR_BODY);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = l }, ev[512];

	memset(resp + rl, 'x', FLOOR_BODY);
	rl += FLOOR_BODY;
	if (!qfd || !qdue || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &e) < 0)
		_exit(1);
	for (;;) {
		int to = -1;
		if (head != tail) {
			uint64_t now = wl_now_ns(), due = qdue[head % cap];
			to = due <= now ? 0 : (int)((due - now + 999999) / 1000000);
		}
		int k = epoll_wait(ep, ev, 512, to);
		for (int j = 0; j < k; j++) {
			int fd = ev[j].data.fd, c;
			if (fd == l) {
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
				       0) {
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
			} else if (read(fd, buf, sizeof buf) > 0 && tail - head < cap) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				qfd[tail % cap] = fd;
				qdue[tail++ % cap] = wl_now_ns() + delay_ns;
			} else {
				close(fd);
			}
		}
		for (uint64_t now = wl_now_ns(); head != tail && qdue[head % cap] <= now; head++) {
			send(qfd[head % cap], resp, (size_t)rl, MSG_NOSIGNAL);
			close(qfd[head % cap]);
		}
	}
}

int fetchfloor_server_start(hwloc_topology_t topo, hwloc_const_cpuset_t where, int delay_ms,
			    char *hostport, size_t hplen, char *why, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	pid_t parent = getpid();

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4096) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0) {
		snprintf(why, len, "bare server: %s", strerror(errno));
		if (l >= 0)
			close(l);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		cpus_bind(topo, where);
		serve(l, (uint64_t)delay_ms * 1000000u);
	}
	close(l); /* the child holds it; connections queue in its backlog at once */
	if (pid < 0) {
		snprintf(why, len, "bare server: fork: %s", strerror(errno));
		return -1;
	}
	snprintf(hostport, hplen, "127.0.0.1:%u", ntohs(a.sin_port));
	return (int)pid;
}

void fetchfloor_server_stop(int pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
