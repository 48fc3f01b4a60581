/*
 * style.h - how each model looks in every chart, decided in one place.
 *
 * A model keeps one colour, dash type and point type across all charts, so a
 * class learns "threads is the blue dashed line" once. The key is the
 * model's kind: the name before ':' or '+' ("threads:stack=64k" -> threads).
 */
#ifndef CB_PLOT_STYLE_H
#define CB_PLOT_STYLE_H

#include <stddef.h>

typedef struct {
	const char *kind;  /* "threads" */
	const char *color; /* "#0072b2" */
	int dash;          /* gnuplot dt */
	int point;         /* gnuplot pt */
} plot_style;

/* The style of model; nth counts earlier models of the same kind in the
 * chart (0 for the first), so "threads" and "threads:stack=64k" differ.
 * Unknown kinds take the fallback cycle, by a hash of the name. */
plot_style plot_style_for(const char *model, unsigned nth);
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
