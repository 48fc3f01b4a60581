/*
 * style.c - the one table of model styles.
 *
 * Colours are the Okabe-Ito palette (safe for colour-blind readers) with
 * black for sequential, the baseline everything is compared with. Dash type
 * and point type change from line to line as well, so the charts still read
 * when printed in grayscale. A +gil variant keeps its model's hue, darker,
 * with the point turned hollow (or filled, where the plain one is hollow), a
 * long-dash-dot line and hatched bars: "threads+gil is threads, with a
 * lock" reads at a glance, and the two never share a look. To restyle every
 * chart, edit this table; to restyle one chart, edit the `set style line`
 * lines of its .gp script.
 */
#include "harness/plot/style.h"

#include <stdio.h>
#include <string.h>

static const plot_style table[] = {
	{ "sequential", "#000000", 1, 7, 0 }, /* filled circle */
	{ "threads", "#0072b2", 2, 5, 0 },    /* filled square */
	{ "pool", "#56b4e9", 3, 9, 0 },       /* filled triangle */
	{ "fork", "#d55e00", 4, 11, 0 },      /* filled triangle down */
	{ "prefork", "#e69f00", 5, 13, 0 },   /* filled diamond */
	{ "select", "#009e73", 1, 6, 0 },     /* open circle */
	{ "poll", "#cc79a7", 2, 4, 0 },       /* open square */
	{ "epoll", "#882255", 3, 8, 0 },      /* open triangle */
	{ "coro", "#8a7d00", 4, 12, 0 },      /* open diamond */
	{ "hybrid", "#44aa99", 5, 10, 0 },    /* open triangle down */
	{ "uring", "#7f3b08", 1, 15, 0 },     /* open pentagon */
	{ "uv", "#6a3d9a", 2, 2, 0 },         /* cross */
};

/* For kinds not in the table, and second models of one kind. */
static const char *cycle_color[] = { "#332288", "#117733", "#aa4499", "#999933",
				     "#661100", "#6699cc", "#888888", "#dd7788" };
static const int cycle_point[] = { 1, 2, 3, 14, 15, 64, 65, 66 };

int plot_is_gil(const char *model)
{
	size_t end = strcspn(model, ":"); /* flags come before the options */
	for (const char *p = strchr(model, '+'); p && (size_t)(p - model) < end;
	     p = strchr(p + 1, '+'))
		if (strncmp(p + 1, "gil", 3) == 0 && strchr("+:", p[4]))
			return 1;
	return 0;
}

/* The +gil look of s: a darker shade (x 0.62), the point's other fill. */
static plot_style gil_style(plot_style s)
{
	unsigned r, g, b;
	if (sscanf(s.color, "#%2x%2x%2x", &r, &g, &b) == 3)
		snprintf(s.color, sizeof s.color, "#%02x%02x%02x", (r & 255) * 62 / 100,
			 (g & 255) * 62 / 100, (b & 255) * 62 / 100);
	/* gnuplot's even point types are the open ones, odd the filled */
	if (s.point >= 4 && s.point <= 13)
		s.point = s.point % 2 ? s.point - 1 : s.point + 1;
	else if (s.point == 1 || s.point == 2)
		s.point = 3 - s.point;
	s.dash = 0;
	s.gil = 1;
	return s;
}

plot_style plot_style_for(const char *model, unsigned nth)
{
	size_t klen = strcspn(model, ":+");
	plot_style s;
	size_t i = 0;
	while (i < sizeof table / sizeof table[0] &&
	       (strlen(table[i].kind) != klen || strncmp(table[i].kind, model, klen) != 0))
		i++;
	if (i < sizeof table / sizeof table[0]) {
		s = table[i];
		if (nth) { /* same colour, other dashes and points */
			s.dash = 1 + (s.dash + nth - 1) % 5;
			s.point = cycle_point[(nth - 1) % 8];
		}
	} else {
		unsigned h = 5381;
		for (size_t j = 0; j < klen; j++)
			h = h * 33 + (unsigned char)model[j];
		h += nth;
		s = (plot_style){ "", "", 1 + (int)(h % 5), cycle_point[h % 8], 0 };
		snprintf(s.color, sizeof s.color, "%s", cycle_color[h % 8]);
	}
	return plot_is_gil(model) ? gil_style(s) : s;
}

const char *plot_cpu_color(int cpu)
{
	static const char *c[] = { "#0072b2", "#f0c000", "#d55e00", "#a6d8f5",
				   "#009e73", "#e0a0c8", "#404040", "#b0b0b0" };
	return c[(unsigned)cpu % 8];
}
