/* tlrows.h - a run's state events as CSV (tlrows.c). */
#ifndef CB_TLROWS_H
#define CB_TLROWS_H

#include <stdint.h>
#include <stdio.h>

#include "models/timeline.h"

/* tasks/<run>.lanes.csv: lane,kind,pid,tid,events,dropped,dropped_after_ns
 * (README.md, "Recording the state events"). Times are ns from t0. 0 or -1. */
int tlrows_lanes(FILE *f, const tl_buf *b, uint64_t t0_ns);
/* tasks/<run>.events.csv: lane,t_ns,event,task,cpu; by lane, in time order. */
int tlrows_events(FILE *f, const tl_buf *b, uint64_t t0_ns);

#endif
