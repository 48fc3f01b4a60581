/*
 * body.h - `--check-body`: every reply's body must be the same bytes as the
 * first one's, as it is for a static file or the bundled target's
 * /work?size=S&seed=K. The HTTP client digests each body as it streams in
 * (XXH3, as a run's task digest), so the check costs a compare per reply;
 * a reply that differs counts as a body error, and the table prints the
 * digest, which names the bytes served as a run's digest names its work.
 * The first reply of any thread sets the reference.
 */
#ifndef CB_LOAD_BODY_H
#define CB_LOAD_BODY_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct {
	atomic_int state; /* 0: no reference yet, 1: being set, 2: set */
	uint64_t digest;  /* the reference, once state is 2 */
} load_body;

/* 1 if digest is the reference (or has just become it), 0 if it differs;
 * *ref is the reference either way. Safe from any thread. */
int load_body_check(load_body *b, uint64_t digest, uint64_t *ref);

#endif
