/*
 * probe.h - before a load run: can a connection be made at all? A target
 * that refuses one is reported in a sentence (exit 1), not as a table of
 * millions of connect errors from connections retrying as fast as they can.
 */
#ifndef CB_LOAD_PROBE_H
#define CB_LOAD_PROBE_H

#include <stddef.h>

#include "workloads/http/httpcfg.h"

/* One non-blocking connect to h, waited for within h->timeout_ms, then
 * closed. 0, or -1 with "cannot connect to HOST:PORT: why" in err. */
int load_probe(const struct httpcfg *h, char *err, size_t errlen);

#endif
