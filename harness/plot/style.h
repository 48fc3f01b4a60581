/*
 * style.h - how each model looks in every chart, decided in one place.
 *
 * A model keeps one colour, dash type and point type across all charts, so a
 * class learns "threads is the blue dashed line" once. The key is the
 * model's kind: the name before ':' or '+' ("threads:stack=64k" -> threads).
 * A +gil variant is its kind's look made distinct: a darker shade of the
 * hue, the other point fill, PLOT_GIL_DASH, and hatched bars.
 */
#ifndef CB_PLOT_STYLE_H
#define CB_PLOT_STYLE_H

#include <stddef.h>

typedef struct {
	const char *kind;  /* "threads" */
	char color[8];     /* "#0072b2" */
	int dash;          /* gnuplot dt; 0: PLOT_GIL_DT */
	int point;         /* gnuplot pt */
	int gil;           /* a +gil variant: bars hatched (PLOT_GIL_FILL) */
} plot_style;

/* gnuplot dash pattern and bar fill of every +gil variant: long dash, dot;
 * hatched. */
#define PLOT_GIL_DT   "(14,5,3,5)"
#define PLOT_GIL_FILL "pattern 4 border"

/* The style of model; nth counts earlier models of the same kind in the
 * chart (0 for the first), so "threads" and "threads:stack=64k" differ.
 * Unknown kinds take the fallback cycle, by a hash of the name. */
plot_style plot_style_for(const char *model, unsigned nth);
/* Is model a +gil variant ("threads+gil", "pool+gil:workers=4")? */
int plot_is_gil(const char *model);
/* Fill colour of CPU k in timelines (a cycle of light and dark tones, so
 * neighbours differ in grayscale too). */
const char *plot_cpu_color(int cpu);

/* Chart geometry and type, shared by every script. */
#define PLOT_PNG_W 1280
#define PLOT_PNG_H 720
#define PLOT_FONT  "DejaVu Sans,16"
#define PLOT_PDF_W "10in"
#define PLOT_PDF_H "5.625in"

#endif
