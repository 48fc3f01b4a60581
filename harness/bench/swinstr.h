/*
 * swinstr.h - instructions per coroutine switch, counted by callgrind
 * (swinstr.c): repeatable where nanoseconds are noisy.
 */
#ifndef CB_BENCH_SWINSTR_H
#define CB_BENCH_SWINSTR_H

#include <signal.h>
#include <stddef.h>

/* The round trips of the two runs whose difference is counted. */
#define SWINSTR_N1 100000L
#define SWINSTR_N2 200000L

/* Instructions per switch (one jump one way) of which ("ours" or "boost"):
 * exe (concbench itself) runs `bench --switch-loop which:N` under
 * `valgrind --tool=callgrind` for N1 and N2 round trips, and the difference
 * of the totals over 2 (N2 - N1) switches is the answer, the start-up
 * cancelling out. NaN when it cannot be had (valgrind missing, a run
 * failed), with the reason in why. */
double swinstr_count(const char *exe, const char *which, char *why, size_t len,
		     volatile sig_atomic_t *stop);
/* The instruction total in callgrind's report ("==PID== Collected : N" on
 * stderr, else the "I   refs:      1,234" line); -1 if neither is there. */
long long swinstr_parse(const char *text);
/* Instructions per switch from the totals of runs of n1 and n2 round
 * trips: (i2 - i1) / (2 (n2 - n1)); NaN when either total is missing or
 * the difference is not positive. */
double swinstr_per_switch(long long i1, long n1, long long i2, long n2);

#endif
