/* duration.c - "1.5s", "500ms", "2m" into nanoseconds (see duration.h). */
#include "harness/run/duration.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t spec_duration_ns(const char *s)
{
	static const struct {
		const char *unit;
		double ns;
	} u[] = { { "ns", 1 },   { "us", 1e3 },   { "ms", 1e6 }, { "s", 1e9 },
		  { "m", 60e9 }, { "h", 3600e9 }, { "", 1e9 } };
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !(v >= 0) || isinf(v))
		return -1;
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		if (!strcmp(end, u[i].unit))
			return v * u[i].ns < 1e18 ? (int64_t)(v * u[i].ns) : -1;
	return -1;
}
