/* registry.h - every workload by name (the table is registry.c's). */
#ifndef CB_WORKLOADS_REGISTRY_H
#define CB_WORKLOADS_REGISTRY_H

#include "workloads/workload.h"

/* The workload kind called name ("fib"), or NULL. */
const wl_kind *wl_find(const char *name);
/* Every workload kind, NULL-terminated, in the order `list` shows them. */
const wl_kind *const *wl_all(void);

#endif
