/*
 * servesock.h - the listening socket of a server workload: "HOST:PORT" to
 * an address, a non-blocking listener bound to it (and SO_REUSEPORT
 * siblings of it), and the port it got.
 */
#ifndef CB_SERVESOCK_H
#define CB_SERVESOCK_H

#include <stddef.h>
#include <sys/socket.h>

/* "HOST:PORT", "[V6]:PORT" or "PORT" (host 127.0.0.1) into an address;
 * HOST is a numeric IP address or localhost. 0, or -1 with err set. */
int servesock_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err,
		   size_t errlen);
/* A non-blocking, close-on-exec TCP listener on spec. The fd, or -errno
 * with err set ("cannot bind 127.0.0.1:80: Permission denied"). */
int servesock_listen(const char *spec, char *err, size_t errlen);
/* The same, with SO_REUSEPORT set before the bind when reuseport is 1. */
int servesock_listen_on(const char *spec, int reuseport, char *err, size_t errlen);
/* A sibling of the listener fd (made with SO_REUSEPORT): a new non-blocking,
 * close-on-exec listener bound to the same address with the same backlog,
 * in fd's SO_REUSEPORT group. The fd, or -errno with err set. */
int servesock_sibling(int fd, char *err, size_t errlen);
/* The port a bound socket got (0 when fd is no socket). */
int servesock_port(int fd);

#endif
