/*
 * httppool.c - idle keep-alive connections, a pool per thread.
 *
 * keepalive=1 keeps idle connections as a requests.Session or an aiohttp
 * session keeps them: the tasks that share a thread (a pool worker's, or
 * every coroutine of an event loop) share its connections. Thread-local
 * because only the owning thread touches it, so no lock is needed; a pthread
 * key closes what is left when a thread exits. A pooled connection may have
 * been closed by the server meanwhile: it is checked when taken.
 */
#define _GNU_SOURCE
#include "workloads/http/httppool.h"

#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTPPOOL_MAX 64

static _Thread_local struct {
	int n;
	uint64_t key; /* the target every fd here leads to */
	int fd[HTTPPOOL_MAX];
} pool;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

void httppool_drain(void)
{
	while (pool.n > 0)
		close(pool.fd[--pool.n]);
}

static void pool_thread_exit(void *unused)
{
	httppool_drain();
}

static void pool_make_key(void)
{
	pthread_key_create(&pool_key, pool_thread_exit);
}

/* Is an idle connection still usable? The server may have closed it
 * (EOF) or, worse, sent something we never asked for. */
static int pool_alive(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

int httppool_get(uint64_t key)
{
	if (pool.key != key)
		httppool_drain();
	pool.key = key;
	while (pool.n > 0) {
		int fd = pool.fd[--pool.n]; /* the most recent: least likely timed out */
		if (pool_alive(fd))
			return fd;
		close(fd);
	}
	return -1;
}

void httppool_put(uint64_t key, int fd)
{
	if (pool.key != key)
		httppool_drain();
	pool.key = key;
	if (pool.n == HTTPPOOL_MAX) {
		close(fd);
		return;
	}
	pthread_once(&pool_once, pool_make_key);
	pthread_setspecific(pool_key, &pool); /* any non-NULL value arms the destructor */
	pool.fd[pool.n++] = fd;
}
