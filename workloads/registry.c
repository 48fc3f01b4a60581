/* registry.c - the table of workloads. Adding one: one file, one line here. */
#include <string.h>

#include "workloads/registry.h"

extern const wl_kind wl_fib, wl_hash, wl_sleep, wl_spin, wl_null, wl_http, wl_mixed, wl_switch,
	wl_serve;

static const wl_kind *const all[] = {
	&wl_fib, &wl_hash, &wl_sleep, &wl_spin, &wl_null, &wl_http, &wl_mixed, &wl_switch, &wl_serve, NULL,
};

const wl_kind *const *wl_all(void)
{
	return all;
}

const wl_kind *wl_find(const char *name)
{
	for (const wl_kind *const *w = all; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}
