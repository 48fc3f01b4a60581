/*
 * timerheap.h - the event loop's timers (timerheap.c): a binary min-heap of
 * deadlines, with ids that stay valid or harmless across reuse.
 */
#ifndef CB_TIMERHEAP_H
#define CB_TIMERHEAP_H

#include <stddef.h>
#include <stdint.h>

#include "models/loop.h"

typedef struct {
	uint64_t deadline, seq; /* heap key */
	uint32_t slot;
} th_ent;

typedef struct {
	uint32_t gen;  /* part of the id; bumped when the slot is freed */
	uint32_t pos;  /* index in the heap; TH_FREE when not armed */
	uint32_t next; /* free list */
	loop_timer_fn fn;
	void *arg;
} th_slot;

#define TH_FREE UINT32_MAX

typedef struct {
	th_ent *heap; /* heap[0] is the earliest; n of them */
	size_t n, cap;
	th_slot *slot;
	uint32_t nslot, freeslot;
	uint64_t seq; /* timers armed so far: ties go to the first armed */
} timerheap;

/* Room for cap timers, its pages mapped now (model_mem_populate); it grows
 * past that as needed. 0 or -ENOMEM. */
int th_init(timerheap *h, size_t cap);
void th_free(timerheap *h);
/* Arm fn(arg) at deadline: an id > 0 (a slot and its generation), or -ENOMEM. */
int64_t th_add(timerheap *h, uint64_t deadline, loop_timer_fn fn, void *arg);
/* Disarm; an id that fired, was cancelled or never was does nothing. */
void th_cancel(timerheap *h, int64_t id);
/* The earliest timer, if due by now: 1 with it taken out and its callback
 * in *fn, *arg; else 0. */
int th_pop_due(timerheap *h, uint64_t now, loop_timer_fn *fn, void **arg);

#endif
