/* units.h - figures for people: times and rates with a unit that fits. */
#ifndef CB_UNITS_H
#define CB_UNITS_H

#include <stddef.h>

/* "95 ns", "850 us", "41.2 ms", "1.23 s"; "-" for NaN. Returns buf. */
const char *units_time(double s, char *buf, size_t len);
/* "4.85/s", "12.3k/s", "1.02M/s"; "-" for NaN. Returns buf. */
const char *units_rate(double per_s, char *buf, size_t len);

#endif
