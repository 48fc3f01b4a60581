/*
 * body.c - the reference body digest (see body.h): set once, by whichever
 * thread's reply comes first, then only read. The one writer wins a
 * compare-and-swap, stores the digest and publishes it; a reader that
 * catches the writer in between waits the few instructions it takes.
 */
#include "harness/load/body.h"

int load_body_check(load_body *b, uint64_t digest, uint64_t *ref)
{
	int unset = 0;

	if (atomic_compare_exchange_strong(&b->state, &unset, 1)) {
		b->digest = digest;
		atomic_store_explicit(&b->state, 2, memory_order_release);
	}
	while (atomic_load_explicit(&b->state, memory_order_acquire) != 2)
		;
	*ref = b->digest;
	return digest == b->digest;
}
