/* switch.h - part of `concbench bench`: coroutine switches (reps at most BENCH_MAX_REPS). */
#ifndef CB_BENCH_SWITCH_H
#define CB_BENCH_SWITCH_H

#include <signal.h>
#include <stdio.h>

/* Our coroutine switch and a coroutine's life beside glibc's ucontext. */
int bench_switch(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop);

#endif
