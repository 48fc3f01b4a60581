/* probe.c - one connection attempt before a load run (see probe.h). */
#define _GNU_SOURCE
#include "harness/load/probe.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int load_probe(const struct httpcfg *h, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e = 0;
	socklen_t len = sizeof e;

	if (fd < 0)
		e = errno;
	else if (connect(fd, (const struct sockaddr *)&h->addr, sizeof h->addr) < 0)
		e = errno;
	if (e == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int n = poll(&p, 1, (int)h->timeout_ms);
		e = n == 0 ? ETIMEDOUT : n < 0 ? errno : 0;
		if (n > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
	}
	if (fd >= 0)
		close(fd);
	if (e)
		snprintf(err, errlen, "cannot connect to %s: %s", h->authority, strerror(e));
	return e ? -1 : 0;
}
