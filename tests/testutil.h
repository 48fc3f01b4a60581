/* testutil.h - what every cmocka test file includes. */
#ifndef CB_TESTUTIL_H
#define CB_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "harness/report/file.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A file's text (its first 64 KiB) through the project's one reader, in a
 * buffer the next call reuses; a file that cannot be read fails the test. */
static inline const char *test_slurp(const char *path)
{
	static char buf[1 << 16];
	char err[512];
	char *text = file_slurp(path, 1 << 20, NULL, err, sizeof err);
	if (!text)
		fail_msg("%s", err);
	snprintf(buf, sizeof buf, "%s", text);
	free(text);
	return buf;
}

#endif
