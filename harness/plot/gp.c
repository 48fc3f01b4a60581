/*
 * gp.c - writing gnuplot scripts and their data files.
 *
 * Every script has the same shape, so a lecturer who has read one can edit
 * any: a header saying what it draws and from which .dat, the model styles
 * (from style.c), and a loop over the output formats whose body sets
 * the terminal and then draws. The loop is what lets one script produce the
 * PNG, the SVG and the PDF, also for multi-panel charts, where `replot`
 * cannot help. Files are built in memory and land whole through
 * file_write_text() (temp, fsync, rename).
 */
#define _GNU_SOURCE
#include "harness/plot/gp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot/style.h"
#include "harness/report/file.h"

int plot_write(plot_set *s, const char *file, const char *text, size_t len)
{
	return file_write_text(s->dir, file, text, len, s->err, s->errlen);
}

void plot_gp_str(FILE *f, const char *t)
{
	for (; *t; t++) {
		if (strchr("_^{}@&~\\", *t))
			fputs("\\\\", f); /* enhanced text: the next char is literal */
		if (*t == '"')
			fputc('\\', f);
		fputc(*t == '\n' || *t == '\r' ? ' ' : *t, f);
	}
}

size_t plot_gp_wrap_width(int size)
{
	/* DejaVu Sans averages about 0.68 em a character in these titles
	 * (digits, capitals, blanks); keep 15 % of the canvas for the edges.
	 * The SVG has the PNG's size; the PDF's fontscale 0.5 leaves it room. */
	return (size_t)(PLOT_PNG_W * 0.85 / (size * 0.68));
}

/* text in lines of at most w characters, broken after a blank or a comma
 * where possible, each line as {/=size ...}, joined by \n; returns the
 * number of lines written. */
static int wrap(FILE *f, const char *text, int size, int first)
{
	size_t w = plot_gp_wrap_width(size), n = strlen(text);
	int lines = 0;
	char line[512];
	while (n) {
		size_t cut = n;
		if (n > w) { /* the last blank or comma that keeps the line short */
			cut = w;
			for (size_t k = w; k > w / 2; k--)
				if (text[k - 1] == ' ' || text[k - 1] == ',') {
					cut = k;
					break;
				}
		}
		if (cut >= sizeof line)
			cut = sizeof line - 1;
		memcpy(line, text, cut);
		line[cut] = '\0';
		for (size_t k = cut; k > 0 && line[k - 1] == ' ';)
			line[--k] = '\0';
		fprintf(f, "%s{/%s=%d ", first && !lines ? "" : "\\n", size >= 20 ? ":Bold" : "",
			size);
		plot_gp_str(f, line);
		fputc('}', f);
		lines++;
		text += cut;
		n -= cut;
		while (*text == ' ')
			text++, n--;
	}
	return lines;
}

int plot_gp_title(FILE *f, const plot_set *s, const char *title, const char *note)
{
	char sub[sizeof s->what + sizeof s->machine + 8];
	int lines = 1;
	fputs("\"", f);
	wrap(f, title, 20, 1);
	/* what | machine on one line when it fits the slide, else wrapped */
	snprintf(sub, sizeof sub, "%s   |   %s", s->what, s->machine);
	if (strlen(sub) <= plot_gp_wrap_width(14)) {
		lines += wrap(f, sub, 14, 0);
	} else {
		lines += wrap(f, s->what, 14, 0);
		lines += wrap(f, s->machine, 14, 0);
	}
	if (note && *note)
		lines += wrap(f, note, 13, 0);
	fputs("\"", f);
	return lines;
}

double plot_gp_top(int lines)
{
	/* the bold title and two lines under it end at 0.74 (room for the
	 * panel titles); a subtitle line is 26 px */
	double top = 0.74 - (lines - 3) * 26.0 / PLOT_PNG_H;
	return top < 0.5 ? 0.5 : top > 0.78 ? 0.78 : top;
}

void plot_gp_head(FILE *f, const plot_set *s, const char *title, const char *note)
{
	/* A label at the canvas' centre, not `set title`: gnuplot centres a
	 * title over the plot area, which a legend outside pushes left until
	 * the title's ends fall off the canvas. Its first line sits at 36 px,
	 * each next one 26 px lower; the plot starts 30 px below the last. */
	fputs("# The title block, centred on the canvas; the plot starts below it.\n"
	      "set label 1 ",
	      f);
	int lines = plot_gp_title(f, s, title, note);
	fprintf(f, " at screen 0.5, screen %.4f center front\nset tmargin at screen %.4f\n",
		1 - 36.0 / PLOT_PNG_H, 1 - (66.0 + 26.0 * (lines - 1)) / PLOT_PNG_H);
}

