/* switch.h - part of `concbench bench`: coroutine switches (reps at most BENCH_MAX_REPS). */
#ifndef CB_BENCH_SWITCH_H
#define CB_BENCH_SWITCH_H

#include <signal.h>
#include <stdio.h>

/* The goal: our switch at most this many times Boost.Context's. */
#define SWITCH_GOAL 1.2

/* What bench_switch measured (medians; NaN where it has no figure). */
typedef struct {
	int reps;
	double ours_sw, boost_sw, uc_sw;       /* ns per switch, one jump one way */
	double ours_life, boost_life, uc_life; /* ns per create+run+finish */
	double thread_sw;                      /* ns per thread hand-off (pipes) */
	double ours_instr, boost_instr;        /* instructions per switch (callgrind) */
	char boost_why[192];                   /* why the Boost figures are missing */
	char instr_why[256];                   /* why the instruction counts are */
} switch_figs;

/* Our coroutine switch and a coroutine's life beside Boost.Context's
 * jump_fcontext (when installed) and glibc's ucontext, interleaved rep by
 * rep, then instructions per switch under callgrind (when installed). */
int bench_switch(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop);
/* The table on out and the rows on csv (switch.csv). */
void bench_switch_print(FILE *out, FILE *csv, const switch_figs *f);
/* `concbench bench --switch-loop WHICH:N`: N round trips of our switch
 * ("ours") or Boost's ("boost") and nothing else, for callgrind to count
 * (swinstr.c). 0, 1 when it could not run, 2 for a bad spec (printed). */
int bench_switch_loop(const char *spec);

#endif
