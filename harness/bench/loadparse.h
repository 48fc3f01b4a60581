/*
 * loadparse.h - the deterministic half of bench's load rows (loadcmp.c):
 * reading wrk's and concbench load's printed figures, the nginx config the
 * bench writes, and finding a program on PATH.
 */
#ifndef CB_BENCH_LOADPARSE_H
#define CB_BENCH_LOADPARSE_H

#include <stddef.h>

/* One run's figures: requests per second, p50 and p99 in seconds; for
 * ours with --check-body, the digest every body had (0: none printed). */
typedef struct {
	double rps, p50_s, p99_s;
	unsigned long long digest;
} loadparse_fig;

/* From `wrk --latency`'s output: the Requests/sec line and the 50% and 99%
 * lines of its Latency Distribution. 0, or -1 when one is missing. */
int loadparse_wrk(const char *text, loadparse_fig *f);
/* From `concbench load`'s closed-loop table: the rate line, the p50 and p99
 * rows, and the body digest line when there is one. 0, or -1 when a figure
 * is missing or the errors line counts any error (a run with errors is not
 * one to compare). */
int loadparse_ours(const char *text, loadparse_fig *f);
/* The nginx.conf text for one worker serving dir/www on 127.0.0.1:port,
 * everything it writes (pid, logs, temp files) inside dir. The length as
 * snprintf's (>= len: truncated). */
int loadparse_nginx_conf(char *buf, size_t len, const char *dir, int port);
/* The full path of name found on $PATH, in buf; 0, or -1 when not found. */
int loadparse_which(const char *name, char *buf, size_t len);

#endif
