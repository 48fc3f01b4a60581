/* uring.h - the io_uring backend of models/loop.h (uring.c, which also holds the model):
 * loop_backend_uring polls with multishot requests where the kernel has them
 * (edge-triggered), loop_backend_uring_once with one-shot polls re-armed at
 * each wait (level-triggered). */
#ifndef CB_MODELS_URING_H
#define CB_MODELS_URING_H

#include <stddef.h>

#include "models/loop.h"

extern const loop_backend loop_backend_uring, loop_backend_uring_once;

/* Can this process make an io_uring? 0, or -errno with why in words
 * ("io_uring unavailable (io_uring_setup: EPERM: ...)"). The machine is
 * asked once per process; CONCBENCH_FAULT_URING=1 (read at each call)
 * makes it EPERM, for the tests of the limit path. */
int uring_available(char *why, size_t len);

#endif
