/*
 * gp.h - the gnuplot script and data writer (gp.c).
 */
#ifndef CB_PLOT_GP_H
#define CB_PLOT_GP_H

#include <stddef.h>
#include <stdio.h>

#include "harness/plot/data.h"

/* The script writer. begin() opens a memory stream with the
 * header, the model styles and the output loop; end() closes the loop and
 * writes NAME.gp atomically. 0, or -1 with s->err set. */
FILE *plot_gp_begin(plot_set *s, const char *name, const char *what, char **buf, size_t *len);
int plot_gp_end(plot_set *s, const char *name, FILE *f, char **buf, size_t *len);
/* The quoted title text "<title>\n<workload | machine>" (and a line for
 * note, if any), for `set title` or `set multiplot title`; every part is
 * wrapped at plot_gp_wrap_width() of its size, never cut by the canvas.
 * Returns the number of lines. */
int plot_gp_title(FILE *f, const plot_set *s, const char *title, const char *note);
/* A one-panel chart's title block: plot_gp_title() as a label centred on
 * the canvas, and the top margin that leaves it room. */
void plot_gp_head(FILE *f, const plot_set *s, const char *title, const char *note);
/* Where a multiplot's panels can start (tmargin, screen fraction) below a
 * title of that many lines. */
double plot_gp_top(int lines);
/* Characters of a line of text at font size (pt) that fit the canvas. */
size_t plot_gp_wrap_width(int size);
/* A log axis ('x' or 'y') over [lo, hi] with tics at 1, 2, 5 x 10^k; a
 * linear one from 0 (or lo, when lo < 0) when log is 0. */
void plot_gp_axis(FILE *f, char axis, double lo, double hi, int log);
/* A string as the inside of a gnuplot double-quoted enhanced-text string. */
void plot_gp_str(FILE *f, const char *text);
/* Tics at the concurrency values of the set, log2 x axis. */
void plot_gp_cs_axis(FILE *f, const plot_set *s);
/* A data file: open a memory stream; plot_dat_end writes NAME.dat. */
FILE *plot_dat_begin(char **buf, size_t *len);
int plot_dat_end(plot_set *s, const char *name, FILE *f, char **buf, size_t *len);
/* Write dir/file through file_write (temp, fsync, rename). 0 or -1 with s->err set. */
int plot_write(plot_set *s, const char *file, const char *text, size_t len);

#endif
