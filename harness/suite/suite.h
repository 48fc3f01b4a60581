/*
 * suite.h - a suite: a claim, the sweeps that test it, and expectations on
 * their results that say whether the claim was reproduced; and the line
 * grammar of a .suite file, which is described at the top of suite.c.
 */
#ifndef CB_SUITE_H
#define CB_SUITE_H

#include <stddef.h>

#include "harness/suite/expr.h"

#define SUITE_MAX_EXPECT 16
#define SUITE_MAX_CHARTS 8
#define SUITE_MAX_NEEDS  4
#define SUITE_MAX_SWEEPS 4
#define SUITE_MAX_ROWS   8
#define SUITE_TEXT       EXPR_TEXT /* a claim, a line of run options, ... */
#define SUITE_MAX_LINE   2048      /* a line of a .suite file */
#define SUITE_MAX_WORDS  64        /* words of a full or quick line */
#define SUITE_MAX_FILE   (1 << 20) /* bytes of a .suite file */

typedef struct {
	char what[16]; /* "cores" */
	char op[4];    /* >= > <= < == */
	long value;
	char text[128];
} suite_need;

typedef struct {
	char file[256]; /* where it came from: a path or "builtin:NAME" */
	char name[64];
	char claim[SUITE_TEXT], source[SUITE_TEXT], book[SUITE_TEXT];
	/* One sweep per full/quick pair: a claim whose classes need different
	 * sizes (L13: 8 CPU-bound tasks, 5,000 slow waits) runs several. */
	char full[SUITE_MAX_SWEEPS][SUITE_TEXT], quick[SUITE_MAX_SWEEPS][SUITE_TEXT];
	int nsweeps;
	char charts[SUITE_MAX_CHARTS][64];
	int ncharts;
	expr_expect ex[SUITE_MAX_EXPECT];
	int nex;
	suite_need needs[SUITE_MAX_NEEDS];
	int nneeds;
	expr_row rows[SUITE_MAX_ROWS];
	int nrows;
} suite;

/* Parse a suite's text; file names it in messages. 0, or -1 with
 * "FILE:LINE: what is wrong" in err (LINE 0 for something missing).
 * The full and quick lines are checked with the run option parser. */
int suite_parse(const char *text, const char *file, suite *s, char *err, size_t errlen);
/* The same for size bytes read from a file, which may hold a NUL byte: an
 * error naming its line, like any byte a suite file may not hold. */
int suite_parse_bytes(const char *text, size_t size, const char *file, suite *s, char *err,
		      size_t errlen);

/* Split a line of run options into words (whitespace; '...' and "..." quote).
 * Returns the count, or -1 if more than max or a quote is left open. The
 * words point into buf, which receives a copy of text. */
int suite_words(const char *text, char *buf, size_t buflen, char **words, int max);

#endif
