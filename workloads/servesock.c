/*
 * servesock.c - the listening socket of a server workload.
 *
 * The server never binds beyond loopback unless asked: the address is
 * written out (127.0.0.1:0 by default, any free port), and a name other
 * than localhost is refused rather than resolved. The backlog is the
 * kernel's largest (it clamps it to net.core.somaxconn): connections a
 * model does not accept yet wait there, and their latency shows it.
 *
 * serve:reuseport=1 asks for SO_REUSEPORT before the bind, so that each
 * loop thread can open a sibling: a socket of its own bound to the same
 * address (servesock_sibling), the kernel spreading new connections
 * between them by a hash of the client's address and port. Only when
 * asked: on a fixed port, a second server of the same user with the option
 * would join the group unnoticed instead of failing with EADDRINUSE.
 */
#define _GNU_SOURCE
#include "workloads/servesock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

int servesock_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err,
		   size_t errlen)
{
	char host[64] = "127.0.0.1";
	const char *port = spec, *colon = strrchr(spec, ':');
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	if (spec[0] == '[' && colon && colon > spec + 1 && colon[-1] == ']') {
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec - 2), spec + 1);
		port = colon + 1;
	} else if (colon) {
		if (colon > spec)
			snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	size_t plen = strlen(port);
	if (plen == 0 || plen > 5 || strspn(port, "0123456789") != plen)
		return ERR("bad listen address '%s': expected HOST:PORT", spec);
	if (atoi(port) > 65535)
		return ERR("bad listen address '%s': port must be 0..65535", spec);
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof *v6;
	} else {
		return ERR("bad listen address '%s': HOST must be a numeric IP address or "
			   "localhost",
			   spec);
	}
	return 0;
}

int servesock_listen(const char *spec, char *err, size_t errlen)
{
	return servesock_listen_on(spec, 0, err, errlen);
}

int servesock_listen_on(const char *spec, int reuseport, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	static const int one = 1;
	int fd, e;

	if (servesock_addr(spec, &ss, &sl, err, errlen) < 0)
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot listen on %s: socket: %s", spec, strerror(e));
		return -e;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 65535) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot bind %s: %s", spec, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int servesock_sibling(int fd, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss, ol = sizeof(int), tl = sizeof(struct tcp_info);
	struct tcp_info ti;
	int on = 0, v6only = 0, s, e;
	static const int one = 1;

	if (getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, &ol) < 0 || !on) {
		snprintf(err, errlen, "the listening socket was not made with SO_REUSEPORT");
		return -EINVAL;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		e = errno;
		snprintf(err, errlen, "getsockname: %s", strerror(e));
		return -e;
	}
	/* a listener's tcpi_sacked is its backlog, as listen() set it */
	int backlog = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_sacked
			      ? (int)ti.tcpi_sacked
			      : 65535;
	ol = sizeof v6only;
	if (ss.ss_family == AF_INET6)
		getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ol);
	if ((s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		e = errno;
		snprintf(err, errlen, "socket: %s", strerror(e));
		return -e;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	if (ss.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
	if (bind(s, (struct sockaddr *)&ss, sl) < 0 || listen(s, backlog) < 0) {
		e = errno;
		snprintf(err, errlen, "bind: %s", strerror(e));
		close(s);
		return -e;
	}
	return s;
}

int servesock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}
