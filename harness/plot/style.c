/*
 * style.c - the one table of model styles.
 *
 * Colours are the Okabe-Ito palette (safe for colour-blind readers) with
 * black for sequential, the baseline everything is compared with. Dash type
 * and point type change from line to line as well, so the charts still read
 * when printed in grayscale. To restyle every chart, edit this table; to
 * restyle one chart, edit the `set style line` lines of its .gp script.
 */
#include "harness/plot/style.h"

#include <string.h>

static const plot_style table[] = {
	{ "sequential", "#000000", 1, 7 }, /* filled circle */
	{ "threads", "#0072b2", 2, 5 },    /* filled square */
	{ "pool", "#56b4e9", 3, 9 },       /* filled triangle */
	{ "fork", "#d55e00", 4, 11 },      /* filled triangle down */
	{ "prefork", "#e69f00", 5, 13 },   /* filled diamond */
	{ "select", "#009e73", 1, 6 },     /* open circle */
	{ "poll", "#cc79a7", 2, 4 },       /* open square */
	{ "epoll", "#882255", 3, 8 },      /* open triangle */
	{ "coro", "#8a7d00", 4, 12 },      /* open diamond */
	{ "hybrid", "#44aa99", 5, 10 },    /* open triangle down */
};

/* For kinds not in the table, and second models of one kind. */
static const char *cycle_color[] = { "#332288", "#117733", "#aa4499", "#999933",
				     "#661100", "#6699cc", "#888888", "#dd7788" };
static const int cycle_point[] = { 1, 2, 3, 14, 15, 64, 65, 66 };

plot_style plot_style_for(const char *model, unsigned nth)
{
	size_t klen = strcspn(model, ":+");
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strlen(table[i].kind) != klen || strncmp(table[i].kind, model, klen) != 0)
			continue;
		plot_style s = table[i];
		if (nth) { /* same colour, other dashes and points */
			s.dash = 1 + (s.dash + nth - 1) % 5;
			s.point = cycle_point[(nth - 1) % 8];
		}
		return s;
	}
	unsigned h = 5381;
	for (size_t i = 0; i < klen; i++)
		h = h * 33 + (unsigned char)model[i];
	h += nth;
	return (plot_style){ "", cycle_color[h % 8], 1 + (int)(h % 5), cycle_point[h % 8] };
}

const char *plot_cpu_color(int cpu)
{
	static const char *c[] = { "#0072b2", "#f0c000", "#d55e00", "#a6d8f5",
				   "#009e73", "#e0a0c8", "#404040", "#b0b0b0" };
	return c[(unsigned)cpu % 8];
}
