/*
 * httppool.h - idle keep-alive connections of the HTTP client, a pool per
 * thread, all leading to one target (a key) at a time.
 */
#ifndef CB_HTTPPOOL_H
#define CB_HTTPPOOL_H

#include <stdint.h>

/* An idle connection to target `key` that still looks usable, or -1. */
int httppool_get(uint64_t key);
/* Keep fd (connected to `key`, between replies) for a later httppool_get;
 * closed instead when the pool is full. Another key empties the pool first. */
void httppool_put(uint64_t key, int fd);
/* Close the calling thread's idle connections. */
void httppool_drain(void);

#endif
