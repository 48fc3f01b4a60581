/*
 * states.h - the state timeline chart (states.c): a row per OS thread,
 * coloured by what it was doing, from tasks/<run>.lanes.csv and .events.csv.
 */
#ifndef CB_PLOT_STATES_H
#define CB_PLOT_STATES_H

#include "harness/plot/data.h"

/* states_<model> for each model whose timeline run (plot_timeline_run) was
 * recorded with state events; nothing for the others. 0 (drawn or
 * skipped), or -1 on a write error. A run whose files cannot be read is
 * named on s->diag and skipped. */
int plot_states(plot_set *s);

#endif
