/*
 * servesock.h - the listening socket of a server workload: "HOST:PORT" to
 * an address, a non-blocking listener bound to it, and the port it got.
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
/* The port a bound socket got (0 when fd is no socket). */
int servesock_port(int fd);

#endif
