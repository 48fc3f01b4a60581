/*
 * timerheap.c - the event loop's timers: a binary min-heap of slots.
 *
 * The heap is keyed by (deadline, order of arming), so equal deadlines fire
 * first-armed-first. A timer id names a slot that remembers where its timer
 * sits in the heap, so a cancel is O(log n), and a generation count in the
 * id makes a stale id (fired, cancelled) harmless: the slot's generation has
 * moved on. libuv and asyncio keep their timers in binary heaps too; Linux
 * and Kafka use timer wheels, O(1) but coarse.
 */
#include "models/timerheap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int before(const th_ent *a, const th_ent *b)
{
	return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
}

static void place(timerheap *h, size_t i, th_ent e)
{
	h->heap[i] = e;
	h->slot[e.slot].pos = (uint32_t)i;
}

static void sift_up(timerheap *h, size_t i)
{
	th_ent e = h->heap[i];
	while (i > 0 && before(&e, &h->heap[(i - 1) / 2])) {
		place(h, i, h->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(h, i, e);
}

static void sift_down(timerheap *h, size_t i)
{
	th_ent e = h->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->heap[c + 1], &h->heap[c]))
			c++;
		if (!before(&h->heap[c], &e))
			break;
		place(h, i, h->heap[c]);
		i = c;
	}
	place(h, i, e);
}

/* Take the timer at heap index i out; its slot goes back on the free list. */
static void heap_remove(timerheap *h, size_t i)
{
	uint32_t k = h->heap[i].slot;
	th_slot *s = &h->slot[k];

	s->pos = TH_FREE;
	s->gen = s->gen >= 0x7fffffff ? 1 : s->gen + 1;
	s->next = h->freeslot;
	h->freeslot = k;
	if (i == --h->n)
		return;
	place(h, i, h->heap[h->n]); /* the last one fills the hole */
	if (i > 0 && before(&h->heap[i], &h->heap[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

/* Grow the slots to n (all free ones: the free list is empty). */
static int new_slots(timerheap *h, uint32_t n)
{
	th_slot *s = realloc(h->slot, n * sizeof *s);
	if (!s)
		return -ENOMEM;
	for (uint32_t j = h->nslot; j < n; j++)
		s[j] = (th_slot){ .gen = 1, .pos = TH_FREE, .next = j + 1 < n ? j + 1 : TH_FREE };
	h->slot = s;
	h->freeslot = h->nslot;
	h->nslot = n;
	return 0;
}

int th_init(timerheap *h, size_t cap)
{
	*h = (timerheap){ .freeslot = TH_FREE };
	cap = cap < 64 ? 64 : cap > TH_FREE / 2 ? TH_FREE / 2 : cap;
	h->heap = malloc(cap * sizeof *h->heap);
	if (!h->heap || new_slots(h, (uint32_t)cap) < 0) {
		th_free(h);
		return -ENOMEM;
	}
	h->cap = cap;
	model_mem_populate(h->heap, cap * sizeof *h->heap);
	model_mem_populate(h->slot, cap * sizeof *h->slot);
	return 0;
}

void th_free(timerheap *h)
{
	free(h->heap);
	free(h->slot);
	*h = (timerheap){ 0 };
}

int64_t th_add(timerheap *h, uint64_t deadline, loop_timer_fn fn, void *arg)
{
	if (h->n == h->cap) {
		th_ent *e = realloc(h->heap, 2 * h->cap * sizeof *e);
		if (!e)
			return -ENOMEM;
		h->heap = e;
		h->cap *= 2;
	}
	if (h->freeslot == TH_FREE && (h->nslot >= TH_FREE / 2 || new_slots(h, h->nslot * 2) < 0))
		return -ENOMEM;
	uint32_t k = h->freeslot;
	h->freeslot = h->slot[k].next;
	h->slot[k].fn = fn;
	h->slot[k].arg = arg;
	h->heap[h->n] = (th_ent){ deadline, h->seq++, k };
	sift_up(h, h->n++);
	return (int64_t)h->slot[k].gen << 32 | k;
}

void th_cancel(timerheap *h, int64_t id)
{
	uint32_t k = (uint32_t)id;
	if (id <= 0 || k >= h->nslot || h->slot[k].gen != (uint64_t)id >> 32 ||
	    h->slot[k].pos == TH_FREE)
		return;
	heap_remove(h, h->slot[k].pos);
}

int th_pop_due(timerheap *h, uint64_t now, loop_timer_fn *fn, void **arg)
{
	if (!h->n || h->heap[0].deadline > now)
		return 0;
	th_slot *s = &h->slot[h->heap[0].slot];
	*fn = s->fn;
	*arg = s->arg;
	heap_remove(h, 0);
	return 1;
}
