/*
 * switchcost.h - the cost of one switch (switchcost.c): thread vs coroutine,
 * in nanoseconds per hand-off, from the switch workload's runs.
 */
#ifndef CB_PLOT_SWITCHCOST_H
#define CB_PLOT_SWITCHCOST_H

#include "harness/plot/data.h"

/* s: the ok runs of every switch workload of a directory (any mode). Writes
 * switch.dat and switch.gp; 0 (drawn, or nothing to draw) or -1 on a write
 * error. */
int plot_switch(plot_set *s);

#endif
