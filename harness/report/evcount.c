/*
 * evcount.c - how many tasks of a loop lane are in one state over time: the
 * summary band of a chart with too many tasks for a row each, and the
 * ready-queue counter of trace.json. A sweep over the segments' edges,
 * ends before starts at one instant, so back-to-back segments never count
 * twice.
 */
#include "harness/report/evcount.h"

#include <stdlib.h>

/* An edge of the count: +1 or -1 at t. */
typedef struct {
	int64_t t;
	int d;
} edge;

static int cmp_edge(const void *a, const void *b)
{
	const edge *x = a, *y = b;
	if (x->t != y->t)
		return (x->t > y->t) - (x->t < y->t);
	return x->d - y->d; /* ends before starts */
}

size_t evc_steps(const evr_run *r, int lane, evr_state st, evc_step **steps)
{
	size_t ne = 0, k = 0;
	edge *e = malloc((2 * r->ntsegs + 1) * sizeof *e);
	*steps = NULL;
	if (!e)
		return 0;
	for (size_t i = 0; i < r->ntsegs; i++)
		if (r->tsegs[i].lane == lane && r->tsegs[i].state == st) {
			e[ne++] = (edge){ r->tsegs[i].t0, 1 };
			e[ne++] = (edge){ r->tsegs[i].t1, -1 };
		}
	if (ne && (*steps = malloc(ne * sizeof **steps))) {
		qsort(e, ne, sizeof *e, cmp_edge);
		int n = 0;
		for (size_t i = 0; i < ne; i++) {
			n += e[i].d;
			if (k && (*steps)[k - 1].t == e[i].t)
				(*steps)[k - 1].n = n; /* one step per instant */
			else
				(*steps)[k++] = (evc_step){ e[i].t, n };
		}
	}
	free(e);
	return k;
}