void plot_gp_axis(FILE *f, char axis, double lo, double hi, int log)
{
	if (!log) {
		/* a fixed range, so that panels side by side share their scale */
		fprintf(f, "unset logscale %c\nset %ctics autofreq\nset %crange [%g:%g]\n", axis,
			axis, axis, lo < 0 ? lo * 1.1 : 0.0, hi > 0 ? hi * 1.08 : 1.0);
		return;
	}
	double a = lo / 1.4, b = hi * 1.4;
	fprintf(f, "set logscale %c 10\nset %crange [%g:%g]\nset format %c \"%%g\"\nset %ctics (",
		axis, axis, a, b, axis, axis);
	/* 1-2-5 tics; 1..9 when the range is too narrow for three of those */
	static const double m125[] = { 1, 2, 5 }, m19[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	for (int pass = 0; pass < 2; pass++) {
		const double *mul = pass ? m19 : m125;
		int nm = pass ? 9 : 3, n = 0;
		for (double d = pow(10, floor(log10(a))); d <= b; d *= 10)
			for (int k = 0; k < nm; k++)
				n += d * mul[k] >= a && d * mul[k] <= b;
		if (n < 3 && !pass)
			continue;
		int first = 1;
		for (double d = pow(10, floor(log10(a))); d <= b; d *= 10)
			for (int k = 0; k < nm; k++)
				if (d * mul[k] >= a && d * mul[k] <= b) {
					fprintf(f, "%s%.6g", first ? "" : ", ", d * mul[k]);
					first = 0;
				}
		break;
	}
	fputs(")\n", f);
}

void plot_gp_cs_axis(FILE *f, const plot_set *s)
{
	fputs("set logscale x 2\nset xtics (", f);
	for (size_t i = 0; i < s->ncs; i++)
		fprintf(f, "%s\"%u\" %u", i ? ", " : "", s->cs[i], s->cs[i]);
	/* a little room left and right, so end points are not on the border */
	fprintf(f, ")\nset xrange [%g:%g]\n", s->cs[0] / 1.25, s->cs[s->ncs - 1] * 1.25);
}

FILE *plot_gp_begin(plot_set *s, const char *name, const char *what, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (!f) {
		snprintf(s->err, s->errlen, "%s.gp: out of memory", name);
		return NULL;
	}
	fprintf(f,
		"# %s.gp - %s\n"
		"#\n"
		"# Written by `concbench plot`; restyle it freely and redraw with\n"
		"#     gnuplot %s.gp\n"
		"# run inside this directory. It reads %s.dat (its header says\n"
		"# which column is what) and writes %s.png, %s.svg and %s.pdf.\n\n",
		name, what, name, name, name, name, name);
	fputs("# One style per model, the same in every chart: colour, dash, point.\n", f);
	for (size_t m = 0; m < s->nmodels; m++) {
		plot_style st = plot_style_for(s->models[m], plot_kind_nth(s, m));
		char dt[24];
		snprintf(dt, sizeof dt, "%d", st.dash);
		fprintf(f, "set style line %zu lc rgb \"%s\" dt %s pt %d lw 2.5 ps 1.8   # %s%s\n",
			m + 1, st.color, st.dash ? dt : PLOT_GIL_DT, st.point, s->models[m],
			st.gil ? ": +gil, its model's hue darker, other point fill" : "");
	}
	fprintf(f,
		"\nset encoding utf8\n"
		"# One picture per format; remove a format here to skip it.\n"
		"formats = \"png svg pdf\"\n"
		"do for [fmt in formats] {\n"
		"if (fmt eq \"png\") { set terminal pngcairo size %d,%d enhanced font \"%s\" }\n"
		"if (fmt eq \"svg\") { set terminal svg size %d,%d dynamic enhanced font \"%s\" "
		"background \"white\" }\n"
		"if (fmt eq \"pdf\") { set terminal pdfcairo size %s,%s enhanced font \"%s\" }\n"
		"set output \"%s.\".fmt\n\n"
		"set border 3 lw 1.5\n"
		"set tics nomirror out\n"
		"set grid xtics ytics lc rgb \"#dddddd\" lw 1 dt 1\n"
		"# The legend sits outside the plot, so it never hides data.\n"
		"set key outside right top vertical Left reverse samplen 3 spacing 1.2\n",
		PLOT_PNG_W, PLOT_PNG_H, PLOT_FONT, PLOT_PNG_W, PLOT_PNG_H, PLOT_FONT, PLOT_PDF_W,
		PLOT_PDF_H, PLOT_FONT, name);
	return f;
}

int plot_gp_end(plot_set *s, const char *name, FILE *f, char **buf, size_t *len)
{
	char file[PLOT_NAMELEN + 8];
	fputs("\nunset multiplot\nset output\n}\n", f);
	if (fclose(f) != 0) {
		free(*buf);
		snprintf(s->err, s->errlen, "%s.gp: out of memory", name);
		return -1;
	}
	snprintf(file, sizeof file, "%s.gp", name);
	int rc = plot_write(s, file, *buf, *len);
	free(*buf);
	if (rc == 0 && s->ncharts < PLOT_MAXCHARTS)
		snprintf(s->charts[s->ncharts++], PLOT_NAMELEN, "%s", name);
	return rc;
}

FILE *plot_dat_begin(char **buf, size_t *len)
{
	return open_memstream(buf, len);
}

int plot_dat_end(plot_set *s, const char *name, FILE *f, char **buf, size_t *len)
{
	char file[PLOT_NAMELEN + 8];
	if (fclose(f) != 0) {
		free(*buf);
		snprintf(s->err, s->errlen, "%s.dat: out of memory", name);
		return -1;
	}
	snprintf(file, sizeof file, "%s.dat", name);
	int rc = plot_write(s, file, *buf, *len);
	free(*buf);
	return rc;
}
