/* units.c - figures for people: three significant digits and a fitting unit. */
#include "harness/report/units.h"

#include <math.h>
#include <stdio.h>

const char *units_time(double s, char *buf, size_t len)
{
	static const struct {
		double scale;
		const char *name;
	} u[] = {
		{ 1, "s" },
		{ 1e-3, "ms" },
		{ 1e-6, "us" },
		{ 1e-9, "ns" },
	};
	if (isnan(s)) {
		snprintf(buf, len, "-");
		return buf;
	}
	size_t k = 0;
	while (k + 1 < sizeof u / sizeof *u && fabs(s) < u[k].scale)
		k++;
	double v = s / u[k].scale;
	snprintf(buf, len, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, u[k].name);
	return buf;
}

const char *units_rate(double per_s, char *buf, size_t len)
{
	if (isnan(per_s) || isinf(per_s)) {
		snprintf(buf, len, "-");
		return buf;
	}
	const char *suffix = "";
	if (per_s >= 1e6)
		per_s /= 1e6, suffix = "M";
	else if (per_s >= 1e3)
		per_s /= 1e3, suffix = "k";
	snprintf(buf, len,
		 per_s >= 100  ? "%.0f%s/s"
		 : per_s >= 10 ? "%.1f%s/s"
			       : "%.2f%s/s",
		 per_s, suffix);
	return buf;
}
