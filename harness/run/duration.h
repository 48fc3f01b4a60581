/*
 * duration.h - a duration as every option takes it (-d, --warmup, --timeout,
 * --stall, --duration): "1.5s", "500ms", "250us", "100ns", "2m", "1h", or a
 * bare number of seconds.
 */
#ifndef CB_DURATION_H
#define CB_DURATION_H

#include <stdint.h>

/* Its nanoseconds, or -1 if s is not one (or is 1e18 ns or more). */
int64_t spec_duration_ns(const char *s);

#endif
