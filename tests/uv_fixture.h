/*
 * uv_fixture.h - the tests that run the uv model skip it, saying why once,
 * where concbench was built without libuv (no libuv1-dev: `make HAVE_UV=`).
 * Asking also makes libuv's process-wide pipe (its first loop opens one and
 * keeps it), so call it before a test counts its fds. The limit itself is
 * tested in test_uv.c.
 */
#ifndef CB_UV_FIXTURE_H
#define CB_UV_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "models/uv.h"

/* 1 when `name` is the uv model and this build has no libuv. */
static inline int uv_skipped(const char *name)
{
	static int said;
	char why[256];

	if (strncmp(name, "uv", 2) != 0 || strchr(":+", name[2]) == NULL ||
	    uvmodel_available(why, sizeof why) == 0)
		return 0;
	if (!said++)
		print_message("skipped uv here: %s\n", why);
	return 1;
}

#endif
