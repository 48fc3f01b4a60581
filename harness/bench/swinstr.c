/*
 * swinstr.c - instructions per switch, counted by valgrind's callgrind.
 *
 * On a shared 2-core VM a switch of a few nanoseconds moves by a third from
 * one run to the next; the instructions it executes do not. callgrind runs
 * the program on a synthetic CPU and counts every instruction, so we run
 * concbench's own switch loop (`concbench bench --switch-loop ours:N`, see
 * switch.c) under it twice, with N1 and N2 round trips: everything but the
 * loop - valgrind's start, the dynamic linker, dlopen - is the same in both,
 * and the difference divided by the 2 (N2 - N1) extra switches is what one
 * switch costs, the loop's own few instructions included (on both sides
 * alike). Instructions are not time: a mispredicted return costs ~20 cycles
 * and one instruction, which is why the bench shows both.
 */
#define _GNU_SOURCE
#include "harness/bench/swinstr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/bench/child.h"
#include "harness/bench/loadparse.h"

/* The number after key in text, commas skipped (1,234,567); -1 if none. */
static long long number_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	long long v = 0;
	for (; (*p >= '0' && *p <= '9') || *p == ','; p++)
		if (*p != ',')
			v = v * 10 + (*p - '0');
	return v;
}

long long swinstr_parse(const char *text)
{
	long long v = number_after(text, "Collected :");
	return v >= 0 ? v : number_after(text, "I   refs:");
}

double swinstr_per_switch(long long i1, long n1, long long i2, long n2)
{
	if (i1 < 0 || i2 <= i1 || n2 <= n1)
		return NAN;
	return (double)(i2 - i1) / (2.0 * (double)(n2 - n1));
}

/* One callgrind run of n round trips; its total, or -1 with why. */
static long long run_once(const char *vg, const char *exe, const char *which, long n, char *why,
			  size_t len, volatile sig_atomic_t *stop)
{
	char loop[64], out[8192];
	snprintf(loop, sizeof loop, "%s:%ld", which, n);
	char *argv[] = { (char *)vg,
			 "--tool=callgrind",
			 "--callgrind-out-file=/dev/null",
			 (char *)exe,
			 "bench",
			 "--switch-loop",
			 loop,
			 NULL };
	if (child_run(argv, -1, out, sizeof out, 120, stop) < 0) {
		size_t k = strlen(out);
		while (k && out[k - 1] == '\n')
			out[--k] = '\0';
		snprintf(why, len, "valgrind ... %s failed: %.160s", loop,
			 k > 160 ? out + k - 160 : out);
		return -1;
	}
	long long v = swinstr_parse(out);
	if (v < 0)
		snprintf(why, len, "no instruction total in callgrind's report for %s", loop);
	return v;
}

double swinstr_count(const char *exe, const char *which, char *why, size_t len,
		     volatile sig_atomic_t *stop)
{
	char vg[4096];
	if (loadparse_which("valgrind", vg, sizeof vg) < 0) {
		snprintf(why, len,
			 "valgrind not installed (make deps-bench): no instruction counts");
		return NAN;
	}
	long long i1 = run_once(vg, exe, which, SWINSTR_N1, why, len, stop);
	long long i2 = i1 < 0 ? -1 : run_once(vg, exe, which, SWINSTR_N2, why, len, stop);
	if (i2 < 0)
		return NAN;
	double v = swinstr_per_switch(i1, SWINSTR_N1, i2, SWINSTR_N2);
	if (isnan(v))
		snprintf(why, len, "callgrind totals %lld and %lld do not grow with the loop", i1,
			 i2);
	return v;
}
