/*
 * serveparams.h - the serve workload's parameter table (serveparams.c).
 */
#ifndef CB_SERVEPARAMS_H
#define CB_SERVEPARAMS_H

#include "workloads/http/httpclient.h"
#include "workloads/workload.h"

/* The largest step state a work may have (http's and mixed's fit). */
#define SERVE_WORK_STATE (sizeof(struct httpclient_task) + 64)

extern const wl_param_def serve_params[];

/* The kind's check: a stall shorter than its period. 0, or -1 with err. */
int serve_check(const wl_spec *w, size_t ntasks, unsigned min_c, char *err, size_t errlen);

#endif
