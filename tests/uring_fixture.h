/*
 * uring_fixture.h - the tests that run the uring model or backend skip it,
 * saying why once, where this process cannot make an io_uring: a kernel
 * without it, kernel.io_uring_disabled, a seccomp filter, or a valgrind
 * that does not know its system calls (make memcheck). The limit path
 * itself is tested everywhere (test_uring.c, through CONCBENCH_FAULT_URING).
 */
#ifndef CB_URING_FIXTURE_H
#define CB_URING_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "models/uring.h"

/* 1 when `name` is the uring model or backend and io_uring is unavailable. */
static inline int uring_skipped(const char *name)
{
	static int said;
	char why[256];

	if (strncmp(name, "uring", 5) != 0 || uring_available(why, sizeof why) == 0)
		return 0;
	if (!said++)
		print_message("skipped uring here: %s\n", why);
	return 1;
}

#endif
