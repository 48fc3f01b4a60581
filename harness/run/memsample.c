/*
 * memsample.c - add up a process tree's memory from /proc; see memsample.h.
 */
#define _GNU_SOURCE
#include "harness/run/memsample.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MEMSAMPLE_MAXPROCS 65536

int memsample_parse_statm(const char *text, long page_kib, long *resident, long *shared)
{
	long size, res, shr;
	if (sscanf(text, "%ld %ld %ld", &size, &res, &shr) != 3 || res < 0 || shr < 0 || shr > res)
		return -1;
	*resident = res * page_kib;
	*shared = shr * page_kib;
	return 0;
}

/* A small /proc file into buf; its length, or -1. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* A /proc file whole, however long (a fork run's children list can hold
 * thousands of pids); NULL when it cannot be read. free() it. */
static char *slurp_all(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf = fd < 0 ? NULL : malloc(cap);
	while (buf) {
		if (len + 1 == cap) {
			char *b = cap < ((size_t)1 << 24) ? realloc(buf, cap * 2) : NULL;
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			free(buf);
			buf = NULL;
		} else if (n == 0) {
			buf[len] = '\0';
			break;
		} else {
			len += (size_t)n;
		}
	}
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Append pid's children to the list; the list grows as needed. */
static int add_children(pid_t pid, pid_t **list, size_t *n, size_t *cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	char *buf = slurp_all(path);
	if (!buf)
		return 0;
	int rc = 0;
	for (char *s = buf, *end; *s; s = end) {
		long c = strtol(s, &end, 10);
		if (end == s)
			break;
		if (*n == *cap) {
			size_t ncap = *cap * 2;
			pid_t *l = ncap <= MEMSAMPLE_MAXPROCS ? realloc(*list, ncap * sizeof *l)
							      : NULL;
			if (!l) {
				rc = -1;
				break;
			}
			*list = l;
			*cap = ncap;
		}
		(*list)[(*n)++] = (pid_t)c;
	}
	free(buf);
	return rc;
}

long memsample_tree_kib(pid_t root)
{
	static long page_kib;
	if (!page_kib)
		page_kib = sysconf(_SC_PAGESIZE) / 1024;
	size_t n = 0, cap = 64;
	pid_t *list = malloc(cap * sizeof *list);
	long priv = 0, most_shared = 0, total = -1;
	if (!list)
		return -1;
	list[n++] = root;
	for (size_t i = 0; i < n; i++) { /* breadth first: the list is the queue */
		char path[64], buf[256];
		long res, shr;
		snprintf(path, sizeof path, "/proc/%d/statm", (int)list[i]);
		if (slurp(path, buf, sizeof buf) <= 0 ||
		    memsample_parse_statm(buf, page_kib, &res, &shr) < 0) {
			if (i == 0)
				break; /* the run itself has gone */
			continue;      /* a child that just exited */
		}
		priv += res - shr;
		if (shr > most_shared)
			most_shared = shr;
		total = priv + most_shared;
		if (add_children(list[i], &list, &n, &cap) < 0)
			break;
	}
	free(list);
	return total;
}

long memsample_parse_meminfo(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		if (strncmp(p, key, kl) || p[kl] != ':')
			continue;
		long v = strtol(p + kl + 1, &end, 10);
		return end == p + kl + 1 || v < 0 ? -1 : v;
	}
	return -1;
}

long memsample_kernel_stack_kib(void)
{
	char buf[8192];
	if (slurp("/proc/meminfo", buf, sizeof buf) <= 0)
		return -1;
	return memsample_parse_meminfo(buf, "KernelStack");
}
