/*
 * plot.h - charts from a results directory, drawn by gnuplot.
 *
 * plot_dir() reads results.csv (and results.json's context, and tasks/ when
 * the runs were recorded with --timeline), picks the charts the data can
 * support, and writes beside the results, for each chart NAME:
 *	NAME.dat   the numbers, plain text with a commented header
 *	NAME.gp    a commented gnuplot script: `gnuplot NAME.gp` run inside
 *	           the directory redraws NAME.png, NAME.svg and NAME.pdf
 * then runs gnuplot on each script. The charts and what they show are
 * listed in plot.c.
 */
#ifndef CB_PLOT_H
#define CB_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "harness/plot/data.h"

/* Draw every chart for dir (results/<name>/<stamp> or .../latest). gnuplot
 * names the program (NULL: "gnuplot" from PATH); its complaints, and ours,
 * go to diag (NULL: stderr). Returns the number of charts drawn; 0 with the
 * .gp/.dat written and a hint on diag when gnuplot is not there; -1 with err
 * set when dir has no readable results.csv or a file cannot be written. */
int plot_dir(const char *dir, const char *gnuplot, FILE *diag, char *err, size_t errlen);
/* Run gnuplot in s->dir on each script s lists (plot_gp_end adds them);
 * what it says goes to diag. The number that drew without a word. */
int plot_scripts(const plot_set *s, const char *gnuplot, FILE *diag);
/* Is gnuplot (NULL: from PATH) runnable? 1 or 0. */
int plot_available(const char *gnuplot);

#endif
